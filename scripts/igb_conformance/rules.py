# SPDX-License-Identifier: GPL-2.0-or-later
"""The datasheet rules, and the model of the device state they judge.

Each rule cites the 82576 datasheet section the facts sheet
(../shared/reference/82576-facts.md) gives for it. Some rules report a
"form", the way the rule was broken, after a slash: the waiver list
(scripts/igb-conformance.waive) can then waive the form a QEMU-only
accommodation takes without waiving the rule itself.

The model is the silicon's, not QEMU's: register values are what the driver
wrote since the last reset (CTRL.RST, or an FLR seen as a config write of
PCIe DEVCTL.FLR), on top of the reset values the facts give. Reads update
only registers whose read value is the state a rule asks about (the queue
ENABLE bits, RCTL, TCTL, MDIC ready, EECD); GCR is judged on what the driver
wrote, since QEMU's read value says nothing about whether silicon would
resend.
"""

from . import regs as R

# id: (datasheet section, what is wrong)
RULES = {
    'eicr-read-eiac': ('DS 8.8.5, 7.3.4.2',
                       'EICR read while EIAC is non-zero (clear EICR by writing ones)'),
    'reset-quiet': ('DS 4.2.1.6.1',
                    'register access other than the reset poll within 1 ms of setting CTRL.RST'),
    'reset-autord': ('Linux igb_get_auto_rd_done()',
                     'device programmed after CTRL.RST before EECD.AUTO_RD read as set'),
    'rctl-lbm': ('DS 8.10.1',
                 'RCTL.LBM other than 00b while the internal PHY is in use'),
    'mac-loopback': ('DS 3.5.6.2',
                     'copies looped back by MAC loopback (RCTL.LBM = 01b), not used on this device'),
    'link-autoneg': ('DS 3.5.6.3.1',
                     'link through autonegotiation, not forced CTRL.SLU/FRCSPD/FRCDPX with PHY loopback'),
    'rx-legacy-desc': ('DS 7.1.5.2',
                       'frame received with SRRCTL.DESCTYPE = 000b (legacy): no advanced write-back'),
    'tx-not-adv': ('DS 7.2.2.3',
                   'TX descriptor that is not an advanced data descriptor (DEXT, DTYP 0011b)'),
    'gpie-order': ('Linux igb_configure_msix()',
                   'EIAC, EIAM or IVAR written before GPIE selects multiple-vector MSI-X'),
    'gcr-resend': ('DS 8.6.1',
                   'DMA fault (unmapped IOVA) with GCR completion-timeout resend still set, '
                   'which Linux clears after every reset'),
    'queue-before-en': ('DS 8.10.10, 8.12.13',
                        'queue enabled while RCTL.EN / TCTL.EN is clear'),
    'ring-while-enabled': ('DS 8.10.10, 8.12.13',
                           'ring registers programmed while the queue is enabled'),
    'mdic-busy': ('facts 1.6 (MDIC protocol; no DS section known)',
                  'MDIC access issued before the previous one reported ready'),
}

# Ring programming: the registers of a ring other than its tail doorbell.
RX_RING = (R.RDBAL, R.RDBAH, R.RDLEN, R.RDH, R.SRRCTL)
TX_RING = (R.TDBAL, R.TDBAH, R.TDLEN, R.TDH)

RESET_QUIET_SECS = 0.001


def reset_values():
    """Registers at reset, as far as the rules care (facts 1.10, 1.13)."""
    return {
        R.RXDCTL: R.XDCTL_ENABLE,   # queue 0 is enabled at reset
        R.TXDCTL: R.XDCTL_ENABLE,
    }


