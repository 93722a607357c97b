// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drive the device under test as a DMA engine through whichever libvfio
 * driver claims it, once per IOMMU mode: copies between mapped buffers,
 * copies that touch an IOVA nobody mapped, interrupts on request, and a
 * long burst of queued copies.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/sizes.h>

#include <libvfio.h>

#include "../kselftest_harness.h"

#include "vfio_harness.h"

#include "vfio_test_helpers.h"

/*
 * A driver init may wait for a link to come up (the igb's up to 3 s),
 * init_remove runs eleven of them, and an emulated device under TCG is
 * slow: the harness default of 30 s leaves too little margin.
 */
#define DRIVER_TEST_TIMEOUT	90
#define MEMCPY_STORM_TIMEOUT	120

/* Bytes the storm test would like to move; the driver's queue caps it. */
#define MEMCPY_STORM_BYTES	((u64)250 * SZ_1G)

/*
 * The copy region holds src and dst side by side, each four times the
 * driver's largest single copy, so that vfio_pci_driver_memcpy() has to
 * split them: 8 KiB in all for the igb's 1 KiB copies. A driver that takes
 * copies of hundreds of megabytes or more (dsa, ioat on real hardware) is
 * capped at this, the size the region had for every driver before it was
 * sized from the driver: src and dst are then half of it each.
 */
#define MEMCPY_REGION_MAX	SZ_1G

#define NR_MIX_ROUNDS		10
#define NR_INIT_REMOVE_CYCLES	10

static const char *device_bdf;

FIXTURE(vfio_pci_driver_test) {
	struct iommu *iommu;
	struct vfio_pci_device *device;
	struct iova_allocator *iova_allocator;
	struct dma_region memcpy_region;
	iova_t unmapped_iova;
	int msi_fd;

	/* Copy geometry: two disjoint buffers of @size at the region start. */
	u64 size;
	void *src;
	void *dst;
	iova_t src_iova;
	iova_t dst_iova;
};

FIXTURE_VARIANT(vfio_pci_driver_test) {
	const char *iommu_mode;
};

/*
 * The brace opens its own line because it starts an initializer, not an
 * expression: written after the ')' it makes checkpatch ask for
 * parentheses that cannot be added here.
 */
#define FIXTURE_VARIANT_ADD_IOMMU_MODE(_mode, ...)			\
FIXTURE_VARIANT_ADD(vfio_pci_driver_test, _mode)\
{									\
	.iommu_mode = #_mode,						\
}

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES();

#undef FIXTURE_VARIANT_ADD_IOMMU_MODE

/*
 * Bytes of the copy region for copies of @size: src and dst side by side,
 * rounded up to a power of two (the IOVA allocator takes only those) of at
 * least a page (the IOMMU maps whole pages).
 */
static u64 memcpy_region_size(u64 size)
{
	return roundup_pow_of_two(max_t(u64, 2 * size, getpagesize()));
}

FIXTURE_SETUP(vfio_pci_driver_test)
{
	struct vfio_pci_driver *driver;

	self->iommu = iommu_init(variant->iommu_mode);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
	self->iova_allocator = iova_allocator_init(self->iommu);
	driver = &self->device->driver;

	dma_region_create(self->iommu, self->iova_allocator,
			  &driver->region, SZ_2M);

	/*
	 * Reserved from the allocator but never mapped: it cannot alias
	 * either region, so any DMA to or from it must fault. Being an
	 * allocation only, its size costs nothing.
	 */
	self->unmapped_iova = iova_allocator_alloc(self->iova_allocator, SZ_1G);

	vfio_pci_driver_init(self->device);
	self->msi_fd = self->device->msi_eventfds[driver->msi];

	/* Only now is the driver's largest copy known. */
	self->size = min_t(u64, 4 * driver->max_memcpy_size,
			   MEMCPY_REGION_MAX / 2);
	dma_region_create(self->iommu, self->iova_allocator,
			  &self->memcpy_region, memcpy_region_size(self->size));
	self->src = self->memcpy_region.vaddr;
	self->dst = self->src + self->size;
	self->src_iova = to_iova(self->device, self->src);
	self->dst_iova = to_iova(self->device, self->dst);
}

FIXTURE_TEARDOWN(vfio_pci_driver_test)
{
	struct vfio_pci_driver *driver = &self->device->driver;

	vfio_pci_driver_remove(self->device);
	dma_region_destroy(self->iommu, &self->memcpy_region);
	dma_region_destroy(self->iommu, &driver->region);
	vfio_pci_device_cleanup(self->device);
	iova_allocator_cleanup(self->iova_allocator);
	iommu_cleanup(self->iommu);
}

