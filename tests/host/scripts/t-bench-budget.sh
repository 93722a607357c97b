#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/bench's budget: the budget program builds in a copy of the tree
# (so it cannot rot between benchmark runs), and the report turns host
# stamps of "# budget" lines into per-step times, counted as often as the
# driver test does each step.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BUDGET_PROG=vfio_pci_driver_budget
# The budget's code (scripts/runner/budget.py), from its command line.
budget()
{
	PYTHONPATH=$PROJECT/scripts python3 -m runner.budget "$@"
}
# budget_report TIMED_LOG: its text on stdout, its TSV rows on fd 3.
budget_report()
{
	budget report "$1" 2>&3
}

budget tree "$PROJECT" "$PROJECT/tree" "$WORK/tree"
run make -C "$PROJECT/Kbuild-oot" TREE="$WORK/tree" O="$WORK/build" WERROR=1
check_true "the budget program builds in a copy of the tree, -Werror" \
	test -x "$WORK/build/out/$BUDGET_PROG"
check_true "... beside the tree's own programs" \
	test -x "$WORK/build/out/vfio_pci_driver_test"

# One mode, one round: init took 40 ms of host time (0.100 -> 0.140),
# 500 ms on the guest clock, 490 of it asleep; the driver test's seven
# cases took 2.000 s between their RUN and result lines.
cat >"$WORK/timed.log" <<'LOG'
0.050 @@VMTEST BEGIN vfio_pci_driver_budget t=1.00
0.090 #  RUN           vfio_pci_driver_budget.m1.fixture_steps ...
0.100 # budget mode=m1 rep=0 step=open guest_us=1000 sleep_us=0
0.120 # budget mode=m1 rep=0 step=map guest_us=1000 sleep_us=0
0.140 # budget mode=m1 rep=0 step=init guest_us=500000 sleep_us=490000
0.150 # budget mode=m1 rep=0 step=map guest_us=1000 sleep_us=0
0.152 # budget mode=m1 rep=0 step=copy guest_us=100 sleep_us=0
1.000 @@VMTEST BEGIN vfio_pci_driver_test t=2.00
1.100 #  RUN           vfio_pci_driver_test.m1.init_remove ...
3.100 ok 1 vfio_pci_driver_test.m1.init_remove
3.500 @@VMTEST END vfio_pci_driver_test rc=0 t=9.00
LOG
run budget_report "$WORK/timed.log" 3>"$WORK/rows.tsv"
check_true "a step's host time is the distance to the line before" \
	grep -Eq '^  init +1 +20.0 +500.0 +490.0 +17 +0.34$' "$OUT"
check_true "... the first step's from the harness's RUN line" \
	grep -Eq '^  open +1 +10.0 ' "$OUT"
check_true "two map lines of a round make one map of a fixture" \
	grep -Eq '^  map +1 +30.0 +2.0 ' "$OUT"
check_true "the driver test's time in the mode, from its cases" \
	grep -q 'measured in this mode: 2.00 s (1 cases)' "$OUT"
check_true "... and outside its cases" \
	grep -q '2.50 s in all, 2.00 s in its cases, 0.50 s outside them' "$OUT"
check_true "rows for the TSV" grep -q '^budget.m1.init.host_ms	20.0	ms$' "$WORK/rows.tsv"
echo "0.1 nothing here" >"$WORK/empty.log"
run budget_report "$WORK/empty.log" 3>/dev/null
check_true "no budget lines: fails" test "$RC" != 0
check_true "... saying so" grep -q "budget program did not run" "$OUT"
tap_done
