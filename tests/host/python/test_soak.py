# SPDX-License-Identifier: GPL-2.0-or-later
"""The soak report (runner.soak): each round judged from its own output."""

import unittest

from . import helpers

from runner import soak

assert helpers.PROJECT  # helpers puts scripts/ on the path


def log(*rounds):
    """A console log of the guest loop: per round (its lines, status, loop line)."""
    lines = [f'1..{len(rounds)}']
    for n, (body, rc) in enumerate(rounds, 1):
        lines += ['    ' + b for b in body] + [f'    exit status {rc}']
        lines.append(f"{'ok' if rc == 0 else 'not ok'} {n} round {n}: exit status {rc} "
                     'secs 6.00')
    return lines


PASS = ['TAP version 13', '1..2', 'ok 1 a', 'ok 2 b']


class ReportTest(unittest.TestCase):
    def test_counts_and_recoveries(self):
        out, ok = soak.report(log((PASS, 0), (PASS, 0)), 3, 2)
        self.assertTrue(ok)
        self.assertEqual(out[-2], 'soak: 2 of 2 rounds run, 0 failed (0 failed cases)')
        self.assertEqual(out[-1], 'soak: 12 recoveries, 1.00 s per recovery '
                         '(min 1.00, max 1.00 per round)')

    def test_failed_case_under_a_zero_status(self):
        # The loop line says ok (the status was 0); the cases say otherwise.
        body = ['1..2', 'ok 1 a', 'not ok 2 b']
        out, ok = soak.report(log((PASS, 0), (body, 0)), 3, 2)
        self.assertFalse(ok)
        self.assertIn('soak: 2 of 2 rounds run, 1 failed (1 failed cases)', out)
        self.assertTrue(out[1].startswith('  round   2  FAIL   1 passed  1 failed'), out[1])

    def test_nested_output_is_no_round(self):
        out, ok = soak.report(log((PASS + ['    ok 3 nested'], 0)), 3, 1)
        self.assertTrue(ok, out)

    def test_cut_short(self):
        out, ok = soak.report(log((PASS, 0))[:-1], 3, 1)
        self.assertFalse(ok)
        self.assertEqual(out, ['soak: 0 of 1 rounds run, 0 failed (0 failed cases)'])


if __name__ == '__main__':
    unittest.main()
