#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the mirror's setup.sh, run.sh and cleanup.sh refuse before they
# write anything to sysfs, against a fake sysfs (VFIO_SELFTESTS_SYSFS)
# whose sysfs files are plain files, so that every write shows: a device
# with a disk below it (virtio-blk, NVMe), and device records another
# user could have planted in the state directory (another owner, a
# symbolic link, others may write) or that do not fit the device (a
# driver it is not on, text that is no driver name).
set -euo pipefail

# It needs root: records owned by another user are made with chown.
if [ "$EUID" != 0 ]; then
	echo "1..0 # SKIP needs root (chown)"
	exit 0
fi
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

SCRIPTS=$PROJECT/tree/tools/testing/selftests/vfio/scripts
SYS=$WORK/sys
S=$WORK/state
export VFIO_SELFTESTS_SYSFS=$SYS VFIO_SELFTESTS_STATE=$S VFIO_SELFTESTS_BIND_TIMEOUT=0
P=pci0000:00

# pci BDF DRIVER: a PCI function on DRIVER, with an IOMMU group.
pci()
{
	local dev=$SYS/devices/$P/$1

	mkdir -p "$dev" "$SYS/bus/pci/devices" "$SYS/bus/pci/drivers/$2" \
		"$SYS/bus/pci/drivers/vfio-pci" "$SYS/kernel/iommu_groups/$1/devices"
	echo '(null)' >"$dev/driver_override"
	ln -s "$SYS/bus/pci/drivers/$2" "$dev/driver"
	ln -s "../../../kernel/iommu_groups/$1" "$dev/iommu_group"
	ln -s "../../../devices/$P/$1" "$SYS/bus/pci/devices/$1"
}

# blk PATH MAJ:MIN: a block device below $SYS/devices, with its class link.
blk()
{
	mkdir -p "$SYS/devices/$1" "$SYS/class/block"
	echo "$2" >"$SYS/devices/$1/dev"
	ln -s "../../devices/$1" "$SYS/class/block/${1##*/}"
}

pci 0000:00:02.0 virtio-pci
blk "$P/0000:00:02.0/virtio1/block/vda" 254:0
blk "$P/0000:00:02.0/virtio1/block/vda/vda1" 254:1
pci 0000:00:04.0 nvme
blk "$P/0000:00:04.0/nvme/nvme0/nvme0n1" 259:0
pci 0000:03:00.0 igb
pci 0000:03:00.1 vfio-pci

# A snapshot of every file of the fake sysfs: nothing may be written.
snapshot()
{
	(cd "$SYS" && find . -type f -exec md5sum {} + | sort)
}
BEFORE=$(snapshot)
untouched()
{
	[ "$(snapshot)" = "$BEFORE" ]
}

check_fails_with "setup.sh refuses a virtio-blk disk" \
	"^setup.sh: error: refusing 0000:00:02.0: it has block device vda below it; a disk is never handed to vfio-pci$" \
	bash "$SCRIPTS/setup.sh" 0000:00:02.0
check_true "... and writes nothing" untouched
check_fails_with "run.sh -d refuses an NVMe disk (nvme/nvme0/nvme0n1)" \
	"refusing 0000:00:04.0: it has block device nvme0n1 below it" \
	bash "$SCRIPTS/run.sh" -d 0000:00:04.0 -- true
check_true "... and writes nothing" untouched
check_fails_with "setup.sh checks every device before it touches any" \
	"refusing 0000:00:02.0: it has block device vda" \
	bash "$SCRIPTS/setup.sh" 0000:03:00.0 0000:00:02.0
check_true "... and writes nothing" untouched

# A record planted by another user: it would send 0000:03:00.1 (on
# vfio-pci) to a driver it never had, or leave it on vfio-pci for good.
mkdir -p "$S/0000:03:00.1"
echo e1000e >"$S/0000:03:00.1/driver"
: >"$S/0000:03:00.1/vfio-pci"
chown -R 65534 "$S"
check_fails_with "cleanup.sh refuses a record directory of another user" \
	"^cleanup.sh: error: refusing the device record $S: it is owned by uid 65534, not 0, so someone else may have written it" \
	bash "$SCRIPTS/cleanup.sh" 0000:03:00.1
check_true "... and writes nothing" untouched
check_fails_with "cleanup.sh without a BDF refuses it too" \
	"refusing the device record $S: it is owned by uid 65534" bash "$SCRIPTS/cleanup.sh"
check_fails_with "run.sh without -d does not run the command on its devices" \
	"refusing the device record $S: it is owned by uid 65534" bash "$SCRIPTS/run.sh" true
chown 0 "$S"
check_fails_with "run.sh -d refuses a planted record of another user" \
	"refusing the device record $S/0000:03:00.1: it is owned by uid 65534" \
	bash "$SCRIPTS/run.sh" -d 0000:03:00.1 -- true
check_true "... and writes nothing" untouched
chown -R 0 "$S"
chmod g+w "$S/0000:03:00.1/driver"
check_fails_with "a record file others may write is refused" \
	"refusing the device record $S/0000:03:00.1/driver: it is writable by others \(mode 664\)" \
	bash "$SCRIPTS/cleanup.sh" 0000:03:00.1
chmod g-w "$S/0000:03:00.1/driver"
mv "$S/0000:03:00.1" "$WORK/elsewhere"
ln -s "$WORK/elsewhere" "$S/0000:03:00.1"
check_fails_with "a record that is a symbolic link is refused" \
	"refusing the device record $S/0000:03:00.1: it is a symbolic link" \
	bash "$SCRIPTS/cleanup.sh" 0000:03:00.1
rm "$S/0000:03:00.1"
mv "$S" "$WORK/state-elsewhere"
ln -s "$WORK/state-elsewhere" "$S"
check_fails_with "a state directory that is a symbolic link is refused" \
	"refusing the device record $S: it is a symbolic link" \
	bash "$SCRIPTS/setup.sh" 0000:03:00.0
check_true "... and writes nothing" untouched
rm -r "$S" "$WORK/state-elsewhere"

# Root's own records that do not fit.
mkdir -p "$S/0000:03:00.0"
echo e1000e >"$S/0000:03:00.0/driver"
check_fails_with "setup.sh refuses a record naming a driver the device is not on" \
	"0000:03:00.0: its record \($S/0000:03:00.0\) says driver e1000e, but it is on igb; refusing a stale or foreign record" \
	bash "$SCRIPTS/setup.sh" 0000:03:00.0
check_true "... and writes nothing" untouched
echo '../x y' >"$S/0000:03:00.0/driver"
check_fails_with "a record that holds no driver name is refused" \
	"refusing the device record $S/0000:03:00.0: it holds no driver name or VF count" \
	bash "$SCRIPTS/cleanup.sh" 0000:03:00.0
rm -r "$S"

# The control: a device with neither gets past every check (and stops
# where the fake sysfs cannot follow: igb never lets go of it).
run bash "$SCRIPTS/setup.sh" 0000:03:00.0
check_true "a device without a disk or a record goes ahead" \
	grep -q "igb did not release it within 0s" "$ERR"
check_true "... with a record only root may write" \
	test "$(stat -c '%u %a' "$S" "$S/0000:03:00.0" "$S/0000:03:00.0/driver" | sort -u)" = "0 644
0 755"
tap_done
