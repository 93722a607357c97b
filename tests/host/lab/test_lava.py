# SPDX-License-Identifier: GPL-2.0-or-later
"""The LAVA job of a cell, and the LAVA engine on a fake server; no LAVA needed."""

import io
import os
import re
import shlex
import tempfile
import unittest
import urllib.request
from contextlib import redirect_stderr
from pathlib import Path

import yaml

import labtest
from labtest import console, recorded, tsv

from lab import lava_job
from lab.lava_api import JobStatus, LavaError
from lab.lava_access import Artifacts, lavacli_identity
from lab.lava_engine import LavaEngine
from lab.lava_job import job_definition, spec_from_cmdline
from lab.records import Status
from lab.results import cell_records
from runner.cells import Cell
from runner.ktap import Result, Status as K, classify

assert labtest.ROOT
STREAMS = ("harness.tap", "skip.tap", "xfail.tap", "xpass.tap", "fail.tap",
           "pass.tap", "nested.tap", "plan-short.tap")
# The runner's statuses as LAVA's fixupdict maps the same lines.
AS_LAVA = {K.PASS: "pass", K.XFAIL: "pass", K.FAIL: "fail", K.XPASS: "fail", K.SKIP: "skip"}

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
            want = [(r.name, AS_LAVA[r.status]) for r in map(classify, recorded(name).splitlines())
                    if isinstance(r, Result)]
            self.assertEqual(got, want, name)

    def test_done_monitor_reads_to_the_end(self):
        mon = lava_job._done_monitor()
        text = "ok 1 x\r\n@@VMTEST DONE t=9\r\nok 2 y\r\n@@VMTEST POWEROFF t=9\r\n"
        self.assertEqual(monitor(mon, text), ([], "ok 2 y\r\n@@VMTEST POWEROFF t=9\r\n"))
        self.assertIsNone(monitor(mon, "ok 1 x\r\n")[0])

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
    def test_spec_from_vmtest_cmdline(self):
        spec = spec_from_cmdline("c", "q35-vtd", shlex.split(CMDLINE), ["b"])
        self.assertEqual(spec.kernel, "file:///k/vmlinux")
        self.assertEqual(spec.initrd, "file:///b/initramfs.cpio")
        self.assertEqual(spec.append, "console=ttyS1,115200 intel_iommu=on panic=-1")
        self.assertEqual(spec.memory_mb, 1024)
        self.assertEqual(spec.arch, "amd64")
        self.assertFalse(spec.kvm)
        for gone in ("-kernel", "-initrd", "-append", "-serial", "-m", "-display"):
            self.assertNotIn(gone, spec.options)
        self.assertIn("igb,addr=02.0", spec.options)
        self.assertIn("shift=2,sleep=off", spec.options)

    def test_arm64_cpu_and_machine_go_to_the_context(self):
        argv = ["qemu-system-aarch64", "-accel", "tcg", "-cpu", "max", "-m", "1G",
                "-M", "virt,iommu=smmuv3", "-device", "igb,addr=02.0",
                "-kernel", "/k/Image", "-initrd", "/i.cpio", "-append", "console=ttyAMA0"]
        spec = spec_from_cmdline("c", "virt-smmuv3", argv, ["b"])
        ctx = job_definition(spec)["context"]
        self.assertEqual((ctx["arch"], ctx["cpu"], ctx["machine"]),
                         ("arm64", "max", "virt,iommu=smmuv3"))
        self.assertFalse([o for o in ctx["extra_options"] if o.startswith(("-cpu", "-M "))])
        self.assertEqual(ctx["model"], "model=virtio-net-pci")

    def test_pinned_devices_first(self):
        """LAVA's NIC takes the first free slot: a device without an address
        must come after the igb's pinned 02.0, or it takes that slot."""
        argv = ["qemu-system-aarch64", "-M", "virt", "-device", "virtio-iommu-pci",
                "-device", "igb,addr=02.0",
                "-kernel", "/k", "-initrd", "/i"]
        extra = job_definition(spec_from_cmdline("c", "m", argv, ["b"]))["context"][
            "extra_options"]
        self.assertEqual([o for o in extra if o.startswith("-device")],
                         ["-device igb,addr=02.0", "-device virtio-iommu-pci"])

    def test_definition(self):
        spec = spec_from_cmdline("c", "q35-vtd", shlex.split(CMDLINE), ["a", "b"])
        job = job_definition(spec)
        ctx = job["context"]
        self.assertEqual(job["device_type"], "qemu")
        self.assertEqual(ctx["arch"], "amd64")
        self.assertTrue(ctx["no_kvm"])
        self.assertNotIn("machine", ctx)
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
                         ["a", "b", "vmtest-done"])
        # LAVA's own NIC takes no PCI slot on x86.
        self.assertEqual(ctx["model"], "model=ne2k_isa")
        # LAVA loads the text as YAML: the same document.
        self.assertEqual(yaml.safe_load(lava_job.job_text(spec)), job)

    def test_no_images_is_refused(self):
        with self.assertRaises(ValueError):
            spec_from_cmdline("c", "m", ["qemu", "-m", "1G"], ["b"])


