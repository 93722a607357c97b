# SPDX-License-Identifier: GPL-2.0-or-later
"""Where the LAVA engine talks to, and where its jobs fetch their images.

server_from_env(): LAVA_URL and LAVA_TOKEN, else lavacli's identity
LAVA_IDENTITY (default "default") in ~/.config/lavacli.yaml, else the
local lab of scripts/lava-lab. Artifacts: file:// URLs for a worker on
this host; with LAVA_ARTIFACT_URL, served by the engine itself over HTTP
for as long as the jobs run, or (LAVA_ARTIFACT_DIR) copied to a directory
a web server of the lab publishes at that URL.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
import urllib.parse
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

from lab.lava_api import LavaError, Server
from lab.lava_job import file_url


def say(msg: str) -> None:
    """One progress line on stderr."""
    print(f"lava: {msg}", file=sys.stderr, flush=True)


def lavacli_identity(name: str, path: Path) -> tuple[str, str] | None:
    """(base URL, token) of identity name in lavacli's config, or None.
    The file is YAML of one level of mappings per identity; read here
    without a YAML library, only its 'uri' and 'token' keys."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    found: dict[str, str] = {}
    inside = False
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            inside = line.rstrip().rstrip(":").strip("'\"") == name
            continue
        if inside and ":" in line:
            key, _, value = line.strip().partition(":")
            found[key.strip()] = value.strip().strip("'\"")
    uri, token = found.get("uri", ""), found.get("token", "")
    if not uri or not token:
        return None
    parts = urllib.parse.urlsplit(uri)
    # lavacli names the XML-RPC endpoint; the REST API is beside it.
    path_ = parts.path[:-len("RPC2")] if parts.path.endswith("RPC2") else parts.path
    netloc = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, netloc, path_ or "/", "", "")), token


def server_from_env() -> Server:
    """The LAVA server the environment names (see the module's text)."""
    url, token = os.environ.get("LAVA_URL", ""), os.environ.get("LAVA_TOKEN", "")
    if not (url and token):
        ident = lavacli_identity(os.environ.get("LAVA_IDENTITY", "default"),
                                 Path.home() / ".config" / "lavacli.yaml")
        if ident and not url:
            url, token = ident
        elif ident and ident[0].rstrip("/") == url.rstrip("/"):
            token = ident[1]
    if not url or not token:
        from lab.lavalab import Config, Lab
        lab = Lab(Config(state_dir=Path(os.environ.get("LAVA_LAB_DIR", Config().state_dir))),
                  say)
        url = url or lab.cfg.url
        try:
            token = token or lab.token()
        except Exception as exc:
            raise LavaError(f"no LAVA_TOKEN, no lavacli identity and no local lab "
                            f"token ({exc})") from None
    return Server(url, token)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Artifacts:
    """Where the jobs fetch the kernels and initramfs images from."""

    def __init__(self, root: Path, url: str = "", copy_to: str = ""):
        self.root = root
        self.url = url.rstrip("/") + "/" if url else ""
        self.copy_to = Path(copy_to) if copy_to else None
        self._httpd: Optional[ThreadingHTTPServer] = None

    def publish(self, label: str, path: str) -> str:
        """The URL of the file at path for the cell label."""
        if not self.url:
            return file_url(path)
        base = self.copy_to or self.root / "artifacts"
        dest = base / label / os.path.basename(path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            dest.unlink()
        try:
            os.link(path, dest)
        except OSError:
            shutil.copyfile(path, dest)
        rel = dest.relative_to(base).as_posix()
        return self.url + urllib.parse.quote(rel)

    def start(self) -> None:
        """Serve root/artifacts at the URL (unless a lab's server does)."""
        if not self.url or self.copy_to:
            return
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise LavaError(f"LAVA_ARTIFACT_URL {self.url}: the engine serves only "
                            "http://HOST:PORT/ (set LAVA_ARTIFACT_DIR for a server of yours)")
        served = self.root / "artifacts"
        served.mkdir(parents=True, exist_ok=True)
        try:
            addr = socket.gethostbyname(parts.hostname)
            self._httpd = ThreadingHTTPServer(
                (addr, parts.port), partial(_Quiet, directory=str(served)))
        except OSError as exc:
            raise LavaError(f"LAVA_ARTIFACT_URL {self.url}: cannot serve it here: "
                            f"{exc}") from None
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        say(f"serving the artifacts at {self.url} from {served}")

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