/* Different bytes in src and dst, so a copy that did not happen shows. */
static void fill_buffers(void *src, u8 src_byte, void *dst, u8 dst_byte,
			 u64 size)
{
	memset(src, src_byte, size);
	memset(dst, dst_byte, size);
}

/*
 * A copy raises no interrupt, faulting or not, so the eventfd must be
 * empty after one: msi_count(fd, 0) looks without waiting.
 */
TEST_F_TIMEOUT(vfio_pci_driver_test, init_remove, DRIVER_TEST_TIMEOUT)
{
	int i;

	for (i = 0; i < NR_INIT_REMOVE_CYCLES; i++) {
		vfio_pci_driver_remove(self->device);
		vfio_pci_driver_init(self->device);
	}

	/* remove() may have closed the eventfd that init() handed out. */
	self->msi_fd = self->device->msi_eventfds[self->device->driver.msi];

	/* The last init() must have left a working DMA engine behind. */
	fill_buffers(self->src, 0x5a, self->dst, 0xa5, self->size);
	ASSERT_EQ(0, vfio_pci_driver_memcpy(self->device, self->src_iova,
					    self->dst_iova, self->size));
	ASSERT_EQ(0, memcmp(self->src, self->dst, self->size));
	ASSERT_EQ(0, msi_count(self->msi_fd, 0));
}

TEST_F_TIMEOUT(vfio_pci_driver_test, memcpy_success, DRIVER_TEST_TIMEOUT)
{
	fill_buffers(self->src, 0x3c, self->dst, 0xc3, self->size);

	ASSERT_EQ(0, vfio_pci_driver_memcpy(self->device, self->src_iova,
					    self->dst_iova, self->size));
	ASSERT_EQ(0, memcmp(self->src, self->dst, self->size));
	ASSERT_EQ(0, msi_count(self->msi_fd, 0));
}

/*
 * In the two tests below the device hits an IOMMU fault. Whether the driver
 * can tell (and memcpy returns an error) depends on the device, so only the
 * absence of a hang and of a stray interrupt is checked.
 */
TEST_F_TIMEOUT(vfio_pci_driver_test, memcpy_from_unmapped_iova,
	       DRIVER_TEST_TIMEOUT)
{
	vfio_pci_driver_memcpy(self->device, self->unmapped_iova,
			       self->dst_iova, self->size);
	ASSERT_EQ(0, msi_count(self->msi_fd, 0));
}

TEST_F_TIMEOUT(vfio_pci_driver_test, memcpy_to_unmapped_iova,
	       DRIVER_TEST_TIMEOUT)
{
	vfio_pci_driver_memcpy(self->device, self->src_iova,
			       self->unmapped_iova, self->size);
	ASSERT_EQ(0, msi_count(self->msi_fd, 0));
}

TEST_F_TIMEOUT(vfio_pci_driver_test, send_msi, DRIVER_TEST_TIMEOUT)
{
	vfio_pci_driver_send_msi(self->device);
	ASSERT_EQ(1, msi_count(self->msi_fd, MSI_WAIT_MS)) {
		TH_LOG("not one interrupt within %d ms", MSI_WAIT_MS);
	}
}

/*
 * Interleave good copies, faulting copies and interrupts: a fault must not
 * leave the engine unable to copy or to interrupt afterwards.
 */
TEST_F_TIMEOUT(vfio_pci_driver_test, mix_and_match, DRIVER_TEST_TIMEOUT)
{
	int i;

	for (i = 0; i < NR_MIX_ROUNDS; i++) {
		/* New bytes each round, so a stale dst cannot pass for a copy. */
		fill_buffers(self->src, 0x10 + i, self->dst, 0x80 + i,
			     self->size);

		ASSERT_EQ(0, vfio_pci_driver_memcpy(self->device,
						    self->src_iova,
						    self->dst_iova,
						    self->size));
		ASSERT_EQ(0, memcmp(self->src, self->dst, self->size));

		vfio_pci_driver_memcpy(self->device, self->unmapped_iova,
				       self->dst_iova, self->size);
		ASSERT_EQ(0, msi_count(self->msi_fd, 0));

		vfio_pci_driver_send_msi(self->device);
		ASSERT_EQ(1, msi_count(self->msi_fd, MSI_WAIT_MS)) {
			TH_LOG("round %d: not one interrupt within %d ms", i,
			       MSI_WAIT_MS);
		}
	}
}

