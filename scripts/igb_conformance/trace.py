# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading a trace that QEMU's log backend wrote for the igb.

scripts/vmtest --trace-device starts QEMU with "-msg timestamp=on", so each
line is "PID@SECONDS.MICROS:EVENT ARGS". Only the events listed in EVENTS are
expected (scripts/runner/devtrace.py enables exactly those); any other line
makes the whole trace unreadable, as do a cut-off last line, a missing
shutdown record and a trace without the igb in it. A trace that cannot be
read raises TraceError with one line that names the problem: the checker
never reports on a trace it only partly understood.
"""

import re

LINE_RE = re.compile(r'(\d+)@(\d+)\.(\d{6}):(\w+)(?: (.*))?$')

# Arguments of each event, as QEMU 10.0 prints them.
ARG_RES = {
    'e1000e_core_read': re.compile(
        r'Read from register 0x([0-9a-f]+), \d+ byte\(s\), value: 0x([0-9a-f]+)$'),
    'e1000e_core_write': re.compile(
        r'Write to register 0x([0-9a-f]+), \d+ byte\(s\), value: 0x([0-9a-f]+)$'),
    'e1000e_tx_descr': re.compile(
        r'(0x[0-9a-f]+|\(nil\)) : ([0-9a-f]+) ([0-9a-f]+)$'),
    'igb_rx_desc_buff_write': re.compile(
        r'buffer (\d+), addr: 0x([0-9a-f]+), offset: (\d+), from: \S+, length: (\d+)$'),
    'igb_write_config': re.compile(
        r'CONFIG write 0x([0-9a-f]+), value: 0x([0-9a-f]+), len: (\d+)$'),
    'vtd_dmar_fault': re.compile(
        r'sid 0x([0-9a-f]+) fault (\d+) addr 0x([0-9a-f]+) write (\d+)$'),
    'runstate_set': re.compile(
        r'current_run_state \d+ \((\w+)\) new_state \d+ \((\w+)\)$'),
}

EVENTS = tuple(ARG_RES)


class TraceError(Exception):
    """The trace cannot be judged; str() is the one-line reason."""


class Event:
    """One trace line: time in seconds since the first line, event name,
    the regex groups of its arguments and the line number."""

    __slots__ = ('time', 'name', 'args', 'lineno')

    def __init__(self, time, name, args, lineno):
        self.time = time
        self.name = name
        self.args = args
        self.lineno = lineno


def read_events(path):
    """Parse the whole trace at @path; return the list of Events.

    Raises TraceError for anything that is not a complete igb trace."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise TraceError(f'{path}: cannot read the trace: {e.strerror}')
    if not data.strip():
        raise TraceError(f'{path}: empty trace (did QEMU run with --trace-device?)')
    try:
        text = data.decode('ascii')
    except UnicodeDecodeError as e:
        raise TraceError(f'{path}: not a QEMU log trace: non-ASCII byte at offset {e.start}')
    lines = text.split('\n')
    cut = lines[-1] != ''
    if not cut:
        lines.pop()

    events = []
    start = None
    for i, line in enumerate(lines, 1):
        m = LINE_RE.match(line)
        if not m:
            if cut and i == len(lines):
                raise TraceError(f'{path}: truncated trace: line {i} is cut off')
            raise TraceError(f'{path}: line {i} is not a QEMU log-backend trace line '
                             f'(pid@secs:event): {line[:60]!r}')
        name = m.group(4)
        arg_re = ARG_RES.get(name)
        if arg_re is None:
            raise TraceError(f'{path}: line {i}: unknown event {name!r} '
                             f'(expected only: {", ".join(EVENTS)})')
        am = arg_re.match(m.group(5) or '')
        if not am:
            if cut and i == len(lines):
                raise TraceError(f'{path}: truncated trace: line {i} is cut off')
            raise TraceError(f'{path}: line {i}: {name} with arguments this '
                             f'checker does not know: {(m.group(5) or "")[:60]!r}')
        t = int(m.group(2)) + int(m.group(3)) / 1e6
        if start is None:
            start = t
        events.append(Event(t - start, name, am.groups(), i))
    if cut:
        # The last line parsed but has no newline: QEMU stopped mid-write.
        raise TraceError(f'{path}: truncated trace: no newline after line {len(lines)}')
    check_complete(path, events)
    return events


def check_complete(path, events):
    """The trace must cover one whole VM run of an igb."""
    states = [e for e in events if e.name == 'runstate_set']
    if not states or states[0].args[1] != 'running':
        raise TraceError(f'{path}: truncated trace: it does not start with the VM '
                         'starting (runstate_set ... running)')
    if states[-1].args[1] != 'shutdown':
        raise TraceError(f'{path}: truncated trace: no shutdown record at the end '
                         '(QEMU killed, or the file cut)')
    regs = sum(1 for e in events if e.name in ('e1000e_core_read', 'e1000e_core_write'))
    config = sum(1 for e in events if e.name == 'igb_write_config')
    if regs == 0 and config == 0:
        raise TraceError(f'{path}: no igb events in the trace: QEMU without the '
                         'e1000e_core_*/igb_* trace events, or no igb in the VM')
    if config == 0:
        raise TraceError(f'{path}: not an igb trace: register accesses but no '
                         'igb_write_config (another e1000-family device?)')
    if regs == 0:
        raise TraceError(f'{path}: igb present but no register access traced '
                         '(QEMU without e1000e_core_read/write, or no test ran)')
