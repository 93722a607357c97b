# SPDX-License-Identifier: GPL-2.0-or-later
"""The KCIDB and JUnit files of a run, and the summary lines of its records.

scripts/test-results runs main(): a vmtest console log (console.log, or
timed.log for per-case times) in, build/kcidb-<name>.json and
build/junit-<name>.xml out.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from lab import junit, kcidb
from lab.ktap import parse_console
from lab.records import CaseResult, RunInfo, Status

_INIT = re.compile(r"@@VMTEST INIT .*kernel=(\S+)")


def kernel_version(lines: Iterable[str]) -> str:
    """The guest kernel's release from /init's INIT marker, or "unknown"."""
    for line in lines:
        m = _INIT.search(line)
        if m:
            return m.group(1)
    return "unknown"


def git_commit(tree: Path) -> str:
    """The commit checked out in tree (40 hex digits), or 40 zeros."""
    res = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"],
                         capture_output=True, text=True)
    out = res.stdout.strip()
    return out if res.returncode == 0 and len(out) == 40 else "0" * 40


def now() -> str:
    """The current time as KCIDB writes it (ISO 8601, UTC)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_all(out_dir: Path, name: str, records: list[CaseResult],
              run: RunInfo) -> tuple[Path, Path]:
    """Write kcidb-<name>.json and junit-<name>.xml into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    k = out_dir / f"kcidb-{name}.json"
    j = out_dir / f"junit-{name}.xml"
    kcidb.write(k, records, run)
    junit.write(j, records, name=f"vfio-selftests {name}")
    return k, j


def summary(records: Iterable[CaseResult]) -> str:
    """"N passed, N failed, N skipped, N errors" of the records."""
    c = Counter(r.status for r in records)
    return (f"{c[Status.PASS]} passed, {c[Status.FAIL]} failed, "
            f"{c[Status.SKIP]} skipped, {c[Status.ERROR]} errors")


def main(argv: list[str] | None = None) -> int:
    """scripts/test-results: KCIDB and JUnit files from a console log."""
    ap = argparse.ArgumentParser(
        prog="test-results",
        description="Write KCIDB v5 JSON and JUnit XML from a vmtest "
                    "console log (console.log or timed.log).")
    ap.add_argument("log", type=Path, help="the console log of the run")
    ap.add_argument("--machine", default="q35-vtd",
                    help="the machine it ran on (default: %(default)s)")
    ap.add_argument("--tree", type=Path, default=Path("."),
                    help="the git tree that was tested (default: .)")
    ap.add_argument("--tree-name", default="vfio-igb",
                    help="its name in KCIDB (default: %(default)s)")
    ap.add_argument("--config", default="vm/kernel-base.config+vfio",
                    help="the kernel build's configuration name")
    ap.add_argument("--tests", default="",
                    help="the binaries that should have run (comma list): "
                         "one that did not is an ERROR")
    ap.add_argument("--out-dir", type=Path, default=Path("build"),
                    help="where to write (default: %(default)s)")
    ap.add_argument("--name", default="",
                    help="file name part (default: the machine)")
    args = ap.parse_args(argv)
    try:
        lines = args.log.read_text(errors="replace").splitlines()
    except OSError as exc:
        print(f"test-results: {args.log}: {exc.strerror}", file=sys.stderr)
        return 2
    expected = [t for t in args.tests.replace(",", " ").split() if t]
    records = parse_console(lines, args.machine, str(args.log.resolve()),
                            expected=expected)
    run = RunInfo(tree=args.tree_name, commit=git_commit(args.tree),
                  kernel_version=kernel_version(lines), config=args.config,
                  start_time=now())
    k, j = write_all(args.out_dir, args.name or args.machine, records, run)
    print(f"test-results: {summary(records)}; wrote {k} and {j}")
    return 0
