#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Two vmtest runs at once: a run on the real clock has the machine to
# itself, so whichever comes second waits for it, names it, and never
# boots a guest beside it; two runs on the virtual clock go side by side.
# QEMU is a fake that notes its start; the binaries and the kernel are
# dummies, so no VM runs at all.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export VMTEST_LOCK=$WORK/vm.lock
mkdir -p "$WORK/bin/scripts"
: >"$WORK/bin/vfio_pci_device_test"
: >"$WORK/bin/scripts/setup.sh"
fake_bzimage "$WORK/bzImage"
cat >"$WORK/qemu" <<SH
#!/bin/sh
[ "\$1" = --version ] && { echo "QEMU emulator version 10.0.0"; exit 0; }
echo started >>"$WORK/qemu.log"
SH
chmod +x "$WORK/qemu"

vmtest()
{
	QEMU=$WORK/qemu "$PROJECT/scripts/vmtest" --bin-dir "$WORK/bin" \
		--tests vfio_pci_device_test --kernel "$WORK/bzImage" --no-kvm \
		--log-dir "$WORK/logs" "$@"
}

# lacks PATTERN FILE: FILE has no line matching PATTERN.
lacks()
{
	! grep -q -- "$1" "$2"
}

# hold_lock SECS [-s]: hold the VM lock for SECS seconds (less once
# $WORK/release exists), as a run on the real clock would (with -s: on the
# virtual clock).
hold_lock()
{
	(
		exec {fd}<>"$VMTEST_LOCK"
		flock "${2:--x}" "$fd"
		echo "PID $BASHPID, a test holder" >"$VMTEST_LOCK"
		: >"$WORK/held"
		# Until SECS are over or the test lets go.
		for _ in $(seq $(($1 * 10))); do
			[ -e "$WORK/release" ] && break
			sleep 0.1
		done
	) &
	HOLDER=$!
	for _ in $(seq 50); do
		[ -e "$WORK/held" ] && return 0
		sleep 0.1
	done
}

hold_lock 20
run vmtest --lock-wait 1 --clock=real
check_true "a second run fails when the first's VM outlasts --lock-wait" test "$RC" != 0
check_true "... saying it waits, with the other run's PID" \
	grep -q "another VM run (PID $HOLDER, a test holder).*waiting up to 1s" "$ERR"
check_true "... and naming it again when it gives up" \
	grep -q "the other VM run (PID $HOLDER, a test holder) still holds" "$ERR"
check_true "... without starting QEMU" test ! -e "$WORK/qemu.log"
kill "$HOLDER" 2>/dev/null || true
wait "$HOLDER" 2>/dev/null || true

rm -f "$WORK/held"
hold_lock 20
run vmtest --lock-wait 1 --clock=virtual
check_true "a run on the virtual clock waits for one on the real clock too" \
	grep -q "a VM run on the real clock (PID $HOLDER, a test holder) has this machine to itself" "$ERR"
check_true "... without starting QEMU" test ! -e "$WORK/qemu.log"
kill "$HOLDER" 2>/dev/null || true
wait "$HOLDER" 2>/dev/null || true

rm -f "$WORK/held"
hold_lock 20 -s
run vmtest --lock-wait 1 --clock=real
check_true "a run on the real clock waits for one on the virtual clock" \
	grep -q "another VM run (PID $HOLDER, a test holder).*waiting up to 1s" "$ERR"
run vmtest --lock-wait 1 --clock=virtual
check_true "two runs on the virtual clock go side by side" \
	test -s "$WORK/qemu.log"
check_true "... without waiting" lacks "waiting up to" "$ERR"
kill "$HOLDER" 2>/dev/null || true
wait "$HOLDER" 2>/dev/null || true
rm -f "$WORK/qemu.log"

rm -f "$WORK/held" "$WORK/release"
hold_lock 60
# Let go once the run waits for it, however long it took to get there.
: >"$ERR"
(
	for _ in $(seq 600); do
		grep -qs "waiting up to" "$ERR" && break
		sleep 0.1
	done
	: >"$WORK/release"
) &
run vmtest --lock-wait 90
check_true "a second run goes ahead once the first's VM is gone" \
	grep -q "the other VM run is done; going ahead" "$ERR"
check_true "... and only then starts QEMU" test -s "$WORK/qemu.log"
wait "$HOLDER" 2>/dev/null || true
check_true "the lock names the run that holds it" grep -q "^PID [0-9]*, vmtest" "$VMTEST_LOCK"
tap_done
