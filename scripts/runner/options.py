# SPDX-License-Identifier: GPL-2.0-or-later
"""The checked options of one vmtest run, as cli.py hands them to run.py."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Options:
    """Every vmtest option, checked; paths absolute."""
    tree: str = ''
    mirror: str = ''
    tests: list[str] = field(default_factory=list)
    test_argv: list[str] = field(default_factory=list)
    also_pack: list[str] = field(default_factory=list)
    bin_dir: str = ''
    kernel: str = ''
    machine: str = ''
    accel: str = 'auto'
    clock: str = 'auto'
    cpus: int = 1
    memory: str = ''
    append: str = ''
    qemu_extra: list[str] = field(default_factory=list)
    hugepages: int = 4
    gib_pages: int = 0
    timeout: int = 1800
    stall: int = 300
    lock_wait: int = 3600
    log_dir: str = ''
    trace: bool = False
    shell: bool = False
    dry_run: bool = False
    verbose: bool = False
    check_only: bool = False
