# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of scripts/igb-conformance on traces made here.

The traces are in the format QEMU's log backend writes with -msg
timestamp=on. The clean trace follows the datasheet at every step the
rules look at; each rule then gets a trace that breaks it in one place and
must report exactly that rule, and the bad-input cases must be refused with
exit status 3 and one line.
"""

import os
import subprocess
import sys
import tempfile
import unittest

from .helpers import PROJECT

from igb_conformance import regs
from igb_conformance.regs import (CTRL, CTRL_EXT, EECD, EIAC, EIAM, EICR, EICS, EIMC, EIMS,
                                  GCR, GPIE, IMC, MDIC, RCTL, RDBAL, RDH, RDLEN, RDT, RXDCTL,
                                  SRRCTL, STATUS, TCTL, TDBAL, TDH, TDLEN, TDT, TXDCTL)

CHECKER = os.path.join(PROJECT, 'scripts', 'igb-conformance')

IVAR0 = regs.ivar0(0)
ENABLE = regs.XDCTL_ENABLE
RST = regs.CTRL_RST
FORCED_LINK = 1 | 1 << 6 | 1 << 9 | 1 << 11 | 1 << 12   # FD SLU 1000 FRCSPD FRCDPX
MDIC_PHY0_WRITE = 1 << 21 | 1 << 26
READY = regs.MDIC_READY
ADV_TXD = 0x2b300400      # DEXT | RS | IFCS | EOP, DTYP data, 1024 bytes
LEGACY_TXD = 0x0b000400


class Trace:
    """A trace being written; steps() of the clean driver, with hooks."""

    def __init__(self):
        self.lines = []
        self.t = 1796140000.0

    def emit(self, text, dt=0.000010):
        self.t += dt
        s, us = int(self.t), round((self.t - int(self.t)) * 1e6)
        if us == 1000000:
            s, us = s + 1, 0
        self.lines.append(f'4242@{s}.{us:06d}:{text}')

    def w(self, off, val, dt=0.000010):
        self.emit(f'e1000e_core_write Write to register 0x{off:x}, 4 byte(s), value: 0x{val:x}', dt)

    def r(self, off, val, dt=0.000010):
        self.emit(f'e1000e_core_read Read from register 0x{off:x}, 4 byte(s), value: 0x{val:x}', dt)

    def cfg(self, off, val, size=4):
        self.emit(f'igb_write_config CONFIG write 0x{off:x}, value: 0x{val:x}, len: {size}')

    def runstate(self, old, new):
        num = {'prelaunch': 6, 'running': 9, 'shutdown': 11}
        self.emit(f'runstate_set current_run_state {num[old]} ({old}) new_state {num[new]} ({new})')

    def copy(self, lower=ADV_TXD, fault=False):
        self.w(RDT, 1)
        self.w(TDT, 1)
        self.emit(f'e1000e_tx_descr (nil) : {lower:x} 1000000')
        if fault:
            self.emit('vtd_dmar_fault sid 0x10 fault 6 addr 0x80000000 write 0')
        self.emit('igb_rx_desc_buff_write buffer 1, addr: 0x1000, offset: 0, from: 0x5600, length: 14')
        self.emit('igb_rx_desc_buff_write buffer 1, addr: 0x1000, offset: 14, from: 0x7f00, length: 1010')

    def text(self):
        return '\n'.join(self.lines) + '\n'


def driver(m=None):
    """The clean bring-up, a copy, a faulting copy and an MSI; @m names
    the one step to do differently."""
    t = Trace()
    t.runstate('prelaunch', 'running')
    t.cfg(0x10, 0xfeba0000)
    t.cfg(0x4, 0x106, 2)
    # Reset: quiet for 1 ms (DS 4.2.1.6.1), then poll EECD.AUTO_RD (Linux).
    t.w(IMC, 0xffffffff)
    t.w(EIMC, 0xffffffff)
    t.w(CTRL, RST)
    if m == 'reset-quiet':
        t.r(STATUS, 0x80080083, dt=0.0002)
    if m == 'reset-autord/no-poll':
        t.w(IMC, 0xffffffff, dt=0.0015)
    else:
        t.r(CTRL, 0x0, dt=0.0015)
        if m != 'reset-autord/ctrl-rst-fallback':
            t.r(EECD, 0x200)
        t.w(IMC, 0xffffffff)
    if m != 'gcr-resend':
        t.r(GCR, 0x10000)
        t.w(GCR, 0x0)
    # PHY loopback and a forced link (DS 3.5.6.3.1).
    if m in ('link-autoneg/restart-beside-forced', 'link-autoneg/not-forced'):
        t.w(MDIC, MDIC_PHY0_WRITE | 0x1340)
        t.r(MDIC, MDIC_PHY0_WRITE | 0x1340 | READY)
    if m == 'mdic-busy':
        t.w(MDIC, MDIC_PHY0_WRITE | 0x0140)
    if m not in ('link-autoneg/not-forced', 'mac-loopback/only'):
        t.w(MDIC, MDIC_PHY0_WRITE | 0x4140)
        t.r(MDIC, MDIC_PHY0_WRITE | 0x4140 | READY)
        t.w(CTRL, FORCED_LINK)
    t.r(STATUS, 0x80080083)
    if m == 'mac-loopback/only':
        t.w(CTRL_EXT, 3 << 22)       # SerDes: no LBM rule, but MAC loopback stays unused
    lbm = {'rctl-lbm': 0xc0, 'rctl-lbm/mac-beside-phy-loopback': 0x40,
           'mac-loopback/only': 0x40}.get(m, 0)
    t.w(RCTL, lbm)
    # TX ring: queue off, ring, TCTL.EN, queue on (DS 8.12.13).
    if m != 'ring-while-enabled':
        t.w(TXDCTL, 0)
        t.r(TXDCTL, 0)
    t.w(TDBAL, 0x10000)
    t.w(TDLEN, 0x10000)
    t.w(TDH, 0)
    t.w(TDT, 0)
    if m == 'queue-before-en':
        t.w(TXDCTL, ENABLE)
    t.w(TCTL, 0x2)
    t.w(TXDCTL, ENABLE)
    t.r(TXDCTL, ENABLE)
    # RX ring likewise (DS 8.10.10), advanced one-buffer descriptors.
    t.w(RXDCTL, 0)
    t.r(RXDCTL, 0)
    t.w(RDBAL, 0x20000)
    t.w(RDLEN, 0x10000)
    t.w(RDH, 0)
    t.w(RDT, 0)
    t.w(SRRCTL, 0 if m == 'rx-legacy-desc' else 0x02000000)
    t.r(RCTL, lbm)
    t.w(RCTL, lbm | 0x401801a)
    t.w(RXDCTL, ENABLE)
    t.r(RXDCTL, ENABLE)
    # MSI-X: GPIE first (Linux igb_configure_msix()).
    if m == 'gpie-order':
        t.w(EIAC, 1)
    t.w(GPIE, 0xc0000010)
    t.w(IVAR0, 0x8181)
    t.w(EIAC, 1)
    t.w(EIAM, 1)
    t.w(EICR, 0xffffffff)
    t.w(EIMS, 1)
    t.copy(LEGACY_TXD if m == 'tx-not-adv' else ADV_TXD)
    t.copy(fault=True)
    # send_msi: EICR cleared by writing a one (DS 7.3.4.2), not read.
    if m == 'eicr-read-eiac':
        t.r(EICR, 0x1)
    else:
        t.w(EICR, 1)
    t.w(EIMS, 1)
    t.w(EICS, 1)
    t.runstate('running', 'shutdown')
    return t.text()


def run(text, *args):
    with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as f:
        f.write(text)
    try:
        return run_path(f.name, *args)
    finally:
        os.unlink(f.name)


def run_path(path, *args):
    p = subprocess.run([sys.executable, CHECKER, *args, path],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def reported(out):
    """The rule/form keys of the report's rows."""
    keys = set()
    for line in out.splitlines():
        word = line.split(' ', 1)[0]
        if word and word != 'rule' and not line.startswith(('igb-conformance', ' ')):
            keys.add(word)
    return keys


