// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOVA allocator over hand-made ranges: no IOMMU, no device.
 */
#include <errno.h>
#include <stdint.h>

#include <libvfio.h>

#include "kselftest_harness.h"

#include "child.h"

#define SZ_4K	0x1000ULL
#define SZ_64K	0x10000ULL
#define TOP	UINT64_MAX

/* The harness compares in the types it is given; make both sides u64. */
#define ASSERT_IOVA(_expected, _seen) ASSERT_EQ((u64)(_expected), (u64)(_seen))

static bool in_one_range(const struct iommu_iova_range *ranges, u32 nranges,
			 iova_t iova, u64 size)
{
	u32 i;

	for (i = 0; i < nranges; i++) {
		if (iova >= ranges[i].start && iova <= ranges[i].last &&
		    size - 1 <= ranges[i].last - iova)
			return true;
	}
	return false;
}

TEST(first_fit_and_alignment)
{
	/* The start is deliberately not aligned to anything but 2K. */
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x1800, .last = 0xffffffff },
	};
	const u64 sizes[] = {
		SZ_4K, SZ_64K, SZ_4K, 0x200000, 0x800, 1, 0x4000, 0x100000,
	};
	struct iova_allocator *allocator;
	iova_t iova, end = 0;
	u32 i;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, __iova_allocator_alloc(allocator, sizes[i], &iova));
		if (iova & (sizes[i] - 1) || iova < end)
			TH_LOG("size %#llx -> iova %#llx, previous end %#llx",
			       (unsigned long long)sizes[i],
			       (unsigned long long)iova, (unsigned long long)end);
		ASSERT_IOVA(0, iova & (sizes[i] - 1));
		ASSERT_TRUE(in_one_range(ranges, ARRAY_SIZE(ranges), iova, sizes[i]));
		/* A bump allocator only ever moves forward. */
		ASSERT_GE(iova, end);
		if (i == 0)
			ASSERT_IOVA(0x2000, iova);
		if (i == 1)
			ASSERT_IOVA(0x10000, iova);
		end = iova + sizes[i];
	}

	/* The asserting form hands out the next aligned block. */
	iova = iova_allocator_alloc(allocator, SZ_64K);
	ASSERT_IOVA(0, iova & (SZ_64K - 1));
	ASSERT_GE(iova, end);

	iova_allocator_cleanup(allocator);
}

TEST(rejects_sizes_not_a_power_of_two)
{
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x100000, .last = 0x1fffff },
	};
	const size_t bad[] = {
		0, 3, 0x1800, 0x3000, 0x10001, (size_t)-1,
	};
	struct iova_allocator *allocator;
	iova_t iova;
	u32 i;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		iova = 0xdead;
		ASSERT_EQ(-EINVAL, __iova_allocator_alloc(allocator, bad[i], &iova));
		ASSERT_IOVA(0xdead, iova);
	}

	/* Refused requests must not have used up any space. */
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_IOVA(0x100000, iova);

	iova_allocator_cleanup(allocator);
}

TEST(walks_into_the_next_range)
{
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x10000, .last = 0x13fff },
		{ .start = 0x100000, .last = 0x1fffff },
	};
	struct iova_allocator *allocator;
	iova_t iova;
	int i;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
		ASSERT_IOVA(0x10000 + i * SZ_4K, iova);
	}
	/* The first range is now full to its last byte. */
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_IOVA(0x100000, iova);
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_IOVA(0x101000, iova);

	iova_allocator_cleanup(allocator);
}

TEST(skips_a_range_tail_too_small)
{
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x0, .last = 0x2fff },
		{ .start = 0x5000, .last = 0x6fff },
		{ .start = 0x100000, .last = 0x1fffff },
	};
	struct iova_allocator *allocator;
	iova_t iova;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));

	ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_IOVA(0, iova);

	/*
	 * 8K aligned would be 0x2000-0x3fff, past the end of the first range;
	 * the second range is 8K long but its only 8K-aligned start, 0x4000,
	 * lies outside it. Only the third range can hold it.
	 */
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, 0x2000, &iova));
	ASSERT_IOVA(0x100000, iova);

	/* No going back to the ranges left behind. */
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_IOVA(0x102000, iova);

	iova_allocator_cleanup(allocator);
}

TEST(exhaustion_is_enospc)
{
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x10000, .last = 0x1ffff },
	};
	struct iova_allocator *allocator;
	iova_t iova;
	int i;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));

	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_IOVA(0x1f000, iova);

	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, 1, &iova));
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, SZ_4K, &iova));

	iova_allocator_cleanup(allocator);
}

TEST(too_big_leaves_room_for_smaller)
{
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x0, .last = 0xffff },
		{ .start = 0x100000, .last = 0x10ffff },
	};
	struct iova_allocator *allocator;
	iova_t iova;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));

	/* No range holds 128K, so this fails... */
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, 0x20000, &iova));
	/* ...but "no room for it" must not turn into "no room for anything". */
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_IOVA(0, iova);

	iova_allocator_cleanup(allocator);
}

static void alloc_from_full(void *arg)
{
	iova_allocator_alloc(arg, SZ_4K);
}

