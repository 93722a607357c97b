# SPDX-License-Identifier: GPL-2.0-or-later
"""The KTAP judge (runner.ktap) on single lines and on the recorded streams."""

import subprocess
import sys
import unittest

from .helpers import CASES, PROJECT, TAPS, tap_lines

from runner import ktap
from runner.ktap import Plan, Result, Status


class ClassifyTest(unittest.TestCase):
    def status(self, line):
        r = ktap.classify(line)
        assert isinstance(r, Result), line
        return r.status

    def test_directives(self):
        self.assertEqual(self.status('ok 1 a # some comment that is no directive'), Status.PASS)
        self.assertEqual(self.status('not ok 7 a # error'), Status.FAIL)
        self.assertEqual(self.status('ok 3 # sKiP lower case'), Status.SKIP)
        self.assertEqual(self.status('not ok 3 b # SKIP'), Status.SKIP)
        self.assertEqual(self.status('ok 2 a # XFAIL'), Status.XFAIL)
        self.assertEqual(self.status('not ok 2 a # XFAIL why'), Status.XFAIL)
        self.assertEqual(self.status('not ok 2 a # XPASS'), Status.XPASS)
        self.assertEqual(self.status('ok 2 a # XPASS'), Status.XPASS)

    def test_nested_and_other_lines(self):
        self.assertIsNone(ktap.classify('    ok 1 nested'))
        self.assertIsNone(ktap.classify('# ok 1 a comment'))
        self.assertIsNone(ktap.classify('okay 1'))
        self.assertEqual(ktap.classify('1..12'), Plan(12))

    def test_name_stops_before_directive(self):
        self.assertEqual(ktap.classify('ok 4 name with spaces # SKIP why'),
                         Result(Status.SKIP, 4, 'name with spaces', 'why'))


class JudgeTest(unittest.TestCase):
    def test_recorded_streams(self):
        for name, rc, verdict, p, f, s in CASES:
            with self.subTest(fixture=name, rc=rc):
                v = ktap.judge_lines(tap_lines(name), rc)
                self.assertEqual((v.verdict, v.passed, v.failed, v.skipped), (verdict, p, f, s))
                self.assertEqual(v.verdict == 'FAIL', bool(v.problems), v.problems)

    def test_no_exit_status(self):
        v = ktap.judge_lines(tap_lines('died'), None)
        self.assertEqual((v.verdict, v.passed, v.failed, v.skipped), ('FAIL', 2, 1, 0))
        self.assertTrue(v.problems[-1].startswith('did not finish (no exit status)'), v.problems)

    def test_every_pass_but_died(self):
        v = ktap.judge_lines(tap_lines('pass'), 134)
        self.assertEqual((v.verdict, v.failed), ('FAIL', 1))
        self.assertIn('exited with status 134 (signal 6) although no case failed; '
                      'counted as 1 failed', v.problems)

    def test_never_started(self):
        v = ktap.judge(ktap.Counts(), None, started=False)
        self.assertEqual((v.verdict, v.passed, v.failed, v.skipped), ('FAIL', 0, 1, 0))

    def test_xfail_is_a_note(self):
        v = ktap.judge_lines(tap_lines('xfail'), 0)
        self.assertEqual(v.problems, [])
        self.assertTrue(any('XFAIL' in n for n in v.notes))


class CommandLineTest(unittest.TestCase):
    def test_one_line_per_stream(self):
        # A few streams: the rules themselves are tested in-process above.
        for name, rc, verdict, p, f, s in [c for c in CASES if c[0] in ('harness', 'died')]:
            with self.subTest(fixture=name, rc=rc):
                out = subprocess.run([sys.executable, '-m', 'runner.ktap',
                                      f'{TAPS}/{name}.tap', '-' if rc is None else str(rc)],
                                     cwd=f'{PROJECT}/scripts', capture_output=True, text=True,
                                     check=True).stdout
                cases_failed = '1' if name == 'harness' else '0'
                self.assertEqual(out.split()[:5], [verdict, str(p), str(f), str(s), cases_failed])

    def test_usage(self):
        p = subprocess.run([sys.executable, '-m', 'runner.ktap', 'x'],
                           cwd=f'{PROJECT}/scripts', capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)


if __name__ == '__main__':
    unittest.main()
