# SPDX-License-Identifier: GPL-2.0-or-later
"""The guest's initramfs: busybox, static bash, /init and the tests, as newc cpio.

The archive is written here, in the "newc" format the kernel unpacks
(Documentation/driver-api/early-userspace/buffer-format.rst), which can
hold device nodes without root: the kernel opens /dev/console before
running /init and devtmpfs is not mounted yet, so the node must be in the
archive. Not compressed: the guest copies 10 MB faster than it inflates
2.6 MB under emulation (about half a second of boot).
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import subprocess
from typing import BinaryIO, Callable, Iterable, Optional

_PT_INTERP = 3


class InitramfsError(Exception):
    """The initramfs cannot be made; the message says why."""


def is_dynamic(path: str) -> bool:
    """Whether the ELF file PATH asks for a program interpreter (a loader)."""
    with open(path, 'rb') as f:
        ident = f.read(64)
        if len(ident) < 52 or ident[:4] != b'\x7fELF':
            return False
        end = '<' if ident[5] == 1 else '>'
        if ident[4] == 2:
            phoff, = struct.unpack_from(end + 'Q', ident, 32)
            phentsize, phnum = struct.unpack_from(end + 'HH', ident, 54)
        else:
            phoff, = struct.unpack_from(end + 'I', ident, 28)
            phentsize, phnum = struct.unpack_from(end + 'HH', ident, 42)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, = struct.unpack(end + 'I', f.read(4))
            if p_type == _PT_INTERP:
                return True
    return False


def require_static(path: str) -> None:
    """Refuse a dynamically linked PATH: it would die in the guest with a bare ENOENT."""
    if is_dynamic(path):
        raise InitramfsError(f'{path} is dynamically linked; the initramfs needs static '
                             'binaries (STATIC=1)')


class CpioWriter:
    """A newc archive being written, entry by entry."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.ino = 720

    def _entry(self, name: str, mode: int, size: int, nlink: int = 1, mtime: int = 0,
               rdev: tuple[int, int] = (0, 0)) -> None:
        self.ino += 1
        path = name.lstrip('/').encode() + b'\0'
        fields = (self.ino, mode, 0, 0, nlink, mtime, size, 0, 0, rdev[0], rdev[1],
                  len(path), 0)
        head = b'070701' + b''.join(b'%08X' % v for v in fields)
        self.out.write(head + path)
        self._pad(len(head) + len(path))

    def _pad(self, n: int) -> None:
        self.out.write(b'\0' * (-n % 4))

    def directory(self, name: str, perm: int = 0o755) -> None:
        """Add directory NAME."""
        self._entry(name, stat.S_IFDIR | perm, 0, nlink=2)

    def char_device(self, name: str, perm: int, major: int, minor: int) -> None:
        """Add character device node NAME."""
        self._entry(name, stat.S_IFCHR | perm, 0, rdev=(major, minor))

    def symlink(self, name: str, target: str) -> None:
        """Add symbolic link NAME pointing to TARGET."""
        data = target.encode()
        self._entry(name, stat.S_IFLNK | 0o777, len(data))
        self.out.write(data)
        self._pad(len(data))

    def file(self, name: str, source: str, perm: int) -> None:
        """Add regular file NAME with the contents of SOURCE."""
        st = os.stat(source)
        self._entry(name, stat.S_IFREG | perm, st.st_size, mtime=int(st.st_mtime))
        with open(source, 'rb') as f:
            shutil.copyfileobj(f, self.out)
        self._pad(st.st_size)

    def finish(self) -> None:
        """Write the trailer that ends the archive."""
        self.ino = -1
        self._entry('TRAILER!!!', 0, 0)


def busybox_applets(busybox: str) -> list[str]:
    """The applets of BUSYBOX as paths ("bin/ls"), from its --list-full."""
    out = subprocess.run([busybox, '--list-full'], capture_output=True, text=True, check=True)
    return [a.strip() for a in out.stdout.splitlines() if a.strip()]


