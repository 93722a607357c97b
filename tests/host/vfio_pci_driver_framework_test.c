// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver framework's wrappers, driven with a fake driver on a
 * hand-built device: they must pass a valid sequence of calls through in
 * order and stop every misuse before it reaches the driver.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/list.h>

#include <libvfio.h>

#include "kselftest_harness.h"

#include "child.h"

#define FAKE_MAX_SIZE		0x1000ULL
#define FAKE_MAX_COUNT		16ULL
#define FAKE_MSI		3
#define FAKE_REGION_IOVA	0x40000000ULL

enum fake_op { OP_INIT, OP_REMOVE, OP_START, OP_WAIT, OP_MSI, NR_OPS };

static const char * const op_names[NR_OPS] = {
	[OP_INIT] = "init",
	[OP_REMOVE] = "remove",
	[OP_START] = "memcpy_start",
	[OP_WAIT] = "memcpy_wait",
	[OP_MSI] = "send_msi",
};

struct fake_call {
	enum fake_op op;
	iova_t src;
	iova_t dst;
	u64 size;
	u64 count;
};

/*
 * What the fake driver was asked to do. It lives in shared memory so that
 * the parent can see what a child reached before an assertion ended it.
 */
struct fake_log {
	int nr_calls;
	struct fake_call calls[64];
	/* What successive memcpy_wait() calls return. */
	int wait_ret[8];
	int nr_waits;
};

static struct fake_log *fake_log;

static struct {
	struct iommu iommu;
	struct vfio_pci_device device;
	unsigned char region[0x10000];
} fake;

static void fake_record(enum fake_op op, iova_t src, iova_t dst, u64 size,
			u64 count)
{
	struct fake_call *call;

	VFIO_ASSERT_LT(fake_log->nr_calls, 64, "fake driver log full");
	call = &fake_log->calls[fake_log->nr_calls++];
	call->op = op;
	call->src = src;
	call->dst = dst;
	call->size = size;
	call->count = count;
}

static int fake_probe(struct vfio_pci_device *device)
{
	return 0;
}

static void fake_init(struct vfio_pci_device *device)
{
	fake_record(OP_INIT, 0, 0, 0, 0);
	device->driver.max_memcpy_size = FAKE_MAX_SIZE;
	device->driver.max_memcpy_count = FAKE_MAX_COUNT;
	device->driver.msi = FAKE_MSI;
}

/* A broken driver: it forgets to say how much one copy may move. */
static void fake_init_no_size(struct vfio_pci_device *device)
{
	fake_record(OP_INIT, 0, 0, 0, 0);
	device->driver.max_memcpy_count = FAKE_MAX_COUNT;
	device->driver.msi = FAKE_MSI;
}

static void fake_remove(struct vfio_pci_device *device)
{
	fake_record(OP_REMOVE, 0, 0, 0, 0);
}

static void fake_memcpy_start(struct vfio_pci_device *device, iova_t src,
			      iova_t dst, u64 size, u64 count)
{
	fake_record(OP_START, src, dst, size, count);
}

static int fake_memcpy_wait(struct vfio_pci_device *device)
{
	int i = fake_log->nr_waits++;

	fake_record(OP_WAIT, 0, 0, 0, 0);
	if (i < 8)
		return fake_log->wait_ret[i];
	return 0;
}

static void fake_send_msi(struct vfio_pci_device *device)
{
	fake_record(OP_MSI, 0, 0, 0, 0);
}

static const struct vfio_pci_driver_ops fake_ops = {
	.name = "fake",
	.probe = fake_probe,
	.init = fake_init,
	.remove = fake_remove,
	.memcpy_start = fake_memcpy_start,
	.memcpy_wait = fake_memcpy_wait,
	.send_msi = fake_send_msi,
};

static const struct vfio_pci_driver_ops fake_no_size_ops = {
	.name = "fake_no_size",
	.probe = fake_probe,
	.init = fake_init_no_size,
	.remove = fake_remove,
	.memcpy_start = fake_memcpy_start,
	.memcpy_wait = fake_memcpy_wait,
	.send_msi = fake_send_msi,
};

/*
 * A device as vfio_pci_device_init() would leave it for the framework,
 * minus everything that needs the kernel: no fds, no BARs, an IOMMU that
 * only holds a list of regions. With @mapped false the driver region is
 * left off that list, as if the test forgot to map it.
 */
