# SPDX-License-Identifier: GPL-2.0-or-later
"""A LAVA lab on this host: Debian's lava-server and lava-dispatcher.

up: the lab's own PostgreSQL cluster, the database LAVA's migrations
create, a user "lab" with an API token, the qemu device type, a worker
named after the lab with N qemu devices, then the services as Debian's
units run them (lava-server-gunicorn, lava-scheduler, lava-worker), each
a daemon with a PID file, gunicorn on 127.0.0.1 only. Every step is
skipped when already done, so up twice is fine. down stops what up
started, by PID. Nothing is written under /etc: the database comes in
through DATABASE_URL and the device dictionaries through
LAVA_SETTINGS_DEVICES_PATH, both read by lava-server's settings.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lab.daemons import Daemon
from lab.postgres import Cluster, LabError

DEFAULT_STATE = Path("/var/lib/vfio-igb-lava-lab")
PACKAGES = ("lava-server", "lava-dispatcher", "lavacli", "postgresql-15")
USER = "lab"
WORKER = "lab-worker"
DEVICE_TYPE = "qemu"


@dataclass
class Config:
    """Where the lab keeps its state and which loopback ports it uses."""

    state_dir: Path = DEFAULT_STATE
    pg_port: int = 55432
    http_port: int = 55480

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.http_port}/"


def missing_packages() -> list[str]:
    """The lab's Debian packages that are not installed."""
    out = []
    for pkg in PACKAGES:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                             capture_output=True, text=True)
        if "install ok installed" not in res.stdout:
            out.append(pkg)
    return out


