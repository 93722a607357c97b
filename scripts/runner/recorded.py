# SPDX-License-Identifier: GPL-2.0-or-later
"""A console recorded elsewhere, judged as vmtest judges a live one.

A lab (a LAVA job) boots the guest and keeps what its test port printed.
judge_recorded() feeds those lines, each with its time since the boot
began, through the same Console and summary as a vmtest run, so the log
directory gets the same console.log, timed.log, cases.tsv and summary.tsv,
and the same verdict: there is one judge, whoever ran the guest.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, TextIO

from .console import Console
from .machine import Machine
from .summary import RunInfo, write_summary

_MARKER = '@@VMTEST '
_BEGIN = re.compile(r'^@@VMTEST BEGIN (\S+)')


def _clean(line: str) -> str:
    """LINE without a CR, and without what a lab's log joined in front of a
    marker (the firmware's last words share a line with /init's first)."""
    line = line.rstrip('\r\n')
    at = line.find(_MARKER)
    return line[at:] if at > 0 else line


def binaries_begun(lines: Iterable[str]) -> list[str]:
    """The binaries the console says began, in order, each once."""
    seen: list[str] = []
    for line in lines:
        m = _BEGIN.match(_clean(line))
        if m and m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def judge_recorded(lines: Iterable[tuple[int, str]], log_dir: str, tests: list[str],
                   run: RunInfo, out: TextIO, problems: Iterable[str] = (),
                   machine: Optional[Machine] = None) -> bool:
    """Judge the recorded console LINES ((microseconds since boot, line)) of
    a run of TESTS on MACHINE (whose expected failures apply as under
    vmtest) into LOG_DIR, print the summary on OUT; True when all went
    well. PROBLEMS are what the lab itself reported (a job that did not
    complete): each fails the run as a problem of vmtest's own would."""
    con = Console(log_dir, tests, out, machine=machine)
    try:
        for us, line in lines:
            con.feed(_clean(line), us)
        con.problems.extend(problems)
        return write_summary(con, run)
    finally:
        con.close()