static int fake_setup(const struct vfio_pci_driver_ops *ops, bool mapped)
{
	struct vfio_pci_driver *driver = &fake.device.driver;
	unsigned int i;

	fake_log = mmap(NULL, sizeof(*fake_log), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fake_log == MAP_FAILED)
		return -errno;

	memset(&fake, 0, sizeof(fake));

	fake.iommu.mode = iommu_mode_lookup(MODE_IOMMUFD);
	fake.iommu.container_fd = -1;
	fake.iommu.iommufd = -1;
	INIT_LIST_HEAD(&fake.iommu.dma_regions);

	fake.device.bdf = "0000:00:04.0";
	fake.device.fd = -1;
	fake.device.group_fd = -1;
	fake.device.iommu = &fake.iommu;
	for (i = 0; i < sizeof(fake.device.msi_eventfds) / sizeof(int); i++)
		fake.device.msi_eventfds[i] = -1;

	driver->ops = ops;
	driver->region.vaddr = fake.region;
	driver->region.iova = FAKE_REGION_IOVA;
	driver->region.size = sizeof(fake.region);
	if (mapped)
		list_add(&driver->region.link, &fake.iommu.dma_regions);

	return 0;
}

static int count_calls(enum fake_op op)
{
	int i, n = 0;

	for (i = 0; i < fake_log->nr_calls; i++)
		n += fake_log->calls[i].op == op;
	return n;
}

#define ASSERT_CALL(_i, _op, _src, _dst, _size, _count) do {		\
	int __i = (_i), __op = (_op);					\
	const struct fake_call *__c = &fake_log->calls[__i];		\
									\
	ASSERT_GT(fake_log->nr_calls, __i);				\
	if ((int)__c->op != __op)					\
		TH_LOG("call %d: %s, wanted %s", __i,			\
		       op_names[__c->op], op_names[__op]);		\
	ASSERT_EQ(__op, (int)__c->op);					\
	ASSERT_EQ((u64)(_src), __c->src);				\
	ASSERT_EQ((u64)(_dst), __c->dst);				\
	ASSERT_EQ((u64)(_size), __c->size);				\
	ASSERT_EQ((u64)(_count), __c->count);				\
} while (0)

TEST(valid_sequence_reaches_the_driver_in_order)
{
	struct vfio_pci_device *device = &fake.device;
	struct vfio_pci_driver *driver = &device->driver;

	ASSERT_EQ(0, fake_setup(&fake_ops, true));

	vfio_pci_driver_init(device);
	ASSERT_TRUE(driver->initialized);
	ASSERT_FALSE(driver->memcpy_in_progress);
	ASSERT_EQ(FAKE_MAX_SIZE, driver->max_memcpy_size);
	ASSERT_EQ(FAKE_MAX_COUNT, driver->max_memcpy_count);
	ASSERT_EQ(FAKE_MSI, driver->msi);

	vfio_pci_driver_memcpy_start(device, 0x1000, 0x9000, 0x800, 2);
	ASSERT_TRUE(driver->memcpy_in_progress);
	ASSERT_EQ(0, vfio_pci_driver_memcpy_wait(device));
	ASSERT_FALSE(driver->memcpy_in_progress);

	vfio_pci_driver_send_msi(device);

	vfio_pci_driver_remove(device);
	ASSERT_FALSE(driver->initialized);

	ASSERT_EQ(5, fake_log->nr_calls);
	ASSERT_CALL(0, OP_INIT, 0, 0, 0, 0);
	ASSERT_CALL(1, OP_START, 0x1000, 0x9000, 0x800, 2);
	ASSERT_CALL(2, OP_WAIT, 0, 0, 0, 0);
	ASSERT_CALL(3, OP_MSI, 0, 0, 0, 0);
	ASSERT_CALL(4, OP_REMOVE, 0, 0, 0, 0);
}

TEST(limits_themselves_are_allowed)
{
	struct vfio_pci_device *device = &fake.device;

	ASSERT_EQ(0, fake_setup(&fake_ops, true));

	vfio_pci_driver_init(device);
	vfio_pci_driver_memcpy_start(device, 0, FAKE_MAX_SIZE, FAKE_MAX_SIZE,
				     FAKE_MAX_COUNT);
	ASSERT_EQ(0, vfio_pci_driver_memcpy_wait(device));
	vfio_pci_driver_memcpy_start(device, 0, 0x10000, 1, 1);
	ASSERT_EQ(0, vfio_pci_driver_memcpy_wait(device));

	ASSERT_CALL(1, OP_START, 0, FAKE_MAX_SIZE, FAKE_MAX_SIZE, FAKE_MAX_COUNT);
	ASSERT_CALL(3, OP_START, 0, 0x10000, 1, 1);
}

