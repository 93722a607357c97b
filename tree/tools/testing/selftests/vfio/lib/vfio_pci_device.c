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

#define IOMMU_GROUPS_SYSFS	"/sys/kernel/iommu_groups"
/* Exists only when the kernel can hand out VFIO groups (/dev/vfio/N). */
#define VFIO_GROUP_CLASS	"/sys/class/vfio"

/* vfio_pci_device_reset() retries: 200 x 10 ms bound the wait to about 2 s. */
#define RESET_RETRIES		200
#define RESET_RETRY_NS		(10 * 1000 * 1000)

/* "52ac9bff-3a88-4fbd-901a-0d767c3b6c97": 16 bytes in hex, four dashes. */
#define UUID_STR_LEN		36

static bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

static int open_fd(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? fd : fd_above_zero(fd);
}

/* vfio-pci itself, or a vendor variant such as mlx5_vfio_pci. */
static bool is_vfio_driver(const char *name)
{
	return strstr(name, "vfio");
}

static void check_device_usable(const char *bdf)
{
	char path[PATH_MAX];
	char *driver;

	snprintf_assert(path, sizeof(path), PCI_SYSFS_DEVICES "/%s", bdf);
	if (!path_exists(path))
		vfio_exit_line(KSFT_FAIL,
			       "%s: no such PCI device (%s does not exist); check the address with lspci -D",
			       bdf, path);

	driver = sysfs_driver_get(bdf);
	if (!driver)
		vfio_exit_line(KSFT_FAIL,
			       "%s: not bound to any driver, vfio-pci needed; run tools/testing/selftests/vfio/scripts/setup.sh %s",
			       bdf, bdf);
	if (!is_vfio_driver(driver))
		vfio_exit_line(KSFT_FAIL,
			       "%s: bound to %s, not vfio-pci; run tools/testing/selftests/vfio/scripts/setup.sh %s",
			       bdf, driver, bdf);
	free(driver);
}

/* "0000:00:03.0 (e1000e), 0000:00:03.1 (no driver)" for group @group. */
static char *group_members(int group)
{
	struct dirent *entry;
	char path[PATH_MAX];
	const char *sep = "";
	char *list = NULL;
	size_t len = 0;
	char *driver;
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
			driver = sysfs_driver_get(entry->d_name);
			fprintf(out, "%s%s (%s)", sep, entry->d_name,
				driver ?: "no driver");
			free(driver);
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
	fd = open_fd(path);
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

void vfio_pci_group_setup(struct vfio_pci_device *device, const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct iommu *iommu = device->iommu;
	int group;

	VFIO_ASSERT_TRUE(iommu->container_fd, "iommu mode %s has no container",
			 iommu->mode->name);
	check_device_usable(bdf);
	group = sysfs_iommu_group_get(bdf);
	device->group_fd = open_group(device, group);

	ioctl_assert(device->group_fd, VFIO_GROUP_GET_STATUS, &status);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		vfio_exit_line(KSFT_FAIL,
			       "%s: IOMMU group %d is not viable; bind every device in it to vfio-pci or unbind it: %s",
			       bdf, group, group_members(group));

	ioctl_assert(device->group_fd, VFIO_GROUP_SET_CONTAINER, &iommu->container_fd);
}

/*
 * A legacy container takes VFIO_SET_IOMMU only once, with its first group;
 * groups attached later join the IOMMU already set and the call fails with
 * EINVAL. The type1 back end answers VFIO_IOMMU_GET_INFO only once it is
 * set, which tells that case apart from a real failure. iommufd's emulation
 * accepts the call again, so there the first branch is always taken.
 */
void vfio_container_set_iommu(struct vfio_pci_device *device)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	struct iommu *iommu = device->iommu;
	int ret;

	ret = ioctl(iommu->container_fd, VFIO_CHECK_EXTENSION, iommu->mode->iommu_type);
	if (ret <= 0)
		vfio_exit_line(KSFT_SKIP,
			       "iommu mode %s: the container at %s does not offer IOMMU type %lu",
			       iommu->mode->name, iommu->mode->container_path,
			       iommu->mode->iommu_type);

	ret = ioctl(iommu->container_fd, VFIO_SET_IOMMU, iommu->mode->iommu_type);
	if (!ret)
		return;

	VFIO_ASSERT_EQ(errno, EINVAL, "%s: VFIO_SET_IOMMU(%lu)",
		       device->bdf, iommu->mode->iommu_type);
	ret = ioctl(iommu->container_fd, VFIO_IOMMU_GET_INFO, &info);
	VFIO_ASSERT_EQ(ret, 0, "%s: VFIO_SET_IOMMU(%lu) failed and the container has no IOMMU",
		       device->bdf, iommu->mode->iommu_type);
}

