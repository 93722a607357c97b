# SPDX-License-Identifier: GPL-2.0-or-later
"""The few calls of LAVA's REST API (v0.2) the lab needs, over urllib.

A Server is a base URL and a token ("Authorization: Token ..."). Every
request has a timeout; an HTTP or network error becomes one LavaError
line naming the request. Standard library only: a job's log, which LAVA
keeps as YAML, is read line by line (log_lines), since the dispatcher
writes each entry as one flow mapping of double-quoted scalars.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

# A job's states that are final (LAVA's TestJob.state names).
FINISHED = "Finished"


class LavaError(Exception):
    """A request to the LAVA server that failed; str() is one line."""


@dataclass
class JobStatus:
    """A job's state (Submitted ... Finished), health (Unknown, Complete,
    Incomplete, Canceled) and LAVA's own reason when it failed."""

    job_id: int
    state: str
    health: str
    failure: str = ""
    worker: str = ""


class Server:
    """A LAVA server at url (http://host:port/), used with token."""

    def __init__(self, url: str, token: str, timeout: float = 30.0):
        self.base = url.rstrip("/") + "/"
        self.url = self.base + "api/v0.2/"
        self.token = token
        self.timeout = timeout

    def _request(self, method: str, path: str,
                 body: dict[str, Any] | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data,
                                     method=method)
        req.add_header("Authorization", f"Token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return bytes(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip()
            raise LavaError(f"{method} {req.full_url}: HTTP {exc.code}"
                            f"{': ' + detail[:300] if detail else ''}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LavaError(f"{method} {req.full_url}: {reason}") from None

    def _json(self, method: str, path: str,
              body: dict[str, Any] | None = None) -> Any:
        raw = self._request(method, path, body)
        try:
            return json.loads(raw)
        except ValueError:
            raise LavaError(f"{method} {self.url}{path}: not JSON") from None

    def _pages(self, path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = self._json("GET", path + "?limit=500")
        while True:
            out.extend(page.get("results", []))
            nxt = page.get("next")
            if not nxt:
                return out
            page = self._json("GET", nxt[len(self.url):])

    def version(self) -> str:
        """The server's LAVA version."""
        return str(self._json("GET", "system/version/")["version"])

    def submit(self, definition: str) -> int:
        """Submit a job definition (YAML text); its job id."""
        reply = self._json("POST", "jobs/", {"definition": definition})
        ids = reply.get("job_ids") or []
        if len(ids) != 1:
            raise LavaError(f"submit: unexpected reply {reply}")
        return int(ids[0])

    def status(self, job_id: int) -> JobStatus:
        """The job's state and health."""
        j = self._json("GET", f"jobs/{job_id}/")
        return JobStatus(job_id, str(j.get("state")), str(j.get("health")),
                         str(j.get("failure_comment") or ""),
                         str(j.get("actual_device") or ""))

    def cancel(self, job_id: int) -> None:
        """Ask the server to cancel the job."""
        self._json("GET", f"jobs/{job_id}/cancel/")

    def suites(self, job_id: int) -> dict[int, str]:
        """The job's test suites: id -> name."""
        return {int(s["id"]): str(s["name"])
                for s in self._pages(f"jobs/{job_id}/suites/")}

    def tests(self, job_id: int) -> list[dict[str, Any]]:
        """The job's test cases as the API gives them (name, result, suite,
        metadata ...)."""
        return self._pages(f"jobs/{job_id}/tests/")

    def console(self, job_id: int) -> list[tuple[float, str]]:
        """The lines the device printed, each with its time (seconds since
        the epoch): the job log's "target" and "feedback" entries."""
        raw = self._request("GET", f"jobs/{job_id}/logs/")
        return log_lines(raw.decode("utf-8", errors="replace"))

    def worker_state(self, device: str) -> tuple[str, str]:
        """(worker name, its state: Online or Offline) of a device."""
        worker = str(self._json("GET", f"devices/{device}/").get("worker_host"))
        state = str(self._json("GET", f"workers/{worker}/").get("state"))
        return worker, state

    def wait(self, job_ids: list[int], timeout: float,
             progress: Callable[[dict[int, JobStatus], float], None],
             poll: float = 5.0) -> dict[int, JobStatus]:
        """Poll the jobs until all are finished or timeout seconds passed;
        progress gets the states after each poll. The last states. A
        running job whose worker the server has marked offline (no ping
        for a minute) is given up: its failure names the worker."""
        start = time.monotonic()
        states: dict[int, JobStatus] = {}
        gone: set[int] = set()
        while True:
            for jid in job_ids:
                if jid in gone or (jid in states
                                   and states[jid].state == FINISHED):
                    continue
                st = states[jid] = self.status(jid)
                if st.state == "Running" and st.worker:
                    worker, wstate = self.worker_state(st.worker)
                    if wstate != "Online":
                        st.failure = (f"worker {worker} of device {st.worker}"
                                      f" went away (state {wstate})")
                        gone.add(jid)
            if gone and gone | {j for j, s in states.items()
                                if s.state == FINISHED} >= set(job_ids):
                return states
            elapsed = time.monotonic() - start
            progress(states, elapsed)
            if all(s.state == FINISHED for s in states.values()):
                return states
            if elapsed >= timeout:
                return states
            time.sleep(min(poll, max(0.0, timeout - elapsed)))


# One entry of a job's log as the dispatcher writes it:
#   - {"dt": "2026-12-06T09:17:46.343975", "lvl": "target", "msg": "..."}
# The device's output is "target" while a test action reads it, and
# "feedback" (with a namespace) after the last one ended: /init's DONE
# comes then. A "msg" that is a mapping (a result's) is no output.
_ENTRY = re.compile(r'^- \{"dt": "([^"]*)", "lvl": "([a-z]+)", '
                    r'"msg": "((?:[^"\\]|\\.)*)"(?:, "ns": "[^"\\]*")?\}$')
_DEVICE = ("target", "feedback")
_ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)')
# YAML's one-character escapes of a double-quoted scalar.
_SIMPLE = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t",
           "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b",
           " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
           "_": "\xa0", "L": "\u2028", "P": "\u2029"}


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if len(e) > 1:
            return chr(int(e[1:], 16))
        return _SIMPLE.get(e, e)
    return _ESCAPE.sub(one, text)


def log_lines(text: str) -> list[tuple[float, str]]:
    """The device's lines ("target" and "feedback" entries) of a job log's text, each
    with its time in seconds since the epoch."""
    out: list[tuple[float, str]] = []
    for raw in text.splitlines():
        m = _ENTRY.match(raw)
        if not m or m.group(2) not in _DEVICE:
            continue
        try:
            when = datetime.fromisoformat(m.group(1)).timestamp()
        except ValueError:
            when = out[-1][0] if out else 0.0
        out.append((when, _unescape(m.group(3))))
    return out
