# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Functions shared by setup.sh, cleanup.sh and run.sh. Sourcing this file
# defines functions and variables and changes nothing on the system.
#
# The scripts also run as the payload of a busybox initramfs, so besides
# bash builtins they use only cat, dirname, mkdir, mv, readlink, rm, rmdir,
# sleep and stat, all of which busybox provides; modprobe is optional.

# Overriding the sysfs root lets the scripts be tried against a fake tree.
SYSFS=${VFIO_SELFTESTS_SYSFS:-/sys}
PCI_BUS=$SYSFS/bus/pci
PCI_DEVICES=$PCI_BUS/devices
PCI_DRIVERS=$PCI_BUS/drivers

# One directory per device handed to vfio-pci, as the kernel tree's scripts
# keep it, so either set of scripts can clean up after the other:
#   driver           the driver it had (absent: none)
#   driver_override  present once setup.sh sets the override; holds the
#                    override it had before (usually empty)
#   sriov_numvfs     the VFs it had enabled, when it has the attribute
#   vfio-pci         present once setup.sh bound it to vfio-pci
# /tmp survives between setup and cleanup but not a reboot, which also
# undoes the binding, so a stale record cannot outlive its reason. Anyone
# may create files in /tmp, so a record is used only when this user alone
# can have written it (see check_state).
STATE_DIR=${VFIO_SELFTESTS_STATE:-${TMPDIR:-/tmp}/vfio-selftests-devices}

# Seconds to wait for a driver to take or release a device. Binding is
# normally done when the sysfs write returns; drivers that probe
# asynchronously are the reason to wait at all.
BIND_TIMEOUT=${VFIO_SELFTESTS_BIND_TIMEOUT:-10}

