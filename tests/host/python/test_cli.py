# SPDX-License-Identifier: GPL-2.0-or-later
"""vmtest's options (runner.cli): both spellings, '-- ARGS', and one-line refusals."""

import contextlib
import io
import os
import shutil
import tempfile
import unittest

from .helpers import PROJECT, fake_bzimage

from runner import cli, kernel, suite


class ParseTest(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)
        self.paths = suite.Paths(PROJECT, os.path.join(self.d, 'build'), self.d)
        open(os.path.join(self.d, 'a_test'), 'w').close()
        open(os.path.join(self.d, 'b_test'), 'w').close()

    def parse(self, *argv):
        return cli.parse(['--bin-dir', self.d, '--tests', 'a_test', *argv], self.paths)

    def refused(self, regex, *argv):
        with self.assertRaisesRegex(cli.UsageError, regex):
            self.parse(*argv)

    def test_both_spellings(self):
        a = self.parse('--timeout', '60', '--stall=30', '-p', '2', '-m3G', '--clock=real')
        self.assertEqual((a.timeout, a.stall, a.cpus, a.memory, a.clock),
                         (60, 30, 2, '3G', 'real'))
        self.refused('--stall 0: less than the 30 s', '--stall', '0')
        self.refused('--timeout 59: less than the 60 s', '--timeout=59')

    def test_values_that_look_like_options(self):
        a = self.parse('--append', '-x', '--test-args', '-v', '--qemu-opts', '-s')
        self.assertEqual((a.append, a.test_argv, a.qemu_extra), ('-x', ['-v'], ['-s']))

    def test_test_args(self):
        a = self.parse('--test-args', '-t memcpy_storm', '--', '-f', 'x', '--kernel=k')
        self.assertEqual(a.test_argv, ['-t', 'memcpy_storm', '-f', 'x', '--kernel=k'])
        self.assertEqual(a.kernel, '')

    def test_qemu_opts_split_like_a_shell(self):
        a = self.parse('--qemu-opts', "-object 'memory-backend-ram,id=m,size=1G' -s",
                       '--qemu-opts=-S')
        self.assertEqual(a.qemu_extra, ['-object', 'memory-backend-ram,id=m,size=1G', '-s', '-S'])
        self.refused('cannot split', '--qemu-opts', "-s 'x")

    def test_tests_list(self):
        a = self.parse('--tests', 'a_test, b_test')
        self.assertEqual(a.tests, ['a_test', 'b_test'])
        self.refused("no test program 'c_test' in --bin-dir", '--tests', 'a_test,c_test')
        self.refused('empty list', '--tests', ' , ')
        self.refused("bad name 'a/b'", '--tests', 'a/b')

    def test_kvm_spellings(self):
        self.assertEqual(self.parse('--kvm').accel, 'kvm')
        self.assertEqual(self.parse('--no-kvm').accel, 'tcg')
        self.assertEqual(self.parse('--disable-kvm').accel, 'tcg')
        self.assertEqual(self.parse().accel, 'auto')

    def test_refusals(self):
        self.refused("unknown option '--bogus'; see 'vmtest --help'", '--bogus')
        self.refused("unknown option 'word'", 'word')
        self.refused("unknown option '--tim'", '--tim', '5')
        self.refused("--shell: ignored explicit argument '1'", '--shell=1')
        self.refused('--timeout: not a number of seconds', '--timeout', '1m')
        self.refused("--clock: 'fast' is not virtual, real or auto", '--clock', 'fast')
        self.refused('needs TCG', '--clock=virtual', '--kvm')
        self.refused("--cpus: not a number of vCPUs: '0'", '-p', '0')
        self.refused('--memory: not a size', '--memory', '1.5G')
        self.refused('do not go together', '--shell', '--trace-device')
        self.refused('needs a terminal', '--shell')
        self.refused('--bin-dir needs a value', '--bin-dir=')
        self.refused("no test program 'x' in --bin-dir", '--also-pack', 'x')
        with self.assertRaisesRegex(suite.SuiteError, 'holds no tools/testing/selftests/vfio'):
            self.parse('--tree', self.d)

    def test_tree_without_lib(self):
        """A vfio directory without the Makefile or lib/ is one line, not a traceback."""
        vfio = os.path.join(self.d, 'tools/testing/selftests/vfio')
        os.makedirs(vfio)
        with self.assertRaisesRegex(suite.SuiteError, 'vfio: no Makefile; not a tree'):
            suite.test_programs(self.paths, vfio)
        open(os.path.join(vfio, 'Makefile'), 'w').close()
        with self.assertRaisesRegex(suite.SuiteError, 'vfio: no lib; not a tree'):
            suite.test_programs(self.paths, vfio)

    def test_kernel(self):
        k = os.path.join(self.d, 'bzImage')
        fake_bzimage(k)
        self.assertEqual(self.parse('--kernel', k).kernel, k)
        fake_bzimage(k, 6000)
        self.refused_kernel('not a kernel QEMU can boot: truncated: 6000 bytes', k)
        with open(k, 'wb') as f:
            f.write(os.urandom(4096))
        self.refused_kernel('neither a bzImage', k)
        self.refused_kernel('no such file', k + '.none')
        # A damaged cache entry: its vmlinux (what boots) cut short.
        entry = os.path.join(self.d, 'kernel-0123')
        os.mkdir(entry)
        fake_bzimage(os.path.join(entry, 'bzImage'))
        with open(os.path.join(entry, 'config'), 'w') as f:
            f.write('CONFIG_PVH=y\n')
        with open('/bin/busybox', 'rb') as src, open(os.path.join(entry, 'vmlinux'), 'wb') as f:
            f.write(src.read(20000))
        self.refused_kernel(f'cached test kernel {entry} is damaged \\(vmlinux: truncated.*'
                            'rebuild it: scripts/build-test-kernel --force',
                            os.path.join(entry, 'bzImage'))

    def refused_kernel(self, regex, k):
        with self.assertRaisesRegex(kernel.KernelError, regex):
            self.parse('--kernel', k)

    def test_help(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertIsNone(cli.parse(['--help'], self.paths))
        self.assertIn('--trace-device', out.getvalue())


class CachePlaceTest(unittest.TestCase):
    def paths(self, **env):
        keep = {k: os.environ.get(k) for k in ('VFIO_IGB_CACHE', 'XDG_CACHE_HOME', 'HOME')}
        try:
            for k in keep:
                os.environ.pop(k, None)
            os.environ.update(env)
            return suite.Paths.from_env(PROJECT).cache
        finally:
            for k, v in keep.items():
                os.environ.pop(k, None)
                if v is not None:
                    os.environ[k] = v

    def test_order(self):
        self.assertEqual(self.paths(VFIO_IGB_CACHE='/c', XDG_CACHE_HOME='/x', HOME='/'), '/c')
        self.assertEqual(self.paths(XDG_CACHE_HOME='/x', HOME='/tmp'), '/x/vfio-igb')
        self.assertEqual(self.paths(XDG_CACHE_HOME='rel', HOME='/tmp'), '/tmp/.cache/vfio-igb')

    def test_no_place(self):
        with self.assertRaisesRegex(suite.SuiteError, "HOME is '', .*set VFIO_IGB_CACHE"):
            self.paths(HOME='')
        with self.assertRaisesRegex(suite.SuiteError, 'HOME is unset'):
            self.paths()


if __name__ == '__main__':
    unittest.main()
