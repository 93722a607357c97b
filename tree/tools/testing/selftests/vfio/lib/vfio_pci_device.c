// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening a PCI device through VFIO, its regions, config space and
 * interrupts.
 *
 * Problems with the set-up of the machine (wrong address, wrong driver, a
 * group shared with devices still in use) end the test with one line that
 * says what to fix; a kernel without the IOMMU mode asked for makes the test
 * skip. Everything else is an assertion.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <libvfio.h>

#include "internal.h"

#define PCI_SYSFS_DEVICES	"/sys/bus/pci/devices"
#define IOMMU_GROUPS_SYSFS	"/sys/kernel/iommu_groups"
/* Exists only when the kernel can hand out VFIO groups (/dev/vfio/N). */
#define VFIO_GROUP_CLASS	"/sys/class/vfio"

/* VFIO_DEVICE_RESET retries: 200 x 10 ms bounds the wait to about 2 s. */
#define RESET_RETRIES		200
#define RESET_RETRY_NS		(10 * 1000 * 1000)

static bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* Last component of the symlink @path, in @buf; false if no such link. */
static bool link_target_name(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t len;
	char *slash;

	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return false;
	target[len] = '\0';
	slash = strrchr(target, '/');
	snprintf_assert(buf, size, "%s", slash ? slash + 1 : target);
	return true;
}

