# SPDX-License-Identifier: GPL-2.0-or-later
"""The end of a run: the table of binaries, summary.tsv, and the last line.

The last line, "vmtest: N passed, N failed, N skipped", is the one CI and
scripts read; summary.tsv holds the same numbers for scripts/bench.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .console import Console, Marked, fmt_secs
from .ktap import judge


@dataclass
class RunInfo:
    """What the summary says about the run besides the binaries."""
    accel: str
    wall_us: int
    clock: str = ''
    clock_desc: str = ''
    suite_desc: str = ''
    kernel_desc: str = ''
    machine_desc: str = ''


def _by_pattern(marks: list[Marked]) -> list[tuple[str, Marked]]:
    """(what, first mark) per expected-failure pattern: the case, or how many matched it."""
    groups: dict[str, list[Marked]] = {}
    for m in marks:
        groups.setdefault(m.pattern, []).append(m)
    return [(ms[0].case if len(ms) == 1 else
             f"{len(ms)} cases matching '{pattern}' (first: {ms[0].case})", ms[0])
            for pattern, ms in groups.items()]


def _skip_lines(skips: list[tuple[str, str, str]]) -> list[str]:
    """One line per distinct SKIP reason: how many cases, the reason, the first case."""
    groups: dict[str, list[str]] = {}
    for _, case, reason in skips:
        groups.setdefault(reason, []).append(case)
    return [f"skip: {len(cases)} case(s): {reason or 'no reason given'} "
            f"({'case' if len(cases) == 1 else 'first'}: {cases[0]})"
            for reason, cases in groups.items()]


def _expectation_lines(con: Console, problems: list[str]) -> list[str]:
    """The summary's lines on the machine's expected failures; XPASSes go to PROBLEMS."""
    machine = con.machine
    if machine is None:
        return []
    lines = [f'xfail: {what}: {m.why.cause} (report: {m.why.report})'
             for what, m in _by_pattern(con.xfails)]
    for what, m in _by_pattern(con.xpasses):
        problems.append(f'XPASS on {machine.name}: {what} passed, expected to fail: '
                        f'{m.why.cause} ({m.why.report}); if it is fixed, drop the expectation '
                        'in scripts/runner/machine.py')
    if con.first_begin_us is None:
        lines += [f"known problem of {machine.name} ('{pattern}'): {why.cause} "
                  f'(report: {why.report})' for pattern, why in machine.expected_failures.items()]
    return lines


def write_summary(con: Console, run: RunInfo) -> bool:
    """Print the summary of CON's run and write summary.tsv; True when all went well."""
    problems = list(con.problems)
    warnings = list(con.warnings)
    total = [0, 0, 0]
    boot = '-' if con.first_begin_us is None else fmt_secs(con.first_begin_us)
    tsv = open(os.path.join(con.log_dir, 'summary.tsv'), 'w', encoding='utf-8')
    tsv.write('record\tname\tplan\tpass\tfail\tskip\trc\thost_secs\tguest_secs\n')
    say = con.say
    say('')
    say(f'vmtest summary ({run.accel})')
    for label, text in (('machine', run.machine_desc), ('suite', run.suite_desc),
                        ('kernel', run.kernel_desc), ('clock', run.clock_desc)):
        if text:
            say(f'{label}: {text}')
    width = max([6] + [len(n) for n in con.tests])
    say(f"  {'binary':<{width}} {'plan':>5} {'pass':>5} {'fail':>5} {'skip':>5} "
        f"{'status':>6} {'time (s)':>9}")
    for name in con.tests:
        b = con.binary(name)
        v = judge(b.counts, b.rc, started=b.begin_us is not None)
        for p in v.problems:
            if p.startswith('did not finish'):
                p += f" (last line: {b.last_line or 'none'})"
            problems.append(f'{name}: {p}')
        for p in v.notes:
            if p.startswith('skipped as a whole'):
                p += f": {b.last_line or 'no output'}"
            warnings.append(f'{name}: {p}')
        total[0] += v.passed
        total[1] += v.failed
        total[2] += v.skipped
        plan = '' if b.counts.plan is None else str(b.counts.plan)
        rc = '' if b.rc is None else str(b.rc)
        say(f'  {name:<{width}} {plan or "-":>5} {v.passed:>5} {v.failed:>5} {v.skipped:>5} '
            f'{rc or "-":>6} {b.host_secs():>9}')
        tsv.write(f'binary\t{name}\t{plan}\t{v.passed}\t{v.failed}\t{v.skipped}\t{rc}\t'
                  f'{b.host_secs()}\t{b.guest_secs()}\n')
    say(f"  {'total':<{width}} {'':>5} {total[0]:>5} {total[1]:>5} {total[2]:>5}")
    for kind in ('PANIC', 'OOPS', 'BUG', 'STALL'):
        if kind in con.crashes:
            problems.append(f'KERNEL {kind}: {con.crashes[kind]}')
    if not con.done and not problems:
        problems.append('the guest never reported DONE')
    tsv.write(f'run\tboot_secs\t{boot}\nrun\twall_secs\t{fmt_secs(run.wall_us)}\n'
              f'run\taccel\t{run.accel}\nrun\tclock\t{run.clock}\n')
    if con.machine:
        tsv.write(f'run\tmachine\t{con.machine.name}\nrun\tarch\t{con.machine.arch}\n')
    tsv.close()
    notes = _expectation_lines(con, problems) + _skip_lines(con.skips)
    say(f'boot: {boot} s (QEMU start to first test)   wall: {fmt_secs(run.wall_us)} s   '
        f'accel: {run.accel}')
    say(f'logs: {con.log_dir}/console.log (tests), kernel.log, timed.log, cases.tsv, summary.tsv, '
        'kcidb.json, junit.xml')
    for line in notes:
        say(line)
    for p in warnings:
        say(f'warning: {p}')
    for p in problems:
        say(f'FAILED: {p}')
    say(f'vmtest: {total[0]} passed, {total[1]} failed, {total[2]} skipped')
    return not problems
