// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel 82576 (igb) as a DMA engine for the VFIO selftests: every copy is
 * one Ethernet frame, transmitted from the source buffer and looped back
 * inside the NIC into a receive buffer that is the destination.
 *
 * This version is written against QEMU's igb model. A step the emulator
 * needs but the silicon would not (or would do differently) carries a
 * comment of the form "QEMU: why", so the two can be told apart.
 *
 * Limits of the data path, both consequences of copying through a NIC:
 * - A copy is one frame of 60 to 1024 bytes. Shorter frames are padded to
 *   the Ethernet minimum on their way through, which would write past the
 *   end of the destination; longer ones would not fit one receive buffer.
 * - The bytes copied are the frame itself, so bytes 0-5 are its destination
 *   address (accepted whatever they hold, as receive is promiscuous) and
 *   bytes 12-13 are its EtherType. QEMU parses every frame before sending it
 *   and silently drops one whose EtherType announces IPv4, IPv6 or a VLAN
 *   tag but whose header then fails to parse. The tests fill buffers with a
 *   single repeated byte, which can never spell one of those EtherTypes.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <asm/barrier.h>
#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/io.h>
#include <linux/pci_ids.h>

#include <libvfio.h>

#include "registers.h"

/* Descriptors per ring. A ring holds at most one fewer copy than this. */
#define IGB_RING_LEN			4096

#define IGB_MIN_COPY_SIZE		60
#define IGB_MAX_COPY_SIZE		1024	/* matches E1000_RCTL_SZ_1024 */

/* The only interrupt this driver raises: send_msi() on MSI-X vector 0. */
#define IGB_MSIX_VECTOR			0

#define IGB_RESET_DELAY_US		1000
/* Linux's igb allows the NVM auto-read 10 ms after a reset. */
#define IGB_AUTO_RD_TIMEOUT_US		10000
#define IGB_MDIC_TIMEOUT_US		10000
#define IGB_LINK_TIMEOUT_US		3000000
#define IGB_QUEUE_TIMEOUT_US		10000
#define IGB_COMPLETION_TIMEOUT_US	1000

static_assert(sizeof(struct igb_legacy_tx_desc) == 16, "TX descriptor size");
static_assert(sizeof(struct igb_rx_desc) == 16, "RX descriptor size");

struct igb_state {
	/* First in the page-aligned region, so both rings are aligned too. */
	struct igb_legacy_tx_desc tx_ring[IGB_RING_LEN];
	struct igb_rx_desc rx_ring[IGB_RING_LEN];

	/*
	 * The rings move in lockstep: copy i uses slot i of both. next is
	 * the slot the next copy takes, last the slot of the newest copy.
	 */
	u32 next;
	u32 last;
};

static inline struct igb_state *to_igb_state(struct vfio_pci_device *device)
{
	return device->driver.region.vaddr;
}

static u32 igb_read(struct vfio_pci_device *device, u32 reg)
{
	return readl(device->bars[0].vaddr + reg);
}

static void igb_write(struct vfio_pci_device *device, u32 reg, u32 val)
{
	writel(val, device->bars[0].vaddr + reg);
}

static u64 igb_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/* Read-modify-write helpers: set or clear @bits of @reg, keep the rest. */
static void igb_set_bits(struct vfio_pci_device *device, u32 reg, u32 bits)
{
	igb_write(device, reg, igb_read(device, reg) | bits);
}

static void igb_clear_bits(struct vfio_pci_device *device, u32 reg, u32 bits)
{
	igb_write(device, reg, igb_read(device, reg) & ~bits);
}

/*
 * Poll until (reg & mask) == val; 0, or -ETIMEDOUT after timeout_us. The
 * clock is read before the register, so the register always gets one look
 * after the deadline however long this thread was descheduled. The last
 * value read is stored in *last when @last is not NULL, for the message
 * that names what the device showed instead.
 */
static int igb_poll(struct vfio_pci_device *device, u32 reg, u32 mask,
		    u32 val, u64 timeout_us, u32 *last)
{
	u64 deadline = igb_now_us() + timeout_us;
	bool expired;
	u32 now;

	for (;;) {
		expired = igb_now_us() > deadline;
		now = igb_read(device, reg);
		if (last)
			*last = now;
		if ((now & mask) == val)
			return 0;
		if (expired)
			return -ETIMEDOUT;
		usleep(timeout_us / 100 + 1);
	}
}