class Checker:
    """Feed events in trace order with feed(); read violations after."""

    def __init__(self, sid=R.VMTEST_SID):
        self.sid = sid
        # (rule, form) -> [first (time, what, value, lineno), count]
        self.violations = {}
        self.events = 0
        self.resets = 0
        self.copies = 0
        self.faults = 0
        self.power_on()

    # -- model --------------------------------------------------------

    def power_on(self):
        self.reset(None)
        self.resets = 0

    def reset(self, ev):
        """CTRL.RST or FLR: back to the reset values."""
        self.regs = reset_values()
        self.phy_ctrl = R.PHY_CTRL_RESET_VALUE
        self.gcr_cleared = False
        self.mdic_busy = False
        self.an_restart = None       # the MDIC write that restarted autoneg
        self.link_judged = False
        self.rst_time = None         # when CTRL.RST was set, for reset-quiet
        self.rst_wait = None         # reset-autord: None, or its poll state
        self.resets += 1

    def reg(self, off):
        return self.regs.get(off, 0)

    def flag(self, rule, form, ev, what, value):
        key = (rule, form)
        v = self.violations.get(key)
        if v is None:
            self.violations[key] = [(ev.time, what, value, ev.lineno), 1]
        else:
            v[1] += 1

    # -- events -------------------------------------------------------

    def feed(self, ev):
        self.events += 1
        handler = getattr(self, 'on_' + ev.name)
        handler(ev)

    def on_runstate_set(self, ev):
        pass

    def on_igb_write_config(self, ev):
        off, val = int(ev.args[0], 16), int(ev.args[1], 16)
        if off == R.PCIE_DEVCTL and val & R.PCIE_DEVCTL_FLR:
            self.reset(ev)

    def on_vtd_dmar_fault(self, ev):
        if int(ev.args[0], 16) != self.sid:
            return
        self.faults += 1
        if not self.gcr_cleared:
            self.flag('gcr-resend', '', ev, 'DMA fault at', int(ev.args[2], 16))

    def on_e1000e_tx_descr(self, ev):
        self.copies += 1
        lower = int(ev.args[1], 16)
        if not lower & R.TXD_DEXT:
            self.flag('tx-not-adv', 'legacy', ev, 'TX descriptor', lower)
        elif lower & R.TXD_DTYP != R.TXD_DTYP_DATA:
            self.flag('tx-not-adv', 'not-data', ev, 'TX descriptor', lower)
        lbm = (self.reg(R.RCTL) & R.RCTL_LBM) >> R.RCTL_LBM_SHIFT
        if lbm == 1:
            form = 'beside-phy-loopback' if self.phy_loopback() else 'only'
            self.flag('mac-loopback', form, ev, 'RCTL', self.reg(R.RCTL))
        if not self.link_judged:
            self.link_judged = True
            self.judge_link(ev)

    def on_igb_rx_desc_buff_write(self, ev):
        # One event per piece written; offset 0 starts a frame. Without
        # VMDq or RSS every frame lands in RX queue 0 (facts 3).
        if ev.args[2] != '0':
            return
        srrctl = self.reg(R.SRRCTL)
        if (srrctl & R.SRRCTL_DESCTYPE) >> R.SRRCTL_DESCTYPE_SHIFT == 0:
            self.flag('rx-legacy-desc', '', ev, 'SRRCTL0', srrctl)

    def on_e1000e_core_read(self, ev):
        off, val = int(ev.args[0], 16), int(ev.args[1], 16)
        self.reset_poll(ev, off, val, write=False)
        if off == R.EICR and self.reg(R.EIAC):
            self.flag('eicr-read-eiac', '', ev, 'EICR read, EIAC', self.reg(R.EIAC))
        elif off == R.MDIC and val & R.MDIC_READY:
            self.mdic_busy = False
        q = R.queue_reg(off)
        if off in (R.RCTL, R.TCTL) or (q and q[0] in (R.RXDCTL, R.TXDCTL)):
            self.regs[off] = val

    def on_e1000e_core_write(self, ev):
        off, val = int(ev.args[0], 16), int(ev.args[1], 16)
        self.reset_poll(ev, off, val, write=True)
        if off in (R.CTRL, 0x00004) and val & R.CTRL_RST:
            self.reset(ev)
            self.rst_time = ev.time
            self.rst_wait = {'autord': False, 'fallback': False}
            return
        if off == R.MDIC:
            self.mdic_write(ev, val)
        elif off == R.RCTL:
            self.rctl_write(ev, val)
        elif off in (R.EIAC, R.EIAM, R.IVAR_MISC) or R.ivar0(0) <= off <= R.ivar0(7):
            if not self.reg(R.GPIE) & R.GPIE_MULTIPLE_MSIX:
                self.flag('gpie-order', '', ev, R.name(off), val)
        elif off == R.GCR:
            self.gcr_cleared = not val & R.GCR_CMPL_TMOUT_RESEND
        q = R.queue_reg(off)
        if q:
            self.queue_write(ev, off, val, *q)
        self.regs[off] = val

    # -- rule details -------------------------------------------------

    def reset_poll(self, ev, off, val, write):
        """reset-quiet and reset-autord, around a CTRL.RST."""
        is_poll = not write and off in (R.CTRL, 0x00004, R.EECD)
        if self.rst_time is not None:
            if ev.time - self.rst_time >= RESET_QUIET_SECS:
                self.rst_time = None
            elif not is_poll:
                self.flag('reset-quiet', '', ev,
                          f'{R.name(off)} {"write" if write else "read"} '
                          f'{(ev.time - self.rst_time) * 1e6:.0f} us after RST', val)
        w = self.rst_wait
        if w is None:
            return
        if not write:
            if off == R.EECD and val & R.EECD_AUTO_RD:
                w['autord'] = True
            elif off in (R.CTRL, 0x00004) and not val & R.CTRL_RST:
                w['fallback'] = True
            return
        # The first write after the reset is the start of programming.
        if not w['autord']:
            form = 'ctrl-rst-fallback' if w['fallback'] else 'no-poll'
            self.flag('reset-autord', form, ev, f'{R.name(off)} write', val)
        self.rst_wait = None

    def mdic_write(self, ev, val):
        if val & R.MDIC_OP:
            if self.mdic_busy:
                self.flag('mdic-busy', '', ev, 'MDIC write', val)
            self.mdic_busy = True
        phy = (val >> R.MDIC_PHY_SHIFT) & 0x1F
        reg = (val >> R.MDIC_REG_SHIFT) & 0x1F
        if phy == 1 and reg == R.PHY_CTRL and val & R.MDIC_OP == R.MDIC_OP_WRITE:
            data = val & R.MDIC_DATA
            self.phy_ctrl = data & ~R.PHY_CTRL_RESTART_AN
            if data & R.PHY_CTRL_RESTART_AN and data & R.PHY_CTRL_AN_ENABLE:
                self.an_restart = (ev, val)

    def phy_loopback(self):
        return bool(self.phy_ctrl & R.PHY_CTRL_LOOPBACK)

    def rctl_write(self, ev, val):
        internal_phy = self.reg(R.CTRL_EXT) & R.CTRL_EXT_LINK_MODE == 0
        lbm = (val & R.RCTL_LBM) >> R.RCTL_LBM_SHIFT
        if not internal_phy or not lbm:
            return
        if lbm != 1:
            form = f'lbm-{lbm:02b}b'
        elif self.phy_loopback():
            form = 'mac-beside-phy-loopback'
        else:
            form = 'mac-loopback-only'
        self.flag('rctl-lbm', form, ev, 'RCTL write', val)

    def judge_link(self, ev):
        """At the first copy after a reset: was the link forced?"""
        ctrl = self.reg(R.CTRL)
        need = R.CTRL_SLU | R.CTRL_FRCSPD | R.CTRL_FRCDPX
        forced = ctrl & need == need and self.phy_loopback() and \
            not self.phy_ctrl & R.PHY_CTRL_AN_ENABLE
        if forced and self.an_restart is None:
            return
        where, what, value = ev, 'first copy, CTRL', ctrl
        if self.an_restart is not None:
            where, value = self.an_restart
            what = 'MDIC write (autoneg restart)'
        form = 'restart-beside-forced' if forced else 'not-forced'
        self.flag('link-autoneg', form, where, what, value)

    def queue_write(self, ev, off, val, base, n):
        rx = base in (R.RXDCTL,) + RX_RING
        ctl = R.rxq(R.RXDCTL, n) if rx else R.rxq(R.TXDCTL, n)
        enabled = self.reg(ctl) & R.XDCTL_ENABLE
        if base in (R.RXDCTL, R.TXDCTL):
            glob, en = (R.RCTL, R.RCTL_EN) if rx else (R.TCTL, R.TCTL_EN)
            if val & R.XDCTL_ENABLE and not self.reg(glob) & en:
                self.flag('queue-before-en', 'rx' if rx else 'tx', ev, R.name(off), val)
        elif base in RX_RING + TX_RING and enabled:
            self.flag('ring-while-enabled', 'rx' if rx else 'tx', ev, R.name(off), val)
