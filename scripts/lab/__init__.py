# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab side of the runner: LAVA jobs and a local LAVA, KCIDB and JUnit files.

records      the neutral result record, read from a run's summary.tsv/cases.tsv
kcidb        KCIDB v5 JSON from records
junit        JUnit XML from records
results      kcidb.json and junit.xml of a vmtest run or of a matrix's cells
lava_job     a matrix cell as a LAVA job definition
lava_api     the LAVA server's REST API (submit, wait, results, log)
lava_map     what LAVA says of a job next to the runner's judgement
lava_engine  runner.cells.Engine on LAVA (make matrix ENGINE=lava)
lava_access  its server (LAVA_URL, lavacli, the local lab) and artifact URLs
report       scripts/test-results
daemons, postgres, lavalab, cli   scripts/lava-lab: a LAVA on this host
replay_guest  a stand-in guest that prints a recorded console (tests/lab)

The console of a run is judged only by the runner (runner.ktap,
runner.console, runner.recorded); nothing here reads KTAP for a verdict.
"""
