# SPDX-License-Identifier: GPL-2.0-or-later
"""What every run adds to the guest: SR-IOV and 1 GiB pages (runner.guestcmd, runner.cli)."""

import os
import shutil
import tempfile
import unittest

from .helpers import PROJECT

from runner import cli, guestcmd, suite


class KernelArgsTest(unittest.TestCase):
    def test_sriov_always(self):
        self.assertEqual(guestcmd.kernel_args(0, ''), 'vfio_pci.enable_sriov=1')

    def test_gib_pages_then_append(self):
        self.assertEqual(guestcmd.kernel_args(2, 'quiet x=1'),
                         'vfio_pci.enable_sriov=1 hugepagesz=1G hugepages=2 quiet x=1')

    def test_memory_grows_by_the_pages(self):
        self.assertEqual(guestcmd.memory('3G', 1), '4G')
        self.assertEqual(guestcmd.memory('1536M', 1), '2560M')
        self.assertEqual(guestcmd.memory('3072', 2), '5G')
        self.assertEqual(guestcmd.memory('1G', 0), '1G')
        with self.assertRaises(ValueError):
            guestcmd.memory('lots', 1)


class DefaultsTest(unittest.TestCase):
    """One 1 GiB page for a kernel tree's own suite, none for the mirror's."""

    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)
        self.paths = suite.Paths(PROJECT, os.path.join(self.d, 'build'), self.d)
        self.bins = os.path.join(self.d, 'bin')
        os.makedirs(self.bins)
        open(os.path.join(self.bins, 'a_test'), 'w').close()
        self.ktree = os.path.join(self.d, 'linux')
        os.makedirs(os.path.join(self.ktree, 'tools/testing/selftests/vfio'))
        for f in ('Makefile', 'Kconfig'):
            open(os.path.join(self.ktree, f), 'w').close()

    def parse(self, *argv):
        return cli.parse(['--bin-dir', self.bins, '--tests', 'a_test', *argv], self.paths)

    def test_mirror_gets_none(self):
        self.assertEqual(self.parse().gib_pages, 0)

    def test_kernel_tree_gets_one(self):
        self.assertEqual(self.parse('--tree', self.ktree).gib_pages, 1)

    def test_option_wins(self):
        self.assertEqual(self.parse('--tree', self.ktree, '--hugepages-1g', '0').gib_pages, 0)
        self.assertEqual(self.parse('--hugepages-1g=3').gib_pages, 3)
        with self.assertRaisesRegex(cli.UsageError, '--hugepages-1g: not a number'):
            self.parse('--hugepages-1g', 'x')
        with self.assertRaisesRegex(cli.UsageError, '--hugepages-1g needs a value'):
            self.parse('--hugepages-1g=')


if __name__ == '__main__':
    unittest.main()
