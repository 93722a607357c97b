# SPDX-License-Identifier: GPL-2.0-or-later
"""The console stream of a VM run (or a bare TAP stream) turned into records.

This is the adapter between what the runner prints today and the writers:
the guest's "@@VMTEST BEGIN name" / "@@VMTEST END name rc=N" markers say
which binary a result line belongs to, and each "ok N name" / "not ok N
name" at column 0 becomes one CaseResult. The rules are the project's
(scripts/lib/tap-judge.sh): a directive is the first word after " # ",
compared without case; SKIP is a skip on either line, XFAIL a pass, XPASS a
failure; nested (indented) KTAP is not counted. What goes wrong with a
binary as a whole (it never ended, died, reported fewer cases than it
planned) becomes one ERROR record for the binary with an empty case name.
Lines may carry a leading "SECONDS " stamp (vmtest's timed.log); then
each case gets the time since the previous line of its binary that
started a case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from lab.records import CaseResult, Status, mode_of

_STAMP = re.compile(r"^(\d+\.\d+) (.*)$")
_MARKER = re.compile(r"^@@VMTEST (BEGIN|END) (\S+)(?: rc=(\d+))?")
_PLAN = re.compile(r"^1\.\.(\d+)")
_RESULT = re.compile(r"^(not )?ok\s+(\d+)\s*(.*)$")
_DIRECTIVE = re.compile(r"(?:^|\s)#\s*([A-Za-z]+)\s*(.*)$")
_RUN = re.compile(r"^#\s+RUN\s")
# A harness diagnostic ("# file.c:120:case:Expected ..."), not its
# OK/FAIL/SKIP echo of the result or its totals.
_NOTE = re.compile(r"^#(?!\s+(?:OK|FAIL|SKIP|XFAIL|XPASS)\s)(?!\s*(?:Totals|PASSED|FAILED)\b)\s*\S")


def classify(line: str) -> tuple[Status, str, str] | None:
    """(status, case name, reason) of a TAP result line, None for other lines."""
    m = _RESULT.match(line)
    if not m:
        return None
    notok, rest = m.group(1), m.group(3)
    name, word, reason = rest, "", ""
    d = _DIRECTIVE.search(rest)
    if d:
        word, reason = d.group(1).upper(), d.group(2).strip()
        name = rest[: d.start()]
    name = name.strip()
    if word == "SKIP":
        return Status.SKIP, name, reason
    if word == "XFAIL":
        return Status.PASS, name, "XFAIL" + (": " + reason if reason else "")
    if word == "XPASS":
        return Status.FAIL, name, "XPASS: passed but expected to fail"
    if notok:
        return Status.FAIL, name, reason
    return Status.PASS, name, ""


@dataclass
class _Binary:
    """What has been seen of one binary so far."""

    name: str
    plan: int | None = None
    rc: int | None = None
    ended: bool = False
    results: list[CaseResult] = field(default_factory=list)
    last_stamp: float | None = None
    notes: list[str] = field(default_factory=list)


class ConsoleParser:
    """Feed lines with feed(); records() gives the CaseResults at the end."""

    def __init__(self, machine: str, log_path: str = "",
                 binary: str | None = None):
        """machine and log_path go into every record; binary names the
        binary of a bare TAP stream that has no @@VMTEST markers."""
        self.machine = machine
        self.log_path = log_path
        self._binaries: dict[str, _Binary] = {}
        self._cur: _Binary | None = None
        if binary is not None:
            self._cur = self._start(binary)
            self._cur.ended = True

    def _start(self, name: str) -> _Binary:
        b = _Binary(name)
        self._binaries[name] = b
        return b

    def feed(self, line: str) -> None:
        """Take one line of the console (trailing newline optional)."""
        line = line.rstrip("\r\n")
        stamp = None
        m = _STAMP.match(line)
        if m:
            stamp, line = float(m.group(1)), m.group(2)
        mk = _MARKER.match(line)
        if mk:
            self._marker(mk.group(1), mk.group(2), mk.group(3), stamp)
            return
        cur = self._cur
        if cur is None:
            return
        if _RUN.match(line):
            cur.last_stamp = stamp
            cur.notes = []
            return
        if _NOTE.match(line):
            cur.notes.append(line[1:].strip())
            return
        p = _PLAN.match(line)
        if p and cur.plan is None:
            cur.plan = int(p.group(1))
            return
        res = classify(line)
        if res is None:
            return
        status, name, reason = res
        if not name:
            # "ok 3 # SKIP": no description. The number names it; an
            # empty case name is a binary's own record.
            name = "#" + _RESULT.match(line).group(2)  # type: ignore[union-attr]
        if status is Status.FAIL and not reason and cur.notes:
            reason = " | ".join(cur.notes[-3:])
        cur.notes = []
        duration = None
        if stamp is not None and cur.last_stamp is not None:
            duration = round(stamp - cur.last_stamp, 3)
        cur.last_stamp = stamp
        cur.results.append(CaseResult(
            machine=self.machine, mode=mode_of(name), binary=cur.name,
            case=name, status=status, duration=duration,
            log_path=self.log_path, reason=reason))

    def _marker(self, kind: str, name: str, rc: str | None,
                stamp: float | None) -> None:
        if kind == "BEGIN":
            self._cur = self._start(name)
            self._cur.last_stamp = stamp
            return
        b = self._binaries.get(name) or self._start(name)
        b.ended = True
        b.rc = int(rc) if rc is not None else None
        self._cur = None

    def records(self, expected: Iterable[str] = ()) -> list[CaseResult]:
        """Every case seen, plus one record per binary as a whole where it
        went wrong (ERROR) or skipped as a whole (SKIP); a binary of
        expected that never started is an ERROR too."""
        out: list[CaseResult] = []
        for b in self._binaries.values():
            out.extend(b.results)
            whole = self._whole(b)
            if whole:
                out.append(self._binary_record(b.name, *whole))
        for name in expected:
            if name not in self._binaries:
                out.append(self._binary_record(name, Status.ERROR,
                                               "never started"))
        return out

    def _binary_record(self, binary: str, status: Status,
                       reason: str) -> CaseResult:
        return CaseResult(machine=self.machine, mode="", binary=binary,
                          case="", status=status, log_path=self.log_path,
                          reason=reason)

    @staticmethod
    def _whole(b: _Binary) -> tuple[Status, str] | None:
        """The binary's own record, if it needs one."""
        n = len(b.results)
        if not b.ended:
            return Status.ERROR, ("did not finish (no END marker: the guest "
                                  "stopped or hung)")
        failed = any(r.status is Status.FAIL for r in b.results)
        if b.rc is not None and b.rc not in (0, 4) and not failed:
            # A failed case explains a failing exit status; a binary
            # that exits badly with no failed case died.
            return Status.ERROR, f"exited with status {b.rc} although no case failed"
        if n == 0 and (b.rc == 4 or b.plan == 0):
            return Status.SKIP, ("skipped as a whole" if b.rc == 4
                                 else "planned no test (1..0)")
        if b.plan is None:
            return Status.ERROR, (f"{n} result(s) but no TAP plan" if n else
                                  "printed no TAP plan and no result")
        if n < b.plan:
            return Status.ERROR, f"only {n} of {b.plan} planned cases reported"
        if n > b.plan:
            return Status.ERROR, f"{n} results for a plan of {b.plan}"
        return None


def parse_console(lines: Iterable[str], machine: str, log_path: str = "",
                  binary: str | None = None,
                  expected: Iterable[str] = ()) -> list[CaseResult]:
    """The records of a whole console stream (see ConsoleParser)."""
    parser = ConsoleParser(machine, log_path, binary)
    for line in lines:
        parser.feed(line)
    return parser.records(expected)
