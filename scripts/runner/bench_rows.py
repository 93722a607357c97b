# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/bench's rows (metric, value, unit) from a vmtest run's TSV files."""

from __future__ import annotations

import os
import subprocess
import time

Row = tuple[str, str, str]


def read_tsv(path: str) -> list[list[str]]:
    """The records of a TSV file, or none when it is missing."""
    try:
        with open(path, encoding='utf-8') as f:
            return [line.rstrip('\n').split('\t') for line in f]
    except OSError:
        return []


def run_value(summary: str, key: str) -> str:
    """The value of a "run" record of vmtest's summary.tsv, '' without one."""
    for rec in read_tsv(summary):
        if len(rec) > 2 and rec[0] == 'run' and rec[1] == key:
            return rec[2]
    return ''


def binary_rows(summary: str) -> list[Row]:
    """Rows for each test binary, from vmtest's summary.tsv."""
    rows: list[Row] = []
    for rec in read_tsv(summary):
        if rec[0] != 'binary' or len(rec) < 9:
            continue
        _, name, plan, npass, nfail, nskip, rc, host, guest = rec[:9]
        rows += [(f'binary.{name}.host_secs', host, 's'), (f'binary.{name}.guest_secs', guest, 's'),
                 (f'binary.{name}.plan', plan, ''), (f'binary.{name}.pass', npass, ''),
                 (f'binary.{name}.fail', nfail, ''), (f'binary.{name}.skip', nskip, ''),
                 (f'binary.{name}.status', rc, '')]
        if name == 'vfio_pci_driver_test':
            rows.append(('driver_suite_secs', host, 's'))
    return rows


def storm_rows(cases: str) -> list[Row]:
    """Rows for the memcpy_storm cases (names end in .<mode>.memcpy_storm)."""
    rows: list[Row] = []
    for rec in read_tsv(cases):
        if rec[0] != 'case' or len(rec) < 7 or not rec[6].endswith('.memcpy_storm'):
            continue
        mode = rec[6][:-len('.memcpy_storm')].split('.')[-1]
        rows += [(f'memcpy_storm.{mode}.case_secs', rec[4], 's'),
                 (f'memcpy_storm.{mode}.tail_secs', rec[5], 's'),
                 (f'memcpy_storm.{mode}.status', rec[3], '')]
    return rows


def trace_rows(project: str, traced: str, plain: str) -> list[Row]:
    """Rows for the traced run in TRACED against the untraced wall time PLAIN."""
    wall = run_value(os.path.join(traced, 'summary.tsv'), 'wall_secs')
    trace = os.path.join(traced, 'igb-trace.log')
    try:
        overhead = f'{(float(wall) - float(plain)) * 100 / float(plain):.1f}'
    except (ValueError, ZeroDivisionError):
        overhead = '-'
    size = os.path.getsize(trace) if os.path.isfile(trace) else 0
    lines = 0
    if size:
        with open(trace, 'rb') as f:
            lines = sum(1 for _ in f)
    start = time.monotonic()
    with open(os.path.join(traced, 'conformance.log'), 'w', encoding='utf-8') as log:
        rc = subprocess.run([os.path.join(project, 'scripts/igb-conformance'), trace],
                            stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    secs = time.monotonic() - start
    with open(os.path.join(traced, 'conformance.log'), encoding='utf-8', errors='replace') as f:
        verdict = (f.read().splitlines() or [''])[-1]
    return [('trace.vm_wall_secs', wall, 's'), ('trace.overhead_pct', overhead, '%'),
            ('trace.bytes', str(size), 'bytes'), ('trace.lines', str(lines), ''),
            ('trace.check_secs', f'{secs:.2f}', 's'),
            ('trace.check_status', str(rc), verdict.removeprefix('igb-conformance: '))]