def lava_console(lines, t0=1000.0):
    """LINES as FakeLava.console gives them: a second apart."""
    return [(t0 + n, ln) for n, ln in enumerate(lines)]


def suite_lines(binary, tap, rc=0, done=True):
    lines = ["Booting from ROM..@@VMTEST INIT t=0.5 kernel=6.12.95"] + console(binary, tap, rc)
    return lines + (["@@VMTEST DONE t=9", "@@VMTEST POWEROFF t=9"] if done else [])


class FakeLava:
    """A LAVA server as the engine sees it: jobs get ids from 10 on; each
    cell's label picks what happens to its job (see PLAN)."""

    base = "http://lava.test/"

    def __init__(self, plan, version_error=None):
        # label -> ("ok", lines) | ("refuse", why) | ("timeout", lines)
        #        | ("gone", lines) | ("incomplete", lines)
        self.plan = plan
        self.version_error = version_error
        self.jobs = {}
        self.cancelled = []
        self.waited = None

    def version(self):
        if self.version_error:
            raise LavaError(self.version_error)
        return "2023.01"

    def submit(self, definition):
        job = yaml.safe_load(definition)
        label = job["metadata"]["vfio_igb.cell"]
        kind, what = self.plan[label]
        if kind == "refuse":
            raise LavaError(f"POST http://lava.test/api/v0.2/jobs/: {what}")
        jid = 10 + len(self.jobs)
        self.jobs[jid] = (label, kind, what, job)
        return jid

    def wait(self, job_ids, timeout, progress, poll=5.0):
        self.waited = (sorted(job_ids), timeout)
        states = {}
        for jid in job_ids:
            _, kind, _, _ = self.jobs[jid]
            if kind == "ok":
                states[jid] = JobStatus(jid, "Finished", "Complete", worker="qemu-01")
            elif kind == "timeout":
                states[jid] = JobStatus(jid, "Running", "Unknown", worker="qemu-02")
            elif kind == "gone":
                states[jid] = JobStatus(jid, "Running", "Unknown",
                                        "worker lab-worker of device qemu-02 went away "
                                        "(state Offline)", "qemu-02")
            else:
                states[jid] = JobStatus(jid, "Finished", "Incomplete",
                                        "Infrastructure: QEMU failed", "qemu-01")
        progress(states, 0.0)
        return states

    def cancel(self, job_id):
        self.cancelled.append(job_id)

    def console(self, job_id):
        return lava_console(self.jobs[job_id][2])

    def suites(self, job_id):
        return {1: "lava", 2: "vfio_pci_device_test"}

    def tests(self, job_id):
        # What the monitors would record: the lines through the pattern.
        out = []
        for line in self.jobs[job_id][2]:
            r = classify(line)
            if isinstance(r, Result):
                out.append({"suite": 2, "name": r.name, "result": AS_LAVA[r.status]})
        return out


