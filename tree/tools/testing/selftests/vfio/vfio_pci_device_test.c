// SPDX-License-Identifier: GPL-2.0-only
/*
 * What vfio_pci_device_init() sets up, checked against the kernel's view of
 * the device: config space, BAR mappings, reset and interrupt delivery.
 *
 * Every test runs in each IOMMU mode. None of them maps memory, so a case
 * costs little even under TCG, and the device fd they all use comes from a
 * different kernel path per mode (a group in a VFIO container, a group in
 * iommufd's container emulation, or the cdev bound to an iommufd).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <libvfio.h>

#include "../kselftest_harness.h"

#include "vfio_harness.h"

#include "vfio_test_helpers.h"

/* Enough to cover a typical MSI-X table without a long run under TCG. */
#define MAX_VECTORS_TESTED	16

static const char *device_bdf;

/* A hex attribute of the device in sysfs, such as "0x8086\n". */
static int read_sysfs_hex(const char *bdf, const char *attr, unsigned long *val)
{
	char path[PATH_MAX];
	FILE *file;
	int ret = 0;

	snprintf_assert(path, sizeof(path), "/sys/bus/pci/devices/%s/%s",
			bdf, attr);
	file = fopen(path, "r");
	if (!file)
		return -errno;
	if (fscanf(file, "%lx", val) != 1)
		ret = -EINVAL;
	fclose(file);
	return ret;
}

FIXTURE(vfio_pci_device_test) {
	struct iommu *iommu;
	struct vfio_pci_device *device;
};

FIXTURE_VARIANT(vfio_pci_device_test) {
	const char *iommu_mode;
};

/*
 * The brace opens its own line because it starts an initializer, not an
 * expression: written after the ')' it makes checkpatch ask for
 * parentheses that cannot be added here.
 */
#define FIXTURE_VARIANT_ADD_IOMMU_MODE(_mode, ...)			\
FIXTURE_VARIANT_ADD(vfio_pci_device_test, _mode)\
{									\
	.iommu_mode = #_mode,						\
}

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES();

#undef FIXTURE_VARIANT_ADD_IOMMU_MODE

FIXTURE_SETUP(vfio_pci_device_test)
{
	self->iommu = iommu_init(variant->iommu_mode);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
}

FIXTURE_TEARDOWN(vfio_pci_device_test)
{
	vfio_pci_device_cleanup(self->device);
	iommu_cleanup(self->iommu);
}

/* Config space as VFIO shows it must describe the device sysfs describes. */
TEST_F(vfio_pci_device_test, config_space_ids)
{
	unsigned long vendor, device, class;

	ASSERT_EQ(0, read_sysfs_hex(device_bdf, "vendor", &vendor));
	ASSERT_EQ(0, read_sysfs_hex(device_bdf, "device", &device));
	ASSERT_EQ(0, read_sysfs_hex(device_bdf, "class", &class));

	ASSERT_EQ(vendor, vfio_pci_config_readw(self->device, PCI_VENDOR_ID));
	ASSERT_EQ(device, vfio_pci_config_readw(self->device, PCI_DEVICE_ID));
	/* The low byte of this dword is the revision; sysfs leaves it out. */
	ASSERT_EQ(class, vfio_pci_config_readl(self->device,
					       PCI_CLASS_REVISION) >> 8);
}

/* A BAR is mapped exactly when VFIO allows mmap of its region. */
TEST_F(vfio_pci_device_test, bar_mappings)
{
	struct vfio_pci_bar *bar;
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		bar = &self->device->bars[i];

		if (bar->info.flags & VFIO_REGION_INFO_FLAG_MMAP) {
			ASSERT_NE(NULL, bar->vaddr) {
				TH_LOG("BAR%d (%llu bytes) is mmap-able but unmapped",
				       i, bar->info.size);
			}
		} else {
			ASSERT_NULL(bar->vaddr) {
				TH_LOG("BAR%d is mapped though VFIO forbids mmap", i);
			}
		}
	}
}

/*
 * A load through the BAR0 mapping must reach the device: it must see what
 * a read through the device fd sees, and not the all-ones of a master abort.
 * Offset 0 is read because every BAR has it; on the 82576 it is CTRL, which
 * is free of read side effects.
 */
TEST_F(vfio_pci_device_test, bar0_mmap_read)
{
	struct vfio_pci_bar *bar0 = &self->device->bars[0];
	u32 via_mmap, via_fd;

	if (!bar0->vaddr)
		SKIP(return, "BAR0 is not mmap-able");

	via_mmap = readl(bar0->vaddr);
	ASSERT_NE(~0U, via_mmap);

	if (!(bar0->info.flags & VFIO_REGION_INFO_FLAG_READ))
		return;
	ASSERT_EQ(sizeof(via_fd),
		  pread(self->device->fd, &via_fd, sizeof(via_fd),
			bar0->info.offset));
	ASSERT_EQ(via_fd, via_mmap);
}

TEST_F(vfio_pci_device_test, reset)
{
	unsigned long vendor;

	if (!(self->device->info.flags & VFIO_DEVICE_FLAGS_RESET))
		SKIP(return, "device does not support VFIO_DEVICE_RESET");

	ASSERT_EQ(0, __vfio_pci_device_reset(self->device));

	/* The device must answer config reads again once the reset is over. */
	ASSERT_EQ(0, read_sysfs_hex(device_bdf, "vendor", &vendor));
	ASSERT_EQ(vendor, vfio_pci_config_readw(self->device, PCI_VENDOR_ID));
}

/*
 * Route vector @v of IRQ @index, alone, to a fresh eventfd, fire it from
 * software and expect exactly one signal on that eventfd.
 */
static void check_vector(struct __test_metadata *_metadata,
			 struct vfio_pci_device *device, u32 index, u32 v)
{
	u64 count;
	int fd;

	vfio_pci_irq_enable(device, index, v, 1);
	fd = device->msi_eventfds[v];
	ASSERT_LE(0, fd);

	vfio_pci_irq_trigger(device, index, v);
	count = msi_count(fd, MSI_WAIT_MS);
	ASSERT_EQ((u64)1, count) {
		TH_LOG("vector %u: %llu signals within %d ms, not one", v,
		       (unsigned long long)count, MSI_WAIT_MS);
	}

	vfio_pci_irq_disable(device, index);
}

TEST_F(vfio_pci_device_test, msi_vectors)
{
	u32 v, count = self->device->msi_info.count;

	if (!count)
		SKIP(return, "device has no MSI capability");
	for (v = 0; v < min_t(u32, count, MAX_VECTORS_TESTED); v++)
		check_vector(_metadata, self->device, VFIO_PCI_MSI_IRQ_INDEX, v);
}

TEST_F(vfio_pci_device_test, msix_vectors)
{
	u32 v, count = self->device->msix_info.count;

	if (!count)
		SKIP(return, "device has no MSI-X capability");
	for (v = 0; v < min_t(u32, count, MAX_VECTORS_TESTED); v++)
		check_vector(_metadata, self->device, VFIO_PCI_MSIX_IRQ_INDEX, v);
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	vfio_selftests_check_filters(argc, argv);
	return test_harness_run(argc, argv);
}