TEST(asserting_alloc_fails_when_full)
{
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x4000, .last = 0x4fff },
	};
	struct iova_allocator *allocator;
	struct child_result res;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));
	ASSERT_IOVA(0x4000, iova_allocator_alloc(allocator, SZ_4K));

	ASSERT_CHILD_EXIT(&res, KSFT_FAIL, alloc_from_full, allocator);

	iova_allocator_cleanup(allocator);
}

/* A fixed pseudo-random sequence, so that a failure can be reproduced. */
static u32 next_random(u32 *state)
{
	*state = *state * 1103515245 + 12345;
	return *state >> 16;
}

TEST(never_hands_out_an_iova_twice)
{
	const struct iommu_iova_range ranges[] = {
		{ .start = 0x1000, .last = 0x7fff },
		{ .start = 0x9000, .last = 0x2ffff },
		{ .start = 0x41000, .last = 0x4ffff },
		{ .start = 0x100000, .last = 0x3fffff },
		{ .start = TOP - 0xfffff, .last = TOP },
	};
	static struct { iova_t iova; u64 size; } got[4096];
	struct iova_allocator *allocator;
	u32 seed = 1, nr = 0, i, j;
	iova_t iova;
	u64 size;
	int ret;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));

	for (i = 0; i < 4 * ARRAY_SIZE(got) && nr < ARRAY_SIZE(got); i++) {
		size = 1ULL << (8 + next_random(&seed) % 10);
		ret = __iova_allocator_alloc(allocator, size, &iova);
		if (ret == -ENOSPC)
			continue;
		ASSERT_EQ(0, ret);
		ASSERT_IOVA(0, iova & (size - 1));
		ASSERT_TRUE(in_one_range(ranges, ARRAY_SIZE(ranges), iova, size));
		got[nr].iova = iova;
		got[nr].size = size;
		nr++;
	}
	/* Enough to fill the small ranges and reach the one at the top. */
	ASSERT_GT(nr, 100U);
	ASSERT_GE(got[nr - 1].iova, ranges[4].start);

	for (i = 0; i < nr; i++) {
		for (j = i + 1; j < nr; j++) {
			bool apart = got[i].iova + (got[i].size - 1) < got[j].iova ||
				     got[j].iova + (got[j].size - 1) < got[i].iova;

			if (!apart)
				TH_LOG("[%#llx +%#llx] overlaps [%#llx +%#llx]",
				       (unsigned long long)got[i].iova,
				       (unsigned long long)got[i].size,
				       (unsigned long long)got[j].iova,
				       (unsigned long long)got[j].size);
			ASSERT_TRUE(apart);
		}
	}

	iova_allocator_cleanup(allocator);
}

TEST(range_ending_at_the_top)
{
	const struct iommu_iova_range top64k[] = {
		{ .start = TOP - 0xffff, .last = TOP },
	};
	const struct iommu_iova_range top2k[] = {
		{ .start = TOP - 0x7ff, .last = TOP },
	};
	struct iova_allocator *allocator;
	iova_t iova;
	int i;

	allocator = iova_allocator_init_ranges(top64k, ARRAY_SIZE(top64k));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_4K, &iova));
		ASSERT_IOVA(TOP - 0xffff + i * SZ_4K, iova);
	}
	/* The next address would wrap to 0; it must not be handed out. */
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, 1, &iova));
	iova_allocator_cleanup(allocator);

	/* Aligning the start up to 4K wraps past the top. */
	allocator = iova_allocator_init_ranges(top2k, ARRAY_SIZE(top2k));
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	iova_allocator_cleanup(allocator);

	allocator = iova_allocator_init_ranges(top2k, ARRAY_SIZE(top2k));
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, 0x800, &iova));
	ASSERT_IOVA(TOP - 0x7ff, iova);
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, 1, &iova));
	iova_allocator_cleanup(allocator);
}

TEST(whole_64bit_space)
{
	const struct iommu_iova_range all[] = {
		{ .start = 0, .last = TOP },
	};
	struct iova_allocator *allocator;
	iova_t iova;

	allocator = iova_allocator_init_ranges(all, ARRAY_SIZE(all));
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, 1ULL << 63, &iova));
	ASSERT_IOVA(0, iova);
	ASSERT_EQ(0, __iova_allocator_alloc(allocator, 1ULL << 63, &iova));
	ASSERT_IOVA(1ULL << 63, iova);
	ASSERT_EQ(-ENOSPC, __iova_allocator_alloc(allocator, SZ_4K, &iova));
	iova_allocator_cleanup(allocator);
}

TEST(ranges_are_copied)
{
	struct iommu_iova_range ranges[] = {
		{ .start = 0x200000, .last = 0x2fffff },
	};
	struct iova_allocator *allocator;
	iova_t iova;

	allocator = iova_allocator_init_ranges(ranges, ARRAY_SIZE(ranges));
	ranges[0].start = 0x5000;
	ranges[0].last = 0x5fff;

	ASSERT_EQ(0, __iova_allocator_alloc(allocator, SZ_64K, &iova));
	ASSERT_IOVA(0x200000, iova);

	iova_allocator_cleanup(allocator);
}

TEST_HARNESS_MAIN
