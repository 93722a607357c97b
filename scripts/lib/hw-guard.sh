# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What hw-run checks before it lets the mirror's run.sh take a PCI device
# from its driver: that the device is one the library's drivers claim,
# that nothing below it is a disk or a mounted filesystem, that its
# network interfaces carry no traffic, that nothing else in its IOMMU
# group is in use, and that the setup.sh records it would act on are
# root's own. Each refusal is one line; only the busy network interface of
# an 82576 yields to --force.
#
# The caller sets SYSFS (the sysfs root), PROG, and has die and info.

# The device IDs (vendor:device) the probe() of the mirror's
# lib/drivers/*/ accepts: igb, the 82576. A tree with drivers for other
# devices extends this list with them.
CLAIMED_IDS=(8086:10c9)
IGB_82576=8086:10c9

# The kernel's mount table and swap areas: a filesystem on a block device
# below the device names its major:minor there.
MOUNTINFO=/proc/self/mountinfo
SWAPS=/proc/swaps

# The drivers that leave a device's DMA to VFIO (or are only a bridge's
# port driver, which VFIO accepts in a group): such a group member is not
# in use by the host.
VFIO_HARMLESS_DRIVERS=" vfio-pci pci-stub pcieport "

pci_device_id()
{
	local dev=$SYSFS/bus/pci/devices/$1 vendor device

	vendor=$(cat "$dev/vendor" 2>/dev/null) || vendor='?'
	device=$(cat "$dev/device" 2>/dev/null) || device='?'
	echo "${vendor#0x}:${device#0x}"
}

pci_driver()
{
	local link=$SYSFS/bus/pci/devices/$1/driver

	[ -L "$link" ] || return 0
	link=$(readlink "$link")
	echo "${link##*/}"
}

# The entries of class $2 (net, block) whose device sits at or below the
# sysfs directory $1 (a real path), whatever bus lies between them
# (virtio, nvme, a SCSI host), one real path a line. The class directory
# links every such device of the kernel; a walk of $1 for block/
# directories catches any it might miss.
class_below()
{
	local top=$1 class=$2 entry path

	{
		for entry in "$SYSFS/class/$class/"*; do
			path=$(readlink -f "$entry" 2>/dev/null) || continue
			case $path in
			"$top"/*) echo "$path" ;;
			esac
		done
		if [ "$class" = block ]; then
			find "$top" -path "*/block/*" -name dev -printf '%h\n' 2>/dev/null
		fi
	} | sort -u
}

# The block devices at or below sysfs directory $1, with the devices
# stacked on them (device-mapper, md: holders/), one "NAME MAJOR:MINOR" a
# line.
block_devs_below()
{
	local path holder name
	local -a todo seen=()

	mapfile -t todo < <(class_below "$1" block)
	while [ ${#todo[@]} -gt 0 ]; do
		path=${todo[0]}
		todo=("${todo[@]:1}")
		name=${path##*/}
		[[ " ${seen[*]} " == *" $name "* ]] && continue
		seen+=("$name")
		echo "$name $(cat "$path/dev" 2>/dev/null || echo ?)"
		for holder in "$path/holders/"*; do
			[ -e "$holder" ] || continue
			todo+=("$(readlink -f "$holder")")
		done
	done
}

