#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Give devices that setup.sh handed to vfio-pci back to the drivers they
# had before.
set -euo pipefail

PROG=cleanup.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage()
{
	cat <<EOF
Usage: $PROG [BDF...]
       $PROG -h | --help

Release each PCI device BDF from vfio-pci, restore its driver_override
and let the kernel probe it again, so that the driver setup.sh recorded
for it binds again; check that it did and drop the record. Without a BDF,
every device recorded under $STATE_DIR is restored.

A device without a record is still released from vfio-pci and left to
whatever driver the kernel picks. A device that setup.sh found already on
vfio-pci is left there. Releasing waits for any process that still has the
device open.

Needs root. Carries on past a device that cannot be restored.
Exit status: 0 when every device is restored, 1 otherwise (the records of
the devices not restored are kept, so a later run can retry).
EOF
}

# Enable again the VFs setup.sh disabled.
restore_vfs()
{
	local bdf=$1 dev

	dev=$(device_path "$bdf")
	[ -n "${REC_NUMVFS:-}" ] && [ "$REC_NUMVFS" != 0 ] || return 0
	[ "$(cat "$dev/sriov_numvfs" 2>/dev/null)" = 0 ] || return 0
	info "$bdf: enabling its $REC_NUMVFS VF(s) again"
	sysfs_write "$dev/sriov_numvfs" "$REC_NUMVFS"
}

restore_device()
{
	local bdf=$1 dev drv orig='' override='' now

	dev=$(device_path "$bdf")
	REC_NUMVFS=
	if load_record "$bdf"; then
		orig=$REC_DRIVER
		override=$REC_OVERRIDE
		if [ "$orig" = vfio-pci ]; then
			info "$bdf: was on vfio-pci before setup.sh; leaving it there"
			forget_record "$bdf"
			return 0
		fi
	else
		warn "$bdf: no record in $STATE_DIR; releasing it and letting the kernel choose a driver"
	fi
	if [ ! -d "$dev" ]; then
		error "$bdf: the device is gone (nothing at $dev)"
		return 1
	fi

	drv=$(current_driver "$bdf")
	if [ -n "$drv" ] && [ "$drv" != vfio-pci ]; then
		if [ "$drv" = "$orig" ]; then
			# A setup.sh stopped half-way can leave the override
			# behind, which would send the device to vfio-pci at its
			# next probe.
			sysfs_write "$dev/driver_override" "$override" || return 1
			info "$bdf: already back on $drv"
			forget_record "$bdf"
			return 0
		fi
		# Someone else rebound it since setup; taking the device away
		# from that driver is not this script's call.
		error "$bdf: bound to $drv, expected vfio-pci or ${orig:-no driver}; left alone (delete $(record_path "$bdf") to forget it)"
		return 1
	fi

	# Restore the override first, so that the probe below matches the
	# way it would have matched before setup.sh (normally: by ID table).
	sysfs_write "$dev/driver_override" "$override" || return 1
	if [ "$drv" = vfio-pci ]; then
		sysfs_write "$dev/driver/unbind" "$bdf" || return 1
		if ! wait_for_driver "$bdf" ""; then
			error "$bdf: vfio-pci did not release it within ${BIND_TIMEOUT}s"
			return 1
		fi
	fi

	# With no driver to match, the probe may report an error; whether the
	# right driver bound is checked below either way.
	sysfs_write "$PCI_BUS/drivers_probe" "$bdf" 2>/dev/null || :
	if [ -n "$orig" ]; then
		if ! wait_for_driver "$bdf" "$orig"; then
			now=$(current_driver "$bdf")
			error "$bdf: $orig did not bind again (now: ${now:-no driver}; see dmesg)"
			return 1
		fi
		info "$bdf: back on $orig"
	else
		now=$(current_driver "$bdf")
		info "$bdf: released from vfio-pci (now: ${now:-no driver})"
	fi
	restore_vfs "$bdf" || return 1
	forget_record "$bdf"
}

main()
{
	local bdf failed=0
	local -a bdfs

	parse_bdf_args "$@"
	bdfs=("${BDF_ARGS[@]}")
	if [ ${#bdfs[@]} -eq 0 ]; then
		collect_recorded_bdfs
		bdfs=("${RECORDED_BDFS[@]}")
		if [ ${#bdfs[@]} -eq 0 ]; then
			info "no devices recorded in $STATE_DIR; nothing to restore"
			exit 0
		fi
	fi

	for bdf in "${bdfs[@]}"; do
		restore_device "$bdf" || failed=1
	done
	drop_empty_state_dir
	exit "$failed"
}

main "$@"
