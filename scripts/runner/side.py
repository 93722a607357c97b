# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/bench's side-by-side run: a kernel tree's own suite (A) and the series tip (B).

A B A B, in one VM configuration and on one kernel (built from the kernel
tree), so that drift of the host during the runs falls on both.
"""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from typing import Callable

from .bench_rows import Row, read_tsv

VMTEST_ARGS = ('--clock=real', '-m', '3G')


def run_one(vmtest: str, label: str, log_dir: str, args: list[str],
            info: Callable[[str], None]) -> None:
    """One vmtest run into LOG_DIR; its status is recorded, not judged."""
    info(f"side by side: {label} ({' '.join(args)})")
    with open(log_dir + '.out', 'w', encoding='utf-8') as out:
        rc = subprocess.run([vmtest, *args, '--log-dir', log_dir], stdout=out,
                            stderr=subprocess.STDOUT, check=False).returncode
    with open(log_dir + '.status', 'w', encoding='utf-8') as f:
        f.write(f'{rc}\n')
    with open(log_dir + '.out', encoding='utf-8', errors='replace') as f:
        last = (f.read().splitlines() or [''])[-1]
    info(f'side by side: {label}: {last}')


def side_by_side(project: str, ktree: str, mirror: str, work: str, rounds: int, qemu: str,
                 info: Callable[[str], None]) -> tuple[list[str], list[Row]]:
    """Run A and B ROUNDS times each; the table's lines and the TSV rows."""
    scripts = os.path.join(project, 'scripts')
    with open(os.path.join(work, 'side-kernel.log'), 'w', encoding='utf-8') as log:
        p = subprocess.run([os.path.join(scripts, 'build-test-kernel'), '--tree', ktree],
                           stdout=subprocess.PIPE, stderr=log, text=True, check=False,
                           env=dict(os.environ, KDIR=ktree))
    if p.returncode != 0 or not p.stdout.strip():
        raise RuntimeError(f'no test kernel from {ktree}; see {work}/side-kernel.log')
    kernel = p.stdout.strip().splitlines()[-1]
    vmtest = os.path.join(scripts, 'vmtest')
    runs = []
    for r in range(1, rounds + 1):
        for side, label, tree in (('A', f"{ktree}'s own suite", ktree),
                                  ('B', "the mirror's series tip", mirror)):
            d = os.path.join(work, f'side-{side}{r}')
            run_one(vmtest, f'{side}{r}: {label}', d,
                    ['--tree', tree, '--kernel', kernel, *VMTEST_ARGS], info)
            runs.append((side, d))
    return table(runs, kernel, rounds, qemu)


# Marks a time of a binary that failed in that run. A run that timed out
# in its first case and failed the rest at once is not a time of the suite:
# it is shown, and left out of the means.
FAILED_MARK = '!'


def _timed(rec: list[str]) -> str:
    """The host seconds of a summary.tsv binary record, marked when it failed."""
    failed = rec[4] not in ('', '0') or rec[6] != '0'
    return rec[7] + FAILED_MARK if failed else rec[7]


def table(runs: list[tuple[str, str]], kernel: str, rounds: int,
          qemu: str) -> tuple[list[str], list[Row]]:
    """Per binary and run, host seconds; the two driver tests' means and their ratio."""
    times: dict[tuple[str, str], list[str]] = defaultdict(list)
    names: list[str] = []
    for side, d in runs:
        for rec in read_tsv(os.path.join(d, 'summary.tsv')):
            if rec[0] != 'binary':
                continue
            times[side, rec[1]].append(_timed(rec))
            if rec[1] not in names:
                names.append(rec[1])
    out = ['', f'side by side: {rounds} rounds of A (the kernel tree\'s suite) and B (the '
           "mirror's tip), real clock",
           f'QEMU {qemu}, kernel {os.path.basename(os.path.dirname(kernel))} ({kernel})']
    width = max([len('binary')] + [len(n) for n in names])
    out.append(f"  {'binary':<{width}}  {'A: host s per run':<24}  {'B: host s per run':<24}")
    for n in names:
        col_a = ' ' + ' '.join(times[('A', n)]) if times[('A', n)] else ' -'
        col_b = ' ' + ' '.join(times[('B', n)]) if times[('B', n)] else ' -'
        out.append(f'  {n:<{width}}  {col_a:<24}  {col_b:<24}')
    if any(t.endswith(FAILED_MARK) for ts in times.values() for t in ts):
        out.append(f'  {FAILED_MARK}: the binary failed in that run; its time is in no mean')
    rows: list[Row] = []
    d = 'vfio_pci_driver_test'
    ta = [float(x) for x in times[('A', d)] if x != '-' and not x.endswith(FAILED_MARK)]
    tb = [float(x) for x in times[('B', d)] if x != '-' and not x.endswith(FAILED_MARK)]
    if ta and tb and sum(tb) > 0:
        a, b = sum(ta) / len(ta), sum(tb) / len(tb)
        out.append(f'  {d}: A {a:.1f} s, B {b:.1f} s (means of {len(ta)} and {len(tb)} '
                   f'passing runs); A/B = {a / b:.2f}')
        rows += [('side.driver_test.A_secs', f'{a:.1f}', 's'),
                 ('side.driver_test.B_secs', f'{b:.1f}', 's'),
                 ('side.driver_test.ratio_A_over_B', f'{a / b:.2f}', '')]
    else:
        out.append(f'  {d}: not timed in both A and B; no ratio')
    for _, path in sorted(runs, key=lambda r: r[1]):
        try:
            with open(path + '.status', encoding='utf-8') as f:
                rows.append((f'side.{os.path.basename(path)}.vmtest_status', f.read().strip(), ''))
        except OSError:
            pass
    return out, rows
