# SPDX-License-Identifier: GPL-2.0-or-later
"""The local engine of the matrix: one scripts/vmtest per cell, a few at a time.

Each cell's vmtest writes its logs (summary.tsv, cases.tsv, console.log)
into OUT/<label>, its own output into OUT/<label>/vmtest.out. Guests on
the virtual clock share this machine's VM lock and so run side by side; a
kernel tree's own suite runs on the real clock, where vmtest lets one
guest run at a time, so those cells are started one by one here as well
instead of waiting on the lock. Each vmtest bounds its VM by --timeout;
the engine bounds the whole cell (build, lock wait, VM) by its own limit
and kills the cell's process group when it is past it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Callable, Optional

from .bench_rows import read_tsv
from .cells import Cell, CellOutcome, boot_secs

# What a cell may take besides its VM's --timeout and the VM lock's
# --lock-wait: building the tests and packing the initramfs.
BUILD_ALLOWANCE = 900
OUTPUT_NAME = 'vmtest.out'


@dataclass
class LocalSettings:
    """How the local engine runs vmtest."""
    project: str
    jobs: int
    timeout: int = 1800
    lock_wait: int = 3600
    # Extra vmtest options for every cell (e.g. --tests).
    vmtest_args: tuple[str, ...] = ()
    say: Callable[[str], None] = print
    # The command run per cell (tests put a fake one here).
    vmtest: str = 'scripts/vmtest'
    build_allowance: int = BUILD_ALLOWANCE
    # Environment variables every vmtest gets on top of this one's (KDIR
    # for a kernel tree's matrix, as make run KDIR= gives it).
    env: tuple[tuple[str, str], ...] = ()


@dataclass
class _Running:
    index: int
    cell: Cell
    log_dir: str
    proc: subprocess.Popen[bytes]
    start: float
    deadline: float


def last_lines(path: str, n: int = 40) -> list[str]:
    """The last N lines of the text file PATH ([] if it cannot be read)."""
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read().splitlines()[-n:]
    except OSError:
        return []


def cell_error(cell: Cell, log_dir: str, rc: int) -> str:
    """The one-line error of a finished cell, or '' when its results stand on their own.

    A vmtest that failed without writing summary.tsv died before its suite
    ran (bad kernel, build failure, lock timeout); one that wrote it but
    failed with no failure in it failed for a reason the counts do not show
    (a kernel crash after the last test, a guest that never said DONE, an
    interrupt). Both are ERROR; a failure the counts show is just a FAIL."""
    if rc == 0:
        return ''
    out = last_lines(os.path.join(log_dir, OUTPUT_NAME))
    summary = os.path.join(log_dir, 'summary.tsv')
    failed_lines = [line[len('FAILED: '):] for line in out if line.startswith('FAILED: ')]
    if not os.path.isfile(summary):
        why = next((line for line in reversed(out) if line.strip()), 'no output')
        return f'{cell.label}: vmtest exited with status {rc} before any result: {why}'
    if boot_secs(log_dir) is None:
        # The guest never reached the first test: the binaries' failures
        # are only "never started"; what stopped it is the line to show.
        why = next((f for f in failed_lines if 'never started' not in f),
                   failed_lines[0] if failed_lines else f'exit status {rc}')
        known = next((line for line in out if line.startswith('known problem of ')), '')
        return f'{cell.label}: no test started: {why}' + (f'; {known}' if known else '')
    if _summary_failures(summary) == 0:
        why = failed_lines[0] if failed_lines else f'exit status {rc}'
        return f'{cell.label}: vmtest failed with no failed case: {why}'
    return ''


def _summary_failures(path: str) -> int:
    return sum(int(r[4]) for r in read_tsv(path)
               if r[0] == 'binary' and len(r) > 4 and r[4].isdigit())


def _last_vmtest_line(log_dir: str) -> str:
    return next((line for line in reversed(last_lines(os.path.join(log_dir, OUTPUT_NAME)))
                 if line.startswith('vmtest: ')), '')


class LocalEngine:
    """Runs each cell as a scripts/vmtest subprocess on this machine."""
    name = 'local'

    def __init__(self, settings: LocalSettings):
        self.s = settings

    def command(self, cell: Cell, log_dir: str) -> list[str]:
        """The vmtest command line of CELL."""
        return [os.path.join(self.s.project, self.s.vmtest), '--machine', cell.machine,
                '--kernel', cell.kernel, '--tree', cell.tree, '--log-dir', log_dir,
                '--timeout', str(self.s.timeout), '--lock-wait', str(self.s.lock_wait),
                *self.s.vmtest_args]

    def limit(self) -> int:
        """The most one cell may take, from the start of its vmtest to its end."""
        return self.s.timeout + self.s.lock_wait + self.s.build_allowance

    def run(self, cells: list[Cell], out_dir: str) -> list[CellOutcome]:
        """Run CELLS, at most jobs at a time (real-clock suites one at a time)."""
        from .suite import is_kernel_tree
        outcomes: list[Optional[CellOutcome]] = [None] * len(cells)
        waiting = list(enumerate(cells))
        running: list[_Running] = []
        say, n = self.s.say, len(cells)
        try:
            while waiting or running:
                alone = any(is_kernel_tree(r.cell.tree) for r in running)
                while waiting and len(running) < self.s.jobs and not alone:
                    i, cell = waiting[0]
                    if running and is_kernel_tree(cell.tree):
                        break
                    waiting.pop(0)
                    running.append(self._start(i, cell, out_dir))
                    say(f'[{i + 1}/{n}] {cell.label}: started ({cell.arch}, '
                        f'{os.path.basename(cell.kernel)}, log {running[-1].log_dir})')
                    alone = is_kernel_tree(cell.tree)
                time.sleep(0.5)
                for r in list(running):
                    outcome = self._poll(r)
                    if outcome is None:
                        continue
                    running.remove(r)
                    outcomes[r.index] = outcome
                    what = outcome.error or _last_vmtest_line(r.log_dir) or 'no summary line'
                    say(f'[{r.index + 1}/{n}] {r.cell.label}: '
                        f"{'ERROR' if outcome.error else 'done'} in {outcome.wall_secs:.0f} s: "
                        f"{what}")
        finally:
            for r in running:
                self._kill(r)
        return [o for o in outcomes if o is not None]

    def _start(self, index: int, cell: Cell, out_dir: str) -> _Running:
        log_dir = os.path.join(out_dir, cell.label)
        os.makedirs(log_dir, exist_ok=True)
        with open(os.path.join(log_dir, OUTPUT_NAME), 'wb') as out:
            env = {k: v for k, v in os.environ.items()
                   if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL')}
            env.update(self.s.env)
            proc = subprocess.Popen(self.command(cell, log_dir), stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True)
        now = time.monotonic()
        return _Running(index, cell, log_dir, proc, now, now + self.limit())

    def _poll(self, r: _Running) -> Optional[CellOutcome]:
        rc = r.proc.poll()
        now = time.monotonic()
        if rc is None and now < r.deadline:
            return None
        if rc is None:
            self._kill(r)
            error = (f'{r.cell.label}: no end after {self.limit()} s (VM timeout, lock wait and '
                     'build allowance); vmtest killed')
        else:
            error = cell_error(r.cell, r.log_dir, 128 - rc if rc < 0 else rc)
        return CellOutcome(r.cell, r.log_dir, error=error, boot_secs=boot_secs(r.log_dir),
                           wall_secs=now - r.start)

    @staticmethod
    def _kill(r: _Running) -> None:
        """Stop the cell's vmtest and all it started: TERM to its group (vmtest then
        stops its QEMU and writes what it has), KILL after a grace period."""
        if r.proc.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(r.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                r.proc.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue
