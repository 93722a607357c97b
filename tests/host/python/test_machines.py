# SPDX-License-Identifier: GPL-2.0-or-later
"""The machines (runner.machine): each one's dry-run command line, --machine list,
and the rule by which a machine's expected failures become XFAIL or XPASS."""

import contextlib
import dataclasses
import io
import os
import shutil
import tempfile
import unittest
from unittest import mock

from .helpers import PROJECT, fake_bzimage

from runner import cli, initramfs, listing
from runner.console import Console
from runner.machine import DEFAULT_MACHINE, MACHINES, Expectation, Machine, Q35_VTD
from runner.summary import RunInfo, write_summary

BUSYBOX = '/bin/busybox'
BASH_STATIC = '/bin/bash-static'

# What each machine must boot, written down here independently of its
# definition: the QEMU binary, the vIOMMU (a -device, or an -M option), the
# kernel's console, whether vfio needs the unsafe-interrupt options, and
# whether the guest binds vfio-pci before the igb has an IOMMU group.
WANT = {
    'q35-vtd': ('qemu-system-x86_64', ('device', 'intel-iommu,intremap=on,caching-mode=on'),
                'ttyS1', False, False),
    'q35-vtd-scalable': ('qemu-system-x86_64',
                         ('device', 'intel-iommu,intremap=on,caching-mode=on,x-scalable-mode=on'),
                         'ttyS1', False, False),
    'q35-amd': ('qemu-system-x86_64', ('device', 'amd-iommu,intremap=on,pt=off'), 'ttyS1',
                True, False),
    'q35-virtio-iommu': ('qemu-system-x86_64', ('device', 'virtio-iommu-pci'), 'ttyS1', True,
                         True),
    'virt-smmuv3': ('qemu-system-aarch64', ('machine', 'iommu=smmuv3'), 'ttyAMA1', False, True),
    'virt-virtio-iommu': ('qemu-system-aarch64', ('device', 'virtio-iommu-pci'), 'ttyAMA1',
                          False, True),
}
UNSAFE = 'vfio_iommu_type1.allow_unsafe_interrupts=1 iommufd.allow_unsafe_interrupts=1'


def words(cmd, opt):
    """The values that follow each OPT in CMD."""
    return [cmd[i + 1] for i, w in enumerate(cmd) if w == opt]


def fake_arm64_image(path):
    """Write a file vmtest takes for an arm64 Image (the header's magic); nothing boots it."""
    data = bytearray(4096)
    data[0x38:0x3c] = b'ARM\x64'
    with open(path, 'wb') as f:
        f.write(data)


class MachineSetTest(unittest.TestCase):
    def test_the_six(self):
        self.assertEqual(set(MACHINES), set(WANT))
        self.assertEqual(DEFAULT_MACHINE, 'q35-vtd')
        for m in MACHINES.values():
            self.assertIn(m.arch, ('x86', 'arm64'))
            for pattern, why in m.expected_failures.items():
                self.assertTrue(why.cause and '\n' not in why.cause, m.name)
                self.assertTrue(why.report.startswith('findings/'), m.name)
                self.assertTrue(os.path.isfile(os.path.join(PROJECT, why.report)), why.report)


@unittest.skipUnless(os.access(BUSYBOX, os.X_OK) and os.access(BASH_STATIC, os.X_OK),
                     'busybox-static and bash-static are needed (scripts/install-deps)')
