# SPDX-License-Identifier: GPL-2.0-or-later
"""Daemons started by hand, as their systemd units would, with PID files.

There is no systemd on the hosts this runs on (a container's PID 1), so
the lab starts each service itself: a session of its own, stdin from
/dev/null, output appended to a log, the PID in <name>.pid. Stopping one
collects its whole process tree first (lava-worker's jobs run QEMU in
sessions of their own), signals the daemon, waits a bounded time, then
kills whatever of the tree is left. Nothing is ever signalled by name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2:].split()
    return int(rest[1]), rest[0]


def alive(pid: int) -> bool:
    """Whether pid is a live process (a zombie is not)."""
    st = _stat(pid)
    return st is not None and st[1] != "Z"


def cmdline(pid: int) -> str:
    """The command line of pid, blank-separated ("" if it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def descendants(pid: int) -> list[int]:
    """Every live process below pid, children before their children."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        st = _stat(int(entry.name))
        if st:
            children.setdefault(st[0], []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for c in children.get(todo.pop(0), []):
            out.append(c)
            todo.append(c)
    return out


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait up to timeout seconds for pids to end; those still alive."""
    deadline = time.monotonic() + timeout
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = [p for p in left if alive(p)]
    return left


@dataclass
class Daemon:
    """A service of the lab: its command, environment, user and files.

    match: a word its command line must contain for a PID file to count
    as this daemon (a PID can be reused after a reboot). stop_signal: what
    asks it to stop (SIGINT is PostgreSQL's fast shutdown).
    """

    name: str
    argv: list[str]
    state_dir: Path
    match: str
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 30.0
    # The process when this object started it (it is then our child, to
    # be reaped when it stops).
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid_file(self) -> Path:
        """Where its PID is kept."""
        return self.state_dir / "run" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        """Where its stdout and stderr go."""
        return self.state_dir / "log" / f"{self.name}.out"

    def pid(self) -> int | None:
        """Its PID if it runs (per the PID file), else None."""
        if self._proc is not None and self._proc.poll() is None:
            # Started by this object: its command line may not be this
            # daemon's yet (the child has not reached exec).
            return self._proc.pid
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if alive(pid) and self.match in cmdline(pid):
            return pid
        return None

    def start(self) -> int:
        """Start it unless it runs; its PID."""
        running = self.pid()
        if running:
            return running
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(self.env)
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, cwd="/",
                start_new_session=True, user=self.user,
                group=self.user, extra_groups=[] if self.user else None)
        self._proc = proc
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def stop(self, say: Callable[[str], None]) -> bool:
        """Stop it and everything it started; False if it was not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        tree = descendants(pid)
        os.kill(pid, self.stop_signal)
        left = wait_gone([pid], self.stop_timeout)
        if left:
            say(f"{self.name} (pid {pid}) did not stop in "
                f"{self.stop_timeout:.0f} s; killing it")
        for p in [pid] + tree:
            if alive(p):
                os.kill(p, signal.SIGKILL)
        if self._proc is not None and self._proc.pid == pid:
            self._proc.wait(timeout=10)
            self._proc = None
        left = wait_gone([pid] + tree, 10)
        if left:
            say(f"{self.name}: processes {left} survived SIGKILL")
        self.pid_file.unlink(missing_ok=True)
        return True
