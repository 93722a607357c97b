/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Intel 82576 registers, bits and descriptor layouts the igb driver uses,
 * and nothing else.
 *
 * "DS" is the 82576 datasheet. A full section number is given where one is
 * known; for registers whose subsection was not confirmed, only the chapter
 * group is named (8.6 PCIe, 8.8 interrupts, 8.10 receive, 8.12 transmit).
 * Registers are 32 bits wide, at byte offsets into BAR0.
 */
#ifndef SELFTESTS_VFIO_LIB_DRIVERS_IGB_REGISTERS_H
#define SELFTESTS_VFIO_LIB_DRIVERS_IGB_REGISTERS_H

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/mii.h>
#include <linux/types.h>

/*
 * Descriptor fields are little endian. The cpu_to_le*() and le*_to_cpu()
 * of tools/include are plain macros, and its __force is empty, so sparse
 * could not tell a converted field from a raw one; under sparse they are
 * typed conversions, and a field used without one is reported.
 */
#ifdef __CHECKER__
#undef cpu_to_le16
#undef cpu_to_le32
#undef cpu_to_le64
#undef le16_to_cpu
#undef le32_to_cpu
#undef le64_to_cpu
#define cpu_to_le16(x)	((__attribute__((force)) __le16)(u16)(x))
#define cpu_to_le32(x)	((__attribute__((force)) __le32)(u32)(x))
#define cpu_to_le64(x)	((__attribute__((force)) __le64)(u64)(x))
#define le16_to_cpu(x)	((__attribute__((force)) u16)(__le16)(x))
#define le32_to_cpu(x)	((__attribute__((force)) u32)(__le32)(x))
#define le64_to_cpu(x)	((__attribute__((force)) u64)(__le64)(x))
#endif

/* PCI device ID of the 82576 copper part, the one QEMU's igb presents. */
#define E1000_DEV_ID_82576			0x10c9

/* Device control (DS 8, general registers). */
#define E1000_CTRL				0x00000
/* Self-clearing software reset of the whole MAC (DS 4.2.1.6.1). */
#define E1000_CTRL_RST				BIT(26)

/* EEPROM/flash control (DS 8, general registers). */
#define E1000_EECD				0x00010
/* The NVM was read after a reset; the device may be programmed (DS 4.2.1.6.1). */
#define E1000_EECD_AUTO_RD			BIT(9)

/* Device status (DS 8, general registers). */
#define E1000_STATUS				0x00008
#define E1000_STATUS_LU				BIT(1)	/* link up */

/* MDI control: indirect access to the PHY registers (DS 8, general). */
#define E1000_MDIC				0x00020
#define E1000_MDIC_DATA_MASK			GENMASK(15, 0)
#define E1000_MDIC_REG_SHIFT			16	/* bits 20:16, PHY register */
#define E1000_MDIC_PHY_SHIFT			21	/* bits 25:21, PHY address */
#define E1000_MDIC_OP_WRITE			BIT(26)
#define E1000_MDIC_READY			BIT(28)
#define E1000_MDIC_ERROR			BIT(30)

/* The internal PHY answers at MDIO address 1. */
#define IGB_PHY_ADDR				1

/*
 * PHY register 0 and its bits (DS 3.5.6.3.1) are MII_BMCR and BMCR_* of
 * <linux/mii.h>.
 */

/* Legacy interrupt mask clear (DS 8.8.10). */
#define E1000_IMC				0x000d8

/* Receive control (DS 8.10.1). */
#define E1000_RCTL				0x00100
#define E1000_RCTL_EN				BIT(1)
#define E1000_RCTL_UPE				BIT(3)	/* accept any unicast */
#define E1000_RCTL_MPE				BIT(4)	/* accept any multicast */
#define E1000_RCTL_LBM_MASK			GENMASK(7, 6)	/* loopback mode */
#define E1000_RCTL_LBM_MAC			FIELD_PREP(E1000_RCTL_LBM_MASK, 1)
#define E1000_RCTL_BAM				BIT(15)	/* accept broadcast */
#define E1000_RCTL_SZ_MASK			GENMASK(17, 16)	/* buffer size */
#define E1000_RCTL_SZ_1024			FIELD_PREP(E1000_RCTL_SZ_MASK, 1)
#define E1000_RCTL_SECRC			BIT(26)	/* strip the CRC */

