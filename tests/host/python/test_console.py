# SPDX-License-Identifier: GPL-2.0-or-later
"""The console reader and the summary (runner.console, runner.summary).

Each recorded stream is fed between vm/init's markers, as the guest
prints it, and must get the verdict and counts the judge gives it; the
summary's last line must say the same.
"""

import io
import os
import tempfile
import unittest

from .helpers import CASES, tap_lines

from runner.console import Console
from runner.summary import RunInfo, write_summary

# The skip of tap/harness.tap: (name, reason) as cases.tsv gives them.
SKIPPED_CASE = ('vfio_dma_mapping_test.vfio_type1_iommu_anonymous_hugetlb_1gb.dma_map_unmap',
                'mmap() failed: Invalid argument (22)')

def feed(lines, rc, started=True, done=True):
    """Run LINES of binary fake_test through a Console; (ok, output, summary.tsv rows)."""
    with tempfile.TemporaryDirectory() as d:
        out = io.StringIO()
        con = Console(d, ['fake_test'], out)
        t = 0
        if started:
            con.feed('@@VMTEST BEGIN fake_test t=1.00', t)
            for line in lines:
                t += 1000
                con.feed(line, t)
            if rc is not None:
                con.feed(f'@@VMTEST END fake_test rc={rc} t=2.50', t + 1000)
        if done:
            con.feed('@@VMTEST DONE', t + 2000)
        ok = write_summary(con, RunInfo('TCG', 1000000))
        con.close()
        with open(os.path.join(d, 'summary.tsv')) as f:
            rows = [r.rstrip('\n').split('\t') for r in f]
        with open(os.path.join(d, 'cases.tsv')) as f:
            cases = f.read().splitlines()
    return ok, out.getvalue().splitlines(), rows, cases


def verdict(ok, rows):
    binary = next(r for r in rows if r[0] == 'binary')
    p, f, s = int(binary[3]), int(binary[4]), int(binary[5])
    return ('FAIL' if not ok else 'PASS' if p else 'SKIP', p, f, s)


class ConsoleTest(unittest.TestCase):
    def test_recorded_streams(self):
        for name, rc, want, p, f, s in CASES:
            with self.subTest(fixture=name, rc=rc):
                ok, out, rows, _ = feed(tap_lines(name), rc)
                self.assertEqual(verdict(ok, rows), (want, p, f, s))
                self.assertEqual(out[-1], f'vmtest: {p} passed, {f} failed, {s} skipped')

    def test_no_end_marker(self):
        ok, out, rows, _ = feed(tap_lines('died'), None)
        self.assertEqual(verdict(ok, rows), ('FAIL', 2, 1, 0))
        self.assertTrue(any(line.startswith('FAILED: fake_test: did not finish (no exit status)')
                            and '(last line: ' in line for line in out), out)

    def test_never_started(self):
        ok, out, rows, _ = feed([], 0, started=False)
        self.assertEqual(verdict(ok, rows), ('FAIL', 0, 1, 0))
        self.assertIn('FAILED: fake_test: never started; counted as 1 failed', out)

    def test_no_done(self):
        ok, out, _, _ = feed(tap_lines('pass'), 0, done=False)
        self.assertFalse(ok)
        self.assertIn('FAILED: the guest never reported DONE', out)

    def test_case_lines(self):
        ok, out, rows, cases = feed(tap_lines('harness'), 1)
        self.assertIn('ok 1 vfio_dma_mapping_test.vfio_type1_iommu_anonymous.dma_map_unmap'
                      ' [1/4 0.0s]', out)
        self.assertEqual(cases[0], 'case\tbinary\tnumber\tstatus\tcase_secs\ttail_secs\tname'
                         '\treason')
        self.assertEqual(cases[4].split('\t')[:4], ['case', 'fake_test', '4', 'fail'])
        # A skip keeps the reason the test gave, for the matrix's table.
        skip = [c.split('\t') for c in cases if c.split('\t')[3] == 'skip']
        self.assertEqual([(c[6], c[7]) for c in skip], [SKIPPED_CASE])
        self.assertEqual(rows[1][:7], ['binary', 'fake_test', '4', '2', '1', '1', '1'])
        self.assertEqual(rows[1][8], '1.50')

    def test_short_result_padded(self):
        ok, out, _, _ = feed(['1..1', 'ok 1 a'], 0)
        self.assertIn('ok 1 a' + ' ' * 54 + ' [1/1 0.0s]', out)

    def test_kernel_crash(self):
        with tempfile.TemporaryDirectory() as d:
            out = io.StringIO()
            con = Console(d, ['t'], out)
            con.feed('@@VMTEST BEGIN t t=1.00', 0)
            con.feed('#  RUN           t.a ...', 10)
            con.kernel_line('BUG: unable to handle page fault')
            con.kernel_line('BUG: a second one')
            con.feed('@@VMTEST END t rc=0 t=2.00', 20)
            con.feed('@@VMTEST DONE', 30)
            self.assertFalse(write_summary(con, RunInfo('TCG', 0)))
            con.close()
        lines = out.getvalue().splitlines()
        self.assertIn('FAILED: KERNEL BUG: BUG: unable to handle page fault '
                      '(while running: t, case t.a)', lines)
        self.assertEqual(sum('KERNEL BUG' in line for line in lines), 2)

    def test_guest_messages(self):
        with tempfile.TemporaryDirectory() as d:
            out = io.StringIO()
            con = Console(d, ['t'], out)
            con.feed('@@VMTEST ERROR no igb (8086:10c9) on the PCI bus', 0)
            self.assertEqual(con.running(), 'no test binary yet (boot or device set-up)')
            self.assertFalse(write_summary(con, RunInfo('TCG', 0)))
            con.close()
        self.assertIn('FAILED: guest: no igb (8086:10c9) on the PCI bus', out.getvalue())


if __name__ == '__main__':
    unittest.main()
