// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X across VFIO_DEVICE_RESET, with the interrupt raised by the device.
 *
 * The PCI core saves the function's config state before the reset and
 * restores it afterwards, the MSI-X table from the kernel's own
 * descriptors. These tests read the entry of the driver's vector through
 * the BAR mapping to see what the restore put back, then have the device
 * raise that vector with the driver's send_msi() and wait for it on the
 * eventfd. A software trigger (SET_IRQS with DATA_NONE) would prove
 * nothing here: it never goes through the table.
 *
 * The tests need a driver with send_msi() that signals an MSI-X vector,
 * and a device VFIO can reset; anything else skips. A test that fails
 * leaves the device to be released when the process exits.
 */
#include <poll.h>
#include <sys/mman.h>

#include <linux/io.h>
#include <linux/sizes.h>

#include <libvfio.h>

#include "kselftest_harness.h"

static const char *device_bdf;

/* Long enough for an interrupt under an emulated machine. */
#define MSI_WAIT_MS		1000
/* How long a vector that must stay quiet is watched. */
#define QUIET_WAIT_MS		200

struct msix_entry {
	u32 addr_lo;
	u32 addr_hi;
	u32 data;
	u32 ctrl;
};

FIXTURE(msix_reset) {
	struct iommu *iommu;
	struct vfio_pci_device *device;
	struct iova_allocator *iova_allocator;
	/* The table entry of the driver's vector, in the BAR mapping. */
	void *entry;
	/* That entry as the kernel programmed it before any reset. */
	struct msix_entry programmed;
};

/* The memory the driver keeps its descriptors in, mapped for the device. */
static void driver_region_setup(struct vfio_pci_device *device,
				struct iova_allocator *iova_allocator)
{
	struct dma_region *region = &device->driver.region;
	void *vaddr;

	vaddr = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(vaddr, MAP_FAILED);

	region->vaddr = vaddr;
	region->size = SZ_2M;
	region->iova = iova_allocator_alloc(iova_allocator, SZ_2M);
	iommu_map(device->iommu, region);
}

