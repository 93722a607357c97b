#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vmtest's inputs (issue 18): a --kernel that is not a whole kernel, a
# damaged cached kernel, --stall/--timeout too short to boot, --tree and
# --log-dir with a space, and two runs at once writing their logs. QEMU is
# a fake that notes its start and prints a few lines; the kernels are
# dummies, so no VM runs. The cache is a private one.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

S=$PROJECT/scripts
export VFIO_IGB_CACHE=$WORK/cache BUILD_DIR=$WORK/build VMTEST_LOCK=$WORK/vm.lock
export QEMU=$WORK/qemu

mkdir -p "$WORK/bin/scripts"
: >"$WORK/bin/vfio_pci_device_test"
: >"$WORK/bin/scripts/setup.sh"
fake_bzimage "$WORK/bzImage"
# The fake QEMU: notes its start, then prints FAKE_LINES lines naming itself,
# one every 20 ms.
cat >"$QEMU" <<SH
#!/bin/bash
[ "\$1" = --version ] && { echo "QEMU emulator version 10.0.0"; exit 0; }
echo "started \$\$" >>"$WORK/qemu.log"
for i in \$(seq \${FAKE_LINES:-0}); do echo "line \$i of qemu \$\$"; sleep 0.02; done
SH
chmod +x "$QEMU"

vmtest()
{
	"$S/vmtest" --tests vfio_pci_device_test --no-kvm --clock=virtual "$@"
}

# vmtest with the dummy binaries and the given --kernel.
vmtest_kernel()
{
	vmtest --bin-dir "$WORK/bin" --log-dir "$WORK/logs" --kernel "$@"
}

# no_qemu: the fake QEMU has not started since the last call.
no_qemu()
{
	local rc=0

	[ ! -e "$WORK/qemu.log" ] || rc=1
	rm -f "$WORK/qemu.log"
	return "$rc"
}

# A --kernel that is not a kernel: refused in one line, QEMU never started.
fake_bzimage "$WORK/short-bzImage" 6000
check_fails_with "a truncated bzImage is refused in one line" \
	"--kernel .*short-bzImage: not a kernel QEMU can boot: truncated: 6000 bytes" \
	vmtest_kernel "$WORK/short-bzImage"
check_true "... before QEMU starts" no_qemu
head -c 20000 /dev/urandom >"$WORK/random"
check_fails_with "a random file is refused in one line" \
	"--kernel .*random: not a kernel QEMU can boot: neither a bzImage" \
	vmtest_kernel "$WORK/random"
check_true "... before QEMU starts" no_qemu
size=$(stat -c %s /bin/busybox)
head -c $((size * 2 / 3)) /bin/busybox >"$WORK/vmlinux"
check_fails_with "a truncated ELF vmlinux is refused in one line" \
	"--kernel .*vmlinux: not a kernel QEMU can boot: truncated" \
	vmtest_kernel "$WORK/vmlinux"
check_true "... before QEMU starts" no_qemu

# A cached kernel whose vmlinux (what boots, with PVH) was cut short.
entry=$VFIO_IGB_CACHE/kernel-0123456789ab
mkdir -p "$entry"
fake_bzimage "$entry/bzImage"
echo CONFIG_PVH=y >"$entry/config"
cp "$WORK/vmlinux" "$entry/vmlinux"
check_fails_with "a truncated cached vmlinux names the entry and the rebuild" \
	"cached test kernel $entry is damaged \(vmlinux: truncated.*rebuild it: .*scripts/build-test-kernel --force" \
	vmtest_kernel "$entry/bzImage"
check_true "... before QEMU starts" no_qemu

# --stall and --timeout below what a boot needs.
check_fails_with "--stall 0 is refused in one line" "--stall 0: less than the 30 s" \
	vmtest --bin-dir "$WORK/bin" --check-options --stall 0
