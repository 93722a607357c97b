# SPDX-License-Identifier: GPL-2.0-or-later
"""The machines the runner can boot, as data: one Machine per machine.

Adding a machine is adding one definition to MACHINES (its QEMU binary,
machine type, CPU models, vIOMMU, the igb's slot, the kernel's
architecture, the serial ports, the kernel's command line and the cases
known to fail on it); qemu.py turns it into a command line and nothing
else in the runner needs to know about it. What booting each machine by
hand found, and the measured runs, are in docs/machines.md.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Optional

# The options a guest without interrupt remapping or MSI isolation needs
# before vfio will hand it a device: type1 refuses the group, iommufd the
# device, on such a machine otherwise.
UNSAFE_INTERRUPTS = ('vfio_iommu_type1.allow_unsafe_interrupts=1',
                     'iommufd.allow_unsafe_interrupts=1')
# What scripts/build-test-kernel --arch ARCH leaves in its cache entry.
KERNEL_IMAGE = {'x86': 'bzImage', 'arm64': 'Image'}


@dataclass(frozen=True)
class Expectation:
    """Why a case is expected to fail on a machine, and the report on it."""
    cause: str
    # The report under findings/ that a maintainer could post.
    report: str


@dataclass(frozen=True)
class Machine:
    """How to boot one kind of guest with an igb behind a vIOMMU."""
    name: str
    description: str
    # The kernel's architecture: 'x86' or 'arm64' (build-test-kernel --arch).
    arch: str
    qemu: str
    # The -M value.
    machine: str
    # The CPU model by accelerator and guest clock: 'kvm', 'tcg-virtual', 'tcg-real'.
    cpu: dict[str, str]
    # The vIOMMU's QEMU options (empty when -M brings it, as iommu=smmuv3 does).
    iommu: tuple[str, ...]
    # The igb's slot on the root bus: its -device addr=, and so its BDF.
    igb_slot: str
    # The port the guest's /init and the tests print on (the first -serial),
    # and the kernel's own (the second).
    test_console: str
    kernel_console: str
    # Kernel command-line words of this machine, besides console= and panic=.
    kernel_args: tuple[str, ...] = ()
    # No interrupt remapping or MSI isolation in the guest: vfio needs
    # UNSAFE_INTERRUPTS on the command line.
    unsafe_interrupts: bool = False
    # The guest kernel gives the igb no IOMMU group until a driver binds
    # (the vIOMMU probes after PCI enumeration): vm/init binds vfio-pci
    # before setup.sh.
    bind_first: bool = False
    # Case-name glob (fnmatch, on the name cases.tsv shows, e.g.
    # 'vfio_dma_mapping_test.iommufd_*.dma_map_unmap') -> why it fails here.
    # Such a case failing is XFAIL, passing is XPASS (a failure: the
    # expectation is stale).
    expected_failures: dict[str, Expectation] = field(default_factory=dict)

    @property
    def kernel_image(self) -> str:
        """The image file build-test-kernel makes for this machine's architecture."""
        return KERNEL_IMAGE[self.arch]

    @property
    def igb_bdf(self) -> str:
        """The igb's address in the guest, fixed so that it is the same on every run."""
        return f'0000:00:{self.igb_slot}'

    @property
    def nic(self) -> tuple[str, ...]:
        """The QEMU options of the igb: the device alone, with no network behind it."""
        # QEMU: a NIC given no netdev= has no peer, so only its own loopback
        # puts frames in its receive ring (QEMU warns once that it has no
        # peer). The tests need no network, and a backend is not silent: the
        # user-mode one (slirp) sends an IPv6 router advertisement every
        # 200-600 s of guest time, which the driver's promiscuous receive
        # takes into the slot a copy posted, or, with no slot free, QEMU
        # holds for the next copy's RDT write: either copy fails with -EIO.
        return ('-device', f'igb,addr={self.igb_slot}')

    def command_line_args(self) -> tuple[str, ...]:
        """The kernel command-line words this machine needs (console and panic= aside)."""
        return self.kernel_args + (UNSAFE_INTERRUPTS if self.unsafe_interrupts else ())

    def expectation(self, case: str) -> Optional[tuple[str, Expectation]]:
        """(pattern, expectation) of the first expected failure whose glob matches CASE."""
        for pattern, why in self.expected_failures.items():
            if fnmatch.fnmatchcase(case, pattern):
                return pattern, why
        return None


# Every x86 machine boots one kernel (vm/kernel-x86.config has the Intel,
# AMD and virtio IOMMU drivers). The CPU: under the instruction counter,
# the rep-prefixed string copies the kernel and libc pick when the CPU has
# ERMS or FSRM cost far more than plain loops (without the two, the DMA
# mapping test took 1.4 s instead of 2.8 s). Under KVM '-cpu max' aborts on
# the arch-capabilities MSR of nested KVM; 'host' is the usual choice with
# KVM anyway. Two serial ports keep the streams apart: ttyS0 carries only
# what /init and the tests print, ttyS1 (a file) the kernel's console at
# full verbosity, so kernel messages never break a TAP line.
X86_CPU = {'kvm': 'host', 'tcg-virtual': 'max,-erms,-fsrm', 'tcg-real': 'max'}
# arm64 under TCG: QEMU's own pointer-authentication algorithm
# (pauth-impdef) rather than the architected QARMA, which costs TCG much
# more per signed return. QEMU 10's virt machine gets a second PL011 when a
# second -serial is given: the tests on ttyAMA0, the kernel on ttyAMA1.
ARM64_CPU = {'kvm': 'host', 'tcg-virtual': 'max,pauth-impdef=on',
             'tcg-real': 'max,pauth-impdef=on'}


