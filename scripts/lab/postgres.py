# SPDX-License-Identifier: GPL-2.0-or-later
"""A PostgreSQL cluster of the lab's own, from Debian's postgresql-15.

Its data, socket and PID file live in the lab's state directory; it
listens on 127.0.0.1 only, on a port of its own, so it neither needs nor
touches the host's "15/main" cluster. LAVA reaches it over TCP with a
password (DATABASE_URL), the lab's own setup through the socket as the
postgres user.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from lab.daemons import Daemon

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class LabError(Exception):
    """A step of the lab that failed; str() is one line."""


class Cluster:
    """The lab's PostgreSQL cluster under state_dir, on 127.0.0.1:port."""

    def __init__(self, state_dir: Path, port: int):
        self.port = port
        self.root = state_dir / "postgres"
        self.data = self.root / "data"
        self.sock = self.root / "run"
        self.daemon = Daemon(
            "postgres",
            [str(PG_BIN / "postgres"), "-D", str(self.data),
             "-c", "listen_addresses=127.0.0.1", "-c", f"port={port}",
             "-c", f"unix_socket_directories={self.sock}"],
            state_dir, match=str(self.data), user="postgres",
            stop_signal=signal.SIGINT)

    def _as_postgres(self, argv: list[str], what: str, timeout: float = 120,
                     stdin: str | None = None) -> str:
        try:
            res = subprocess.run(["runuser", "-u", "postgres", "--"] + argv,
                                 input=stdin, capture_output=True, text=True,
                                 timeout=timeout, cwd="/")
        except subprocess.TimeoutExpired:
            raise LabError(f"{what}: no answer in {timeout:.0f} s") from None
        if res.returncode != 0:
            last = (res.stderr.strip() or res.stdout.strip()).splitlines()
            raise LabError(f"{what} failed: {last[-1] if last else res.returncode}")
        return res.stdout

    def init(self) -> bool:
        """Create the cluster unless it exists; True if it was created."""
        if (self.data / "PG_VERSION").exists():
            return False
        if not (PG_BIN / "initdb").exists():
            raise LabError(f"{PG_BIN}/initdb missing: run 'scripts/install-deps --lab'")
        for d in (self.root, self.sock):
            d.mkdir(parents=True, exist_ok=True)
            subprocess.run(["chown", "postgres:postgres", str(d)], check=True)
            d.chmod(0o700)
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data),
                           "--auth-local=peer", "--auth-host=scram-sha-256",
                           "-E", "UTF8", "--locale=C.UTF-8"], "initdb")
        return True

    def start(self, timeout: float = 60) -> int:
        """Start the server unless it runs; wait until it takes connections."""
        pid = self.daemon.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            res = subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-U",
                                  "postgres", "-h",
                                  str(self.sock), "-p", str(self.port)])
            if res.returncode == 0:
                return pid
            if self.daemon.pid() is None:
                raise LabError(f"PostgreSQL exited at start; see {self.daemon.log_file}")
            time.sleep(0.5)
        raise LabError(f"PostgreSQL not ready after {timeout:.0f} s; see {self.daemon.log_file}")

    def sql(self, statement: str, db: str = "postgres") -> str:
        """Run one SQL statement as the postgres superuser; its output."""
        return self._as_postgres(
            ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h",
             str(self.sock), "-p", str(self.port), "-d", db],
            "psql", stdin=statement + "\n")

    def ensure_database(self, name: str, user: str, password: str) -> None:
        """The role and database LAVA uses, with this password."""
        if not self.sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'").strip():
            self.sql(f"CREATE ROLE \"{user}\" LOGIN")
        self.sql(f"ALTER ROLE \"{user}\" PASSWORD '{password}'")
        if not self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip():
            self.sql(f"CREATE DATABASE \"{name}\" OWNER \"{user}\" "
                     "ENCODING 'UTF8' TEMPLATE template0")