class DryRunTest(unittest.TestCase):
    """vmtest --dry-run on every machine, with a fake kernel of the machine's
    architecture, a fake test binary, and the host's busybox standing in for
    the guest's (the arm64 one comes from the archive)."""

    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)
        self.bin = os.path.join(self.d, 'bin')
        os.makedirs(self.bin)
        open(os.path.join(self.bin, 'a_test'), 'w').close()
        self.kernels = {'x86': os.path.join(self.d, 'bzImage'),
                        'arm64': os.path.join(self.d, 'Image')}
        fake_bzimage(self.kernels['x86'])
        fake_arm64_image(self.kernels['arm64'])
        env = {'VFIO_IGB_CACHE': os.path.join(self.d, 'cache'),
               'BUILD_DIR': os.path.join(self.d, 'build')}
        self.enterContext(mock.patch.dict(os.environ, env))
        self.enterContext(mock.patch.object(initramfs, 'guest_userland', self.userland))
        os.environ.pop('QEMU', None)
        self.asked = []

    def userland(self, project, arch):
        self.asked.append(arch)
        return BUSYBOX, BASH_STATIC

    def dry_run(self, machine, kernel):
        log = os.path.join(self.d, 'log-' + machine)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main(['--machine', machine, '--bin-dir', self.bin, '--tests', 'a_test',
                           '--kernel', kernel, '--no-kvm', '--dry-run', '--log-dir', log],
                          PROJECT)
        return rc, out.getvalue(), err.getvalue(), log

    def test_every_machine(self):
        for name, (qemu, (kind, iommu), console, unsafe, bind_first) in WANT.items():
            m = MACHINES[name]
            with self.subTest(machine=name):
                rc, out, err, log = self.dry_run(name, self.kernels[m.arch])
                self.assertEqual(rc, 0, err)
                line = out.splitlines()[-1]
                with open(os.path.join(log, 'qemu-cmdline')) as f:
                    self.assertEqual(f.read().strip(), line)
                cmd = line.split()
                self.assertEqual(cmd[0], qemu)
                if kind == 'device':
                    self.assertIn(iommu, words(cmd, '-device'))
                else:
                    self.assertIn(iommu, words(cmd, '-M')[0].split(','))
                self.assertIn('igb,addr=02.0', words(cmd, '-device'))
                self.assertEqual(words(cmd, '-kernel'), [self.kernels[m.arch]])
                self.assertEqual(words(cmd, '-serial')[0], 'stdio')
                append = line.split('-append ', 1)[1].strip("'")
                self.assertTrue(append.startswith(f'console={console},115200 '), append)
                self.assertEqual(UNSAFE in append, unsafe, append)
                self.assertEqual(self.asked[-1], m.arch)
                entries = initramfs.read_archive(os.path.join(log, 'initramfs.cpio'))
                # The host cannot list an arm64 busybox's applets: vm/init makes the links.
                self.assertEqual('bin/sh' in entries, m.arch == 'x86')
                conf = (entries['vmtest.conf'][1] or b'').decode()
                self.assertIn(f'VMTEST_BIND_FIRST={1 if bind_first else 0}\n', conf)

    def test_kernel_of_the_wrong_arch(self):
        rc, _, err, _ = self.dry_run('virt-smmuv3', self.kernels['x86'])
        self.assertEqual(rc, 1)
        self.assertIn('an x86 kernel, but virt-smmuv3 boots arm64', err)
        rc, _, err, _ = self.dry_run('q35-vtd', self.kernels['arm64'])
        self.assertEqual(rc, 1)
        self.assertIn('an arm64 kernel, but q35-vtd boots x86', err)

    def test_kvm_for_an_arm64_guest(self):
        with self.assertRaisesRegex(cli.UsageError, 'only TCG can run it'):
            cli.parse(['--machine', 'virt-smmuv3', '--bin-dir', self.bin, '--tests', 'a_test',
                       '--kvm'], cli.suite.Paths(PROJECT, self.d, self.d))


