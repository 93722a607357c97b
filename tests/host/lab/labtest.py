# SPDX-License-Identifier: GPL-2.0-or-later
"""What the lab's unit tests share: the import path and the recorded streams."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
TAP_DIR = ROOT / "tests" / "host" / "scripts" / "tap"
sys.path.insert(0, str(ROOT / "scripts"))


def console(binary: str, tap: str, rc: int | None = 0) -> list[str]:
    """A vmtest console around one binary's TAP: BEGIN, the lines, END."""
    lines = [f"@@VMTEST BEGIN {binary} t=1.00"] + tap.splitlines()
    if rc is not None:
        lines.append(f"@@VMTEST END {binary} rc={rc} t=2.00")
    return lines


def recorded(name: str) -> str:
    """A recorded TAP stream of tests/host/scripts/tap."""
    return (TAP_DIR / name).read_text()
