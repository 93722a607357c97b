# SPDX-License-Identifier: GPL-2.0-or-later
"""The matrix's table, made only from what each cell left: summary.tsv, cases.tsv, its error.

Every engine leaves the two files in vmtest's format, so one reader serves
all of them. The counts of a binary are summary.tsv's (the KTAP judge's
verdict: missing results and crashed binaries already count as failures);
cases.tsv adds what the counts cannot say: which cases were expected
failures and why, which were skipped and why. A cell whose engine reports
an error is ERROR and counts as one failure, whatever files it left.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import Callable, Optional

from .cells import CellOutcome

# Columns of cases.tsv that may carry the text after a directive (the
# cause of an XFAIL, the reason of a SKIP); the first one present is used.
REASON_COLUMNS = ('reason', 'cause')


@dataclass
class BinaryRow:
    """One binary of one cell, with the counts summary.tsv gives it."""
    name: str
    passed: int
    failed: int
    skipped: int
    xfailed: int = 0
    xpassed: int = 0
    host_secs: str = '-'


@dataclass
class CaseNote:
    """A case worth a line under the table: an expected failure, an unexpected pass, a skip."""
    status: str
    binary: str
    name: str
    reason: str


@dataclass
class CellResult:
    """What the table shows of one cell."""
    label: str
    machine: str
    error: str = ''
    binaries: list[BinaryRow] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    boot_secs: Optional[float] = None
    vm_secs: Optional[float] = None
    wall_secs: Optional[float] = None

    @property
    def totals(self) -> tuple[int, int, int]:
        """(passed, failed, skipped) of the cell; an ERROR cell adds one failure."""
        p = sum(b.passed for b in self.binaries)
        f = sum(b.failed for b in self.binaries) + (1 if self.error else 0)
        s = sum(b.skipped for b in self.binaries)
        return p, f, s

    @property
    def suite_secs(self) -> Optional[float]:
        """The VM's time after the boot: the tests themselves."""
        if self.vm_secs is None or self.boot_secs is None:
            return None
        return max(0.0, self.vm_secs - self.boot_secs)


class TableError(Exception):
    """A results file is there but cannot be read as one; the message says which."""


def _rows(path: str) -> list[dict[str, str]]:
    with open(path, encoding='utf-8', errors='replace', newline='') as f:
        return list(csv.DictReader(f, delimiter='\t', quoting=csv.QUOTE_NONE))


def _number(text: str) -> Optional[float]:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_summary(path: str) -> tuple[list[BinaryRow], dict[str, str]]:
    """The binary rows and the run records (name: value) of a summary.tsv."""
    binaries: list[BinaryRow] = []
    run: dict[str, str] = {}
    for r in _rows(path):
        if r.get('record') == 'binary':
            try:
                binaries.append(BinaryRow(r['name'], int(r['pass']), int(r['fail']),
                                          int(r['skip']), host_secs=r.get('host_secs') or '-'))
            except (KeyError, TypeError, ValueError):
                raise TableError(f'{path}: a binary row without numbers: '
                                 f"{r.get('name') or '?'}") from None
        elif r.get('record') == 'run':
            # A run row is "run<TAB>key<TAB>value": the value sits in the plan column.
            run[r.get('name') or ''] = r.get('plan') or ''
    return binaries, run


def read_cases(path: str) -> list[CaseNote]:
    """The cases of a cases.tsv that are not plain passes or failures."""
    notes: list[CaseNote] = []
    for r in _rows(path):
        status = r.get('status') or ''
        if r.get('case') != 'case' or status not in ('xfail', 'xpass', 'skip'):
            continue
        reason = next((r[c] for c in REASON_COLUMNS if r.get(c)), '')
        notes.append(CaseNote(status, r.get('binary') or '?', r.get('name') or '?', reason))
    return notes


def read_outcome(o: CellOutcome) -> CellResult:
    """The table's view of one outcome: its files read, its error kept."""
    res = CellResult(o.cell.label, o.cell.machine, o.error, boot_secs=o.boot_secs,
                     wall_secs=o.wall_secs)
    summary = os.path.join(o.log_dir, 'summary.tsv')
    cases = os.path.join(o.log_dir, 'cases.tsv')
    if not os.path.isfile(summary):
        if not res.error:
            res.error = f'{o.cell.label}: no summary.tsv in {o.log_dir}'
        return res
    try:
        res.binaries, run = read_summary(summary)
        if os.path.isfile(cases):
            res.notes = read_cases(cases)
    except (OSError, TableError) as e:
        res.error = res.error or f'{o.cell.label}: {e}'
        return res
    if res.error and all(b.host_secs == '-' and not b.passed and not b.skipped
                         for b in res.binaries):
        # Nothing ran (the guest died at boot, say): one ERROR row says it
        # all, not a "never started" failure per binary.
        res.binaries = []
    if res.boot_secs is None:
        res.boot_secs = _number(run.get('boot_secs', ''))
    res.vm_secs = _number(run.get('wall_secs', ''))
    by_name = {b.name: b for b in res.binaries}
    for n in res.notes:
        b = by_name.get(n.binary)
        if b and n.status == 'xfail':
            b.xfailed += 1
        elif b and n.status == 'xpass':
            b.xpassed += 1
    if not res.binaries and not res.error:
        res.error = f'{o.cell.label}: summary.tsv lists no test binary'
    return res


