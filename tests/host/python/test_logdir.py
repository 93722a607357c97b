# SPDX-License-Identifier: GPL-2.0-or-later
"""A run's log directory (runner.logdir): its own per run, one writer at a time."""

import os
import subprocess
import sys
import tempfile
import unittest

from .helpers import PROJECT

from runner import logdir


class LogDirTest(unittest.TestCase):
    def test_run_dirs(self):
        with tempfile.TemporaryDirectory() as base:
            for n in range(logdir.KEEP_RUNS + 2):
                os.mkdir(os.path.join(base, f'run-20000101-0000{n:02d}-999999999'))
            # A run whose vmtest still runs is kept, however old.
            alive = os.path.join(base, f'run-19990101-000000-{os.getpid()}')
            os.mkdir(alive)
            d = logdir.new_run_dir(base)
            self.assertEqual(os.path.realpath(os.path.join(base, 'latest')), d)
            runs = sorted(r for r in os.listdir(base) if r.startswith('run-'))
            self.assertEqual(len(runs), logdir.KEEP_RUNS + 1)
            self.assertIn(os.path.basename(alive), runs)
            self.assertIn(os.path.basename(d), runs)

    def test_one_writer(self):
        with tempfile.TemporaryDirectory() as d:
            # The first writer is another process, as a second vmtest would see it.
            holder = subprocess.Popen(
                [sys.executable, '-c', 'import sys, time; from runner import logdir; '
                 'logdir.lock(sys.argv[1]); print("held", flush=True); time.sleep(30)', d],
                env=dict(os.environ, PYTHONPATH=os.path.join(PROJECT, 'scripts')),
                stdout=subprocess.PIPE, text=True)
            self.addCleanup(holder.wait)
            self.addCleanup(holder.kill)
            assert holder.stdout is not None
            self.assertEqual(holder.stdout.readline().strip(), 'held')
            with self.assertRaisesRegex(logdir.LogDirError,
                                        f'is being written by another vmtest run \\(PID '
                                        f'{holder.pid},'):
                logdir.lock(d)
            holder.stdout.close()

    def test_unwritable(self):
        with tempfile.NamedTemporaryFile() as f:
            with self.assertRaisesRegex(logdir.LogDirError, 'cannot create it or write to it'):
                logdir.prepare(os.path.join(f.name, 'logs'))


if __name__ == '__main__':
    unittest.main()
