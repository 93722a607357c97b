# SPDX-License-Identifier: GPL-2.0-or-later
"""KVM or TCG, and the guest clock a run gets."""

from __future__ import annotations

import hashlib
import os
import platform
import time
from dataclasses import dataclass
from typing import Callable

from .machine import Machine
from .qemu import VmSpec, clock_words, command_line, qemu_version
from .supervise import Qemu


@dataclass(frozen=True)
class Clock:
    """The guest clock of a run and why it is that one."""
    mode: str
    why: str

    def describe(self) -> str:
        """The text of the summary's 'clock:' line."""
        if self.mode == 'virtual':
            return f'virtual ({clock_words("virtual")}): {self.why}'
        return f'real: {self.why}'


def choose_clock(want: str, accel: str, kernel_tree: bool, shell: bool, trace: bool) -> Clock:
    """The guest clock for a run.

    The mirror's suite is written for a guest whose clock may run ahead of
    the host's: its waits are bounded in guest time. A kernel tree's own
    suite gets the real clock: the Linux 7.3 tree's driver test runs past
    its 30 s harness timeout when guest time skips ahead."""
    if accel == 'kvm':
        return Clock('real', 'KVM: the guest runs on the host\'s clock')
    if want != 'auto':
        return Clock(want, f'--clock={want}')
    if trace:
        # On the virtual clock a delay of the guest takes no host time, and
        # reset-quiet found a register write 0.7 ms "after" a reset whose
        # 1 ms wait the driver had kept.
        return Clock('real', '--trace-device: QEMU stamps the trace with host time, against '
                     "which igb-conformance measures the driver's delays")
    if shell:
        return Clock('real', "an interactive shell, where 'sleep 1' should take a second")
    if kernel_tree:
        return Clock('real', "a kernel tree's own suite, whose timeouts assume a guest as fast "
                     'as the host; --clock=virtual to try it')
    return Clock('virtual', "the mirror's suite under TCG; --clock=real for the host's clock")


# platform.machine() of a host -> the kernel architecture it runs natively.
_HOST_ARCH = {'x86_64': 'x86', 'amd64': 'x86', 'aarch64': 'arm64', 'arm64': 'arm64'}


def host_arch() -> str:
    """This host's architecture as a Machine names it ('x86', 'arm64'), or its own name."""
    return _HOST_ARCH.get(platform.machine().lower(), platform.machine())


def foreign(machine: Machine) -> bool:
    """Whether MACHINE's guest is of another architecture than the host: only TCG runs it."""
    return machine.arch != host_arch()


def verdict_file(cache: str, qemu: str) -> str:
    """The file holding the KVM probe's verdict for this host kernel, QEMU and CPU."""
    model = ''
    try:
        with open('/proc/cpuinfo', encoding='utf-8', errors='replace') as f:
            model = next((line.rstrip('\n') for line in f if line.startswith('model name')), '')
    except OSError:
        pass
    key = f'{platform.release()}\n{qemu_version(qemu)}\n' + (model + '\n' if model else '')
    return os.path.join(cache, 'kvm-probe-' + hashlib.md5(key.encode()).hexdigest()[:12])


def needs_probe(want: str, machine: Machine, cache: str, qemu: str) -> bool:
    """Whether choose_accel(WANT) would boot a probe VM."""
    return want == 'auto' and not foreign(machine) and os.path.exists('/dev/kvm') and \
        not os.path.isfile(verdict_file(cache, qemu))


def kvm_works(machine: Machine, qemu: str, kernel: str, initrd: str, work: str) -> tuple[bool, str]:
    """Boot the guest under KVM up to /init, which answers vmtest.probe; (works, why).

    On hosts with broken nested KVM the guest dies in the decompressor or
    spins, printing nothing, and QEMU pauses rather than exits; a working
    KVM reaches /init in a second or two, so the wait is short."""
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return False, 'no access to /dev/kvm'
    spec = VmSpec('kvm', 'real', kernel, initrd, os.path.join(work, 'probe-kernel.log'),
                  append='vmtest.probe')
    log = open(os.path.join(work, 'probe.log'), 'w', encoding='utf-8')
    vm = Qemu(command_line(machine, qemu, spec))
    ok, why = False, 'timeout'
    try:
        end = time.monotonic() + int(os.environ.get('KVM_PROBE_TIMEOUT', '10'))
        while time.monotonic() < end and not ok and why == 'timeout':
            for line in vm.lines.read(1.0) + (vm.lines.rest() if vm.lines.eof else []):
                log.write(line + '\n')
                if '@@VMTEST PROBE OK' in line:
                    ok, why = True, 'ok'
                    break
                if any(s in line for s in ('KVM internal error', 'emulation failure',
                                           'Kernel panic')):
                    why = line
                    break
            if vm.lines.eof and why == 'timeout' and not ok:
                why = 'QEMU exited'
    finally:
        vm.stop()
        log.write(f'probe result: {why}\n')
        log.close()
    return ok, why


def choose_accel(want: str, machine: Machine, qemu: str, cache: str, kernel: str, initrd: str,
                 work: str, say: Callable[[str], None]) -> str:
    """'kvm' or 'tcg' for WANT (auto probes once per host kernel, QEMU and CPU)."""
    if want != 'auto':
        return want
    if foreign(machine):
        say(f'an {machine.arch} guest on an {host_arch()} host: using TCG')
        return 'tcg'
    if not os.path.exists('/dev/kvm'):
        say('no /dev/kvm: using TCG')
        return 'tcg'
    verdict = verdict_file(cache, qemu)
    if os.path.isfile(verdict):
        with open(verdict, encoding='utf-8') as f:
            accel = f.read().strip() or 'tcg'
        when = time.strftime('%F %T', time.localtime(os.path.getmtime(verdict)))
        say(f'KVM probe verdict from {when}: {accel.upper()} (delete {verdict} to probe again)')
        return accel
    say('probing KVM with a short boot')
    ok, why = kvm_works(machine, qemu, kernel, initrd, work)
    if ok:
        say('KVM works: using KVM')
    else:
        say(f'KVM cannot boot the guest here (probe result: {why}): using TCG')
    try:
        os.makedirs(cache, exist_ok=True)
        with open(verdict, 'w', encoding='utf-8') as f:
            f.write('kvm\n' if ok else 'tcg\n')
    except OSError as e:
        say(f'cannot keep the verdict in {verdict} ({e.strerror}); the next run probes again')
    return 'kvm' if ok else 'tcg'