PROG=${PROG:-${0##*/}}

# Messages go to stderr: run.sh wraps commands whose stdout is TAP.
info()
{
	echo "$PROG: $*" >&2
}

warn()
{
	echo "$PROG: warning: $*" >&2
}

error()
{
	echo "$PROG: error: $*" >&2
}

die()
{
	error "$*"
	exit 1
}

# A tenth of a second where sleep takes fractions (coreutils, and busybox
# as Debian builds it), a whole one where it does not.
nap()
{
	sleep 0.1 2>/dev/null || sleep 1
}

# Print a PCI address in the form sysfs names devices by: lower case, with
# the domain. "3:00.0" style short forms get domain 0000. Fails on text
# that is not an address at all.
canonical_bdf()
{
	local bdf=${1,,}

	if [[ $bdf =~ ^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; then
		bdf=0000:$bdf
	fi
	[[ $bdf =~ ^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]] || return 1
	echo "$bdf"
}

# parse_bdf_args ARG...: every argument, as a canonical BDF, into the array
# BDF_ARGS. --help runs the calling script's usage() and exits; any other
# option, or an argument that is no PCI address, ends the script.
parse_bdf_args()
{
	local arg bdf

	BDF_ARGS=()
	for arg in "$@"; do
		case $arg in
		-h | --help)
			usage
			exit 0
			;;
		-*)
			die "unknown option '$arg' (see --help)"
			;;
		esac
		bdf=$(canonical_bdf "$arg") ||
			die "'$arg' is not a PCI address (expected DDDD:BB:DD.F)"
		BDF_ARGS+=("$bdf")
	done
}

device_path()
{
	echo "$PCI_DEVICES/$1"
}

# Print the last component of symlink $1, or nothing when it is absent.
# The link can vanish between the test and the read while a driver is
# unbinding, which is also "absent".
link_name()
{
	local target

	[ -L "$1" ] || return 0
	target=$(readlink "$1" 2>/dev/null) || return 0
	echo "${target##*/}"
}

current_driver()
{
	link_name "$PCI_DEVICES/$1/driver"
}

iommu_group()
{
	link_name "$PCI_DEVICES/$1/iommu_group"
}

# The kernel reports a refused sysfs write as a failed write(2), which
# bash turns into a "write error" naming neither the file nor the value.
# Say which write failed and why.
sysfs_write()
{
	local file=$1 value=$2 msg

	if ! msg=$({ echo "$value" >"$file"; } 2>&1); then
		error "cannot write '$value' to $file: ${msg##*: }"
		return 1
	fi
}

# Wait until device $1 is bound to driver $2, or to none when $2 is empty.
wait_for_driver()
{
	local bdf=$1 want=$2 tries=$((BIND_TIMEOUT * 10))

	while [ "$(current_driver "$bdf")" != "$want" ]; do
		((tries-- > 0)) || return 1
		nap
	done
}

# vfio-pci may be built in, in which case its driver directory always
# exists, or a module that nothing has loaded yet.
ensure_vfio_pci()
{
	[ -d "$PCI_DRIVERS/vfio-pci" ] && return 0
	if ! command -v modprobe >/dev/null 2>&1; then
		error "the vfio-pci driver is not registered and there is no modprobe to load it"
		return 1
	fi
	if ! modprobe vfio-pci; then
		error "modprobe vfio-pci failed; is CONFIG_VFIO_PCI enabled?"
		return 1
	fi
	[ -d "$PCI_DRIVERS/vfio-pci" ] && return 0
	error "vfio-pci loaded but $PCI_DRIVERS/vfio-pci did not appear"
	return 1
}

record_path()
{
	echo "$STATE_DIR/$1"
}

# Why file or directory $1 may have been written by someone else, or
# nothing: it is a symbolic link, not ours, or others may write it.
untrusted()
{
	local uid mode

	if [ -L "$1" ]; then
		echo "it is a symbolic link"
		return 0
	fi
	if ! uid=$(stat -c %u "$1" 2>/dev/null) || ! mode=$(stat -c %a "$1" 2>/dev/null); then
		echo "it cannot be examined"
		return 0
	fi
	if [ "$uid" != "$EUID" ]; then
		echo "it is owned by uid $uid, not $EUID"
	elif ((8#$mode & 8#022)); then
		echo "it is writable by others (mode $mode)"
	fi
}

# A record decides which driver a device is given back to: refuse the
# state directory, or device $1's record in it, unless this user alone
# can have written them (a record planted in /tmp by another user could
# leave the device on no driver, or on vfio-pci for good).
check_state()
{
	local path why
	local -a paths=("$STATE_DIR")

	[ -z "${1:-}" ] ||
		paths+=("$STATE_DIR/$1" "$STATE_DIR/$1/"* "$STATE_DIR/$1/.override")
	for path in "${paths[@]}"; do
		[ -e "$path" ] || [ -L "$path" ] || continue
		why=$(untrusted "$path")
		[ -z "$why" ] ||
			die "refusing the device record $path: $why, so someone else may have written it; remove it (rm -r $path) if no run is using it"
	done
}

has_record()
{
	check_state "$1"
	[ -d "$(record_path "$1")" ]
}

# Remember the driver, driver_override and VF count of device $1 as they
# are now. The record is written before anything is changed and renamed
# into place, so an interrupted setup always leaves a complete one behind.
save_record()
{
	local bdf=$1 dir tmp override drv dev

	dev=$(device_path "$bdf")
	dir=$(record_path "$bdf")
	tmp=$STATE_DIR/.$bdf.tmp
	override=$(cat "$dev/driver_override") || return 1
	# sysfs shows an unset override as "(null)".
	[ "$override" = "(null)" ] && override=
	drv=$(current_driver "$bdf")
	rm -rf "$tmp"
	# Only this user may write the records (check_state).
	(umask 022 && mkdir -p "$tmp") || return 1
	check_state
	if [ -n "$drv" ]; then
		echo "$drv" >"$tmp/driver" || return 1
	fi
	if [ -f "$dev/sriov_numvfs" ]; then
		cat "$dev/sriov_numvfs" >"$tmp/sriov_numvfs" || return 1
	fi
	# Not yet the driver_override marker: that is set when the override is.
	echo "$override" >"$tmp/.override" || return 1
	# No record exists (the caller checked), so this is a rename.
	mv "$tmp" "$dir"
}

# Mark in device $1's record that setup.sh did step $2 (driver_override or
# vfio-pci).
mark_record()
{
	local dir

	dir=$(record_path "$1")
	case $2 in
	driver_override)
		cat "$dir/.override" >"$dir/driver_override"
		;;
	*)
		: >"$dir/$2"
		;;
	esac
}

# Read the record of device $1 into REC_DRIVER, REC_OVERRIDE, REC_NUMVFS and
# REC_BOUND (yes when setup.sh bound it), which the sourcing script reads.
# shellcheck disable=SC2034
load_record()
{
	local dir

	dir=$(record_path "$1")
	check_state "$1"
	[ -d "$dir" ] || return 1
	REC_DRIVER=
	REC_OVERRIDE=
	REC_NUMVFS=
	REC_BOUND=
	[ -f "$dir/driver" ] && REC_DRIVER=$(cat "$dir/driver")
	if [ -f "$dir/driver_override" ]; then
		REC_OVERRIDE=$(cat "$dir/driver_override")
	elif [ -f "$dir/.override" ]; then
		REC_OVERRIDE=$(cat "$dir/.override")
	fi
	[ -f "$dir/sriov_numvfs" ] && REC_NUMVFS=$(cat "$dir/sriov_numvfs")
	[ -f "$dir/vfio-pci" ] && REC_BOUND=yes
	if [[ ! $REC_DRIVER$REC_OVERRIDE =~ ^[A-Za-z0-9_.-]*$ ]] ||
	   [[ ! $REC_NUMVFS =~ ^[0-9]*$ ]]; then
		die "refusing the device record $dir: it holds no driver name or VF count (driver '$REC_DRIVER', override '$REC_OVERRIDE', VFs '$REC_NUMVFS'); remove it (rm -r $dir)"
	fi
	return 0
}

forget_record()
{
	rm -rf "$(record_path "$1")"
}

# Fill RECORDED_BDFS with the BDF of every device that has a record. An
# array rather than output to read back, because reading a function's
# output line by line needs process substitution, and with it /dev/fd,
# which a bare initramfs may lack.
collect_recorded_bdfs()
{
	local dir bdf

	check_state
	RECORDED_BDFS=()
	for dir in "$STATE_DIR"/*; do
		[ -d "$dir" ] || continue
		bdf=${dir##*/}
		# Skips anything foreign.
		canonical_bdf "$bdf" >/dev/null || continue
		RECORDED_BDFS+=("$bdf")
	done
}

# Remove the state directory once no device is recorded in it.
drop_empty_state_dir()
{
	rmdir "$STATE_DIR" 2>/dev/null || :
}

# The block devices at or below device $1 (a virtio-blk or NVMe disk, a
# SCSI host's disks), one name a line: each one's class/block link leads
# into the device's sysfs directory.
block_devices_below()
{
	local dev entry path

	dev=$(readlink -f "$(device_path "$1")") || return 0
	for entry in "$SYSFS/class/block/"*; do
		path=$(readlink -f "$entry") || continue
		case $path in
		"$dev"/*) echo "${entry##*/}" ;;
		esac
	done
}

