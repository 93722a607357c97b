# SPDX-License-Identifier: GPL-2.0-or-later
"""kcidb.json and junit.xml of a vmtest run, or of a matrix's cells.

Both come from the rows the runner left in each log directory
(records.from_log_dir), never from a judgement of their own: a vmtest run
writes them into its log directory beside summary.tsv and cases.tsv, a
matrix into its out directory for all its cells. A cell an engine could
not run (CellOutcome.error) adds one ERROR test naming why, at the
suite's own path, to whatever rows it left.

Standard library only: the runner imports this. The files are checked
against the project's KCIDB schema in the host tests, not here.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from lab import junit, kcidb
from lab.records import CaseResult, RunInfo, Status, from_log_dir, kernel_version
from runner.cells import CellOutcome

KCIDB_FILE = "kcidb.json"
JUNIT_FILE = "junit.xml"
PROJECT = Path(__file__).resolve().parents[2]
# KCIDB's architecture names of the runner's arches.
_ARCH = {"x86": "x86_64", "x86_64": "x86_64", "arm64": "arm64"}


def now() -> str:
    """The current time as KCIDB writes it (ISO 8601, UTC)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def git_commit(tree: str) -> str:
    """The commit checked out in tree (40 hex digits), or 40 zeros."""
    try:
        res = subprocess.run(["git", "-C", tree, "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "0" * 40
    out = res.stdout.strip()
    return out if res.returncode == 0 and len(out) == 40 else "0" * 40


def run_info(tree: str, kernel: str, log_dir: str, arch: str = "x86") -> RunInfo:
    """What a run tested: the tree (the project's, '' too, is "vfio-igb";
    a kernel tree goes by its directory's name), its commit, the kernel's
    release (from the console) and its build (the cache entry's name)."""
    tree = os.path.abspath(tree) if tree else str(PROJECT)
    ours = tree == str(PROJECT) or tree.startswith(str(PROJECT) + os.sep)
    build = os.path.basename(os.path.dirname(kernel)) if kernel else ""
    if not build.startswith("kernel-"):
        build = os.path.basename(kernel) or "unknown"
    return RunInfo(tree="vfio-igb" if ours else os.path.basename(tree),
                   commit=git_commit(tree), kernel_version=kernel_version(log_dir),
                   config=build, arch=_ARCH.get(arch, arch), start_time=now())


def write_files(out_dir: str, runs: list[tuple[RunInfo, list[CaseResult]]],
                name: str) -> tuple[Path, Path]:
    """kcidb.json and junit.xml of runs in out_dir; their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    k, j = out / KCIDB_FILE, out / JUNIT_FILE
    kcidb.write_doc(k, kcidb.report_runs(runs))
    junit.write(j, [r for _, recs in runs for r in recs], name=name)
    return k, j


def write_run(log_dir: str, machine: str, tree: str, kernel: str,
              arch: str = "x86") -> tuple[Path, Path]:
    """The files of one vmtest run, into its log directory."""
    records = from_log_dir(log_dir, machine)
    return write_files(log_dir, [(run_info(tree, kernel, log_dir, arch), records)],
                       f"vfio-selftests {machine}")


def cell_records(outcome: CellOutcome) -> list[CaseResult]:
    """The records of one cell: its rows, and an ERROR if it failed as a whole."""
    records = from_log_dir(outcome.log_dir, outcome.cell.machine)
    if outcome.error:
        records.append(CaseResult(
            machine=outcome.cell.machine, mode="", binary="", case="",
            status=Status.ERROR, reason=outcome.error,
            log_path=os.path.join(outcome.log_dir, "console.log")
            if os.path.exists(os.path.join(outcome.log_dir, "console.log")) else ""))
    return records


def write_results(outcomes: Iterable[CellOutcome], out_dir: str) -> tuple[Path, Path]:
    """kcidb.json and junit.xml of a matrix's cells, into out_dir."""
    runs = [(run_info(o.cell.tree, o.cell.kernel, o.log_dir, o.cell.arch),
             cell_records(o)) for o in outcomes]
    return write_files(out_dir, runs, "vfio-selftests matrix")
