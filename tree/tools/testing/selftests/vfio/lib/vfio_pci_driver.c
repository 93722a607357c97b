// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver registry and the wrappers tests call instead of the ops. The
 * wrappers hold every driver to the same contract (call order, declared
 * limits), so a driver bug shows up as an assertion here rather than as a
 * confusing result in a test. They touch nothing but device->driver and the
 * DMA regions of device->iommu, so they can be exercised without hardware.
 */
#include <stdint.h>

#include <libvfio.h>

#pragma weak dsa_ops
#pragma weak ioat_ops
#pragma weak nv_falcon_ops
#pragma weak igb_ops

/* A driver that is not built in has a NULL address here. */
static const struct vfio_pci_driver_ops *const drivers[] = {
	&dsa_ops,
	&ioat_ops,
	&nv_falcon_ops,
	&igb_ops,
};

void vfio_pci_driver_probe(struct vfio_pci_device *device)
{
	struct vfio_pci_driver *driver = &device->driver;
	size_t i;

	VFIO_ASSERT_FALSE(driver->initialized, "probing a device whose driver is running");

	driver->ops = NULL;
	for (i = 0; i < ARRAY_SIZE(drivers); i++) {
		if (!drivers[i] || drivers[i]->probe(device))
			continue;
		driver->ops = drivers[i];
	}
}

/* Both ends of the driver's region must translate through the IOMMU. */
static void check_region_mapped(struct vfio_pci_device *device)
{
	struct dma_region *region = &device->driver.region;
	iova_t iova;

	VFIO_ASSERT_NOT_NULL(region->vaddr, "driver region has no memory");
	VFIO_ASSERT_GT(region->size, 0, "driver region is empty");

	VFIO_ASSERT_EQ(__to_iova(device, region->vaddr, &iova), 0,
		       "driver region %p is not mapped for DMA", region->vaddr);
	VFIO_ASSERT_EQ(iova, region->iova,
		       "driver region is mapped at another IOVA than it records");
	VFIO_ASSERT_EQ(__to_iova(device, region->vaddr + region->size - 1, &iova), 0,
		       "driver region %p is only partly mapped for DMA", region->vaddr);
}

void vfio_pci_driver_init(struct vfio_pci_device *device)
{
	struct vfio_pci_driver *driver = &device->driver;

	VFIO_ASSERT_NOT_NULL(driver->ops, "no driver for this device");
	VFIO_ASSERT_FALSE(driver->initialized, "driver initialised twice");
	check_region_mapped(device);

	driver->ops->init(device);

	VFIO_ASSERT_GT(driver->max_memcpy_size, 0, "%s set no max_memcpy_size",
		       driver->ops->name);
	VFIO_ASSERT_GT(driver->max_memcpy_count, 0, "%s set no max_memcpy_count",
		       driver->ops->name);
	VFIO_ASSERT_GE(driver->msi, 0, "%s set no valid msi", driver->ops->name);
	VFIO_ASSERT_LT(driver->msi, ARRAY_SIZE(device->msi_eventfds),
		       "%s set no valid msi", driver->ops->name);

	driver->initialized = true;
}

void vfio_pci_driver_remove(struct vfio_pci_device *device)
{
	struct vfio_pci_driver *driver = &device->driver;

	VFIO_ASSERT_NOT_NULL(driver->ops, "no driver for this device");
	VFIO_ASSERT_TRUE(driver->initialized, "removing a driver that is not initialised");
	VFIO_ASSERT_FALSE(driver->memcpy_in_progress,
			  "removing the driver while a memcpy is in flight");

	driver->ops->remove(device);
	driver->initialized = false;
}

void vfio_pci_driver_memcpy_start(struct vfio_pci_device *device,
				  iova_t src, iova_t dst, u64 size, u64 count)
{
	struct vfio_pci_driver *driver = &device->driver;

	VFIO_ASSERT_TRUE(driver->initialized, "memcpy before driver init");
	VFIO_ASSERT_FALSE(driver->memcpy_in_progress,
			  "memcpy started before the previous one was waited for");
	VFIO_ASSERT_GT(size, 0);
	VFIO_ASSERT_LE(size, driver->max_memcpy_size);
	VFIO_ASSERT_GT(count, 0);
	VFIO_ASSERT_LE(count, driver->max_memcpy_count);

	driver->ops->memcpy_start(device, src, dst, size, count);
	driver->memcpy_in_progress = true;
}

int vfio_pci_driver_memcpy_wait(struct vfio_pci_device *device)
{
	struct vfio_pci_driver *driver = &device->driver;
	int ret;

	VFIO_ASSERT_TRUE(driver->initialized, "memcpy wait before driver init");
	VFIO_ASSERT_TRUE(driver->memcpy_in_progress, "waiting with no memcpy started");

	ret = driver->ops->memcpy_wait(device);
	driver->memcpy_in_progress = false;
	return ret;
}

void vfio_pci_driver_send_msi(struct vfio_pci_device *device)
{
	struct vfio_pci_driver *driver = &device->driver;

	VFIO_ASSERT_TRUE(driver->initialized, "send_msi before driver init");
	VFIO_ASSERT_NOT_NULL(driver->ops->send_msi, "%s cannot send an MSI",
			     driver->ops->name);

	driver->ops->send_msi(device);
}

int vfio_pci_driver_memcpy(struct vfio_pci_device *device,
			   iova_t src, iova_t dst, u64 size)
{
	struct vfio_pci_driver *driver = &device->driver;
	u64 chunk;
	int ret;

	VFIO_ASSERT_TRUE(driver->initialized, "memcpy before driver init");

	while (size) {
		chunk = size < driver->max_memcpy_size ? size : driver->max_memcpy_size;

		vfio_pci_driver_memcpy_start(device, src, dst, chunk, 1);
		ret = vfio_pci_driver_memcpy_wait(device);
		if (ret)
			return ret;

		src += chunk;
		dst += chunk;
		size -= chunk;
	}
	return 0;
}
