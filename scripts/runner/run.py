# SPDX-License-Identifier: GPL-2.0-or-later
"""One vmtest run, from checked options to the summary's last line.

cli.py checks the options and hands an Options here; this builds what the
guest needs (tests, kernel, initramfs), chooses KVM or TCG and the clock,
takes the VM lock, and then either prints the command line (--dry-run),
gives the terminal a shell in the guest (--shell), or runs the suite.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from typing import Optional

from lab.results import write_run

from . import accel as accel_mod
from . import devtrace, guestcmd, initramfs, kernel, suite
from .options import Options
from .console import Console
from .machine import MACHINES
from .qemu import VmSpec, command_line, qemu_version
from .summary import RunInfo, write_summary
from .supervise import FileLines, Interrupted, Qemu, VmLock, host_usecs, raise_on_signals, watch


def info(msg: str) -> None:
    """A progress line on stderr, prefixed with the program's name."""
    print(f'vmtest: {msg}', file=sys.stderr, flush=True)


def guest_conf(tests: list[str], hugepages: int, shell: bool, argv: list[str],
               bind_first: bool = False) -> str:
    """The guest's settings, in the shell syntax its /init sources."""
    words = ' '.join(shlex.quote(a) for a in argv)
    return ('# Written by vmtest for the guest\'s /init.\n'
            f"VMTEST_TESTS={shlex.quote(' '.join(tests))}\n"
            f'VMTEST_HUGEPAGES={hugepages}\n'
            f'VMTEST_SHELL={1 if shell else 0}\n'
            f'VMTEST_BIND_FIRST={1 if bind_first else 0}\n'
            f'VMTEST_TEST_ARGV=({" " + words if words else ""} )\n')


