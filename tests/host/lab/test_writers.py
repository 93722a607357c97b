# SPDX-License-Identifier: GPL-2.0-or-later
"""The records from a run's TSVs, the KCIDB writer against the project's
KCIDB v5 schema, JUnit against its structure."""

import copy
import json
import os
import tempfile
import unittest
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema

import labtest
from labtest import console, judged, recorded

from lab import junit, kcidb, results
from lab.records import CaseResult, RunInfo, Status, from_log_dir
from runner.cells import Cell, CellOutcome

assert labtest.ROOT
COMMIT = "952f5f2" + "0" * 33
_TMP = tempfile.TemporaryDirectory()


def log_dir(name, lines, tests=None):
    """A log directory as vmtest leaves it for LINES."""
    d = os.path.join(_TMP.name, name)
    judged(d, lines, tests)
    return d


def sample():
    """Records of every kind: pass, skip, fail and a binary that died."""
    recs = from_log_dir(log_dir("a", console("vfio_dma_mapping_test",
                                             recorded("harness.tap"), rc=1)), "q35-vtd")
    recs += from_log_dir(log_dir("b", console("vfio_pci_driver_test",
                                              recorded("pass.tap"), rc=134)), "q35-amd")
    return recs


def counts(recs):
    return Counter(r.status for r in recs)