check_fails_with "--timeout 5 is refused in one line" "--timeout 5: less than the 60 s" \
	vmtest --bin-dir "$WORK/bin" --check-options --timeout 5
run vmtest --bin-dir "$WORK/bin" --check-options --stall 30 --timeout 60
check_true "the lowest --stall and --timeout are taken" test "$RC" = 0

# The initramfs is written by the runner itself (scripts/runner/initramfs.py):
# no gen_init_cpio is compiled into the cache that could be damaged.
run vmtest_kernel "$WORK/bzImage"
check_true "a run with a sound kernel starts QEMU" test -s "$WORK/qemu.log"
check_true "... with nothing compiled into the cache" test ! -e "$VFIO_IGB_CACHE/tools"

# Blanks in --tree and --log-dir: the initramfs is packed all the same.
mkdir -p "$WORK/a tree/tools/testing/selftests"
cp -r "$PROJECT/tree/tools/testing/selftests/vfio" "$WORK/a tree/tools/testing/selftests/"
mkdir -p "$WORK/bin-noscripts"
: >"$WORK/bin-noscripts/vfio_pci_device_test"
rm -f "$WORK/qemu.log"
run vmtest --tree "$WORK/a tree" --bin-dir "$WORK/bin-noscripts" \
	--log-dir "$WORK/log dir" --kernel "$WORK/bzImage"
check_true "--tree and --log-dir with a blank reach QEMU" test -s "$WORK/qemu.log"
# packed FILE: the initramfs of the last run into "log dir" holds FILE.
packed()
{
	[ -f "$WORK/log dir/initramfs.cpio" ] &&
		cpio -t <"$WORK/log dir/initramfs.cpio" 2>/dev/null | grep -qx "$1"
}
check_true "... with the tree's scripts in the initramfs" packed vfio/scripts/setup.sh

# Two runs at once, default log directory: two separate, whole logs.
rm -f "$WORK/qemu.log"
FAKE_LINES=40 vmtest --bin-dir "$WORK/bin" --kernel "$WORK/bzImage" >/dev/null 2>"$WORK/one.err" &
one=$!
FAKE_LINES=40 vmtest --bin-dir "$WORK/bin" --kernel "$WORK/bzImage" >/dev/null 2>"$WORK/two.err" &
two=$!
wait "$one" "$two" || true
# whole_logs: each console.log of the runs holds the 40 lines of one QEMU.
whole_logs()
{
	local n=0 log

	for log in "$BUILD_DIR"/vmtest/run-*/console.log; do
		[ -f "$log" ] || continue
		[ "$(grep -c '^line ' "$log")" = 40 ] || return 1
		[ "$(grep '^line ' "$log" | awk '{print $4}' | sort -u | wc -l)" = 1 ] || return 1
		n=$((n + 1))
	done
	[ "$n" = 2 ]
}
check_true "two runs at once write two whole, separate console.logs" whole_logs
check_true "... and build/vmtest/latest is one of them" \
	test -f "$BUILD_DIR/vmtest/latest/console.log"
check_true "... which the run names" \
	grep -q "logs: $BUILD_DIR/vmtest/run-[0-9-]*/console.log" "$WORK/one.err"

# Two runs into one --log-dir: the second is refused, naming the first.
FAKE_LINES=100 "$S/vmtest" --tests vfio_pci_device_test --no-kvm --bin-dir "$WORK/bin" \
	--log-dir "$WORK/logs" --kernel "$WORK/bzImage" >/dev/null 2>&1 &
one=$!
for _ in $(seq 100); do
	grep -qs "^line 1 " "$WORK/logs/console.log" && break
	sleep 0.1
done
check_fails_with "a second run into a --log-dir in use is refused in one line" \
	"--log-dir $WORK/logs is being written by another vmtest run \(PID $one," \
	vmtest_kernel "$WORK/bzImage"
kill "$one" 2>/dev/null || true
wait "$one" || true
tap_done
