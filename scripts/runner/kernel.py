# SPDX-License-Identifier: GPL-2.0-or-later
"""The test kernel: built (cached) by scripts/build-test-kernel, checked, described."""

from __future__ import annotations

import os
import shlex
import struct
import subprocess
import sys
from typing import BinaryIO


class KernelError(Exception):
    """The kernel cannot be had or is not one; the message says why."""


def _bzimage_problem(head: bytes, size: int) -> str:
    """What is wrong with a bzImage whose first KiB is HEAD, or ''.

    The setup header gives the 512-byte setup sectors after the boot
    sector at 0x1f1 (0 means 4) and the protected-mode size in 16-byte
    units at 0x1f4; the image is at least as long as both."""
    if head[0x1fe:0x200] != b'\x55\xaa':
        return 'no boot sector signature 0xAA55 at 0x1fe'
    setup = head[0x1f1] or 4
    syssize, = struct.unpack_from('<I', head, 0x1f4)
    need = (setup + 1) * 512 + syssize * 16
    if syssize == 0:
        return 'its setup header gives no protected-mode size (syssize 0 at 0x1f4)'
    if size < need:
        return f'truncated: {size} bytes, its setup header says at least {need}'
    return ''


def _elf_problem(f: BinaryIO, head: bytes, size: int) -> str:
    """What is wrong with the ELF vmlinux F, or '': an x86-64 executable whose
    program headers, loadable segments and section headers lie within it."""
    if head[4] != 2:
        return 'not a 64-bit ELF'
    e_type, machine = struct.unpack_from('<HH', head, 16)
    if e_type != 2:
        return 'not an ELF executable'
    if machine != 62:
        return 'not an x86-64 ELF'
    phoff, shoff = struct.unpack_from('<QQ', head, 32)
    phentsize, phnum, shentsize, shnum = struct.unpack_from('<HHHH', head, 54)
    if phnum == 0 or phentsize < 56:
        return 'no program headers'
    if phoff + phnum * phentsize > size:
        return f'truncated: {size} bytes, its program headers end at {phoff + phnum * phentsize}'
    if shnum and shoff + shnum * shentsize > size:
        return f'truncated: {size} bytes, its section headers end at {shoff + shnum * shentsize}'
    f.seek(phoff)
    table = f.read(phnum * phentsize)
    for i in range(phnum):
        p_type, = struct.unpack_from('<I', table, i * phentsize)
        offset, = struct.unpack_from('<Q', table, i * phentsize + 8)
        filesz, = struct.unpack_from('<Q', table, i * phentsize + 32)
        if p_type == 1 and offset + filesz > size:
            return f'truncated: {size} bytes, its loadable segment {i} ends at {offset + filesz}'
    return ''


# An arm64 Image: its header's magic "ARM\x64" at 0x38 (the kernel's
# booting.rst for arm64); the image size at 0x10 is what it occupies in
# memory, bss included, so it bounds nothing about the file.
_ARM64_MAGIC = b'ARM\x64'


def _head(path: str) -> tuple[bytes, int]:
    """The first KiB of PATH and its size; OSError when it cannot be read."""
    size = os.path.getsize(path)
    with open(path, 'rb') as f:
        return f.read(1024), size


def image_arch(path: str) -> str:
    """'x86' for a bzImage or an x86-64 ELF, 'arm64' for an arm64 Image, else ''."""
    try:
        head, _ = _head(path)
    except OSError:
        return ''
    if head[0x38:0x3c] == _ARM64_MAGIC:
        return 'arm64'
    if head[0x202:0x206] == b'HdrS' or (head[:4] == b'\x7fELF' and len(head) >= 20 and
                                        struct.unpack_from('<H', head, 18)[0] == 62):
        return 'x86'
    return ''


def image_problem(path: str) -> str:
    """'' when PATH is a whole bzImage or x86-64 ELF vmlinux, or an arm64 Image,
    that QEMU can boot; else why not."""
    try:
        size = os.path.getsize(path)
        with open(path, 'rb') as f:
            head = f.read(1024)
            if size < 1024:
                return f'{size} bytes, too short for a kernel'
            if head[:4] == b'\x7fELF':
                return _elf_problem(f, head, size)
    except FileNotFoundError:
        return 'no such file'
    except OSError:
        return 'cannot be read'
    if head[0x202:0x206] == b'HdrS':
        return _bzimage_problem(head, size)
    if head[0x38:0x3c] == _ARM64_MAGIC:
        return ''
    return ('neither a bzImage (no "HdrS" at 0x202), an ELF vmlinux nor an arm64 Image '
            '(no "ARM\\x64" at 0x38)')


