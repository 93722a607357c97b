// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where vfio_pci_driver_test spends its time: the steps of one of its
 * fixtures and test bodies, done one at a time, each followed by a line
 *
 *   # budget mode=M rep=R step=S guest_us=G sleep_us=Z
 *
 * G is the step's length on the guest's clock and Z the part of it the
 * process spent off the CPU (waiting in a sleep or a poll). The host
 * stamps each line as it arrives, which gives the step's host time as the
 * distance to the line before: under a virtual guest clock the two differ.
 *
 * Built by scripts/bench into a copy of the tree under test, never part of
 * the suite. A measurement: the only assertions are those without which
 * the numbers would mean nothing (the copy must have copied).
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/sizes.h>

#include <libvfio.h>

#include "../kselftest_harness.h"

#include "vfio_harness.h"
#include "vfio_test_helpers.h"

#define BUDGET_REPS		3
#define BUDGET_TIMEOUT		600

static const char *device_bdf;

struct budget_clock {
	u64 wall_us;
	u64 cpu_us;
};

static u64 timeval_us(const struct timeval *tv)
{
	return (u64)tv->tv_sec * 1000000 + tv->tv_usec;
}

static void budget_clock_read(struct budget_clock *clock)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	getrusage(RUSAGE_SELF, &ru);
	clock->wall_us = (u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	clock->cpu_us = timeval_us(&ru.ru_utime) + timeval_us(&ru.ru_stime);
}

/* Print the step that ended now and start the next one. */
static void budget_step(struct budget_clock *clock, const char *mode, int rep,
			const char *step)
{
	struct budget_clock end;
	u64 wall, cpu;

	budget_clock_read(&end);
	wall = end.wall_us - clock->wall_us;
	cpu = end.cpu_us - clock->cpu_us;
	printf("# budget mode=%s rep=%d step=%s guest_us=%llu sleep_us=%llu\n",
	       mode, rep, step, (unsigned long long)wall,
	       (unsigned long long)(wall > cpu ? wall - cpu : 0));
	fflush(stdout);
	budget_clock_read(clock);
}

/* As vfio_pci_driver_test sizes its copy region for copies of @size. */
static u64 budget_region_size(u64 size)
{
	return roundup_pow_of_two(max_t(u64, 2 * size, getpagesize()));
}

FIXTURE(vfio_pci_driver_budget) {
	struct budget_clock clock;
};

FIXTURE_VARIANT(vfio_pci_driver_budget) {
	const char *iommu_mode;
};

#define FIXTURE_VARIANT_ADD_IOMMU_MODE(_mode, ...)			\
FIXTURE_VARIANT_ADD(vfio_pci_driver_budget, _mode)\
{									\
	.iommu_mode = #_mode,						\
}

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES();

#undef FIXTURE_VARIANT_ADD_IOMMU_MODE

FIXTURE_SETUP(vfio_pci_driver_budget)
{
}

FIXTURE_TEARDOWN(vfio_pci_driver_budget)
{
}

/*
 * One fixture's life, BUDGET_REPS times: open, map the driver's region,
 * init, map the copy buffers (sized as the test sizes them, from the
 * driver's limits), one copy, one copy from an IOVA nobody mapped, one
 * interrupt, the storm (first round only, as the test runs it once per
 * mode), remove, unmap, close.
 */
TEST_F_TIMEOUT(vfio_pci_driver_budget, fixture_steps, BUDGET_TIMEOUT)
{
	const char *mode = variant->iommu_mode;
	struct budget_clock *clock = &self->clock;
	struct dma_region copy;
	struct vfio_pci_driver *driver;
	struct iova_allocator *allocator;
	struct vfio_pci_device *device;
	struct iommu *iommu;
	iova_t unmapped;
	u64 size, count;
	int rep;

	for (rep = 0; rep < BUDGET_REPS; rep++) {
		budget_clock_read(clock);
		iommu = iommu_init(mode);
		device = vfio_pci_device_init(device_bdf, iommu);
		allocator = iova_allocator_init(iommu);
		driver = &device->driver;
		ASSERT_NE(NULL, driver->ops);
		budget_step(clock, mode, rep, "open");

		dma_region_create(iommu, allocator, &driver->region, SZ_2M);
		budget_step(clock, mode, rep, "map");

		vfio_pci_driver_init(device);
		budget_step(clock, mode, rep, "init");

		size = min_t(u64, 4 * driver->max_memcpy_size, SZ_512M);
		dma_region_create(iommu, allocator, &copy,
				  budget_region_size(size));
		unmapped = iova_allocator_alloc(allocator, SZ_1G);
		budget_step(clock, mode, rep, "map");

		memset(copy.vaddr, 0x5a, size);
		memset(copy.vaddr + size, 0xa5, size);
		ASSERT_EQ(0, vfio_pci_driver_memcpy(device, copy.iova,
						    copy.iova + size, size));
		ASSERT_EQ(0, memcmp(copy.vaddr, copy.vaddr + size, size));
		budget_step(clock, mode, rep, "copy");

		vfio_pci_driver_memcpy(device, unmapped, copy.iova + size,
				       size);
		budget_step(clock, mode, rep, "fault");

		vfio_pci_driver_send_msi(device);
		ASSERT_EQ(1, msi_count(device->msi_eventfds[driver->msi],
				       MSI_WAIT_MS));
		budget_step(clock, mode, rep, "msi");

		if (rep == 0) {
			count = driver->max_memcpy_count;
			vfio_pci_driver_memcpy_start(device, copy.iova,
						     copy.iova + size,
						     driver->max_memcpy_size,
						     count);
			ASSERT_EQ(0, vfio_pci_driver_memcpy_wait(device));
			budget_step(clock, mode, rep, "storm");
		}

		vfio_pci_driver_remove(device);
		budget_step(clock, mode, rep, "remove");

		dma_region_destroy(iommu, &copy);
		dma_region_destroy(iommu, &driver->region);
		budget_step(clock, mode, rep, "unmap");

		vfio_pci_device_cleanup(device);
		iova_allocator_cleanup(allocator);
		iommu_cleanup(iommu);
		budget_step(clock, mode, rep, "close");
	}
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	vfio_selftests_check_filters(argc, argv);
	return test_harness_run(argc, argv);
}
