# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/bench: time vmtest runs and record the numbers in a TSV file.

A measurement, not a test: the runs' verdicts are recorded, and bench
fails only when no numbers could be taken.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from typing import NoReturn

from . import budget, side
from .bench_rows import Row, binary_rows, run_value, storm_rows, trace_rows
from .qemu import qemu_version
from .suite import Paths, SuiteError

PROG = 'bench'
DESCRIPTION = """\
Numbers, not verdicts: each part runs scripts/vmtest and records what it
measured in build/bench/bench-<date>.tsv (also build/bench/latest.tsv),
one "metric<TAB>value<TAB>unit" row each, then prints it. vmtest's
verdicts are recorded, not judged; the script fails only when no numbers
could be taken. The parts:

  the suite   the vmtest run with the given options (the Makefile gives
              --tree, the series tip): date, git revision, QEMU version,
              accelerator, guest clock, kernel, boot time (QEMU start to
              first test), VM wall time, per binary the host and guest
              time and its counts, memcpy_storm per IOMMU mode
  budget      where vfio_pci_driver_test's time goes, per IOMMU mode:
              bench/vfio_pci_driver_budget.c does the test's steps one at
              a time in the same VM as a run of the driver test; the host
              time of each step times how often the test does it, beside
              the test's measured time in that mode (--no-budget skips it)
  tracing     the suite on the real clock without and with vmtest
              --trace-device: the overhead, the trace's size,
              scripts/igb-conformance's time and verdict (--no-trace)
  side by side  with a kernel tree that has its own VFIO selftests (--kdir
              DIR; by default the Linux 7.x source of scripts/kernel-source
              7): that tree's suite (A) and the series tip (B), A B A B, on
              one kernel built from the tree, on the real clock, with the
              per-binary times and the ratio of the two driver tests
              (--no-side)

Host times come from the moment each console line reached the host, guest
times from the guest's clock. Other options go to scripts/vmtest (see its
--help) for the suite and budget runs; --log-dir is chosen here."""


def die(msg: str) -> NoReturn:
    """One line on stderr, then exit 1."""
    print(f'{PROG}: {msg}', file=sys.stderr)
    sys.exit(1)


def info(msg: str) -> None:
    """A progress line on stderr."""
    print(f'{PROG}: {msg}', file=sys.stderr, flush=True)


def git_revision(project: str) -> str:
    """The short revision of the project, '-dirty' when it has changes."""
    p = subprocess.run(['git', '-C', project, 'rev-parse', '--short', 'HEAD'],
                       capture_output=True, text=True, check=False)
    rev = p.stdout.strip() if p.returncode == 0 else 'none'
    status = subprocess.run(['git', '-C', project, 'status', '--porcelain'],
                            capture_output=True, text=True, check=False).stdout
    return rev + ('-dirty' if status.strip() else '')


def _option(args: list[str], name: str) -> str:
    """The value of vmtest option NAME in ARGS, in either spelling; '' without it."""
    value = ''
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            value = args[i + 1]
        elif a.startswith(name + '='):
            value = a[len(name) + 1:]
    return value