/* Transmit control (DS 8.12, transmit registers). */
#define E1000_TCTL				0x00400
#define E1000_TCTL_EN				BIT(1)

/* General purpose interrupt enable (DS 7.3.2.11, Table 7-47). */
#define E1000_GPIE				0x01514
#define E1000_GPIE_MSIX_MODE			BIT(4)

/* Extended interrupt cause set/mask registers (DS 8.8). */
#define E1000_EICS				0x01520
#define E1000_EIMS				0x01524
#define E1000_EIMC				0x01528
/* Extended interrupt cause; read-to-clear per DS 7.3.4.3. */
#define E1000_EICR				0x01580
/* Interrupt throttle interval of MSI-X vector n (DS 8.8). */
#define E1000_EITR(n)				(0x01680 + 4 * (n))

/*
 * Per-queue receive registers, queue n (DS 8.10). The 82576 also decodes
 * an older alias for queues 0-3; this driver uses the 0xc000 block only.
 */
#define E1000_RDBAL(n)				(0x0c000 + 0x40 * (n))
#define E1000_RDBAH(n)				(0x0c004 + 0x40 * (n))
#define E1000_RDLEN(n)				(0x0c008 + 0x40 * (n))
#define E1000_RDH(n)				(0x0c010 + 0x40 * (n))
#define E1000_RDT(n)				(0x0c018 + 0x40 * (n))

/* Split and replication receive control (DS 8.10.2). */
#define E1000_SRRCTL(n)				(0x0c00c + 0x40 * (n))
/* Packet buffer size in KiB; 0 takes it from RCTL.BSIZE (DS 7.1.3.1). */
#define E1000_SRRCTL_BSIZEPKT_MASK		GENMASK(6, 0)
#define E1000_SRRCTL_BSIZEPKT_RCTL		FIELD_PREP(E1000_SRRCTL_BSIZEPKT_MASK, 0)
/* Descriptor type (DS 8.10.2); 000b is the legacy layout. */
#define E1000_SRRCTL_DESCTYPE_MASK		GENMASK(27, 25)
#define E1000_SRRCTL_DESCTYPE_LEGACY		FIELD_PREP(E1000_SRRCTL_DESCTYPE_MASK, 0)

/* Receive descriptor control (DS 8.10.10). */
#define E1000_RXDCTL(n)				(0x0c028 + 0x40 * (n))
#define E1000_RXDCTL_QUEUE_ENABLE		BIT(25)

/* Per-queue transmit registers, queue n (DS 8.12). */
#define E1000_TDBAL(n)				(0x0e000 + 0x40 * (n))
#define E1000_TDBAH(n)				(0x0e004 + 0x40 * (n))
#define E1000_TDLEN(n)				(0x0e008 + 0x40 * (n))
#define E1000_TDH(n)				(0x0e010 + 0x40 * (n))
#define E1000_TDT(n)				(0x0e018 + 0x40 * (n))

/* Transmit descriptor control (DS 8.12.13). */
#define E1000_TXDCTL(n)				(0x0e028 + 0x40 * (n))
#define E1000_TXDCTL_QUEUE_ENABLE		BIT(25)

/*
 * Legacy transmit descriptor (DS 7.2.2.1): one 16-byte entry per buffer.
 * Bit 5 of cmd (DEXT) stays 0: that is what marks the legacy layout.
 */
struct igb_legacy_tx_desc {
	__le64 buffer_addr;
	__le16 length;
	u8 cso;
	u8 cmd;
	u8 status;
	u8 css;
	__le16 special;
};

#define E1000_TXD_CMD_EOP			BIT(0)	/* last buffer of a frame */
#define E1000_TXD_CMD_IFCS			BIT(1)	/* append the CRC */
#define E1000_TXD_CMD_RS			BIT(3)	/* write status back */
#define E1000_TXD_STAT_DD			BIT(0)	/* descriptor done */

/*
 * Receive descriptor as software hands it over: the buffer address, then
 * eight bytes the device overwrites on write-back. With SRRCTL.DESCTYPE
 * legacy the buffer is RCTL.BSIZE bytes long (DS 7.1.3.1).
 */
struct igb_rx_desc {
	__le64 buffer_addr;
	__le64 writeback;
};

#endif /* SELFTESTS_VFIO_LIB_DRIVERS_IGB_REGISTERS_H */
