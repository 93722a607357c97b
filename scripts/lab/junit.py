# SPDX-License-Identifier: GPL-2.0-or-later
"""JUnit XML (as GitLab and Jenkins read it) from records.

<testsuites> holds one <testsuite> per machine and binary, named
"<machine>/<binary>"; each record is a <testcase> with classname
"<machine>.<binary>" and the case's name (a binary's own record is named
after the binary). FAIL is a <failure>, ERROR an <error>, SKIP a <skipped>,
each with the reason as its message; PASS has no child but the log's
place, and an expected failure (XFAIL, a PASS) says so in its
<system-out>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable

from lab.records import CaseResult, Status

_CHILD = {Status.FAIL: "failure", Status.ERROR: "error",
          Status.SKIP: "skipped"}


def _count(cases: list[CaseResult], status: Status) -> str:
    return str(sum(1 for c in cases if c.status is status))


def document(results: Iterable[CaseResult], name: str = "vfio-selftests"
             ) -> ET.Element:
    """The <testsuites> element of one run."""
    suites: dict[tuple[str, str], list[CaseResult]] = {}
    for r in results:
        suites.setdefault((r.machine, r.binary), []).append(r)
    root = ET.Element("testsuites", name=name)
    all_cases = [c for cases in suites.values() for c in cases]
    for key, status in (("failures", Status.FAIL), ("errors", Status.ERROR),
                        ("skipped", Status.SKIP)):
        root.set(key, _count(all_cases, status))
    root.set("tests", str(len(all_cases)))
    for (machine, binary), cases in suites.items():
        suite = ET.SubElement(root, "testsuite", name=f"{machine}/{binary}",
                              tests=str(len(cases)),
                              failures=_count(cases, Status.FAIL),
                              errors=_count(cases, Status.ERROR),
                              skipped=_count(cases, Status.SKIP))
        total = sum(c.duration or 0.0 for c in cases)
        suite.set("time", f"{total:.3f}")
        for c in cases:
            tc = ET.SubElement(suite, "testcase",
                               name=c.case or binary or "vfio-selftests",
                               classname=f"{machine}.{binary}")
            if c.duration is not None:
                tc.set("time", f"{c.duration:.3f}")
            child = _CHILD.get(c.status)
            if child:
                el = ET.SubElement(tc, child,
                                   message=c.reason or c.status.value)
                if child != "skipped":
                    el.set("type", c.status.value)
                    el.text = c.reason or c.status.value
            out = [f"XFAIL: {c.xfail}"] if c.xfail else []
            out += [f"log: {c.log_path}"] if c.log_path else []
            if out:
                ET.SubElement(tc, "system-out").text = "\n".join(out)
    return root


def write(path: Path, results: Iterable[CaseResult],
          name: str = "vfio-selftests") -> None:
    """Write the JUnit XML of one run to path (junit*.xml)."""
    tree = ET.ElementTree(document(results, name))
    ET.indent(tree)
    tmp = path.with_name(path.name + ".tmp")
    tree.write(tmp, encoding="utf-8", xml_declaration=True)
    tmp.replace(path)