void __vfio_pci_group_get_device_fd(struct vfio_pci_device *device,
				    const char *bdf, const char *vf_token)
{
	char name[64];

	if (vf_token)
		snprintf_assert(name, sizeof(name), "%s vf_token=%s", bdf, vf_token);
	else
		snprintf_assert(name, sizeof(name), "%s", bdf);

	device->fd = ioctl(device->group_fd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (device->fd >= 0)
		device->fd = fd_above_zero(device->fd);
}

/* Parse a UUID string into its 16 bytes, in the order they are written. */
static int parse_uuid(const char *str, u8 uuid[16])
{
	int i, n = 0, hi, lo;

	if (strlen(str) != UUID_STR_LEN)
		return -EINVAL;
	for (i = 0; i < UUID_STR_LEN; i += 2) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (str[i] != '-')
				return -EINVAL;
			i--;
			continue;
		}
		hi = vfio_hex_digit(str[i]);
		lo = vfio_hex_digit(str[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		uuid[n++] = hi << 4 | lo;
	}
	return n == 16 ? 0 : -EINVAL;
}

void vfio_device_set_vf_token(int fd, const char *vf_token)
{
	size_t size = sizeof(struct vfio_device_feature) + 16;
	struct vfio_device_feature *feature;

	VFIO_ASSERT_NOT_NULL(vf_token, "no VF token given");
	feature = calloc_assert(1, size);
	feature->argsz = size;
	feature->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	VFIO_ASSERT_EQ(parse_uuid(vf_token, feature->data), 0,
		       "VF token \"%s\" is not a UUID", vf_token);
	ioctl_assert(fd, VFIO_DEVICE_FEATURE, feature);
	free(feature);
}

const char *vfio_pci_get_cdev_path(const char *bdf)
{
	char dirpath[PATH_MAX];
	struct dirent *entry;
	char *path = NULL;
	DIR *dir;

	check_device_usable(bdf);

	snprintf_assert(dirpath, sizeof(dirpath), PCI_SYSFS_DEVICES "/%s/vfio-dev", bdf);
	dir = opendir(dirpath);
	if (!dir)
		vfio_exit_line(KSFT_SKIP,
			       "iommu mode %s: %s has no VFIO device cdev (%s missing); the kernel probably lacks CONFIG_VFIO_DEVICE_CDEV",
			       MODE_IOMMUFD, bdf, dirpath);
	while ((entry = readdir(dir))) {
		if (strncmp(entry->d_name, "vfio", 4))
			continue;
		VFIO_ASSERT_GE(asprintf(&path, "/dev/vfio/devices/%s", entry->d_name), 0);
		break;
	}
	closedir(dir);
	VFIO_ASSERT_NOT_NULL(path, "%s: %s lists no vfioN", bdf, dirpath);
	return path;
}

void vfio_pci_cdev_open(struct vfio_pci_device *device, const char *bdf)
{
	const char *path = vfio_pci_get_cdev_path(bdf);

	device->fd = open_fd(path);
	if (device->fd < 0) {
		if (errno == ENOENT)
			vfio_exit_line(KSFT_FAIL,
				       "%s: %s does not exist; is devtmpfs mounted on /dev?",
				       bdf, path);
		if (errno == EACCES || errno == EPERM)
			vfio_exit_line(KSFT_FAIL,
				       "%s: no permission to open %s; run as root or fix its permissions",
				       bdf, path);
		vfio_exit_line(KSFT_FAIL, "%s: cannot open %s: %s",
			       bdf, path, strerror(errno));
	}
	free((void *)path);
}

int __vfio_device_bind_iommufd(int device_fd, int iommufd, const char *vf_token)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};
	u8 uuid[16];

	if (vf_token) {
#ifdef VFIO_DEVICE_BIND_FLAG_TOKEN
		if (parse_uuid(vf_token, uuid))
			return -EINVAL;
		bind.flags |= VFIO_DEVICE_BIND_FLAG_TOKEN;
		bind.token_uuid_ptr = (uintptr_t)uuid;
#else
		/* These uapi headers predate VF tokens at bind time. */
		(void)uuid;
		return -EOPNOTSUPP;
#endif
	}

	if (ioctl(device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	return 0;
}

static void iommufd_attach(struct vfio_pci_device *device)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = device->iommu->ioas_id,
	};
	int ret;

	vfio_pci_cdev_open(device, device->bdf);
	ret = __vfio_device_bind_iommufd(device->fd, device->iommu->iommufd, NULL);
	VFIO_ASSERT_EQ(ret, 0, "%s: VFIO_DEVICE_BIND_IOMMUFD", device->bdf);
	ioctl_assert(device->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
}

