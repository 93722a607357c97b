# SPDX-License-Identifier: GPL-2.0-or-later
"""vmtest --machine list: each machine with what it needs and what is known to fail on it."""

from __future__ import annotations

import os
import shutil
from typing import Callable, TextIO

from . import kernel
from .machine import DEFAULT_MACHINE, MACHINES, Machine

# A function that gives the cached test kernel of an architecture, or ''.
KernelLookup = Callable[[str], str]


def expected_failures(m: Machine) -> str:
    """MACHINE's expected failures in one phrase: 'none', or each pattern with its cause."""
    if not m.expected_failures:
        return 'none'
    return '; '.join(f"'{pattern}': {why.cause} ({why.report})"
                     for pattern, why in m.expected_failures.items())


def rows(find_kernel: KernelLookup, qemu_env: str = '') -> list[tuple[str, ...]]:
    """One row per machine: name, arch, QEMU, test kernel, description, expected failures."""
    kernels: dict[str, str] = {}
    out: list[tuple[str, ...]] = []
    for m in MACHINES.values():
        if m.arch not in kernels:
            kernels[m.arch] = find_kernel(m.arch)
        qemu = qemu_env or m.qemu
        have = 'found' if shutil.which(qemu) else 'MISSING (scripts/install-deps)'
        cached = kernels[m.arch]
        build = 'scripts/build-test-kernel' + ('' if m.arch == 'x86' else f' --arch {m.arch}')
        kern = f'{m.kernel_image} cached' if cached else f'not built yet ({build})'
        name = m.name + (' (default)' if m.name == DEFAULT_MACHINE else '')
        out.append((name, m.arch, f'{os.path.basename(qemu)}: {have}', kern, m.description,
                    expected_failures(m)))
    return out


def print_machines(out: TextIO, find_kernel: KernelLookup, qemu_env: str = '') -> None:
    """Print the header and one line per machine."""
    table: list[tuple[str, ...]] = [
        ('machine', 'arch', 'QEMU', 'test kernel', 'what it is', 'expected failures')]
    table += rows(find_kernel, qemu_env)
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for r in table:
        cols = [f'{c:<{w}}' for c, w in zip(r, widths)]
        print('  '.join(cols + [r[-1]]).rstrip(), file=out)


def cache_lookup(project: str, tree: str, cache: str) -> KernelLookup:
    """The KernelLookup of build-test-kernel's cache for TREE (it builds nothing)."""
    image = {m.arch: m.kernel_image for m in MACHINES.values()}
    return lambda arch: kernel.cached(project, tree, arch, cache, image[arch])
