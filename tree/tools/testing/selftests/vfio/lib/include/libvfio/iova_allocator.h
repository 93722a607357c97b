/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bump allocator over the IOVA ranges an IOMMU accepts. Every allocation
 * is a power of two in size and aligned to its size; the allocator walks the
 * usable ranges in order and never reuses an IOVA.
 */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_IOVA_ALLOCATOR_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_IOVA_ALLOCATOR_H

#include <stddef.h>

#include <linux/iommufd.h>
#include <linux/types.h>

#include <libvfio/iommu.h>

struct iova_allocator {
	struct iommu_iova_range *ranges;
	u32 nranges;
	u32 range_idx;		/* range the next allocation is tried in */
	u64 range_offset;	/* first free byte in that range */
};

struct iova_allocator *iova_allocator_init(struct iommu *iommu);

/* Same, over a caller-supplied array of ranges (copied). */
struct iova_allocator *iova_allocator_init_ranges(const struct iommu_iova_range *ranges,
						  u32 nranges);
void iova_allocator_cleanup(struct iova_allocator *allocator);

/*
 * 0 and *iova set on success; -EINVAL when size is not a power of two,
 * -ENOSPC when no range has room left for it.
 */
int __iova_allocator_alloc(struct iova_allocator *allocator, size_t size,
			   iova_t *iova);
iova_t iova_allocator_alloc(struct iova_allocator *allocator, size_t size);

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_IOVA_ALLOCATOR_H */
