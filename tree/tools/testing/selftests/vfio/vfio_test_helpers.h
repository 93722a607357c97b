/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers the test programs share: DMA buffers and interrupt counting.
 * A test moves to another tree together with this header (it uses the
 * library's interface only), so keep it free of the mirror's internals.
 */
#ifndef SELFTESTS_VFIO_VFIO_TEST_HELPERS_H
#define SELFTESTS_VFIO_VFIO_TEST_HELPERS_H

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libvfio.h>

/* Longest wait for an interrupt before calling it lost. */
#define MSI_WAIT_MS		10000

/*
 * Fresh anonymous memory of @size bytes, mapped for DMA at a new IOVA.
 * @size must be a power of two, as the allocator takes only those. The
 * memory is shared, not private, so that a fork while it is pinned cannot
 * leave the CPU and the device with different copies of a page. It is
 * not populated here: pinning it for DMA faults every page in.
 */
static inline void dma_region_create(struct iommu *iommu,
				     struct iova_allocator *allocator,
				     struct dma_region *region, u64 size)
{
	region->vaddr = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(region->vaddr, MAP_FAILED, "mmap of %llu bytes",
		       (unsigned long long)size);
	region->size = size;
	region->iova = iova_allocator_alloc(allocator, size);
	iommu_map(iommu, region);
}

static inline void dma_region_destroy(struct iommu *iommu,
				      struct dma_region *region)
{
	iommu_unmap(iommu, region);
	VFIO_ASSERT_EQ(munmap(region->vaddr, region->size), 0);
}

/*
 * The number of signals the eventfd @fd collected, waiting up to
 * @timeout_ms for the first (0: only what is there already); reading
 * resets the count. poll() bounds the wait, so a lost interrupt fails an
 * assertion on the result instead of hitting the harness timeout, and the
 * read cannot block whether or not @fd is non-blocking.
 */
static inline u64 msi_count(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	u64 count = 0;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return 0;
	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

#endif /* SELFTESTS_VFIO_VFIO_TEST_HELPERS_H */
