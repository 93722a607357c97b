// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device selection and address-space reservation: the parts of libvfio.c
 * that need no device.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libvfio.h>

#include "kselftest_harness.h"

#include "child.h"

TEST(is_bdf_accepts_full_addresses)
{
	static const char * const good[] = {
		"0000:00:00.0",
		"0000:00:1f.7",
		"0000:3b:00.1",
		"ffff:ff:1f.7",
		"abcd:ef:10.3",
		/* sysfs prints lower case, but hex is hex. */
		"ABCD:EF:1F.7",
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (!vfio_selftests_is_bdf(good[i]))
			TH_LOG("rejected \"%s\"", good[i]);
		EXPECT_TRUE(vfio_selftests_is_bdf(good[i]));
	}
}

TEST(is_bdf_rejects_everything_else)
{
	static const char * const bad[] = {
		"",
		"0",
		/* no domain, and fields one digit short or long */
		"00:00.0",
		"000:00:00.0",
		"00000:00:00.0",
		"0000:0:00.0",
		"0000:000:00.0",
		"0000:00:0.0",
		"0000:00:000.0",
		"0000:00:00.",
		"0000:00:00.00",
		/* a PCI device number is 5 bits, a function number 3 */
		"0000:00:20.0",
		"0000:00:ff.0",
		"0000:00:00.8",
		"0000:00:00.f",
		/* wrong separators, non-hex digits, signs, spaces */
		"0000.00.00.0",
		"0000:00:00:0",
		"0000-00-00.0",
		"000g:00:00.0",
		"0000:0x:00.0",
		"0000:+1:00.0",
		"0000:-1:00.0",
		" 0000:00:00.0",
		"0000: 0:00.0",
		/* anything after the function */
		"0000:00:00.0 ",
		"0000:00:00.0\n",
		"0000:00:00.0x",
		"0000:00:00.00000",
		"0000:00:00.0/",
		"--help",
		"vfio_type1_iommu",
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (vfio_selftests_is_bdf(bad[i]))
			TH_LOG("accepted \"%s\"", bad[i]);
		EXPECT_FALSE(vfio_selftests_is_bdf(bad[i]));
	}
}

TEST(get_bdf_takes_the_last_argument)
{
	char *argv[4] = { "prog", "-v", "0000:3b:00.1", NULL };
	int argc = 3;

	exit_is_failure();

	/* An argument wins over the environment. */
	ASSERT_EQ(0, setenv("VFIO_SELFTESTS_BDF", "0000:00:01.0", 1));

	ASSERT_STREQ("0000:3b:00.1", vfio_selftests_get_bdf(&argc, argv));
	ASSERT_EQ(2, argc);
	/* The arguments left are untouched, for the harness to parse. */
	ASSERT_STREQ("prog", argv[0]);
	ASSERT_STREQ("-v", argv[1]);
}

TEST(get_bdf_falls_back_to_environment)
{
	char *argv[4] = { "prog", "0000:3b:00.1", "-v", NULL };
	char *alone[2] = { "prog", NULL };
	int argc = 3, argc_alone = 1;

	exit_is_failure();

	ASSERT_EQ(0, setenv("VFIO_SELFTESTS_BDF", "0000:00:01.0", 1));

	/* A BDF that is not the last argument is not the device. */
	ASSERT_STREQ("0000:00:01.0", vfio_selftests_get_bdf(&argc, argv));
	ASSERT_EQ(3, argc);

	ASSERT_STREQ("0000:00:01.0", vfio_selftests_get_bdf(&argc_alone, alone));
	ASSERT_EQ(1, argc_alone);
}

struct get_bdf_args {
	int argc;
	char **argv;
};

static void get_bdf_without_env(void *arg)
{
	struct get_bdf_args *args = arg;

	unsetenv("VFIO_SELFTESTS_BDF");
	vfio_selftests_get_bdf(&args->argc, args->argv);
	fprintf(stderr, "vfio_selftests_get_bdf() returned\n");
}

