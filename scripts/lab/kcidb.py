# SPDX-License-Identifier: GPL-2.0-or-later
"""KCIDB v5 JSON (KernelCI's result schema) from records.

One checkout (the tree and commit), one build (the test kernel) and one
test per record, at path kselftest.vfio.<binary>.<case> (a binary's own
record, case "", at kselftest.vfio.<binary>; a cell that never ran, one
ERROR at kselftest.vfio). The machine and mode go into
the test's environment: its comment names them, its misc holds them as
fields. An expected failure (XFAIL) is a PASS with its cause in the
test's misc ("xfail"). Only properties KCIDB v5.0 defines are written; the schema the
host tests check against is kcidb-v5.schema.json beside this file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Iterable

from lab.records import CaseResult, RunInfo

SCHEMA = Path(__file__).with_name("kcidb-v5.schema.json")
VERSION = {"major": 5, "minor": 0}
_PATH_WORD = re.compile(r"[^A-Za-z0-9_-]+")


def test_path(binary: str, case: str) -> str:
    """kselftest.vfio.<binary>.<case>, each name's dots kept as levels and
    any other character KCIDB does not allow in a path turned into '_'; a
    record of no binary (a cell that never ran) is the suite's own,
    kselftest.vfio."""
    parts = ["kselftest", "vfio"] + ([binary] if binary else []) \
        + (case.split(".") if case else [])
    return ".".join(_PATH_WORD.sub("_", p).strip("_") or "_" for p in parts)


def _id(origin: str, *parts: str) -> str:
    digest = hashlib.sha1("\0".join(parts).encode()).hexdigest()[:16]
    return f"{origin}:{digest}"


def _checkout(run: RunInfo) -> dict[str, Any]:
    checkout: dict[str, Any] = {
        "id": _id(run.origin, "checkout", run.tree, run.commit),
        "origin": run.origin, "tree_name": run.tree,
        "git_commit_hash": run.commit, "valid": True,
    }
    if run.repository_url:
        checkout["git_repository_url"] = run.repository_url
    if run.start_time:
        checkout["start_time"] = run.start_time
    return checkout


def _build(run: RunInfo, checkout_id: str) -> dict[str, Any]:
    return {
        "id": _id(run.origin, "build", checkout_id, run.kernel_version,
                  run.config, run.arch),
        "checkout_id": checkout_id, "origin": run.origin,
        "architecture": run.arch, "config_name": run.config,
        "comment": f"test kernel {run.kernel_version}", "status": "PASS",
        "misc": {"kernel_version": run.kernel_version, **run.misc},
    }


def _test(r: CaseResult, run: RunInfo, build_id: str, n: int
          ) -> dict[str, Any]:
    env = {"comment": f"QEMU machine {r.machine}"
                      + (f", IOMMU mode {r.mode}" if r.mode else ""),
           "misc": {"machine": r.machine, "mode": r.mode}}
    misc = {"binary": r.binary, "case": r.case}
    if r.xfail:
        misc["xfail"] = r.xfail
    test: dict[str, Any] = {
        "id": _id(run.origin, "test", build_id, r.machine, r.binary,
                  r.case, str(n)),
        "build_id": build_id, "origin": run.origin,
        "path": test_path(r.binary, r.case),
        "status": r.status.value, "environment": env, "misc": misc,
    }
    if r.case:
        test["comment"] = r.case
    if r.reason:
        test["log_excerpt"] = r.reason[:16384]
    if r.duration is not None:
        test["duration"] = r.duration
    if r.log_path:
        test["log_url"] = Path(r.log_path).resolve().as_uri()
    if run.start_time:
        test["start_time"] = run.start_time
    return test


def report_runs(runs: Iterable[tuple[RunInfo, Iterable[CaseResult]]]
                ) -> dict[str, Any]:
    """The KCIDB v5 document of several runs (a matrix's cells): one
    checkout per tree and commit, one build per kernel, the tests of each
    run under its build."""
    checkouts: dict[str, dict[str, Any]] = {}
    builds: dict[str, dict[str, Any]] = {}
    tests: list[dict[str, Any]] = []
    for run, results in runs:
        checkout = _checkout(run)
        checkouts.setdefault(checkout["id"], checkout)
        build = _build(run, checkout["id"])
        builds.setdefault(build["id"], build)
        tests += [_test(r, run, build["id"], len(tests) + n)
                  for n, r in enumerate(results)]
    return {"version": dict(VERSION), "checkouts": list(checkouts.values()),
            "builds": list(builds.values()), "tests": tests}


def report(results: Iterable[CaseResult], run: RunInfo) -> dict[str, Any]:
    """The KCIDB v5 document of one run, as a dict ready for json.dump."""
    return report_runs([(run, results)])


def write(path: Path, results: Iterable[CaseResult], run: RunInfo) -> None:
    """Write the KCIDB document of one run to path (kcidb*.json)."""
    write_doc(path, report(results, run))


def write_doc(path: Path, doc: dict[str, Any]) -> None:
    """Write a KCIDB document to path, whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
