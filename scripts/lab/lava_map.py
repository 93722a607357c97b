# SPDX-License-Identifier: GPL-2.0-or-later
"""A LAVA job's results mapped back to records: (binary, case, status).

Each monitors suite of the job is named after a binary (see lava_job);
its test cases carry the result line's name in their metadata
(extra.test_case_id; LAVA's own case name is that name lower-cased with
every run of other characters than letters, digits and "_" made "_").
The job's console, read with the same adapter as a local run (ktap), adds
what the monitors cannot see: a binary's exit status and its plan. A job
that did not complete makes every binary it has not fully reported an
ERROR naming the job id; LAVA's results never turn an ERROR into a PASS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import yaml  # type: ignore[import]  # Debian ships no stubs

from lab.ktap import parse_console
from lab.lava_api import JobStatus
from lab.lava_job import Cell
from lab.records import CaseResult, Status, mode_of

_LAVA_STATUS = {"pass": Status.PASS, "fail": Status.FAIL,
                "skip": Status.SKIP, "unknown": Status.ERROR}
# The suite LAVA fills with its own actions' results.
LAVA_SUITE = "lava"


@dataclass
class CellOutcome:
    """The records of one cell and, if it went wrong as a whole, why."""

    cell: Cell
    job_id: int | None
    records: list[CaseResult]
    problem: str = ""


def _metadata(test: dict[str, Any]) -> dict[str, Any]:
    """A test case's metadata (YAML text in the API's answer) as a dict."""
    meta = test.get("metadata")
    if isinstance(meta, str):
        try:
            meta = yaml.safe_load(meta)
        except yaml.YAMLError:
            meta = None
    return meta if isinstance(meta, dict) else {}


def lava_case_id(case: str) -> str:
    """The name LAVA's monitor gives a result line's case: lower case, each
    run of other characters than letters, digits and "_" made "_" ("" for
    a line without a name, which the adapter calls "#N")."""
    if re.fullmatch(r"#\d+", case):
        return ""
    return re.sub(r"\W+", "_", case.strip().lower())


def job_error(suites: dict[int, str], tests: Iterable[dict[str, Any]]
              ) -> str:
    """LAVA's own word on why a job failed (its "lava" suite's "job" case:
    error type and message), or ""."""
    for t in tests:
        if suites.get(int(t.get("suite", -1))) != LAVA_SUITE:
            continue
        if t.get("name") != "job" or t.get("result") == "pass":
            continue
        meta = _metadata(t)
        if meta.get("error_msg"):
            return f"{meta.get('error_type', 'error')}: {meta['error_msg']}"
    return ""


def lava_records(cell: Cell, suites: dict[int, str],
                 tests: Iterable[dict[str, Any]], console: list[CaseResult],
                 log_path: str = "") -> list[CaseResult]:
    """The cases LAVA recorded for the cell's binaries, as records. LAVA
    keeps only its own form of a case's name (the original is in a file on
    the server): the console's case of that form, in order, gives it back,
    with its reason when both say the same."""
    names: dict[tuple[str, str], list[CaseResult]] = {}
    for r in console:
        if r.case:
            names.setdefault((r.binary, lava_case_id(r.case)), []).append(r)
    out = []
    for t in sorted(tests, key=lambda t: int(t.get("id", 0))):
        binary = suites.get(int(t.get("suite", -1)), "")
        if binary == LAVA_SUITE or binary not in cell.binaries:
            continue
        lava_name = str(t.get("name", ""))
        pending = names.get((binary, lava_name))
        twin = pending.pop(0) if pending else None
        name = twin.case if twin else lava_name
        status = _LAVA_STATUS.get(str(t.get("result")), Status.ERROR)
        # The reason (a SKIP's, a failed assertion) and the time only the
        # console has, where it agrees on the outcome.
        same = twin is not None and twin.status is status
        out.append(CaseResult(
            machine=cell.machine, mode=mode_of(name), binary=binary,
            case=name, status=status,
            duration=twin.duration if same and twin else None,
            log_path=log_path, reason=twin.reason if same and twin else ""))
    return out


def outcome(cell: Cell, status: JobStatus, suites: dict[int, str],
            tests: list[dict[str, Any]], console: list[str],
            log_path: str = "") -> CellOutcome:
    """The cell's records from a job that ran (finished or not)."""
    jid = status.job_id
    from_console = parse_console(console, cell.machine, log_path,
                                 expected=cell.binaries)
    from_lava = lava_records(cell, suites, tests, from_console, log_path)
    records = list(from_lava)
    problem = ""
    if status.state != "Finished" or status.health != "Complete":
        why = (status.failure or job_error(suites, tests)
               or f"state {status.state}, health {status.health}")
        last = next((ln.strip() for ln in reversed(console) if ln.strip()),
                    "")
        problem = f"LAVA job {jid} did not complete: {why}"
        if last:
            problem += f" (last console line: {last[:160]})"
    # What only the console shows: a binary's exit status, its plan, a
    # binary that never started or never ended.
    whole = [r for r in from_console if not r.case]
    seen = {(r.binary, r.case, r.status) for r in from_lava}
    console_cases = {(r.binary, r.case, r.status) for r in from_console
                     if r.case}
    for b in cell.binaries:
        mine = {k for k in seen if k[0] == b}
        theirs = {k for k in console_cases if k[0] == b}
        if mine != theirs and (mine or theirs):
            records.append(_error(cell, b, log_path,
                                  f"LAVA job {jid}: LAVA recorded {len(mine)} "
                                  f"case(s), the console shows {len(theirs)}"
                                  " that differ"))
    for r in whole:
        reason = r.reason
        if r.status is Status.ERROR:
            reason = f"LAVA job {jid}: {reason}"
        records.append(CaseResult(r.machine, r.mode, r.binary, r.case,
                                  r.status, r.duration, log_path, reason))
    if problem:
        flagged = {r.binary for r in records if r.status is Status.ERROR}
        for b in cell.binaries:
            if b not in flagged:
                records.append(_error(cell, b, log_path, problem))
    return CellOutcome(cell, jid, records, problem)


def failed_to_run(cell: Cell, job_id: int | None, why: str) -> CellOutcome:
    """A cell whose job never ran (submission refused, server gone)."""
    label = f"LAVA job {job_id}" if job_id is not None else "no LAVA job"
    problem = f"{label}: {why}"
    return CellOutcome(cell, job_id, [_error(cell, b, "", problem)
                                      for b in cell.binaries], problem)


def _error(cell: Cell, binary: str, log_path: str, reason: str) -> CaseResult:
    return CaseResult(machine=cell.machine, mode="", binary=binary, case="",
                      status=Status.ERROR, log_path=log_path, reason=reason)
