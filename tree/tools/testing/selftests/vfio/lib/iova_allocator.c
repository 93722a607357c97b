// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bump allocator of IOVA space. Tests only ever need fresh addresses, so
 * nothing is freed: the allocator moves forward through the ranges and
 * gives up the leftover of a range once a request no longer fits in it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libvfio.h>

struct iova_allocator *iova_allocator_init_ranges(const struct iommu_iova_range *ranges,
						  u32 nranges)
{
	struct iova_allocator *allocator;
	u32 i;

	for (i = 0; i < nranges; i++)
		VFIO_ASSERT_LE(ranges[i].start, ranges[i].last, "IOVA range %u", i);

	allocator = calloc_assert(1, sizeof(*allocator));
	allocator->ranges = calloc_assert(nranges ? nranges : 1, sizeof(*ranges));
	if (nranges)
		memcpy(allocator->ranges, ranges, nranges * sizeof(*ranges));
	allocator->nranges = nranges;
	return allocator;
}

struct iova_allocator *iova_allocator_init(struct iommu *iommu)
{
	struct iova_allocator *allocator;
	struct iommu_iova_range *ranges;
	u32 nranges = 0;

	ranges = iommu_iova_ranges(iommu, &nranges);
	allocator = iova_allocator_init_ranges(ranges, nranges);
	free(ranges);
	return allocator;
}

void iova_allocator_cleanup(struct iova_allocator *allocator)
{
	if (!allocator)
		return;
	free(allocator->ranges);
	free(allocator);
}

/*
 * Fit @size bytes, aligned to @size, in [@first, @last]. Every step is
 * checked against overflow because a range may end at the top of the 64-bit
 * space.
 */
static bool fit_in_range(u64 first, u64 last, u64 size, iova_t *iova)
{
	u64 misalign = first & (size - 1);
	u64 start = first;

	if (misalign) {
		if (first > UINT64_MAX - (size - misalign))
			return false;
		start = first + (size - misalign);
	}
	if (start > last || size - 1 > last - start)
		return false;
	*iova = start;
	return true;
}

int __iova_allocator_alloc(struct iova_allocator *allocator, size_t size,
			   iova_t *iova)
{
	u64 offset = allocator->range_offset;
	u32 idx = allocator->range_idx;
	u64 sz = size;
	iova_t start;

	if (!sz || (sz & (sz - 1)))
		return -EINVAL;

	/*
	 * The cursor only moves on success, so a request too large for what is
	 * left does not stop smaller ones from using it.
	 */
	for (; idx < allocator->nranges; idx++, offset = 0) {
		const struct iommu_iova_range *range = &allocator->ranges[idx];
		u64 last_in_use;

		if (!fit_in_range(range->start + offset, range->last, sz, &start))
			continue;

		last_in_use = start + (sz - 1);
		if (last_in_use == range->last) {
			/*
			 * The range is used up; its end offset could be 2^64,
			 * so move to the next range rather than store it.
			 */
			allocator->range_idx = idx + 1;
			allocator->range_offset = 0;
		} else {
			allocator->range_idx = idx;
			allocator->range_offset = last_in_use + 1 - range->start;
		}
		*iova = start;
		return 0;
	}
	return -ENOSPC;
}

iova_t iova_allocator_alloc(struct iova_allocator *allocator, size_t size)
{
	iova_t iova = 0;
	int ret;

	ret = __iova_allocator_alloc(allocator, size, &iova);
	VFIO_ASSERT_EQ(ret, 0, "allocating %#zx bytes of IOVA", size);
	return iova;
}