TEST(remove_then_init_again)
{
	struct vfio_pci_device *device = &fake.device;
	int i;

	ASSERT_EQ(0, fake_setup(&fake_ops, true));

	for (i = 0; i < 3; i++) {
		vfio_pci_driver_init(device);
		ASSERT_TRUE(device->driver.initialized);
		vfio_pci_driver_remove(device);
		ASSERT_FALSE(device->driver.initialized);
	}
	ASSERT_EQ(3, count_calls(OP_INIT));
	ASSERT_EQ(3, count_calls(OP_REMOVE));
}

TEST(memcpy_splits_into_max_size_chunks)
{
	const iova_t src = 0x100000, dst = 0x800000;
	struct vfio_pci_device *device = &fake.device;
	const u64 max = FAKE_MAX_SIZE;

	ASSERT_EQ(0, fake_setup(&fake_ops, true));
	vfio_pci_driver_init(device);

	ASSERT_EQ(0, vfio_pci_driver_memcpy(device, src, dst, max * 5 / 2));
	ASSERT_FALSE(device->driver.memcpy_in_progress);

	ASSERT_EQ(7, fake_log->nr_calls);
	ASSERT_CALL(1, OP_START, src, dst, max, 1);
	ASSERT_CALL(2, OP_WAIT, 0, 0, 0, 0);
	ASSERT_CALL(3, OP_START, src + max, dst + max, max, 1);
	ASSERT_CALL(4, OP_WAIT, 0, 0, 0, 0);
	ASSERT_CALL(5, OP_START, src + 2 * max, dst + 2 * max, max / 2, 1);
	ASSERT_CALL(6, OP_WAIT, 0, 0, 0, 0);

	/* Exactly one chunk's worth is one start. */
	ASSERT_EQ(0, vfio_pci_driver_memcpy(device, dst, src, max));
	ASSERT_EQ(9, fake_log->nr_calls);
	ASSERT_CALL(7, OP_START, dst, src, max, 1);
}

TEST(memcpy_returns_the_first_wait_error)
{
	struct vfio_pci_device *device = &fake.device;
	const u64 max = FAKE_MAX_SIZE;
	int i;

	ASSERT_EQ(0, fake_setup(&fake_ops, true));
	fake_log->wait_ret[1] = -EIO;
	fake_log->wait_ret[2] = -EFAULT;
	vfio_pci_driver_init(device);

	ASSERT_EQ(-EIO, vfio_pci_driver_memcpy(device, 0, 0x100000, max * 5 / 2));
	ASSERT_FALSE(device->driver.memcpy_in_progress);

	/* The first two chunks were copied, the second one failing. */
	ASSERT_GE(fake_log->nr_calls, 5);
	ASSERT_CALL(3, OP_START, max, 0x100000 + max, max, 1);
	ASSERT_CALL(4, OP_WAIT, 0, 0, 0, 0);

	/* Whatever it did after the error, every start was waited for. */
	for (i = 1; i < fake_log->nr_calls; i++)
		ASSERT_EQ((int)(i % 2 ? OP_START : OP_WAIT),
			  (int)fake_log->calls[i].op);
	ASSERT_EQ(count_calls(OP_START), count_calls(OP_WAIT));

	/* The device is usable again after a failed copy. */
	vfio_pci_driver_send_msi(device);
	vfio_pci_driver_remove(device);
}

/* Misuses of the framework, each of which must end the process. */

static void start_before_init(void)
{
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x1000, 0x100, 1);
}

/*
 * Not initialised, but with the limits of an earlier init() still set, so
 * only the initialised check itself can stop it.
 */
static void start_after_remove(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_remove(&fake.device);
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x1000, 0x100, 1);
}

static void double_init(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_init(&fake.device);
}

static void wait_without_start(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_memcpy_wait(&fake.device);
}

static void start_while_in_progress(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x1000, 0x100, 1);
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x1000, 0x100, 1);
}

static void remove_while_in_progress(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x1000, 0x100, 1);
	vfio_pci_driver_remove(&fake.device);
}