/* Name of the driver @bdf is bound to, or "no driver". */
static void pci_driver_name(const char *bdf, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf_assert(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/driver", bdf);
	if (!link_target_name(path, buf, size))
		snprintf_assert(buf, size, "no driver");
}

/* vfio-pci itself, or a vendor variant such as mlx5_vfio_pci. */
static bool is_vfio_driver(const char *name)
{
	return strstr(name, "vfio");
}

static void check_device_usable(const char *bdf)
{
	char path[PATH_MAX];
	char driver[NAME_MAX + 1];

	snprintf_assert(path, sizeof(path), PCI_SYSFS_DEVICES "/%s", bdf);
	if (!path_exists(path))
		vfio_exit_line(KSFT_FAIL,
			       "%s: no such PCI device (%s does not exist); check the address with lspci -D",
			       bdf, path);

	snprintf_assert(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/driver", bdf);
	if (!link_target_name(path, driver, sizeof(driver)))
		vfio_exit_line(KSFT_FAIL,
			       "%s: not bound to any driver, vfio-pci needed; run scripts/setup.sh %s",
			       bdf, bdf);
	if (!is_vfio_driver(driver))
		vfio_exit_line(KSFT_FAIL,
			       "%s: bound to %s, not vfio-pci; run scripts/setup.sh %s",
			       bdf, driver, bdf);
}

static int iommu_group_of(const char *bdf)
{
	char path[PATH_MAX];
	char name[NAME_MAX + 1];
	char *end;
	long group;

	snprintf_assert(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/iommu_group", bdf);
	if (!link_target_name(path, name, sizeof(name)))
		vfio_exit_line(KSFT_FAIL,
			       "%s: %s does not exist; boot with the IOMMU enabled (e.g. intel_iommu=on)",
			       bdf, path);

	errno = 0;
	group = strtol(name, &end, 10);
	VFIO_ASSERT_TRUE(!errno && *name && !*end && group >= 0 && group <= INT_MAX,
			 "%s: IOMMU group \"%s\" is not a number", bdf, name);
	return group;
}

/* "0000:00:03.0 (e1000e), 0000:00:03.1 (no driver)" for group @group. */
static char *group_members(int group)
{
	char path[PATH_MAX];
	char driver[NAME_MAX + 1];
	struct dirent *entry;
	size_t len = 0;
	char *list = NULL;
	const char *sep = "";
	FILE *out;
	DIR *dir;

	out = open_memstream(&list, &len);
	VFIO_ASSERT_NOT_NULL(out);

	snprintf_assert(path, sizeof(path), IOMMU_GROUPS_SYSFS "/%d/devices", group);
	dir = opendir(path);
	if (!dir) {
		fprintf(out, "(cannot list %s: %s)", path, strerror(errno));
	} else {
		while ((entry = readdir(dir))) {
			if (entry->d_name[0] == '.')
				continue;
			pci_driver_name(entry->d_name, driver, sizeof(driver));
			fprintf(out, "%s%s (%s)", sep, entry->d_name, driver);
			sep = ", ";
		}
		closedir(dir);
	}

	VFIO_ASSERT_EQ(fclose(out), 0);
	return list;
}

static int open_group(struct vfio_pci_device *device, int group)
{
	const char *mode = device->iommu->mode->name;
	char path[PATH_MAX];
	int fd;

	snprintf_assert(path, sizeof(path), "/dev/vfio/%d", group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;

	switch (errno) {
	case ENOENT:
		if (!path_exists(VFIO_GROUP_CLASS))
			vfio_exit_line(KSFT_SKIP,
				       "iommu mode %s: %s: the kernel has no VFIO groups (%s missing); it probably lacks CONFIG_VFIO_GROUP",
				       mode, device->bdf, VFIO_GROUP_CLASS);
		vfio_exit_line(KSFT_FAIL,
			       "%s: %s does not exist; is devtmpfs mounted on /dev?",
			       device->bdf, path);
	case EACCES:
	case EPERM:
		vfio_exit_line(KSFT_FAIL,
			       "%s: no permission to open %s; run as root or fix its permissions",
			       device->bdf, path);
	case EBUSY:
		vfio_exit_line(KSFT_FAIL,
			       "%s: %s is already open; close the other user of IOMMU group %d",
			       device->bdf, path, group);
	default:
		vfio_exit_line(KSFT_FAIL, "%s: cannot open %s: %s",
			       device->bdf, path, strerror(errno));
	}
}

/*
 * A legacy container takes VFIO_SET_IOMMU only once, with its first group;
 * groups attached later join the IOMMU already set and the call fails with
 * EINVAL. The type1 back end answers VFIO_IOMMU_GET_INFO only once it is
 * set, which tells that case apart from a real failure. iommufd's emulation
 * accepts the call again, so there the first branch is always taken.
 */
static void container_set_iommu(struct vfio_pci_device *device)
{
	struct iommu *iommu = device->iommu;
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	int ret;

	ret = ioctl(iommu->container_fd, VFIO_SET_IOMMU, iommu->mode->iommu_type);
	if (!ret)
		return;

	VFIO_ASSERT_EQ(errno, EINVAL, "%s: VFIO_SET_IOMMU(%lu)",
		       device->bdf, iommu->mode->iommu_type);
	ret = ioctl(iommu->container_fd, VFIO_IOMMU_GET_INFO, &info);
	VFIO_ASSERT_EQ(ret, 0, "%s: VFIO_SET_IOMMU(%lu) failed and the container has no IOMMU",
		       device->bdf, iommu->mode->iommu_type);
}

static void container_attach(struct vfio_pci_device *device)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct iommu *iommu = device->iommu;
	int group;

	group = iommu_group_of(device->bdf);
	device->group_fd = open_group(device, group);

	ioctl_assert(device->group_fd, VFIO_GROUP_GET_STATUS, &status);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		vfio_exit_line(KSFT_FAIL,
			       "%s: IOMMU group %d is not viable; bind every device in it to vfio-pci or unbind it: %s",
			       device->bdf, group, group_members(group));

	ioctl_assert(device->group_fd, VFIO_GROUP_SET_CONTAINER, &iommu->container_fd);
	container_set_iommu(device);

	device->fd = ioctl(device->group_fd, VFIO_GROUP_GET_DEVICE_FD, device->bdf);
	VFIO_ASSERT_GE(device->fd, 0, "%s: VFIO_GROUP_GET_DEVICE_FD", device->bdf);
}

/* The vfioN entry under the device's vfio-dev directory, or NULL. */
static char *find_cdev_name(const char *dirpath)
{
	struct dirent *entry;
	char *name = NULL;
	DIR *dir;

	dir = opendir(dirpath);
	if (!dir)
		return NULL;
	while ((entry = readdir(dir))) {
		if (!strncmp(entry->d_name, "vfio", 4)) {
			name = strdup(entry->d_name);
			VFIO_ASSERT_NOT_NULL(name);
			break;
		}
	}
	closedir(dir);
	return name;
}

const char *vfio_pci_get_cdev_path(const char *bdf)
{
	char dirpath[PATH_MAX];
	char *path, *name;
	size_t size;

	check_device_usable(bdf);

	snprintf_assert(dirpath, sizeof(dirpath), PCI_SYSFS_DEVICES "/%s/vfio-dev", bdf);
	name = find_cdev_name(dirpath);
	if (!name)
		vfio_exit_line(KSFT_SKIP,
			       "iommu mode %s: %s has no VFIO device cdev (%s missing); the kernel probably lacks CONFIG_VFIO_DEVICE_CDEV",
			       MODE_IOMMUFD, bdf, dirpath);

	size = strlen("/dev/vfio/devices/") + strlen(name) + 1;
	path = malloc_assert(size);
	snprintf_assert(path, size, "/dev/vfio/devices/%s", name);
	free(name);
	return path;
}

static void iommufd_attach(struct vfio_pci_device *device)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = device->iommu->iommufd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = device->iommu->ioas_id,
	};
	const char *path;

	path = vfio_pci_get_cdev_path(device->bdf);
	device->fd = open(path, O_RDWR | O_CLOEXEC);
	if (device->fd < 0) {
		if (errno == ENOENT)
			vfio_exit_line(KSFT_FAIL,
				       "%s: %s does not exist; is devtmpfs mounted on /dev?",
				       device->bdf, path);
		if (errno == EACCES || errno == EPERM)
			vfio_exit_line(KSFT_FAIL,
				       "%s: no permission to open %s; run as root or fix its permissions",
				       device->bdf, path);
		vfio_exit_line(KSFT_FAIL, "%s: cannot open %s: %s",
			       device->bdf, path, strerror(errno));
	}
	free((void *)path);

	ioctl_assert(device->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	ioctl_assert(device->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
}

static void region_info(struct vfio_pci_device *device, u32 index,
			struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	ioctl_assert(device->fd, VFIO_DEVICE_GET_REGION_INFO, info);
}

static void irq_info(struct vfio_pci_device *device, u32 index,
		     struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	ioctl_assert(device->fd, VFIO_DEVICE_GET_IRQ_INFO, info);
}

static void map_bars(struct vfio_pci_device *device)
{
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct vfio_pci_bar *bar = &device->bars[i];

		region_info(device, VFIO_PCI_BAR0_REGION_INDEX + i, &bar->info);
		if (!(bar->info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !bar->info.size)
			continue;

		bar->vaddr = mmap(NULL, bar->info.size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, device->fd, bar->info.offset);
		VFIO_ASSERT_NE(bar->vaddr, MAP_FAILED, "%s: mmap of BAR %d",
			       device->bdf, i);
	}
}

static void read_device_info(struct vfio_pci_device *device)
{
	device->info.argsz = sizeof(device->info);
	ioctl_assert(device->fd, VFIO_DEVICE_GET_INFO, &device->info);
	VFIO_ASSERT_TRUE(device->info.flags & VFIO_DEVICE_FLAGS_PCI,
			 "%s: not a VFIO PCI device", device->bdf);
	VFIO_ASSERT_GT(device->info.num_regions, (u32)VFIO_PCI_CONFIG_REGION_INDEX);
	VFIO_ASSERT_GT(device->info.num_irqs, (u32)VFIO_PCI_MSIX_IRQ_INDEX);

	region_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &device->config_space);
	map_bars(device);
	irq_info(device, VFIO_PCI_MSI_IRQ_INDEX, &device->msi_info);
	irq_info(device, VFIO_PCI_MSIX_IRQ_INDEX, &device->msix_info);
}

struct vfio_pci_device *vfio_pci_device_init(const char *bdf, struct iommu *iommu)
{
	struct vfio_pci_device *device;
	size_t i;

	VFIO_ASSERT_NOT_NULL(bdf);
	VFIO_ASSERT_NOT_NULL(iommu);

	device = calloc_assert(1, sizeof(*device));
	device->bdf = bdf;
	device->iommu = iommu;
	device->fd = -1;
	device->group_fd = -1;
	for (i = 0; i < ARRAY_SIZE(device->msi_eventfds); i++)
		device->msi_eventfds[i] = -1;

	check_device_usable(bdf);
	if (iommu->mode->container_path)
		container_attach(device);
	else
		iommufd_attach(device);

	read_device_info(device);
	vfio_pci_driver_probe(device);

	return device;
}

static int set_irqs(struct vfio_pci_device *device, u32 index, u32 flags,
		    u32 start, u32 count, const int *fds)
{
	size_t head = offsetof(struct vfio_irq_set, data);
	size_t data_size = fds ? count * sizeof(*fds) : 0;
	struct vfio_irq_set *set;
	int ret;

	set = calloc_assert(1, head + data_size);
	set->argsz = head + data_size;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (fds)
		memcpy(set->data, fds, data_size);

	ret = ioctl(device->fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	return ret;
}

static void close_eventfds(struct vfio_pci_device *device)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(device->msi_eventfds); i++) {
		if (device->msi_eventfds[i] < 0)
			continue;
		VFIO_ASSERT_EQ(close(device->msi_eventfds[i]), 0);
		device->msi_eventfds[i] = -1;
	}
}

static bool any_eventfd(struct vfio_pci_device *device)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(device->msi_eventfds); i++) {
		if (device->msi_eventfds[i] >= 0)
			return true;
	}
	return false;
}