/* Write a PHY register through MDIC; 0, -ETIMEDOUT or -EIO. */
static int igb_phy_write(struct vfio_pci_device *device, u32 reg, u16 val)
{
	u32 mdic;
	int ret;

	igb_write(device, E1000_MDIC, val |
		  reg << E1000_MDIC_REG_SHIFT |
		  IGB_PHY_ADDR << E1000_MDIC_PHY_SHIFT |
		  E1000_MDIC_OP_WRITE);

	/* No other MDIC access until this one reports ready (MDIC.R). */
	ret = igb_poll(device, E1000_MDIC, E1000_MDIC_READY, E1000_MDIC_READY,
		       IGB_MDIC_TIMEOUT_US, &mdic);
	if (ret)
		return ret;

	return mdic & E1000_MDIC_ERROR ? -EIO : 0;
}

static void igb_mask_interrupts(struct vfio_pci_device *device)
{
	igb_write(device, E1000_IMC, ~0u);
	igb_write(device, E1000_EIMC, ~0u);
}

/*
 * Init step: software reset of the MAC (DS 4.2.1.6.1). The device is not
 * to be touched for at least 1 ms after CTRL.RST is set; it is ready once
 * it has read its NVM again, which EECD.AUTO_RD reports.
 */
static void igb_reset(struct vfio_pci_device *device)
{
	u32 eecd, ctrl;
	int ret;

	/* Nothing from an earlier user of the device may fire meanwhile. */
	igb_mask_interrupts(device);

	igb_set_bits(device, E1000_CTRL, E1000_CTRL_RST);
	usleep(IGB_RESET_DELAY_US);

	ret = igb_poll(device, E1000_EECD, E1000_EECD_AUTO_RD, E1000_EECD_AUTO_RD,
		       IGB_AUTO_RD_TIMEOUT_US, &eecd);
	if (ret) {
		/* QEMU: EECD.AUTO_RD never sets; CTRL.RST clearing is all it shows */
		ret = igb_poll(device, E1000_CTRL, E1000_CTRL_RST, 0, 0, &ctrl);
		VFIO_ASSERT_EQ(ret, 0,
			       "reset not done %d us after CTRL.RST: EECD %#x (AUTO_RD 0), CTRL %#x (RST 1)",
			       IGB_RESET_DELAY_US + IGB_AUTO_RD_TIMEOUT_US, eecd, ctrl);
	}

	igb_mask_interrupts(device);
}

/*
 * Init step: bring the link up and loop transmitted frames back to the
 * receiver inside the MAC.
 */
static void igb_link_setup(struct vfio_pci_device *device)
{
	int ret;

	/* QEMU: receive drops every frame until STATUS.LU is set */
	/* QEMU: only an autoneg restart sets LU, ~500 ms later */
	ret = igb_phy_write(device, MII_BMCR,
			    BMCR_ANENABLE | BMCR_ANRESTART |
			    BMCR_SPEED1000 |
			    BMCR_FULLDPLX);
	VFIO_ASSERT_EQ(ret, 0, "MDIC write to PHY control failed");

	ret = igb_poll(device, E1000_STATUS, E1000_STATUS_LU, E1000_STATUS_LU,
		       IGB_LINK_TIMEOUT_US, NULL);
	VFIO_ASSERT_EQ(ret, 0,
		       "no link %d ms after the autoneg restart (is the netdev link down?)",
		       IGB_LINK_TIMEOUT_US / 1000);

	/*
	 * RCTL.LBM (82576 DS 8.10.1). The receiver stays disabled here;
	 * igb_rx_ring_setup() enables it and keeps this loopback mode.
	 */
	/* QEMU: models MAC loopback; silicon wants LBM = 00b (DS 8.10.1) */
	igb_write(device, E1000_RCTL, E1000_RCTL_LBM_MAC);
}

/*
 * Turn queue 0's ENABLE bit in @reg (RXDCTL or TXDCTL) off or on, and wait
 * until the device reports the new state: it reads back 0 while the queue
 * drains after a disable, and while RCTL.EN / TCTL.EN is clear (DS 8.10.10,
 * 8.12.13), so a queue is enabled only after its direction is.
 */
static void igb_queue_enable(struct vfio_pci_device *device, u32 reg,
			     bool enable)
{
	u32 val = enable ? E1000_TXDCTL_QUEUE_ENABLE : 0;
	u32 last;
	int ret;

	static_assert(E1000_TXDCTL_QUEUE_ENABLE == E1000_RXDCTL_QUEUE_ENABLE,
		      "one ENABLE bit for both queue types");

	igb_write(device, reg, val);
	ret = igb_poll(device, reg, E1000_TXDCTL_QUEUE_ENABLE, val,
		       IGB_QUEUE_TIMEOUT_US, &last);
	VFIO_ASSERT_EQ(ret, 0, "queue register %#x reads %#x, ENABLE not %d",
		       reg, last, enable);
}

/*
 * Init step: TX queue 0 and the transmitter (DS 8.12). The queue is off
 * while its ring is programmed (DS 8.12.13).
 */
