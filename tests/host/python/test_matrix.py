# SPDX-License-Identifier: GPL-2.0-or-later
"""The machine matrix: its cells, its table from recorded cells, the local engine."""

import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import types
import unittest
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

from .helpers import PROJECT

from runner import matrix, matrix_table
from runner.cells import Cell, CellOutcome
from runner.console import Console
from runner.machine import Expectation, Machine
from runner.summary import RunInfo, write_summary
from runner.matrix_kernels import KernelBuildError, KernelSource, suite_tree
from runner.matrix_local import LocalEngine, LocalSettings

CELLS = os.path.join(PROJECT, 'tests/host/python/matrix-cells')
FAKE_MACHINES = {
    'q35-a': types.SimpleNamespace(arch='x86', description='an x86 machine'),
    'virt-b': types.SimpleNamespace(arch='arm64', description='an arm64 machine'),
    'q35-c': types.SimpleNamespace(arch='x86', description='another x86 machine'),
}


def outcome(name, error='', wall=30.0):
    """The outcome of the recorded cell NAME (a directory of matrix-cells)."""
    cell = Cell(name, 'x86', '/k/bzImage', '/t', name)
    return CellOutcome(cell, os.path.join(CELLS, name), error=error, wall_secs=wall)


def report(*outcomes):
    out: list[str] = []
    rc = matrix_table.report(list(outcomes), out.append)
    return out, rc


class CellsTest(unittest.TestCase):
    def setUp(self):
        patcher = mock.patch.object(matrix, 'MACHINES', FAKE_MACHINES)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_one_cell_per_machine_with_its_arch_kernel(self):
        names = matrix.machine_names('virt-b,q35-a q35-c')
        self.assertEqual(names, ['virt-b', 'q35-a', 'q35-c'])
        self.assertEqual(matrix.arches(names), ['arm64', 'x86'])
        cells = matrix.plan(names, {'x86': '/c/bzImage', 'arm64': '/c/Image'}, '/tip')
        self.assertEqual([(c.label, c.machine, c.arch, c.kernel, c.tree) for c in cells], [
            ('virt-b', 'virt-b', 'arm64', '/c/Image', '/tip'),
            ('q35-a', 'q35-a', 'x86', '/c/bzImage', '/tip'),
            ('q35-c', 'q35-c', 'x86', '/c/bzImage', '/tip'),
        ])

    def test_all_and_duplicates(self):
        self.assertEqual(matrix.machine_names('all'), list(FAKE_MACHINES))
        self.assertEqual(matrix.machine_names('q35-a,q35-a'), ['q35-a'])
        # Only the architectures the chosen machines need get a kernel.
        self.assertEqual(matrix.arches(['q35-c', 'q35-a']), ['x86'])

    def test_unknown_machine_is_one_line(self):
        with self.assertRaises(matrix.UsageError) as e:
            matrix.machine_names('q35-a,q35-zz')
        self.assertIn("no machine 'q35-zz'", str(e.exception))
        with self.assertRaises(matrix.UsageError):
            matrix.machine_names(' , ')

    def test_machines_list(self):
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(matrix.main(['--machines', 'list'], PROJECT), 0)
        self.assertEqual([line.split()[:2] for line in out.getvalue().splitlines()],
                         [['q35-a', 'x86'], ['virt-b', 'arm64'], ['q35-c', 'x86']])

    def test_unknown_engine(self):
        err = io.StringIO()
        with redirect_stderr(err):
            self.assertEqual(matrix.main(['--engine', 'nope', '--dry-run'], PROJECT), 1)
        self.assertIn("no engine 'nope' (there are: lava, local)", err.getvalue())

    def test_engine_registry_makes_the_local_engine(self):
        ctx = matrix.EngineContext(PROJECT, 3, 600, 60, (), print)
        engine = matrix.ENGINES['local'](ctx)
        self.assertEqual(engine.name, 'local')
        self.assertIsInstance(engine, LocalEngine)


