# SPDX-License-Identifier: GPL-2.0-or-later
"""vmtest's command line: argparse, then every check before anything is built."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
from typing import NoReturn, Optional

from . import devtrace, initramfs, kernel, listing, logdir, suite
from .accel import foreign, host_arch
from .machine import DEFAULT_MACHINE, MACHINES
from .options import Options
from .supervise import LockError

PROG = 'vmtest'
# 2 MiB huge pages the guest reserves: what the hugetlb variants of the DMA
# mapping test map at once (4 regions of 2 MiB); with fewer they SKIP.
DEFAULT_HUGEPAGES = 4
# The lowest --stall and --timeout taken. A guest under TCG takes several
# seconds from QEMU's start to the first line of /init, and a kselftest
# case may stay silent for the 30 s of its harness timeout before it prints
# a FAIL line; a bound below these kills healthy runs as "hung".
MIN_STALL = 30
MIN_TIMEOUT = 60

DESCRIPTION = """\
Boots a QEMU VM with an emulated vIOMMU and an igb NIC (q35 and VT-d by
default; 'vmtest --machine list' shows the x86 and arm64 others), binds
the igb to vfio-pci with the mirror's scripts/setup.sh and runs the
selftests in it, each with the igb's BDF as the last argument. The TAP is
streamed here with one line per case; the guest's output and the
kernel's console (a second serial port) go to console.log and kernel.log.
The run fails on a failed case, on fewer results than a binary's TAP plan
announced, on a binary that never ran or never finished, on a kernel
crash, and on a timeout. The last line reads:
  vmtest: N passed, N failed, N skipped

