#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What hw-run refuses before anything is unbound, against a fake sysfs
# laid out as the kernel lays it out (VFIO_SELFTESTS_SYSFS), in a private
# mount namespace where a tmpfs stands for a mounted partition and a fake
# /proc/swaps for a swap partition: a device the library's drivers do not
# claim; a disk below the device, whatever bus lies between (virtio-blk,
# NVMe, SCSI), the root disk even with --force; a busy interface of a VF;
# another member of the IOMMU group in use; and device records that are
# not root's own. A device that is none of these gets past every check
# (and stops at the missing test binaries).
set -euo pipefail

# It needs root: records owned by another user are made with chown, and
# the mounts in a mount namespace.
if [ "$EUID" != 0 ]; then
	echo "1..0 # SKIP needs root (chown, a mount namespace)"
	exit 0
fi
# Everything below runs in a mount namespace of its own: the mounts it
# makes vanish with it.
if [ -z "${HW_GUARD_TEST_NS:-}" ]; then
	exec unshare -m --propagation private env HW_GUARD_TEST_NS=1 bash "$0" "$@"
fi

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

SYS=$WORK/sys
export VFIO_SELFTESTS_SYSFS=$SYS VFIO_SELFTESTS_STATE=$WORK/state
export BUILD_DIR=$WORK/build
HW=$PROJECT/scripts/hw-run
NONE=$WORK/no-binaries

# The real root filesystem's major:minor, and a tmpfs mounted here: fake
# partitions carrying those numbers are "mounted" as far as hw-run can
# tell from /proc/self/mountinfo.
ROOT_DEV=$(mountpoint -d /)
mkdir -p "$WORK/mnt"
trap 'umount "$WORK/mnt" /proc/swaps 2>/dev/null; rm -rf "$WORK"' EXIT
mount -t tmpfs hw-guard-test "$WORK/mnt"
TMPFS_DEV=$(mountpoint -d "$WORK/mnt")
printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/sda2\tpartition\t1048572\t0\t-2\n' >"$WORK/swaps"
mount --bind "$WORK/swaps" /proc/swaps

# pci BDF ID DRIVER GROUP [PARENT]: a PCI function as sysfs shows it.
pci()
{
	local bdf=$1 id=$2 drv=$3 group=$4 parent=${5:-pci0000:00} dev

	dev=$SYS/devices/$parent/$bdf
	mkdir -p "$dev" "$SYS/bus/pci/devices" "$SYS/bus/pci/drivers/$drv" \
		"$SYS/kernel/iommu_groups/$group/devices"
	echo "0x${id%:*}" >"$dev/vendor"
	echo "0x${id#*:}" >"$dev/device"
	echo '(null)' >"$dev/driver_override"
	[ "$drv" = none ] || ln -s "$SYS/bus/pci/drivers/$drv" "$dev/driver"
	ln -s "$SYS/kernel/iommu_groups/$group" "$dev/iommu_group"
	ln -s "../../../devices/$parent/$bdf" "$SYS/bus/pci/devices/$bdf"
	ln -s "../../../../devices/$parent/$bdf" "$SYS/kernel/iommu_groups/$group/devices/$bdf"
}

# blk PATH MAJ:MIN: a block device at PATH (below $SYS/devices), with its
# class/block link.
blk()
{
	mkdir -p "$SYS/devices/$1" "$SYS/class/block"
	echo "$2" >"$SYS/devices/$1/dev"
	ln -s "../../devices/$1" "$SYS/class/block/${1##*/}"
}

# net PATH FLAGS: a network interface at PATH (below $SYS/devices).
net()
{
	mkdir -p "$SYS/devices/$1" "$SYS/class/net"
	echo "$2" >"$SYS/devices/$1/flags"
	ln -s "../../devices/$1" "$SYS/class/net/${1##*/}"
}

