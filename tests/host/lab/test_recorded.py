# SPDX-License-Identifier: GPL-2.0-or-later
"""A LAVA job's console through the runner's own judge: the same
summary.tsv and cases.tsv as a local vmtest run of the same lines."""

import dataclasses
import io
import os
import tempfile
import unittest

import yaml

import labtest
from labtest import DATA, console, judged, recorded, tsv

from lab.lava_api import log_lines
from lab.records import kernel_version
from runner.console import Console
from runner.machine import MACHINES, Expectation
from runner.recorded import binaries_begun, judge_recorded
from runner.summary import RunInfo, write_summary

assert labtest.ROOT


def lava_log(lines):
    """LINES as a LAVA job log: one "target" entry per line, written as
    the dispatcher writes them (a flow mapping of double-quoted scalars)."""
    out = ['- {"dt": "2026-12-06T09:00:00.000000", "lvl": "info", "msg": "start: 0 validate"}']
    for n, line in enumerate(lines):
        entry = {"dt": f"2026-12-06T09:00:{n % 60:02d}.{n:06d}", "lvl": "target", "msg": line}
        out.append("- " + yaml.dump(entry, default_flow_style=True, default_style='"',
                                    width=10**6, sort_keys=False)[:-1])
    return "\n".join(out) + "\n"


class LavaLogTest(unittest.TestCase):
    def test_recorded_job_is_judged_like_vmtest(self):
        """The suite's LAVA job of the lab's first run: 105 passed."""
        lines = log_lines((DATA / "lava-job-suite.log").read_text())
        self.assertEqual(len(lines), 362)
        with tempfile.TemporaryDirectory() as d:
            tests = binaries_begun(ln for _, ln in lines)
            base = lines[0][0]
            ok = judge_recorded([(int((t - base) * 1e6), ln) for t, ln in lines], d, tests,
                                RunInfo("TCG", 0), io.StringIO())
            self.assertTrue(ok)
            summary = tsv(os.path.join(d, "summary.tsv"))
            self.assertEqual(summary[0], ["record", "name", "plan", "pass", "fail", "skip",
                                          "rc", "host_secs", "guest_secs"])
            rows = [r for r in summary if r[0] == "binary"]
            self.assertEqual([r[1] for r in rows], ["vfio_dma_mapping_test",
                                                    "vfio_pci_device_test",
                                                    "vfio_pci_driver_test"])
            self.assertEqual(sum(int(r[3]) for r in rows), 105)
            self.assertEqual({(r[4], r[5], r[6]) for r in rows}, {("0", "0", "0")})
            cases = tsv(os.path.join(d, "cases.tsv"))
            self.assertEqual(cases[0], ["case", "binary", "number", "status", "case_secs",
                                        "tail_secs", "name", "reason"])
            self.assertEqual(len(cases), 106)
            self.assertEqual({c[3] for c in cases[1:]}, {"pass"})
            # The host's times come from the log's stamps.
            self.assertEqual(rows[0][7], "7.7")
            # The firmware's last words before /init's first line are cut off.
            self.assertEqual(kernel_version(d), "6.12.95")

    def test_same_tsvs_as_the_live_console(self):
        lines = (["@@VMTEST INIT t=0.5 kernel=6.12.95"]
                 + console("a_test", recorded("harness.tap"), rc=1)
                 + console("b_test", recorded("xfail.tap"))
                 + console("c_test", recorded("plan-short.tap"))
                 + console("d_test", recorded("pass.tap"), rc=None))
        tests = ["a_test", "b_test", "c_test", "d_test", "e_test"]
        with tempfile.TemporaryDirectory() as live, tempfile.TemporaryDirectory() as lab:
            con = Console(live, tests, io.StringIO())
            for n, line in enumerate(lines):
                con.feed(line, n * 1000000)
            want_ok = write_summary(con, RunInfo("TCG", 0))
            con.close()
            parsed = log_lines(lava_log(lines))
            self.assertEqual([ln for _, ln in parsed], lines)
            got_ok = judge_recorded([(int((t - parsed[0][0]) * 1e6), ln) for t, ln in parsed],
                                    lab, tests, RunInfo("TCG", 0), io.StringIO())
            self.assertEqual((got_ok, want_ok), (False, False))
            for name in ("summary.tsv", "cases.tsv"):
                want = [r for r in tsv(os.path.join(live, name)) if r[0] != "run"]
                got = [r for r in tsv(os.path.join(lab, name)) if r[0] != "run"]
                self.assertEqual(got, want, name)

    def test_machine_expectations_apply(self):
        """A machine's expected failure is an XFAIL in a lab's cell too."""
        expects = dataclasses.replace(MACHINES["q35-vtd"], name="q35-expects", expected_failures={
            "*": Expectation("the model drops it", "findings/x.md")})
        lines = console("b_test", recorded("fail.tap"), rc=1) + ["@@VMTEST DONE"]
        with tempfile.TemporaryDirectory() as live, tempfile.TemporaryDirectory() as lab:
            con = Console(live, ["b_test"], io.StringIO(), machine=expects)
            for n, line in enumerate(lines):
                con.feed(line, n)
            write_summary(con, RunInfo("TCG", 0))
            con.close()
            judge_recorded(enumerate(lines), lab, ["b_test"], RunInfo("TCG", 0),
                           io.StringIO(), machine=expects)
            got = tsv(os.path.join(lab, "cases.tsv"))
            self.assertEqual(got, tsv(os.path.join(live, "cases.tsv")))
            self.assertIn("xfail", [r[3] for r in got])

    def test_log_escapes(self):
        odd = ['quote " and \\ back', "tab\there", "esc \x1b[0m", "ümlaut ✓",
               "carriage\r", "nul \x00 bell \x07", "\x85\xa0\u2028"]
        self.assertEqual([ln for _, ln in log_lines(lava_log(odd))], odd)

    def test_feedback_lines_with_a_namespace(self):
        """After the last monitor, the device's lines come as "feedback"."""
        text = lava_log(["ok 1 a"]) + (
            '- {"dt": "2026-12-06T09:01:00.5", "lvl": "feedback", '
            '"msg": "@@VMTEST END t rc=0 t=70.31", "ns": "common"}\n'
            '- {"dt": "2026-12-06T09:01:01.0", "lvl": "feedback", '
            '"msg": "say \\"hi\\", \\"ns\\": \\"x\\"", "ns": "common"}\n')
        self.assertEqual([ln for _, ln in log_lines(text)],
                         ["ok 1 a", "@@VMTEST END t rc=0 t=70.31", 'say "hi", "ns": "x"'])

    def test_only_target_lines(self):
        text = lava_log(["ok 1 a"]) + ('- {"dt": "2026-12-06T09:01:00.0", "lvl": "results", '
                                       '"msg": {"case": "x", "result": "pass"}}\n')
        self.assertEqual([ln for _, ln in log_lines(text)], ["ok 1 a"])

    def test_lab_problem_fails_the_run(self):
        with tempfile.TemporaryDirectory() as d:
            out = io.StringIO()
            lines = ["@@VMTEST BEGIN t t=1", "1..1", "ok 1 a", "@@VMTEST END t rc=0 t=2",
                     "@@VMTEST DONE"]
            self.assertTrue(judged(d, lines[:-1]))
            ok = judge_recorded([(0, ln) for ln in lines], d, ["t"], RunInfo("TCG", 0), out,
                                ["LAVA job 4: worker gone"])
            self.assertFalse(ok)
            self.assertIn("FAILED: LAVA job 4: worker gone", out.getvalue())


if __name__ == "__main__":
    unittest.main()
