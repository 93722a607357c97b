# SPDX-License-Identifier: GPL-2.0-or-later
"""The 82576 registers and bits the rules look at.

Offsets and bits are facts from ../shared/reference/82576-facts.md section 1
(the datasheet itself was not available). Those the igb driver's
registers.h also defines are checked against it by
tests/host/python/test_regs.py, so the two cannot drift apart. QEMU traces the canonical offset
of a register, so queue 0's ring registers appear at 0xC000/0xE000 even
when a driver uses the legacy aliases at 0x2800/0x3800.
"""

CTRL = 0x00000
STATUS = 0x00008
EECD = 0x00010
CTRL_EXT = 0x00018
MDIC = 0x00020
IMC = 0x000D8
RCTL = 0x00100
TCTL = 0x00400
GPIE = 0x01514
EICS = 0x01520
EIMS = 0x01524
EIMC = 0x01528
EIAC = 0x0152C
EIAM = 0x01530
EICR = 0x01580
GCR = 0x05B00


def ivar0(n):
    return 0x01700 + 4 * n


IVAR_MISC = 0x01740


def rxq(base, n):
    """Queue n's register at @base of the 0xC000 block (stride 0x40)."""
    return base + 0x40 * n


RDBAL, RDBAH, RDLEN, SRRCTL, RDH, RDT, RXDCTL = (
    0x0C000, 0x0C004, 0x0C008, 0x0C00C, 0x0C010, 0x0C018, 0x0C028)
TDBAL, TDBAH, TDLEN, TDH, TDT, TXDCTL = (
    0x0E000, 0x0E004, 0x0E008, 0x0E010, 0x0E018, 0x0E028)
QUEUES = 16

CTRL_FD = 1 << 0
CTRL_SLU = 1 << 6
CTRL_FRCSPD = 1 << 11
CTRL_FRCDPX = 1 << 12
CTRL_RST = 1 << 26

EECD_AUTO_RD = 1 << 9

CTRL_EXT_LINK_MODE = 3 << 22        # 00b: internal copper PHY

MDIC_DATA = 0xFFFF
MDIC_REG_SHIFT = 16
MDIC_PHY_SHIFT = 21
MDIC_OP = 3 << 26
MDIC_OP_WRITE = 1 << 26
MDIC_READY = 1 << 28

PHY_CTRL = 0                        # PHY register 0, the control register
PHY_CTRL_LOOPBACK = 1 << 14
PHY_CTRL_AN_ENABLE = 1 << 12
PHY_CTRL_RESTART_AN = 1 << 9
PHY_CTRL_RESET_VALUE = 0x1140       # QEMU's; AN enabled

RCTL_EN = 1 << 1
RCTL_LBM = 3 << 6
RCTL_LBM_SHIFT = 6
TCTL_EN = 1 << 1

XDCTL_ENABLE = 1 << 25              # RXDCTL and TXDCTL

SRRCTL_DESCTYPE = 7 << 25
SRRCTL_DESCTYPE_SHIFT = 25

GPIE_MULTIPLE_MSIX = 1 << 4

GCR_CMPL_TMOUT_RESEND = 1 << 16

# Advanced TX descriptor, dword 2 (cmd_type_len).
TXD_DEXT = 1 << 29
TXD_DTYP = 0xF << 20
TXD_DTYP_DATA = 0x3 << 20

# PCIe capability of QEMU's igb at 0xA0; DEVCTL is at +8, FLR is bit 15.
PCIE_DEVCTL = 0xA8
PCIE_DEVCTL_FLR = 1 << 15

# The igb's PCI requester id in the vmtest VM (00:02.0), for DMA faults.
VMTEST_SID = 0x0010

_NAMES = {
    CTRL: 'CTRL', 0x00004: 'CTRL', STATUS: 'STATUS', EECD: 'EECD',
    CTRL_EXT: 'CTRL_EXT', MDIC: 'MDIC', 0x000C0: 'ICR', 0x000C8: 'ICS',
    0x000D0: 'IMS', IMC: 'IMC', 0x000E0: 'IAM', RCTL: 'RCTL',
    TCTL: 'TCTL', GPIE: 'GPIE', EICS: 'EICS', EIMS: 'EIMS',
    EIMC: 'EIMC', EIAC: 'EIAC', EIAM: 'EIAM', EICR: 'EICR',
    IVAR_MISC: 'IVAR_MISC', 0x05000: 'RXCSUM', 0x05818: 'MRQC', GCR: 'GCR',
}
_QUEUE_NAMES = {
    RDBAL: 'RDBAL', RDBAH: 'RDBAH', RDLEN: 'RDLEN', SRRCTL: 'SRRCTL',
    RDH: 'RDH', RDT: 'RDT', RXDCTL: 'RXDCTL', TDBAL: 'TDBAL',
    TDBAH: 'TDBAH', TDLEN: 'TDLEN', TDH: 'TDH', TDT: 'TDT', TXDCTL: 'TXDCTL',
}


def queue_reg(off):
    """(base, queue) of a per-queue ring register, else None."""
    for block in (0x0C000, 0x0E000):
        if block <= off < block + 0x40 * QUEUES:
            return block + (off & 0x3F), (off - block) >> 6
    return None


def name(off):
    """A register's name for the report, else its offset."""
    if off in _NAMES:
        return _NAMES[off]
    if 0x01680 <= off < 0x01680 + 4 * 25:
        return f'EITR{(off - 0x01680) // 4}'
    if 0x01700 <= off < 0x01720:
        return f'IVAR0[{(off - 0x01700) // 4}]'
    q = queue_reg(off)
    if q and q[0] in _QUEUE_NAMES:
        return f'{_QUEUE_NAMES[q[0]]}{q[1]}'
    return f'0x{off:05x}'