/* The config space offset of capability @id, or 0 when there is none. */
static u8 find_capability(struct vfio_pci_device *device, u8 id)
{
	int budget = (PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF) / PCI_CAP_SIZEOF;
	u8 pos;

	if (!(vfio_pci_config_readw(device, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;

	pos = vfio_pci_config_readb(device, PCI_CAPABILITY_LIST) & ~3;
	while (pos && budget--) {
		if (vfio_pci_config_readb(device, pos + PCI_CAP_LIST_ID) == id)
			return pos;
		pos = vfio_pci_config_readb(device, pos + PCI_CAP_LIST_NEXT) & ~3;
	}
	return 0;
}

/*
 * The entry of MSI-X vector @vector in the BAR mapping, or NULL when the
 * function has MSI-X off or its table is not mapped.
 */
static void *msix_entry_addr(struct vfio_pci_device *device, int vector)
{
	u8 cap = find_capability(device, PCI_CAP_ID_MSIX);
	u32 table;
	u16 flags;
	void *bar;

	if (!cap || vector < 0)
		return NULL;

	flags = vfio_pci_config_readw(device, cap + PCI_MSIX_FLAGS);
	if (!(flags & PCI_MSIX_FLAGS_ENABLE))
		return NULL;
	if (vector > (flags & PCI_MSIX_FLAGS_QSIZE))
		return NULL;

	table = vfio_pci_config_readl(device, cap + PCI_MSIX_TABLE);
	bar = device->bars[table & PCI_MSIX_TABLE_BIR].vaddr;
	if (!bar)
		return NULL;

	return bar + (table & PCI_MSIX_TABLE_OFFSET) + vector * PCI_MSIX_ENTRY_SIZE;
}

static struct msix_entry msix_entry_read(void *entry)
{
	return (struct msix_entry) {
		.addr_lo = readl(entry + PCI_MSIX_ENTRY_LOWER_ADDR),
		.addr_hi = readl(entry + PCI_MSIX_ENTRY_UPPER_ADDR),
		.data = readl(entry + PCI_MSIX_ENTRY_DATA),
		.ctrl = readl(entry + PCI_MSIX_ENTRY_VECTOR_CTRL),
	};
}

/*
 * Spoil the entry as a reset would that nobody restores: masked first, so
 * that the device cannot send to a half-written message, then zeroed.
 */
static void msix_entry_spoil(void *entry)
{
	writel(PCI_MSIX_ENTRY_CTRL_MASKBIT, entry + PCI_MSIX_ENTRY_VECTOR_CTRL);
	writel(0, entry + PCI_MSIX_ENTRY_LOWER_ADDR);
	writel(0, entry + PCI_MSIX_ENTRY_UPPER_ADDR);
	writel(0, entry + PCI_MSIX_ENTRY_DATA);
	(void)readl(entry + PCI_MSIX_ENTRY_VECTOR_CTRL);
}

/* The entry must hold the kernel's message, unmasked. */
static void assert_entry_programmed(void *entry,
				    const struct msix_entry *programmed,
				    const char *when)
{
	struct msix_entry now = msix_entry_read(entry);

	VFIO_ASSERT_EQ(now.addr_lo, programmed->addr_lo,
		       "%s: the message address is not the kernel's\n", when);
	VFIO_ASSERT_EQ(now.addr_hi, programmed->addr_hi,
		       "%s: the message address is not the kernel's\n", when);
	VFIO_ASSERT_EQ(now.data, programmed->data,
		       "%s: the message data is not the kernel's\n", when);
	VFIO_ASSERT_EQ(now.ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT, 0,
		       "%s: the vector is masked\n", when);
}

/* The number of interrupts signalled on @fd within @ms milliseconds. */
static u64 msi_wait(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	u64 count = 0;
	int r;

	r = poll(&pfd, 1, ms);
	VFIO_ASSERT_GE(r, 0);
	if (r)
		VFIO_ASSERT_EQ(read(fd, &count, sizeof(count)), sizeof(count));
	return count;
}

static int msi_fd(struct vfio_pci_device *device)
{
	return device->msi_eventfds[device->driver.msi];
}

/* Have the device raise its vector; it must reach the eventfd. */
static void assert_device_msi(struct vfio_pci_device *device, const char *when)
{
	vfio_pci_driver_send_msi(device);
	VFIO_ASSERT_GE(msi_wait(msi_fd(device), MSI_WAIT_MS), 1,
		       "%s: no MSI-X from the device within %d ms\n",
		       when, MSI_WAIT_MS);
}

/*
 * The reset returned the device to its power-on state: let the driver
 * start over. Its remove() and init() also set the vector up again in
 * VFIO, so only what the tests read before this shows the restore.
 */
static void driver_restart(struct vfio_pci_device *device)
{
	vfio_pci_driver_remove(device);
	vfio_pci_driver_init(device);
}

FIXTURE_SETUP(msix_reset)
{
	const struct vfio_pci_driver_ops *ops;

	self->iommu = iommu_init(default_iommu_mode);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
	self->iova_allocator = iova_allocator_init(self->iommu);

	ops = self->device->driver.ops;
	if (!ops)
		SKIP(return, "no driver for %s\n", device_bdf);
	if (!ops->send_msi)
		SKIP(return, "the %s driver has no send_msi()\n", ops->name);
	if (!(self->device->info.flags & VFIO_DEVICE_FLAGS_RESET))
		SKIP(return, "VFIO offers no reset for %s\n", device_bdf);

	driver_region_setup(self->device, self->iova_allocator);
	vfio_pci_driver_init(self->device);

	self->entry = msix_entry_addr(self->device, self->device->driver.msi);
	if (!self->entry)
		SKIP(return, "the %s driver's vector is no mapped MSI-X entry\n",
		     ops->name);
	self->programmed = msix_entry_read(self->entry);
}

FIXTURE_TEARDOWN(msix_reset)
{
	struct dma_region *region = &self->device->driver.region;

	vfio_pci_driver_remove(self->device);
	iommu_unmap(self->iommu, region);
	VFIO_ASSERT_EQ(munmap(region->vaddr, region->size), 0);
	iova_allocator_cleanup(self->iova_allocator);
	vfio_pci_device_cleanup(self->device);
	iommu_cleanup(self->iommu);
}

/*
 * A spoiled entry comes back as the kernel programmed it: the restore
 * after the reset rewrote it. A reset that did nothing leaves it spoiled.
 */
TEST_F(msix_reset, table_restored)
{
	u16 command;

	assert_device_msi(self->device, "before the reset");

	command = vfio_pci_config_readw(self->device, PCI_COMMAND);
	msix_entry_spoil(self->entry);
	vfio_pci_device_reset(self->device);

	ASSERT_EQ(command, vfio_pci_config_readw(self->device, PCI_COMMAND));
	assert_entry_programmed(self->entry, &self->programmed,
				"after the reset");

	driver_restart(self->device);
	assert_device_msi(self->device, "after the reset");
}

/*
 * COMMAND.MEMORY clear when the reset runs, as a user or a VMM may leave
 * it: the restore writes the table through memory space all the same and
 * leaves COMMAND as it was saved.
 */
TEST_F(msix_reset, table_restored_memory_off)
{
	u16 command;

	vfio_pci_cmd_clear(self->device, PCI_COMMAND_MEMORY);
	command = vfio_pci_config_readw(self->device, PCI_COMMAND);
	vfio_pci_device_reset(self->device);

	ASSERT_EQ(command, vfio_pci_config_readw(self->device, PCI_COMMAND));
	vfio_pci_cmd_set(self->device, PCI_COMMAND_MEMORY);
	assert_entry_programmed(self->entry, &self->programmed,
				"after a reset with memory off");

	driver_restart(self->device);
	assert_device_msi(self->device, "after a reset with memory off");
}

/*
 * vfio_pci_irq_reenable() rewrites an entry nothing restores: while the
 * entry is spoiled the device's interrupt must not arrive, after the
 * re-enable it must.
 */
TEST_F(msix_reset, reenable_rewrites_entry)
{
	vfio_pci_device_reset(self->device);
	driver_restart(self->device);
	self->programmed = msix_entry_read(self->entry);

	msix_entry_spoil(self->entry);
	vfio_pci_driver_send_msi(self->device);
	ASSERT_EQ(0, msi_wait(msi_fd(self->device), QUIET_WAIT_MS));

	vfio_pci_msix_reenable(self->device, self->device->driver.msi, 1);
	assert_entry_programmed(self->entry, &self->programmed,
				"after the re-enable");
	assert_device_msi(self->device, "after the re-enable");
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
