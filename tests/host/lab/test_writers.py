# SPDX-License-Identifier: GPL-2.0-or-later
"""The KCIDB writer against the project's KCIDB v5 schema, JUnit against
its structure."""

import copy
import json
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

import labtest
from labtest import console, recorded

from lab import junit, kcidb
from lab.ktap import parse_console
from lab.records import CaseResult, RunInfo, Status

assert labtest.ROOT
COMMIT = "952f5f2" + "0" * 33


def sample():
    """Records of every kind: pass, skip, fail and a binary that died."""
    recs = parse_console(console("vfio_dma_mapping_test",
                                 recorded("harness.tap")), "q35-vtd",
                         "/tmp/console.log")
    recs += parse_console(console("vfio_pci_driver_test",
                                  recorded("pass.tap"), rc=134), "q35-amd")
    return recs


RUN = RunInfo(tree="vfio-igb", commit=COMMIT, kernel_version="6.12.95",
              config="kernel-base+vfio", start_time="2026-12-06T08:00:00+00:00")


class KcidbTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = json.loads(kcidb.SCHEMA.read_text())
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(
            cls.schema, format_checker=jsonschema.FormatChecker())

    def errors(self, doc):
        return [e.message for e in self.validator.iter_errors(doc)]

    def test_report_validates(self):
        doc = kcidb.report(sample(), RUN)
        self.assertEqual(self.errors(doc), [])
        self.assertEqual(doc["version"], {"major": 5, "minor": 0})
        self.assertEqual(len(doc["tests"]), len(sample()))

    def test_written_file_validates(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "kcidb-q35-vtd.json"
            kcidb.write(path, sample(), RUN)
            self.assertEqual(self.errors(json.loads(path.read_text())), [])

    def test_fields(self):
        doc = kcidb.report(sample(), RUN)
        tests = doc["tests"]
        self.assertEqual({t["status"] for t in tests},
                         {"PASS", "SKIP", "FAIL", "ERROR"})
        skip = [t for t in tests if t["status"] == "SKIP"][0]
        self.assertEqual(skip["path"], "kselftest.vfio.vfio_dma_mapping_test."
                         "vfio_dma_mapping_test.vfio_type1_iommu_anonymous_"
                         "hugetlb_1gb.dma_map_unmap")
        self.assertEqual(skip["environment"]["misc"],
                         {"machine": "q35-vtd", "mode": "vfio_type1_iommu"})
        died = [t for t in tests if t["status"] == "ERROR"][0]
        self.assertEqual(died["path"], "kselftest.vfio.vfio_pci_driver_test")
        self.assertEqual(died["environment"]["misc"]["machine"], "q35-amd")
        self.assertIn("status 134", died["log_excerpt"])
        self.assertEqual(len({t["id"] for t in tests}), len(tests))
        build = doc["builds"][0]
        self.assertEqual(build["checkout_id"], doc["checkouts"][0]["id"])
        self.assertTrue(all(t["build_id"] == build["id"] for t in tests))
        self.assertEqual(doc["checkouts"][0]["git_commit_hash"], COMMIT)

    def test_path_keeps_to_kcidb_characters(self):
        self.assertEqual(kcidb.test_path("b", "f.v.a case/with:odd"),
                         "kselftest.vfio.b.f.v.a_case_with_odd")
        self.assertEqual(kcidb.test_path("b", ""), "kselftest.vfio.b")

    def test_schema_rejects_what_kcidb_rejects(self):
        good = kcidb.report(sample(), RUN)
        for mutate in (lambda d: d["tests"][0].update(status="OK"),
                       lambda d: d["tests"][0].pop("path"),
                       lambda d: d["tests"][0].update(path="ltp.x"),
                       lambda d: d["tests"][0].update(id="no-origin"),
                       lambda d: d["tests"][0]["environment"].pop("misc"),
                       lambda d: d["tests"][0].update(colour="red"),
                       lambda d: d["builds"][0].update(origin="Bad Origin"),
                       lambda d: d["checkouts"][0].update(git_commit_hash="xyz"),
                       lambda d: d.update(version={"major": 4, "minor": 3})):
            bad = copy.deepcopy(good)
            mutate(bad)
            self.assertNotEqual(self.errors(bad), [])

    def test_skip_is_never_pass(self):
        recs = [CaseResult("m", "", "b", "c", Status.SKIP, reason="why")]
        self.assertEqual(kcidb.report(recs, RUN)["tests"][0]["status"], "SKIP")


class JunitTest(unittest.TestCase):
    def parse(self, recs):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "junit-q35-vtd.xml"
            junit.write(path, recs)
            return ET.parse(path).getroot()

    def test_structure(self):
        root = self.parse(sample())
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual([s.get("name") for s in suites],
                         ["q35-vtd/vfio_dma_mapping_test",
                          "q35-amd/vfio_pci_driver_test"])
        for s in suites:
            cases = s.findall("testcase")
            self.assertEqual(int(s.get("tests")), len(cases))
            for key, child in (("failures", "failure"), ("errors", "error"),
                               ("skipped", "skipped")):
                self.assertEqual(int(s.get(key)),
                                 sum(1 for c in cases if c.find(child) is not None))
            for c in cases:
                self.assertTrue(c.get("name") and c.get("classname"))
                self.assertLessEqual(len([x for x in c if x.tag in
                                          ("failure", "error", "skipped")]), 1)
        self.assertEqual(root.get("tests"), str(len(sample())))
        self.assertEqual((root.get("failures"), root.get("errors"),
                          root.get("skipped")), ("1", "1", "1"))

    def test_outcomes(self):
        root = self.parse(sample())
        cases = {c.get("name"): c for c in root.iter("testcase")}
        skip = cases["vfio_dma_mapping_test.vfio_type1_iommu_anonymous_hugetlb_1gb.dma_map_unmap"]
        self.assertEqual(skip.find("skipped").get("message"),
                         "mmap() failed: Invalid argument (22)")
        fail = cases["vfio_pci_driver_test.vfio_type1_iommu.memcpy_success"]
        self.assertIsNotNone(fail.find("failure"))
        died = cases["vfio_pci_driver_test"]
        self.assertIn("134", died.find("error").get("message"))
        ok = cases["vfio_dma_mapping_test.iommufd_anonymous.dma_map_unmap"]
        self.assertEqual([x.tag for x in ok], ["system-out"])


if __name__ == "__main__":
    unittest.main()
