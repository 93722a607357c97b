# SPDX-License-Identifier: GPL-2.0-or-later
"""The initramfs writer (runner.initramfs): what the guest gets, and what is refused."""

import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from .helpers import PROJECT

from runner import initramfs
from runner.run import guest_conf

BUSYBOX = '/bin/busybox'
BASH_STATIC = '/bin/bash-static'


@unittest.skipUnless(os.access(BUSYBOX, os.X_OK) and os.access(BASH_STATIC, os.X_OK),
                     'busybox-static and bash-static are needed (scripts/install-deps)')
class PackTest(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)
        self.bin = os.path.join(self.d, 'bin dir')
        os.makedirs(os.path.join(self.bin, 'scripts'))
        shutil.copy(BUSYBOX, os.path.join(self.bin, 'a_test'))
        with open(os.path.join(self.bin, 'scripts', 'setup.sh'), 'w') as f:
            f.write('#!/bin/bash\n')
        self.conf = os.path.join(self.d, 'vmtest.conf')
        with open(self.conf, 'w') as f:
            f.write(guest_conf(['a_test'], 4, False, ['-t', 'it is']))
        self.warnings = []

    def pack(self, programs, busybox=BUSYBOX):
        out = os.path.join(self.d, 'initramfs.cpio')
        initramfs.pack(out, busybox, BASH_STATIC, os.path.join(PROJECT, 'vm/init'), self.conf,
                       self.bin, os.path.join(self.bin, 'scripts'), programs,
                       self.warnings.append)
        return out

    def test_contents(self):
        entries = initramfs.read_archive(self.pack(['a_test', 'not_there']))
        mode, data = entries['init']
        self.assertTrue(stat.S_ISREG(mode) and mode & 0o777 == 0o755)
        with open(os.path.join(PROJECT, 'vm/init'), 'rb') as f:
            self.assertEqual(data, f.read())
        mode, _ = entries['dev/console']
        self.assertTrue(stat.S_ISCHR(mode))
        mode, data = entries['bin/sh']
        self.assertTrue(stat.S_ISLNK(mode))
        self.assertEqual(data, b'/bin/busybox')
        self.assertNotIn('sbin/init', entries)
        self.assertIn('vfio/a_test', entries)
        self.assertIn('vfio/scripts/setup.sh', entries)
        self.assertNotIn('vfio/not_there', entries)
        self.assertEqual(len(self.warnings), 1)
        self.assertIn('not_there not found', self.warnings[0])

    @unittest.skipUnless(shutil.which('cpio'), 'cpio is needed')
    def test_cpio_reads_it(self):
        out = self.pack(['a_test'])
        with open(out, 'rb') as f:
            listing = subprocess.run(['cpio', '-it', '--quiet'], stdin=f, capture_output=True,
                                     text=True, check=True).stdout.split()
        self.assertIn('vfio/a_test', listing)
        self.assertIn('vmtest.conf', listing)

    def test_guest_conf_sources(self):
        out = subprocess.run(['bash', '-c', f'source "{self.conf}"; '
                              'printf "[%s]" "$VMTEST_TESTS" "${VMTEST_TEST_ARGV[@]}"'],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(out, '[a_test][-t][it is]')

    def test_dynamic_binary_refused(self):
        dynamic = shutil.which('ls') or '/bin/ls'
        self.assertTrue(initramfs.is_dynamic(dynamic))
        shutil.copy(dynamic, os.path.join(self.bin, 'a_test'))
        with self.assertRaisesRegex(initramfs.InitramfsError, 'dynamically linked'):
            self.pack(['a_test'])

    def test_missing_busybox(self):
        with self.assertRaisesRegex(initramfs.InitramfsError, 'install busybox-static'):
            self.pack(['a_test'], busybox=os.path.join(self.d, 'none'))


if __name__ == '__main__':
    unittest.main()