RULE_CASES = [
    'eicr-read-eiac', 'reset-quiet', 'reset-autord/no-poll',
    'reset-autord/ctrl-rst-fallback', 'rctl-lbm', 'rctl-lbm/mac-beside-phy-loopback',
    'mac-loopback/only',
    'link-autoneg/not-forced', 'link-autoneg/restart-beside-forced',
    'rx-legacy-desc', 'tx-not-adv', 'gpie-order', 'gcr-resend',
    'queue-before-en', 'ring-while-enabled', 'mdic-busy',
]
# What each mutation must report (rule/form), with waivers off.
EXPECT = {
    'reset-autord/no-poll': {'reset-autord/no-poll'},
    'reset-autord/ctrl-rst-fallback': {'reset-autord/ctrl-rst-fallback'},
    'rctl-lbm': {'rctl-lbm/lbm-11b'},
    'rctl-lbm/mac-beside-phy-loopback': {'rctl-lbm/mac-beside-phy-loopback',
                                         'mac-loopback/beside-phy-loopback'},
    # Without PHY loopback the link cannot count as forced either.
    'mac-loopback/only': {'mac-loopback/only', 'link-autoneg/not-forced'},
    'link-autoneg/not-forced': {'link-autoneg/not-forced'},
    'link-autoneg/restart-beside-forced': {'link-autoneg/restart-beside-forced'},
    'tx-not-adv': {'tx-not-adv/legacy'},
    'queue-before-en': {'queue-before-en/tx'},
    'ring-while-enabled': {'ring-while-enabled/tx'},
}
WAIVED = {'reset-autord/ctrl-rst-fallback', 'link-autoneg/restart-beside-forced'}

