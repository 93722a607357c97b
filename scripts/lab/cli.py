# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/lava-lab: a LAVA on this host, and a cell run through LAVA.

  up [--devices N]   bring up the local lab (see lavalab)
  down [--purge]     stop everything the lab started
  status             what runs, the URL, the token file
  worker stop|start  take the worker away, or bring it back
  job ...            print the LAVA job definition of a cell
  run ...            one cell through the LAVA engine (as make matrix
                     ENGINE=lava runs each): judged, kcidb.json, junit.xml
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lab import report
from lab.lava_api import LavaError, Server
from lab.lava_engine import Job, LavaEngine
from lab.lava_job import job_text
from lab.lavalab import DEFAULT_STATE, Config, Lab
from lab.postgres import LabError
from lab.records import Status
from lab.results import cell_records, write_results
from runner.cells import Cell
from runner.machine import MACHINES

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


def _cell(args: argparse.Namespace) -> Cell:
    machine = MACHINES.get(args.machine)
    if machine is None:
        raise LabError(f"--machine {args.machine}: not one of {' '.join(sorted(MACHINES))}")
    arch = "arm64" if machine.qemu.endswith("aarch64") else "x86"
    return Cell(machine=args.machine, arch=arch, kernel=os.path.abspath(args.kernel),
                tree=os.path.abspath(args.tree) if args.tree else "",
                label=args.name or args.machine)


def _engine(args: argparse.Namespace) -> LavaEngine:
    server = None
    if args.url or args.token:
        server = Server(args.url or os.environ.get("LAVA_URL") or Config().url,
                        args.token or os.environ.get("LAVA_TOKEN") or _lab(args).token())
    return LavaEngine(server, timeout=args.timeout, replay=args.replay,
                      job_timeout_min=max(1, args.timeout // 60))


def cmd_job(args: argparse.Namespace) -> int:
    """lava-lab job: print a cell's job definition (vmtest --dry-run first)."""
    cell = _cell(args)
    job = Job(cell, os.path.abspath(os.path.join(args.out_dir, cell.label)))
    os.makedirs(job.log_dir, exist_ok=True)
    _engine(args).prepare(job)
    if job.error or job.spec is None:
        say(job.error)
        return 1
    sys.stdout.write(job_text(job.spec))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """lava-lab run: one cell through LAVA, its summary and files."""
    cell = _cell(args)
    out = _engine(args).run([cell], args.out_dir)[0]
    try:
        with open(os.path.join(out.log_dir, "lava.out"), encoding="utf-8") as f:
            sys.stdout.write(f.read())
    except OSError:
        pass
    k, j = write_results([out], args.out_dir)
    records = cell_records(out)
    bad = out.error or any(r.status in (Status.FAIL, Status.ERROR) for r in records)
    print(f"lava-lab: cell {cell.label} (LAVA job {out.job_id or 'none'}): "
          f"{report.summary(records)}; {k.name}, {j.name} in {args.out_dir}")
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
        p.add_argument("--machine", default="q35-vtd", help="the runner's machine")
        p.add_argument("--kernel", required=True, help="the kernel image it boots")
        p.add_argument("--tree", default="", help="the tree whose suite runs "
                       "(default: the project's tree/)")
        p.add_argument("--name", default="", help="the cell's label (default: the machine)")
        p.add_argument("--replay", type=Path, default=None,
                       help="boot the replay guest of tests/lab instead, "
                            "printing this console text (a test of the lab)")
        p.add_argument("--timeout", type=int, default=1800,
                       help="seconds to wait for the job (default: %(default)s)")
        p.add_argument("--url", default="", help="LAVA server (default: "
                       "$LAVA_URL, else the local lab)")
        p.add_argument("--token", default="", help="API token (default: "
                       "$LAVA_TOKEN, else the local lab's)")
        p.add_argument("--out-dir", default="build/lava",
                       help="the cells' log directories and the result files "
                            "(default: %(default)s)")
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