static void igb_tx_ring_setup(struct vfio_pci_device *device)
{
	struct igb_state *igb = to_igb_state(device);
	iova_t iova = to_iova(device, igb->tx_ring);

	igb_queue_enable(device, E1000_TXDCTL(0), false);

	igb_write(device, E1000_TDBAL(0), (u32)iova);
	igb_write(device, E1000_TDBAH(0), (u32)(iova >> 32));
	igb_write(device, E1000_TDLEN(0), sizeof(igb->tx_ring));
	igb_write(device, E1000_TDH(0), 0);
	igb_write(device, E1000_TDT(0), 0);

	igb_write(device, E1000_TCTL, E1000_TCTL_EN);

	/* Queue 0 on, its thresholds left at 0 (DS 8.12.13). */
	igb_queue_enable(device, E1000_TXDCTL(0), true);
}

/*
 * Init step: RX queue 0 and the receiver (DS 8.10). As for TX, the queue is
 * off while its ring is programmed (DS 8.10.10).
 */
static void igb_rx_ring_setup(struct vfio_pci_device *device)
{
	struct igb_state *igb = to_igb_state(device);
	iova_t iova = to_iova(device, igb->rx_ring);

	igb_queue_enable(device, E1000_RXDCTL(0), false);

	igb_write(device, E1000_RDBAL(0), (u32)iova);
	igb_write(device, E1000_RDBAH(0), (u32)(iova >> 32));
	igb_write(device, E1000_RDLEN(0), sizeof(igb->rx_ring));
	igb_write(device, E1000_RDH(0), 0);
	igb_write(device, E1000_RDT(0), 0);

	/* Legacy descriptors, buffer size from RCTL.BSIZE (DS 8.10.2, 7.1.3.1) */
	/* QEMU: ignores DESCTYPE here and writes back the advanced layout */
	igb_write(device, E1000_SRRCTL(0),
		  E1000_SRRCTL_DESCTYPE_LEGACY | E1000_SRRCTL_BSIZEPKT_RCTL);

	/*
	 * DS 8.10.1. Promiscuous (UPE, MPE, BAM) because the destination
	 * address of a frame is whatever the source buffer starts with.
	 * SECRC keeps the CRC out of the destination buffer, and a 1 KiB
	 * buffer holds the largest copy exactly.
	 */
	igb_set_bits(device, E1000_RCTL,
		     E1000_RCTL_EN | E1000_RCTL_UPE | E1000_RCTL_MPE | E1000_RCTL_BAM |
		     E1000_RCTL_SZ_1024 | E1000_RCTL_SECRC);

	igb_queue_enable(device, E1000_RXDCTL(0), true);
}

/*
 * Init step: interrupts. Only send_msi() may raise one. Queue causes are
 * not routed to any vector (the IVAR entries stay invalid after reset) and
 * every legacy cause stays masked, so a copy signals nothing.
 */
static void igb_irq_setup(struct vfio_pci_device *device)
{
	/*
	 * One EICR bit per MSI-X vector (DS 7.3.2.11); without this QEMU
	 * takes the single-vector path, where EICS never reaches a vector.
	 */
	igb_write(device, E1000_GPIE, E1000_GPIE_MSIX_MODE);

	/* No throttling, so the interrupt is not deferred (DS 8.8). */
	igb_write(device, E1000_EITR(IGB_MSIX_VECTOR), 0);

	/* Drop stale causes (DS 7.3.4.3) before unmasking the vector. */
	igb_read(device, E1000_EICR);
	igb_write(device, E1000_EIMS, BIT(IGB_MSIX_VECTOR));
}

static int igb_probe(struct vfio_pci_device *device)
{
	if (!vfio_pci_device_match(device, PCI_VENDOR_ID_INTEL,
				   E1000_DEV_ID_82576))
		return -EINVAL;

	return 0;
}