class MakeMatrixTest(unittest.TestCase):
    """make matrix: what reaches scripts/matrix from the command line, and only from there."""

    @staticmethod
    def make(*args, env=None):
        e = {k: v for k, v in os.environ.items() if k not in ('MACHINES', 'ENGINE', 'KDIR')}
        e.update(env or {})
        e.pop('MAKEFLAGS', None)
        p = subprocess.run(['make', '-n', '-C', PROJECT, 'matrix', *args], env=e, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        return p.returncode, p.stdout

    def test_machines_and_engine_from_the_command_line(self):
        rc, out = self.make('MACHINES=q35-vtd,virt-smmuv3', 'ENGINE=lava')
        self.assertEqual(rc, 0, out)
        line = ' '.join(out[out.index('scripts/matrix'):].replace('\\\n', ' ').split())
        self.assertIn("scripts/matrix --engine 'lava' --tree", line)
        self.assertIn("--machines 'q35-vtd,virt-smmuv3'", line)

    def test_environment_does_not_narrow_the_matrix(self):
        rc, out = self.make(env={'MACHINES': 'q35-vtd', 'ENGINE': 'lava'})
        self.assertEqual(rc, 0, out)
        self.assertNotIn('--machines', out)
        self.assertIn("--engine 'local'", out)

    def test_unsafe_machines_refused_in_one_line(self):
        rc, out = self.make('MACHINES=q35-vtd;touch x')
        self.assertNotEqual(rc, 0)
        self.assertIn("MACHINES 'q35-vtd;touch x' or ENGINE 'local' has characters other than",
                      out)
        self.assertNotIn('scripts/matrix', out)


class TableTest(unittest.TestCase):
    def test_pass_rows_and_last_line(self):
        out, rc = report(outcome('pass'))
        rows = [line.split() for line in out if line.startswith('pass ') and 'vfio' in line]
        self.assertEqual(rows, [['pass', 'vfio_dma_mapping_test', '2', '0', '0', 'PASS', '2.0'],
                                ['pass', 'vfio_pci_device_test', '1', '0', '0', 'PASS', '1.5']])
        self.assertEqual(out[-1], 'matrix: 3 passed, 0 failed, 0 skipped')
        self.assertEqual(rc, 0)

    def test_fail_fails(self):
        out, rc = report(outcome('pass'), outcome('fail'))
        self.assertIn(['fail', 'vfio_dma_mapping_test', '1', '1', '0', 'FAIL', '2.4'],
                      [line.split() for line in out])
        self.assertEqual(out[-1], 'matrix: 5 passed, 1 failed, 0 skipped')
        self.assertEqual(rc, 1)

    def test_xfail_counts_as_pass_and_shows_its_cause(self):
        out, rc = report(outcome('xfail'))
        self.assertIn(['xfail', 'vfio_dma_mapping_test', '2', '0', '0', 'XFAIL', '2.2'],
                      [line.split() for line in out])
        cause = out.index('expected failures (counted as passed), with their cause:')
        self.assertEqual(out[cause + 1], '  vfio_dma_mapping_test.anonymous.dma_unmap_all '
                         '[xfail]: the vIOMMU drops the unmap-all flag (findings/example.md)')
        self.assertEqual(out[-1], 'matrix: 3 passed, 0 failed, 0 skipped')
        self.assertEqual(rc, 0)

    def test_xpass_fails(self):
        out, rc = report(outcome('xpass'))
        self.assertIn(['xpass', 'vfio_dma_mapping_test', '1', '1', '0', 'XPASS', '2.0'],
                      [line.split() for line in out])
        self.assertTrue(any(line.startswith('passed although expected to fail') for line in out))
        self.assertEqual(out[-1], 'matrix: 1 passed, 1 failed, 0 skipped')
        self.assertEqual(rc, 1)

    def test_skip_is_listed_with_its_reason_never_as_pass(self):
        out, rc = report(outcome('skip'), outcome('pass'))
        reason = out.index('skipped, with the reason the test gave:')
        self.assertEqual(out[reason + 1], '  vfio_dma_mapping_test.hugetlb_1gb.dma_map_unmap '
                         '[skip]: no 1 GiB huge pages reserved')
        self.assertEqual(out[-1], 'matrix: 5 passed, 0 failed, 1 skipped')
        self.assertEqual(rc, 0)

    def test_same_case_on_two_machines_is_one_line(self):
        a, b = outcome('skip'), outcome('skip')
        b.cell = Cell('other', 'x86', '/k', '/t', 'other')
        out, _ = report(a, b)
        self.assertEqual([line for line in out if 'hugetlb_1gb' in line],
                         ['  vfio_dma_mapping_test.hugetlb_1gb.dma_map_unmap [skip, other]: '
                          'no 1 GiB huge pages reserved'])

    def test_error_cell_names_itself_and_counts_as_failed(self):
        with tempfile.TemporaryDirectory() as empty:
            dead = CellOutcome(Cell('virt-x', 'arm64', '/k/Image', '/t', 'virt-x'), empty,
                               error='virt-x: vmtest exited with status 1 before any result: '
                               'vmtest: --kernel /k/Image: no such file')
            out, rc = report(outcome('pass'), dead)
        errors = [line for line in out if 'ERROR' in line.split()[1:2]]
        self.assertEqual(len(errors), 1)
        self.assertIn('virt-x: vmtest exited with status 1 before any result', errors[0])
        self.assertEqual(out[-1], 'matrix: 3 passed, 1 failed, 0 skipped')
        self.assertEqual(rc, 1)

    def test_missing_results_are_an_error(self):
        with tempfile.TemporaryDirectory() as empty:
            cell = Cell('q35-x', 'x86', '/k', '/t', 'q35-x')
            out, rc = report(CellOutcome(cell, empty))
        self.assertIn(f'q35-x: no summary.tsv in {empty}', '\n'.join(out))
        self.assertEqual(out[-1], 'matrix: 0 passed, 1 failed, 0 skipped')
        self.assertEqual(rc, 1)

    def test_crashed_cell_keeps_the_judges_counts(self):
        out, rc = report(outcome('crash', error='crash: vmtest failed: KERNEL PANIC: oops'))
        self.assertIn(['crash', 'vfio_pci_device_test', '0', '1', '0', 'FAIL', '-'],
                      [line.split() for line in out])
        # Two failures the judge counted, one for the ERROR.
        self.assertEqual(out[-1], 'matrix: 1 passed, 3 failed, 0 skipped')
        self.assertEqual(rc, 1)

    def test_a_guest_dead_at_boot_is_one_error_row(self):
        out, rc = report(outcome('boot-panic', error='boot-panic: no test started: KERNEL PANIC'))
        rows = [line for line in out if line.startswith('boot-panic ')]
        self.assertEqual([r.split()[1] for r in rows], ['ERROR', '-'])
        self.assertEqual(out[-1], 'matrix: 0 passed, 1 failed, 0 skipped')
        self.assertEqual(rc, 1)

    def test_time_per_machine(self):
        out, _ = report(outcome('pass', wall=31.7))
        head = next(i for i, line in enumerate(out) if line.startswith('time (s)'))
        self.assertEqual(out[head].split()[2:], ['boot', 'suite', 'vm', 'wall'])
        self.assertEqual(out[head + 1].split(), ['pass', '3.8', '15.1', '18.9', '31.7'])

    def test_old_cases_without_a_reason_column(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(os.path.join(CELLS, 'skip/summary.tsv'), d)
            with open(os.path.join(CELLS, 'skip/cases.tsv'), encoding='utf-8') as f, \
                    open(os.path.join(d, 'cases.tsv'), 'w', encoding='utf-8') as g:
                for line in f:
                    g.write('\t'.join(line.rstrip('\n').split('\t')[:7]) + '\n')
            out, _ = report(CellOutcome(Cell('s', 'x86', '/k', '/t', 's'), d))
        self.assertIn('  vfio_dma_mapping_test.hugetlb_1gb.dma_map_unmap [s]: '
                      '(no reason given)', out)


class CasesFromConsoleTest(unittest.TestCase):
    """What the runner's console writes is what the table reads: causes and reasons."""

    def test_xfail_cause_and_skip_reason_reach_the_table(self):
        machine = Machine(
            name='m-test', description='d', arch='x86', qemu='q', machine='q35', cpu={},
            iommu=(), igb_slot='02.0', test_console='ttyS0', kernel_console='ttyS1',
            expected_failures={'t.m.b': Expectation('the model drops it', 'findings/b.md')})
        with tempfile.TemporaryDirectory() as d:
            con = Console(d, ['t'], io.StringIO(), machine=machine)
            lines = ['@@VMTEST BEGIN t t=1.00', '1..3', 'ok 1 t.m.a', 'not ok 2 t.m.b',
                     'ok 3 t.m.c # SKIP no\tIOMMUFD here', '@@VMTEST END t rc=1 t=2.00',
                     '@@VMTEST DONE']
            for i, line in enumerate(lines):
                con.feed(line, 1000 * i)
            write_summary(con, RunInfo('TCG', 1000000))
            con.close()
            out, rc = report(CellOutcome(Cell('m-test', 'x86', '/k', '/t', 'm-test'), d))
        self.assertIn('  t.m.b [m-test]: the model drops it (report: findings/b.md)', out)
        self.assertIn('  t.m.c [m-test]: no IOMMUFD here', out)
        self.assertEqual(out[-1], 'matrix: 2 passed, 0 failed, 1 skipped')
        self.assertEqual(rc, 0)


FAKE_BUILD = r'''#!/bin/sh
# build-test-kernel as the matrix sees it: --print-key, else build into the cache.
set -e
arch=x86
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=$2; shift ;;
	--print-key) echo "key-$arch-${KDIR:-default}" | tr / _; exit 0 ;;
	esac
	shift
done
[ -z "${FAKE_FAIL:-}" ] || { echo "$VFIO_IGB_CACHE/stale"; echo "build-test-kernel: make failed" >&2; exit 1; }
dir=$VFIO_IGB_CACHE/kernel-$(echo "key-$arch-${KDIR:-default}" | tr / _)
mkdir -p "$dir"
img=bzImage; [ "$arch" = x86 ] || img=Image
echo "$arch" > "$dir/$img"
echo "$dir/$img"
'''


class KernelSourceTest(unittest.TestCase):
    def setUp(self):
        self.project = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.project)
        os.mkdir(os.path.join(self.project, 'scripts'))
        fake = os.path.join(self.project, 'scripts/build-test-kernel')
        with open(fake, 'w', encoding='utf-8') as f:
            f.write(FAKE_BUILD)
        os.chmod(fake, 0o755)
        self.cache = os.path.join(self.project, 'cache')
        env = mock.patch.dict(os.environ, {'VFIO_IGB_CACHE': self.cache, 'KDIR': '/elsewhere'})
        env.start()
        self.addCleanup(env.stop)

    def test_built_once_with_a_progress_line_then_cached(self):
        said: list[str] = []
        src = KernelSource(self.project, self.cache, '/tip')
        self.assertIsNone(src.cached('arm64'))
        image = src.get('arm64', said.append)
        # An environment KDIR is not the matrix's kernel tree: the default kernel is built.
        self.assertEqual(image, os.path.join(self.cache, 'kernel-key-arm64-default/Image'))
        self.assertEqual(said, ['building the arm64 test kernel (not cached; several minutes on '
                                '2 cores): scripts/build-test-kernel --arch arm64 --tree /tip'])
        said.clear()
        self.assertEqual(src.cached('arm64'), image)
        self.assertEqual(src.get('arm64', said.append), image)
        self.assertEqual(said, [])

    def test_kdir_builds_from_the_tree(self):
        src = KernelSource(self.project, self.cache, '/k', kdir='/k')
        self.assertEqual(src.get('x86', lambda line: None),
                         os.path.join(self.cache, 'kernel-key-x86-_k/bzImage'))

    def test_a_failed_build_is_one_line(self):
        with self.assertRaises(KernelBuildError) as e, \
                mock.patch.dict(os.environ, {'FAKE_FAIL': '1'}):
            KernelSource(self.project, self.cache, '/tip').get('x86', lambda line: None)
        self.assertEqual(str(e.exception), 'building the x86 test kernel failed (exit '
                         'status 1); run scripts/build-test-kernel --arch x86 --tree /tip')

    def test_suite_tree_as_make_run_decides(self):
        kdir = os.path.join(self.project, 'linux')
        self.assertEqual(suite_tree('', '/tip'), '/tip')
        os.makedirs(os.path.join(kdir, 'tools/testing/selftests/vfio/lib'))
        self.assertEqual(suite_tree(kdir, '/tip'), '/tip')
        open(os.path.join(kdir, 'tools/testing/selftests/vfio/lib/libvfio.mk'), 'w').close()
        self.assertEqual(suite_tree(kdir, '/tip'), kdir)


FAKE_VMTEST = r'''#!/usr/bin/env python3
import os, shutil, sys, time
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
machine, log = args['--machine'], args['--log-dir']
with open(os.path.join(os.path.dirname(log), 'times'), 'a') as f:
    f.write(f'{machine} start {time.monotonic()}\n')
time.sleep(0.6)
if machine == 'dies':
    print('vmtest: --kernel /k/Image: no such file', file=sys.stderr)
    sys.exit(1)
if machine == 'hangs':
    time.sleep(60)
if machine == 'boot-panic':
    for name in ('summary.tsv', 'cases.tsv'):
        shutil.copy(os.path.join(os.environ['CELLS'], 'boot-panic', name), log)
    print("known problem of boot-panic ('*'): the timer (report: findings/t.md)")
    print('FAILED: vfio_dma_mapping_test: never started; counted as 1 failed')
    print('FAILED: KERNEL PANIC: Kernel panic - not syncing: timer (while running: no test)')
    print('vmtest: 0 passed, 2 failed, 0 skipped')
    sys.exit(1)
src = os.path.join(os.environ['CELLS'], 'crash' if machine == 'panics' else 'pass')
for name in ('summary.tsv', 'cases.tsv'):
    shutil.copy(os.path.join(src, name), log)
if machine == 'panics':
    # As vmtest: a problem the counts do not show.
    with open(os.path.join(log, 'summary.tsv'), 'w') as f:
        f.write('record\tname\tplan\tpass\tfail\tskip\trc\thost_secs\tguest_secs\n'
                'binary\tt\t1\t1\t0\t0\t0\t1.0\t1.0\nrun\tboot_secs\t2.5\n')
    print('FAILED: KERNEL PANIC: Kernel panic - not syncing: fatal exception')
    print('vmtest: 1 passed, 0 failed, 0 skipped')
    sys.exit(1)
with open(os.path.join(os.path.dirname(log), 'times'), 'a') as f:
    f.write(f'{machine} end {time.monotonic()}\n')
print('vmtest: 3 passed, 0 failed, 0 skipped')
'''


class LocalEngineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        fake = os.path.join(self.tmp, 'fake-vmtest')
        with open(fake, 'w', encoding='utf-8') as f:
            f.write(FAKE_VMTEST.replace('/usr/bin/env python3', sys.executable))
        os.chmod(fake, os.stat(fake).st_mode | stat.S_IXUSR)
        self.lines = []
        self.out = os.path.join(self.tmp, 'out')
        os.mkdir(self.out)
        env = mock.patch.dict(os.environ, {'CELLS': CELLS})
        env.start()
        self.addCleanup(env.stop)

    def engine(self, jobs, timeout=60, allowance=60):
        return LocalEngine(LocalSettings(self.tmp, jobs, timeout, 0, (), self.lines.append,
                                         vmtest='fake-vmtest', build_allowance=allowance))

    @staticmethod
    def cells(*machines):
        return [Cell(m, 'x86', '/k/bzImage', '/tip', m) for m in machines]

    def times(self):
        with open(os.path.join(self.out, 'times'), encoding='utf-8') as f:
            return [(w[0], w[1], float(w[2])) for w in (line.split() for line in f)]

    def test_runs_every_cell_j_at_a_time(self):
        outcomes = self.engine(2).run(self.cells('a', 'b', 'c'), self.out)
        self.assertEqual([(o.cell.label, o.error) for o in outcomes],
                         [('a', ''), ('b', ''), ('c', '')])
        for o in outcomes:
            self.assertTrue(os.path.isfile(os.path.join(o.log_dir, 'summary.tsv')))
            self.assertEqual(o.boot_secs, 3.8)
            self.assertGreater(o.wall_secs, 0.5)
        starts = sorted(t for m, what, t in self.times() if what == 'start')
        ends = sorted(t for m, what, t in self.times() if what == 'end')
        # Two at once: the second started before the first ended, the third only after.
        self.assertLess(starts[1], ends[0])
        self.assertGreaterEqual(starts[2], ends[0])
        self.assertEqual(len([line for line in self.lines if 'started' in line]), 3)
        done = [line for line in self.lines if ': done in ' in line]
        self.assertEqual(len(done), 3)
        self.assertTrue(all(line.endswith('vmtest: 3 passed, 0 failed, 0 skipped')
                            for line in done))

    def test_one_at_a_time(self):
        self.engine(1).run(self.cells('a', 'b'), self.out)
        (_, _, s1), (_, _, e1), (_, _, s2), _ = self.times()
        self.assertGreaterEqual(s2, e1)

    def test_a_dead_cell_is_error_in_one_line_and_the_rest_run(self):
        outcomes = self.engine(2).run(self.cells('dies', 'a'), self.out)
        self.assertEqual(outcomes[0].error, 'dies: vmtest exited with status 1 before any '
                         'result: vmtest: --kernel /k/Image: no such file')
        self.assertEqual(outcomes[1].error, '')
        self.assertIn('[1/2] dies: ERROR in ', '\n'.join(self.lines))

    def test_failure_the_counts_do_not_show_is_error(self):
        o, = self.engine(1).run(self.cells('panics'), self.out)
        self.assertEqual(o.error, 'panics: vmtest failed with no failed case: '
                         'KERNEL PANIC: Kernel panic - not syncing: fatal exception')
        out, rc = report(o)
        self.assertEqual(rc, 1)

    def test_a_guest_dead_at_boot_is_error_with_its_cause(self):
        o, = self.engine(1).run(self.cells('boot-panic'), self.out)
        self.assertEqual(o.error, 'boot-panic: no test started: KERNEL PANIC: Kernel panic - '
                         'not syncing: timer (while running: no test); known problem of '
                         "boot-panic ('*'): the timer (report: findings/t.md)")

    def test_a_hung_cell_is_killed_at_its_bound(self):
        start = time.monotonic()
        o, = self.engine(1, timeout=1, allowance=1).run(self.cells('hangs'), self.out)
        self.assertLess(time.monotonic() - start, 30)
        self.assertEqual(o.error, 'hangs: no end after 2 s (VM timeout, lock wait and build '
                         'allowance); vmtest killed')


if __name__ == '__main__':
    unittest.main()