# Say where the tests will find device $1 and whether its IOMMU group can
# be used: VFIO refuses a group while any member is bound to a driver that
# does not leave DMA to VFIO.
report_group()
{
	local bdf=$1 group path member drv cdev

	group=$(iommu_group "$bdf")
	info "$bdf: bound to vfio-pci, IOMMU group $group (/dev/vfio/$group)"
	cdev=
	for path in "$(device_path "$bdf")/vfio-dev/"vfio*; do
		[ -e "$path" ] && cdev=${path##*/}
	done
	if [ -n "$cdev" ]; then
		info "$bdf: device cdev /dev/vfio/devices/$cdev"
	else
		info "$bdf: no VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV off?): the iommufd modes will skip"
	fi
	for path in "$SYSFS/kernel/iommu_groups/$group/devices/"*; do
		[ -e "$path" ] || continue
		member=${path##*/}
		[ "$member" = "$bdf" ] && continue
		drv=$(current_driver "$member")
		case $drv in
		"" | vfio-pci | pci-stub | pcieport)
			info "$bdf: group $group also holds $member (${drv:-no driver})"
			;;
		*)
			warn "$bdf: group $group also holds $member, bound to $drv; the group is not usable until $member is unbound or given to vfio-pci too"
			;;
		esac
	done
}