static void igb_init(struct vfio_pci_device *device)
{
	struct igb_state *igb = to_igb_state(device);

	VFIO_ASSERT_NOT_NULL(device->bars[0].vaddr, "BAR0 is not mmap-able");
	VFIO_ASSERT_GE(device->driver.region.size, sizeof(*igb));
	/* 128 bytes is the strictest ring-base alignment in circulation. */
	VFIO_ASSERT_TRUE(IS_ALIGNED(to_iova(device, igb->tx_ring), 128));

	memset(igb, 0, sizeof(*igb));

	/* BAR0 decoding, and bus mastering for every DMA the NIC does. */
	vfio_pci_cmd_set(device, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	vfio_pci_msix_enable(device, IGB_MSIX_VECTOR, 1);

	igb_reset(device);
	igb_link_setup(device);
	igb_tx_ring_setup(device);
	igb_rx_ring_setup(device);
	igb_irq_setup(device);

	device->driver.max_memcpy_size = IGB_MAX_COPY_SIZE;
	device->driver.max_memcpy_count = IGB_RING_LEN - 1;
	device->driver.msi = IGB_MSIX_VECTOR;
}

static void igb_remove(struct vfio_pci_device *device)
{
	/* Stop both directions (DS 8.10.1, 8.12), then silence the device. */
	igb_clear_bits(device, E1000_RCTL, E1000_RCTL_EN);
	igb_clear_bits(device, E1000_TCTL, E1000_TCTL_EN);
	igb_mask_interrupts(device);

	vfio_pci_msix_disable(device);
}

/* Fill slot @slot of both rings with one copy of @size bytes. */
static void igb_queue_copy(struct igb_state *igb, u32 slot, iova_t src,
			   iova_t dst, u64 size)
{
	/* Bytes 8-15 are zeroed: the device overwrites them on write-back. */
	igb->rx_ring[slot] = (struct igb_rx_desc) {
		.buffer_addr = cpu_to_le64(dst),
	};

	/*
	 * Legacy TX descriptor (DS 7.2.2.1), one whole frame: EOP ends it,
	 * IFCS appends the CRC that RCTL.SECRC strips again, RS asks for
	 * DD to be written back. The status byte starts at 0, so a DD left
	 * from the previous trip round the ring cannot be mistaken for this
	 * copy's.
	 */
	igb->tx_ring[slot] = (struct igb_legacy_tx_desc) {
		.buffer_addr = cpu_to_le64(src),
		.length = cpu_to_le16(size),
		.cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS,
	};
}

static void igb_memcpy_start(struct vfio_pci_device *device, iova_t src,
			     iova_t dst, u64 size, u64 count)
{
	struct igb_state *igb = to_igb_state(device);
	u32 slot = igb->next;
	u64 i;

	VFIO_ASSERT_GE(size, (u64)IGB_MIN_COPY_SIZE,
		       "shorter frames are padded, writing past dst");
	VFIO_ASSERT_LE(size, (u64)IGB_MAX_COPY_SIZE);
	VFIO_ASSERT_GT(count, 0);
	VFIO_ASSERT_LT(count, (u64)IGB_RING_LEN);

	for (i = 0; i < count; i++) {
		igb_queue_copy(igb, slot, src, dst, size);
		igb->last = slot;
		slot = (slot + 1) % IGB_RING_LEN;
	}
	igb->next = slot;

	/* writel() orders the descriptor stores above before the doorbells. */
	/* QEMU: TX runs inside the TDT write; no free RX slot drops the frame */
	igb_write(device, E1000_RDT(0), slot);
	igb_write(device, E1000_TDT(0), slot);
}

static int igb_memcpy_wait(struct vfio_pci_device *device)
{
	struct igb_state *igb = to_igb_state(device);
	struct igb_legacy_tx_desc *txd = &igb->tx_ring[igb->last];
	u64 deadline = igb_now_us() + IGB_COMPLETION_TIMEOUT_US;
	bool expired;

	/*
	 * Completion is DD in the TX descriptor of the newest copy; copies
	 * complete in order. The RX descriptors are never read.
	 *
	 * No fault handling. On QEMU a copy from an IOVA the IOMMU refuses
	 * still completes: the fault is logged and a frame arrives. Were a
	 * frame ever lost, its RX descriptor would stay posted and the next
	 * frame received would land in that older buffer.
	 */
	/* QEMU: RX write-back always uses the advanced, not the legacy, layout */
	/* QEMU: a frame is received before its TX DD is set, 1 ms is plenty */
	for (;;) {
		expired = igb_now_us() > deadline;
		if (READ_ONCE(txd->status) & E1000_TXD_STAT_DD)
			break;
		if (expired)
			return -ETIMEDOUT;
	}

	/* The caller reads dst next; keep those reads after the DD read. */
	rmb();
	return 0;
}

static void igb_send_msi(struct vfio_pci_device *device)
{
	/*
	 * EIAC is 0, so vector 0's cause stays set after it fires. Clear it
	 * by reading EICR (DS 7.3.4.3) or this EICS write finds the cause
	 * already pending and signals nothing.
	 */
	igb_read(device, E1000_EICR);
	igb_write(device, E1000_EICS, BIT(IGB_MSIX_VECTOR));
}

const struct vfio_pci_driver_ops igb_ops = {
	.name = "igb",
	.probe = igb_probe,
	.init = igb_init,
	.remove = igb_remove,
	.memcpy_start = igb_memcpy_start,
	.memcpy_wait = igb_memcpy_wait,
	.send_msi = igb_send_msi,
};
