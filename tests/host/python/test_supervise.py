# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/vmtest's supervision of QEMU, with a fake QEMU: no QEMU outlives the runner.

The fake prints a few console lines like the guest's /init, notes its PID
and then stays silent; the runner must stop it on Ctrl-C, and the kernel
must kill it when the runner itself is SIGKILLed. Each case checks the
fake's PID, never a process by name. The --stall and --timeout cut-offs
are tested on supervise.watch itself, with bounds below the CLI's minima.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from .helpers import PROJECT, fake_bzimage

from runner import supervise

FAKE_QEMU = """#!/bin/sh
[ "$1" = --version ] && { echo "QEMU emulator version 10.0.0"; exit 0; }
echo $$ >"{work}/qemu.pid"
echo "@@VMTEST INIT t=0.10 kernel=fake"
echo "@@VMTEST BEGIN a_test t=0.20"
echo "1..2"
echo "#  RUN           a_test.one ..."
exec sleep 600
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for every purpose here.
    with open(f'/proc/{pid}/stat') as f:
        return f.read().split(')')[-1].split()[0] != 'Z'


@unittest.skipUnless(os.access('/bin/busybox', os.X_OK) and os.access('/bin/bash-static', os.X_OK),
                     'busybox-static and bash-static are needed (scripts/install-deps)')
class SuperviseTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.work)
        os.makedirs(os.path.join(self.work, 'bin/scripts'))
        for name in ('bin/a_test', 'bin/scripts/setup.sh'):
            open(os.path.join(self.work, name), 'w').close()
        fake_bzimage(os.path.join(self.work, 'bzImage'))
        qemu = os.path.join(self.work, 'qemu')
        with open(qemu, 'w') as f:
            f.write(FAKE_QEMU.replace('{work}', self.work))
        os.chmod(qemu, 0o755)
        self.env = dict(os.environ, QEMU=qemu, VMTEST_LOCK=os.path.join(self.work, 'vm.lock'))
        self.pid_file = os.path.join(self.work, 'qemu.pid')

    def start(self, *args):
        w = self.work
        self.proc = subprocess.Popen(
            [os.path.join(PROJECT, 'scripts/vmtest'), '--bin-dir', f'{w}/bin', '--tests',
             'a_test', '--kernel', f'{w}/bzImage', '--no-kvm', '--log-dir', f'{w}/logs', *args],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.addCleanup(self.reap)

    def reap(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        if os.path.exists(self.pid_file):
            pid = self.qemu_pid()
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

    def qemu_pid(self):
        for _ in range(600):
            if os.path.exists(self.pid_file):
                with open(self.pid_file) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            time.sleep(0.1)
        self.fail('the fake QEMU never started')

    def gone(self, pid):
        for _ in range(100):
            if not alive(pid):
                return True
            time.sleep(0.1)
        return False

    def test_interrupt(self):
        self.start()
        pid = self.qemu_pid()
        time.sleep(1)
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=60)
        self.assertEqual(self.proc.returncode, 130, out)
        self.assertIn('vmtest: interrupted while running a_test (case a_test.one)', out)
        self.assertIn('FAILED: interrupted while running a_test (case a_test.one)', out)
        self.assertTrue(out.rstrip().endswith('vmtest: 0 passed, 2 failed, 0 skipped'), out)
        self.assertTrue(self.gone(pid), 'QEMU outlived the runner')

    def test_runner_killed(self):
        self.start()
        pid = self.qemu_pid()
        self.proc.kill()
        self.proc.wait()
        self.assertTrue(self.gone(pid), 'QEMU outlived a SIGKILLed runner')


class WatchTest(unittest.TestCase):
    """supervise.watch on a process that prints two lines and goes silent."""

    def watch(self, timeout_s, stall_s):
        qemu = supervise.Qemu(['sh', '-c', 'echo one; echo two; exec sleep 600'])
        self.addCleanup(qemu.stop, 1.0)
        lines: list[str] = []
        why = supervise.watch(qemu, lines.append, lambda: None, supervise.host_usecs(),
                              timeout_s, stall_s, lambda: 'a_test')
        rc = qemu.stop(1.0)
        return why, lines, rc

    def test_stall(self):
        why, lines, rc = self.watch(100, 2)
        self.assertEqual(why, 'no output for 2 s while running a_test: guest hung; VM killed')
        self.assertEqual(lines, ['one', 'two'])
        self.assertEqual(rc, 128 + signal.SIGTERM)

    def test_timeout(self):
        why, _, _ = self.watch(2, 100)
        self.assertEqual(why, 'timeout after 2 s while running a_test; VM killed')

    def test_end_of_output(self):
        qemu = supervise.Qemu(['printf', 'a\\r\\nb'])
        lines: list[str] = []
        self.assertIsNone(supervise.watch(qemu, lines.append, lambda: None,
                                          supervise.host_usecs(), 100, 100, lambda: ''))
        self.assertEqual(qemu.reap(), 0)
        self.assertEqual(lines, ['a', 'b'])


if __name__ == '__main__':
    unittest.main()
