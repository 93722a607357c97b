// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMU back ends: a VFIO type1 container (legacy, or emulated by
 * iommufd) or a native iommufd IOAS, and the DMA mappings made through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include <libvfio.h>

#include "internal.h"

#define VFIO_CONTAINER_PATH	"/dev/vfio/vfio"
#define IOMMUFD_PATH		"/dev/iommu"

static const struct iommu_mode iommu_modes[] = {
	{
		.name = MODE_VFIO_TYPE1_IOMMU,
		.container_path = VFIO_CONTAINER_PATH,
		.iommu_type = VFIO_TYPE1_IOMMU,
	},
	{
		.name = MODE_VFIO_TYPE1V2_IOMMU,
		.container_path = VFIO_CONTAINER_PATH,
		.iommu_type = VFIO_TYPE1v2_IOMMU,
	},
	{
		.name = MODE_IOMMUFD_COMPAT_TYPE1,
		.container_path = IOMMUFD_PATH,
		.iommu_type = VFIO_TYPE1_IOMMU,
	},
	{
		.name = MODE_IOMMUFD_COMPAT_TYPE1V2,
		.container_path = IOMMUFD_PATH,
		.iommu_type = VFIO_TYPE1v2_IOMMU,
	},
	{
		.name = MODE_IOMMUFD,
	},
};

const char *default_iommu_mode = MODE_IOMMUFD;

const struct iommu_mode *iommu_mode_lookup(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(iommu_modes); i++) {
		if (!strcmp(iommu_modes[i].name, name))
			return &iommu_modes[i];
	}
	return NULL;
}

static __noreturn void unknown_mode(const char *name)
{
	char valid[256] = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(iommu_modes); i++) {
		if (i)
			strncat(valid, ", ", sizeof(valid) - strlen(valid) - 1);
		strncat(valid, iommu_modes[i].name, sizeof(valid) - strlen(valid) - 1);
	}
	VFIO_FAIL("unknown IOMMU mode \"%s\"; valid modes: %s", name, valid);
}

static const char *kconfig_for(const char *path)
{
	if (!strcmp(path, IOMMUFD_PATH))
		return "CONFIG_IOMMUFD";
	return "CONFIG_VFIO_CONTAINER";
}

static int open_iommu_dev(const struct iommu_mode *mode, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd_above_zero(fd);

	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		/* The kernel lacks this mode: not the test's fault. */
		vfio_exit_line(KSFT_SKIP,
			       "iommu mode %s: %s does not exist; the kernel probably lacks %s",
			       mode->name, path, kconfig_for(path));
	case EACCES:
	case EPERM:
		vfio_exit_line(KSFT_FAIL,
			       "iommu mode %s: no permission to open %s; run as root or fix its permissions",
			       mode->name, path);
	default:
		vfio_exit_line(KSFT_FAIL, "iommu mode %s: cannot open %s: %s",
			       mode->name, path, strerror(errno));
	}
}

static void container_init(struct iommu *iommu)
{
	const struct iommu_mode *mode = iommu->mode;
	int fd, ret;

	fd = open_iommu_dev(mode, mode->container_path);
	iommu->container_fd = fd;

	ret = ioctl(fd, VFIO_GET_API_VERSION);
	VFIO_ASSERT_EQ(ret, VFIO_API_VERSION, "VFIO API version of %s",
		       mode->container_path);

	ret = ioctl(fd, VFIO_CHECK_EXTENSION, mode->iommu_type);
	VFIO_ASSERT_GE(ret, 0, "VFIO_CHECK_EXTENSION(%lu) on %s",
		       mode->iommu_type, mode->container_path);
	if (!ret)
		vfio_exit_line(KSFT_SKIP,
			       "iommu mode %s: %s does not offer IOMMU type %lu; the kernel probably lacks %s",
			       mode->name, mode->container_path, mode->iommu_type,
			       strcmp(mode->container_path, IOMMUFD_PATH) ?
			       "CONFIG_VFIO_IOMMU_TYPE1 (module vfio_iommu_type1)" :
			       "CONFIG_IOMMUFD");
}

static void iommufd_init(struct iommu *iommu)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	iommu->iommufd = open_iommu_dev(iommu->mode, IOMMUFD_PATH);
	ioctl_assert(iommu->iommufd, IOMMU_IOAS_ALLOC, &alloc);
	iommu->ioas_id = alloc.out_ioas_id;
}

struct iommu *iommu_init(const char *iommu_mode)
{
	const struct iommu_mode *mode;
	struct iommu *iommu;