# Where block device $1 (NAME MAJOR:MINOR) is in use: the mount points of
# its filesystem, or "swap", comma-separated; nothing when unused.
block_dev_use()
{
	local name=$1 majmin=$2 line src use=()
	local -a f

	while read -r line; do
		read -ra f <<<"$line"
		# ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ... - FSTYPE SOURCE ...
		src=${line#* - }
		read -r _ src _ <<<"$src"
		if [ "${f[2]}" = "$majmin" ] || [ "${src#/dev/}" = "$name" ]; then
			use+=("${f[4]}")
		fi
	done < <(cat "$MOUNTINFO" 2>/dev/null)
	while read -r src _; do
		[ "${src#/dev/}" = "$name" ] && use+=(swap)
	done < <(cat "$SWAPS" 2>/dev/null)
	local IFS=,
	echo "${use[*]}"
}

# Why the block devices at or below sysfs directory $1 forbid taking it,
# or nothing: "block device vda (253:0) below it, in use: vda1 on /".
block_in_use()
{
	local name majmin use disk='' more=() list

	while read -r name majmin; do
		[ -n "$disk" ] || disk="$name ($majmin)"
		use=$(block_dev_use "$name" "$majmin")
		[ -z "$use" ] || more+=("$name on ${use//,/ and }")
	done < <(block_devs_below "$1")
	[ -n "$disk" ] || return 0
	list=$(IFS=';'; echo "${more[*]}")
	echo "block device $disk below it${list:+, in use: ${list//;/, }}"
}

# Why network interface $1 may carry traffic, or nothing: up, an address,
# a route.
netdev_in_use()
{
	local name=$1 flags addr why=()

	flags=$(cat "$SYSFS/class/net/$name/flags" 2>/dev/null || echo 0)
	# IFF_UP: the interface is configured up, whether or not a cable is
	# plugged in.
	((flags & 0x1)) && why+=("it is up")
	if command -v ip >/dev/null 2>&1; then
		addr=$(ip -o addr show dev "$name" 2>/dev/null |
			awk '{ for (i = 1; i < NF; i++) if ($i ~ /^inet6?$/) { print $(i + 1); exit } }')
		[ -n "$addr" ] && why+=("it has address $addr")
		if [ -n "$(ip route show dev "$name" 2>/dev/null)$(ip -6 route show dev "$name" 2>/dev/null)" ]; then
			why+=("routes go through it")
		fi
	else
		info "warning: no 'ip' command: the addresses and routes of $name are not checked"
	fi
	local IFS=,
	echo "${why[*]}"
}

# The first network interface at or below sysfs directory $1 that may
# carry traffic, as "NAME (WHY)", or nothing.
net_in_use()
{
	local path why

	while read -r path; do
		why=$(netdev_in_use "${path##*/}")
		if [ -n "$why" ]; then
			echo "${path##*/} (${why//,/, })"
			return 0
		fi
	done < <(class_below "$1" net)
}

# The sysfs directories of PCI function $1 and of its SR-IOV VFs, which
# setup.sh disables: their interfaces go away with them.
function_dirs()
{
	local dev=$SYSFS/bus/pci/devices/$1 vf

	readlink -f "$dev"
	for vf in "$dev/virtfn"*; do
		[ -e "$vf" ] && readlink -f "$vf"
	done
	return 0
}

# "it" for device $1 itself, "its VF BDF" for sysfs directory $2 of a VF.
whose()
{
	if [ "${2##*/}" = "$1" ]; then
		echo it
	else
		echo "its VF ${2##*/}"
	fi
}

# Refuse a device the library's drivers do not claim: the tests would do
# nothing on it that is worth taking it from its driver.
guard_device_id()
{
	local bdf=$1 id drv

	id=$(pci_device_id "$bdf")
	[[ " ${CLAIMED_IDS[*]} " == *" $id "* ]] && return 0
	drv=$(pci_driver "$bdf")
	die "refusing $bdf: it is $id (driver: ${drv:-none}), not a device the library's drivers claim (${CLAIMED_IDS[*]}, the 82576); --force does not change this"
}

# Refuse a device that is, or holds, a disk: never overridden.
guard_block()
{
	local bdf=$1 dir why

	while read -r dir; do
		why=$(block_in_use "$dir")
		[ -z "$why" ] ||
			die "refusing $bdf: $(whose "$bdf" "$dir") has $why; a disk is never taken, --force or not"
	done < <(function_dirs "$bdf")
}

# Refuse a device that carries live traffic: taking it away from its
# driver drops the link, which on a remote host may be the way in. An
# 82576 may be taken anyway with --force ($2 non-empty).
guard_network()
{
	local bdf=$1 force=$2 dir why name

	while read -r dir; do
		why=$(net_in_use "$dir")
		[ -n "$why" ] || continue
		name=${why%% *}
		if [ "${dir##*/}" = "$bdf" ]; then
			why="$bdf is network interface $why"
		else
			why="$bdf has VF ${dir##*/}, network interface $why"
		fi
		if [ -n "$force" ] && [ "$(pci_device_id "$bdf")" = "$IGB_82576" ]; then
			info "warning: $why; going ahead because of --force"
		else
			die "$why; bring it down and remove its addresses (ip link set $name down; ip addr flush dev $name) or pass --force"
		fi
	done < <(function_dirs "$bdf")
}

# Refuse a device whose IOMMU group holds another device the host uses:
# VFIO would refuse the group, and the way to make it usable is to take
# that device too, which is not ours to do.
guard_group()
{
	local bdf=$1 group member name drv why

	group=$SYSFS/bus/pci/devices/$bdf/iommu_group
	[ -d "$group/devices" ] || return 0
	for member in "$group/devices/"*; do
		name=${member##*/}
		if [ ! -e "$member" ] || [ "$name" = "$bdf" ]; then
			continue
		fi
		drv=$(pci_driver "$name")
		if [ -z "$drv" ] || [[ $VFIO_HARMLESS_DRIVERS == *" $drv "* ]]; then
			continue
		fi
		member=$(readlink -f "$member")
		why=$(block_in_use "$member")
		if [ -z "$why" ]; then
			why=$(net_in_use "$member")
			[ -n "$why" ] || continue
			why="network interface $why"
		fi
		die "refusing $bdf: its IOMMU group $(basename "$(readlink "$group")") also holds $name ($drv) with $why; --force does not change this"
	done
}

# All of the above, in order: what can never be overridden first.
guard_device()
{
	guard_device_id "$1"
	guard_block "$1"
	guard_group "$1"
	guard_network "$1" "$2"
}

# Why directory or file $1 must not be trusted with root's device records,
# or nothing: only its owner (the user running this) may have written it.
untrusted_why()
{
	local path=$1 uid mode

	if [ -L "$path" ]; then
		echo "it is a symbolic link"
		return 0
	fi
	if ! read -r uid mode <<<"$(stat -c '%u %a' -- "$path" 2>/dev/null)" || [ -z "$mode" ]; then
		echo "it cannot be examined"
	elif [ "$uid" != "$EUID" ]; then
		echo "it is owned by uid $uid, not $EUID"
	elif ((8#$mode & 8#022)); then
		echo "it is writable by others (mode $mode)"
	fi
}

# Refuse to act on the record directory $1 (the mirror's setup.sh keeps
# one record per device there; a record decides what the device is given
# back to) or on device $2's record in it, unless this user alone can
# have written them. The mirror's scripts check the same.
guard_records()
{
	local dir=$1 bdf=$2 path why

	[ -e "$dir" ] || [ -L "$dir" ] || return 0
	for path in "$dir" "$dir/$bdf" "$dir/$bdf/"* "$dir/$bdf/".override; do
		[ -e "$path" ] || [ -L "$path" ] || continue
		why=$(untrusted_why "$path")
		[ -z "$why" ] ||
			die "refusing the device record $path: $why, so someone else may have written it; remove it (rm -r $path) if no run is using it"
	done
}
