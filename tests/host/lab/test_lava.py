# SPDX-License-Identifier: GPL-2.0-or-later
"""The LAVA job of a cell and its results mapped back; no LAVA needed."""

import re
import shlex
import unittest

import labtest
from labtest import console, recorded

from lab import lava_job
from lab.ktap import classify, parse_console
from lab.lava_api import JobStatus
from lab.lava_job import Cell, cell_from_cmdline, job_definition
from lab.lava_map import failed_to_run, outcome
from lab.records import Status

assert labtest.ROOT
STREAMS = ("harness.tap", "skip.tap", "xfail.tap", "xpass.tap", "fail.tap",
           "pass.tap", "nested.tap", "plan-short.tap")
LAVA_RESULT = {"pass": Status.PASS, "fail": Status.FAIL, "skip": Status.SKIP}

CMDLINE = (
    "qemu-system-x86_64 -accel tcg -icount shift=2\\,sleep=off "
    "-cpu max\\,-erms\\,-fsrm -m 1G -smp 1 -M q35\\,kernel-irqchip=split "
    "-nodefaults -display none -no-reboot -serial stdio "
    "-serial file:/b/kernel.log -device intel-iommu\\,intremap=on\\,caching-mode=on "
    "-device igb\\,addr=02.0 "
    "-kernel /k/vmlinux -initrd /b/initramfs.cpio "
    "-append console=ttyS1\\,115200\\ intel_iommu=on\\ panic=-1")


def monitor(mon, text):
    """What LAVA's lava-test-monitor records from text for one monitor, as
    it does it: wait for start, then the earliest match of end or pattern
    (pexpect's rule), the result word through the fixupdict."""
    buf = text
    start = re.compile(mon["start"], re.DOTALL).search(buf)
    if not start:
        return None, text
    buf = buf[start.end():]
    end = re.compile(mon["end"], re.DOTALL)
    pat = re.compile(mon["pattern"], re.DOTALL)
    results = []
    while True:
        m_end, m_pat = end.search(buf), pat.search(buf)
        if m_pat and (not m_end or m_pat.start() < m_end.start()):
            d = m_pat.groupdict()
            results.append((d["test_case_id"].strip(),
                            mon["fixupdict"].get(d["result"], d["result"])))
            buf = buf[m_pat.end():]
            continue
        if m_end:
            return results, buf[m_end.end():]
        return results, ""


class PatternTest(unittest.TestCase):
    """LAVA's monitors and the local adapter agree on every recorded stream."""

    def test_same_results_as_the_adapter(self):
        for name in STREAMS:
            lines = console("b", recorded(name))
            text = "\r\n".join(["boot noise"] + lines + ["@@VMTEST DONE"]) + "\r\n"
            got, _ = monitor(lava_job._monitor("b"), text)
            want = [(c, s) for s, c, _ in filter(None, map(classify, recorded(name).splitlines()))]
            self.assertEqual([(c, LAVA_RESULT[r]) for c, r in got], want, name)

    def test_partial_line_is_not_a_result(self):
        got, _ = monitor(lava_job._monitor("b"),
                         "@@VMTEST BEGIN b t=1\r\nok 1 trunc")
        self.assertEqual(got, [])

    def test_monitors_keep_binaries_apart(self):
        text = "\r\n".join(console("a", "1..1\nok 1 x") + console("b", "1..1\nnot ok 1 y")) + "\r\n"
        got_a, rest = monitor(lava_job._monitor("a"), text)
        got_b, _ = monitor(lava_job._monitor("b"), rest)
        self.assertEqual((got_a, got_b), ([("x", "pass")], [("y", "fail")]))

    def test_binary_name_is_not_a_prefix_match(self):
        text = "\r\n".join(console("ab", "1..1\nok 1 x")) + "\r\n"
        self.assertIsNone(monitor(lava_job._monitor("a"), text)[0])