def guest_userland(project: str, arch: str) -> tuple[str, str]:
    """The static busybox and bash of an ARCH guest, from scripts/guest-userland.

    For x86 they are the host's (BUSYBOX, BASH_STATIC override them); for
    arm64 Debian's arm64 builds, unpacked into the cache on first use."""
    p = subprocess.run([os.path.join(project, 'scripts/guest-userland'), '--arch', arch],
                       stdout=subprocess.PIPE, text=True, check=False)
    found = dict(line.split(' ', 1) for line in p.stdout.splitlines() if ' ' in line)
    if p.returncode != 0 or 'busybox' not in found or 'bash' not in found:
        raise InitramfsError(f'no static busybox and bash for an {arch} guest '
                             '(scripts/guest-userland failed; see above)')
    return found['busybox'], found['bash']


def pack(out: str, busybox: str, bash: str, init: str, conf: str, bin_dir: str,
         script_dir: str, programs: Iterable[str],
         warn: Callable[[str], None], applet_links: bool = True) -> None:
    """Write the initramfs OUT: the userland, INIT, CONF, PROGRAMS of BIN_DIR, scripts.

    Without APPLET_LINKS (a busybox of another architecture, which cannot
    list its applets here) the guest's /init makes them."""
    for tool, package in ((busybox, 'busybox-static'), (bash, 'bash-static')):
        if not os.access(tool, os.X_OK):
            raise InitramfsError(f'{tool} missing; install {package}')
        require_static(tool)
    files: list[tuple[str, str, int]] = []
    for name in programs:
        src = os.path.join(bin_dir, name)
        if not os.path.isfile(src):
            warn(f'warning: {src} not found; it will be reported as not run')
            continue
        require_static(src)
        files.append((f'/vfio/{name}', src, 0o755))
    if os.path.isdir(script_dir):
        for s in sorted(os.listdir(script_dir)):
            if s.endswith('.sh') and os.path.isfile(os.path.join(script_dir, s)):
                files.append((f'/vfio/scripts/{s}', os.path.join(script_dir, s), 0o755))
    tmp = out + '.tmp'
    with open(tmp, 'wb') as f:
        cpio = CpioWriter(f)
        for d in ('/bin', '/sbin', '/usr', '/usr/bin', '/usr/sbin', '/dev', '/proc', '/sys',
                  '/tmp', '/run', '/root', '/vfio', '/vfio/scripts'):
            cpio.directory(d)
        cpio.char_device('/dev/console', 0o600, 5, 1)
        cpio.file('/bin/busybox', busybox, 0o755)
        cpio.file('/bin/bash', bash, 0o755)
        for applet in busybox_applets(busybox) if applet_links else []:
            # Without busybox's init, a broken /init ends in a kernel panic
            # the host sees, not in an idle shell on the console.
            if applet not in ('bin/busybox', 'bin/bash', 'sbin/init', 'linuxrc'):
                cpio.symlink('/' + applet, '/bin/busybox')
        cpio.file('/init', init, 0o755)
        cpio.file('/vmtest.conf', conf, 0o644)
        for name, src, perm in files:
            cpio.file(name, src, perm)
        cpio.finish()
    os.replace(tmp, out)


def read_archive(path: str) -> dict[str, tuple[int, Optional[bytes]]]:
    """The entries of the newc archive PATH: name -> (mode, data); for tests."""
    entries: dict[str, tuple[int, Optional[bytes]]] = {}
    with open(path, 'rb') as f:
        data = f.read()
    pos = 0
    while True:
        head = data[pos:pos + 110]
        if head[:6] != b'070701':
            raise InitramfsError(f'{path}: bad header at {pos}')
        v = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = v[1], v[6], v[11]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        if name == 'TRAILER!!!':
            return entries
        entries[name] = (mode, data[pos:pos + size])
        pos += size
        pos += -pos % 4