P=pci0000:00
# The root disk, virtio-blk, as on this very machine.
pci 0000:00:02.0 1af4:1001 virtio-pci 1
blk "$P/0000:00:02.0/virtio1/block/vda" "$ROOT_DEV"
# The same with an 82576's IDs: the disk check must not lean on the IDs.
pci 0000:00:06.0 8086:10c9 virtio-pci 2
blk "$P/0000:00:06.0/virtio2/block/vdb" 253:16
blk "$P/0000:00:06.0/virtio2/block/vdb/vdb1" "$TMPFS_DEV"
# NVMe behind a root port: the namespace sits in nvme/nvme0/, no block/.
pci 0000:00:1c.0 8086:a110 pcieport 3
pci 0000:01:00.0 8086:10c9 nvme 3 "$P/0000:00:1c.0"
blk "$P/0000:00:1c.0/0000:01:00.0/nvme/nvme0/nvme0n1" 259:0
# A SCSI host (e.g. an HBA) with a disk used as swap only.
pci 0000:00:05.0 8086:10c9 mpt3sas 4
blk "$P/0000:00:05.0/host0/target0:0:0/0:0:0:0/block/sda" 8:0
blk "$P/0000:00:05.0/host0/target0:0:0/0:0:0:0/block/sda/sda2" 8:2
# An idle disk with a device-mapper device on it that is mounted.
pci 0000:00:07.0 8086:10c9 virtio-pci 5
blk "$P/0000:00:07.0/virtio3/block/vdc" 253:32
blk virtual/block/dm-0 "$TMPFS_DEV"
mkdir -p "$SYS/devices/$P/0000:00:07.0/virtio3/block/vdc/holders"
ln -s ../../../../../../virtual/block/dm-0 "$SYS/devices/$P/0000:00:07.0/virtio3/block/vdc/holders/dm-0"
# An i210 on igb, idle: not a device the library's drivers claim.
pci 0000:02:00.0 8086:1533 igb 6
net "$P/0000:02:00.0/net/enp2s0" 0x1002
# A dual-port 82576: port 0 idle, its group shared with port 1.
pci 0000:03:00.0 8086:10c9 igb 7
net "$P/0000:03:00.0/net/enp3s0f0" 0x1002
pci 0000:03:00.1 8086:10c9 igb 7
net "$P/0000:03:00.1/net/enp3s0f1" 0x1003
# An 82576 with a VF whose interface is up.
pci 0000:04:00.0 8086:10c9 igb 8
pci 0000:04:10.0 8086:10ca igbvf 9
net "$P/0000:04:10.0/net/enp4s16" 0x1003
ln -s ../0000:04:10.0 "$SYS/devices/$P/0000:04:00.0/virtfn0"
# A clean 82576: its group also holds a bridge on pcieport, a device on
# vfio-pci and one without a driver.
pci 0000:05:00.0 8086:10c9 igb 10
net "$P/0000:05:00.0/net/enp5s0f0" 0x1002
pci 0000:05:00.1 8086:10c9 vfio-pci 10
pci 0000:05:00.2 8086:10c9 none 10
pci 0000:00:1d.0 8086:a111 pcieport 10

# No interface has an address or a route.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/ip"
chmod +x "$WORK/bin/ip"
export PATH=$WORK/bin:$PATH

check_fails_with "the root disk (virtio-blk) is refused, as not an 82576" \
	"^hw-run: refusing 0000:00:02.0: it is 1af4:1001 \(driver: virtio-pci\), not a device the library's drivers claim" \
	"$HW" --bdf 0000:00:02.0 --build-dir "$NONE"
check_fails_with "... also with --force" \
	"refusing 0000:00:02.0: it is 1af4:1001" "$HW" --bdf 0000:00:02.0 --force --build-dir "$NONE"
# From here on the IDs say 82576: each check on its own.
check_fails_with "a disk with a mounted partition is refused even with --force, naming the mount" \
	"refusing 0000:00:06.0: it has block device vdb \(253:16\) below it, in use: vdb1 on $WORK/mnt; a disk is never taken" \
	"$HW" --bdf 0000:00:06.0 --force --build-dir "$NONE"
check_fails_with "an NVMe namespace (nvme/nvme0/nvme0n1) is a disk too" \
	"refusing 0000:01:00.0: it has block device nvme0n1 \(259:0\) below it; a disk is never taken" \
	"$HW" --bdf 01:00.0 --force --build-dir "$NONE"