/* Vectors @index offers: cached for MSI and MSI-X, asked for otherwise. */
static u32 irq_count(struct vfio_pci_device *device, u32 index)
{
	struct vfio_irq_info info;

	if (index == VFIO_PCI_MSI_IRQ_INDEX)
		return device->msi_info.count;
	if (index == VFIO_PCI_MSIX_IRQ_INDEX)
		return device->msix_info.count;
	irq_info(device, index, &info);
	return info.count;
}

void vfio_pci_irq_enable(struct vfio_pci_device *device, u32 index,
			 u32 vector, int count)
{
	u32 i, end;
	int ret;

	VFIO_ASSERT_GT(count, 0);
	VFIO_ASSERT_LE((u64)vector + count, irq_count(device, index),
		       "%s: IRQ index %u has too few vectors", device->bdf, index);
	VFIO_ASSERT_LE((u64)vector + count, ARRAY_SIZE(device->msi_eventfds));
	end = vector + count;

	for (i = vector; i < end; i++)
		VFIO_ASSERT_EQ(device->msi_eventfds[i], -1,
			       "%s: vector %u already has an eventfd", device->bdf, i);

	for (i = vector; i < end; i++) {
		device->msi_eventfds[i] = eventfd(0, EFD_CLOEXEC);
		VFIO_ASSERT_GE(device->msi_eventfds[i], 0, "eventfd for vector %u", i);
	}

	ret = set_irqs(device, index,
		       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		       vector, count, &device->msi_eventfds[vector]);
	VFIO_ASSERT_EQ(ret, 0, "%s: routing vectors %u-%u of IRQ index %u",
		       device->bdf, vector, end - 1, index);
}