class Run:
    """The objects of one run, built step by step by run()."""

    def __init__(self, opts: Options, paths: suite.Paths):
        self.opts = opts
        self.paths = paths
        self.machine = MACHINES[opts.machine]
        self.qemu_bin = os.environ.get('QEMU') or self.machine.qemu
        who = 'vmtest' + (f' --tree {opts.tree}' if opts.tree else '')
        lock = os.environ.get('VMTEST_LOCK') or os.path.join(paths.cache, 'vm.lock')
        self.lock = VmLock(lock, who, info)
        self.log_lock: Optional[int] = None
        self.vm: Optional[Qemu] = None
        self.console: Optional[Console] = None
        self.klog: Optional[FileLines] = None
        self.start_us = 0
        self.kernel = ''
        self.trace_args: list[str] = []

    def prepare(self) -> tuple[str, str]:
        """Build the tests, find the kernel, pack the initramfs; (boot image, initrd)."""
        o, m = self.opts, self.machine
        script_dir = os.path.join(o.mirror, 'scripts')
        bin_dir = o.bin_dir
        if bin_dir:
            if os.path.isdir(os.path.join(bin_dir, 'scripts')):
                script_dir = os.path.join(bin_dir, 'scripts')
        else:
            bin_dir = suite.build_tests(self.paths, o.tree, m.arch)
        if not os.path.isfile(os.path.join(script_dir, 'setup.sh')):
            raise suite.SuiteError(f'{script_dir}/setup.sh missing: the guest cannot bind the igb')
        if not o.kernel:
            self.kernel = kernel.build(self.paths.project, o.tree, m.arch)
            kernel.check(self.kernel, o.tree, self.paths.cache, m.arch, m.name)
        else:
            self.kernel = o.kernel
        image = kernel.boot_image(self.kernel)
        conf = os.path.join(o.log_dir, 'vmtest.conf')
        with open(conf, 'w', encoding='utf-8') as f:
            f.write(guest_conf(o.tests, o.hugepages, o.shell, o.test_argv, m.bind_first))
        initrd = os.path.join(o.log_dir, 'initramfs.cpio')
        busybox, bash = initramfs.guest_userland(self.paths.project, m.arch)
        initramfs.pack(initrd, busybox, bash, os.path.join(self.paths.project, 'vm/init'), conf,
                       bin_dir, script_dir, o.tests + o.also_pack, info,
                       applet_links=not accel_mod.foreign(m))
        info(f'kernel: {self.kernel}')
        if image != self.kernel:
            info(f'booted through PVH as {image}')
        info(f'initramfs: {initrd} ({os.path.getsize(initrd) // (1 << 20)}M)')
        return image, initrd

    def command(self, image: str, initrd: str) -> tuple[list[str], accel_mod.Clock, str]:
        """Choose KVM or TCG and the clock, take the VM lock; (command line, clock, accel)."""
        o = self.opts
        # A dry run boots nothing beyond a KVM probe, at most once per host.
        # The probe runs on the real clock; the run knows its clock only after.
        if not o.dry_run and accel_mod.needs_probe(o.accel, self.machine, self.paths.cache,
                                                        self.qemu_bin):
            self.lock.acquire(o.lock_wait, 'real')
        accel = accel_mod.choose_accel(o.accel, self.machine, self.qemu_bin, self.paths.cache,
                                       image, initrd, o.log_dir, info)
        clock = accel_mod.choose_clock(o.clock, accel, suite.is_kernel_tree(o.tree), o.shell,
                                       o.trace)
        if not o.dry_run:
            self.lock.acquire(o.lock_wait, clock.mode)
        klog = os.path.join(o.log_dir, 'kernel.log')
        open(klog, 'w').close()
        extra = list(o.qemu_extra)
        if o.trace:
            extra += self.trace_args
        spec = VmSpec(accel, clock.mode, image, initrd, klog,
                      memory=o.memory or guestcmd.memory(suite.default_memory(o.tree),
                                                         o.gib_pages),
                      cpus=o.cpus, append=guestcmd.kernel_args(o.gib_pages, o.append),
                      extra=extra, terminal=o.shell)
        cmd = command_line(self.machine, self.qemu_bin, spec)
        with open(os.path.join(o.log_dir, 'qemu-cmdline'), 'w', encoding='utf-8') as f:
            f.write(shlex.join(cmd) + '\n')
        return cmd, clock, accel

    def held_fds(self) -> tuple[int, ...]:
        """The locks QEMU inherits, so that they are held exactly as long as a guest runs."""
        return tuple(fd for fd in (self.lock.fd, self.log_lock) if fd is not None)

    def shell(self, cmd: list[str], clock: accel_mod.Clock, accel: str) -> int:
        """--shell: QEMU in the foreground on this terminal; return its status."""
        info(f'QEMU {qemu_version(self.qemu_bin)}, {accel.upper()}, clock: {clock.mode}; '
             f"the guest's kernel log: {os.path.join(self.opts.log_dir, 'kernel.log')}")
        info('starting the guest; it binds the igb, then the shell starts (Ctrl-A X stops QEMU)')
        proc = subprocess.Popen(cmd, pass_fds=self.held_fds())
        # The terminal is QEMU's (raw: Ctrl-C goes to the guest): a stray
        # signal from it must not end the runner and leave QEMU behind. A
        # TERM or HUP still ends the run, and QEMU with it (below).
        for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
            signal.signal(s, signal.SIG_IGN)
        try:
            rc = proc.wait()
        finally:
            if proc.poll() is None:
                # TERM first: QEMU then gives the terminal its modes back.
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        rc = 128 - rc if rc < 0 else rc
        info(f'the guest is off (QEMU exit status {rc})')
        return rc

    def suite(self, cmd: list[str], clock: accel_mod.Clock, accel: str) -> int:
        """Run the suite: watch the console, judge it, print the summary; the exit status."""
        o = self.opts
        info(f'QEMU {qemu_version(self.qemu_bin)}, {accel.upper()}, logs: '
             f'{o.log_dir}/console.log, kernel.log')
        info(f'guest clock: {clock.describe()}')
        self.start_us = host_usecs()
        con = self.console = Console(o.log_dir, o.tests, sys.stdout, o.verbose, self.machine)
        self.klog = FileLines(os.path.join(o.log_dir, 'kernel.log'))
        self.vm = Qemu(cmd, keep_fds=self.held_fds())
        hung = watch(self.vm, lambda line: con.feed(line, host_usecs() - self.start_us),
                     self.drain_kernel_log, self.start_us, o.timeout, o.stall, con.running)
        if hung:
            self.report_hang(hung)
            self.vm.stop()
            con.problems.append(hung)
        else:
            rc = self.vm.reap()
            if rc != 0:
                con.problems.append(f'QEMU exited with status {rc} (see {o.log_dir}/console.log)')
        self.vm = None
        self.drain_kernel_log()
        for line in self.klog.rest():
            con.kernel_line(line)
        if con.first_begin_us is None and not hung:
            con.say('vmtest: no test started; the end of the kernel log:')
            self.kernel_log_tail()
        if o.trace:
            con.say(devtrace.summary_line(o.log_dir))
        return 0 if self.summary(accel, clock) else 1

    def summary(self, accel: str, clock: accel_mod.Clock) -> bool:
        """Print the summary of what ran; True when nothing went wrong."""
        assert self.console is not None
        o = self.opts
        info_ = RunInfo(accel.upper(), host_usecs() - self.start_us, clock.mode,
                        clock.describe(), suite.describe(o.tree, o.mirror),
                        f'{kernel.version(self.kernel)} ({self.kernel})',
                        f'{self.machine.name}: {self.machine.description}')
        ok = write_summary(self.console, info_)
        self.console.close()
        self.results()
        return ok

    def results(self) -> None:
        """kcidb.json and junit.xml beside the TSVs, from their rows (the
        summary's "logs:" line has named them; only a failure is told)."""
        o = self.opts
        try:
            write_run(o.log_dir, o.machine, o.tree, self.kernel, self.machine.arch)
        except OSError as e:
            info(f'no kcidb.json or junit.xml: {e}')

    def drain_kernel_log(self) -> None:
        """Account the kernel log lines written since the last call."""
        if self.klog and self.console:
            for line in self.klog.new_lines():
                self.console.kernel_line(line)

    def kernel_log_tail(self) -> None:
        """Show the end of the kernel log, where a hung or crashed guest says why."""
        assert self.console is not None
        try:
            with open(os.path.join(self.opts.log_dir, 'kernel.log'), encoding='utf-8',
                      errors='replace') as f:
                tail = f.read().splitlines()[-15:]
        except OSError:
            tail = []
        for line in tail:
            self.console.say(f'  {line}')

    def report_hang(self, why: str) -> None:
        """Name what went wrong and show the end of the kernel log."""
        assert self.console is not None
        self.console.say(f'vmtest: {why}')
        self.console.say(f"vmtest: last kernel messages ({self.opts.log_dir}/kernel.log):")
        self.kernel_log_tail()

    def interrupted(self, accel: str, clock: Optional[accel_mod.Clock]) -> int:
        """Ctrl-C or a kill: stop the VM, still say what had run so far; 130."""
        running = self.console.running() if self.console else 'no test binary yet (boot or device set-up)'
        print(f'vmtest: interrupted while running {running}', flush=True)
        if self.vm:
            self.vm.stop()
            self.vm = None
        if self.console and clock:
            self.drain_kernel_log()
            self.console.problems.append(f'interrupted while running {running}')
            self.summary(accel, clock)
        return 130

    def run(self) -> int:
        """The whole run; its exit status."""
        o = self.opts
        raise_on_signals()
        accel, clock = o.accel, None
        try:
            if o.trace:
                self.trace_args = devtrace.prepare(self.qemu_bin, o.log_dir)
            image, initrd = self.prepare()
            cmd, clock, accel = self.command(image, initrd)
            if o.dry_run:
                info(f'clock: {clock.describe()}')
                info(f"the command line (also in {o.log_dir}/qemu-cmdline):")
                print(shlex.join(cmd), flush=True)
                return 0
            if o.shell:
                return self.shell(cmd, clock, accel)
            return self.suite(cmd, clock, accel)
        except (Interrupted, KeyboardInterrupt):
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(s, signal.SIG_IGN)
            return self.interrupted(accel, clock)
        finally:
            if self.vm:
                self.vm.stop()
