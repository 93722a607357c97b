// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table of IOMMU modes, and how iommu_init() refuses a name it does not
 * know. Nothing here opens /dev/vfio or /dev/iommu.
 */
#include <string.h>

#include <linux/vfio.h>

#include <libvfio.h>

#include "kselftest_harness.h"

#include "child.h"

static void check_mode(struct __test_metadata *_metadata, const char *name,
		       const char *container_path, unsigned long iommu_type)
{
	const struct iommu_mode *mode = iommu_mode_lookup(name);

	if (!mode)
		TH_LOG("no mode \"%s\"", name);
	ASSERT_NE(NULL, mode);
	ASSERT_STREQ(name, mode->name);
	ASSERT_STREQ(container_path ?: "(none)",
		     mode->container_path ?: "(none)");
	ASSERT_EQ(iommu_type, mode->iommu_type);
	/* The same entry every time: callers compare mode pointers. */
	ASSERT_EQ(mode, iommu_mode_lookup(name));
}

TEST(lookup_finds_the_five_modes)
{
	check_mode(_metadata, MODE_VFIO_TYPE1_IOMMU, "/dev/vfio/vfio",
		   VFIO_TYPE1_IOMMU);
	check_mode(_metadata, MODE_VFIO_TYPE1V2_IOMMU, "/dev/vfio/vfio",
		   VFIO_TYPE1v2_IOMMU);
	check_mode(_metadata, MODE_IOMMUFD_COMPAT_TYPE1, "/dev/iommu",
		   VFIO_TYPE1_IOMMU);
	check_mode(_metadata, MODE_IOMMUFD_COMPAT_TYPE1V2, "/dev/iommu",
		   VFIO_TYPE1v2_IOMMU);
	check_mode(_metadata, MODE_IOMMUFD, NULL, 0);
}

TEST(mode_names_match_the_variant_names)
{
	/* FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES() pastes these as identifiers. */
	ASSERT_STREQ("vfio_type1_iommu", MODE_VFIO_TYPE1_IOMMU);
	ASSERT_STREQ("vfio_type1v2_iommu", MODE_VFIO_TYPE1V2_IOMMU);
	ASSERT_STREQ("iommufd_compat_type1", MODE_IOMMUFD_COMPAT_TYPE1);
	ASSERT_STREQ("iommufd_compat_type1v2", MODE_IOMMUFD_COMPAT_TYPE1V2);
	ASSERT_STREQ("iommufd", MODE_IOMMUFD);
}

TEST(default_mode_is_native_iommufd)
{
	ASSERT_NE(NULL, default_iommu_mode);
	ASSERT_STREQ(MODE_IOMMUFD, default_iommu_mode);
	ASSERT_NE(NULL, iommu_mode_lookup(default_iommu_mode));
}

TEST(lookup_rejects_unknown_names)
{
	static const char * const unknown[] = {
		"bogus",
		"",
		/* prefixes and extensions of real names */
		"iommu",
		"iommufd_compat",
		"iommufd_compat_type1v2x",
		"vfio_type1",
		/* names are case sensitive, like the variant names */
		"IOMMUFD",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		if (iommu_mode_lookup(unknown[i]))
			TH_LOG("found a mode for \"%s\"", unknown[i]);
		EXPECT_EQ(NULL, iommu_mode_lookup(unknown[i]));
	}
}

static void init_bogus(void *arg)
{
	iommu_init(arg);
	fprintf(stderr, "iommu_init() returned\n");
}

TEST(init_with_unknown_mode_fails_naming_it)
{
	struct child_result res;

	ASSERT_CHILD_EXIT(&res, KSFT_FAIL, init_bogus, "bogus");
	if (!strstr(res.err, "bogus"))
		TH_LOG("stderr does not name the mode:\n%s", res.err);
	ASSERT_NE(NULL, strstr(res.err, "bogus"));
}

TEST_HARNESS_MAIN