	if (!iommu_mode)
		iommu_mode = default_iommu_mode;
	mode = iommu_mode_lookup(iommu_mode);
	if (!mode)
		unknown_mode(iommu_mode);

	iommu = calloc_assert(1, sizeof(*iommu));
	iommu->mode = mode;
	INIT_LIST_HEAD(&iommu->dma_regions);

	if (mode->container_path)
		container_init(iommu);
	else
		iommufd_init(iommu);

	return iommu;
}

void iommu_cleanup(struct iommu *iommu)
{
	if (!iommu)
		return;
	/* Closing the fd tears down whatever is still mapped. */
	if (iommu->container_fd)
		VFIO_ASSERT_EQ(close(iommu->container_fd), 0);
	if (iommu->iommufd)
		VFIO_ASSERT_EQ(close(iommu->iommufd), 0);
	free(iommu);
}

static int ioctl_errno(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) ? -errno : 0;
}

int __iommu_map(struct iommu *iommu, struct dma_region *region)
{
	int ret;

	if (iommu->iommufd) {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = iommu->ioas_id,
			.user_va = (uintptr_t)region->vaddr,
			.length = region->size,
			.iova = region->iova,
		};

		ret = ioctl_errno(iommu->iommufd, IOMMU_IOAS_MAP, &map);
	} else {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)region->vaddr,
			.iova = region->iova,
			.size = region->size,
		};

		ret = ioctl_errno(iommu->container_fd, VFIO_IOMMU_MAP_DMA, &map);
	}

	if (!ret)
		list_add_tail(&region->link, &iommu->dma_regions);
	return ret;
}

/* Unmap [@iova, @iova + @size); the byte count unmapped goes to @unmapped. */
static int unmap_range(struct iommu *iommu, iova_t iova, u64 size, u32 flags,
		       u64 *unmapped)
{
	int ret;

	if (iommu->iommufd) {
		struct iommu_ioas_unmap unmap = {
			.size = sizeof(unmap),
			.ioas_id = iommu->ioas_id,
			.iova = iova,
			.length = size,
		};

		ret = ioctl_errno(iommu->iommufd, IOMMU_IOAS_UNMAP, &unmap);
		if (!ret && unmapped)
			*unmapped = unmap.length;
	} else {
		/* No dirty bitmap follows, so argsz stops where data[] begins. */
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = offsetof(struct vfio_iommu_type1_dma_unmap, data),
			.flags = flags,
			.iova = iova,
			.size = size,
		};

		ret = ioctl_errno(iommu->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
		if (!ret && unmapped)
			*unmapped = unmap.size;
	}
	return ret;
}

static bool region_is_listed(struct iommu *iommu, struct dma_region *region)
{
	struct dma_region *entry;

	list_for_each_entry(entry, &iommu->dma_regions, link) {
		if (entry == region)
			return true;
	}
	return false;
}

int __iommu_unmap(struct iommu *iommu, struct dma_region *region, u64 *unmapped)
{
	int ret;

	ret = unmap_range(iommu, region->iova, region->size, 0, unmapped);
	/*
	 * Type1 reports success for a range that held no mapping, so the
	 * region may never have been added to the list.
	 */
	if (!ret && region_is_listed(iommu, region))
		list_del_init(&region->link);
	return ret;
}

int __iommu_unmap_all(struct iommu *iommu, u64 *unmapped)
{
	struct dma_region *region, *tmp;
	int ret;

	/*
	 * Type1 wants iova and size zero with the ALL flag; iommufd has no
	 * flag and instead treats the full 64-bit range as "everything".
	 */
	if (iommu->iommufd)
		ret = unmap_range(iommu, 0, UINT64_MAX, 0, unmapped);
	else
		ret = unmap_range(iommu, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, unmapped);
	if (ret)
		return ret;

	list_for_each_entry_safe(region, tmp, &iommu->dma_regions, link)
		list_del_init(&region->link);
	return 0;
}

int __iommu_hva2iova(struct iommu *iommu, void *vaddr, iova_t *iova)
{
	uintptr_t addr = (uintptr_t)vaddr;
	struct dma_region *region;

	list_for_each_entry(region, &iommu->dma_regions, link) {
		uintptr_t start = (uintptr_t)region->vaddr;

		/* Written as a difference so a region ending at 2^64 works. */
		if (addr < start || addr - start >= region->size)
			continue;
		if (iova)
			*iova = region->iova + (addr - start);
		return 0;
	}
	return -ENOENT;
}