class Lab:
    """The lab described by a Config; say() prints one progress line."""

    def __init__(self, cfg: Config, say: Callable[[str], None]):
        self.cfg = cfg
        self.say = say
        self.state = cfg.state_dir
        self.secrets = self.state / "secrets"
        self.devices_dir = self.state / "devices"
        self.pg = Cluster(self.state, cfg.pg_port)

    # Files of the lab ------------------------------------------------

    def _secret(self, name: str, make: Callable[[], str] | None = None) -> str:
        path = self.secrets / name
        if path.exists():
            return path.read_text().strip()
        if make is None:
            raise LabError(f"{path} missing: run 'scripts/lava-lab up'")
        value = make()
        self.secrets.mkdir(parents=True, exist_ok=True)
        self.secrets.chmod(0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
        return value

    def token(self) -> str:
        """The API token of the lab's user."""
        return self._secret("token")

    def _env(self) -> dict[str, str]:
        password = self._secret("db-password", lambda: secrets.token_hex(16))
        return {
            "DATABASE_URL": (f"postgres://lavaserver:{password}@127.0.0.1:"
                             f"{self.cfg.pg_port}/lavaserver"),
            "LAVA_SETTINGS_DEVICES_PATH": str(self.devices_dir),
        }

    def daemons(self) -> list[Daemon]:
        """The services in the order they start (stopped in reverse)."""
        env = self._env()
        log = self.state / "log"
        return [
            Daemon("lava-server-gunicorn",
                   ["gunicorn3", "lava_server.wsgi", "--log-level", "INFO",
                    "--log-file", str(log / "gunicorn.log"),
                    "-u", "lavaserver", "-g", "lavaserver",
                    "--worker-class", "eventlet", "--workers", "2",
                    # A loaded host takes longer than gunicorn's 30 s to
                    # import Django in a worker, which it then kills and
                    # starts again, for ever.
                    "--timeout", "600", "--graceful-timeout", "10",
                    "--bind", f"127.0.0.1:{self.cfg.http_port}"],
                   self.state, match="lava_server.wsgi", env=env),
            Daemon("lava-scheduler",
                   ["lava-server", "manage", "lava-scheduler", "--level",
                    "INFO", "--log-file", str(log / "lava-scheduler.log")],
                   self.state, match="lava-scheduler", env=env),
            Daemon("lava-worker",
                   ["lava-worker", "--level", "INFO", "--url", self.cfg.url,
                    "--name", WORKER, "--worker-dir", str(self.state / "worker"),
                    "--token-file", str(self.secrets / "worker-token"),
                    "--log-file", str(log / "lava-worker.log")],
                   self.state, match="lava-worker", env=env,
                   stop_timeout=20),
        ]

    # lava-server manage ----------------------------------------------

    def manage(self, *args: str, check: bool = True,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run 'lava-server manage ARGS' against the lab's database."""
        env = dict(os.environ)
        env.update(self._env())
        try:
            res = subprocess.run(["lava-server", "manage", *args], env=env,
                                 capture_output=True, text=True,
                                 timeout=timeout, cwd="/")
        except subprocess.TimeoutExpired:
            raise LabError(f"lava-server manage {args[0]}: no answer in "
                           f"{timeout:.0f} s") from None
        if check and res.returncode != 0:
            last = (res.stderr.strip() or res.stdout.strip()).splitlines()
            raise LabError(f"lava-server manage {' '.join(args[:2])} failed: "
                           f"{last[-1] if last else res.returncode}")
        return res

    def _listed(self, *args: str) -> set[str]:
        """The names a "list" command of lava-server manage prints ("* name"
        lines), up to a section of what is available but not installed."""
        names = set()
        for line in self.manage(*args).stdout.splitlines():
            if line.startswith("Available V2"):
                break
            if line.startswith("* "):
                names.add(line[2:].split()[0])
        return names

    # up --------------------------------------------------------------

    def up(self, devices: int) -> None:
        """Bring the whole lab up, or what of it is not up yet."""
        missing = missing_packages()
        if missing:
            raise LabError(f"missing packages: {' '.join(missing)}; "
                           "run 'scripts/install-deps --lab' as root")
        if os.geteuid() != 0:
            raise LabError("needs root (PostgreSQL and lava-worker run as "
                           "their users, QEMU jobs as root)")
        marker = self.state / f"objects-{devices}"
        if marker.exists() and len(self.running()) == 1 + len(self.daemons()):
            self.say(f"already up: {self.cfg.url} ({devices} qemu device(s))")
            return
        for d in ("run", "log", "worker", "devices"):
            (self.state / d).mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o755)
        self.devices_dir.chmod(0o755)
        if self.pg.init():
            self.say("created the PostgreSQL cluster in "
                     f"{self.pg.data}")
        pid = self.pg.start()
        self.say(f"PostgreSQL up (pid {pid}, 127.0.0.1:{self.cfg.pg_port})")
        password = self._secret("db-password", lambda: secrets.token_hex(16))
        self.pg.ensure_database("lavaserver", "lavaserver", password)
        self._migrate()
        for old in self.state.glob("objects-*"):
            old.unlink()
        self._objects(devices)
        marker.touch()
        for daemon in self.daemons():
            pid = daemon.start()
            self.say(f"{daemon.name} up (pid {pid}; log {daemon.log_file})")
        self._wait_api(60)
        self._wait_worker(90)
        self.say(f"lab up: {self.cfg.url} user {USER}, token in "
                 f"{self.secrets / 'token'}, {devices} qemu device(s)")

    def _migrate(self) -> None:
        version = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "lava-server"],
            capture_output=True, text=True).stdout.strip() or "unknown"
        marker = self.state / f"migrated-{version}"
        if marker.exists():
            return
        self.say("creating LAVA's database tables (lava-server manage "
                 "migrate, about a minute) ...")
        start = time.monotonic()
        self.manage("migrate", "--noinput", timeout=900)
        marker.touch()
        self.say(f"database ready after {time.monotonic() - start:.0f} s")

    def _objects(self, devices: int) -> None:
        if USER not in self._listed("users", "list", "--all"):
            self.manage("users", "add", "--superuser", "--staff", "--passwd",
                        secrets.token_hex(12), USER)
        if not (self.secrets / "token").exists():
            out = self.manage("tokens", "add", "--user", USER).stdout.split()
            self._secret("token", lambda: out[-1])
        if DEVICE_TYPE not in self._listed("device-types", "list", "--all"):
            self.manage("device-types", "add", DEVICE_TYPE)
        if WORKER not in self._listed("workers", "list", "--all"):
            out = self.manage("workers", "add", WORKER).stdout.split()
            self._secret("worker-token", lambda: out[-1])
        if not (self.secrets / "worker-token").exists():
            details = self.manage("workers", "details", WORKER).stdout
            tok = [ln.split(":", 1)[1].strip() for ln in details.splitlines()
                   if ln.startswith("token")]
            self._secret("worker-token", lambda: tok[0])
        known = self._listed("devices", "list", "--all")
        for n in range(1, max(devices, self._device_count()) + 1):
            name = f"qemu-{n:02d}"
            dict_path = self.devices_dir / f"{name}.jinja2"
            dict_path.write_text(
                "{% extends 'qemu.jinja2' %}\n"
                f"{{% set mac_addr = '52:54:00:12:35:{n:02x}' %}}\n")
            dict_path.chmod(0o644)
            if name not in known:
                self.manage("devices", "add", "--device-type", DEVICE_TYPE,
                            "--worker", WORKER, name)
            health = "GOOD" if n <= devices else "RETIRED"
            self.manage("devices", "update", "--health", health, name)

    def _device_count(self) -> int:
        return len(list(self.devices_dir.glob("qemu-*.jinja2")))

    def _get(self, path: str) -> dict[str, object]:
        req = urllib.request.Request(self.cfg.url + "api/v0.2/" + path)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return dict(json.loads(resp.read()))

    def _wait_api(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                self._get("system/version/")
                return
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last = str(getattr(exc, "reason", exc))
            time.sleep(1)
        raise LabError(f"the server did not answer at {self.cfg.url} in "
                       f"{timeout:.0f} s ({last}); see {self.state / 'log'}")

    def _wait_worker(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = "?"
        while time.monotonic() < deadline:
            try:
                state = str(self._get(f"workers/{WORKER}/").get("state"))
            except (urllib.error.URLError, OSError, ValueError) as exc:
                state = str(getattr(exc, "reason", exc))
            if state == "Online":
                return
            time.sleep(2)
        raise LabError(f"worker {WORKER} not online after {timeout:.0f} s "
                       f"(state {state}); see {self.state / 'log'}")

    # down, status ----------------------------------------------------

    def running(self) -> list[tuple[str, int]]:
        """(name, pid) of each service of the lab that runs."""
        out = []
        for d in [self.pg.daemon] + self.daemons():
            pid = d.pid()
            if pid:
                out.append((d.name, pid))
        return out

    def down(self, purge: bool = False) -> bool:
        """Stop every service of the lab; False if none was running."""
        stopped = False
        if self.state.exists():
            for d in reversed([self.pg.daemon] + self.daemons()):
                pid = d.pid()
                if d.stop(self.say):
                    self.say(f"stopped {d.name} (pid {pid})")
                    stopped = True
        if purge and self.state.exists():
            shutil.rmtree(self.state)
            self.say(f"removed {self.state}")
        return stopped
