#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Hand PCI devices over to vfio-pci for the VFIO selftests, remembering
# what each was bound to so that cleanup.sh can give it back.
set -euo pipefail

PROG=setup.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage()
{
	cat <<EOF
Usage: $PROG BDF...
       $PROG -h | --help

Bind each PCI device BDF (e.g. 0000:03:00.0, or 03:00.0 for domain 0) to
vfio-pci so that the VFIO selftests can use it, then show its IOMMU group
and whether the group is usable.

The driver, driver_override and VF count each device had are recorded in
a directory per device under $STATE_DIR (set
VFIO_SELFTESTS_STATE to move it), as the kernel tree's scripts keep them;
an existing record is kept, so running this twice still remembers the
first driver. A device with VFs enabled has them disabled first.
cleanup.sh [BDF...] restores the devices; run.sh CMD runs CMD with every
device set up here appended to its arguments.

Refused before anything is changed: a device with a block device below it
(a disk is never handed over), and a record that another user could have
written (a symbolic link, not owned by the user running this, writable by
others) or that names a driver other than the device's.

Needs root. Stops at the first device that cannot be bound; the devices
already handled stay bound and recorded, for cleanup.sh to restore.
Exit status: 0 when every device is bound to vfio-pci, 1 otherwise.
EOF
}

# Everything that can be checked without changing anything, so that a
# typo in the last BDF does not leave the first ones half done.
check_device()
{
	local bdf=$1 dev disks

	dev=$(device_path "$bdf")
	if [ ! -d "$dev" ]; then
		error "no PCI device $bdf (nothing at $dev)"
		return 1
	fi
	check_state "$bdf"
	if [ ! -w "$dev/driver_override" ]; then
		error "cannot write $dev/driver_override: run as root"
		return 1
	fi
	disks=$(block_devices_below "$bdf")
	if [ -n "$disks" ]; then
		error "refusing $bdf: it has block device ${disks%%$'\n'*} below it; a disk is never handed to vfio-pci"
		return 1
	fi
	if [ -z "$(iommu_group "$bdf")" ]; then
		error "$bdf has no IOMMU group: enable the IOMMU (e.g. intel_iommu=on or amd_iommu=on)"
		return 1
	fi
}

bind_to_vfio_pci()
{
	local bdf=$1 dev drv now

	dev=$(device_path "$bdf")
	drv=$(current_driver "$bdf")

	if [ "$drv" != vfio-pci ]; then
		ensure_vfio_pci || return 1
	fi
	if has_record "$bdf"; then
		load_record "$bdf" || return 1
		# setup.sh stopped half-way leaves the device on vfio-pci, on
		# no driver or still on the recorded one; on another driver the
		# record is not about this device as it is now.
		case $drv in
		"" | vfio-pci | "$REC_DRIVER") ;;
		*)
			error "$bdf: its record ($(record_path "$bdf")) says driver ${REC_DRIVER:-none}, but it is on $drv; refusing a stale or foreign record (remove it if no run is using it)"
			return 1
			;;
		esac
		info "$bdf: keeping the earlier record (original driver: ${REC_DRIVER:-none})"
	else
		save_record "$bdf" || return 1
	fi

	if [ "$drv" = vfio-pci ]; then
		report_group "$bdf"
		return 0
	fi

	# VFs hold on to their PF's driver; they go first (cleanup.sh brings
	# them back).
	if [ -f "$dev/sriov_numvfs" ] && [ "$(cat "$dev/sriov_numvfs")" != 0 ]; then
		info "$bdf: disabling its $(cat "$dev/sriov_numvfs") VF(s)"
		sysfs_write "$dev/sriov_numvfs" 0 || return 1
	fi
	# Set the override before letting go of the old driver: from then on
	# only vfio-pci may claim the device, so nothing that probes in the
	# gap (an async rescan, a udev rule) can hand it back.
	sysfs_write "$dev/driver_override" vfio-pci || return 1
	mark_record "$bdf" driver_override
	if [ -n "$drv" ]; then
		info "$bdf: unbinding from $drv"
		sysfs_write "$dev/driver/unbind" "$bdf" || return 1
		if ! wait_for_driver "$bdf" ""; then
			error "$bdf: $drv did not release it within ${BIND_TIMEOUT}s"
			return 1
		fi
	fi

	# A failed probe may or may not fail this write depending on the
	# kernel; the check below is what decides.
	sysfs_write "$PCI_BUS/drivers_probe" "$bdf" || :
	if ! wait_for_driver "$bdf" vfio-pci; then
		now=$(current_driver "$bdf")
		error "$bdf: vfio-pci did not take it (now: ${now:-no driver}; see dmesg); 'cleanup.sh $bdf' gives it back"
		return 1
	fi
	mark_record "$bdf" vfio-pci
	report_group "$bdf"
}

main()
{
	local bdf

	parse_bdf_args "$@"
	if [ ${#BDF_ARGS[@]} -eq 0 ]; then
		usage >&2
		exit 1
	fi

	# Every device is checked before any is touched.
	for bdf in "${BDF_ARGS[@]}"; do
		check_device "$bdf" || exit 1
	done
	for bdf in "${BDF_ARGS[@]}"; do
		bind_to_vfio_pci "$bdf" || exit 1
	done
}

main "$@"