class RecordsTest(unittest.TestCase):
    """The rows of summary.tsv and cases.tsv as records."""

    def test_cases_and_reasons(self):
        recs = from_log_dir(log_dir("h", console("vfio_dma_mapping_test",
                                                 recorded("harness.tap"), rc=1)), "q35-vtd")
        self.assertEqual(counts(recs), Counter({Status.PASS: 2, Status.SKIP: 1,
                                                Status.FAIL: 1}))
        skip = [r for r in recs if r.status is Status.SKIP][0]
        self.assertEqual(skip.mode, "vfio_type1_iommu")
        self.assertEqual(skip.reason, "mmap() failed: Invalid argument (22)")
        fail = [r for r in recs if r.status is Status.FAIL][0]
        self.assertIn("Expected 0 (0) == memcmp(src, dst, size) (1)", fail.reason)
        case_secs = labtest.tsv(os.path.join(_TMP.name, "h", "cases.tsv"))[1][4]
        self.assertEqual(recs[0].duration, float(case_secs))
        self.assertTrue(recs[0].log_path.endswith("/h/console.log"))

    def test_xfail_is_a_pass_with_its_cause(self):
        recs = from_log_dir(log_dir("x", console("b", recorded("xfail.tap"))), "m")
        self.assertEqual([r.status for r in recs], [Status.PASS] * 3)
        self.assertEqual([r.xfail for r in recs],
                         ["known breakage", "kselftest.h prints it on ok", ""])
        recs = from_log_dir(log_dir("xp", console("b", recorded("xpass.tap"))), "m")
        self.assertEqual(counts(recs)[Status.FAIL], 1)

    def test_binary_problems_are_errors(self):
        short = from_log_dir(log_dir("s", console("b", recorded("plan-short.tap"))), "m")
        whole = [r for r in short if not r.case]
        self.assertEqual([r.status for r in whole], [Status.ERROR])
        self.assertIn("only 2 of 4 planned cases reported", whole[0].reason)
        died = from_log_dir(log_dir("d", console("b", recorded("pass.tap"), rc=139)), "m")
        self.assertIs(died[-1].status, Status.ERROR)
        self.assertIn("exited with status 139", died[-1].reason)
        hung = from_log_dir(log_dir("hu", console("b", recorded("pass.tap"), rc=None)), "m")
        self.assertIs(hung[-1].status, Status.ERROR)
        self.assertIn("did not finish", hung[-1].reason)
        # A failed case does not explain a binary that never ended.
        hung_fail = from_log_dir(log_dir("hf", console("b", recorded("fail.tap"),
                                                       rc=None)), "m")
        self.assertEqual([(r.case, r.status) for r in hung_fail if not r.case],
                         [("", Status.ERROR)])
        self.assertIn("did not finish", hung_fail[-1].reason)
        none = from_log_dir(log_dir("n", console("b", "", rc=1), ["b", "c"]), "m")
        self.assertEqual([(r.binary, r.status) for r in none],
                         [("b", Status.ERROR), ("c", Status.ERROR)])
        self.assertIn("never started", none[1].reason)

    def test_failed_case_explains_exit_status(self):
        recs = from_log_dir(log_dir("f", console("b", recorded("fail.tap"), rc=1)), "m")
        self.assertFalse([r for r in recs if not r.case])

    def test_whole_binary_skip(self):
        recs = from_log_dir(log_dir("w", console("b", "", rc=4)), "m")
        self.assertEqual([(r.case, r.status) for r in recs], [("", Status.SKIP)])
        self.assertIn("KSFT_SKIP", recs[0].reason)

    def test_clean_binary_has_no_extra_record(self):
        recs = from_log_dir(log_dir("c", console("b", recorded("pass.tap"))), "m")
        self.assertTrue(recs)
        self.assertTrue(all(r.case and r.status is Status.PASS for r in recs))

    def test_counts_equal_the_summary(self):
        """Every record kind adds up to the runner's own counts."""
        for name, rc in (("harness", 1), ("plan-short", 0), ("died", None), ("skip", 4),
                         ("plan-zero", 0), ("no-plan", 0), ("plan-over", 0)):
            d = log_dir(f"sum-{name}-{rc}", console("b", recorded(name + ".tap"), rc=rc))
            recs = from_log_dir(d, "m")
            row = [r for r in labtest.tsv(os.path.join(d, "summary.tsv")) if r[0] == "binary"][0]
            c = counts(recs)
            bad = c[Status.FAIL] + c[Status.ERROR]
            self.assertEqual((c[Status.PASS], bool(bad), c[Status.SKIP] > 0),
                             (int(row[3]), int(row[4]) > 0, int(row[5]) > 0), name)


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
        self.assertIn("IOMMU mode vfio_type1_iommu", skip["environment"]["comment"])
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

    def test_xfail_in_misc(self):
        recs = from_log_dir(log_dir("kx", console("b", recorded("xfail.tap"))), "m")
        tests = kcidb.report(recs, RUN)["tests"]
        self.assertEqual([t["status"] for t in tests], ["PASS"] * 3)
        self.assertEqual(tests[0]["misc"]["xfail"], "known breakage")
        self.assertNotIn("xfail", tests[2]["misc"])
        self.assertEqual(self.errors(kcidb.report(recs, RUN)), [])

    def test_matrix_cells(self):
        """write_results: every cell's rows, a build per kernel, and an
        ERROR test for a cell that could not run."""
        good = log_dir("cell-a", console("vfio_pci_device_test", recorded("pass.tap")))
        lost = log_dir("cell-b", console("vfio_pci_device_test", recorded("pass.tap"),
                                         rc=None))
        never = os.path.join(_TMP.name, "cell-c")
        os.makedirs(never, exist_ok=True)
        cells = [Cell("q35-vtd", "x86", "/c/kernel-aaaa/bzImage", "", "q35-vtd"),
                 Cell("q35-amd", "x86", "/c/kernel-aaaa/bzImage", "", "q35-amd"),
                 Cell("virt-smmuv3", "arm64", "/c/kernel-bbbb/Image", "", "virt-smmuv3")]
        outcomes = [CellOutcome(cells[0], good),
                    CellOutcome(cells[1], lost, "q35-amd: LAVA job 12 worker w went away",
                                "12"),
                    CellOutcome(cells[2], never, "virt-smmuv3: no LAVA job: submission failed",
                                "")]
        with tempfile.TemporaryDirectory() as d:
            k, j = results.write_results(outcomes, d)
            doc = json.loads(k.read_text())
            self.assertEqual(self.errors(doc), [])
            self.assertEqual(sorted(b["architecture"] for b in doc["builds"]),
                             ["arm64", "x86_64"])
            self.assertEqual(len(doc["checkouts"]), 1)
            by = {}
            for t in doc["tests"]:
                by.setdefault(t["environment"]["misc"]["machine"], []).append(
                    (t["path"], t["status"]))
            self.assertEqual(by["q35-vtd"], [("kselftest.vfio.vfio_pci_device_test.first",
                                              "PASS"),
                                             ("kselftest.vfio.vfio_pci_device_test.second",
                                              "PASS")])
            self.assertEqual(by["q35-amd"][-1], ("kselftest.vfio", "ERROR"))
            self.assertIn(("kselftest.vfio.vfio_pci_device_test", "ERROR"), by["q35-amd"])
            self.assertEqual(by["virt-smmuv3"], [("kselftest.vfio", "ERROR")])
            err = [t for t in doc["tests"] if t["path"] == "kselftest.vfio"]
            self.assertIn("LAVA job 12", err[0]["log_excerpt"])
            root = ET.parse(j).getroot()
            self.assertEqual(root.get("errors"), "3")
            self.assertEqual(root.get("tests"), str(len(doc["tests"])))


class VmtestFilesTest(unittest.TestCase):
    def test_write_run(self):
        d = log_dir("run", console("vfio_pci_device_test", recorded("harness.tap"), rc=1))
        k, j = results.write_run(d, "q35-vtd", "", "/c/kernel-cafe/bzImage")
        self.assertEqual((k.parent, k.name, j.name), (Path(d), "kcidb.json", "junit.xml"))
        doc = json.loads(k.read_text())
        self.assertEqual(doc["builds"][0]["config_name"], "kernel-cafe")
        self.assertEqual(doc["builds"][0]["misc"]["kernel_version"], "6.12.95")
        self.assertEqual(doc["checkouts"][0]["tree_name"], "vfio-igb")
        self.assertEqual(len(doc["tests"]), 4)


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
