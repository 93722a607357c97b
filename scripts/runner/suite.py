# SPDX-License-Identifier: GPL-2.0-or-later
"""What the VM runs: the tree's VFIO selftests, their programs, their build."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

MIRROR_REL = 'tree/tools/testing/selftests/vfio'


class SuiteError(Exception):
    """The suite cannot be found, listed or built; the message says why."""


@dataclass(frozen=True)
class Paths:
    """Where the project, its build directory and its cache are."""
    project: str
    build: str
    cache: str

    @classmethod
    def from_env(cls, project: str) -> 'Paths':
        """The paths as the scripts' environment sets them (BUILD_DIR, VFIO_IGB_CACHE).

        The cache is VFIO_IGB_CACHE, else XDG_CACHE_HOME/vfio-igb when that is
        absolute, else ~/.cache/vfio-igb when HOME is an absolute directory,
        as scripts/lib/common.sh has it."""
        xdg, home = os.environ.get('XDG_CACHE_HOME', ''), os.environ.get('HOME')
        if os.environ.get('VFIO_IGB_CACHE'):
            cache = os.environ['VFIO_IGB_CACHE']
        elif xdg.startswith('/'):
            cache = os.path.join(xdg, 'vfio-igb')
        elif home and home.startswith('/') and home != '/' and os.path.isdir(home):
            cache = os.path.join(home, '.cache/vfio-igb')
        else:
            what = 'unset' if home is None else f"'{home}'"
            raise SuiteError(f'no place for the cache: HOME is {what}, not an absolute '
                             'directory, and neither VFIO_IGB_CACHE nor XDG_CACHE_HOME is set; '
                             'set VFIO_IGB_CACHE=/path/to/cache')
        return cls(project, os.environ.get('BUILD_DIR') or os.path.join(project, 'build'), cache)


def is_kernel_tree(tree: str) -> bool:
    """Whether TREE is a kernel source tree, not the mirror or a tree made from it."""
    return bool(tree) and os.path.isfile(os.path.join(tree, 'Makefile')) and \
        os.path.isfile(os.path.join(tree, 'Kconfig'))


def mirror_dir(paths: Paths, tree: str) -> str:
    """The tools/testing/selftests/vfio directory of TREE ('' is the project's tree/)."""
    if not tree:
        return os.path.join(paths.project, MIRROR_REL)
    sub = os.path.join(tree, 'tools/testing/selftests/vfio')
    if os.path.isdir(sub):
        return os.path.abspath(sub)
    if os.path.isfile(os.path.join(tree, 'lib/libvfio.mk')):
        return os.path.abspath(tree)
    raise SuiteError(f'{tree} holds no tools/testing/selftests/vfio')


def kernel_source(paths: Paths) -> str:
    """The kernel source the tests build against: KDIR, or scripts/kernel-source's."""
    kdir = os.environ.get('KDIR', '')
    if kdir:
        if not os.path.isfile(os.path.join(kdir, 'Makefile')) or \
                not os.path.isdir(os.path.join(kdir, 'tools/testing/selftests')):
            raise SuiteError(f'KDIR={kdir} is not a kernel source tree '
                             '(no Makefile or tools/testing/selftests)')
        return os.path.realpath(kdir)
    p = subprocess.run([os.path.join(paths.project, 'scripts/kernel-source')],
                       stdout=subprocess.PIPE, text=True, check=False)
    if p.returncode != 0 or not p.stdout.strip():
        raise SuiteError('no kernel source (see the line above)')
    return p.stdout.strip().splitlines()[-1]


def _emit_tests(directory: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL')}
    p = subprocess.run(['make', '-s', '--no-print-directory', '-C', directory, 'emit_tests'],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       env=env, check=False)
    return p.stdout if p.returncode == 0 else ''


def test_programs(paths: Paths, mirror: str) -> list[str]:
    """The test programs MIRROR builds, in its Makefile's order (kselftest emit_tests).

    Outside a kernel tree the Makefile is asked in a throwaway skeleton with
    the lib.mk of the kernel source the build uses."""
    for need in ('Makefile', 'lib'):
        if not os.path.exists(os.path.join(mirror, need)):
            raise SuiteError(f'{mirror}: no {need}; not a tree of the VFIO selftests')
    if os.path.isfile(os.path.join(mirror, '../lib.mk')):
        out = _emit_tests(mirror)
    else:
        kdir = kernel_source(paths)
        with tempfile.TemporaryDirectory() as skel:
            vfio = os.path.join(skel, 'tools/testing/selftests/vfio')
            os.makedirs(vfio)
            os.makedirs(os.path.join(skel, 'scripts'))
            shutil.copy(os.path.join(kdir, 'tools/testing/selftests/lib.mk'),
                        os.path.dirname(vfio))
            shutil.copy(os.path.join(mirror, 'Makefile'), vfio)
            shutil.copytree(os.path.join(mirror, 'lib'), os.path.join(vfio, 'lib'))
            kscripts = os.path.join(kdir, 'scripts')
            for f in os.listdir(kscripts):
                if f.endswith('.include'):
                    shutil.copy(os.path.join(kscripts, f), os.path.join(skel, 'scripts'))
            out = _emit_tests(vfio)
    progs = [line.split(':', 1)[1] for line in out.splitlines() if ':' in line]
    if not progs:
        raise SuiteError(f"{mirror}: 'make emit_tests' listed no test programs")
    return progs


# The make variables of a cross build of the tests, by the guest's architecture
# (make build-arm64 builds the same way).
CROSS_MAKE: dict[str, list[str]] = {
    'x86': [], 'arm64': ['ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-']}


def build_tests(paths: Paths, tree: str, arch: str = 'x86') -> str:
    """Build the tests statically for ARCH; return the directory of the binaries.

    Another --tree gets its own output directory: the build copies the
    sources with their times kept, and make would take objects built from
    newer files of a different tree as up to date."""
    out = os.path.join(paths.build, 'oot/vm-static' + ('' if arch == 'x86' else f'-{arch}'))
    if tree:
        out += '-' + hashlib.md5((tree + '\n').encode()).hexdigest()[:8]
    os.makedirs(out, exist_ok=True)
    cmd = ['flock', out + '.lock', 'make', '-C', os.path.join(paths.project, 'Kbuild-oot'),
           'STATIC=1', f'O={out}', *CROSS_MAKE[arch]]
    if tree:
        cmd.append(f'TREE={tree}')
    # Parallel runs share the output directory; they build in turn.
    if subprocess.run(cmd, stdout=2, check=False).returncode != 0:
        raise SuiteError(f'building the selftests for {arch} failed')
    return os.path.join(out, 'out')


def describe(tree: str, mirror: str) -> str:
    """What the VM runs, for the summary: the mirror, or a kernel tree's own suite."""
    if not tree:
        return f'the mirror ({mirror})'
    if is_kernel_tree(tree):
        p = subprocess.run(['make', '-s', '--no-print-directory', '-C', tree, 'kernelversion'],
                           capture_output=True, text=True, check=False)
        version = p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else '?'
        return f"the kernel tree's own VFIO selftests ({mirror}, Linux {version})"
    return mirror


def default_memory(tree: str) -> str:
    """The guest memory a suite gets unless -m says otherwise.

    The mirror's tests map a few MiB at a time and boot faster in 1 GiB;
    the Linux 7.3 tree's driver test maps a 1 GiB buffer per case."""
    return '3G' if is_kernel_tree(tree) else '1G'
