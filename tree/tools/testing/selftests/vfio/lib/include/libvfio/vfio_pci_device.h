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
	int fd;
	int group_fd;		/* container modes, else -1 */

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

struct vfio_pci_device *vfio_pci_device_init(const char *bdf, struct iommu *iommu);
void vfio_pci_device_cleanup(struct vfio_pci_device *device);

/* VFIO_DEVICE_RESET, retried while the kernel answers EAGAIN. */
int __vfio_pci_device_reset(struct vfio_pci_device *device);
void vfio_pci_device_reset(struct vfio_pci_device *device);

/* Read or write @size bytes of config space at @offset; asserts success. */
void vfio_pci_config_access(struct vfio_pci_device *device, bool write,
			    size_t offset, size_t size, void *data);

static inline u8 vfio_pci_config_readb(struct vfio_pci_device *device, size_t offset)
{
	u8 val;

	vfio_pci_config_access(device, false, offset, sizeof(val), &val);
	return val;
}

static inline u16 vfio_pci_config_readw(struct vfio_pci_device *device, size_t offset)
{
	u16 val;

	vfio_pci_config_access(device, false, offset, sizeof(val), &val);
	return val;
}

static inline u32 vfio_pci_config_readl(struct vfio_pci_device *device, size_t offset)
{
	u32 val;

	vfio_pci_config_access(device, false, offset, sizeof(val), &val);
	return val;
}

static inline void vfio_pci_config_writeb(struct vfio_pci_device *device,
					  size_t offset, u8 val)
{
	vfio_pci_config_access(device, true, offset, sizeof(val), &val);
}

static inline void vfio_pci_config_writew(struct vfio_pci_device *device,
					  size_t offset, u16 val)
{
	vfio_pci_config_access(device, true, offset, sizeof(val), &val);
}

static inline void vfio_pci_config_writel(struct vfio_pci_device *device,
					  size_t offset, u32 val)
{
	vfio_pci_config_access(device, true, offset, sizeof(val), &val);
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
