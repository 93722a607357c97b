# SPDX-License-Identifier: GPL-2.0-or-later
"""What a run adds to every machine's guest: kernel command line words and memory.

Two things the suites need from the guest kernel that only its command
line can give:

- SR-IOV. vfio-pci lets the PF it drives enable VFs (sriov_numvfs) only
  with its enable_sriov parameter set. It is set on every run: it changes
  nothing until a test writes sriov_numvfs, the tests that do (the
  mirror's VF token test, Linux 7.3's SR-IOV test) create their VFs and
  remove them again, and the guest has no device but the igb to create
  them on. Per binary it would make the runner keep a list of which tests
  need SR-IOV, and the mirror and a kernel tree's suite would differ.
- 1 GiB huge pages. The kernel reserves them only at boot (hugepagesz=1G
  hugepages=N); /init reserves the 2 MiB ones at run time. A kernel tree's
  own suite (Linux 7.3's) maps a 1 GiB page in the hugetlb-1G variants of
  its DMA mapping test, one at a time, so it gets one page by default and
  the guest memory grows by what is reserved. The mirror's suite maps no
  1 GiB page and boots as before.
"""

from __future__ import annotations

import re

SRIOV_ARGS = 'vfio_pci.enable_sriov=1'

GIB_PAGES_KERNEL_TREE = 1


def default_gib_pages(kernel_tree: bool) -> int:
    """The 1 GiB pages a run reserves unless told: one for a kernel tree's own suite."""
    return GIB_PAGES_KERNEL_TREE if kernel_tree else 0


def kernel_args(gib_pages: int, append: str) -> str:
    """The words after the machine's own kernel arguments: SR-IOV, 1 GiB pages, --append."""
    words = [SRIOV_ARGS]
    if gib_pages:
        words.append(f'hugepagesz=1G hugepages={gib_pages}')
    if append:
        words.append(append)
    return ' '.join(words)


def memory(base: str, gib_pages: int) -> str:
    """Guest memory BASE (QEMU's -m form, e.g. '3G') grown by GIB_PAGES GiB."""
    if not gib_pages:
        return base
    m = re.fullmatch(r'([0-9]+)([KMGT]?)', base)
    if not m:
        raise ValueError(f'not a memory size: {base!r}')
    shift = {'K': 10, 'M': 20, 'G': 30, 'T': 40, '': 20}[m.group(2)]
    mib = (int(m.group(1)) << shift) >> 20
    mib += gib_pages << 10
    return f'{mib >> 10}G' if mib % 1024 == 0 else f'{mib}M'
