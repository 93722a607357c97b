# SPDX-License-Identifier: GPL-2.0-or-later
"""The console adapter: records from vmtest's console, by the project's rules."""

import unittest
from collections import Counter

import labtest
from labtest import console, recorded

from lab.ktap import classify, parse_console
from lab.records import Status

assert labtest.ROOT


def counts(records):
    return Counter(r.status for r in records)


class ClassifyTest(unittest.TestCase):
    def test_result_lines(self):
        self.assertEqual(classify("ok 1 a.b.c"), (Status.PASS, "a.b.c", ""))
        self.assertEqual(classify("not ok 2 x"), (Status.FAIL, "x", ""))
        self.assertEqual(classify("ok 3 x # SKIP no hugepages"),
                         (Status.SKIP, "x", "no hugepages"))
        self.assertEqual(classify("not ok 4 x # skip lower")[0], Status.SKIP)
        self.assertEqual(classify("not ok 5 x # XFAIL known")[0], Status.PASS)
        self.assertEqual(classify("ok 6 x # XPASS")[0], Status.FAIL)
        self.assertEqual(classify("ok 7 x # TODO later")[0], Status.PASS)

    def test_other_lines(self):
        for line in ("# ok 1 suite_a", "    ok 1 nested", "#  OK  x",
                     "TAP version 13", "1..3", "okay"):
            self.assertIsNone(classify(line), line)


class ConsoleTest(unittest.TestCase):
    def test_harness_stream(self):
        recs = parse_console(console("vfio_dma_mapping_test",
                                     recorded("harness.tap")), "q35-vtd")
        self.assertEqual(counts(recs), Counter({Status.PASS: 2,
                                                Status.SKIP: 1,
                                                Status.FAIL: 1}))
        skip = [r for r in recs if r.status is Status.SKIP][0]
        self.assertEqual(skip.mode, "vfio_type1_iommu")
        self.assertEqual(skip.reason, "mmap() failed: Invalid argument (22)")
        self.assertEqual(recs[1].mode, "iommufd")
        self.assertTrue(all(r.machine == "q35-vtd" for r in recs))
        self.assertTrue(all(r.binary == "vfio_dma_mapping_test" for r in recs))

    def test_skip_xfail_xpass_nested(self):
        self.assertEqual(counts(parse_console(console("b", recorded("skip.tap")), "m")),
                         Counter({Status.SKIP: 3}))
        self.assertEqual(counts(parse_console(console("b", recorded("xfail.tap")), "m")),
                         Counter({Status.PASS: 3}))
        self.assertEqual(counts(parse_console(console("b", recorded("xpass.tap")), "m"))[Status.FAIL], 1)
        nested = parse_console(console("b", recorded("nested.tap")), "m")
        self.assertEqual([r.case for r in nested], ["suite_a", "suite_b"])

    def test_binary_problems_are_errors(self):
        short = parse_console(console("b", recorded("plan-short.tap")), "m")
        self.assertEqual([r.status for r in short if not r.case], [Status.ERROR])
        died = parse_console(console("b", recorded("pass.tap"), rc=139), "m")
        self.assertIn("exited with status 139", died[-1].reason)
        self.assertIs(died[-1].status, Status.ERROR)
        hung = parse_console(console("b", recorded("pass.tap"), rc=None), "m")
        self.assertIs(hung[-1].status, Status.ERROR)
        self.assertIn("did not finish", hung[-1].reason)
        none = parse_console(console("b", "", rc=1), "m", expected=["b", "c"])
        self.assertEqual([(r.binary, r.status) for r in none],
                         [("b", Status.ERROR), ("c", Status.ERROR)])

    def test_failed_case_explains_exit_status(self):
        recs = parse_console(console("b", recorded("harness.tap"), rc=1), "m")
        self.assertFalse([r for r in recs if not r.case])
        fail = [r for r in recs if r.status is Status.FAIL][0]
        self.assertIn("Expected 0 (0) == memcmp(src, dst, size) (1)", fail.reason)
        self.assertNotIn("FAIL", fail.reason.split(" | ")[-1][:6])

    def test_whole_binary_skip(self):
        recs = parse_console(console("b", "", rc=4), "m")
        self.assertEqual([(r.case, r.status) for r in recs], [("", Status.SKIP)])

    def test_clean_binary_has_no_extra_record(self):
        recs = parse_console(console("b", recorded("pass.tap")), "m")
        self.assertTrue(recs)
        self.assertTrue(all(r.case and r.status is Status.PASS for r in recs))

    def test_timed_log_durations(self):
        lines = ["1.000 @@VMTEST BEGIN b t=1", "1.100 1..2",
                 "1.200 #  RUN  f.v.one ...", "1.700 ok 1 f.v.one",
                 "2.000 ok 2 f.v.two", "2.100 @@VMTEST END b rc=0 t=2"]
        recs = parse_console(lines, "m")
        self.assertEqual([r.duration for r in recs], [0.5, 0.3])


if __name__ == "__main__":
    unittest.main()
