# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/matrix: the suite on every machine, through an engine, in one table.

The cells are the chosen machines, each with the test kernel of its
architecture and the suite's tree; an engine (ENGINES, by name) runs them
and leaves each one's summary.tsv and cases.tsv, from which matrix_table
prints the table and the last line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Callable, NoReturn

from lab.results import write_results

from . import logdir, matrix_table
from .cells import Cell, Engine
from .machine import MACHINES
from .matrix_kernels import KernelBuildError, KernelSource, suite_tree
from .matrix_local import LocalEngine, LocalSettings
from .suite import Paths, SuiteError, is_kernel_tree

PROG = 'matrix'
DESCRIPTION = """\
Runs the VFIO selftests on several machines (each a QEMU machine with its
vIOMMU, see --machines list) and prints one table: a row per machine and
test binary with its passed, failed and skipped cases; under it the cases
expected to fail on a machine with their cause, the skipped ones with
their reason, and per machine where the time went (boot: QEMU start to the
first test; suite: the tests; vm: both; wall: the whole cell, building and
packing included). A cell whose run broke off or left no results is
ERROR, named in one line, and counts as one failure. The last line reads
  matrix: N passed, N failed, N skipped
and the exit status is 1 on any failure, XPASS or ERROR.

What runs: the tree of --tree (the Makefile gives the series tip) on the
default test kernel of each architecture the machines need; with --kdir
DIR a kernel built from DIR for each architecture, and DIR's own VFIO
selftests when it has them (as make run KDIR= does)."""

EPILOG = """\
Engines: local runs scripts/vmtest on this machine, -j at a time (guests
on the virtual clock side by side; a kernel tree's own suite runs on the
real clock, one cell at a time); lava makes each cell a job on the LAVA
server of LAVA_URL and LAVA_TOKEN (else lavacli's identity, else the lab
of scripts/lava-lab), judges each job's console here, and bounds the wait
by LAVA_TIMEOUT seconds (default 3600; see README, "KCIDB, JUnit and a
LAVA lab").
Results: OUT/kcidb.json (KCIDB v5) and OUT/junit.xml of every cell.
Logs: OUT/<machine>/ holds each cell's vmtest logs and its output
(vmtest.out); OUT defaults to build/matrix/run-DATE-PID, with
build/matrix/latest pointing to the newest."""