void vfio_pci_irq_disable(struct vfio_pci_device *device, u32 index)
{
	int ret;

	ret = set_irqs(device, index,
		       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		       0, 0, NULL);
	VFIO_ASSERT_EQ(ret, 0, "%s: disabling IRQ index %u", device->bdf, index);
	close_eventfds(device);
}

void vfio_pci_irq_trigger(struct vfio_pci_device *device, u32 index, u32 vector)
{
	int ret;

	ret = set_irqs(device, index,
		       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		       vector, 1, NULL);
	VFIO_ASSERT_EQ(ret, 0, "%s: triggering vector %u of IRQ index %u",
		       device->bdf, vector, index);
}

/*
 * The eventfds do not say whether they serve MSI or MSI-X; VFIO allows only
 * one of the two at a time and refuses to disable the other, so try both
 * and ignore that refusal.
 */
static void release_irqs(struct vfio_pci_device *device)
{
	if (!any_eventfd(device))
		return;
	set_irqs(device, VFIO_PCI_MSIX_IRQ_INDEX,
		 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
	set_irqs(device, VFIO_PCI_MSI_IRQ_INDEX,
		 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
	close_eventfds(device);
}

void vfio_pci_device_cleanup(struct vfio_pci_device *device)
{
	int i;

	if (!device)
		return;

	if (device->driver.initialized)
		vfio_pci_driver_remove(device);

	release_irqs(device);

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct vfio_pci_bar *bar = &device->bars[i];

		if (bar->vaddr)
			VFIO_ASSERT_EQ(munmap(bar->vaddr, bar->info.size), 0);
	}

	if (device->fd >= 0)
		VFIO_ASSERT_EQ(close(device->fd), 0);
	if (device->group_fd >= 0)
		VFIO_ASSERT_EQ(close(device->group_fd), 0);

	free(device);
}

int __vfio_pci_device_reset(struct vfio_pci_device *device)
{
	const struct timespec delay = { .tv_nsec = RESET_RETRY_NS };
	int i;

	if (!(device->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return -EOPNOTSUPP;

	/*
	 * The kernel only tries the device lock; EAGAIN means someone else
	 * (udev, lspci) held it for a moment, so the reset is worth repeating.
	 */
	for (i = 0; i < RESET_RETRIES; i++) {
		if (!ioctl(device->fd, VFIO_DEVICE_RESET, NULL))
			return 0;
		if (errno != EAGAIN)
			return -errno;
		nanosleep(&delay, NULL);
	}
	return -EAGAIN;
}

void vfio_pci_device_reset(struct vfio_pci_device *device)
{
	VFIO_ASSERT_EQ(__vfio_pci_device_reset(device), 0, "%s: VFIO_DEVICE_RESET",
		       device->bdf);
}

void vfio_pci_config_access(struct vfio_pci_device *device, bool write,
			    size_t offset, size_t size, void *data)
{
	off_t pos = device->config_space.offset + offset;
	ssize_t ret;

	VFIO_ASSERT_LE((u64)offset + size, device->config_space.size,
		       "%s: config access of %zu bytes at %#zx", device->bdf,
		       size, offset);

	if (write)
		ret = pwrite(device->fd, data, size, pos);
	else
		ret = pread(device->fd, data, size, pos);
	VFIO_ASSERT_EQ(ret, (ssize_t)size, "%s: config %s of %zu bytes at %#zx",
		       device->bdf, write ? "write" : "read", size, offset);
}
