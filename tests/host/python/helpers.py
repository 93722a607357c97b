# SPDX-License-Identifier: GPL-2.0-or-later
"""What the runner's unit tests share: where the project and its fixtures are."""

import os
import sys

PROJECT = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
TAPS = os.path.join(PROJECT, 'tests/host/scripts/tap')
sys.path.insert(0, os.path.join(PROJECT, 'scripts'))


def read_verdicts():
    """The table of tap/verdicts: (fixture, status or None, verdict, pass, fail, skip)."""
    rows = []
    with open(os.path.join(TAPS, 'verdicts'), encoding='utf-8') as f:
        for line in f:
            w = line.split()
            if w and not w[0].startswith('#'):
                rows.append((w[0], None if w[1] == '-' else int(w[1]), w[2],
                             int(w[3]), int(w[4]), int(w[5])))
    return rows


CASES = read_verdicts()


def tap_lines(name):
    """The lines of the recorded stream tap/NAME.tap."""
    with open(os.path.join(TAPS, name + '.tap'), encoding='utf-8') as f:
        return f.read().splitlines()


def fake_bzimage(path, size=None):
    """Write a file vmtest takes for a bzImage (a setup header, 4 setup sectors and
    6 KiB of zeros), cut to SIZE bytes when given. Nothing can boot it."""
    data = bytearray(5 * 512 + 6144)
    data[0x1f1] = 4
    data[0x1f4:0x1f8] = (6144 // 16).to_bytes(4, 'little')
    data[0x1fe:0x206] = b'\x55\xaa\xeb\x00HdrS'
    with open(path, 'wb') as f:
        f.write(data[:size])