/*
 * Queue as many copies as the driver accepts in one go, each at the largest
 * size it accepts, and wait for all of them. Every copy rewrites dst from
 * the same src, so dst must equal src at the end.
 */
TEST_F_TIMEOUT(vfio_pci_driver_test, memcpy_storm, MEMCPY_STORM_TIMEOUT)
{
	struct vfio_pci_driver *driver = &self->device->driver;
	u64 chunk = min(driver->max_memcpy_size, self->size);
	u64 count = min(MEMCPY_STORM_BYTES / chunk, driver->max_memcpy_count);

	fill_buffers(self->src, 0x77, self->dst, 0x88, chunk);

	TH_LOG("%llu copies of %llu bytes", (unsigned long long)count,
	       (unsigned long long)chunk);
	vfio_pci_driver_memcpy_start(self->device, self->src_iova,
				     self->dst_iova, chunk, count);
	ASSERT_EQ(0, vfio_pci_driver_memcpy_wait(self->device));
	ASSERT_EQ(0, memcmp(self->src, self->dst, chunk));
	ASSERT_EQ(0, msi_count(self->msi_fd, 0));
}

/* A PCI ID from sysfs ("0x8086\n"), or -1 when it cannot be read. */
static long read_pci_id(const char *bdf, const char *attr)
{
	char path[PATH_MAX];
	long id = -1;
	FILE *file;

	snprintf_assert(path, sizeof(path), "/sys/bus/pci/devices/%s/%s",
			bdf, attr);
	file = fopen(path, "r");
	if (!file)
		return -1;
	if (fscanf(file, "%lx", &id) != 1)
		id = -1;
	fclose(file);
	return id;
}

#define PROBE_HAS_DRIVER	40
#define PROBE_NO_DRIVER		41

/*
 * Open the device in @mode and report whether a libvfio driver claims it:
 * 1 yes, 0 no, -1 when the device could not be opened in this mode.
 *
 * This runs in a child because the library ends the process when a mode
 * is missing from the kernel or the device cannot be opened. The child's
 * output is dropped: a mode that does not work here says why in the tests
 * themselves, where the reason belongs.
 */
static int probe_driver_in_mode(const char *bdf, const char *mode)
{
	struct vfio_pci_device *device;
	struct iommu *iommu;
	int status, null_fd;
	bool found;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	VFIO_ASSERT_NE(pid, -1);

	if (pid == 0) {
		null_fd = open("/dev/null", O_WRONLY);
		if (null_fd >= 0) {
			dup2(null_fd, STDOUT_FILENO);
			dup2(null_fd, STDERR_FILENO);
		}
		iommu = iommu_init(mode);
		device = vfio_pci_device_init(bdf, iommu);
		found = device->driver.ops;
		vfio_pci_device_cleanup(device);
		iommu_cleanup(iommu);
		_exit(found ? PROBE_HAS_DRIVER : PROBE_NO_DRIVER);
	}

	VFIO_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_HAS_DRIVER)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_NO_DRIVER)
		return 0;
	return -1;
}

/*
 * Whether a driver claims the device does not depend on the IOMMU mode, so
 * the first mode that opens the device answers, as probe_driver_in_mode()
 * does; -1 when none opens it. The default mode is tried first, then those
 * of this test's variants, which FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES() took
 * from the library (a variant is named after its mode, see above): the
 * probe knows no mode that the tests do not run in.
 */
static int probe_driver(const char *bdf)
{
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	int ret;

	ret = probe_driver_in_mode(bdf, default_iommu_mode);
	f = vfio_harness_fixture("vfio_pci_driver_test");
	for (v = f ? f->variant : NULL; v && ret < 0; v = v->next) {
		if (strcmp(v->name, default_iommu_mode))
			ret = probe_driver_in_mode(bdf, v->name);
	}
	return ret;
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	vfio_selftests_check_filters(argc, argv);

	/*
	 * Every test needs a driver, so a device that no driver claims skips
	 * here once rather than in each of the 35 cases. Whether a driver
	 * claims it is decided by the drivers' own probe() on the opened
	 * device, not by a table of IDs kept here that could drift from
	 * them. Opening needs a working IOMMU mode and the default one,
	 * iommufd, is absent from some distribution kernels, hence the
	 * search. When no mode works the tests run anyway and report why.
	 */
	if (!probe_driver(device_bdf)) {
		printf("No driver found for device %s (vendor:device %04lx:%04lx)\n",
		       device_bdf, read_pci_id(device_bdf, "vendor"),
		       read_pci_id(device_bdf, "device"));
		return KSFT_SKIP;
	}

	return test_harness_run(argc, argv);
}
