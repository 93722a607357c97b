/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The driver framework: a device-specific driver turns a PCI device into a
 * DMA engine that tests use without knowing which device it is. Tests call
 * the vfio_pci_driver_*() wrappers, which check that the ops are used in a
 * valid order and within the limits the driver declared.
 */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_DRIVER_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_DRIVER_H

#include <stdbool.h>

#include <libvfio/iommu.h>

struct vfio_pci_device;

struct vfio_pci_driver_ops {
	const char *name;

	/* 0 if this driver can drive @device, non-zero otherwise. */
	int (*probe)(struct vfio_pci_device *device);

	/*
	 * Bring the device up. driver.region is mapped for DMA before this is
	 * called; init() sets max_memcpy_size, max_memcpy_count and msi.
	 */
	void (*init)(struct vfio_pci_device *device);

	/* Stop the device; init() may be called again afterwards. */
	void (*remove)(struct vfio_pci_device *device);

	/*
	 * Queue @count copies of [@src, @src + @size) to [@dst, @dst + @size)
	 * and return without waiting. The device reads only the source, writes
	 * only the destination and raises no interrupt.
	 */
	void (*memcpy_start)(struct vfio_pci_device *device,
			     iova_t src, iova_t dst, u64 size, u64 count);

	/*
	 * Return once every DMA queued by memcpy_start() has finished: 0, or a
	 * negative errno when the driver saw an error.
	 */
	int (*memcpy_wait)(struct vfio_pci_device *device);

	/* Make the device signal interrupt vector driver.msi exactly once. */
	void (*send_msi)(struct vfio_pci_device *device);
};

struct vfio_pci_driver {
	const struct vfio_pci_driver_ops *ops;
	bool initialized;
	bool memcpy_in_progress;

	/* Memory the driver owns: rings, descriptors, state. */
	struct dma_region region;

	/* Limits on the arguments of memcpy_start(). */
	u64 max_memcpy_size;
	u64 max_memcpy_count;

	/* Interrupt vector that send_msi() fires. */
	int msi;
};

/*
 * The drivers the library knows, in the order vfio_pci_driver_probe() asks
 * them; when several claim a device the last one drives it. The library
 * refers to them weakly, so a tree builds with whichever of them its
 * lib/drivers/ holds (this one has igb only).
 */
extern const struct vfio_pci_driver_ops dsa_ops;
extern const struct vfio_pci_driver_ops ioat_ops;
extern const struct vfio_pci_driver_ops nv_falcon_ops;
extern const struct vfio_pci_driver_ops igb_ops;

void vfio_pci_driver_probe(struct vfio_pci_device *device);
void vfio_pci_driver_init(struct vfio_pci_device *device);
void vfio_pci_driver_remove(struct vfio_pci_device *device);
void vfio_pci_driver_memcpy_start(struct vfio_pci_device *device,
				  iova_t src, iova_t dst, u64 size, u64 count);
int vfio_pci_driver_memcpy_wait(struct vfio_pci_device *device);
void vfio_pci_driver_send_msi(struct vfio_pci_device *device);

/*
 * Copy @size bytes in chunks of at most max_memcpy_size, one start and one
 * wait per chunk. Returns 0 or the first error memcpy_wait() reported.
 */
int vfio_pci_driver_memcpy(struct vfio_pci_device *device,
			   iova_t src, iova_t dst, u64 size);

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_DRIVER_H */
