# SPDX-License-Identifier: GPL-2.0-or-later
"""The machines the runner can boot, as data: one Machine per machine.

Adding a machine is adding one definition to MACHINES (its QEMU binary,
machine type, CPU models, vIOMMU, the igb's slot, the serial ports and the
kernel's command line); qemu.py turns it into a command line and nothing
else in the runner needs to know about it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Machine:
    """How to boot one kind of guest with an igb behind a vIOMMU."""
    name: str
    description: str
    qemu: str
    machine: str
    # The CPU model by accelerator and guest clock: 'kvm', 'tcg-virtual', 'tcg-real'.
    cpu: dict[str, str]
    iommu: tuple[str, ...]
    nic: tuple[str, ...]
    # The port the guest's /init and the tests print on, and the kernel's own.
    test_console: str
    kernel_console: str
    kernel_args: str
    # What build-test-kernel leaves for it: a bzImage (with a PVH vmlinux beside it).
    kernel_image: str
    # The igb's address in the guest, fixed so that it is the same on every run.
    igb_bdf: str


# q35 with a split irqchip, because intremap=on needs the IOAPIC in QEMU,
# and caching-mode=on, which vfio inside the guest requires of an emulated
# VT-d. Two serial ports keep the streams apart: ttyS0 carries only what
# /init and the tests print, ttyS1 (a file) the kernel's console at full
# verbosity, so kernel messages never break a TAP line.
#
# The CPU: under the instruction counter, the rep-prefixed string copies
# the kernel and libc pick when the CPU has ERMS or FSRM cost far more than
# plain loops (without the two, the DMA mapping test took 1.4 s instead of
# 2.8 s). Under KVM '-cpu max' aborts on the arch-capabilities MSR of
# nested KVM; 'host' is the usual choice with KVM anyway.
Q35_VTD = Machine(
    name='q35-vtd',
    description='x86-64 q35, emulated Intel VT-d, igb at 00:02.0',
    qemu='qemu-system-x86_64',
    machine='q35,kernel-irqchip=split',
    cpu={'kvm': 'host', 'tcg-virtual': 'max,-erms,-fsrm', 'tcg-real': 'max'},
    iommu=('-device', 'intel-iommu,intremap=on,caching-mode=on'),
    nic=('-netdev', 'user,id=n0', '-device', 'igb,netdev=n0,addr=02.0'),
    test_console='ttyS0',
    kernel_console='ttyS1,115200',
    kernel_args='intel_iommu=on panic=-1',
    kernel_image='bzImage',
    igb_bdf='0000:00:02.0',
)

MACHINES = {m.name: m for m in (Q35_VTD,)}
DEFAULT_MACHINE = Q35_VTD.name