BAD_INPUTS = {
    'empty trace': ('', 'empty trace'),
    'truncated mid-line': (driver()[:-30], 'truncated trace'),
    'truncated, no shutdown record': (
        ''.join(driver().splitlines(True)[:-1]), 'no shutdown record'),
    'unknown event line': (
        driver().replace('igb_write_config', 'e1000e_irq_fire_delayed_interrupts', 1),
        'unknown event'),
    'not a trace line': ('hello\n' + driver(), 'not a QEMU log-backend trace line'),
    'another device (no igb config writes)': (
        ''.join(line for line in driver().splitlines(True)
                if 'igb_write_config' not in line), 'not an igb trace'),
    'QEMU without the events': (
        '4242@1796140000.000010:runstate_set current_run_state 6 (prelaunch) new_state 9 (running)\n'
        '4242@1796140009.000010:runstate_set current_run_state 9 (running) new_state 11 (shutdown)\n',
        'no igb events'),
    'malformed arguments': (driver().replace('4 byte(s), value: 0x', '4 byte(s), value 0x', 1),
                            'arguments this checker does not know'),
}


class ConformanceTest(unittest.TestCase):
    def test_clean_trace(self):
        rc, out, err = run(driver(), '--no-waivers')
        self.assertTrue(rc == 0 and reported(out) == set(),
                        f'clean trace: no violation: rc={rc} {reported(out)} {err.strip()}')
        rc, out, _ = run(driver())
        self.assertTrue(rc == 0 and '0 unwaived violation(s), 0 waived' in out,
                        f'clean trace with the waiver list: 0 unwaived, 0 waived: rc={rc}')

    def test_each_rule(self):
        for case in RULE_CASES:
            with self.subTest(case=case):
                want = EXPECT.get(case, {case})
                rc, out, err = run(driver(case), '--no-waivers')
                got = reported(out)
                self.assertTrue(rc == 1 and got == want, f'trips exactly {sorted(want)}: '
                                f'rc={rc} got {sorted(got)} {err.strip()}')
                # And with the project's waiver list: only accommodations pass.
                rc, out, _ = run(driver(case))
                waived = case in WAIVED
                self.assertTrue(rc == (0 if waived else 1) and got <= reported(out),
                                f'{"waived" if waived else "not waived"} by the waiver list: '
                                f'rc={rc}')

    def test_bad_input(self):
        for name, (text, why) in BAD_INPUTS.items():
            with self.subTest(name=name):
                rc, out, err = run(text)
                lines = err.strip().splitlines()
                self.assertTrue(rc == 3 and len(lines) == 1 and why in lines[0]
                                and 'violation' not in out,
                                f'exit 3, one line: rc={rc} err={err.strip()!r}')

    def test_missing_file(self):
        rc, _, err = run_path('/nonexistent/igb-trace.log')
        self.assertTrue(rc == 3 and 'cannot read' in err, f'rc={rc}')

    def test_whole_rule_waiver_refused(self):
        with tempfile.NamedTemporaryFile('w', suffix='.waive', delete=False) as f:
            f.write('rctl-lbm\tthe whole rule\n')
        rc, _, err = run(driver(), '--waivers', f.name)
        os.unlink(f.name)
        self.assertTrue(rc == 2 and 'names no form' in err, f'rc={rc}')

    def test_tsv_report(self):
        # A trip trace also trips when the report goes to a TSV.
        with tempfile.TemporaryDirectory() as d:
            tsv = os.path.join(d, 'v.tsv')
            rc, _, _ = run(driver('gcr-resend'), '--tsv', tsv)
            rows = []
            if os.path.exists(tsv):
                with open(tsv) as f:
                    rows = f.read().splitlines()
        self.assertTrue(rc == 1 and len(rows) == 2 and rows[1].startswith('gcr-resend\tDS 8.6.1\t'),
                        f'header plus the one violation: rc={rc} rows={rows}')

    def test_trace_device_needs_the_events(self):
        # vmtest --trace-device refuses a QEMU that lacks the events, before
        # any VM starts, naming them.
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, 'qemu')
            with open(fake, 'w') as f:
                f.write('#!/bin/sh\nexit 0\n')
            os.chmod(fake, 0o755)
            p = subprocess.run([sys.executable, '-c', 'import sys; from runner import devtrace\n'
                                'try:\n  devtrace.prepare(sys.argv[1], sys.argv[2])\n'
                                'except devtrace.TraceError as e:\n  sys.exit(f"vmtest: {e}")',
                                fake, d], env=dict(os.environ,
                                                   PYTHONPATH=os.path.join(PROJECT, 'scripts')),
                               capture_output=True, text=True)
        self.assertTrue(p.returncode != 0 and 'lacks the trace events: e1000e_core_read' in p.stderr
                        and len(p.stderr.strip().splitlines()) == 1,
                        f'rc={p.returncode} {p.stderr.strip()!r}')


if __name__ == '__main__':
    unittest.main()
