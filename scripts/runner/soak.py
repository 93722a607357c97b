# SPDX-License-Identifier: GPL-2.0-or-later
"""The report of scripts/soak: each round of the recovery test judged, then totals.

The guest's loop (vm/soak-guest.sh) prints each round's output indented
by four blanks, its "exit status N", and a line "ok R round R: exit status
N secs S". Each round is judged here from its own output by runner.ktap,
like any other binary: a round whose cases failed fails, whatever the loop
line says.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Iterable, Optional

from .ktap import Counts, judge

_ROUND = re.compile(r'^(not )?ok [0-9]+ round ([0-9]+): .*secs ([0-9.]+)')


@dataclass
class Round:
    """One round as the report shows it."""
    number: int
    verdict: str
    passed: int
    failed: int
    secs: float


def rounds(lines: Iterable[str]) -> list[Round]:
    """The rounds a soak's console LINES hold, each judged from its own output."""
    out: list[Round] = []
    counts = Counts()
    rc: Optional[int] = None
    for line in lines:
        line = line.rstrip('\r\n')
        if line.startswith('    '):
            inner = line[4:]
            m = re.fullmatch(r'exit status ([0-9]+)', inner)
            if m:
                rc = int(m.group(1))
            else:
                counts.add(inner)
            continue
        m = _ROUND.match(line)
        if m:
            v = judge(counts, rc)
            out.append(Round(int(m.group(2)), v.verdict, v.passed, v.failed, float(m.group(3))))
            counts, rc = Counts(), None
    return out


def report(lines: Iterable[str], per_case: int, want: int) -> tuple[list[str], bool]:
    """The report's lines for a soak of WANT rounds, PER_CASE recoveries a passing case."""
    out: list[str] = []
    failed = cases_failed = recoveries = 0
    total = 0.0
    per_round: list[float] = []
    rs = rounds(lines)
    for i, r in enumerate(rs, 1):
        bad = r.verdict != 'PASS'
        failed += bad
        cases_failed += r.failed
        n = r.passed * per_case
        what = 'no recovery'
        if n:
            t = r.secs / n
            total += r.secs
            recoveries += n
            per_round.append(t)
            what = f'{t:.2f} s per recovery'
        out.append(f"  round {i:3d}  {'FAIL' if bad else 'ok':<4}  {r.passed:2d} passed "
                   f'{r.failed:2d} failed  {r.secs:7.2f} s  {what}')
    out.append(f'soak: {len(rs)} of {want} rounds run, {failed} failed '
               f'({cases_failed} failed cases)')
    if recoveries:
        out.append(f'soak: {recoveries} recoveries, {total / recoveries:.2f} s per recovery '
                   f'(min {min(per_round):.2f}, max {max(per_round):.2f} per round)')
    return out, len(rs) >= want and failed == 0


def main(argv: list[str]) -> int:
    """The command line: CONSOLE_LOG PER_CASE ROUNDS; 0 when every round ran and passed."""
    if len(argv) != 3 or not argv[1].isdigit() or not argv[2].isdigit():
        print('usage: python3 -m runner.soak CONSOLE_LOG RECOVERIES_PER_CASE ROUNDS',
              file=sys.stderr)
        return 2
    with open(argv[0], encoding='utf-8', errors='replace') as f:
        lines, ok = report(f, int(argv[1]), int(argv[2]))
    print('\n'.join(lines))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