def main(argv: list[str], project: str) -> int:
    """bench: the runs, the TSV, the printed tables; the exit status."""
    p = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, allow_abbrev=False,
                                usage='%(prog)s [--no-trace] [--no-budget] [--no-side] '
                                '[--kdir DIR] [vmtest options]',
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--no-trace', action='store_true', help='skip the cost of tracing')
    p.add_argument('--no-budget', action='store_true', help='skip the budget')
    p.add_argument('--no-side', action='store_true', help='skip the side-by-side runs')
    p.add_argument('--kdir', metavar='DIR', help='the kernel tree of the side-by-side runs')
    ns, args = p.parse_known_args(argv)
    if any(a == '--log-dir' or a.startswith('--log-dir=') for a in args):
        die(f'--log-dir is chosen by {PROG}')
    try:
        paths = Paths.from_env(project)
    except SuiteError as e:
        die(str(e))
    vmtest = os.path.join(project, 'scripts/vmtest')
    # vmtest judges its own options (an unknown one included), before a
    # kernel is built for it.
    if subprocess.run([vmtest, *args, '--check-options'], check=False).returncode != 0:
        return 1
    kernel, tree = _option(args, '--kernel'), _option(args, '--tree')
    stamp = time.strftime('%Y%m%d-%H%M%S', time.gmtime())
    work = os.path.join(paths.build, 'bench', f'run-{stamp}')
    out = os.path.join(paths.build, 'bench', f'bench-{stamp}.tsv')
    os.makedirs(work, exist_ok=True)

    # The kernel step is timed apart, unless a kernel was given.
    start, note = time.monotonic(), 'given'
    if not kernel:
        with open(os.path.join(work, 'kernel.log'), 'w+', encoding='utf-8') as log:
            k = subprocess.run([os.path.join(project, 'scripts/build-test-kernel')],
                               stdout=subprocess.PIPE, stderr=log, text=True, check=False)
            log.seek(0)
            note = 'cached' if 'cached kernel' in log.read() else 'built'
        if k.returncode != 0 or not k.stdout.strip():
            die(f'the test kernel did not build; see {work}/kernel.log')
        kernel = k.stdout.strip().splitlines()[-1]
        args += ['--kernel', kernel]
    kernel_secs = int(time.monotonic() - start)

    def vm(*extra: str) -> int:
        return subprocess.run([vmtest, *args, *extra], check=False).returncode

    info('the suite')
    rc = vm('--log-dir', work)
    summary = os.path.join(work, 'summary.tsv')
    if not os.path.isfile(summary):
        die(f'vmtest produced no summary (status {rc}); nothing to record')
    brc = trc = 0
    if not ns.no_budget:
        info('the budget of vfio_pci_driver_test')
        btree = os.path.join(work, 'budget-tree')
        budget.make_tree(project, tree or os.path.join(project, 'tree'), btree)
        brc = vm('--tree', btree, '--tests', f'{budget.PROG},vfio_pci_driver_test',
                 '--log-dir', os.path.join(work, 'budget'))
    if not ns.no_trace:
        # A traced run is on the real clock (its times are the host's), so
        # its cost is measured against an untraced run on that clock too.
        info('the suite on the real clock, without and with --trace-device, for the cost of '
             'tracing')
        vm('--clock=real', '--log-dir', os.path.join(work, 'untraced-real'))
        trc = vm('--clock=real', '--trace-device', '--log-dir', os.path.join(work, 'traced'))
    side_text: list[str] = []
    side_rows: list[Row] = []
    kdir = ns.kdir or ''
    if not ns.no_side and not kdir:
        with open(os.path.join(work, 'kernel-source.log'), 'w+', encoding='utf-8') as log:
            ks = subprocess.run([os.path.join(project, 'scripts/kernel-source'), '7'],
                                stdout=subprocess.PIPE, stderr=log, text=True, check=False)
            log.seek(0)
            why = (log.read().splitlines() or [''])[-1]
        if ks.returncode == 0 and ks.stdout.strip():
            kdir = ks.stdout.strip().splitlines()[-1]
        else:
            info(f'side by side: no Linux 7.x source ({why}); not run')
    if not ns.no_side and kdir:
        if not os.path.isfile(os.path.join(kdir, 'tools/testing/selftests/vfio/lib/libvfio.mk')):
            die(f'--kdir {kdir} has no VFIO selftests of its own to compare with')
        side_text, side_rows = side.side_by_side(
            project, kdir, tree or os.path.join(project, 'tree'), work,
            int(os.environ.get('SIDE_ROUNDS', '2')), qemu_version(_qemu()), info)
        print('\n'.join(side_text))

    kver = 'unknown'
    with open(os.path.join(work, 'console.log'), encoding='utf-8', errors='replace') as f:
        for line in f:
            if line.startswith('@@VMTEST INIT ') and ' kernel=' in line:
                kver = line.split(' kernel=', 1)[1].split()[0]
                break
    rows: list[Row] = [
        ('metric', 'value', 'unit'), ('date', time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), ''),
        ('git_rev', git_revision(project), ''), ('qemu_version', qemu_version(_qemu()), ''),
        ('accel', run_value(summary, 'accel'), ''), ('clock', run_value(summary, 'clock'), ''),
        ('kernel', kernel, ''), ('kernel_release', kver, ''),
        ('host_cpus', str(os.cpu_count() or 0), ''),
        ('kernel_step_secs', str(kernel_secs), f's ({note})'),
        ('boot_secs', run_value(summary, 'boot_secs'), 's'),
        ('vm_wall_secs', run_value(summary, 'wall_secs'), 's'), ('vmtest_status', str(rc), '')]
    rows += binary_rows(summary) + storm_rows(os.path.join(work, 'cases.tsv'))
    budget_text: list[str] = []
    timed = os.path.join(work, 'budget/timed.log')
    if not ns.no_budget and os.path.isfile(timed):
        rows.append(('budget.vmtest_status', str(brc), ''))
        with open(timed, encoding='utf-8', errors='replace') as f:
            try:
                budget_text, brows = budget.report(f.read().splitlines())
                rows += brows
            except budget.BudgetError as e:
                budget_text = [str(e)]
    traced = os.path.join(work, 'traced')
    if not ns.no_trace and os.path.isfile(os.path.join(traced, 'summary.tsv')):
        plain = run_value(os.path.join(work, 'untraced-real/summary.tsv'), 'wall_secs')
        rows += [('trace.vmtest_status', str(trc), ''),
                 ('trace.untraced_real_clock_wall_secs', plain, 's')]
        rows += trace_rows(project, traced, plain)
    rows += side_rows + [('logs', work, '')]
    for name, text in (('budget.txt', budget_text), ('side.txt', side_text)):
        if text:
            with open(os.path.join(work, name), 'w', encoding='utf-8') as f:
                f.write('\n'.join(text) + '\n')
    with open(out, 'w', encoding='utf-8') as f:
        f.write(''.join('\t'.join(r) + '\n' for r in rows))
    shutil.copy(out, os.path.join(paths.build, 'bench', 'latest.tsv'))
    info(f'wrote {out}')
    with open(out, encoding='utf-8') as f:
        sys.stdout.write(f.read())
    for line in budget_text + side_text:
        print(line)
    return 0


def _qemu() -> str:
    return os.environ.get('QEMU') or 'qemu-system-x86_64'
