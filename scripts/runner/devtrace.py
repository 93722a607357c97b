# SPDX-License-Identifier: GPL-2.0-or-later
"""vmtest --trace-device: QEMU's log trace of the igb, for scripts/igb-conformance.

Only the events the rules need are enabled: every event costs a formatted
line per occurrence, and the per-descriptor ones occur once per copy.
"""

from __future__ import annotations

import os
import subprocess

# What each event is for (scripts/igb_conformance/rules.py holds the rules).
EVENTS = (
    'e1000e_core_read',        # register reads, offset and value (igb too)
    'e1000e_core_write',       # register writes
    'e1000e_tx_descr',         # each TX descriptor the model fetches
    'igb_rx_desc_buff_write',  # each RX buffer the model writes (a frame received)
    'igb_write_config',        # config writes: FLR (PCIe DEVCTL), command register
    'vtd_dmar_fault',          # a DMA the vIOMMU refused (unmapped IOVA)
    'runstate_set',            # VM start and shutdown: a trace without the end is truncated
)
FILE_NAME = 'igb-trace.log'


class TraceError(Exception):
    """QEMU cannot trace the igb; the message says why."""


def missing_events(qemu: str) -> list[str]:
    """The events QEMU lacks (a QEMU without the log backend lists none)."""
    try:
        have = subprocess.run([qemu, '-trace', 'help'], capture_output=True, text=True,
                              check=False).stdout.split('\n')
    except OSError:
        have = []
    return [e for e in EVENTS if e not in have]


def prepare(qemu: str, log_dir: str) -> list[str]:
    """Check QEMU, write the event list; return the QEMU options that trace."""
    missing = missing_events(qemu)
    if missing:
        raise TraceError(f"--trace-device: {qemu} lacks the trace events: {' '.join(missing)} "
                         '(needs QEMU >= 8.0 with the log trace backend)')
    events = os.path.join(log_dir, 'trace-events')
    with open(events, 'w', encoding='utf-8') as f:
        f.write(''.join(e + '\n' for e in EVENTS))
    trace = os.path.join(log_dir, FILE_NAME)
    # A failed start must never leave a stale trace to be checked.
    if os.path.exists(trace):
        os.unlink(trace)
    # timestamp=on gives each line its "pid@seconds.micros:" prefix.
    return ['-msg', 'timestamp=on', '-trace', f'events={events},file={trace}']


def summary_line(log_dir: str) -> str:
    """One line for the summary: where the trace is and how big."""
    trace = os.path.join(log_dir, FILE_NAME)
    if not os.path.isfile(trace):
        return 'igb trace: none written (QEMU did not start?)'
    size = os.path.getsize(trace)
    for unit in ('', 'K', 'M', 'G'):
        if size < 1024 or unit == 'G':
            break
        size //= 1024
    return f'igb trace: {trace} ({size}{unit}; check it with scripts/igb-conformance)'