def q35(name: str, description: str, machine: str, iommu: tuple[str, ...],
        **kw: Any) -> Machine:
    """An x86-64 q35 machine: the x86 kernel and CPU, the igb in slot 2, ttyS0/ttyS1."""
    return Machine(name=name, description=description, arch='x86', qemu='qemu-system-x86_64',
                   machine=machine, cpu=X86_CPU, iommu=iommu, igb_slot='02.0',
                   test_console='ttyS0', kernel_console='ttyS1,115200', **kw)


def virt(name: str, description: str, machine: str, iommu: tuple[str, ...],
         **kw: Any) -> Machine:
    """An arm64 virt machine: the arm64 kernel and CPU, the igb in slot 2, ttyAMA0/ttyAMA1."""
    return Machine(name=name, description=description, arch='arm64', qemu='qemu-system-aarch64',
                   machine=machine, cpu=ARM64_CPU, iommu=iommu, igb_slot='02.0',
                   test_console='ttyAMA0', kernel_console='ttyAMA1,115200', **kw)


# q35 with a split irqchip, because intremap=on needs the IOAPIC in QEMU,
# and caching-mode=on, which vfio inside the guest requires of an emulated
# VT-d.
Q35_VTD = q35('q35-vtd', 'x86-64 q35, emulated Intel VT-d (legacy mode, interrupt remapping)',
              'q35,kernel-irqchip=split', ('-device', 'intel-iommu,intremap=on,caching-mode=on'),
              kernel_args=('intel_iommu=on',))

# VT-d's scalable mode: second-level tables through PASID entries; the
# guest opts in with sm_on.
Q35_VTD_SCALABLE = q35(
    'q35-vtd-scalable', 'x86-64 q35, emulated Intel VT-d in scalable mode',
    'q35,kernel-irqchip=split',
    ('-device', 'intel-iommu,intremap=on,caching-mode=on,x-scalable-mode=on'),
    kernel_args=('intel_iommu=on,sm_on',))

# AMD-Vi, translating DMA but without interrupt remapping in the guest.
# QEMU 10.0.2 builds the IO-APIC's address space before the regions it
# aliases, so every IO-APIC interrupt is lost and a guest that remaps
# interrupts panics in check_timer(); with pt=on (QEMU's default) it also
# translates no device DMA. pt=off, and the kernel told to leave interrupt
# remapping off, boot and pass, at the cost of virtio-iommu's: MSIs are not
# isolated, so vfio needs the unsafe options (findings/amd-vi-ioapic-timer.md
# has the cause, the upstream fix and why xtsup=on is left out).
Q35_AMD = q35(
    'q35-amd', 'x86-64 q35, emulated AMD-Vi (DMA remapping; no interrupt remapping)',
    'q35,kernel-irqchip=split', ('-device', 'amd-iommu,intremap=on,pt=off'),
    kernel_args=('intremap=off',), unsafe_interrupts=True)

# virtio-iommu on x86 has no interrupt remapping: without the unsafe
# interrupt options all 130 cases fail (type1 refuses the group). The
# plain q35 irqchip will do. The 6.12 guest makes the igb's group only
# when a driver binds.
Q35_VIRTIO_IOMMU = q35(
    'q35-virtio-iommu', 'x86-64 q35, virtio-iommu (no interrupt remapping)', 'q35',
    ('-device', 'virtio-iommu-pci'), unsafe_interrupts=True, bind_first=True)

# The SMMUv3 comes with the machine (iommu=smmuv3); MSI-X goes through the
# GICv3 ITS, which isolates MSIs. SMMUv3 probes after PCI enumeration, so
# the igb has no group until a driver binds.
VIRT_SMMUV3 = virt('virt-smmuv3', 'arm64 virt, emulated SMMUv3, GICv3 ITS',
                   'virt,iommu=smmuv3,gic-version=3', (), bind_first=True)

VIRT_VIRTIO_IOMMU = virt('virt-virtio-iommu', 'arm64 virt, virtio-iommu, GICv3 ITS',
                         'virt,gic-version=3', ('-device', 'virtio-iommu-pci'), bind_first=True)

MACHINES = {m.name: m for m in (Q35_VTD, Q35_VTD_SCALABLE, Q35_AMD, Q35_VIRTIO_IOMMU,
                                VIRT_SMMUV3, VIRT_VIRTIO_IOMMU)}
DEFAULT_MACHINE = Q35_VTD.name
