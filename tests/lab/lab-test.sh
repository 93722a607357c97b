#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The lab end to end, by hand (root, LAVA installed with
# 'scripts/install-deps --lab'; not part of make check yet):
#   1. scripts/lava-lab up
#   2. the recorded TAP streams of tests/host/scripts/tap, replayed by the
#      replay guest under the q35-vtd machine's QEMU options, through the
#      LAVA engine: the counts must equal scripts/test-results (the
#      runner's judge) on the same console
#   3. a job whose worker is taken away mid-run: the cell is ERROR with
#      the job id, and lava-lab run fails
# (make lab-check runs real cells; this one needs no guest kernel to run
# and tests what only a lab can do wrong.)
#   4. scripts/lava-lab down: no service of the lab, no job's QEMU left
# Prints one line per step and "lab-test: passed" at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$ROOT/scripts/lava-lab
TAP=$ROOT/tests/host/scripts/tap
OUT=$(mktemp -d /tmp/lab-test.XXXXXX)
STREAMS=(harness skip xfail xpass nested plan-short fail)

step() { echo "lab-test: $*"; }
fail() { echo "lab-test: FAILED: $*" >&2; exit 1; }

# The console a vmtest guest would print for the streams, one binary each.
replay_text()
{
	local s rc

	echo "@@VMTEST INIT t=0.1 kernel=replay"
	for s in "${STREAMS[@]}"; do
		rc=0
		[ "$s" = fail ] && rc=1
		echo "@@VMTEST BEGIN t_${s//-/_} t=1.0"
		cat "$TAP/$s.tap"
		echo "@@VMTEST END t_${s//-/_} rc=$rc t=2.0"
	done
	echo "@@VMTEST DONE t=3.0"
}

# The lab goes down whatever happens; step 4 checks it went.
trap '"$LAB" down >/dev/null 2>&1 || true; rm -rf "$OUT"' EXIT

counts() { grep -o '[0-9]* passed, [0-9]* failed, [0-9]* skipped, [0-9]* errors' "$1"; }

step "up"
"$LAB" up --devices 2

replay_text >"$OUT/replay.txt"
tests=$(printf 't_%s,' "${STREAMS[@]//-/_}")
# The machine's options come from vmtest --dry-run on the cached kernel;
# that kernel is never booted (--replay boots the replay guest).
kernel=$("$ROOT/scripts/matrix" --machines q35-vtd --dry-run | cut -f3)
[ -f "$kernel" ] || fail "no cached q35-vtd kernel ($kernel); run make matrix MACHINES=q35-vtd once"

step "the recorded streams through LAVA and through scripts/test-results"
"$ROOT/scripts/test-results" "$OUT/replay.txt" --tests "$tests" --out-dir "$OUT/local" \
	>"$OUT/local.out"
"$LAB" run --kernel "$kernel" --replay "$OUT/replay.txt" --name replay --timeout 600 \
	--out-dir "$OUT/lava" >"$OUT/lava.out" || true
local_counts=$(counts "$OUT/local.out")
lava_counts=$(counts "$OUT/lava.out")
[ "$local_counts" = "$lava_counts" ] ||
	fail "LAVA gave '$lava_counts', the console '$local_counts'"
step "same counts: $lava_counts"

step "a worker taken away in the middle of a job"
printf '%s\n' "@@VMTEST BEGIN t_slow t=1" "1..2" "ok 1 slow.a" "@@SLEEP 5000" \
	"ok 2 slow.b" "@@VMTEST END t_slow rc=0 t=2" >"$OUT/slow.txt"
"$LAB" run --kernel "$kernel" --replay "$OUT/slow.txt" --name worker-gone --timeout 600 \
	--out-dir "$OUT/lava" >"$OUT/gone.out" 2>&1 &
run=$!
for _ in $(seq 120); do
	grep -q 'Running' "$OUT/gone.out" && break
	sleep 2
done
sleep 5
"$LAB" worker stop
rc=0
wait "$run" || rc=$?
"$LAB" worker start
[ "$rc" = 1 ] || fail "lava-lab run exited with $rc, not 1 (see $OUT/gone.out)"
grep -q '^lava: ERROR: worker-gone: LAVA job [0-9]* worker .* went away' "$OUT/gone.out" ||
	fail "no ERROR line naming the cell, the job and its worker"
step "$(grep 'ERROR: worker-gone' "$OUT/gone.out")"

step "down"
"$LAB" down
if "$LAB" status >/dev/null; then
	fail "something of the lab still runs"
fi
if pgrep -f 'lava-run|/var/lib/lava/dispatcher/tmp' >/dev/null; then
	fail "a job's process outlived the lab: $(pgrep -af 'lava-run|/var/lib/lava/dispatcher/tmp')"
fi
step "passed"
