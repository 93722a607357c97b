# SPDX-License-Identifier: GPL-2.0-or-later
"""The one set of rules by which the project judges a test binary's KTAP.

The VM runner (console.py), the hardware runner (scripts/hw-run, through
``python3 -m runner.ktap``) and the soak report all classify lines and
decide a binary's verdict here.

A result line is "ok N desc" or "not ok N desc" at column 0; nested KTAP
(subtests, indented) belongs to the enclosing result and is never counted
again. A directive is the first word after a "#" that starts desc or
follows a blank, compared without regard to case:

  pass   ok, no directive
  fail   not ok, no directive (kselftest's "not ok N # error" too)
  skip   SKIP on ok or not ok; never a pass
  xfail  XFAIL on either line: the failure the test expects; it does not
         fail the binary (ksft_finished() counts it a success) and the
         summaries add it to the passes
  xpass  XPASS on either line: a case expected to fail that passed;
         ksft_finished() leaves it out of the successes, so it is a
         failure here (a stale expectation needs a look)

A binary's verdict (judge()) comes from its plan "1..N", its counts and its
exit status:
  - fewer results than the plan: each missing one is a failure;
  - more results than the plan, or results and no plan: one failure;
  - no plan and no result: one failure, unless the exit status is 4
    (KSFT_SKIP: the whole binary skipped, one skip); "1..0" with no
    result is one skip;
  - an exit status other than 0 or 4 (a signal shows as 128 + N), or none
    at all (the binary never ended): a failure even when every printed
    case passed, one more failure when none had failed; except status 1
    (KSFT_FAIL) when failures the machine expects, turned into XFAIL by
    the runner (Counts.record), are all that failed;
  - a binary that never started: one failure.
The verdict is FAIL when the failure count is not 0, else PASS when
something passed (pass or xfail), else SKIP: a FAIL always shows as a
failure in the counts, and a SKIP never as a pass.
"""

from __future__ import annotations

import enum
import re
import sys
from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

_PLAN = re.compile(r'^1\.\.([0-9]+)')
_RESULT = re.compile(r'^(not )?ok[ \t]+([0-9]+)[ \t]*(.*)$')
_DIRECTIVE = re.compile(r'(^|\s)#\s*([A-Za-z]+)')


class Status(enum.Enum):
    """What one result line reports."""
    PASS = 'pass'
    FAIL = 'fail'
    SKIP = 'skip'
    XFAIL = 'xfail'
    XPASS = 'xpass'


@dataclass(frozen=True)
class Plan:
    """A "1..N" line."""
    count: int


@dataclass(frozen=True)
class Result:
    """An "ok N desc" or "not ok N desc" line at column 0."""
    status: Status
    number: int
    name: str
    # The text after the directive ("# SKIP no hugepages": "no hugepages").
    reason: str = ''


def classify(line: str) -> Union[Plan, Result, None]:
    """Return what LINE of a binary's output is: a plan, a result, or None."""
    m = _PLAN.match(line)
    if m:
        return Plan(int(m.group(1)))
    m = _RESULT.match(line)
    if not m:
        return None
    rest = m.group(3)
    name, word, reason = rest, '', ''
    d = _DIRECTIVE.search(rest)
    if d:
        word = d.group(2).upper()
        name = rest[:d.start()]
        reason = rest[d.end():].strip()
    status = {'SKIP': Status.SKIP, 'XFAIL': Status.XFAIL, 'XPASS': Status.XPASS}.get(
        word, Status.FAIL if m.group(1) else Status.PASS)
    return Result(status, int(m.group(2)), name.rstrip(), reason)


@dataclass
class Counts:
    """The plan and the results of one binary, as its lines come."""
    plan: Optional[int] = None
    by_status: dict[Status, int] = field(default_factory=lambda: {s: 0 for s in Status})
    # Failures the runner marked XFAIL (the machine expects them): they
    # explain the binary's exit status 1 (KSFT_FAIL).
    expected: int = 0

    def add(self, line: str) -> Union[Plan, Result, None]:
        """Account one LINE of the binary's output; return its classification."""
        what = classify(line)
        self.record(what)
        return what

    def record(self, what: Union[Plan, Result, None], expected: bool = False) -> None:
        """Account a classified line; EXPECTED: a failure the runner turned into an XFAIL."""
        if isinstance(what, Plan):
            self.plan = what.count
        elif isinstance(what, Result):
            self.by_status[what.status] += 1
            self.expected += expected

    @property
    def results(self) -> int:
        """How many results were printed."""
        return sum(self.by_status.values())


