# SPDX-License-Identifier: GPL-2.0-or-later
"""The budget of vfio_pci_driver_test, for scripts/bench.

bench/vfio_pci_driver_budget.c does the steps of the driver test's
fixtures and bodies one at a time and prints a "# budget" line after each;
vmtest's timed.log stamps every line with the host time of its arrival. A
step's host time is the distance from the line before it (the harness's
"#  RUN" line for the first step of a case). Multiplied by how often the
driver test does each step, that is where the driver test's time goes,
next to what the driver test took per mode in the same VM.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field

PROG = 'vfio_pci_driver_budget'
SOURCE = 'bench/vfio_pci_driver_budget.c'
STEPS = ('open', 'map', 'init', 'copy', 'fault', 'msi', 'storm', 'remove', 'unmap', 'close')
# How often vfio_pci_driver_test does each step, per IOMMU mode: 7 cases,
# each one fixture (open, two maps, init, remove, unmap, close);
# init_remove adds 10 remove+init cycles and a copy; memcpy_success one
# copy; the two unmapped-IOVA cases one faulting copy each; send_msi one
# interrupt; mix_and_match 10 rounds of copy, faulting copy, interrupt;
# memcpy_storm one storm. Written down here from the test's source: when
# the test changes, so must this.
COUNTS = {'open': 7, 'map': 7, 'init': 17, 'remove': 17, 'unmap': 7, 'close': 7, 'copy': 12,
          'fault': 12, 'msi': 11, 'storm': 1}
DRIVER_TEST = 'vfio_pci_driver_test'


class BudgetError(Exception):
    """The budget cannot be made; the message says why."""


def make_tree(project: str, src: str, dest: str) -> None:
    """DEST becomes a copy of SRC's VFIO selftests with the budget program in its Makefile."""
    rel = 'tools/testing/selftests/vfio'
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(os.path.join(src, rel), os.path.join(dest, rel), symlinks=True)
    shutil.copy(os.path.join(project, SOURCE), os.path.join(dest, rel))
    makefile = os.path.join(dest, rel, 'Makefile')
    with open(makefile, encoding='utf-8') as f:
        text = f.read()
    # A line of its own before the first of the tree's programs.
    new, n = re.subn(r'^TEST_GEN_PROGS \+= ', f'TEST_GEN_PROGS += {PROG}\n\\g<0>', text,
                     count=1, flags=re.M)
    if not n:
        raise BudgetError(f'cannot add {PROG} to {makefile}')
    with open(makefile, 'w', encoding='utf-8') as f:
        f.write(new)


@dataclass
class _Mode:
    host: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    guest: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    asleep: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    ops: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    map_reps: set[str] = field(default_factory=set)
    measured: float = 0.0
    cases: int = 0


def _ms(x: float) -> str:
    return f'{x * 1000:.1f}'


