#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The mirror's setup/run/cleanup scripts against a fake sysfs: the state
# directory has the kernel tree's layout (either set of scripts can read
# what the other wrote), and run.sh without -d runs a command with the
# devices set up, or skips with exit 4 when there are none.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

SCRIPTS=$PROJECT/tree/tools/testing/selftests/vfio/scripts

export VFIO_SELFTESTS_SYSFS=$WORK/sys
export VFIO_SELFTESTS_STATE=$WORK/state
BDF=0000:00:02.0
DEV=$WORK/sys/bus/pci/devices/$BDF
mkdir -p "$DEV" "$WORK/sys/bus/pci/drivers/igb"
ln -s ../../../bus/pci/drivers/igb "$DEV/driver"
echo '(null)' >"$DEV/driver_override"
echo 2 >"$DEV/sriov_numvfs"

run_empty()
{
	local rc=0

	bash "$SCRIPTS/run.sh" true >/dev/null 2>&1 || rc=$?
	[ "$rc" = 4 ]
}
check_true "run.sh with no device set up skips (exit 4)" run_empty

# shellcheck source=/dev/null
source "$SCRIPTS/lib.sh"
save_record "$BDF"
rec=$VFIO_SELFTESTS_STATE/$BDF

check_true "the record holds the driver" grep -qx igb "$rec/driver"
check_true "the record holds the VF count" grep -qx 2 "$rec/sriov_numvfs"
check_true "no driver_override marker before the override is set" test ! -e "$rec/driver_override"
mark_record "$BDF" driver_override
check_true "the driver_override marker holds the old override (none)" \
	test -f "$rec/driver_override" -a ! -s "$rec/driver_override" -o "$(cat "$rec/driver_override")" = ""
mark_record "$BDF" vfio-pci
load_record "$BDF"
check_true "load_record reads it back" \
	test "$REC_DRIVER/$REC_OVERRIDE/$REC_NUMVFS/$REC_BOUND" = "igb//2/yes"

run_recorded()
{
	[ "$(bash "$SCRIPTS/run.sh" echo ARGS 2>/dev/null)" = "ARGS $BDF" ]
}
check_true "run.sh CMD appends every device set up" run_recorded

# A record as the kernel tree's setup.sh writes it.
forget_record "$BDF"
mkdir -p "$rec"
echo e1000e >"$rec/driver"
: >"$rec/driver_override"
: >"$rec/vfio-pci"
load_record "$BDF"
check_true "a record of the kernel tree's scripts reads as theirs" \
	test "$REC_DRIVER/$REC_OVERRIDE/$REC_BOUND" = "e1000e//yes"
collect_recorded_bdfs
check_true "collect_recorded_bdfs finds it" test "${RECORDED_BDFS[*]}" = "$BDF"

tap_done
