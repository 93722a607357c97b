# SPDX-License-Identifier: GPL-2.0-or-later
"""The result record the writers take: one test case on one machine and mode.

Every run, local or in a lab, leaves a log directory as vmtest writes it:
the runner's judgement in summary.tsv (one row per binary) and cases.tsv
(one row per result line), the guest's console in console.log.
from_log_dir() turns those rows into a list of CaseResult; the KCIDB and
JUnit writers read nothing else. Nothing here judges a line of KTAP
anew: the statuses are the runner's (runner.ktap), and a binary's own
record (it died, hung, missed its plan, skipped as a whole) comes from
the runner's judge() on the same rows.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass, field

from runner import ktap

# The IOMMU modes of libvfio, as the kselftest variants spell them. Longest
# first, so that a variant name is matched by the most specific mode.
IOMMU_MODES = (
    "iommufd_compat_type1v2",
    "iommufd_compat_type1",
    "vfio_type1v2_iommu",
    "vfio_type1_iommu",
    "iommufd",
)


class Status(str, enum.Enum):
    """A case's outcome. KCIDB's status names; SKIP never counts as PASS."""

    PASS = "PASS"
    FAIL = "FAIL"
    SKIP = "SKIP"
    ERROR = "ERROR"


@dataclass(frozen=True)
class CaseResult:
    """One test case of one binary, run on one machine in one mode.

    machine: the machine definition's name (q35-vtd, ...).
    mode: the IOMMU mode or variant the case ran in, "" if it has none.
    binary: the test program; case: the name it printed after "ok N".
    duration: seconds, None when unknown. log_path: the console log.
    reason: the SKIP reason, or one line on why it failed or errored.
    xfail: for a PASS that was an expected failure (XFAIL), its cause
    ("XFAIL" when the line gave none); "" otherwise.
    """

    machine: str
    mode: str
    binary: str
    case: str
    status: Status
    duration: float | None = None
    log_path: str = ""
    reason: str = ""
    xfail: str = ""


@dataclass(frozen=True)
class RunInfo:
    """What was tested: the checkout, the kernel build, where it ran.

    tree: a name for the source tree (series tip, a kernel tree's name).
    commit: its full git commit hash. kernel_version: uname -r of the guest
    kernel. config: a name for the build configuration (its fragments).
    origin: the CI system's name in KCIDB ids (lower case, digits, "_").
    """

    tree: str
    commit: str
    kernel_version: str
    config: str
    arch: str = "x86_64"
    repository_url: str = ""
    origin: str = "vfio_igb"
    start_time: str = ""
    misc: dict[str, str] = field(default_factory=dict)


def mode_of(case: str) -> str:
    """The IOMMU mode in a kselftest_harness name (fixture.variant.test), or ""."""
    parts = case.split(".")
    if len(parts) < 3:
        return ""
    variant = parts[1]
    for mode in IOMMU_MODES:
        if variant == mode or variant.startswith(mode + "_"):
            return mode
    return variant


# A case's status in cases.tsv (runner.ktap.Status values) as KCIDB's.
_STATUS = {"pass": Status.PASS, "fail": Status.FAIL, "skip": Status.SKIP,
           "xfail": Status.PASS, "xpass": Status.FAIL}
_MARKER = re.compile(r"@@VMTEST (BEGIN|END) (\S+)")
_INIT = re.compile(r"@@VMTEST INIT .*kernel=(\S+)")
# A harness diagnostic ("# file.c:120:case:Expected ..."), not its
# OK/FAIL/SKIP echo of a result or its totals.
_NOTE = re.compile(r"^#(?!\s+(?:OK|FAIL|SKIP|XFAIL|XPASS)\s)"
                   r"(?!\s*(?:Totals|PASSED|FAILED)\b)\s*\S")


def read_tsv(path: str) -> list[list[str]]:
    """The rows of a TSV file without its header; [] if it is missing."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    return [line.split("\t") for line in lines[1:] if line]


@dataclass
class _Console:
    """What the writers take from console.log besides the TSVs' rows."""

    kernel: str = "unknown"
    begun: set[str] = field(default_factory=set)
    # (binary, result number) -> the line's reason.
    reasons: dict[tuple[str, int], str] = field(default_factory=dict)


def _read_console(path: str) -> _Console:
    """The kernel version, the binaries begun and each result's reason
    (its directive's text, or the harness's last diagnostics before a
    failure); the statuses stay the TSVs'."""
    con = _Console()
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return con
    binary = ""
    notes: list[str] = []
    for line in lines:
        m = _INIT.search(line)
        if m:
            con.kernel = m.group(1)
        mk = _MARKER.match(line)
        if mk:
            binary = mk.group(2) if mk.group(1) == "BEGIN" else ""
            if binary:
                con.begun.add(binary)
            notes = []
            continue
        if not binary:
            continue
        what = ktap.classify(line)
        if isinstance(what, ktap.Result):
            reason = what.reason
            if what.status is ktap.Status.FAIL and not reason:
                reason = " | ".join(notes[-3:])
            con.reasons[(binary, what.number)] = reason
            notes = []
        elif _NOTE.match(line):
            notes.append(line[1:].strip())
    return con


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _seconds(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _case(machine: str, row: list[str], con: _Console,
          log_path: str) -> CaseResult:
    """The record of one cases.tsv row."""
    _, binary, number, status, secs = row[:5]
    name = row[6] if len(row) > 6 else ""
    if not name:
        # "ok 3 # SKIP": no description; the number names it.
        name = f"#{number}"
    # The runner's reason (a SKIP's, the machine's cause of an XFAIL or
    # XPASS); a failure's from the console's diagnostics.
    reason = row[7] if len(row) > 7 else ""
    if not reason and number.isdigit():
        reason = con.reasons.get((binary, int(number)), "")
    xfail = ""
    if status == "xfail":
        xfail, reason = reason or "XFAIL", ""
    elif status == "xpass":
        reason = "XPASS: passed but expected to fail" + (f" ({reason})" if reason else "")
    return CaseResult(machine=machine, mode=mode_of(name), binary=binary,
                      case=name, status=_STATUS.get(status, Status.ERROR),
                      duration=_seconds(secs), log_path=log_path,
                      reason=reason, xfail=xfail)


def _whole(machine: str, row: list[str], cases: list[list[str]],
           con: _Console, log_path: str) -> CaseResult | None:
    """The binary's own record where it went wrong or skipped as a whole,
    from the runner's judge of its summary.tsv row and its cases."""
    _, name, plan, _, _, _, rc = row[:7]
    counts = ktap.Counts(plan=_number(plan))
    for c in cases:
        counts.by_status[ktap.Status(c[3])] += 1
    started = name in con.begun or bool(cases) or plan != "" or rc != ""
    v = ktap.judge(counts, _number(rc), started)
    own = [p for p in v.problems
           if not re.search(r"case\(s\) (failed|passed that were)", p)]
    if v.failed > v.cases_failed or (started and rc == ""):
        return CaseResult(machine=machine, mode="", binary=name, case="",
                          status=Status.ERROR, log_path=log_path,
                          reason="; ".join(own))
    if v.skipped > counts.by_status[ktap.Status.SKIP]:
        return CaseResult(machine=machine, mode="", binary=name, case="",
                          status=Status.SKIP, log_path=log_path,
                          reason="; ".join(v.notes))
    return None


def from_log_dir(log_dir: str, machine: str) -> list[CaseResult]:
    """The records of the run whose logs are in log_dir: one per result of
    cases.tsv, and one per binary of summary.tsv that went wrong (ERROR) or
    skipped (SKIP) as a whole. [] when the run left no summary."""
    log_path = os.path.join(log_dir, "console.log")
    con = _read_console(log_path)
    rows = read_tsv(os.path.join(log_dir, "cases.tsv"))
    out: list[CaseResult] = []
    for row in read_tsv(os.path.join(log_dir, "summary.tsv")):
        if row[0] != "binary" or len(row) < 7:
            continue
        mine = [c for c in rows if c[0] == "case" and len(c) >= 6 and c[1] == row[1]]
        out += [_case(machine, c, con, log_path) for c in mine]
        whole = _whole(machine, row, mine, con, log_path)
        if whole:
            out.append(whole)
    return out


def kernel_version(log_dir: str) -> str:
    """The guest kernel's release as /init reported it, or "unknown"."""
    return _read_console(os.path.join(log_dir, "console.log")).kernel
