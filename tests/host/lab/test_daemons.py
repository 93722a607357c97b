# SPDX-License-Identifier: GPL-2.0-or-later
"""Daemons started with a PID file and stopped with their whole tree."""

import os
import signal
import tempfile
import time
import unittest
from pathlib import Path

import labtest

from lab.daemons import Daemon, alive, descendants

assert labtest.ROOT


class DaemonTest(unittest.TestCase):
    @staticmethod
    def _kill_tree(pid):
        """Whatever the test left of the tree, killed (it ignores SIGTERM)."""
        for p in [pid] + descendants(pid):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def test_start_stop_tree(self):
        with tempfile.TemporaryDirectory() as d:
            # A parent that ignores SIGTERM and a grandchild in a session
            # of its own, as a job's QEMU is under lava-worker.
            script = ("trap '' TERM; setsid sleep 300 & "
                      "echo $! > " + d + "/child; wait")
            dm = Daemon("t", ["bash", "-c", script], Path(d), match="trap",
                        stop_timeout=1)
            pid = dm.start()
            self.addCleanup(self._kill_tree, pid)
            self.assertEqual(dm.start(), pid)  # twice is fine
            deadline = time.monotonic() + 10
            while not (Path(d) / "child").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            child = int((Path(d) / "child").read_text())
            self.assertIn(child, descendants(pid))
            self.assertEqual(os.getsid(pid), pid)
            said = []
            self.assertTrue(dm.stop(said.append))
            self.assertFalse(alive(pid))
            self.assertFalse(alive(child))
            self.assertIn("did not stop", said[0])
            self.assertFalse(dm.pid_file.exists())
            self.assertFalse(dm.stop(said.append))

    def test_stale_pid_file_is_not_ours(self):
        with tempfile.TemporaryDirectory() as d:
            dm = Daemon("t", ["true"], Path(d), match="no-such-daemon")
            dm.pid_file.parent.mkdir(parents=True)
            dm.pid_file.write_text(f"{os.getpid()}\n")
            self.assertIsNone(dm.pid())


if __name__ == "__main__":
    unittest.main()
