# SPDX-License-Identifier: GPL-2.0-or-later
"""The conformance checker's register map (scripts/igb_conformance/regs.py) is the driver's.

Every register and bit regs.py names that the igb driver's registers.h
also defines (as E1000_<NAME>, or under the other name listed in ALIASES)
must have the same value there, so that the map is written once and a
change to it in the driver cannot leave the checker behind.
"""

import os
import re
import unittest

from .helpers import PROJECT

from igb_conformance import regs

REGISTERS_H = os.path.join(PROJECT, 'tree/tools/testing/selftests/vfio/lib/drivers/igb/'
                           'registers.h')
# regs.py's name -> registers.h's, where the two differ.
ALIASES = {'GPIE_MULTIPLE_MSIX': 'E1000_GPIE_MSIX_MODE',
           'XDCTL_ENABLE': 'E1000_TXDCTL_QUEUE_ENABLE',
           'MDIC_DATA': 'E1000_MDIC_DATA_MASK', 'RCTL_LBM': 'E1000_RCTL_LBM_MASK',
           'SRRCTL_DESCTYPE': 'E1000_SRRCTL_DESCTYPE_MASK'}
_DEFINE = re.compile(r'^#define\s+(E1000_\w+)(\(n\))?\s+(.+?)\s*(/\*.*)?$')


def header_values(path):
    """The E1000_ defines of PATH whose value is a number, a BIT(), a GENMASK() or queue 0's."""
    values = {}
    with open(path) as f:
        for line in f:
            m = _DEFINE.match(line.strip())
            if not m:
                continue
            name, per_queue, text = m.group(1), m.group(2), m.group(3)
            if per_queue:
                # (0xBASE + STRIDE * (n)): queue or vector 0.
                q = re.fullmatch(r'\((0x[0-9a-fA-F]+) \+ (0x)?[0-9a-fA-F]+ \* \(n\)\)', text)
                if q:
                    values[name] = int(q.group(1), 16)
                continue
            if re.fullmatch(r'0x[0-9a-fA-F]+|[0-9]+', text):
                values[name] = int(text, 0)
            elif (b := re.fullmatch(r'BIT\(([0-9]+)\)', text)):
                values[name] = 1 << int(b.group(1))
            elif (g := re.fullmatch(r'GENMASK\(([0-9]+), ([0-9]+)\)', text)):
                hi, lo = int(g.group(1)), int(g.group(2))
                values[name] = ((1 << (hi - lo + 1)) - 1) << lo
    return values


class RegistersTest(unittest.TestCase):
    def test_same_values_as_the_driver(self):
        header = header_values(REGISTERS_H)
        ours = {k: v for k, v in vars(regs).items() if k.isupper() and isinstance(v, int)}
        compared = []
        for name, value in ours.items():
            theirs = ALIASES.get(name, 'E1000_' + name)
            if theirs in header:
                compared.append(name)
                with self.subTest(name=name):
                    self.assertEqual(value, header[theirs],
                                     f'regs.{name} is 0x{value:x}, {theirs} 0x{header[theirs]:x}')
        # A header this test can no longer read must not pass unnoticed.
        self.assertGreaterEqual(len(compared), 20, compared)
        self.assertIn('RDBAL', compared)
        self.assertIn('MDIC_READY', compared)

    def test_parser(self):
        self.assertEqual(header_values(REGISTERS_H)['E1000_TDT'], 0x0e018)
        self.assertEqual(header_values(REGISTERS_H)['E1000_RCTL_LBM_MASK'], 3 << 6)


if __name__ == '__main__':
    unittest.main()
