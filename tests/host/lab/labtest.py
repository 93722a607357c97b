# SPDX-License-Identifier: GPL-2.0-or-later
"""What the lab's unit tests share: the import path, the recorded streams,
and log directories made by the runner's own judge."""

import io
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
TAP_DIR = ROOT / "tests" / "host" / "scripts" / "tap"
DATA = HERE / "data"
sys.path.insert(0, str(ROOT / "scripts"))

from runner.recorded import binaries_begun, judge_recorded  # noqa: E402
from runner.summary import RunInfo  # noqa: E402


def console(binary: str, tap: str, rc: int | None = 0) -> list[str]:
    """A vmtest console around one binary's TAP: BEGIN, the lines, END."""
    lines = [f"@@VMTEST BEGIN {binary} t=1.00"] + tap.splitlines()
    if rc is not None:
        lines.append(f"@@VMTEST END {binary} rc={rc} t=2.00")
    return lines


def recorded(name: str) -> str:
    """A recorded TAP stream of tests/host/scripts/tap."""
    return (TAP_DIR / name).read_text()


def judged(log_dir: str, lines: list[str], tests: list[str] | None = None) -> bool:
    """LINES judged by the runner into LOG_DIR (as a vmtest run leaves it),
    a line per second; the runner's verdict."""
    os.makedirs(log_dir, exist_ok=True)
    lines = ["@@VMTEST INIT t=0.50 kernel=6.12.95"] + lines + ["@@VMTEST DONE t=9"]
    return judge_recorded([(n * 1000000, ln) for n, ln in enumerate(lines)], log_dir,
                          tests if tests is not None else binaries_begun(lines),
                          RunInfo("TCG", len(lines) * 1000000), io.StringIO())


def tsv(path: str) -> list[list[str]]:
    """A TSV file's rows, its header included."""
    with open(path, encoding="utf-8") as f:
        return [line.split("\t") for line in f.read().splitlines()]
