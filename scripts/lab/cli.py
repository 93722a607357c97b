# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/lava-lab: a LAVA on this host, and a cell run through LAVA.

  up [--devices N]   bring up the local lab (see lavalab)
  down [--purge]     stop everything the lab started
  status             what runs, the URL, the token file
  worker stop|start  take the worker away, or bring it back
  job ...            print the LAVA job definition of a cell
  run ...            submit a cell, wait, map its results, write KCIDB/JUnit
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

from lab import lava_map, replay_guest, report
from lab.lava_api import JobStatus, LavaError, Server
from lab.lava_job import Cell, cell_from_cmdline, file_url, job_yaml
from lab.lavalab import DEFAULT_STATE, Config, Lab
from lab.postgres import LabError
from lab.records import RunInfo, Status

PROG = "lava-lab"


def say(msg: str) -> None:
    """One progress line on stderr."""
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


def _lab(args: argparse.Namespace) -> Lab:
    return Lab(Config(state_dir=args.state_dir), say)


def cmd_up(args: argparse.Namespace) -> int:
    """lava-lab up."""
    if args.devices < 1:
        say("--devices: at least 1")
        return 2
    start = time.monotonic()
    _lab(args).up(args.devices)
    say(f"up in {time.monotonic() - start:.0f} s")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    """lava-lab down."""
    if not _lab(args).down(purge=args.purge):
        say(f"the lab is not up (nothing of it runs; state in {args.state_dir})")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """lava-lab status: exit 0 if every service runs, 1 otherwise."""
    lab = _lab(args)
    running = lab.running()
    total = 1 + len(lab.daemons())
    for name, pid in running:
        print(f"{name:22} pid {pid}")
    if not running:
        print("the lab is not up")
        return 1
    print(f"url: {lab.cfg.url}  user: lab  token: {lab.secrets / 'token'}")
    print(f"lavacli: lavacli --uri http://lab:$(cat {lab.secrets / 'token'})"
          f"@127.0.0.1:{lab.cfg.http_port}/RPC2 jobs list")
    return 0 if len(running) == total else 1


def cmd_worker(args: argparse.Namespace) -> int:
    """lava-lab worker stop|start: take the worker away (and its running
    job's QEMU with it) or bring it back, to see what a lab does then."""
    lab = _lab(args)
    worker = [d for d in lab.daemons() if d.name == "lava-worker"][0]
    if args.action == "stop":
        pid = worker.pid()
        if not worker.stop(say):
            say("the worker is not running")
            return 1
        say(f"stopped lava-worker (pid {pid}) and what it ran")
    else:
        say(f"lava-worker up (pid {worker.start()})")
    return 0


def _conf_tests(conf: Path) -> list[str]:
    """The binaries of a vmtest.conf (VMTEST_TESTS=...), in order."""
    for line in conf.read_text().splitlines():
        if line.startswith("VMTEST_TESTS="):
            words = shlex.split(line[len("VMTEST_TESTS="):])
            return " ".join(words).split()
    return []


def _cell(args: argparse.Namespace) -> Cell:
    cmdline = Path(args.cmdline)
    argv = shlex.split(cmdline.read_text())
    tests = [t for t in args.tests.replace(",", " ").split() if t]
    conf = cmdline.with_name("vmtest.conf")
    if not tests and conf.exists():
        tests = _conf_tests(conf)
    if not tests:
        raise LabError(f"--tests: name the binaries the initramfs runs "
                       f"(no {conf} to read them from)")
    cell = cell_from_cmdline(args.name or args.machine, args.machine, argv,
                             tests)
    if args.replay:
        cell.kernel = file_url(replay_guest.build(args.out_dir))
        cell.initrd = file_url(args.replay)
    cell.timeout_min = max(1, args.timeout // 60)
    return cell


def cmd_job(args: argparse.Namespace) -> int:
    """lava-lab job: print a cell's job definition."""
    sys.stdout.write(job_yaml(_cell(args)))
    return 0


def _server(args: argparse.Namespace) -> Server:
    url = args.url or os.environ.get("LAVA_URL") or Config().url
    token = args.token or os.environ.get("LAVA_TOKEN")
    if not token:
        token = _lab(args).token()
    return Server(url, token)


class _Progress:
    """Prints the jobs' states when they change, else every 30 s."""

    def __init__(self) -> None:
        self.line = ""
        self.at = 0.0

    def __call__(self, states: dict[int, JobStatus], elapsed: float) -> None:
        line = ", ".join(f"job {j} {s.state}"
                         + (f" on {s.worker}" if s.worker else "")
                         for j, s in sorted(states.items()))
        if line != self.line or elapsed - self.at >= 30:
            say(f"{elapsed:4.0f} s: {line}")
            self.line, self.at = line, elapsed


def run_cell(server: Server, cell: Cell, timeout: float, out_dir: Path
             ) -> lava_map.CellOutcome:
    """Submit the cell's job, wait at most timeout seconds, map the results."""
    try:
        job_id = server.submit(job_yaml(cell))
    except LavaError as exc:
        return lava_map.failed_to_run(cell, None, f"submission failed: {exc}")
    say(f"cell {cell.name}: LAVA job {job_id} submitted ({server.base}"
        f"scheduler/job/{job_id})")
    try:
        states = server.wait([job_id], timeout, _Progress())
        status = states[job_id]
        if status.state != "Finished":
            if not status.failure:
                status.failure = (f"timed out after {timeout:.0f} s in state "
                                  f"{status.state}")
            say(f"cell {cell.name}: LAVA job {job_id}: {status.failure}; "
                "cancelling it")
            server.cancel(job_id)
        suites = server.suites(job_id)
        tests = server.tests(job_id)
        try:
            console = server.console(job_id)
        except LavaError:
            console = []
    except LavaError as exc:
        return lava_map.failed_to_run(cell, job_id, str(exc))
    log = out_dir / f"lava-job-{job_id}.console.log"
    out_dir.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(line + "\n" for line in console))
    return lava_map.outcome(cell, status, suites, tests, console, str(log))


