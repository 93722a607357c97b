// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading and writing PCI device attributes in sysfs.
 *
 * Errors the user can fix (no such device, no IOMMU group) end the test
 * with one line naming the path and the fix; anything else is an assertion.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvfio.h>

#include "internal.h"

char *sysfs_link_name(const char *path)
{
	char target[PATH_MAX];
	const char *slash;
	ssize_t len;
	char *name;

	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return NULL;
	target[len] = '\0';
	slash = strrchr(target, '/');
	name = strdup(slash ? slash + 1 : target);
	VFIO_ASSERT_NOT_NULL(name);
	return name;
}

static void device_attr_path(char *buf, size_t size, const char *bdf,
			     const char *attr)
{
	snprintf_assert(buf, size, PCI_SYSFS_DEVICES "/%s/%s", bdf, attr);
}

static int device_attr_read_int(const char *bdf, const char *attr)
{
	char path[PATH_MAX];
	char buf[32];
	ssize_t len;
	char *end;
	long val;
	int fd;

	device_attr_path(path, sizeof(path), bdf, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	VFIO_ASSERT_GT(len, 0, "reading %s", path);
	VFIO_ASSERT_EQ(close(fd), 0);
	buf[len] = '\0';

	errno = 0;
	val = strtol(buf, &end, 0);
	VFIO_ASSERT_TRUE(!errno && end != buf && (*end == '\n' || !*end) &&
			 val >= 0 && val <= INT_MAX,
			 "%s holds \"%s\", not a count", path, buf);
	return val;
}

static void device_attr_write(const char *bdf, const char *attr, const char *val)
{
	size_t len = strlen(val);
	char path[PATH_MAX];
	ssize_t ret;
	int fd;

	device_attr_path(path, sizeof(path), bdf, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	VFIO_ASSERT_GE(fd, 0, "opening %s for writing", path);
	ret = write(fd, val, len);
	VFIO_ASSERT_EQ(ret, len, "writing \"%s\" to %s", val, path);
	VFIO_ASSERT_EQ(close(fd), 0);
}

int sysfs_sriov_totalvfs_get(const char *bdf)
{
	return device_attr_read_int(bdf, "sriov_totalvfs");
}

int sysfs_sriov_numvfs_get(const char *bdf)
{
	return device_attr_read_int(bdf, "sriov_numvfs");
}

void sysfs_sriov_numvfs_set(const char *bdf, int numvfs)
{
	char val[16];

	VFIO_ASSERT_GE(numvfs, 0);
	snprintf_assert(val, sizeof(val), "%d", numvfs);
	device_attr_write(bdf, "sriov_numvfs", val);
}

char *sysfs_sriov_vf_bdf_get(const char *pf_bdf, int i)
{
	char path[PATH_MAX];
	char attr[32];
	char *vf;

	VFIO_ASSERT_GE(i, 0);
	snprintf_assert(attr, sizeof(attr), "virtfn%d", i);
	device_attr_path(path, sizeof(path), pf_bdf, attr);
	vf = sysfs_link_name(path);
	VFIO_ASSERT_NOT_NULL(vf, "%s: no VF %d (%s)", pf_bdf, i, path);
	VFIO_ASSERT_TRUE(vfio_selftests_is_bdf(vf), "%s leads to \"%s\"", path, vf);
	return vf;
}

int sysfs_iommu_group_get(const char *bdf)
{
	char path[PATH_MAX];
	char *name, *end;
	long group;

	device_attr_path(path, sizeof(path), bdf, "iommu_group");
	name = sysfs_link_name(path);
	if (!name)
		vfio_exit_line(KSFT_FAIL,
			       "%s: %s does not exist; boot with the IOMMU enabled (e.g. intel_iommu=on)",
			       bdf, path);

	errno = 0;
	group = strtol(name, &end, 10);
	VFIO_ASSERT_TRUE(!errno && *name && !*end && group >= 0 && group <= INT_MAX,
			 "%s: IOMMU group \"%s\" is not a number", bdf, name);
	free(name);
	return group;
}

char *sysfs_driver_get(const char *bdf)
{
	char path[PATH_MAX];

	device_attr_path(path, sizeof(path), bdf, "driver");
	return sysfs_link_name(path);
}