def check(kernel: str, tree: str, cache: str, arch: str = 'x86', machine: str = '') -> None:
    """Refuse KERNEL, or the vmlinux beside it that boots instead, if QEMU could not boot it
    on a machine of ARCH (MACHINE names it in the message).

    A damaged entry of build-test-kernel's cache is named with the command
    that rebuilds it."""
    if not os.path.exists(kernel):
        raise KernelError(f'--kernel {kernel}: no such file')
    for img in dict.fromkeys((kernel, boot_image(kernel))):
        why = image_problem(img)
        if not why:
            continue
        entry = os.path.dirname(os.path.realpath(img))
        if os.path.dirname(entry) == os.path.realpath(cache) and \
                os.path.basename(entry).startswith('kernel-'):
            kdir = os.environ.get('KDIR', '')
            cmd = (f'KDIR={shlex.quote(kdir)} ' if kdir else '') + \
                'scripts/build-test-kernel --force' + \
                (f' --arch {arch}' if arch != 'x86' else '') + \
                (f' --tree {shlex.quote(tree)}' if tree else '')
            raise KernelError(f'the cached test kernel {entry} is damaged '
                              f'({os.path.basename(img)}: {why}); rebuild it: {cmd}')
        if img == kernel:
            raise KernelError(f'--kernel {kernel}: not a kernel QEMU can boot: {why}')
        raise KernelError(f'--kernel {kernel}: the vmlinux beside it, which is what boots, '
                          f'is not a whole kernel: {why}')
    got = image_arch(kernel)
    if got != arch:
        on = f'{machine} boots {arch}' if machine else f'the machine boots {arch}'
        raise KernelError(f'--kernel {kernel}: an {got} kernel, but {on} '
                          f'(scripts/build-test-kernel --arch {arch} builds one)')


def _build_cmd(project: str, tree: str, arch: str) -> list[str]:
    cmd = [os.path.join(project, 'scripts/build-test-kernel')]
    if arch != 'x86':
        cmd += ['--arch', arch]
    if tree:
        cmd += ['--tree', tree]
    return cmd


def build(project: str, tree: str, arch: str = 'x86') -> str:
    """Build (or find in the cache) the test kernel of ARCH for TREE; return the image's path."""
    p = subprocess.run(_build_cmd(project, tree, arch), stdout=subprocess.PIPE, text=True,
                       check=False)
    if p.returncode != 0 or not p.stdout.strip():
        raise KernelError(f'building the {arch} test kernel failed')
    return p.stdout.strip().splitlines()[-1]


def cached(project: str, tree: str, arch: str, cache: str, image: str) -> str:
    """The path of the cached test kernel build() would return, or '' when it is not built.

    Asks build-test-kernel for its cache key, which builds nothing."""
    p = subprocess.run(_build_cmd(project, tree, arch) + ['--print-key'],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       check=False)
    key = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else ''
    path = os.path.join(cache, f'kernel-{key}', image)
    return path if key and os.path.isfile(path) else ''


def boot_image(kernel: str) -> str:
    """What QEMU boots for the bzImage KERNEL: the PVH vmlinux beside it, when there is one.

    Entering the vmlinux directly saves the firmware's loader and the
    decompressor."""
    d = os.path.dirname(kernel)
    elf = os.path.join(d, 'vmlinux')
    if os.path.basename(kernel) == 'bzImage' and os.path.isfile(elf):
        try:
            with open(os.path.join(d, 'config'), encoding='utf-8', errors='replace') as f:
                if any(line.rstrip('\n') == 'CONFIG_PVH=y' for line in f):
                    return elf
        except OSError:
            pass
    return kernel


def version(image: str) -> str:
    """The version a kernel image carries, or 'unknown version'.

    A bzImage: its setup header's 16-bit word at 0x20e points to the
    string, relative to 0x200. An arm64 Image is not compressed: its
    banner "Linux version X ..." is in it as it is."""
    try:
        with open(image, 'rb') as f:
            head = f.read(1024)
            if head[0x202:0x206] != b'HdrS':
                data = head + f.read()
                at = data.find(b'Linux version ')
                if at < 0:
                    return 'unknown version'
                text = data[at + len(b'Linux version '):at + 128]
            else:
                off, = struct.unpack_from('<H', head, 0x20e)
                f.seek(0x200 + off)
                text = f.read(128)
    except (OSError, struct.error):
        return 'unknown version'
    words = text.split(b'\0')[0].split(b'\n')[0].split(b' ')
    return words[0].decode('utf-8', 'replace')


def main(argv: list[str]) -> int:
    """The command line: for each FILE, exit 1 with one line saying why it is not a kernel."""
    for path in argv:
        why = image_problem(path)
        if why:
            print(why)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