@dataclass
class Verdict:
    """The judgement of one binary, with the counts the summaries show."""
    verdict: str
    passed: int
    failed: int
    skipped: int
    cases_failed: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def judge(counts: Counts, rc: Optional[int], started: bool = True) -> Verdict:
    """Judge one binary from its COUNTS and exit status RC (None: it never ended)."""
    n = counts.by_status
    failed = n[Status.FAIL] + n[Status.XPASS]
    v = Verdict('FAIL', n[Status.PASS] + n[Status.XFAIL], failed, n[Status.SKIP], failed)
    if not started:
        v.problems.append('never started; counted as 1 failed')
        v.failed += 1
        return v
    if n[Status.FAIL]:
        v.problems.append(f'{n[Status.FAIL]} case(s) failed')
    if n[Status.XPASS]:
        v.problems.append(f'{n[Status.XPASS]} case(s) passed that were expected to fail (XPASS)')
    if n[Status.XFAIL]:
        v.notes.append(f'{n[Status.XFAIL]} case(s) failed as expected (XFAIL), counted as passed')
    plan, nres = counts.plan, counts.results
    if plan is None and nres == 0:
        if rc == 4:
            v.notes.append('skipped as a whole (exit status 4, KSFT_SKIP)')
            v.skipped += 1
        else:
            status = 'none' if rc is None else rc
            v.problems.append(f'printed no TAP plan and no result (status {status}); '
                              'counted as 1 failed')
            v.failed += 1
    elif plan == 0 and nres == 0:
        v.notes.append('planned no test (1..0)')
        v.skipped += 1
    elif plan is None:
        v.problems.append(f'{nres} result(s) but no TAP plan; counted as 1 failed')
        v.failed += 1
    elif nres < plan:
        v.problems.append(f'only {nres} of {plan} planned cases reported; '
                          f'{plan - nres} counted as failed')
        v.failed += plan - nres
    elif nres > plan:
        v.problems.append(f'{nres} results for a plan of {plan}; counted as 1 failed')
        v.failed += 1
    died = ''
    if rc is None:
        died = 'did not finish (no exit status)'
    elif rc == 1 and counts.expected and v.failed == 0:
        # kselftest's KSFT_FAIL, from the failures the machine expects.
        v.notes.append('exit status 1 from the expected failures')
    elif rc not in (0, 4):
        died = f'exited with status {rc}'
        if rc > 128:
            died += f' (signal {rc - 128})'
    if died:
        if v.failed == 0:
            v.problems.append(f'{died} although no case failed; counted as 1 failed')
            v.failed = 1
        else:
            v.problems.append(died)
    if v.failed:
        v.verdict = 'FAIL'
    elif v.passed:
        v.verdict = 'PASS'
    else:
        v.verdict = 'SKIP'
    return v


def judge_lines(lines: Iterable[str], rc: Optional[int]) -> Verdict:
    """Judge a binary's whole recorded output LINES and its exit status RC."""
    counts = Counts()
    for line in lines:
        counts.add(line.rstrip('\r\n'))
    return judge(counts, rc)


def main(argv: list[str]) -> int:
    """The command line: judge FILE with exit status RC ('-': none), print one line."""
    if len(argv) != 2 or not (argv[1].isdigit() or argv[1] == '-'):
        print('usage: python3 -m runner.ktap FILE RC\n'
              "prints 'VERDICT PASS FAIL SKIP CASES_FAILED NOTE': the counts the "
              'summaries show, the failed results alone, and why it failed or what is '
              'worth a word; RC - for a binary that never ended', file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding='utf-8', errors='replace') as f:
            v = judge_lines(f, None if argv[1] == '-' else int(argv[1]))
    except OSError as e:
        print(f'ktap: {argv[0]}: {e.strerror}', file=sys.stderr)
        return 2
    print(v.verdict, v.passed, v.failed, v.skipped, v.cases_failed,
          '; '.join(v.problems or v.notes))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
