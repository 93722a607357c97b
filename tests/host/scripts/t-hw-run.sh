#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# hw-run against a fake sysfs (VFIO_SELFTESTS_SYSFS), a fake 'ip' and a
# fake mirror whose run.sh and cleanup.sh only write files: a device whose
# network interface is up, has an address or a route is refused wherever
# the interface sits below it, and a device set up by a run is given back
# when hw-run is killed with SIGKILL.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

SYS=$WORK/sys
export VFIO_SELFTESTS_SYSFS=$SYS VFIO_SELFTESTS_STATE=$WORK/state
export BUILD_DIR=$WORK/build
HW=$PROJECT/scripts/hw-run

# add_function BDF SUBPATH NETDEV FLAGS: a PCI function with a network
# interface NETDEV at BDF/SUBPATH/net/NETDEV (SUBPATH '.' for directly).
add_function()
{
	local bdf=$1 sub=$2 name=$3 flags=$4 dev=$SYS/devices/pci0000:00/$1

	mkdir -p "$dev/$sub/net/$name" "$SYS/bus/pci/devices" "$SYS/class/net"
	echo 0x8086 >"$dev/vendor"
	echo 0x10c9 >"$dev/device"
	ln -sfn "../../../devices/pci0000:00/$bdf" "$SYS/bus/pci/devices/$bdf"
	echo "$flags" >"$dev/$sub/net/$name/flags"
	ln -sfn "$dev/$sub" "$dev/$sub/net/$name/device"
	ln -sfn "../../devices/pci0000:00/$bdf/$sub/net/$name" "$SYS/class/net/$name"
}
add_function 0000:00:03.0 virtio0 fakevirt0 0x1003
add_function 0000:00:04.0 virtio1 fakevirt1 0x1002
add_function 0000:00:05.0 virtio2 fakevirt2 0x1002
add_function 0000:03:00.0 . fakeigb0 0x1002

mkdir -p "$WORK/bin"
cat >"$WORK/bin/ip" <<'SH'
#!/bin/sh
# The fake host: fakevirt1 has an address, fakevirt2 a route.
case "$*" in
*"addr show dev fakevirt1") echo "3: fakevirt1    inet 192.0.2.7/24 brd 192.0.2.255 scope global fakevirt1" ;;
*"route show dev fakevirt2") [ "$1" = -6 ] || echo "198.51.100.0/24 proto kernel scope link" ;;
esac
exit 0
SH
chmod +x "$WORK/bin/ip"
export PATH=$WORK/bin:$PATH

check_fails_with "an up virtio-net interface below the function is refused" \
	"0000:00:03.0 is network interface fakevirt0 \(it is up\)" "$HW" --bdf 0000:00:03.0
check_fails_with "an interface with an address is refused" \
	"fakevirt1 \(it has address 192.0.2.7/24\)" "$HW" --bdf 00:04.0
check_fails_with "an interface with a route is refused" \
	"fakevirt2 \(routes go through it\)" "$HW" --bdf 0000:00:05.0
run "$HW" --bdf 0000:00:03.0 --force
check_true "--force goes ahead with a warning" \
	grep -q "fakevirt0 (it is up); going ahead because of --force" "$ERR"
check_fails_with "an idle interface passes the check (and the run stops later)" \
	"is not built in" "$HW" --bdf 0000:03:00.0 --build-dir "$WORK/none"

# A fake mirror: run.sh makes the record setup.sh would make (a directory
# per device) and runs the command; cleanup.sh notes it was called and
# drops the record.
M=$WORK/tree/tools/testing/selftests/vfio
mkdir -p "$M/scripts" "$WORK/out" "$VFIO_SELFTESTS_STATE"
mkdir -p "$M/lib"
echo 'TEST_GEN_PROGS = fake_test' >"$M/Makefile"
cat >"$M/scripts/run.sh" <<'SH'
#!/bin/bash
bdf=$2
shift 3
mkdir -p "$VFIO_SELFTESTS_STATE/$bdf"
"$@" "$bdf"
[ -n "${FAKE_KEEP_RECORD:-}" ] || rm -rf "$VFIO_SELFTESTS_STATE/$bdf"
SH
cat >"$M/scripts/cleanup.sh" <<SH
#!/bin/bash
echo "cleanup \$*" >>"$WORK/cleanup.log"
rm -rf "\$VFIO_SELFTESTS_STATE/\$1"
SH
cat >"$WORK/out/fake_test" <<'SH'
#!/bin/sh
echo "1..1"
sleep "${FAKE_TEST_SECS:-30}"
echo "ok 1 fake"
SH
chmod +x "$M/scripts/"*.sh "$WORK/out/fake_test"

setsid "$HW" --bdf 0000:03:00.0 --tree "$WORK/tree" --build-dir "$WORK/out" \
	--tests fake_test >"$WORK/hw.out" 2>&1 &
hw=$!
for _ in $(seq 100); do
	[ -e "$VFIO_SELFTESTS_STATE/0000:03:00.0" ] && break
	sleep 0.1
done
check_true "set-up: the fake run.sh set the device up" test -e "$VFIO_SELFTESTS_STATE/0000:03:00.0"
# hw-run, run.sh and the test all at once, as a kill of the group would.
kill -KILL -- "-$hw"
wait "$hw" 2>/dev/null || true
for _ in $(seq 50); do
	[ -f "$WORK/cleanup.log" ] && break
	sleep 0.1
done
check_true "after a SIGKILL of hw-run the supervisor gives the device back" \
	grep -qx "cleanup 0000:03:00.0" "$WORK/cleanup.log"
check_true "... and says so in its log" \
	grep -q "hw-run (PID $hw) died while 0000:03:00.0 was in use" "$BUILD_DIR/hw-run/supervisor.log"

rm -f "$WORK/cleanup.log"
run env FAKE_TEST_SECS=0 "$HW" --bdf 0000:03:00.0 --tree "$WORK/tree" --build-dir "$WORK/out" \
	--tests fake_test
sleep 1.5
check_true "a run that ends normally passes" test "$RC" = 0
check_true "... and its supervisor leaves the device alone" test ! -e "$WORK/cleanup.log"
run env FAKE_TEST_SECS=0 FAKE_KEEP_RECORD=1 "$HW" --bdf 0000:03:00.0 --tree "$WORK/tree" \
	--build-dir "$WORK/out" --tests fake_test
check_true "a run.sh that left the device set up: hw-run restores it" \
	grep -qx "cleanup 0000:03:00.0" "$WORK/cleanup.log"
check_true "... and fails the binary, saying why" \
	grep -q "FAIL.*run.sh left the device bound" "$OUT"
tap_done
