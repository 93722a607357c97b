/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A PCI device opened through VFIO: either through its group and a
 * container, or through its cdev bound to an iommufd. Once initialised the
 * device has its region info read, every mmap-able BAR mapped and a driver
 * probed for it.
 */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_DEVICE_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_DEVICE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <libvfio/assert.h>
#include <libvfio/iommu.h>
#include <libvfio/vfio_pci_driver.h>

struct vfio_pci_bar {
	struct vfio_region_info info;
	void *vaddr;		/* mmap of the whole BAR, NULL if not mmap-able */
};

struct vfio_pci_device {
	const char *bdf;
	/* Open fds are non-zero: 0 means not opened (group_fd in iommufd mode). */
	int fd;
	int group_fd;		/* container modes */

	struct iommu *iommu;

	struct vfio_device_info info;
	struct vfio_region_info config_space;
	struct vfio_pci_bar bars[PCI_STD_NUM_BARS];

	struct vfio_irq_info msi_info;
	struct vfio_irq_info msix_info;

	/* One eventfd per MSI or MSI-X vector in use, -1 elsewhere. */
	int msi_eventfds[PCI_MSIX_FLAGS_QSIZE + 1];

	struct vfio_pci_driver driver;
};

#define dev_info(_dev, _fmt, ...) \
	printf("%s: " _fmt, (_dev)->bdf, ##__VA_ARGS__)
#define dev_err(_dev, _fmt, ...) \
	fprintf(stderr, "%s: " _fmt, (_dev)->bdf, ##__VA_ARGS__)
/* Printed only when built with -DDEBUG; the format is checked either way. */
#ifdef DEBUG
#define __vfio_debug 1
#else
#define __vfio_debug 0
#endif
#define dev_dbg(_dev, _fmt, ...) do {					\
	if (__vfio_debug)						\
		dev_info(_dev, _fmt, ##__VA_ARGS__);			\
} while (0)

/*
 * Open @bdf through @iommu's mode (group and container, or cdev bound to the
 * iommufd and attached to its IOAS), read its regions and interrupts, map
 * its BARs and probe a driver. cleanup() undoes all of it.
 */
struct vfio_pci_device *vfio_pci_device_init(const char *bdf, struct iommu *iommu);
void vfio_pci_device_cleanup(struct vfio_pci_device *device);

/*
 * The steps of init() for a test that wants to take them itself, e.g. with
 * a VF token: alloc() gives a device with nothing open, free() releases
 * only the memory (close what was opened first).
 */
struct vfio_pci_device *vfio_pci_device_alloc(const char *bdf, struct iommu *iommu);
void vfio_pci_device_free(struct vfio_pci_device *device);

/* Open @bdf's IOMMU group, check it is viable, add it to the container. */
void vfio_pci_group_setup(struct vfio_pci_device *device, const char *bdf);
/* VFIO_SET_IOMMU with the mode's type (a no-op for a container's later groups). */
void vfio_container_set_iommu(struct vfio_pci_device *device);
/*
 * VFIO_GROUP_GET_DEVICE_FD for @bdf, with "vf_token=@vf_token" when it is
 * not NULL; device->fd is the result, negative (errno set) on failure.
 */
void __vfio_pci_group_get_device_fd(struct vfio_pci_device *device,
				    const char *bdf, const char *vf_token);
/* Open @bdf's VFIO cdev into device->fd. */
void vfio_pci_cdev_open(struct vfio_pci_device *device, const char *bdf);
/* VFIO_DEVICE_BIND_IOMMUFD, with @vf_token (a UUID string) if not NULL. */
int __vfio_device_bind_iommufd(int device_fd, int iommufd, const char *vf_token);
/* Set the PF's VF token (VFIO_DEVICE_FEATURE_PCI_VF_TOKEN) on device fd @fd. */
void vfio_device_set_vf_token(int fd, const char *vf_token);

/*
 * VFIO_DEVICE_RESET once: 0 or the negative errno. The asserting form
 * retries for a while when the kernel answers EAGAIN (it only tries the
 * device lock, which udev or lspci may hold for a moment).
 */
int __vfio_pci_device_reset(struct vfio_pci_device *device);
void vfio_pci_device_reset(struct vfio_pci_device *device);

/* Read or write @size bytes of config space at @offset; asserts success. */
void vfio_pci_config_access(struct vfio_pci_device *device, bool write,
			    size_t offset, size_t size, void *data);

/* Config space accesses of the width of @_type. */
#define vfio_pci_config_read(_device, _offset, _type) ({		\
	_type __vfio_cfg;						\
									\
	vfio_pci_config_access((_device), false, (_offset),		\
			       sizeof(__vfio_cfg), &__vfio_cfg);	\
	__vfio_cfg;							\
})