def report(lines: list[str]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The budget's text and its (metric, value, unit) rows, from timed.log's LINES."""
    modes: dict[str, _Mode] = {}
    last = run_start = 0.0
    run_name = ''
    begin = end = None
    in_cases = 0.0
    per_mode_cases: dict[str, list[float]] = defaultdict(list)
    for line in lines:
        w = line.split()
        if len(w) < 2:
            continue
        t = float(w[0])
        if w[1] == '@@VMTEST' and len(w) > 3 and w[3] == DRIVER_TEST:
            if w[2] == 'BEGIN':
                begin = t
            elif w[2] == 'END':
                end = t
        elif w[1] == '#' and len(w) > 3 and w[2] == 'RUN':
            last = run_start = t
            run_name = w[3]
        elif (w[1] == 'ok' or w[1:3] == ['not', 'ok']) and run_name.startswith(DRIVER_TEST + '.'):
            per_mode_cases[run_name.split('.')[1]].append(t - run_start)
            in_cases += t - run_start
            run_name = ''
        elif w[1] == '#' and len(w) > 2 and w[2] == 'budget':
            a = dict(kv.split('=', 1) for kv in w[3:] if '=' in kv)
            m = modes.setdefault(a.get('mode', ''), _Mode())
            step = a.get('step', '')
            m.host[step] += t - last
            m.guest[step] += int(a.get('guest_us', 0)) / 1e6
            m.asleep[step] += int(a.get('sleep_us', 0)) / 1e6
            # Two map lines of a round (two buffers) make one map of a fixture.
            if step == 'map':
                m.map_reps.add(a.get('rep', ''))
            else:
                m.ops[step] += 1
            last = t
    if not modes:
        raise BudgetError('budget: no "# budget" lines; the budget program did not run')
    out: list[str] = []
    rows: list[tuple[str, str, str]] = []
    for name, m in modes.items():
        if m.map_reps:
            m.ops['map'] = len(m.map_reps)
        out += ['', f'budget of {DRIVER_TEST}, mode {name} (per step: host ms, guest ms, guest '
                'ms asleep; x count in the test)',
                f"  {'step':<7} {'reps':>5} {'host/op':>10} {'guest/op':>10} "
                f"{'asleep/op':>10} {'count':>6} {'host (s)':>9}"]
        total = 0.0
        part: dict[str, float] = defaultdict(float)
        for s in STEPS:
            n = m.ops.get(s, 0)
            if not n:
                continue
            h, g, z = m.host[s] / n, m.guest[s] / n, m.asleep[s] / n
            part[s] = h * COUNTS[s]
            total += part[s]
            out.append(f'  {s:<7} {n:>5d} {_ms(h):>10} {_ms(g):>10} {_ms(z):>10} '
                       f'{COUNTS[s]:>6d} {part[s]:>9.2f}')
            rows += [(f'budget.{name}.{s}.host_ms', _ms(h), 'ms'),
                     (f'budget.{name}.{s}.guest_ms', _ms(g), 'ms'),
                     (f'budget.{name}.{s}.asleep_ms', _ms(z), 'ms')]
        out.append(f"  {'sum':<7} {'':>5} {'':>10} {'':>10} {'':>10} {'':>6} {total:>9.2f}")
        out.append(f"  grouped: driver init {part['init']:.2f} s, IOMMU map/unmap "
                   f"{part['map'] + part['unmap']:.2f} s, copies {part['copy']:.2f} s, faulting "
                   f"copies {part['fault']:.2f} s, interrupts {part['msi']:.2f} s, storm "
                   f"{part['storm']:.2f} s, open/close (FLR) {part['open'] + part['close']:.2f} s, "
                   f"remove {part['remove']:.2f} s")
        cases = per_mode_cases.get(name, [])
        if cases:
            measured = sum(cases)
            share = total * 100 / measured if measured > 0 else 0
            out.append(f'  {DRIVER_TEST} measured in this mode: {measured:.2f} s ({len(cases)} '
                       f'cases); the budget adds up to {share:.0f}% of it (beside it: the '
                       'harness, fills and compares, output; in it: its own lines)')
            rows.append((f'budget.{name}.measured_secs', f'{measured:.2f}', 's'))
        rows.append((f'budget.{name}.estimate_secs', f'{total:.2f}', 's'))
    if end is not None and begin is not None:
        whole = end - begin
        out += ['', f'{DRIVER_TEST}: {whole:.2f} s in all, {in_cases:.2f} s in its cases, '
                f'{whole - in_cases:.2f} s outside them (main(): the driver probe, buffers '
                'allocated once)']
        rows += [('budget.driver_test.total_secs', f'{whole:.2f}', 's'),
                 ('budget.driver_test.outside_cases_secs', f'{whole - in_cases:.2f}', 's')]
    return out, rows


def main(argv: list[str]) -> int:
    """The command line: 'tree PROJECT SRC DEST', or 'report TIMED_LOG' (rows to stderr)."""
    try:
        if len(argv) == 4 and argv[0] == 'tree':
            make_tree(*argv[1:])
            return 0
        if len(argv) == 2 and argv[0] == 'report':
            with open(argv[1], encoding='utf-8') as f:
                text, rows = report(f.read().splitlines())
            print('\n'.join(text))
            for r in rows:
                print('\t'.join(r), file=sys.stderr)
            return 0
    except BudgetError as e:
        print(e)
        return 1
    print('usage: python3 -m runner.budget tree PROJECT SRC DEST | report TIMED_LOG',
          file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