class ListTest(unittest.TestCase):
    def run_list(self, cached, qemu=''):
        out, err = io.StringIO(), io.StringIO()
        env = {'QEMU': qemu} if qemu else {}
        lookup = mock.patch.object(listing, 'cache_lookup',
                                   lambda *a: lambda arch: '/k' if arch in cached else '')
        with lookup, mock.patch.dict(os.environ, env), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            rc = cli.main(['--machine', 'list'], PROJECT)
        return rc, out.getvalue().splitlines(), err.getvalue()

    def test_one_line_per_machine(self):
        rc, lines, err = self.run_list({'x86'})
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(len(lines), 1 + len(MACHINES))
        self.assertTrue(lines[0].startswith('machine '))
        for name, line in zip(MACHINES, lines[1:]):
            m = MACHINES[name]
            self.assertEqual(line.split()[0], name)
            self.assertEqual(line.split()[1 + (name == DEFAULT_MACHINE)], m.arch)
            self.assertIn(f'{m.qemu}: ', line)
            if m.arch == 'x86':
                self.assertIn('bzImage cached', line)
            else:
                self.assertIn('not built yet (scripts/build-test-kernel --arch arm64)', line)
            for why in m.expected_failures.values():
                self.assertIn(why.report, line)
            if not m.expected_failures:
                self.assertTrue(line.endswith(' none'), line)
        self.assertIn('(default)', lines[1 + list(MACHINES).index(DEFAULT_MACHINE)])

    def test_missing_qemu(self):
        _, lines, _ = self.run_list(set(), qemu='/nonexistent/qemu')
        self.assertTrue(all('qemu: MISSING' in line for line in lines[1:]))

    def test_unknown_machine(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = cli.main(['--machine', 'q35-foo'], PROJECT)
        self.assertEqual(rc, 1)
        self.assertEqual(err.getvalue(), "vmtest: --machine q35-foo: no such machine; "
                         "'vmtest --machine list' shows them\n")


EXPECTING = Machine(
    name='m-test', description='a machine for this test', arch='x86', qemu='q', machine='q35',
    cpu={}, iommu=(), igb_slot='02.0', test_console='ttyS0', kernel_console='ttyS1',
    expected_failures={'fake_test.*.b': Expectation('the model drops it', 'findings/b.md')})


def run_console(results, rc, machine=EXPECTING):
    """Feed 'fake_test' printing RESULTS (KTAP result lines) and exiting RC through a
    Console of MACHINE; (ok, output lines, binary row of summary.tsv, cases.tsv rows)."""
    with tempfile.TemporaryDirectory() as d:
        out = io.StringIO()
        con = Console(d, ['fake_test'], out, machine=machine)
        con.feed('@@VMTEST BEGIN fake_test t=1.00', 0)
        for i, line in enumerate(['1..%d' % len(results)] + results):
            con.feed(line, 1000 * (i + 1))
        con.feed(f'@@VMTEST END fake_test rc={rc} t=2.00', 90000)
        con.feed('@@VMTEST DONE', 91000)
        ok = write_summary(con, RunInfo('TCG', 1000000))
        con.close()
        with open(os.path.join(d, 'summary.tsv')) as f:
            row = next(r.split('\t') for r in f if r.startswith('binary\t'))
        with open(os.path.join(d, 'cases.tsv')) as f:
            cases = [r.rstrip('\n').split('\t') for r in f][1:]
    return ok, out.getvalue().splitlines(), row[3:6], cases


class ExpectedFailureTest(unittest.TestCase):
    def test_expected_failure_is_xfail(self):
        ok, out, counts, cases = run_console(
            ['ok 1 fake_test.m.a', 'not ok 2 fake_test.m.b'], 1)
        self.assertTrue(ok, out)
        self.assertEqual(counts, ['2', '0', '0'])
        self.assertEqual([c[3] for c in cases], ['pass', 'xfail'])
        self.assertIn('xfail: fake_test.m.b: the model drops it (report: findings/b.md)', out)
        self.assertEqual(out[-1], 'vmtest: 2 passed, 0 failed, 0 skipped')

    def test_expected_failure_that_passes_is_xpass(self):
        ok, out, counts, cases = run_console(['ok 1 fake_test.m.a', 'ok 2 fake_test.m.b'], 0)
        self.assertFalse(ok)
        self.assertEqual(counts, ['1', '1', '0'])
        self.assertEqual([c[3] for c in cases], ['pass', 'xpass'])
        self.assertTrue(any(line.startswith('FAILED: XPASS on m-test: fake_test.m.b passed, '
                                            'expected to fail: the model drops it')
                            for line in out), out)
        self.assertEqual(out[-1], 'vmtest: 1 passed, 1 failed, 0 skipped')

    def test_other_failures_stay_failures(self):
        ok, out, counts, cases = run_console(
            ['not ok 1 fake_test.m.a', 'not ok 2 fake_test.m.b'], 1)
        self.assertFalse(ok)
        self.assertEqual(counts, ['1', '1', '0'])
        self.assertEqual([c[3] for c in cases], ['fail', 'xfail'])

    def test_without_expectations(self):
        ok, _, counts, cases = run_console(['ok 1 fake_test.m.a', 'not ok 2 fake_test.m.b'], 1,
                                           machine=Q35_VTD)
        self.assertFalse(ok)
        self.assertEqual(counts, ['1', '1', '0'])
        self.assertEqual([c[3] for c in cases], ['pass', 'fail'])

    def test_skip_reason_in_summary(self):
        ok, out, counts, _ = run_console(
            ['ok 1 fake_test.m.a', 'ok 2 fake_test.m.c # SKIP no 1G huge pages',
             'ok 3 fake_test.m.d # SKIP no 1G huge pages'], 0)
        self.assertTrue(ok)
        self.assertEqual(counts, ['1', '0', '2'])
        self.assertIn('skip: 2 case(s): no 1G huge pages (first: fake_test.m.c)', out)

    def test_known_problem_when_nothing_ran(self):
        with tempfile.TemporaryDirectory() as d:
            out = io.StringIO()
            panics = dataclasses.replace(Q35_VTD, name='q35-panics', expected_failures={
                '*': Expectation('kernel panic at boot', 'findings/x.md')})
            con = Console(d, ['fake_test'], out, machine=panics)
            self.assertFalse(write_summary(con, RunInfo('TCG', 0)))
            con.close()
        lines = out.getvalue().splitlines()
        self.assertTrue(any(line.startswith("known problem of q35-panics ('*'): kernel panic")
                            for line in lines), lines)
        self.assertEqual(lines[-1], 'vmtest: 0 passed, 1 failed, 0 skipped')


if __name__ == '__main__':
    unittest.main()
