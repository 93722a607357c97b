#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kselftest TAP rules of scripts/lib/tap-judge.sh on recorded streams
# (tap/*.tap), each with an exit status: the judge itself, the VM runner's
# console reader (vm-tap.sh, fed the stream between vm/init's markers) and
# hw-run (the stream printed by a fake test binary under a fake run.sh)
# must each give the verdict and the pass/fail/skip counts listed below.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../../scripts/lib/common.sh
source "$PROJECT/scripts/lib/common.sh"
# shellcheck source=../../../scripts/lib/tap-judge.sh
source "$PROJECT/scripts/lib/tap-judge.sh"

TAPS=$PROJECT/tests/host/scripts/tap

# fixture  exit-status  verdict  pass fail skip  (what the case is)
CASES=(
	"pass 0 PASS 2 0 0"
	"fail 1 FAIL 1 1 0"
	"skip 0 SKIP 0 0 3"
	"skip 4 SKIP 0 0 3"
	"xfail 0 PASS 3 0 0"
	"xpass 1 FAIL 1 1 0"
	"xpass 0 FAIL 1 1 0"
	"plan-short 0 FAIL 2 2 0"
	"plan-short 139 FAIL 2 2 0"
	"plan-over 0 FAIL 2 1 0"
	"no-plan 0 FAIL 2 1 0"
	"no-result 1 FAIL 0 1 0"
	"no-result 4 SKIP 0 0 1"
	"plan-zero 0 SKIP 0 0 1"
	"died 139 FAIL 2 1 0"
	"died 1 FAIL 2 1 0"
	"nested 0 PASS 2 0 0"
	"harness 1 FAIL 2 1 1"
)

# The classification of single lines.
check_line()
{
	local want=$1 line=$2

	tap_classify "$line"
	if [ "$TJ_KIND:${TJ_STATUS:-}" = "result:$want" ]; then
		ok "'$line' is $want"
	else
		not_ok "'$line' is $want" "got kind $TJ_KIND, status ${TJ_STATUS:-none}"
	fi
	TJ_STATUS=
}
check_line pass "ok 1 a # some comment that is no directive"
check_line fail "not ok 7 a # error"
check_line skip "ok 3 # sKiP lower case"
check_line xfail "ok 2 a # XFAIL"
check_line xpass "not ok 2 a # XPASS"
tap_classify "    ok 1 nested"
check_true "an indented (nested) result is no result" test "$TJ_KIND" = other
tap_classify "ok 4 name with spaces # SKIP why"
check_true "the name stops before the directive" test "$TJ_NAME" = "name with spaces"

# vm_tap_judge FIXTURE RC: the verdict and counts the VM runner's console
# reader gives ("VERDICT pass fail skip"); RC "none" leaves out the END
# marker, "unstarted" the whole binary. Also checks that the last line is
# vmtest's summary with the same counts.
vm_tap_judge()
{
	local file=$1 rc=$2 dir line verdict pass fail skip status=0

	dir=$(mktemp -d "$WORK/vm.XXXXXX")
	(
		# shellcheck source=../../../scripts/lib/vm-tap.sh
		source "$PROJECT/scripts/lib/vm-tap.sh"
		tap_init 0 "$dir" 0 fake_test
		if [ "$rc" != unstarted ]; then
			tap_feed "@@VMTEST BEGIN fake_test t=1.00"
			while IFS= read -r line; do
				tap_feed "$line"
			done <"$file"
			[ "$rc" = none ] || tap_feed "@@VMTEST END fake_test rc=$rc t=2.00"
		fi
		tap_feed "@@VMTEST DONE"
		tap_summary TCG 1000000
	) >"$dir/out" 2>&1 || status=$?
	# awk: an empty plan field must stay a field.
	read -r pass fail skip < <(awk -F'\t' '$1 == "binary" { print $4, $5, $6 }' "$dir/summary.tsv")
	if [ "$status" != 0 ]; then
		verdict=FAIL
	elif [ "$pass" != 0 ]; then
		verdict=PASS
	else
		verdict=SKIP
	fi
	[ "$(tail -n 1 "$dir/out")" = "vmtest: $pass passed, $fail failed, $skip skipped" ] ||
		verdict="$verdict(last line: $(tail -n 1 "$dir/out"))"
	echo "$verdict $pass $fail $skip"
}

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

for c in "${CASES[@]}"; do
	read -r name rc want_verdict want_pass want_fail want_skip <<<"$c"
	want="$want_verdict $want_pass $want_fail $want_skip"
	tap_judge_file "$TAPS/$name.tap" "$rc"
	check_same "judge: $name.tap, status $rc: $want" "$want" \
		"$TJ_VERDICT $TJ_PASS $TJ_FAIL $TJ_SKIP"
	check_same "vm-tap: $name.tap, status $rc: the same" "$want" \
		"$(vm_tap_judge "$TAPS/$name.tap" "$rc")"
	check_same "hw-run: $name.tap, status $rc: the same" "$want" \
		"$(hw_run_judge "$TAPS/$name.tap" "$rc")"
done

# Only the VM runner can see a binary that never ended or never started.
check_same "vm-tap: a binary with no END marker fails although its cases passed" \
	"FAIL 2 1 0" "$(vm_tap_judge "$TAPS/died.tap" none)"
check_same "vm-tap: a binary that never started is one failure" \
	"FAIL 0 1 0" "$(vm_tap_judge "$TAPS/pass.tap" unstarted)"
tap_done
