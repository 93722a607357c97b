# SPDX-License-Identifier: GPL-2.0-or-later
"""The matrix's LAVA engine: each cell a LAVA job, judged by the runner.

Per cell, `vmtest --dry-run` builds what the guest needs into the cell's
log directory (the tests, the initramfs) and writes the QEMU command line
of the cell's machine; that becomes a job for the qemu device type
(lava_job), its kernel and initramfs deployed from URLs:

  LAVA_ARTIFACT_URL unset   file:// paths (a worker on this host)
  LAVA_ARTIFACT_URL=http://HOST:PORT/
                            the engine serves the artifacts itself on
                            HOST:PORT (an address of this host the worker
                            can reach) for as long as the jobs run
  ... and LAVA_ARTIFACT_DIR=DIR
                            the artifacts are copied to DIR, which a web
                            server of the lab's publishes at that URL;
                            the engine serves nothing

All jobs are submitted, then waited for together, at most LAVA_TIMEOUT
seconds (default 3600), with a progress line when their states change.
Each job's console (the device's lines of its log) is then judged by the
runner's own console reader into the cell's log directory: console.log,
cases.tsv, summary.tsv as a local vmtest run writes them. A job that could
not be submitted, did not complete (its worker went away, LAVA failed it)
or timed out (it is cancelled) makes the cell an error of one line,
"<cell>: LAVA job <id> ...", and the rest are still reported.

The server: LAVA_URL and LAVA_TOKEN, else lavacli's identity, else the
local lab of scripts/lava-lab (lava_access).
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from lab import lava_map, replay_guest
from lab.lava_access import Artifacts, say, server_from_env
from lab.lava_api import JobStatus, LavaError
from lab.lava_job import JobSpec, job_text, spec_from_cmdline
from lab.records import read_tsv
from lab.results import write_run
from runner.cells import Cell, CellOutcome, boot_secs
from runner.machine import MACHINES
from runner.recorded import binaries_begun, judge_recorded
from runner.summary import RunInfo

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT = 3600
# Poll the jobs this often (seconds).
POLL = 5.0


class Lava(Protocol):
    """What the engine asks of a LAVA server (lava_api.Server)."""

    base: str

    def version(self) -> str: ...
    def submit(self, definition: str) -> int: ...
    def cancel(self, job_id: int) -> None: ...
    def suites(self, job_id: int) -> dict[int, str]: ...
    def tests(self, job_id: int) -> list[dict[str, Any]]: ...
    def console(self, job_id: int) -> list[tuple[float, str]]: ...
    def wait(self, job_ids: list[int], timeout: float,
             progress: Callable[[dict[int, JobStatus], float], None],
             poll: float = POLL) -> dict[int, JobStatus]: ...


@dataclass
class Job:
    """A cell on its way through LAVA."""

    cell: Cell
    log_dir: str
    spec: Optional[JobSpec] = None
    job_id: Optional[int] = None
    error: str = ""
    # When (time.monotonic()) its preparation began and its job was seen finished.
    began: float = 0.0
    ended: Optional[float] = None


class _Progress:
    """Prints the jobs' states when they change, else every 60 s, and
    notes when each job was first seen finished."""

    def __init__(self, jobs: dict[int, Job]):
        self.jobs = jobs
        self.labels = {i: j.cell.label for i, j in jobs.items()}
        self.line = ""
        self.at = 0.0

    def __call__(self, states: dict[int, JobStatus], elapsed: float) -> None:
        for jid, st in states.items():
            job = self.jobs.get(jid)
            if job and job.ended is None and st.state == "Finished":
                job.ended = time.monotonic()
        line = ", ".join(f"{self.labels.get(j, j)} (job {j}) {s.state}"
                         for j, s in sorted(states.items()))
        if line != self.line or elapsed - self.at >= 60:
            say(f"{elapsed:4.0f} s: {line}")
            self.line, self.at = line, elapsed


def _conf_tests(conf: str) -> list[str]:
    """The binaries of a vmtest.conf (VMTEST_TESTS=...), in order."""
    with open(conf, encoding="utf-8") as f:
        for line in f:
            if line.startswith("VMTEST_TESTS="):
                return " ".join(shlex.split(line[len("VMTEST_TESTS="):])).split()
    return []


class LavaEngine:
    """runner.cells.Engine on a LAVA server."""

    name = "lava"

    def __init__(self, server: Optional[Lava] = None, timeout: Optional[float] = None,
                 replay: Optional[Path] = None, job_timeout_min: int = 30,
                 artifact_url: Optional[str] = None, artifact_dir: Optional[str] = None,
                 vmtest_args: tuple[str, ...] = ()):
        """server: a LAVA server (default: server_from_env()). timeout: the
        bound of the whole wait in seconds (default $LAVA_TIMEOUT or
        3600). replay: boot tests/lab's replay guest printing this file
        instead of each cell's kernel (a test of the lab). vmtest_args:
        more options of vmtest --dry-run (--tests LIST)."""
        self.vmtest_args = vmtest_args
        self.server = server
        self.timeout = timeout if timeout is not None else float(
            os.environ.get("LAVA_TIMEOUT") or DEFAULT_TIMEOUT)
        self.replay = replay
        self.job_timeout_min = job_timeout_min
        self.artifact_url = (artifact_url if artifact_url is not None
                             else os.environ.get("LAVA_ARTIFACT_URL", ""))
        self.artifact_dir = (artifact_dir if artifact_dir is not None
                             else os.environ.get("LAVA_ARTIFACT_DIR", ""))

    # The steps, each overridable by a test.
    def prepare(self, job: Job) -> None:
        """vmtest --dry-run for the cell: its initramfs and command line."""
        c = job.cell
        argv = [str(PROJECT / "scripts" / "vmtest"), "--dry-run", "--machine", c.machine,
                "--kernel", c.kernel, "--log-dir", job.log_dir]
        if c.tree:
            argv += ["--tree", c.tree]
        argv += self.vmtest_args
        log = os.path.join(job.log_dir, "prepare.log")
        with open(log, "w", encoding="utf-8") as out:
            rc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL).returncode
        if rc != 0:
            with open(log, encoding="utf-8", errors="replace") as f:
                last = (f.read().strip().splitlines() or ["no output"])[-1]
            job.error = f"{c.label}: no LAVA job: vmtest --dry-run failed: {last}"
            return
        with open(os.path.join(job.log_dir, "qemu-cmdline"), encoding="utf-8") as f:
            cmd = shlex.split(f.read())
        tests = _conf_tests(os.path.join(job.log_dir, "vmtest.conf"))
        job.spec = spec_from_cmdline(c.label, c.machine, cmd, tests)
        job.spec.timeout_min = self.job_timeout_min

    def run(self, cells: list[Cell], out_dir: str) -> list[CellOutcome]:
        """Each cell a LAVA job; one outcome per cell, in order."""
        jobs = []
        for c in cells:
            d = os.path.join(out_dir, c.label)
            os.makedirs(d, exist_ok=True)
            jobs.append(Job(c, os.path.abspath(d)))
        try:
            server = self.server or server_from_env()
            say(f"LAVA {server.version()} at {server.base}")
        except LavaError as exc:
            return self._all_failed(jobs, f"no LAVA job: no LAVA server: {exc}")
        artifacts = Artifacts(Path(out_dir).resolve(), self.artifact_url, self.artifact_dir)
        try:
            artifacts.start()
        except LavaError as exc:
            return self._all_failed(jobs, f"no LAVA job: {exc}")
        try:
            for job in jobs:
                job.began = time.monotonic()
                self.prepare(job)
                if job.spec and not job.error:
                    self._publish(job, artifacts)
                    self._submit(server, job)
            self._wait(server, jobs)
        finally:
            artifacts.stop()
        outcomes = []
        for job in jobs:
            if job.error:
                say(f"ERROR: {job.error}")
            # The cell's wall time: its preparation, its wait in LAVA's
            # queue and its run (to when the job was seen finished).
            end = job.ended if job.ended is not None else time.monotonic()
            outcomes.append(CellOutcome(job.cell, job.log_dir, job.error,
                                        str(job.job_id or ""),
                                        wall_secs=None if job.job_id is None else
                                        round(end - job.began, 1)))
        for o in outcomes:
            o.boot_secs = boot_secs(o.log_dir)
        return outcomes

    def _all_failed(self, jobs: list[Job], why: str) -> list[CellOutcome]:
        out = []
        for job in jobs:
            job.error = f"{job.cell.label}: {why}"
            say(f"ERROR: {job.error}")
            out.append(CellOutcome(job.cell, job.log_dir, job.error))
        return out

    def _publish(self, job: Job, artifacts: Artifacts) -> None:
        assert job.spec is not None
        label = job.cell.label
        try:
            if self.replay:
                job.spec.kernel = artifacts.publish(
                    label, str(replay_guest.build(Path(job.log_dir))))
                job.spec.initrd = artifacts.publish(label, str(self.replay))
                text = self.replay.read_text(errors="replace").splitlines()
                job.spec.binaries = binaries_begun(text)
            else:
                job.spec.kernel = artifacts.publish(label, _path(job.spec.kernel))
                job.spec.initrd = artifacts.publish(label, _path(job.spec.initrd))
        except Exception as exc:
            job.error = f"{label}: no LAVA job: its artifacts: {exc}"

    def _submit(self, server: Lava, job: Job) -> None:
        assert job.spec is not None
        with open(os.path.join(job.log_dir, "lava-job.yaml"), "w", encoding="utf-8") as f:
            f.write(job_text(job.spec))
        try:
            job.job_id = server.submit(job_text(job.spec))
        except LavaError as exc:
            job.error = f"{job.cell.label}: no LAVA job: submission failed: {exc}"
            return
        say(f"{job.cell.label}: LAVA job {job.job_id} submitted "
            f"({server.base}scheduler/job/{job.job_id})")

    def _wait(self, server: Lava, jobs: list[Job]) -> None:
        live = {j.job_id: j for j in jobs if j.job_id is not None and not j.error}
        if not live:
            return
        ids = sorted(live)
        try:
            states = server.wait(ids, self.timeout, _Progress(live))
        except LavaError as exc:
            for job in live.values():
                job.error = f"{job.cell.label}: LAVA job {job.job_id}: lost the server: {exc}"
            return
        for jid in ids:
            job = live[jid]
            status = states.get(jid) or JobStatus(jid, "Unknown", "Unknown")
            if status.state != "Finished" and not status.failure:
                status.failure = (f"timed out after {self.timeout:.0f} s "
                                  f"(state {status.state})")
            if status.state != "Finished":
                try:
                    server.cancel(jid)
                    status.failure += "; cancelled"
                except LavaError:
                    pass
            self._collect(server, job, status)

    def _collect(self, server: Lava, job: Job, status: JobStatus) -> None:
        """The job's console judged into the cell's log directory."""
        assert job.spec is not None and job.job_id is not None
        label, jid = job.cell.label, job.job_id
        problem = lava_map.job_problem(status)
        try:
            console = server.console(jid)
        except LavaError as exc:
            console = []
            problem = problem or f"no console: {exc}"
        base = console[0][0] if console else 0.0
        lines = [(int((t - base) * 1e6), line) for t, line in console]
        wall_us = lines[-1][0] if lines else 0
        out = io.StringIO()
        run = RunInfo("KVM" if job.spec.kvm else "TCG", wall_us,
                      suite_desc=f"LAVA job {jid} on {status.worker or 'no device'}")
        ok = judge_recorded(lines, job.log_dir, job.spec.binaries, run, out,
                            [f"LAVA job {jid}: {problem}"] if problem else [],
                            MACHINES.get(job.cell.machine))
        with open(os.path.join(job.log_dir, "lava.out"), "w", encoding="utf-8") as f:
            f.write(out.getvalue())
        if problem:
            job.error = f"{label}: LAVA job {jid} {problem}"
        elif not ok and not _any_failed(job.log_dir):
            # A run that failed with every binary's counts clean (a crash
            # after the last binary, no DONE): not a pass.
            first = next((ln for ln in out.getvalue().splitlines()
                          if ln.startswith("FAILED: ")), "FAILED: the run failed")
            job.error = f"{label}: LAVA job {jid}: {first[len('FAILED: '):]}"
        try:
            lava = lava_map.lava_counts(server.suites(jid), server.tests(jid))
        except LavaError:
            return
        for d in lava_map.differences(lava, lava_map.judged_counts(
                os.path.join(job.log_dir, "cases.tsv"))):
            say(f"warning: {label}: LAVA job {jid}: {d}")
        try:
            write_run(job.log_dir, job.cell.machine, job.cell.tree, job.cell.kernel,
                      job.cell.arch)
        except OSError as exc:
            say(f"warning: {label}: no kcidb.json/junit.xml: {exc}")


def _path(url: str) -> str:
    """The local path of a file:// URL."""
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path)


def _any_failed(log_dir: str) -> bool:
    """Whether summary.tsv counts a failure."""
    return any(r[0] == "binary" and len(r) > 4 and r[4] not in ("", "0")
               for r in read_tsv(os.path.join(log_dir, "summary.tsv")))
