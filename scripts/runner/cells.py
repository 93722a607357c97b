# SPDX-License-Identifier: GPL-2.0-or-later
"""A cell of the machine matrix, what running it leaves, and who runs it.

A cell is one VM run of one suite: a machine, a kernel and a tree. An
engine runs cells (here, vmtest per cell; in a lab, a job per cell) and
leaves for each the two files a local vmtest run writes into its log
directory, summary.tsv and cases.tsv, which are all the matrix's table
reads. An engine that could not get a cell's results says why in one line
naming the cell; that cell is an error, never a pass.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Protocol

from .bench_rows import run_value


@dataclass(frozen=True)
class Cell:
    """One suite on one machine with one kernel."""
    machine: str
    arch: str
    kernel: str
    tree: str
    # Unique among a matrix's cells and safe as a file name.
    label: str


@dataclass
class CellOutcome:
    """Where a cell's results are, or why there are none."""
    cell: Cell
    log_dir: str
    error: str = ''
    job_id: str = ''
    boot_secs: Optional[float] = None
    wall_secs: Optional[float] = None


class Engine(Protocol):
    """Runs cells and leaves each one's summary.tsv and cases.tsv in its log_dir."""
    name: str

    def run(self, cells: list[Cell], out_dir: str) -> list[CellOutcome]:
        """Run CELLS, each with a log directory under OUT_DIR; one outcome per cell, in order."""
        ...


def boot_secs(log_dir: str) -> Optional[float]:
    """A cell's boot time (QEMU start to first test) from its summary.tsv; None without one."""
    try:
        return float(run_value(os.path.join(log_dir, 'summary.tsv'), 'boot_secs'))
    except ValueError:
        return None
