# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading the guest's console: logging, per-binary KTAP accounting, crashes.

The guest's /init (vm/init) frames every test binary with
"@@VMTEST BEGIN name t=UPTIME" and "@@VMTEST END name rc=N t=UPTIME" lines;
between them is the binary's own KTAP. Feed each console line to
Console.feed and each line of the kernel's own port to Console.kernel_line,
as they come, with the host time since QEMU started; summary.py reads the
result. The logs: console.log (the lines), timed.log (each with its host
time in ms, which scripts/bench reads), cases.tsv (one row per result).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Optional, TextIO

from .ktap import Counts, Plan, Result, Status, classify
from .machine import Expectation, Machine

_RUN = re.compile(r'^#\s+RUN\s+(\S+)')
_VERDICT = re.compile(r'^#\s+(OK|FAIL|SKIP|XFAIL|XPASS)\s')
# A sign of a kernel crash, or of a kernel that found itself stuck.
CRASH_KINDS = (('PANIC', ('Kernel panic',)), ('OOPS', ('Oops: ',)), ('BUG', ('BUG: ',)),
               ('STALL', ('detected stalls on CPUs', 'blocked for more than')))


def fmt_secs(us: int) -> str:
    """Microseconds as seconds with one decimal, cut rather than rounded."""
    return f'{us // 1000000}.{us % 1000000 // 100000}'


@dataclass(frozen=True)
class Marked:
    """A case whose result the machine's expected failures changed (XFAIL or XPASS)."""
    binary: str
    case: str
    pattern: str
    why: Expectation


@dataclass
class Binary:
    """What the console said about one test binary."""
    name: str
    counts: Counts = field(default_factory=Counts)
    rc: Optional[int] = None
    begin_us: Optional[int] = None
    end_us: Optional[int] = None
    guest_begin: str = ''
    guest_end: str = ''
    last_line: str = ''

    def host_secs(self) -> str:
        """Its run time on the host's clock, '-' when it did not finish."""
        if self.begin_us is None or self.end_us is None:
            return '-'
        return fmt_secs(self.end_us - self.begin_us)

    def guest_secs(self) -> str:
        """Its run time on the guest's clock (from /proc/uptime), or '-'."""
        if not self.guest_begin or not self.guest_end:
            return '-'
        cs = int(self.guest_end.replace('.', '')) - int(self.guest_begin.replace('.', ''))
        return f'{cs // 100}.{cs % 100:02d}'