The three a developer needs first:
  vmtest --tests vfio_pci_driver_test -- -t memcpy_storm
                  one case of one binary, in every IOMMU mode
  vmtest --shell   the same guest with the igb bound, and a shell in it
  vmtest --dry-run print the QEMU command line (it runs as printed)"""

EPILOG = """\
Every --opt VALUE may also be written --opt=VALUE. Bounds are in host
(wall-clock) time whatever the guest clock.
Environment: KDIR (kernel source of the build and of the test kernel),
QEMU (the QEMU binary, instead of the machine's), VM_MEM, VM_SMP,
VMTEST_CLOCK (the default of --clock), VMTEST_LOCK_WAIT (the default of
--lock-wait)."""


class UsageError(Exception):
    """A bad option; the message is the one line the user sees."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    """The argument parser of vmtest (the options in virtme-ng's spelling where it has them)."""
    p = _Parser(prog=PROG, usage='%(prog)s [options] [-- TEST_ARGS...]', add_help=False,
                allow_abbrev=False, description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    a = p.add_argument_group('what runs').add_argument
    a('--tree', metavar='DIR', help='tree holding tools/testing/selftests/vfio (default: tree/); '
      'a kernel tree runs its own library, drivers and tests')
    a('--tests', metavar='LIST', help='binaries to run, comma or blank separated '
      "(default: every TEST_GEN_PROGS of the tree's Makefile)")
    a('--test-args', metavar='ARGS', action='append', default=[],
      help='arguments every test binary gets before the BDF, as one blank-separated word '
      "(the older spelling of '-- ARGS', e.g. -- -t memcpy_storm)")
    a('--shell', action='store_true', help='boot the guest, bind the igb, then give this '
      "terminal a shell in the guest instead of running the tests ('exit' gives the device back)")
    a('--dry-run', action='store_true', help='build what the VM needs, then print the QEMU '
      'command line instead of running it')
    a = p.add_argument_group('the VM').add_argument
    a('--machine', metavar='NAME', default=DEFAULT_MACHINE,
      help=f"the machine to boot (default: {DEFAULT_MACHINE}); 'list' prints each with what "
      f"it needs: {', '.join(MACHINES)}")
    a('-p', '--cpus', metavar='N', help='vCPUs (default: $VM_SMP or 1)')
    a('-m', '--memory', metavar='SIZE', help="guest memory, as QEMU's -m takes it (default: "
      "$VM_MEM, else 1G for the mirror's suite and 3G for a kernel tree's own)")
    a('--kernel', metavar='PATH', help='boot this bzImage or ELF vmlinux, or for an arm64 '
      'machine this Image (default: scripts/build-test-kernel [--arch arm64], cached); a file '
      "that is not a whole kernel image of the machine's architecture is refused before QEMU "
      'starts; without IOMMUFD in it, the iommufd modes skip')
    a('--append', metavar='ARGS', default='', help='extra kernel command line arguments')
    a('--qemu-opts', metavar='OPTS', action='append', default=[],
      help='extra QEMU options, split like a shell would split them (nothing is expanded)')
    a('--kvm', dest='accel', action='store_const', const='kvm',
      help='use KVM without probing (fails if KVM cannot boot it)')
    a('--no-kvm', '--disable-kvm', dest='accel', action='store_const', const='tcg',
      help='use TCG (default: a short probe boot decides, falling back to TCG)')
    a('--clock', metavar='MODE', help="the guest clock under TCG: 'virtual' (the instruction "
      "counter: guest time skips ahead while the guest idles), 'real', or 'auto' (default): "
      "virtual for the mirror's suite, real for a kernel tree's own, --shell and "
      '--trace-device. KVM always runs on the real clock')
    a('--hugepages', metavar='N', default=str(DEFAULT_HUGEPAGES),
      help=f'2 MiB huge pages the guest reserves (default: {DEFAULT_HUGEPAGES})')
    a = p.add_argument_group('bounds').add_argument
    a('--timeout', metavar='SECS', default='1800', help='kill the VM after SECS seconds '
      f'(default: 1800, at least {MIN_TIMEOUT})')
    a('--stall', metavar='SECS', default='300', help='kill the VM when the guest prints nothing '
      f'for SECS seconds (default: 300, at least {MIN_STALL}: a kselftest case times out after '
      '30 s with a FAIL line, and the boot itself is silent for several seconds)')
    a('--lock-wait', metavar='SECS', help='a guest on the real clock runs alone on this machine, '
      'guests on the virtual clock side by side; wait at most SECS for the VM in the way '
      '(default: 3600, or VMTEST_LOCK_WAIT)')
    a = p.add_argument_group('logs and tooling').add_argument
    a('--log-dir', metavar='DIR', help='where logs go (default: a directory of this run\'s own, '
      'build/vmtest/run-DATE-PID, with build/vmtest/latest pointing to the newest; the last '
      f'{logdir.KEEP_RUNS} are kept); one run at a time writes a given DIR')
    a('--trace-device', action='store_true', help="write QEMU's trace of the igb to "
      f'LOG_DIR/{devtrace.FILE_NAME} for scripts/igb-conformance')
    a('--bin-dir', metavar='DIR', help='take prebuilt static test binaries from DIR instead of '
      "building (DIR/scripts/*.sh, when present, replace the mirror's scripts)")
    a('--also-pack', metavar='LIST', action='append', default=[],
      help="with --bin-dir: also put these files of DIR into the guest's /vfio, without "
      'running them')
    a('-v', '--verbose', action='store_true', help="also show the kernel's messages")
    a('--check-options', action='store_true', help='check the options (test names included), '
      'then exit without building or booting anything')
    a('-h', '--help', action='store_true', help='this text')
    return p


def _join_values(p: argparse.ArgumentParser, args: list[str]) -> list[str]:
    """ARGS with each "--opt VALUE" made "--opt=VALUE", so a VALUE may start with '-'."""
    takes_value = {s for act in p._actions if act.nargs is None and act.option_strings
                   and not isinstance(act, (argparse._StoreConstAction,))
                   for s in act.option_strings}
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in takes_value and i + 1 < len(args):
            out.append(f'{arg}={args[i + 1]}' if arg.startswith('--') else arg + args[i + 1])
            i += 2
        else:
            out.append(arg)
            i += 1
    return out


def _number(value: str, what: str, unit: str = '', low: int = 0) -> int:
    """VALUE of option WHAT as a number of UNIT, at least LOW."""
    if not re.fullmatch(r'[0-9]+', value):
        raise UsageError(f'{what}: not a number{" of " + unit if unit else ""}')
    n = int(value)
    if n < low:
        raise UsageError(f'{what}: at least {low}')
    return n


def parse(argv: list[str], paths: suite.Paths) -> Optional[Options]:
    """Check ARGV; the Options, or None when --help was asked for."""
    test_argv: list[str] = []
    if '--' in argv:
        cut = argv.index('--')
        argv, test_argv = argv[:cut], argv[cut + 1:]
    p = parser()
    ns, extra = p.parse_known_args(_join_values(p, argv))
    if ns.help:
        p.print_help()
        return None
    if ns.machine == 'list':
        tree = os.path.abspath(ns.tree) if ns.tree else ''
        listing.print_machines(sys.stdout, listing.cache_lookup(paths.project, tree, paths.cache),
                               os.environ.get('QEMU', ''))
        return None
    if ns.machine not in MACHINES:
        raise UsageError(f"--machine {ns.machine}: no such machine; '{PROG} --machine list' "
                         'shows them')
    if extra:
        raise UsageError(f"unknown option '{extra[0]}'; see '{PROG} --help'")
    for name in ('tree', 'tests', 'kernel', 'bin_dir', 'log_dir', 'timeout', 'stall',
                 'lock_wait', 'hugepages', 'clock', 'cpus', 'memory'):
        if getattr(ns, name) == '':
            raise UsageError(f"--{name.replace('_', '-')} needs a value")
    o = Options(machine=ns.machine, accel=ns.accel or 'auto', append=ns.append,
                shell=ns.shell, dry_run=ns.dry_run, trace=ns.trace_device,
                verbose=ns.verbose, check_only=ns.check_options)
    for words in ns.test_args:
        o.test_argv += words.split()
    o.test_argv += test_argv
    if ns.tree is not None:
        if not ns.tree or not os.path.isdir(ns.tree):
            raise UsageError(f'--tree {ns.tree}: no such directory')
        o.tree = os.path.abspath(ns.tree)
    o.mirror = suite.mirror_dir(paths, o.tree)
    if ns.bin_dir is not None:
        o.bin_dir = os.path.realpath(ns.bin_dir)
        if not os.path.isdir(o.bin_dir):
            raise UsageError(f'--bin-dir {o.bin_dir}: no such directory')
    tests = ns.tests if ns.tests is not None else ' '.join(suite.test_programs(paths, o.mirror))
    o.tests = tests.replace(',', ' ').split()
    if not o.tests:
        raise UsageError('--tests: empty list')
    for t in o.tests:
        if not re.fullmatch(r'[A-Za-z0-9_.-]+', t):
            raise UsageError(f"--tests: bad name '{t}'")
    _check_names(paths, o, o.tests)
    o.also_pack = ' '.join(ns.also_pack).replace(',', ' ').split()
    if o.also_pack:
        if not o.bin_dir:
            raise UsageError('--also-pack needs --bin-dir')
        _check_names(paths, o, o.also_pack)
    o.timeout = _number(ns.timeout, '--timeout', 'seconds')
    o.stall = _number(ns.stall, '--stall', 'seconds')
    if o.timeout < MIN_TIMEOUT:
        raise UsageError(f'--timeout {o.timeout}: less than the {MIN_TIMEOUT} s a boot and a test '
                         'case need (see --help)')
    if o.stall < MIN_STALL:
        raise UsageError(f'--stall {o.stall}: less than the {MIN_STALL} s a boot or a silent test '
                         'case may take (see --help)')
    o.hugepages = _number(ns.hugepages, '--hugepages')
    o.lock_wait = _number(ns.lock_wait or os.environ.get('VMTEST_LOCK_WAIT') or '3600',
                          '--lock-wait', 'seconds')
    cpus = ns.cpus or os.environ.get('VM_SMP') or '1'
    if not re.fullmatch(r'[1-9][0-9]*', cpus):
        raise UsageError(f"--cpus: not a number of vCPUs: '{cpus}'")
    o.cpus = int(cpus)
    o.memory = ns.memory or os.environ.get('VM_MEM') or ''
    if o.memory and not re.fullmatch(r'[0-9]+[KMGT]?', o.memory):
        raise UsageError(f"--memory: not a size such as 3G or 2048M: '{o.memory}'")
    for opts in ns.qemu_opts:
        try:
            o.qemu_extra += shlex.split(opts)
        except ValueError:
            raise UsageError(f"--qemu-opts: cannot split '{opts}' into words "
                             '(unbalanced quotes?)') from None
    o.clock = ns.clock or os.environ.get('VMTEST_CLOCK') or 'auto'
    if o.clock not in ('virtual', 'real', 'auto'):
        raise UsageError(f"--clock: '{o.clock}' is not virtual, real or auto")
    machine = MACHINES[o.machine]
    if o.accel == 'kvm' and foreign(machine):
        raise UsageError(f'--kvm: {machine.name} is an {machine.arch} machine and this host is '
                         f'{host_arch()}: only TCG can run it; drop --kvm')
    if o.clock == 'virtual' and o.accel == 'kvm':
        raise UsageError('--clock=virtual needs TCG (QEMU counts instructions only when it '
                         'emulates); drop --kvm')
    if o.shell and o.trace:
        raise UsageError('--shell and --trace-device do not go together')
    if o.shell and not o.dry_run and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError('--shell needs a terminal: stdin and stdout must be one (run it from '
                         'an interactive shell, tmux or ssh -t)')
    if ns.kernel is not None:
        o.kernel = os.path.abspath(ns.kernel)
        kernel.check(o.kernel, o.tree, paths.cache, machine.arch, machine.name)
    o.log_dir = ns.log_dir or ''
    return o


def _check_names(paths: suite.Paths, o: Options, names: list[str]) -> None:
    """Refuse a test name that names nothing now, not as a binary 'never started' later."""
    if o.bin_dir:
        for t in names:
            if not os.path.isfile(os.path.join(o.bin_dir, t)):
                raise UsageError(f"--tests: no test program '{t}' in --bin-dir {o.bin_dir}")
        return
    known = suite.test_programs(paths, o.mirror)
    for t in names:
        if t not in known:
            raise UsageError(f"--tests: no test program '{t}' in {o.mirror}/Makefile "
                             f"(it has: {' '.join(known)})")


def check_environment(o: Options, paths: suite.Paths, qemu: str) -> int:
    """What must hold before anything is built: the commands, the log directory (locked: its fd)."""
    for cmd in (qemu, 'flock', 'make'):
        if not shutil.which(cmd):
            raise UsageError(f"'{cmd}' not found; run scripts/install-deps (Debian) or install it")
    if o.log_dir:
        o.log_dir = logdir.prepare(o.log_dir)
    else:
        o.log_dir = logdir.new_run_dir(os.path.join(paths.build, 'vmtest'))
    return logdir.lock(o.log_dir)


def main(argv: list[str], project: str) -> int:
    """vmtest: check the options, then run; the exit status."""
    from .run import Run
    try:
        paths = suite.Paths.from_env(project)
        o = parse(argv, paths)
        if o is None:
            return 0
        if o.check_only:
            return 0
        run = Run(o, paths)
        run.log_lock = check_environment(o, paths, run.qemu_bin)
        return run.run()
    except (UsageError, suite.SuiteError, kernel.KernelError, initramfs.InitramfsError,
            devtrace.TraceError, LockError, logdir.LogDirError) as e:
        print(f'{PROG}: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f'{PROG}: interrupted', file=sys.stderr)
        return 130
