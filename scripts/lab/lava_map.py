# SPDX-License-Identifier: GPL-2.0-or-later
"""What LAVA says about a job, next to what the runner judges of it.

The cell's verdict is the runner's judgement of the job's console
(runner.recorded). LAVA adds two things: whether the job itself ran to
its end (state, health, its failure comment), and its monitors' results,
which for a sound job count the same passes, failures and skips per
binary as the runner's cases.tsv; a difference is a warning, since it
means the monitors' pattern (lava_job) missed or misread a line.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from lab.lava_api import JobStatus
from lab.lava_job import DONE_MONITOR
from lab.records import read_tsv

# The suite LAVA fills with its own actions' results.
LAVA_SUITE = "lava"
# A cases.tsv status as LAVA's monitors map the same line (lava_job.FIXUP).
_AS_LAVA = {"pass": "pass", "xfail": "pass", "fail": "fail", "xpass": "fail",
            "skip": "skip"}


def job_problem(status: JobStatus) -> str:
    """'' for a job that ran to its end; else why not, in a few words."""
    if status.state == "Finished" and status.health == "Complete":
        return ""
    if status.failure:
        return status.failure
    if status.state == "Finished":
        return f"ended {status.health.lower()}"
    return f"state {status.state}, health {status.health}"


def lava_counts(suites: dict[int, str], tests: Iterable[dict[str, Any]]
                ) -> dict[str, Counter[str]]:
    """Per binary (suite), how many cases LAVA's monitors recorded with
    each result (pass, fail, skip)."""
    out: dict[str, Counter[str]] = {}
    for t in tests:
        suite = suites.get(int(t.get("suite", -1)), "")
        if suite and suite not in (LAVA_SUITE, DONE_MONITOR):
            out.setdefault(suite, Counter())[str(t.get("result"))] += 1
    return out


def judged_counts(cases_tsv: str) -> dict[str, Counter[str]]:
    """The same counts from the runner's cases.tsv."""
    out: dict[str, Counter[str]] = {}
    for row in read_tsv(cases_tsv):
        if row[0] == "case" and len(row) >= 4:
            out.setdefault(row[1], Counter())[_AS_LAVA.get(row[3], row[3])] += 1
    return out


def differences(lava: dict[str, Counter[str]], judged: dict[str, Counter[str]]
                ) -> list[str]:
    """One line per binary whose counts differ."""
    lines = []
    for binary in sorted(set(lava) | set(judged)):
        a, b = lava.get(binary, Counter()), judged.get(binary, Counter())
        if a != b:
            lines.append(f"{binary}: LAVA's monitors {dict(sorted(a.items()))}, "
                         f"the console {dict(sorted(b.items()))}")
    return lines
