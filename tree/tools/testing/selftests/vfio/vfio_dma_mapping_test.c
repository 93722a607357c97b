// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA mappings through each IOMMU mode, backed by ordinary anonymous memory
 * and by 2 MiB hugetlb pages: map, look up, unmap one or all, refuse a range
 * that wraps, and report the usable IOVA ranges.
 *
 * Where the library's bookkeeping alone could make a check pass, the kernel
 * is asked as well: mapping an IOVA that is already in use must fail, and
 * mapping it again after an unmap must succeed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/list.h>
#include <linux/sizes.h>

#include <libvfio.h>

#include "../kselftest_harness.h"

#include "vfio_harness.h"

/* glibc has MAP_HUGE_SHIFT but leaves the per-size flags to linux/mman.h. */
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif

/* One 2 MiB page per region in the hugetlb variants. */
#define REGION_SIZE	((u64)SZ_2M)
#define NR_REGIONS	4
#define POOL_SIZE	(NR_REGIONS * REGION_SIZE)

static const char *device_bdf;

FIXTURE(vfio_dma_mapping_test) {
	struct iommu *iommu;
	struct vfio_pci_device *device;
	struct iova_allocator *iova_allocator;

	/* NR_REGIONS regions' worth of memory; NULL if mmap() failed. */
	void *pool;
	int pool_errno;
};

FIXTURE_VARIANT(vfio_dma_mapping_test) {
	const char *iommu_mode;
	int mmap_flags;
};

/*
 * The brace opens its own line because it starts an initializer, not an
 * expression: written after the ')' it makes checkpatch ask for
 * parentheses that cannot be added here.
 */
#define FIXTURE_VARIANT_ADD_IOMMU_MODE(_mode, _backing, _mmap_flags)	\
FIXTURE_VARIANT_ADD(vfio_dma_mapping_test, _mode ## _ ## _backing)\
{									\
	.iommu_mode = #_mode,						\
	.mmap_flags = (_mmap_flags),					\
}

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(anonymous, 0);
FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(anonymous_hugetlb_2mb,
				    MAP_HUGETLB | MAP_HUGE_2MB);

#undef FIXTURE_VARIANT_ADD_IOMMU_MODE

FIXTURE_SETUP(vfio_dma_mapping_test)
{
	/* A VFIO container only gets its IOMMU once a group joins it. */
	self->iommu = iommu_init(variant->iommu_mode);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
	self->iova_allocator = iova_allocator_init(self->iommu);

	/*
	 * Huge pages are reserved here, at mmap() time, so a missing pool
	 * shows up now. Only the tests that need the memory skip for it.
	 */
	self->pool = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | variant->mmap_flags,
			  -1, 0);
	if (self->pool == MAP_FAILED) {
		self->pool_errno = errno;
		self->pool = NULL;
		ASSERT_TRUE(variant->mmap_flags & MAP_HUGETLB) {
			TH_LOG("mmap of %llu bytes: %s",
			       (unsigned long long)POOL_SIZE,
			       strerror(self->pool_errno));
		}
	}
}

FIXTURE_TEARDOWN(vfio_dma_mapping_test)
{
	/* A test that failed half-way may have left mappings behind. */
	if (!list_empty(&self->iommu->dma_regions))
		iommu_unmap_all(self->iommu);

	vfio_pci_device_cleanup(self->device);
	iova_allocator_cleanup(self->iova_allocator);
	iommu_cleanup(self->iommu);
	if (self->pool)
		munmap(self->pool, POOL_SIZE);
}

/*
 * True, with the test marked skipped, when the variant's memory could not
 * be had: @pool is NULL and @err the errno of the failed mmap().
 */
static bool pool_unavailable(struct __test_metadata *_metadata, void *pool,
			     int err)
{
	if (pool)
		return false;

	if (err == ENOMEM)
		SKIP(return true,
		     "no 2 MiB huge pages reserved: echo %d > /proc/sys/vm/nr_hugepages",
		     NR_REGIONS);
	SKIP(return true, "2 MiB huge pages unavailable: mmap: %s",
	     strerror(err));
}