class UsageError(Exception):
    """A bad option; the message is the one line the user sees."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclass
class EngineContext:
    """What any engine may need to be made: the options and where to talk."""
    project: str
    jobs: int
    timeout: int
    lock_wait: int
    vmtest_args: tuple[str, ...]
    say: Callable[[str], None]
    # The kernel tree of --kdir, or ''.
    kdir: str = ''


def _local(ctx: EngineContext) -> Engine:
    return LocalEngine(LocalSettings(ctx.project, ctx.jobs, ctx.timeout, ctx.lock_wait,
                                     ctx.vmtest_args, ctx.say,
                                     env=(('KDIR', ctx.kdir),) if ctx.kdir else ()))


def _lava(ctx: EngineContext) -> Engine:
    # Each cell a job on the LAVA server of LAVA_URL/LAVA_TOKEN (see
    # scripts/lab/lava_engine.py); --timeout bounds each job's test action.
    from lab.lava_engine import LavaEngine
    return LavaEngine(job_timeout_min=max(1, ctx.timeout // 60), vmtest_args=ctx.vmtest_args)


# The engines by name (--engine, make matrix ENGINE=): each makes an Engine
# from the context. Another engine is one entry here.
ENGINES: dict[str, Callable[[EngineContext], Engine]] = {'local': _local, 'lava': _lava}


def parser() -> argparse.ArgumentParser:
    """The argument parser of scripts/matrix."""
    p = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG, allow_abbrev=False,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    a = p.add_argument
    a('--machines', metavar='LIST', default='all',
      help="machines, comma or blank separated; 'all' (default) or 'list' to print them")
    a('--tree', metavar='DIR', help='the tree whose suite runs (the Makefile gives the series '
      "tip; default: the project's tree/)")
    a('--kdir', metavar='DIR', help='a kernel tree: its kernel for each architecture, and its '
      'own VFIO selftests when it has them')
    a('--engine', default='local', help=f"who runs the cells: {', '.join(sorted(ENGINES))} "
      '(default: local)')
    a('-j', '--jobs', metavar='N', type=int, default=0,
      help='cells at a time (default: the number of CPUs)')
    a('--out', metavar='DIR', help='where the cells\' logs go (default: build/matrix/run-DATE-PID)')
    a('--tests', metavar='LIST', help='only these test binaries (vmtest --tests)')
    a('--timeout', metavar='SECS', type=int, default=1800,
      help="each cell's VM bound (vmtest --timeout, default: 1800)")
    a('--lock-wait', metavar='SECS', type=int, default=3600,
      help="each cell's wait for this machine's VM lock (vmtest --lock-wait, default: 3600)")
    a('--dry-run', action='store_true', help='print the cells and exit; nothing is built')
    return p


def machine_names(text: str) -> list[str]:
    """The machines of a --machines LIST, checked, in the order given (all: every machine)."""
    words = text.replace(',', ' ').split()
    if not words:
        raise UsageError('--machines: empty list')
    if words == ['all']:
        return list(MACHINES)
    names: list[str] = []
    for w in words:
        if w not in MACHINES:
            raise UsageError(f"--machines: no machine '{w}' (there are: "
                             f"{', '.join(MACHINES)}; see --machines list)")
        if w not in names:
            names.append(w)
    return names


def machine_arch(name: str) -> str:
    """The architecture of machine NAME: 'x86' or 'arm64'."""
    return MACHINES[name].arch


def arches(machines: list[str]) -> list[str]:
    """The architectures MACHINES need, in the order they first appear."""
    return list(dict.fromkeys(machine_arch(m) for m in machines))


def plan(machines: list[str], kernels: dict[str, str], tree: str) -> list[Cell]:
    """One cell per machine: its architecture's kernel, the suite's tree, the machine as label."""
    return [Cell(m, machine_arch(m), kernels[machine_arch(m)], tree, m) for m in machines]


def list_machines(say: Callable[[str], None]) -> None:
    """Print the machines a matrix can run: name, architecture, what it is."""
    width = max(len(n) for n in MACHINES)
    for name, m in MACHINES.items():
        say(f'{name:<{width}}  {machine_arch(name):<5}  {m.description}')


def say(line: str) -> None:
    """A progress line on stderr."""
    print(f'{PROG}: {line}', file=sys.stderr, flush=True)


def _loadavg() -> str:
    try:
        with open('/proc/loadavg', encoding='utf-8') as f:
            return ' '.join(f.read().split()[:3])
    except OSError:
        return 'unknown'


def main(argv: list[str], project: str) -> int:
    """scripts/matrix; the exit status."""
    try:
        return _main(argv, project)
    except (UsageError, KernelBuildError, SuiteError, logdir.LogDirError) as e:
        print(f'{PROG}: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f'{PROG}: interrupted', file=sys.stderr)
        return 130


def _main(argv: list[str], project: str) -> int:
    ns = parser().parse_args(argv)
    if ns.machines == 'list':
        list_machines(print)
        return 0
    machines = machine_names(ns.machines)
    if ns.engine not in ENGINES:
        raise UsageError(f"--engine: no engine '{ns.engine}' (there are: "
                         f"{', '.join(sorted(ENGINES))})")
    if ns.jobs < 0 or ns.timeout < 60 or ns.lock_wait < 0:
        raise UsageError('-j, --timeout and --lock-wait take a count (--timeout at least 60)')
    jobs = ns.jobs or len(os.sched_getaffinity(0))
    vmtest_args: tuple[str, ...] = ()
    if ns.tests is not None:
        if not re.fullmatch(r'[A-Za-z0-9_.,\s-]+', ns.tests):
            raise UsageError(f"--tests: not a list of test names: '{ns.tests}'")
        vmtest_args = ('--tests', ns.tests)
    for opt, d in (('--tree', ns.tree), ('--kdir', ns.kdir)):
        if d is not None and not os.path.isdir(d):
            raise UsageError(f'{opt} {d}: no such directory')
    paths = Paths.from_env(project)
    series = os.path.abspath(ns.tree) if ns.tree else os.path.join(project, 'tree')
    kdir = os.path.abspath(ns.kdir) if ns.kdir else ''
    tree = suite_tree(kdir, series)
    source = KernelSource(project, paths.cache, tree, kdir)
    if ns.dry_run:
        kernels = {a: source.cached(a) or f'(not built yet: {source.what(a)})'
                   for a in arches(machines)}
        for c in plan(machines, kernels, tree):
            print(f'{c.label}\t{c.arch}\t{c.kernel}\t{c.tree}')
        return 0
    if tree == kdir:
        say(f"{kdir}'s own VFIO selftests, on kernels built from it")
        if is_kernel_tree(kdir) and jobs > 1:
            # vmtest gives such a suite the real clock and the machine to itself.
            say("a kernel tree's suite runs on the real clock: one cell at a time")
            jobs = 1
    elif kdir:
        say(f'{kdir} has no tools/testing/selftests/vfio; the suite of {tree} on its kernels')
    kernels = {a: source.get(a, say) for a in arches(machines)}
    cells = plan(machines, kernels, tree)
    out = logdir.prepare(ns.out) if ns.out else \
        logdir.new_run_dir(os.path.join(paths.build, 'matrix'))
    engine = ENGINES[ns.engine](EngineContext(project, jobs, ns.timeout, ns.lock_wait,
                                              vmtest_args, say, kdir))
    load = _loadavg()
    say(f"{len(cells)} cell(s) on the {engine.name} engine, {jobs} at a time: "
        f"{', '.join(c.label for c in cells)}; logs in {out}")
    start = time.monotonic()
    outcomes = engine.run(cells, out)
    wall = time.monotonic() - start
    try:
        k, j = write_results(outcomes, out)
        say(f'results of every cell: {k}, {j}')
    except OSError as e:
        say(f'no kcidb.json or junit.xml: {e}')
    print('')
    return matrix_table.report(outcomes, print, (
        f'all {len(cells)} cell(s): {wall:.0f} s wall, {jobs} at a time, on the {engine.name} '
        f'engine (load average {load} before, {_loadavg()} after)',))
