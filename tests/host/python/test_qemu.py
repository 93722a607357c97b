# SPDX-License-Identifier: GPL-2.0-or-later
"""The QEMU command line of a machine (runner.machine, runner.qemu, runner.accel)."""

import unittest

from . import helpers

from runner.accel import choose_clock
from runner.machine import MACHINES, Q35_VTD
from runner.qemu import VmSpec, command_line


def words(cmd, opt):
    """The values that follow each OPT in CMD."""
    return [cmd[i + 1] for i, w in enumerate(cmd) if w == opt]


assert helpers.PROJECT  # helpers puts scripts/ on the path


class CommandLineTest(unittest.TestCase):
    def spec(self, **kw):
        return VmSpec(kw.pop('accel', 'tcg'), kw.pop('clock', 'virtual'), 'k', 'i', 'kl', **kw)

    def test_virtual_clock(self):
        cmd = command_line(Q35_VTD, 'qemu', self.spec())
        self.assertEqual(words(cmd, '-icount'), ['shift=2,sleep=off'])
        self.assertEqual(words(cmd, '-cpu'), ['max,-erms,-fsrm'])
        self.assertEqual(words(cmd, '-serial'), ['stdio', 'file:kl'])
        self.assertIn('igb,addr=02.0', words(cmd, '-device'))
        self.assertEqual(words(cmd, '-append'),
                         ['console=ttyS1,115200 intel_iommu=on panic=-1'])

    def test_kvm_has_no_clock_options(self):
        cmd = command_line(Q35_VTD, 'qemu', self.spec(accel='kvm', clock='real'))
        self.assertNotIn('-icount', cmd)
        self.assertEqual(words(cmd, '-cpu'), ['host'])

    def test_extras_and_terminal(self):
        cmd = command_line(Q35_VTD, 'qemu', self.spec(
            clock='real', memory='3G', cpus=2, append='quiet', extra=['-s', '-S'],
            terminal=True))
        self.assertEqual(cmd[-2:], ['-s', '-S'])
        self.assertEqual(words(cmd, '-m') + words(cmd, '-smp'), ['3G', '2'])
        self.assertEqual(words(cmd, '-serial'), ['chardev:con0', 'file:kl'])
        self.assertTrue(words(cmd, '-append')[0].endswith(' quiet'))

    def test_every_machine_is_complete(self):
        for m in MACHINES.values():
            for accel, clock in (('kvm', 'real'), ('tcg', 'real'), ('tcg', 'virtual')):
                cmd = command_line(m, m.qemu, self.spec(accel=accel, clock=clock))
                self.assertEqual(cmd[0], m.qemu)


class NoNetworkTest(unittest.TestCase):
    """The igb gets no network backend on any machine: a backend sends frames
    of its own (the user-mode one an IPv6 router advertisement every few
    hundred seconds), and the igb's promiscuous receive takes them into the
    slot a copy posted."""

    def test_no_machine_attaches_a_backend_to_the_igb(self):
        for m in MACHINES.values():
            for accel, clock in (('kvm', 'real'), ('tcg', 'real'), ('tcg', 'virtual')):
                cmd = command_line(m, m.qemu, VmSpec(accel, clock, 'k', 'i', 'kl'))
                with self.subTest(machine=m.name, accel=accel, clock=clock):
                    for opt in ('-netdev', '-net', '-nic'):
                        self.assertNotIn(opt, cmd)
                    igbs = [d for d in words(cmd, '-device') if d.split(',')[0] == 'igb']
                    self.assertEqual(len(igbs), 1, cmd)
                    props = igbs[0].split(',')[1:]
                    self.assertEqual([p for p in props if p.startswith('netdev=')], [], igbs[0])


class ClockTest(unittest.TestCase):
    def test_choices(self):
        self.assertEqual(choose_clock('auto', 'tcg', False, False, False).mode, 'virtual')
        self.assertEqual(choose_clock('auto', 'tcg', True, False, False).mode, 'real')
        self.assertEqual(choose_clock('auto', 'tcg', False, True, False).mode, 'real')
        self.assertEqual(choose_clock('auto', 'tcg', False, False, True).mode, 'real')
        self.assertEqual(choose_clock('virtual', 'kvm', False, False, False).mode, 'real')
        c = choose_clock('virtual', 'tcg', True, False, False)
        self.assertEqual((c.mode, c.why), ('virtual', '--clock=virtual'))
        self.assertTrue(c.describe().startswith('virtual (-icount shift=2,sleep=off): '))


if __name__ == '__main__':
    unittest.main()
