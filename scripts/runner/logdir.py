# SPDX-License-Identifier: GPL-2.0-or-later
"""Where a run's logs go: a directory of its own, written by one run at a time."""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import time

# Runs kept under the default log directory (build/vmtest/run-*).
KEEP_RUNS = 10


class LogDirError(Exception):
    """The log directory cannot be had; the message says why."""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def new_run_dir(base: str) -> str:
    """Make BASE/run-DATE-PID for this run, point BASE/latest at it, drop old runs.

    Two runs of one clone thus write two separate logs; a run beyond the
    newest KEEP_RUNS is removed unless its vmtest still runs."""
    d = os.path.join(base, time.strftime('run-%Y%m%d-%H%M%S', time.gmtime()) + f'-{os.getpid()}')
    try:
        os.makedirs(base, exist_ok=True)
        os.mkdir(d)
        tmp = os.path.join(base, f'latest.{os.getpid()}')
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.path.basename(d), tmp)
        os.replace(tmp, os.path.join(base, 'latest'))
    except OSError:
        raise LogDirError(f'{base}: cannot make a log directory in it') from None
    runs = sorted(glob.glob(os.path.join(base, 'run-*')))
    for old in runs[:max(0, len(runs) - KEEP_RUNS)]:
        pid = old.rsplit('-', 1)[-1]
        if pid.isdigit() and _running(int(pid)):
            continue
        shutil.rmtree(old, ignore_errors=True)
    return d


def prepare(log_dir: str) -> str:
    """Make LOG_DIR if needed and check it can be written; its absolute path."""
    try:
        os.makedirs(log_dir, exist_ok=True)
        if not os.access(log_dir, os.W_OK):
            raise OSError
    except OSError:
        raise LogDirError(f'--log-dir {log_dir}: cannot create it or write to it') from None
    return os.path.abspath(log_dir)


def lock(log_dir: str) -> int:
    """Make this run the only writer of LOG_DIR (QEMU inherits the lock); the lock's fd."""
    path = os.path.join(log_dir, '.vmtest.lock')
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        with open(path, encoding='utf-8', errors='replace') as f:
            holder = f.readline().strip() or 'PID unknown'
        os.close(fd)
        raise LogDirError(f'--log-dir {log_dir} is being written by another vmtest run '
                          f'({holder}); give this one another --log-dir') from None
    with open(path, 'w', encoding='utf-8') as f:
        f.write(f"PID {os.getpid()}, since {time.strftime('%F %T')}\n")
    return fd