class FakePrepEngine(LavaEngine):
    """The engine with vmtest --dry-run replaced: a job of the cell with
    files in its log directory."""

    def prepare(self, job):
        kernel = os.path.join(job.log_dir, "bzImage")
        initrd = os.path.join(job.log_dir, "initramfs.cpio")
        for f in (kernel, initrd):
            Path(f).write_text("artifact " + job.cell.label)
        argv = ["qemu-system-x86_64", "-M", "q35", "-device", "igb",
                "-kernel", kernel, "-initrd", initrd]
        job.spec = spec_from_cmdline(job.cell.label, job.cell.machine, argv,
                                     ["vfio_pci_device_test"])


def cells(*labels):
    return [Cell("q35-vtd", "x86", "/c/kernel-ab/bzImage", "", label) for label in labels]


class EngineTest(unittest.TestCase):
    def run_engine(self, plan, version_error=None, **kw):
        server = FakeLava(plan, version_error)
        err = io.StringIO()
        d = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(d))
        with redirect_stderr(err):
            outs = FakePrepEngine(server, timeout=120, **kw).run(cells(*plan), d)
        return server, outs, err.getvalue().splitlines(), d

    def test_complete_job_judged_into_the_log_dir(self):
        lines = suite_lines("vfio_pci_device_test", recorded("harness.tap"), rc=1)
        server, outs, err, d = self.run_engine({"a": ("ok", lines)})
        o = outs[0]
        self.assertEqual((o.error, o.job_id, o.log_dir), ("", "10", os.path.join(d, "a")))
        rows = [r for r in tsv(os.path.join(o.log_dir, "summary.tsv")) if r[0] == "binary"]
        self.assertEqual(rows[0][:7], ["binary", "vfio_pci_device_test", "4", "2", "1", "1",
                                       "1"])
        self.assertEqual(len(tsv(os.path.join(o.log_dir, "cases.tsv"))), 5)
        self.assertEqual(o.boot_secs, 1.0)
        self.assertIsNotNone(o.wall_secs)
        self.assertLess(o.wall_secs, 60)
        self.assertTrue(os.path.exists(os.path.join(o.log_dir, "kcidb.json")))
        self.assertFalse([e for e in err if "warning" in e or "ERROR" in e], err)
        job = server.jobs[10][3]
        self.assertTrue(job["actions"][0]["deploy"]["images"]["kernel"]["url"]
                        .startswith("file://" + d))
        self.assertEqual(server.waited, ([10], 120))

    def test_job_never_started_the_rest_reported(self):
        ok = suite_lines("vfio_pci_device_test", recorded("pass.tap"))
        _, outs, err, _ = self.run_engine({"a": ("refuse", "HTTP 400: bad definition"),
                                           "b": ("ok", ok)})
        self.assertEqual(outs[0].error, "a: no LAVA job: submission failed: POST "
                         "http://lava.test/api/v0.2/jobs/: HTTP 400: bad definition")
        self.assertEqual(outs[0].job_id, "")
        self.assertIn(f"lava: ERROR: {outs[0].error}", err)
        self.assertEqual((outs[1].error, outs[1].job_id), ("", "10"))
        self.assertEqual([r.status for r in cell_records(outs[0])], [Status.ERROR])

    def test_timeout_cancels_and_errors(self):
        half = suite_lines("vfio_pci_device_test", "1..2\nok 1 first", rc=None, done=False)
        server, outs, err, _ = self.run_engine({"slow": ("timeout", half)})
        self.assertEqual(outs[0].error, "slow: LAVA job 10 timed out after 120 s "
                         "(state Running); cancelled")
        self.assertEqual(server.cancelled, [10])
        self.assertIn("lava: ERROR: slow: LAVA job 10 timed out after 120 s (state Running); "
                      "cancelled", err)
        recs = cell_records(outs[0])
        self.assertEqual([(r.case, r.status) for r in recs],
                         [("first", Status.PASS), ("", Status.ERROR), ("", Status.ERROR)])
        self.assertNotIn(Status.PASS, {r.status for r in recs if not r.case})

    def test_lost_worker(self):
        half = suite_lines("vfio_pci_device_test", "1..2\nok 1 first", rc=None, done=False)
        ok = suite_lines("vfio_pci_device_test", recorded("pass.tap"))
        _, outs, err, _ = self.run_engine({"a": ("gone", half), "b": ("ok", ok)})
        self.assertEqual(outs[0].error, "a: LAVA job 10 worker lab-worker of device qemu-02 "
                         "went away (state Offline); cancelled")
        self.assertEqual(outs[1].error, "")
        self.assertEqual(sum(line.startswith("lava: ERROR: ") for line in err), 1)

    def test_incomplete_job(self):
        lines = suite_lines("vfio_pci_device_test", recorded("pass.tap"))
        _, outs, _, _ = self.run_engine({"a": ("incomplete", lines)})
        self.assertEqual(outs[0].error, "a: LAVA job 10 Infrastructure: QEMU failed")

    def test_complete_job_without_done_is_no_pass(self):
        lines = suite_lines("vfio_pci_device_test", recorded("pass.tap"), done=False)
        _, outs, _, _ = self.run_engine({"a": ("ok", lines)})
        self.assertEqual(outs[0].error, "a: LAVA job 10: the guest never reported DONE")

    def test_no_server(self):
        _, outs, err, _ = self.run_engine({"a": ("ok", []), "b": ("ok", [])},
                                          version_error="GET http://x/: refused")
        self.assertEqual([o.error for o in outs],
                         ["a: no LAVA job: no LAVA server: GET http://x/: refused",
                          "b: no LAVA job: no LAVA server: GET http://x/: refused"])

    def test_monitors_disagree_is_a_warning(self):
        lines = suite_lines("vfio_pci_device_test", recorded("pass.tap"))
        server = FakeLava({"a": ("ok", lines)})
        server.tests = lambda jid: [{"suite": 2, "name": "first", "result": "pass"}]
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as d, redirect_stderr(err):
            outs = FakePrepEngine(server, timeout=60).run(cells("a"), d)
        self.assertEqual(outs[0].error, "")
        self.assertIn("warning: a: LAVA job 10: vfio_pci_device_test: LAVA's monitors "
                      "{'pass': 1}, the console {'pass': 2}", err.getvalue())