static void container_attach(struct vfio_pci_device *device)
{
	vfio_pci_group_setup(device, device->bdf);
	vfio_container_set_iommu(device);
	__vfio_pci_group_get_device_fd(device, device->bdf, NULL);
	VFIO_ASSERT_GE(device->fd, 0, "%s: VFIO_GROUP_GET_DEVICE_FD", device->bdf);
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
	VFIO_ASSERT_GT(device->info.num_regions, VFIO_PCI_CONFIG_REGION_INDEX);
	VFIO_ASSERT_GT(device->info.num_irqs, VFIO_PCI_MSIX_IRQ_INDEX);

	region_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &device->config_space);
	map_bars(device);
	irq_info(device, VFIO_PCI_MSI_IRQ_INDEX, &device->msi_info);
	irq_info(device, VFIO_PCI_MSIX_IRQ_INDEX, &device->msix_info);
}

struct vfio_pci_device *vfio_pci_device_alloc(const char *bdf, struct iommu *iommu)
{
	struct vfio_pci_device *device;
	size_t i;

	VFIO_ASSERT_NOT_NULL(bdf);
	VFIO_ASSERT_NOT_NULL(iommu);

	device = calloc_assert(1, sizeof(*device));
	device->bdf = bdf;
	device->iommu = iommu;
	for (i = 0; i < ARRAY_SIZE(device->msi_eventfds); i++)
		device->msi_eventfds[i] = -1;
	return device;
}

void vfio_pci_device_free(struct vfio_pci_device *device)
{
	free(device);
}

struct vfio_pci_device *vfio_pci_device_init(const char *bdf, struct iommu *iommu)
{
	struct vfio_pci_device *device = vfio_pci_device_alloc(bdf, iommu);

	/* Both paths start by checking the device is bound to vfio-pci. */
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

	if (device->fd > 0)
		VFIO_ASSERT_EQ(close(device->fd), 0);
	if (device->group_fd > 0)
		VFIO_ASSERT_EQ(close(device->group_fd), 0);

	vfio_pci_device_free(device);
}

int __vfio_pci_device_reset(struct vfio_pci_device *device)
{
	if (ioctl(device->fd, VFIO_DEVICE_RESET, NULL))
		return -errno;
	return 0;
}

/*
 * The kernel only tries the device lock; EAGAIN means someone else (udev,
 * lspci) held it for a moment, so the reset is worth repeating.
 */
void vfio_pci_device_reset(struct vfio_pci_device *device)
{
	const struct timespec delay = { .tv_nsec = RESET_RETRY_NS };
	int ret, i;

	VFIO_ASSERT_TRUE(device->info.flags & VFIO_DEVICE_FLAGS_RESET,
			 "%s: VFIO reports no reset for this device", device->bdf);
	for (i = 0; i < RESET_RETRIES; i++) {
		ret = __vfio_pci_device_reset(device);
		if (ret != -EAGAIN)
			break;
		nanosleep(&delay, NULL);
	}
	VFIO_ASSERT_EQ(ret, 0, "%s: VFIO_DEVICE_RESET (%d tries)", device->bdf, i + 1);
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
	VFIO_ASSERT_EQ(ret, size, "%s: config %s of %zu bytes at %#zx",
		       device->bdf, write ? "write" : "read", size, offset);
}
