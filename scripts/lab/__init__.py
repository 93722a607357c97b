# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab side of the runner: LAVA jobs and a local LAVA, KCIDB and JUnit files.

records   the neutral result record every writer takes
ktap      the console/TAP stream of a run turned into records
kcidb     KCIDB v5 JSON from records
junit     JUnit XML from records
lava_job  a matrix cell as a LAVA job definition
lava_api  the LAVA server's REST API (submit, wait, results, log)
lava_map  a finished LAVA job's results back into records
daemons, postgres, lavalab, cli   scripts/lava-lab: a LAVA on this host
replay_guest  a stand-in guest that prints a recorded console (tests/lab)
"""