static void zero_size(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x1000, 0, 1);
}

static void size_over_max(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x10000,
				     FAKE_MAX_SIZE + 1, 1);
}

static void count_over_max(void)
{
	vfio_pci_driver_init(&fake.device);
	vfio_pci_driver_memcpy_start(&fake.device, 0, 0x10000, 0x100,
				     FAKE_MAX_COUNT + 1);
}

static void init_with_unmapped_region(void)
{
	vfio_pci_driver_init(&fake.device);
}

static void init_leaving_size_zero(void)
{
	vfio_pci_driver_init(&fake.device);
}

static void send_msi_before_init(void)
{
	vfio_pci_driver_send_msi(&fake.device);
}

static void remove_before_init(void)
{
	vfio_pci_driver_remove(&fake.device);
}

/* Set before forking: a function pointer does not travel in a void *. */
static void (*current_misuse)(void);

static void run_misuse(void *arg)
{
	current_misuse();
	fprintf(stderr, "the misuse was not caught\n");
}

FIXTURE(misuse) {
	struct child_result res;
};

FIXTURE_VARIANT(misuse) {
	void (*misuse)(void);
	/* NULL: the well-behaved fake driver. */
	const struct vfio_pci_driver_ops *ops;
	/* Leave the driver region off the IOMMU's list of mappings. */
	bool unmapped;
	/* The op the misuse would reach, and how often it may get there. */
	enum fake_op op;
	int op_calls;
};

FIXTURE_VARIANT_ADD(misuse, start_before_init) {
	.misuse = start_before_init,
	.op = OP_START,
};

FIXTURE_VARIANT_ADD(misuse, start_after_remove) {
	.misuse = start_after_remove,
	.op = OP_START,
};

FIXTURE_VARIANT_ADD(misuse, double_init) {
	.misuse = double_init,
	.op = OP_INIT,
	.op_calls = 1,
};

FIXTURE_VARIANT_ADD(misuse, wait_without_start) {
	.misuse = wait_without_start,
	.op = OP_WAIT,
};

FIXTURE_VARIANT_ADD(misuse, start_while_in_progress) {
	.misuse = start_while_in_progress,
	.op = OP_START,
	.op_calls = 1,
};

FIXTURE_VARIANT_ADD(misuse, remove_while_in_progress) {
	.misuse = remove_while_in_progress,
	.op = OP_REMOVE,
};

FIXTURE_VARIANT_ADD(misuse, zero_size) {
	.misuse = zero_size,
	.op = OP_START,
};

FIXTURE_VARIANT_ADD(misuse, size_over_max) {
	.misuse = size_over_max,
	.op = OP_START,
};

FIXTURE_VARIANT_ADD(misuse, count_over_max) {
	.misuse = count_over_max,
	.op = OP_START,
};

/* The driver may rely on its region being mapped from init() on. */
FIXTURE_VARIANT_ADD(misuse, init_with_unmapped_region) {
	.misuse = init_with_unmapped_region,
	.unmapped = true,
	.op = OP_INIT,
};

FIXTURE_VARIANT_ADD(misuse, init_leaving_size_zero) {
	.misuse = init_leaving_size_zero,
	.ops = &fake_no_size_ops,
	.op = OP_INIT,
	.op_calls = 1,
};

FIXTURE_VARIANT_ADD(misuse, send_msi_before_init) {
	.misuse = send_msi_before_init,
	.op = OP_MSI,
};

FIXTURE_VARIANT_ADD(misuse, remove_before_init) {
	.misuse = remove_before_init,
	.op = OP_REMOVE,
};

FIXTURE_SETUP(misuse)
{
	ASSERT_EQ(0, fake_setup(variant->ops ?: &fake_ops, !variant->unmapped));
}

FIXTURE_TEARDOWN(misuse)
{
}

TEST_F(misuse, asserts)
{
	current_misuse = variant->misuse;
	ASSERT_CHILD_EXIT(&self->res, KSFT_FAIL, run_misuse, NULL);

	if (count_calls(variant->op) != variant->op_calls)
		TH_LOG("%s reached the driver %d times, wanted %d",
		       op_names[variant->op], count_calls(variant->op),
		       variant->op_calls);
	ASSERT_EQ(variant->op_calls, count_calls(variant->op));
}

TEST_HARNESS_MAIN