class ArtifactTest(unittest.TestCase):
    def test_served_over_http_while_running(self):
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "k" / "bzImage"
            src.parent.mkdir()
            src.write_bytes(b"kernel bytes")
            import socket
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            a = Artifacts(Path(d) / "out", f"http://127.0.0.1:{port}/")
            url = a.publish("cell-1", str(src))
            self.assertEqual(url, f"http://127.0.0.1:{port}/cell-1/bzImage")
            with redirect_stderr(io.StringIO()):
                a.start()
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    self.assertEqual(r.read(), b"kernel bytes")
            finally:
                a.stop()
            with self.assertRaises(OSError):
                urllib.request.urlopen(url, timeout=2)

    def test_copied_for_a_server_of_the_lab(self):
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "initramfs.cpio"
            src.write_bytes(b"cpio")
            a = Artifacts(Path(d) / "out", "https://files.lab/x/", str(Path(d) / "pub"))
            a.start()
            self.assertEqual(a.publish("c", str(src)), "https://files.lab/x/c/initramfs.cpio")
            self.assertEqual((Path(d) / "pub" / "c" / "initramfs.cpio").read_bytes(), b"cpio")
            a.stop()

    def test_file_urls_by_default(self):
        self.assertEqual(Artifacts(Path("/o")).publish("c", "/k/bz Image"),
                         "file:///k/bz%20Image")


class IdentityTest(unittest.TestCase):
    def test_lavacli_yaml(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "lavacli.yaml"
            p.write_text("default:\n  uri: https://me@lava.example/RPC2\n  token: 'tk'\n"
                         "  username: me\nother:\n  uri: http://o/RPC2\n  token: x\n")
            self.assertEqual(lavacli_identity("default", p), ("https://lava.example/", "tk"))
            self.assertEqual(lavacli_identity("other", p), ("http://o/", "x"))
            self.assertIsNone(lavacli_identity("none", p))


if __name__ == "__main__":
    unittest.main()
