/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU back ends for the VFIO selftests: the two legacy VFIO container
 * types, the same two through iommufd's container compatibility, and native
 * iommufd with an IOAS. A struct iommu is one container or one IOAS; several
 * devices may be attached to it.
 */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_IOMMU_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_IOMMU_H

#include <linux/list.h>
#include <linux/types.h>

#include <libvfio/assert.h>

typedef u64 iova_t;

#define MODE_VFIO_TYPE1_IOMMU		"vfio_type1_iommu"
#define MODE_VFIO_TYPE1V2_IOMMU		"vfio_type1v2_iommu"
#define MODE_IOMMUFD_COMPAT_TYPE1	"iommufd_compat_type1"
#define MODE_IOMMUFD_COMPAT_TYPE1V2	"iommufd_compat_type1v2"
#define MODE_IOMMUFD			"iommufd"

struct iommu_mode {
	const char *name;
	/* Opened as a VFIO container; NULL for native iommufd. */
	const char *container_path;
	/* VFIO_SET_IOMMU argument; 0 for native iommufd. */
	unsigned long iommu_type;
};

/* Mode used when a test passes NULL: native iommufd. */
extern const char *default_iommu_mode;

/* Look a mode up by name; NULL when the name is unknown. */
const struct iommu_mode *iommu_mode_lookup(const char *name);

struct dma_region {
	struct list_head link;
	void *vaddr;
	iova_t iova;
	u64 size;
};

struct iommu {
	const struct iommu_mode *mode;
	/* Open fds are non-zero; the one the mode does not use is 0. */
	int container_fd;	/* container modes */
	int iommufd;		/* native iommufd mode */
	u32 ioas_id;
	struct list_head dma_regions;
};

struct iommu *iommu_init(const char *iommu_mode);
void iommu_cleanup(struct iommu *iommu);

int __iommu_map(struct iommu *iommu, struct dma_region *region);

static inline void iommu_map(struct iommu *iommu, struct dma_region *region)
{
	VFIO_ASSERT_EQ(__iommu_map(iommu, region), 0);
}

int __iommu_unmap(struct iommu *iommu, struct dma_region *region, u64 *unmapped);

static inline void iommu_unmap(struct iommu *iommu, struct dma_region *region)
{
	VFIO_ASSERT_EQ(__iommu_unmap(iommu, region, NULL), 0);
}

int __iommu_unmap_all(struct iommu *iommu, u64 *unmapped);

static inline void iommu_unmap_all(struct iommu *iommu)
{
	VFIO_ASSERT_EQ(__iommu_unmap_all(iommu, NULL), 0);
}

int __iommu_hva2iova(struct iommu *iommu, void *vaddr, iova_t *iova);
iova_t iommu_hva2iova(struct iommu *iommu, void *vaddr);

/*
 * The IOVA ranges the back end accepts, sorted by start address. The array
 * is allocated; the caller frees it.
 */
struct iommu_iova_range *iommu_iova_ranges(struct iommu *iommu, u32 *nranges);

/*
 * Instantiate a fixture variant per IOMMU mode. The test defines
 * FIXTURE_VARIANT_ADD_IOMMU_MODE(mode, ...) in terms of FIXTURE_VARIANT_ADD().
 */
#define FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(...)			\
FIXTURE_VARIANT_ADD_IOMMU_MODE(vfio_type1_iommu, ##__VA_ARGS__);	\
FIXTURE_VARIANT_ADD_IOMMU_MODE(vfio_type1v2_iommu, ##__VA_ARGS__);	\
FIXTURE_VARIANT_ADD_IOMMU_MODE(iommufd_compat_type1, ##__VA_ARGS__);	\
FIXTURE_VARIANT_ADD_IOMMU_MODE(iommufd_compat_type1v2, ##__VA_ARGS__);	\
FIXTURE_VARIANT_ADD_IOMMU_MODE(iommufd, ##__VA_ARGS__)

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_IOMMU_H */
