# SPDX-License-Identifier: GPL-2.0-or-later
"""Starting, watching and stopping QEMU, and the VM lock of this machine.

QEMU runs in a session of its own, so stopping it means signalling one
process group, whatever QEMU has forked; a parent-death signal covers the
one case no handler can, the runner being SIGKILLed. Its console (the
guest's test port) is a pipe read line by line.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import select
import signal
import subprocess
import time
from typing import Callable, Optional, Sequence

_PR_SET_PDEATHSIG = 1


class Interrupted(Exception):
    """Ctrl-C, or a TERM or HUP signal, arrived."""


def raise_on_signals() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into Interrupted, so that cleanup runs."""
    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signal.Signals(signum).name)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


def host_usecs() -> int:
    """A monotonic host time in microseconds."""
    return time.monotonic_ns() // 1000


def _die_with_parent() -> None:
    """In the child before exec: be killed when the runner dies."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


class Qemu:
    """One QEMU process, in its own session, its output on a pipe."""

    def __init__(self, cmd: Sequence[str], keep_fds: Sequence[int] = ()):
        self.proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True, pass_fds=tuple(keep_fds),
                                     preexec_fn=_die_with_parent)
        assert self.proc.stdout is not None
        self.lines = LineReader(self.proc.stdout.fileno())

    @property
    def pid(self) -> int:
        """QEMU's PID, which is also its process group's."""
        return self.proc.pid

    def stop(self, grace: float = 5.0) -> int:
        """Stop QEMU if it still runs (TERM, then KILL); return its exit status."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
        return self.reap()

    def reap(self) -> int:
        """Wait for QEMU to end; its exit status, 128 + N when signal N ended it."""
        rc = self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        return 128 - rc if rc < 0 else rc

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass


class LineReader:
    """Complete lines from a pipe or a growing file, without carriage returns."""

    def __init__(self, fd: int):
        self.fd = fd
        self.part = b''
        self.eof = False

    def read(self, timeout: Optional[float]) -> list[str]:
        """The lines that came within TIMEOUT seconds (None: at once, for a file)."""
        if timeout is not None:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return []
        chunk = os.read(self.fd, 65536)
        if not chunk:
            if timeout is not None:
                self.eof = True
            return []
        return self._split(chunk)

    def rest(self) -> list[str]:
        """The line cut short by the end of the stream, if any."""
        if not self.part:
            return []
        line, self.part = self.part, b''
        return [line.decode('utf-8', 'replace').rstrip('\r')]

    def _split(self, chunk: bytes) -> list[str]:
        data = self.part + chunk
        *whole, self.part = data.split(b'\n')
        return [w.decode('utf-8', 'replace').rstrip('\r') for w in whole]


class FileLines(LineReader):
    """The complete lines a file (QEMU's kernel.log) has gained since the last call."""

    def __init__(self, path: str):
        super().__init__(os.open(path, os.O_RDONLY))

    def new_lines(self) -> list[str]:
        """Lines written since the last call; a cut line waits for its end."""
        lines: list[str] = []
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return lines
            lines += self._split(chunk)

    def close(self) -> None:
        """Close the file."""
        os.close(self.fd)


def watch(qemu: Qemu, on_line: Callable[[str], None], on_idle: Callable[[], None],
          start_us: int, timeout_s: int, stall_s: int,
          running: Callable[[], str]) -> Optional[str]:
    """Feed QEMU's console to ON_LINE until it ends; a message if it had to be cut off.

    ON_IDLE runs about once a second and after each read (the kernel log)."""
    last = host_usecs()
    while True:
        lines = qemu.lines.read(1.0)
        if qemu.lines.eof:
            lines += qemu.lines.rest()
        on_idle()
        for line in lines:
            on_line(line)
        if lines:
            last = host_usecs()
        if qemu.lines.eof:
            return None
        now = host_usecs()
        if now >= start_us + timeout_s * 1000000:
            return f'timeout after {timeout_s} s while running {running()}; VM killed'
        if now - last >= stall_s * 1000000:
            return f'no output for {stall_s} s while running {running()}: guest hung; VM killed'


class VmLock:
    """The VM lock of this machine, held (by QEMU too) while a guest runs.

    A guest on the real clock takes it alone: two such guests on a couple
    of cores starve each other into RCU stalls and watchdog kills. Guests
    on the virtual clock share it: their time passes only as they execute,
    so side by side they just take longer. The file names the last taker.
    """

    def __init__(self, path: str, who: str, say: Callable[[str], None]):
        self.path = path
        self.who = who
        self.say = say
        self.fd: Optional[int] = None

    def holder(self) -> str:
        """The line naming the run that took the lock last."""
        try:
            with open(self.path, encoding='utf-8', errors='replace') as f:
                line = f.readline().strip()
        except OSError:
            line = ''
        return line or 'PID unknown'

    def acquire(self, wait_s: int, clock: str) -> None:
        """Take the lock for a guest on CLOCK, waiting at most WAIT_S; LockError if not."""
        mode = fcntl.LOCK_SH if clock == 'virtual' else fcntl.LOCK_EX
        if self.fd is None:
            try:
                os.makedirs(os.path.dirname(self.path) or '.', exist_ok=True)
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise LockError(f'cannot open the VM lock {self.path} ({e.strerror}); make its '
                                'directory writable or set VFIO_IGB_CACHE to a writable '
                                'directory') from None
        if not self._try(mode):
            if clock == 'virtual':
                self.say(f'a VM run on the real clock ({self.holder()}) has this machine to '
                         f'itself; waiting up to {wait_s}s for it to end (--lock-wait)')
            else:
                self.say(f'another VM run ({self.holder()}) is using this machine; waiting up '
                         f'to {wait_s}s for it to end (--lock-wait)')
            end = time.monotonic() + wait_s
            while not self._try(mode):
                if time.monotonic() >= end:
                    raise LockError(f'the other VM run ({self.holder()}) still holds '
                                    f'{self.path} after {wait_s}s; try again when it is done, '
                                    'or pass a longer --lock-wait')
                time.sleep(0.2)
            self.say('the other VM run is done; going ahead')
        # Opened without truncating before: the holder's line is in it.
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"PID {os.getpid()}, {self.who}, since {time.strftime('%F %T')}\n"
                  .encode(), 0)

    def _try(self, mode: int) -> bool:
        assert self.fd is not None
        try:
            fcntl.flock(self.fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False


class LockError(Exception):
    """The VM lock could not be had within --lock-wait."""
