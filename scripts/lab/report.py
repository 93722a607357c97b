# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/test-results: kcidb.json and junit.xml of a run's logs.

LOG is a vmtest log directory (its summary.tsv and cases.tsv are read as
they are), or a console log that no runner has judged yet (a LAVA job's,
a recorded one): it is judged first by the runner's own console reader
into --out-dir, as vmtest would have, and the files come from that.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections import Counter
from typing import Iterable

from lab.records import CaseResult, Status, from_log_dir
from lab.results import run_info, write_files
from runner.recorded import binaries_begun, judge_recorded
from runner.summary import RunInfo


def summary(records: Iterable[CaseResult]) -> str:
    """"N passed, N failed, N skipped, N errors" of the records."""
    c = Counter(r.status for r in records)
    return (f"{c[Status.PASS]} passed, {c[Status.FAIL]} failed, "
            f"{c[Status.SKIP]} skipped, {c[Status.ERROR]} errors")


def judge_console(log: str, out_dir: str, tests: list[str]) -> None:
    """Judge the console log into out_dir as vmtest would have."""
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    os.makedirs(out_dir, exist_ok=True)
    judge_recorded([(0, line) for line in lines], out_dir,
                   tests or binaries_begun(lines), RunInfo("unknown", 0), io.StringIO())


def main(argv: list[str] | None = None) -> int:
    """scripts/test-results: the files from a log directory or console log."""
    ap = argparse.ArgumentParser(
        prog="test-results",
        description="Write kcidb.json (KCIDB v5) and junit.xml from a vmtest "
                    "log directory, or from a console log judged first.")
    ap.add_argument("log", help="a vmtest log directory, or a console log")
    ap.add_argument("--machine", default="q35-vtd",
                    help="the machine it ran on (default: %(default)s)")
    ap.add_argument("--tree", default="", help="the tree that was tested "
                    "(default: the project's)")
    ap.add_argument("--kernel", default="", help="the kernel it booted")
    ap.add_argument("--tests", default="",
                    help="for a console log: the binaries that should have run "
                         "(comma list; default: those it began)")
    ap.add_argument("--out-dir", default="",
                    help="where to write (default: the log directory; "
                         "for a console log: build/test-results)")
    args = ap.parse_args(argv)
    log_dir = args.log
    try:
        if not os.path.isdir(args.log):
            log_dir = args.out_dir or "build/test-results"
            judge_console(args.log, log_dir,
                          [t for t in args.tests.replace(",", " ").split() if t])
        out_dir = args.out_dir or log_dir
        records = from_log_dir(log_dir, args.machine)
        if not records:
            print(f"test-results: {log_dir}: no summary.tsv with a binary",
                  file=sys.stderr)
            return 2
        k, j = write_files(out_dir, [(run_info(args.tree, args.kernel, log_dir),
                                      records)], f"vfio-selftests {args.machine}")
    except OSError as exc:
        print(f"test-results: {exc}", file=sys.stderr)
        return 2
    print(f"test-results: {summary(records)}; wrote {k} and {j}")
    return 0