#define vfio_pci_config_write(_device, _offset, _value, _type) do {	\
	_type __vfio_cfg = (_value);					\
									\
	vfio_pci_config_access((_device), true, (_offset),		\
			       sizeof(__vfio_cfg), &__vfio_cfg);	\
} while (0)

#define vfio_pci_config_readb(_d, _o)		vfio_pci_config_read(_d, _o, u8)
#define vfio_pci_config_readw(_d, _o)		vfio_pci_config_read(_d, _o, u16)
#define vfio_pci_config_readl(_d, _o)		vfio_pci_config_read(_d, _o, u32)
#define vfio_pci_config_writeb(_d, _o, _v)	vfio_pci_config_write(_d, _o, _v, u8)
#define vfio_pci_config_writew(_d, _o, _v)	vfio_pci_config_write(_d, _o, _v, u16)
#define vfio_pci_config_writel(_d, _o, _v)	vfio_pci_config_write(_d, _o, _v, u32)

/* Set or clear @bits of PCI_COMMAND, leaving the others as they are. */
static inline void vfio_pci_cmd_set(struct vfio_pci_device *device, u16 bits)
{
	u16 cmd = vfio_pci_config_readw(device, PCI_COMMAND);

	vfio_pci_config_writew(device, PCI_COMMAND, cmd | bits);
}

static inline void vfio_pci_cmd_clear(struct vfio_pci_device *device, u16 bits)
{
	u16 cmd = vfio_pci_config_readw(device, PCI_COMMAND);

	vfio_pci_config_writew(device, PCI_COMMAND, cmd & ~bits);
}

/*
 * Give vectors [@vector, @vector + @count) of IRQ @index an eventfd each and
 * route them with VFIO_DEVICE_SET_IRQS. The vectors must have none yet.
 */
void vfio_pci_irq_enable(struct vfio_pci_device *device, u32 index,
			 u32 vector, int count);
/* Tear down every trigger of @index and close its eventfds. */
void vfio_pci_irq_disable(struct vfio_pci_device *device, u32 index);
/* Fire @vector of @index from software, through VFIO. */
void vfio_pci_irq_trigger(struct vfio_pci_device *device, u32 index, u32 vector);

static inline void vfio_pci_msi_enable(struct vfio_pci_device *device,
				       u32 vector, int count)
{
	vfio_pci_irq_enable(device, VFIO_PCI_MSI_IRQ_INDEX, vector, count);
}

static inline void vfio_pci_msi_disable(struct vfio_pci_device *device)
{
	vfio_pci_irq_disable(device, VFIO_PCI_MSI_IRQ_INDEX);
}

static inline void vfio_pci_msix_enable(struct vfio_pci_device *device,
					u32 vector, int count)
{
	vfio_pci_irq_enable(device, VFIO_PCI_MSIX_IRQ_INDEX, vector, count);
}

static inline void vfio_pci_msix_disable(struct vfio_pci_device *device)
{
	vfio_pci_irq_disable(device, VFIO_PCI_MSIX_IRQ_INDEX);
}

static inline void fcntl_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL, 0);

	VFIO_ASSERT_NE(flags, -1, "F_GETFL on fd %d", fd);
	VFIO_ASSERT_NE(fcntl(fd, F_SETFL, flags | O_NONBLOCK), -1,
		       "F_SETFL O_NONBLOCK on fd %d", fd);
}

static inline int __to_iova(struct vfio_pci_device *device, void *vaddr,
			    iova_t *iova)
{
	return __iommu_hva2iova(device->iommu, vaddr, iova);
}

static inline iova_t to_iova(struct vfio_pci_device *device, void *vaddr)
{
	return iommu_hva2iova(device->iommu, vaddr);
}

static inline bool vfio_pci_device_match(struct vfio_pci_device *device,
					 u16 vendor_id, u16 device_id)
{
	return vfio_pci_config_readw(device, PCI_VENDOR_ID) == vendor_id &&
	       vfio_pci_config_readw(device, PCI_DEVICE_ID) == device_id;
}

/* "/dev/vfio/devices/vfioN" for @bdf, found through sysfs (allocated). */
const char *vfio_pci_get_cdev_path(const char *bdf);

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_DEVICE_H */