def _secs(v: Optional[float]) -> str:
    return '-' if v is None else f'{v:.1f}'


def _status(b: BinaryRow) -> str:
    if b.xpassed:
        return 'XPASS'
    if b.failed:
        return 'FAIL'
    if b.xfailed:
        return 'XFAIL'
    return 'PASS' if b.passed else 'SKIP'


def table_lines(results: list[CellResult]) -> list[str]:
    """The table: one row per machine and binary, the notes under it, the time per machine."""
    mw = max([7] + [len(r.label) for r in results])
    bw = max([6] + [len(b.name) for r in results for b in r.binaries])
    out = [f"{'machine':<{mw}}  {'binary':<{bw}}  {'pass':>5} {'fail':>5} {'skip':>5}  "
           f"{'status':<6} {'time':>7}"]
    for r in results:
        for b in r.binaries:
            out.append(f'{r.label:<{mw}}  {b.name:<{bw}}  {b.passed:>5} {b.failed:>5} '
                       f'{b.skipped:>5}  {_status(b):<6} {b.host_secs:>7}')
        if r.error:
            out.append(f"{r.label:<{mw}}  {'ERROR':<{bw}}  {r.error}")
    out += _notes(results, 'xfail', 'expected failures (counted as passed), with their cause:')
    out += _notes(results, 'xpass', 'passed although expected to fail (XPASS, counted as '
                  'failed; the expectation is stale):')
    out += _notes(results, 'skip', 'skipped, with the reason the test gave:')
    out.append('')
    out.append(f"{'time (s)':<{mw}}  {'boot':>7} {'suite':>7} {'vm':>7} {'wall':>7}")
    for r in results:
        out.append(f'{r.label:<{mw}}  {_secs(r.boot_secs):>7} {_secs(r.suite_secs):>7} '
                   f'{_secs(r.vm_secs):>7} {_secs(r.wall_secs):>7}')
    return out


def _notes(results: list[CellResult], status: str, title: str) -> list[str]:
    """The cases of STATUS, one line per case and reason, naming the machines it happened on."""
    seen: dict[tuple[str, str], list[str]] = {}
    for r in results:
        for n in r.notes:
            if n.status == status:
                key = (n.name, n.reason or '(no reason given)')
                machines = seen.setdefault(key, [])
                if r.label not in machines:
                    machines.append(r.label)
    if not seen:
        return []
    lines = ['', title]
    for (name, reason), machines in seen.items():
        lines.append(f"  {name} [{', '.join(machines)}]: {reason}")
    return lines


def totals(results: list[CellResult]) -> tuple[int, int, int]:
    """(passed, failed, skipped) over every cell."""
    p = f = s = 0
    for r in results:
        a, b, c = r.totals
        p, f, s = p + a, f + b, s + c
    return p, f, s


def last_line(results: list[CellResult]) -> str:
    """The line CI and scripts read: "matrix: N passed, N failed, N skipped"."""
    p, f, s = totals(results)
    return f'matrix: {p} passed, {f} failed, {s} skipped'


def exit_status(results: list[CellResult]) -> int:
    """1 on any failure, XPASS or ERROR (an XPASS is already a failure in the counts), else 0."""
    bad = any(r.error or r.totals[1] or any(b.xpassed for b in r.binaries) for r in results)
    return 1 if bad or not results else 0


def report(outcomes: list[CellOutcome], say: Callable[[str], None],
           footer: tuple[str, ...] = ()) -> int:
    """Print the table of OUTCOMES, the FOOTER lines, and the last line; the exit status."""
    results = [read_outcome(o) for o in outcomes]
    for line in table_lines(results) + list(footer):
        say(line)
    errors = [r for r in results if r.error]
    if errors:
        say('')
        say(f'{len(errors)} cell(s) ERROR, each counted as 1 failed: the suite did not run '
            'to its end or left no results')
    say(last_line(results))
    return exit_status(results)