TEST_F(vfio_dma_mapping_test, dma_map_unmap)
{
	struct dma_region region = { .size = REGION_SIZE };
	struct dma_region clash = { .size = REGION_SIZE };
	u64 unmapped;
	iova_t iova;

	if (pool_unavailable(_metadata, self->pool, self->pool_errno))
		return;

	region.vaddr = self->pool;
	region.iova = iova_allocator_alloc(self->iova_allocator, REGION_SIZE);
	/* Other memory, same IOVA. */
	clash.vaddr = self->pool + REGION_SIZE;
	clash.iova = region.iova;

	ASSERT_EQ(0, __iommu_map(self->iommu, &region));

	ASSERT_EQ(region.iova, to_iova(self->device, region.vaddr));
	ASSERT_EQ(region.iova + REGION_SIZE - 1,
		  to_iova(self->device, region.vaddr + REGION_SIZE - 1));
	ASSERT_EQ(-ENOENT, __to_iova(self->device,
				     region.vaddr + REGION_SIZE, &iova));
	ASSERT_EQ(-ENOENT, __to_iova(self->device, region.vaddr - 1, &iova));

	/* Both type1 and iommufd refuse to map over a live mapping. */
	ASSERT_EQ(-EEXIST, __iommu_map(self->iommu, &clash));

	ASSERT_EQ(0, __iommu_unmap(self->iommu, &region, &unmapped));
	ASSERT_EQ(REGION_SIZE, unmapped);
	ASSERT_EQ(-ENOENT, __to_iova(self->device, region.vaddr, &iova));
	ASSERT_TRUE(list_empty(&self->iommu->dma_regions));

	/* Only a real unmap in the kernel makes the IOVA usable again. */
	ASSERT_EQ(0, __iommu_map(self->iommu, &clash));
	ASSERT_EQ(clash.iova, to_iova(self->device, clash.vaddr));
	ASSERT_EQ(0, __iommu_unmap(self->iommu, &clash, &unmapped));
	ASSERT_EQ(REGION_SIZE, unmapped);
}

TEST_F(vfio_dma_mapping_test, dma_unmap_all)
{
	struct dma_region regions[NR_REGIONS] = {};
	u64 total = 0, unmapped;
	iova_t iova;
	int i;

	if (pool_unavailable(_metadata, self->pool, self->pool_errno))
		return;

	for (i = 0; i < NR_REGIONS; i++) {
		regions[i].vaddr = self->pool + i * REGION_SIZE;
		regions[i].size = REGION_SIZE;
		regions[i].iova = iova_allocator_alloc(self->iova_allocator,
						       REGION_SIZE);
		ASSERT_EQ(0, __iommu_map(self->iommu, &regions[i]));
		ASSERT_EQ(regions[i].iova,
			  to_iova(self->device, regions[i].vaddr));
		total += regions[i].size;
	}

	ASSERT_EQ(0, __iommu_unmap_all(self->iommu, &unmapped));
	ASSERT_EQ(total, unmapped);
	ASSERT_TRUE(list_empty(&self->iommu->dma_regions));
	for (i = 0; i < NR_REGIONS; i++)
		ASSERT_EQ(-ENOENT, __to_iova(self->device, regions[i].vaddr,
					     &iova));

	/* Mapping the last IOVA again would fail had it stayed mapped. */
	ASSERT_EQ(0, __iommu_map(self->iommu, &regions[NR_REGIONS - 1]));
	ASSERT_EQ(0, __iommu_unmap(self->iommu, &regions[NR_REGIONS - 1],
				   &unmapped));
	ASSERT_EQ(REGION_SIZE, unmapped);
}

TEST_F(vfio_dma_mapping_test, dma_map_overflow)
{
	/* Starts 1 MiB below 2^64, page aligned, and ends past it. */
	struct dma_region region = {
		.size = REGION_SIZE,
		.iova = ~(iova_t)0 - REGION_SIZE / 2 + 1,
	};
	iova_t iova;
	int ret;

	if (pool_unavailable(_metadata, self->pool, self->pool_errno))
		return;
	region.vaddr = self->pool;

	/*
	 * The range must be refused, but the errno depends on the back end:
	 * iommufd (native or as a container) says -EOVERFLOW, as does type1
	 * in newer kernels, while type1 in 6.12 and older says -EINVAL.
	 */
	ret = __iommu_map(self->iommu, &region);
	ASSERT_NE(0, ret);
	ASSERT_TRUE(ret == -EOVERFLOW || ret == -EINVAL) {
		TH_LOG("wrapping map failed with %d (%s)", ret, strerror(-ret));
	}
	ASSERT_TRUE(list_empty(&self->iommu->dma_regions));
	ASSERT_EQ(-ENOENT, __to_iova(self->device, region.vaddr, &iova));
}

TEST_F(vfio_dma_mapping_test, iova_ranges)
{
	struct iommu_iova_range *ranges;
	u32 nr_ranges, i;

	ranges = iommu_iova_ranges(self->iommu, &nr_ranges);
	ASSERT_NE(NULL, ranges);
	ASSERT_NE(0, nr_ranges);

	for (i = 0; i < nr_ranges; i++) {
		ASSERT_LE(ranges[i].start, ranges[i].last) {
			TH_LOG("range %u: [%#llx, %#llx]", i,
			       (unsigned long long)ranges[i].start,
			       (unsigned long long)ranges[i].last);
		}
		if (!i)
			continue;
		ASSERT_LT(ranges[i - 1].last, ranges[i].start) {
			TH_LOG("range %u at %#llx is not after range %u ending at %#llx",
			       i, (unsigned long long)ranges[i].start, i - 1,
			       (unsigned long long)ranges[i - 1].last);
		}
	}

	free(ranges);
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	vfio_selftests_check_filters(argc, argv);
	return test_harness_run(argc, argv);
}
