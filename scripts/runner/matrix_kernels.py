# SPDX-License-Identifier: GPL-2.0-or-later
"""What a matrix runs: the suite's tree and a test kernel for each architecture.

Without a kernel tree: the series tip on the default test kernels
(scripts/build-test-kernel, and --arch arm64), as make run has it. With a
kernel tree (--kdir): a kernel built from it for each architecture, and
the tree's own VFIO selftests when it has them (a tree without them, such
as 6.12, gets the series tip on its kernels), as make run KDIR= decides.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from typing import Callable, Optional

# The file build-test-kernel leaves for each architecture, whose presence
# marks a cache entry complete.
IMAGES = {'x86': 'bzImage', 'arm64': 'Image'}
SUITE_MARK = 'tools/testing/selftests/vfio/lib/libvfio.mk'


class KernelBuildError(Exception):
    """A test kernel could not be had; the message says which and why."""


def has_own_suite(kdir: str) -> bool:
    """Whether the kernel tree KDIR has its own VFIO selftests (the test of make run KDIR=)."""
    return os.path.isfile(os.path.join(kdir, SUITE_MARK))


def suite_tree(kdir: str, series_tip: str) -> str:
    """The tree whose suite the cells run."""
    return kdir if kdir and has_own_suite(kdir) else series_tip


@dataclass
class KernelSource:
    """How to ask build-test-kernel for the kernels of one matrix."""
    project: str
    cache: str
    tree: str
    kdir: str = ''

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ('KDIR', 'KSRC')}
        if self.kdir:
            env['KDIR'] = self.kdir
        # A make above us must not hand its jobserver to the kernel's build.
        for k in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL'):
            env.pop(k, None)
        return env

    def _cmd(self, arch: str) -> list[str]:
        return [os.path.join(self.project, 'scripts/build-test-kernel'), '--arch', arch,
                '--tree', self.tree]

    def what(self, arch: str) -> str:
        """The command that builds ARCH's kernel, as a user would type it."""
        return (f'KDIR={self.kdir} ' if self.kdir else '') + \
            f'scripts/build-test-kernel --arch {arch} --tree {self.tree}'

    def cached(self, arch: str) -> Optional[str]:
        """The cached kernel of ARCH, or None when it would have to be built."""
        p = subprocess.run(self._cmd(arch) + ['--print-key'], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=self._env(), check=False)
        key = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ''
        if p.returncode != 0 or not key:
            err = p.stderr.strip().splitlines()
            raise KernelBuildError(f'{arch}: cannot tell which kernel to build: '
                                   f"{err[-1] if err else f'exit status {p.returncode}'}")
        image = os.path.join(self.cache, f'kernel-{key}', IMAGES[arch])
        return image if os.path.isfile(image) else None

    def get(self, arch: str, say: Callable[[str], None]) -> str:
        """ARCH's kernel image: from the cache, else built now (its progress on stderr)."""
        if self.cached(arch) is None:
            say(f'building the {arch} test kernel (not cached; several minutes on 2 cores): '
                f'{self.what(arch)}')
        start = time.monotonic()
        p = subprocess.run(self._cmd(arch), stdout=subprocess.PIPE, text=True, env=self._env(),
                           check=False)
        lines = p.stdout.strip().splitlines()
        if p.returncode != 0 or not lines or not os.path.isfile(lines[-1]):
            raise KernelBuildError(f'building the {arch} test kernel failed '
                                   f'(exit status {p.returncode}); run {self.what(arch)}')
        took = time.monotonic() - start
        if took > 10:
            say(f'{arch} test kernel built in {took:.0f} s: {lines[-1]}')
        return lines[-1]