def cmd_run(args: argparse.Namespace) -> int:
    """lava-lab run: one cell through LAVA, its table and files."""
    cell = _cell(args)
    server = _server(args)
    try:
        version = server.version()
    except LavaError as exc:
        say(f"no LAVA server: {exc}")
        return 2
    say(f"LAVA {version} at {server.base}")
    out = run_cell(server, cell, args.timeout, args.out_dir)
    for r in out.records:
        if r.status is Status.PASS:
            continue
        what = f"{r.binary}{'.' + r.case if r.case else ''}"
        print(f"  {r.status.value:5} {what}{': ' + r.reason if r.reason else ''}")
    if out.problem:
        say(f"cell {cell.name}: ERROR: {out.problem}")
    lines = []
    try:
        lines = Path(out.records[0].log_path).read_text().splitlines() \
            if out.records and out.records[0].log_path else []
    except OSError:
        pass
    run = RunInfo(tree=args.tree_name, commit=report.git_commit(Path(".")),
                  kernel_version=report.kernel_version(lines),
                  config=args.config, start_time=report.now(),
                  misc={"lava_job": str(out.job_id)})
    k, j = report.write_all(args.out_dir, cell.name, out.records, run)
    bad = any(r.status in (Status.FAIL, Status.ERROR) for r in out.records)
    print(f"lava-lab: cell {cell.name} (LAVA job {out.job_id}): "
          f"{report.summary(out.records)}; {k.name}, {j.name} in {args.out_dir}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command; the exit status."""
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", type=Path,
                    default=Path(os.environ.get("LAVA_LAB_DIR", DEFAULT_STATE)),
                    help="the lab's state (default: $LAVA_LAB_DIR or %(default)s)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("up", help="bring up the local LAVA lab")
    p.add_argument("--devices", type=int, default=2,
                   help="qemu devices on the worker (default: %(default)s)")
    p.set_defaults(func=cmd_up)
    p = sub.add_parser("down", help="stop everything the lab started")
    p.add_argument("--purge", action="store_true",
                   help="also remove its state (database, logs, tokens)")
    p.set_defaults(func=cmd_down)
    sub.add_parser("status", help="what of the lab runs").set_defaults(
        func=cmd_status)
    p = sub.add_parser("worker", help="stop or start the lab's worker")
    p.add_argument("action", choices=("stop", "start"))
    p.set_defaults(func=cmd_worker)
    for name, func, text in (("job", cmd_job, "print a cell's job definition"),
                             ("run", cmd_run, "run one cell through LAVA")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--cmdline", required=True,
                       help="the QEMU command line of the cell, as "
                            "'vmtest --dry-run' writes it (build/vmtest/qemu-cmdline)")
        p.add_argument("--machine", default="q35-vtd")
        p.add_argument("--name", default="", help="the cell's label")
        p.add_argument("--tests", default="",
                       help="the binaries the initramfs runs, in order "
                            "(default: those of vmtest.conf beside --cmdline)")
        p.add_argument("--replay", type=Path, default=None,
                       help="boot the replay guest of tests/lab instead, "
                            "printing this console text (a test of the lab)")
        p.add_argument("--timeout", type=int, default=1800,
                       help="seconds to wait for the job (default: %(default)s)")
        p.add_argument("--url", default="", help="LAVA server (default: "
                       "$LAVA_URL, else the local lab)")
        p.add_argument("--token", default="", help="API token (default: "
                       "$LAVA_TOKEN, else the local lab's)")
        p.add_argument("--out-dir", type=Path, default=Path("build/lava"))
        p.add_argument("--tree-name", default="vfio-igb")
        p.add_argument("--config", default="vm/kernel-base.config+vfio")
        p.set_defaults(func=func)
    args = ap.parse_args(argv)
    try:
        return int(args.func(args))
    except (LabError, LavaError, ValueError, OSError) as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
