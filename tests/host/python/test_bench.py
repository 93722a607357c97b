# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/bench's arithmetic (runner.bench_rows, runner.budget, runner.side)."""

import os
import shutil
import tempfile
import unittest

from .helpers import PROJECT

from runner import bench_rows, budget, side

# Two modes, two rounds each; t-bench-budget.sh has the one-mode case.
TIMED = """\
0.000 #  RUN           vfio_pci_driver_budget.a.fixture_steps ...
0.010 # budget mode=a rep=0 step=map guest_us=10 sleep_us=0
0.030 # budget mode=a rep=0 step=map guest_us=10 sleep_us=0
0.100 #  RUN           vfio_pci_driver_budget.a.fixture_steps ...
0.120 # budget mode=a rep=1 step=map guest_us=10 sleep_us=0
0.130 # budget mode=a rep=1 step=map guest_us=10 sleep_us=0
0.200 #  RUN           vfio_pci_driver_budget.b.fixture_steps ...
0.250 # budget mode=b rep=0 step=storm guest_us=4000 sleep_us=1000
"""


class BudgetTest(unittest.TestCase):
    def test_report(self):
        text, rows = budget.report(TIMED.splitlines())
        # Two map lines a round are one map of a fixture: 60 ms over 2 rounds.
        self.assertIn('  map         2       30.0        0.0        0.0      7      0.21', text)
        self.assertIn(('budget.b.storm.asleep_ms', '1.0', 'ms'), rows)
        self.assertIn(('budget.b.estimate_secs', '0.05', 's'), rows)
        self.assertNotIn('budget.driver_test.total_secs', [r[0] for r in rows])

    def test_no_budget_lines(self):
        with self.assertRaisesRegex(budget.BudgetError, 'did not run'):
            budget.report(['0.1 nothing'])

    def test_tree(self):
        with tempfile.TemporaryDirectory() as d:
            budget.make_tree(PROJECT, os.path.join(PROJECT, 'tree'), d)
            with open(os.path.join(d, 'tools/testing/selftests/vfio/Makefile')) as f:
                progs = [line for line in f if line.startswith('TEST_GEN_PROGS += ')]
            self.assertEqual(progs[0], f'TEST_GEN_PROGS += {budget.PROG}\n')


class RowsTest(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)

    def write(self, name, text):
        path = os.path.join(self.d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_summary_and_storm_rows(self):
        summary = self.write('summary.tsv',
                             'record\tname\tplan\tpass\tfail\tskip\trc\thost_secs\tguest_secs\n'
                             'binary\tvfio_pci_driver_test\t35\t35\t0\t0\t0\t12.3\t40.00\n'
                             'run\twall_secs\t30.1\n')
        self.assertEqual(bench_rows.run_value(summary, 'wall_secs'), '30.1')
        rows = bench_rows.binary_rows(summary)
        self.assertIn(('driver_suite_secs', '12.3', 's'), rows)
        self.assertIn(('binary.vfio_pci_driver_test.guest_secs', '40.00', 's'), rows)
        cases = self.write('cases.tsv', 'case\tvfio_pci_driver_test\t7\tpass\t1.5\t0.2\t'
                           'vfio_pci_driver_test.iommufd.memcpy_storm\n')
        self.assertEqual(bench_rows.storm_rows(cases)[0],
                         ('memcpy_storm.iommufd.case_secs', '1.5', 's'))

    def test_side_table(self):
        runs = []
        for name, secs in (('side-A1', '30.0'), ('side-B1', '10.0'), ('side-A2', '34.0'),
                           ('side-B2', '10.0')):
            self.write(f'{name}/summary.tsv',
                       f'binary\tvfio_pci_driver_test\t1\t1\t0\t0\t0\t{secs}\t-\n')
            self.write(f'{name}.status', '0\n')
            runs.append((name[5], os.path.join(self.d, name)))
        text, rows = side.table(runs, '/k/kernel-x/bzImage', 2, '10.0')
        self.assertIn('  vfio_pci_driver_test: A 32.0 s, B 10.0 s (means of 2 and 2 passing '
                      'runs); A/B = 3.20', text)
        self.assertIn(('side.driver_test.ratio_A_over_B', '3.20', ''), rows)
        self.assertEqual(rows[-4][0], 'side.side-A1.vmtest_status')

    def test_side_table_failed_run_not_in_mean(self):
        # A1 timed out in its first case and failed the rest at once: 33.4 s
        # is no time of the suite, so the mean is A2's alone.
        runs = []
        for name, fail, rc, secs in (('side-A1', '35', '1', '33.4'), ('side-B1', '0', '0', '10.0'),
                                     ('side-A2', '0', '0', '362.5'),
                                     ('side-B2', '0', '0', '10.0')):
            self.write(f'{name}/summary.tsv',
                       f'binary\tvfio_pci_driver_test\t35\t0\t{fail}\t0\t{rc}\t{secs}\t-\n')
            self.write(f'{name}.status', f'{rc}\n')
            runs.append((name[5], os.path.join(self.d, name)))
        text, rows = side.table(runs, '/k/kernel-x/bzImage', 2, '10.0')
        self.assertIn('  vfio_pci_driver_test: A 362.5 s, B 10.0 s (means of 1 and 2 passing '
                      'runs); A/B = 36.25', text)
        self.assertTrue(any('33.4! 362.5' in line for line in text), text)


if __name__ == '__main__':
    unittest.main()
