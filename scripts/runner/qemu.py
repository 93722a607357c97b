# SPDX-License-Identifier: GPL-2.0-or-later
"""The QEMU command line of a Machine, given the run's options."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field

from .machine import Machine

# The options of a guest clock. "virtual" is TCG's instruction counter:
# guest time is 4 ns per instruction executed (shift=2), whatever the host
# does, and with sleep=off it jumps straight to the next timer when the
# vCPU has nothing to do, so a usleep() in the guest costs next to no host
# time. A fixed shift rather than shift=auto: auto steers guest time back
# towards host time after every jump, which slows the guest clock down
# while it computes (the APIC timer calibration at boot then took a second
# of host time instead of a tenth). KVM has no such mode.
CLOCK_ARGS = {'virtual': ('-icount', 'shift=2,sleep=off'), 'real': ()}


@dataclass
class VmSpec:
    """One boot: accelerator, clock, size, kernel, initramfs and extras."""
    accel: str
    clock: str
    kernel: str
    initrd: str
    kernel_log: str
    memory: str = '1G'
    cpus: int = 1
    append: str = ''
    extra: list[str] = field(default_factory=list)
    # The test port on the user's terminal (vmtest --shell) rather than a pipe.
    terminal: bool = False


def cpu_model(machine: Machine, accel: str, clock: str) -> str:
    """The -cpu of MACHINE under ACCEL on CLOCK."""
    return machine.cpu['kvm' if accel == 'kvm' else f'tcg-{clock}']


def command_line(machine: Machine, qemu: str, spec: VmSpec) -> list[str]:
    """The full QEMU command line (QEMU binary first) that boots SPEC on MACHINE."""
    cmd = [qemu, '-accel', spec.accel]
    if spec.accel != 'kvm':
        cmd += CLOCK_ARGS[spec.clock]
    cmd += ['-cpu', cpu_model(machine, spec.accel, spec.clock), '-m', spec.memory,
            '-smp', str(spec.cpus), '-M', machine.machine,
            '-nodefaults', '-display', 'none', '-no-reboot']
    if spec.terminal:
        # Ctrl-C goes to the guest's shell; Ctrl-A X (the multiplexer's
        # escape) ends QEMU.
        cmd += ['-chardev', 'stdio,id=con0,mux=on,signal=off', '-serial', 'chardev:con0']
    else:
        cmd += ['-serial', 'stdio']
    cmd += ['-serial', f'file:{spec.kernel_log}', *machine.iommu, *machine.nic,
            '-kernel', spec.kernel, '-initrd', spec.initrd]
    append = ' '.join((f'console={machine.kernel_console}', *machine.command_line_args(),
                       'panic=-1', *([spec.append] if spec.append else [])))
    cmd += ['-append', append, *spec.extra]
    return cmd


def clock_words(clock: str) -> str:
    """The QEMU options of CLOCK as one string, for messages."""
    return ' '.join(CLOCK_ARGS[clock])


def qemu_version(qemu: str) -> str:
    """QEMU's version, e.g. "10.0.2 (Debian ...)"; '' when it does not say."""
    try:
        out = subprocess.run([qemu, '--version'], capture_output=True, text=True,
                             check=False).stdout
    except OSError:
        return ''
    first = out.splitlines()[0] if out else ''
    prefix = 'QEMU emulator version '
    return first[len(prefix):] if first.startswith(prefix) else ''