TEST(get_bdf_without_any_prints_usage_and_skips)
{
	char *none[2] = { "prog", NULL };
	struct get_bdf_args args = { 1, none };
	struct child_result res;

	ASSERT_CHILD_EXIT(&res, KSFT_SKIP, get_bdf_without_env, &args);
	if (!strcasestr(res.err, "usage"))
		TH_LOG("no usage line on stderr:\n%s", res.err);
	ASSERT_NE(NULL, strcasestr(res.err, "usage"));

}

/* A malformed address is an error that names it, and the usage says so. */
TEST(get_bdf_names_a_malformed_argument)
{
	char *not_bdf[3] = { "prog", "0000:00:00.8", NULL };
	struct get_bdf_args args = { 2, not_bdf };
	struct child_result res;

	ASSERT_CHILD_EXIT(&res, KSFT_FAIL, get_bdf_without_env, &args);
	ASSERT_NE(NULL, strcasestr(res.err, "usage"));
	ASSERT_NE(NULL, strstr(res.err, "'0000:00:00.8'"));
}

static void get_bdf_with_env(void *arg)
{
	struct get_bdf_args *args = arg;

	setenv("VFIO_SELFTESTS_BDF", "0000:00:01.0", 1);
	vfio_selftests_get_bdf(&args->argc, args->argv);
	fprintf(stderr, "vfio_selftests_get_bdf() returned\n");
}

/* The environment's device must not stand in for a mistyped argument. */
TEST(get_bdf_does_not_fall_back_past_a_malformed_argument)
{
	char *typo[5] = { "prog", "-v", "iommufd", "0000:3b:00.10", NULL };
	char *value[4] = { "prog", "-t", "reset", NULL };
	struct get_bdf_args args = { 4, typo };
	struct child_result res;

	ASSERT_CHILD_EXIT(&res, KSFT_FAIL, get_bdf_with_env, &args);
	ASSERT_NE(NULL, strstr(res.err, "'0000:3b:00.10'"));

	/* The value of a harness option is not an address attempt. */
	args.argc = 3;
	args.argv = value;
	ASSERT_CHILD_EXIT(&res, 0, get_bdf_with_env, &args);
	ASSERT_NE(NULL, strstr(res.err, "returned"));
}

TEST(get_bdfs_takes_every_trailing_bdf)
{
	char *argv[5] = { "prog", "-v", "0000:00:01.0", "0000:00:02.0", NULL };
	int argc = 4, nr = 0, i;
	bool seen1 = false, seen2 = false;
	char **bdfs;

	exit_is_failure();

	unsetenv("VFIO_SELFTESTS_BDF");

	bdfs = vfio_selftests_get_bdfs(&argc, argv, &nr);
	ASSERT_NE(NULL, bdfs);
	ASSERT_EQ(2, nr);
	ASSERT_EQ(2, argc);
	ASSERT_STREQ("-v", argv[1]);

	for (i = 0; i < nr; i++) {
		seen1 |= !strcmp(bdfs[i], "0000:00:01.0");
		seen2 |= !strcmp(bdfs[i], "0000:00:02.0");
	}
	ASSERT_TRUE(seen1 && seen2);
}

TEST(mmap_reserve_honours_align_and_offset)
{
	const size_t size = 2UL << 20, align = 1UL << 30, offset = 0x3000;
	unsigned char *p;

	p = mmap_reserve(size, align, offset);
	ASSERT_NE(NULL, p);
	ASSERT_NE(MAP_FAILED, (void *)p);
	ASSERT_EQ((uintptr_t)0, ((uintptr_t)p - offset) & (align - 1));

	/*
	 * The range must really be reserved (mapped) for the whole size: a
	 * MAP_FIXED_NOREPLACE inside it would then be refused.
	 */
	ASSERT_EQ(MAP_FAILED, mmap(p + size - 4096, 4096, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
				   -1, 0));
	ASSERT_EQ(0, munmap(p, size));
}

TEST_HARNESS_MAIN