check_fails_with "a SCSI disk behind a host adapter, used as swap" \
	"refusing 0000:00:05.0: it has block device sd.* in use: sda2 on swap" \
	"$HW" --bdf 0000:00:05.0 --build-dir "$NONE"
check_fails_with "a disk whose device-mapper holder is mounted" \
	"refusing 0000:00:07.0: it has block device vdc \(253:32\) below it, in use: dm-0 on $WORK/mnt" \
	"$HW" --bdf 0000:00:07.0 --force --build-dir "$NONE"
rm "$SYS/class/block/vdb" "$SYS/class/block/vdb1"
check_fails_with "a block/ directory below the device counts without its class/block link" \
	"refusing 0000:00:06.0: it has block device vdb" "$HW" --bdf 0000:00:06.0 --force --build-dir "$NONE"
check_fails_with "a device the drivers do not claim (i210) is refused even with --force" \
	"refusing 0000:02:00.0: it is 8086:1533 \(driver: igb\), not a device the library's drivers claim \(8086:10c9, the 82576\); --force does not change this" \
	"$HW" --bdf 0000:02:00.0 --force --build-dir "$NONE"
check_fails_with "another group member with an up interface is refused even with --force" \
	"refusing 0000:03:00.0: its IOMMU group 7 also holds 0000:03:00.1 \(igb\) with network interface enp3s0f1 \(it is up\)" \
	"$HW" --bdf 0000:03:00.0 --force --build-dir "$NONE"
check_fails_with "an up interface of a VF (setup.sh disables the VFs) is refused" \
	"0000:04:00.0 has VF 0000:04:10.0, network interface enp4s16 \(it is up\); bring it down" \
	"$HW" --bdf 0000:04:00.0 --build-dir "$NONE"
run "$HW" --bdf 0000:04:00.0 --force --build-dir "$NONE"
check_true "... which --force lets go ahead on an 82576, with a warning" \
	grep -q "warning: 0000:04:00.0 has VF 0000:04:10.0, network interface enp4s16 (it is up); going ahead because of --force" "$ERR"
check_fails_with "a clean 82576 passes every check (group: pcieport, vfio-pci, no driver)" \
	"is not built in" "$HW" --bdf 0000:05:00.0 --build-dir "$NONE"

# Device records: only root's own are acted on.
S=$VFIO_SELFTESTS_STATE
mkdir -p "$S/0000:05:00.0"
echo e1000e >"$S/0000:05:00.0/driver"
chown -R 65534 "$S"
check_fails_with "a record directory owned by another user is refused" \
	"refusing the device record $S: it is owned by uid 65534, not 0" \
	"$HW" --bdf 0000:05:00.0 --build-dir "$NONE"
chown -R 0 "$S"
chmod 0777 "$S"
check_fails_with "a record directory others may write is refused" \
	"refusing the device record $S: it is writable by others \(mode 777\)" \
	"$HW" --bdf 0000:05:00.0 --build-dir "$NONE"
chmod 0755 "$S"
chown 65534 "$S/0000:05:00.0/driver"
check_fails_with "a record file of another user is refused" \
	"refusing the device record $S/0000:05:00.0/driver: it is owned by uid 65534" \
	"$HW" --bdf 0000:05:00.0 --build-dir "$NONE"
rm -r "${S:?}/0000:05:00.0"
mkdir -p "$WORK/planted"
ln -s "$WORK/planted" "$S/0000:05:00.0"
check_fails_with "a record that is a symbolic link is refused" \
	"refusing the device record $S/0000:05:00.0: it is a symbolic link" \
	"$HW" --bdf 0000:05:00.0 --build-dir "$NONE"
rm "$S/0000:05:00.0"
rmdir "$S"
ln -s "$WORK/planted" "$S"
check_fails_with "a record directory that is a symbolic link is refused" \
	"refusing the device record $S: it is a symbolic link" \
	"$HW" --bdf 0000:05:00.0 --build-dir "$NONE"
tap_done
