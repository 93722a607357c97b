#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/soak without a VM: its checks of the options and the tree, the
# guest's loop (vm/soak-guest.sh) around a fake recovery test that fails
# one round, and the report made from that loop's output, which judges
# each round's cases with scripts/runner's judge.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export BUILD_DIR=$WORK/build
SOAK=$PROJECT/scripts/soak
T=$WORK/tree/tools/testing/selftests/vfio
mkdir -p "$T"
echo 'TEST_GEN_PROGS += vfio_pci_driver_igb_recovery_test' >"$T/Makefile"
echo '#define NR_RECOVERIES		3' >"$T/vfio_pci_driver_igb_recovery_test.c"

check_fails_with "a vmtest option it does not know fails in one line" \
	"unknown option '--bogus'" "$SOAK" --tree "$WORK/tree" --bogus
check_true "... before building anything" test ! -e "$BUILD_DIR"
check_fails_with "a tree without the recovery test: one line" \
	"builds no vfio_pci_driver_igb_recovery_test" "$SOAK" --tree "$PROJECT/tree"
check_fails_with "--rounds 0: one line" "--rounds: not a positive number" \
	"$SOAK" --tree "$WORK/tree" --rounds 0

# The build step from a fresh build directory, with --tree relative to the
# caller's directory: a tree vmtest can list (the mirror's Makefile and
# lib/ with the recovery test added), and a make that fails the build of
# the tests after noting its arguments.
R=$WORK/rel/tree/tools/testing/selftests/vfio
mkdir -p "$R"
cp -r "$PROJECT/tree/tools/testing/selftests/vfio/Makefile" \
	"$PROJECT/tree/tools/testing/selftests/vfio/lib" "$R/"
echo 'TEST_GEN_PROGS += vfio_pci_driver_igb_recovery_test' >>"$R/Makefile"
cp "$T/vfio_pci_driver_igb_recovery_test.c" "$R/"
FAKE=$WORK/fake-bin
mkdir -p "$FAKE"
cat >"$FAKE/make" <<SH
#!/bin/bash
case " \$* " in
*/Kbuild-oot\ *) printf '%s\\n' "\$@" >"$WORK/make-args"; exit 1 ;;
esac
exec $(command -v make) "\$@"
SH
chmod +x "$FAKE/make"
rm -rf "$BUILD_DIR"
run env -C "$WORK/rel" PATH="$FAKE:$PATH" "$SOAK" --tree tree
check_true "a fresh build directory: the build of the tests starts" test -s "$WORK/make-args"
check_true "... with the tree as an absolute path" grep -qx "TREE=$WORK/rel/tree" "$WORK/make-args"
check_true "... and says so in one line" grep -qx 'soak: building the selftests failed' "$ERR"

# The guest's loop, on the host, around a fake test whose 2nd run fails.
G=$WORK/guest
mkdir -p "$G"
cp "$PROJECT/vm/soak-guest.sh" "$G/vfio_soak_recovery"
echo "rounds=3" >"$G/vfio_soak_recovery.conf"
cat >"$G/vfio_pci_driver_igb_recovery_test" <<SH
#!/bin/bash
n=\$(( \$(cat "$WORK/count" 2>/dev/null || echo 0) + 1 ))
echo "\$n" >"$WORK/count"
echo "TAP version 13"
echo "1..2"
echo "ok 1 igb_recovery.a.stalled_copy_recovers"
if [ "\$n" = 2 ]; then echo "not ok 2 igb_recovery.b.stalled_copy_recovers"; exit 1; fi
echo "ok 2 igb_recovery.b.stalled_copy_recovers"
SH
chmod +x "$G"/*
run "$G/vfio_soak_recovery" 0000:00:02.0
check_true "the loop fails when a round fails" test "$RC" != 0
check_true "... it plans one result per round" test "$(head -n 1 "$OUT")" = "1..3"
check_true "... round 1 passes with its exit status and time" \
	grep -Eq '^ok 1 round 1: exit status 0 secs [0-9]+\.[0-9]{2}$' "$OUT"
check_true "... round 2 fails with the exit status of its failed case" \
	grep -Eq '^not ok 2 round 2: exit status 1 ' "$OUT"
check_true "... the test's own TAP is indented" \
	grep -q '^    not ok 2 igb_recovery.b' "$OUT"
check_true "... every round ran" grep -q '^ok 3 round 3: ' "$OUT"

mkdir -p "$WORK/logs"
cp "$OUT" "$WORK/logs/console.log"
echo "3 3" >"$WORK/logs/soak.conf"
run "$SOAK" --report "$WORK/logs"
check_true "the report fails with a failed round" test "$RC" != 0
check_true "... and counts the rounds, the failures" \
	grep -qx 'soak: 3 of 3 rounds run, 1 failed (1 failed cases)' "$OUT"
check_true "... round 2 with its counts, judged on the host" \
	grep -Eq '^  round   2  FAIL   1 passed  1 failed ' "$OUT"
check_true "... and the recoveries (3 per passing case)" \
	grep -Eq '^soak: 15 recoveries, [0-9.]+ s per recovery' "$OUT"
sed "/^ok 1 round 1:/q" "$WORK/logs/console.log" >"$WORK/logs/c" && mv "$WORK/logs/c" "$WORK/logs/console.log"
run "$SOAK" --report "$WORK/logs"
check_true "a soak cut short fails too" grep -qx 'soak: 1 of 3 rounds run, 0 failed (0 failed cases)' "$OUT"
check_true "... with a non-zero status" test "$RC" != 0
tap_done