class Console:
    """The state of one run's console: binaries, problems, crashes, logs."""

    def __init__(self, log_dir: str, tests: list[str], out: TextIO, verbose: bool = False,
                 machine: Optional[Machine] = None):
        self.log_dir = log_dir
        # Whose expected failures turn a failed case into XFAIL, a passed one into XPASS.
        self.machine = machine
        self.xfails: list[Marked] = []
        self.xpasses: list[Marked] = []
        # (binary, case, reason) of every SKIP result.
        self.skips: list[tuple[str, str, str]] = []
        self.out = out
        self.verbose = verbose
        self.tests = list(tests)
        self.binaries = {name: Binary(name) for name in tests}
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.crashes: dict[str, str] = {}
        self.done = False
        self.first_begin_us: Optional[int] = None
        self.current: Optional[Binary] = None
        self.last_binary = ''
        self.case = ''
        self.case_us: Optional[int] = None
        self.last_result_us = 0
        self.last_other_us = 0
        self.now_us = 0
        self._console = open(os.path.join(log_dir, 'console.log'), 'w', encoding='utf-8')
        self._timed = open(os.path.join(log_dir, 'timed.log'), 'w', encoding='utf-8')
        self._cases = open(os.path.join(log_dir, 'cases.tsv'), 'w', encoding='utf-8')
        # reason: the text after a SKIP, or the machine's cause of an XFAIL or XPASS.
        self._cases.write('case\tbinary\tnumber\tstatus\tcase_secs\ttail_secs\tname\treason\n')

    def close(self) -> None:
        """Close the logs."""
        for f in (self._console, self._timed, self._cases):
            f.close()

    def say(self, line: str) -> None:
        """Print LINE for the person watching."""
        print(line, file=self.out, flush=True)

    def feed(self, line: str, now_us: int) -> None:
        """Account one console LINE that arrived NOW_US after QEMU started."""
        self.now_us = now_us
        self._console.write(line + '\n')
        self._timed.write(f'{now_us // 1000000}.{now_us % 1000000 // 1000:03d} {line}\n')
        for f in (self._console, self._timed):
            f.flush()
        if self.current:
            self.last_binary = self.current.name
        self._check_crash(line)
        if line.startswith('@@VMTEST '):
            self._marker(line[len('@@VMTEST '):])
        elif self.current:
            self._binary_line(line)
        elif self.verbose:
            self.say(line)

    def kernel_line(self, line: str) -> None:
        """Account one line of the kernel's console (its own serial port)."""
        self._check_crash(line)
        if self.verbose:
            self.say(f'kernel: {line}')

    def running(self) -> str:
        """The running binary and case, for a timeout message."""
        if self.current:
            return self.current.name + (f' (case {self.case})' if self.case else '')
        if self.first_begin_us is not None:
            return 'no test binary (between binaries or in cleanup)'
        return 'no test binary yet (boot or device set-up)'

    def binary(self, name: str) -> Binary:
        """The record of binary NAME (one the run did not ask for is added)."""
        return self.binaries.setdefault(name, Binary(name))

    def _marker(self, words: str) -> None:
        parts = words.split()
        kind = parts[0] if parts else ''
        rest = words[len(kind):].lstrip()
        if kind == 'BEGIN' and len(parts) >= 2:
            b = self.binary(parts[1])
            self.current = b
            self.case, self.case_us = '', None
            b.begin_us = self.now_us
            b.guest_begin = _field(parts[2:], 't=')
            self.last_result_us = self.last_other_us = self.now_us
            if self.first_begin_us is None:
                self.first_begin_us = self.now_us
            self.say(f'==== {b.name} (started {fmt_secs(self.now_us)} s after QEMU start)')
        elif kind == 'END' and len(parts) >= 2:
            b = self.binary(parts[1])
            rc = _field(parts[2:], 'rc=')
            b.rc = int(rc) if rc.isdigit() else None
            b.end_us = self.now_us
            b.guest_end = _field(parts[2:], 't=')
            self.current = None
            begin = b.begin_us if b.begin_us is not None else self.now_us
            self.say(f'==== {b.name} exited with status {rc} after '
                     f'{fmt_secs(self.now_us - begin)} s')
        elif kind == 'DONE':
            self.done = True
        elif kind == 'ERROR':
            self.problems.append(f'guest: {rest}')
            self.say(f'vmtest: guest error: {rest}')
        elif kind == 'WARN':
            self.warnings.append(f'guest: {rest}')
            self.say(f'vmtest: guest warning: {rest}')
        elif kind in ('DEVICE', 'SETUP', 'INFO', 'INIT'):
            self.say(f'vmtest: guest {words}')

    def _binary_line(self, line: str) -> None:
        b = self.current
        assert b is not None
        b.last_line = line
        what = classify(line)
        if isinstance(what, Result):
            judged, marked = self._expect(b, what)
            b.counts.record(judged, expected=marked and judged.status == Status.XFAIL)
            self._result(b, line, judged, marked)
            return
        b.counts.record(what)
        if not isinstance(what, Plan):
            m = _RUN.match(line)
            if m:
                self.case, self.case_us = m.group(1), self.now_us
        if not _VERDICT.match(line):
            self.last_other_us = self.now_us
        self.say(line)

    def _expect(self, b: Binary, r: Result) -> tuple[Result, bool]:
        """R as the machine's expected failures judge it, and whether they changed it:
        a FAIL they name is an XFAIL, a PASS they name an XPASS; anything else
        stays what the test said."""
        if r.status == Status.SKIP:
            self.skips.append((b.name, r.name, r.reason))
        if not self.machine or r.status not in (Status.FAIL, Status.PASS):
            return r, False
        found = self.machine.expectation(r.name)
        if not found:
            return r, False
        mark = Marked(b.name, r.name, *found)
        # What cases.tsv says of it, for the matrix's table: the cause and the report.
        why = f'{found[1].cause} (report: {found[1].report})'
        if r.status == Status.FAIL:
            self.xfails.append(mark)
            return Result(Status.XFAIL, r.number, r.name, why), True
        self.xpasses.append(mark)
        return Result(Status.XPASS, r.number, r.name, why), True

    def _result(self, b: Binary, line: str, r: Result, marked: bool = False) -> None:
        start = self.case_us if self.case_us is not None else self.last_result_us
        case_us = self.now_us - start
        tail_us = self.now_us - self.last_other_us
        self.last_result_us = self.last_other_us = self.now_us
        self.case_us = None
        self._cases.write(f'case\t{b.name}\t{r.number}\t{r.status.value}\t{fmt_secs(case_us)}\t'
                          f'{fmt_secs(tail_us)}\t{r.name}\t{_one_field(r.reason)}\n')
        self._cases.flush()
        plan = '?' if b.counts.plan is None else b.counts.plan
        mark = f' {r.status.value.upper()} (expected to fail on this machine)' if marked else ''
        self.say(f'{line:<60} [{b.counts.results}/{plan} {fmt_secs(case_us)}s]{mark}')

    def _check_crash(self, line: str) -> None:
        for kind, signs in CRASH_KINDS:
            if any(s in line for s in signs):
                break
        else:
            return
        if kind in self.crashes:
            return
        where = self.current.name if self.current else (self.last_binary or 'no test')
        if self.case:
            where += f', case {self.case}'
        self.crashes[kind] = f'{line} (while running: {where})'
        self.say(f'vmtest: KERNEL {kind}: {line}')


def _one_field(text: str) -> str:
    """TEXT as one TSV field: tabs and line breaks made blanks."""
    return ' '.join(text.split())


def _field(words: list[str], prefix: str) -> str:
    """The value of the first of WORDS that starts with PREFIX, or ''."""
    for w in words:
        if w.startswith(prefix):
            return w[len(prefix):]
    return ''