iova_t iommu_hva2iova(struct iommu *iommu, void *vaddr)
{
	iova_t iova = 0;
	int ret;

	ret = __iommu_hva2iova(iommu, vaddr, &iova);
	VFIO_ASSERT_EQ(ret, 0, "%p is not inside any mapped DMA region", vaddr);
	return iova;
}

static int compare_ranges(const void *a, const void *b)
{
	const struct iommu_iova_range *ra = a, *rb = b;

	if (ra->start != rb->start)
		return ra->start < rb->start ? -1 : 1;
	return 0;
}

/* The first capability with @id in a type1 info buffer of @argsz bytes. */
static struct vfio_info_cap_header *type1_find_cap(struct vfio_iommu_type1_info *info,
						   u32 argsz, u16 id)
{
	struct vfio_info_cap_header *hdr;
	u32 offset = info->cap_offset;
	u32 prev = 0;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;

	/* Offsets only move forward; that also rules out a looping chain. */
	while (offset) {
		VFIO_ASSERT_GT(offset, prev, "capability chain goes backwards");
		VFIO_ASSERT_LE((u64)offset + sizeof(*hdr), argsz,
			       "capability header past the end of the buffer");
		hdr = (void *)info + offset;
		if (hdr->id == id)
			return hdr;
		prev = offset;
		offset = hdr->next;
	}
	return NULL;
}

static struct iommu_iova_range *type1_iova_ranges(struct iommu *iommu, u32 *nranges)
{
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	struct vfio_iommu_type1_info *info = NULL;
	struct iommu_iova_range *ranges;
	struct vfio_info_cap_header *hdr;
	u32 argsz = sizeof(*info);
	u32 i;

	/*
	 * A buffer too small for the capabilities is not an error: the kernel
	 * reports the size it needs in argsz and leaves the chain out.
	 */
	for (;;) {
		free(info);
		info = calloc_assert(1, argsz);
		info->argsz = argsz;
		ioctl_assert(iommu->container_fd, VFIO_IOMMU_GET_INFO, info);
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
	}

	hdr = type1_find_cap(info, argsz, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	VFIO_ASSERT_NOT_NULL(hdr, "%s: no IOVA range capability in VFIO_IOMMU_GET_INFO",
			     iommu->mode->name);
	cap = (void *)hdr;
	VFIO_ASSERT_LE((u64)((void *)cap->iova_ranges - (void *)info) +
		       (u64)cap->nr_iovas * sizeof(cap->iova_ranges[0]), argsz,
		       "IOVA range capability past the end of the buffer");

	ranges = calloc_assert(cap->nr_iovas ? cap->nr_iovas : 1, sizeof(*ranges));
	for (i = 0; i < cap->nr_iovas; i++) {
		ranges[i].start = cap->iova_ranges[i].start;
		ranges[i].last = cap->iova_ranges[i].end;
	}
	*nranges = cap->nr_iovas;

	free(info);
	return ranges;
}

static struct iommu_iova_range *iommufd_iova_ranges(struct iommu *iommu, u32 *nranges)
{
	struct iommu_iova_range *ranges = NULL;
	struct iommu_ioas_iova_ranges query = {
		.size = sizeof(query),
		.ioas_id = iommu->ioas_id,
	};
	u32 room = 0;
	int ret;

	/*
	 * The first call, with no room, only learns the count (EMSGSIZE).
	 * Loop in case an attach elsewhere changes it in between.
	 */
	for (;;) {
		query.num_iovas = room;
		query.allowed_iovas = (uintptr_t)ranges;
		ret = ioctl(iommu->iommufd, IOMMU_IOAS_IOVA_RANGES, &query);
		if (!ret)
			break;
		VFIO_ASSERT_EQ(errno, EMSGSIZE, "IOMMU_IOAS_IOVA_RANGES on IOAS %u",
			       iommu->ioas_id);
		room = query.num_iovas;
		free(ranges);
		ranges = calloc_assert(room, sizeof(*ranges));
	}

	if (!ranges)
		ranges = calloc_assert(1, sizeof(*ranges));
	*nranges = query.num_iovas;
	return ranges;
}

struct iommu_iova_range *iommu_iova_ranges(struct iommu *iommu, u32 *nranges)
{
	struct iommu_iova_range *ranges;
	u32 i;

	if (iommu->iommufd)
		ranges = iommufd_iova_ranges(iommu, nranges);
	else
		ranges = type1_iova_ranges(iommu, nranges);

	qsort(ranges, *nranges, sizeof(*ranges), compare_ranges);
	for (i = 0; i < *nranges; i++)
		VFIO_ASSERT_LE(ranges[i].start, ranges[i].last);
	return ranges;
}
