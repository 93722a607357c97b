#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# hw-run judges by the kselftest TAP rules of scripts/runner/ktap.py: each
# recorded stream (tap/*.tap) printed by a fake test binary under a fake
# run.sh, with an exit status, must get the verdict and the pass/fail/skip
# counts tap/verdicts lists, as the judge itself and the VM runner's
# console reader do (tests/host/python).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

TAPS=$PROJECT/tests/host/scripts/tap

# hw-run on a fake device whose only test prints the fixture and exits
# with its status.
SYS=$WORK/sys
export VFIO_SELFTESTS_SYSFS=$SYS VFIO_SELFTESTS_STATE=$WORK/state
export BUILD_DIR=$WORK/build
DEV=$SYS/devices/pci0000:00/0000:03:00.0
mkdir -p "$DEV" "$SYS/bus/pci/devices" "$VFIO_SELFTESTS_STATE"
echo 0x8086 >"$DEV/vendor"
echo 0x10c9 >"$DEV/device"
ln -s "$DEV" "$SYS/bus/pci/devices/0000:03:00.0"
M=$WORK/tree/tools/testing/selftests/vfio
mkdir -p "$M/scripts" "$M/lib" "$WORK/out"
echo 'TEST_GEN_PROGS = fake_test' >"$M/Makefile"
# shellcheck disable=SC2016 # expanded by the fake run.sh
printf '#!/bin/bash\nshift 3\nexec "$@"\n' >"$M/scripts/run.sh"
printf '#!/bin/bash\n' >"$M/scripts/cleanup.sh"
# shellcheck disable=SC2016 # expanded by the fake test
printf '#!/bin/bash\ncat "$FIXTURE"\nexit "$FIXTURE_RC"\n' >"$WORK/out/fake_test"
chmod +x "$M/scripts/"*.sh "$WORK/out/fake_test"

hw_run_judge()
{
	local re='^  fake_test +([A-Z]+) +pass +([0-9]+) +fail +([0-9]+) +skip +([0-9]+)'

	run env FIXTURE="$1" FIXTURE_RC="$2" "$PROJECT/scripts/hw-run" --bdf 0000:03:00.0 \
		--tree "$WORK/tree" --build-dir "$WORK/out" --tests fake_test
	if [[ $(grep '^  fake_test ' "$OUT") =~ $re ]]; then
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]} ${BASH_REMATCH[4]}"
	else
		echo "no result line (exit status $RC)"
	fi
}

# check_same NAME WANT GOT
check_same()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "wanted '$2', got '$3'"
	fi
}

while read -r name rc want_verdict want_pass want_fail want_skip; do
	# A binary that never ended is the VM runner's alone to see.
	case $name in "#"* | "") continue ;; esac
	[ "$rc" != - ] || continue
	want="$want_verdict $want_pass $want_fail $want_skip"
	check_same "hw-run: $name.tap, status $rc: $want" "$want" \
		"$(hw_run_judge "$TAPS/$name.tap" "$rc")"
done <"$TAPS/verdicts"
tap_done
