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

/*
 * FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES() is the mode list tests take from
 * the library (vfio_pci_driver_test also probes the device in the modes of
 * its variants); the library's own table must be the same list.
 */
FIXTURE(all_modes) {
};

FIXTURE_VARIANT(all_modes) {
	const char *iommu_mode;
};

#define FIXTURE_VARIANT_ADD_IOMMU_MODE(_mode, ...)			\
FIXTURE_VARIANT_ADD(all_modes, _mode)\
{									\
	.iommu_mode = #_mode,						\
}

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES();

#undef FIXTURE_VARIANT_ADD_IOMMU_MODE

FIXTURE_SETUP(all_modes)
{
}

FIXTURE_TEARDOWN(all_modes)
{
}

TEST_F(all_modes, variant_is_a_library_mode)
{
	const struct iommu_mode *mode = iommu_mode_lookup(variant->iommu_mode);

	ASSERT_NE(NULL, mode) {
		TH_LOG("variant mode \"%s\" unknown to the library",
		       variant->iommu_mode);
	}
	ASSERT_STREQ(variant->iommu_mode, mode->name);
}

static void init_bogus(void *arg)
{
	iommu_init(arg);
	fprintf(stderr, "iommu_init() returned\n");
}

/* The variants' modes, in order, as iommu_init() lists the valid ones. */
static void variant_mode_list(char *buf, size_t len)
{
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;

	buf[0] = 0;
	for (f = __fixture_list; f; f = f->next) {
		if (strcmp(f->name, "all_modes"))
			continue;
		for (v = f->variant; v; v = v->next) {
			if (buf[0])
				strncat(buf, ", ", len - strlen(buf) - 1);
			strncat(buf, v->name, len - strlen(buf) - 1);
		}
	}
}

TEST(library_table_lists_exactly_the_variant_modes)
{
	struct child_result res;
	char want[256], *got;

	variant_mode_list(want, sizeof(want));
	ASSERT_CHILD_EXIT(&res, KSFT_FAIL, init_bogus, "bogus");
	got = strstr(res.err, "valid modes: ");
	ASSERT_NE(NULL, got) {
		TH_LOG("no list of valid modes in:\n%s", res.err);
	}
	got += strlen("valid modes: ");
	got[strcspn(got, "\n")] = 0;
	ASSERT_STREQ(want, got);
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

TEST(init_with_unknown_mode_fails_naming_it)
{
	struct child_result res;

	ASSERT_CHILD_EXIT(&res, KSFT_FAIL, init_bogus, "bogus");
	if (!strstr(res.err, "bogus"))
		TH_LOG("stderr does not name the mode:\n%s", res.err);
	ASSERT_NE(NULL, strstr(res.err, "bogus"));
}

TEST_HARNESS_MAIN