class JobTest(unittest.TestCase):
    def test_cell_from_vmtest_cmdline(self):
        cell = cell_from_cmdline("c", "q35-vtd", shlex.split(CMDLINE), ["b"])
        self.assertEqual(cell.kernel, "file:///k/vmlinux")
        self.assertEqual(cell.initrd, "file:///b/initramfs.cpio")
        self.assertEqual(cell.append, "console=ttyS1,115200 intel_iommu=on panic=-1")
        self.assertEqual(cell.memory_mb, 1024)
        self.assertFalse(cell.kvm)
        for gone in ("-kernel", "-initrd", "-append", "-serial", "-m", "-display"):
            self.assertNotIn(gone, cell.options)
        self.assertIn("igb,addr=02.0", cell.options)
        self.assertIn("shift=2,sleep=off", cell.options)

    def test_definition(self):
        cell = cell_from_cmdline("c", "q35-vtd", shlex.split(CMDLINE), ["a", "b"])
        job = job_definition(cell)
        ctx = job["context"]
        self.assertEqual(job["device_type"], "qemu")
        self.assertEqual(ctx["arch"], "amd64")
        self.assertTrue(ctx["no_kvm"])
        self.assertIn("-device igb,addr=02.0", ctx["extra_options"])
        self.assertIn("-M q35,kernel-irqchip=split", ctx["extra_options"])
        self.assertEqual(ctx["extra_options"][:2], ["-serial stdio", "-serial null"])
        self.assertEqual(ctx["extra_options"].count("-nodefaults"), 1)
        images = job["actions"][0]["deploy"]["images"]
        self.assertEqual(images["kernel"]["url"], "file:///k/vmlinux")
        self.assertIn('-append "console=ttyS1,115200 intel_iommu=on panic=-1"',
                      images["kernel"]["image_arg"])
        self.assertNotIn("prompts", job["actions"][1]["boot"])
        self.assertEqual([m["name"] for m in job["actions"][2]["test"]["monitors"]],
                         ["a", "b"])
        self.assertTrue(lava_job.job_yaml(cell).startswith("device_type: qemu"))

    def test_no_images_is_refused(self):
        with self.assertRaises(ValueError):
            cell_from_cmdline("c", "m", ["qemu", "-m", "1G"], ["b"])


def lava_tests(cases, suite_id=2):
    return [{"suite": suite_id, "name": re.sub(r"\W+", "_", c.lower()),
             "result": r, "metadata": f"extra:\n  test_case_id: {c}\n"}
            for c, r in cases]


class MapTest(unittest.TestCase):
    CELL = Cell("c", "q35-vtd", "file:///k", "file:///i", ["b"])

    def test_complete_job(self):
        text = console("b", recorded("harness.tap"))
        got, _ = monitor(lava_job._monitor("b"), "\r\n".join(text) + "\r\n")
        out = outcome(self.CELL, JobStatus(7, "Finished", "Complete"),
                      {1: "lava", 2: "b"},
                      lava_tests(got) + [{"suite": 1, "name": "job", "result": "pass"}],
                      text)
        self.assertEqual(out.problem, "")
        self.assertEqual([(r.binary, r.case, r.status) for r in out.records],
                         [(r.binary, r.case, r.status)
                          for r in parse_console(text, "q35-vtd")])

    def test_incomplete_job_is_error_with_job_id(self):
        text = console("b", recorded("pass.tap"), rc=None)
        out = outcome(self.CELL, JobStatus(9, "Finished", "Incomplete"),
                      {1: "lava", 2: "b"},
                      lava_tests([("first", "pass"), ("second", "pass")]) +
                      [{"suite": 1, "name": "job", "result": "fail",
                        "metadata": "error_type: Infrastructure\nerror_msg: worker gone\n"}],
                      text)
        self.assertIn("LAVA job 9", out.problem)
        self.assertIn("Infrastructure: worker gone", out.problem)
        errors = [r for r in out.records if r.status is Status.ERROR]
        self.assertEqual(len(errors), 1)
        self.assertIn("LAVA job 9", errors[0].reason)

    def test_lava_and_console_disagree(self):
        text = console("b", recorded("pass.tap"))
        out = outcome(self.CELL, JobStatus(3, "Finished", "Complete"),
                      {2: "b"}, lava_tests([("first", "pass")]), text)
        self.assertTrue(any(r.status is Status.ERROR and "differ" in r.reason
                            for r in out.records))

    def test_never_ran(self):
        out = failed_to_run(self.CELL, None, "submission failed: HTTP 400")
        self.assertEqual([(r.binary, r.status) for r in out.records],
                         [("b", Status.ERROR)])
        self.assertIn("no LAVA job", out.records[0].reason)


if __name__ == "__main__":
    unittest.main()
