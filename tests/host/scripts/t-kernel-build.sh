#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-test-kernel on a fake, tiny kernel tree (a Makefile that answers
# the targets the script uses): the cache key follows the tree's content
# and nothing else, a SIGKILL of the script leaves no make behind, and
# the kernel source extraction cleans up after itself and after others.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BTK=$PROJECT/scripts/build-test-kernel
export VFIO_IGB_CACHE=$WORK/cache
K=$WORK/kdir
mkdir -p "$K/tools/testing/selftests" "$K/scripts/kconfig"
cat >"$K/Makefile" <<'MK'
# A stand-in for a kernel tree's Makefile.
kernelversion:
	@echo 6.99.0-fake
tinyconfig:
	@mkdir -p $(O) && : >$(O)/.config
olddefconfig:
	@true
bzImage:
	@mkdir -p $(O)/arch/x86/boot
	@if [ -n "$$FAKE_BUILD_SECS" ]; then sleep $$FAKE_BUILD_SECS & echo $$! >$(O)/../sleep.pid; wait; fi
	@echo fake >$(O)/arch/x86/boot/bzImage
MK
cat >"$K/scripts/kconfig/merge_config.sh" <<'SH'
#!/bin/sh
# merge_config.sh -m -O DIR CONFIG FRAGMENT...: just concatenate.
out=$3
shift 3
cat "$@" >"$out/.config.new" && mv "$out/.config.new" "$out/.config"
SH
chmod +x "$K/scripts/kconfig/merge_config.sh"
git -C "$K" init -q
git -C "$K" add -A
git -C "$K" -c user.name=test -c user.email=test@example.invalid commit -q -m base

key()
{
	KDIR=$K "$BTK" --print-key 2>/dev/null || echo "failed-$RANDOM"
}

k0=$(key)
check_true "the key is printed" test -n "$k0"
mkdir -p "$WORK/outer"
printf 'all:\n\t@KDIR=%s %s --print-key\n' "$K" "$BTK" >"$WORK/outer/Makefile"
k_make=$(make -s -C "$WORK/outer" 2>/dev/null) || true
check_true "the key under a parent 'make -C' (MAKEFLAGS with w) is the same" test "$k_make" = "$k0"
check_true "the key with MAKEFLAGS=w is the same" test "$(MAKEFLAGS=w key)" = "$k0"
echo "# an uncommitted edit" >>"$K/Makefile"
k_edit=$(key)
check_true "an uncommitted edit changes the key" test "$k_edit" != "$k0"
git -C "$K" checkout -q Makefile
check_true "undoing it gives the old key back" test "$(key)" = "$k0"
run env -u KDIR KSRC="$K" "$BTK" --print-key
check_true "KSRC=, the old name of KDIR, gives the same kernel" test "$(cat "$OUT")" = "$k0"
check_true "... with exactly one line on stderr, the deprecation" \
	test "$(cat "$ERR")" = "build-test-kernel: KSRC= is deprecated, use KDIR="
run env KDIR=/nonexistent KSRC="$K" "$BTK" --print-key
check_true "KSRC= still wins over KDIR=, as it did" test "$(cat "$OUT")" = "$k0"
echo "new" >"$K/untracked.c"
check_true "a new untracked file changes the key" test "$(key)" != "$k0"
rm "$K/untracked.c"
cp -a "$K" "$WORK/plain"
rm -rf "$WORK/plain/.git"
kp=$(KDIR=$WORK/plain "$BTK" --print-key 2>/dev/null) || true
touch -d '2001-01-01' "$WORK/plain/scripts/kconfig/merge_config.sh"
check_true "a tree without git: a changed file changes the key" \
	test "$(KDIR=$WORK/plain "$BTK" --print-key 2>/dev/null)" != "$kp"

run env KDIR="$K" "$BTK"
check_true "a build of the fake tree succeeds" test "$RC" = 0 -a -f "$VFIO_IGB_CACHE/kernel-$k0/bzImage"

# SIGKILL in the middle of the build: the make must go too, and the lock.
env KDIR="$K" FAKE_BUILD_SECS=60 "$BTK" --force >/dev/null 2>&1 &
btk=$!
# Up to a minute: the fragments are scanned first, slow on a loaded host.
for _ in $(seq 600); do
	[ -s "$VFIO_IGB_CACHE/kernel-$k0/sleep.pid" ] && break
	sleep 0.1
done
sleeper=$(cat "$VFIO_IGB_CACHE/kernel-$k0/sleep.pid" 2>/dev/null || echo)
if [ -z "$sleeper" ]; then
	not_ok "set-up: the fake build started"
	kill "$btk" 2>/dev/null || true
else
	kill -KILL "$btk"
	wait "$btk" 2>/dev/null || true
	for _ in $(seq 30); do
		kill -0 "$sleeper" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$sleeper" 2>/dev/null; then
		not_ok "SIGKILL of build-test-kernel takes the kernel make with it"
		kill "$sleeper" 2>/dev/null || true
	else
		ok "SIGKILL of build-test-kernel takes the kernel make with it"
	fi
	check_true "... and frees the cache lock" \
		flock -n -w 2 "$VFIO_IGB_CACHE/kernel-$k0.lock" true
fi

# The kernel source extraction, on a tiny tarball.
mkdir -p "$WORK/tar/linux-source-6.12/tools/testing/selftests"
echo 'kernelversion:' >"$WORK/tar/linux-source-6.12/Makefile"
head -c 20000000 /dev/urandom >"$WORK/tar/linux-source-6.12/filler"
tar -C "$WORK/tar" -cf "$WORK/src.tar" linux-source-6.12
export LINUX_SOURCE_TARBALL=$WORK/src.tar VFIO_IGB_CACHE=$WORK/xcache
# kernel_source in a script of its own, and where it will extract to.
cat >"$WORK/ks.sh" <<SH
source "$PROJECT/scripts/lib/common.sh"
if [ "\${1:-}" = --dest ]; then
	ver=\$(dpkg-query -W -f='\${Version}' linux-source-6.12 2>/dev/null) ||
		ver=\$(stat -c %Y "\$LINUX_SOURCE_TARBALL")
	echo "\$CACHE_DIR/linux-source-\$ver"
else
	kernel_source
fi
SH
mkdir -p "$VFIO_IGB_CACHE"
dest=$(env -u KDIR bash "$WORK/ks.sh" --dest)
mkdir -p "$dest.tmp.abc123/linux-source-6.12" "$VFIO_IGB_CACHE/.extract.old123"
touch -d '-2 hours' "$VFIO_IGB_CACHE/.extract.old123"
env -u KDIR bash "$WORK/ks.sh" >"$WORK/ks1" 2>/dev/null &
env -u KDIR bash "$WORK/ks.sh" >"$WORK/ks2" 2>/dev/null &
wait
check_true "two first extractions at once give the same tree" \
	test "$(cat "$WORK/ks1")" = "$dest" -a "$(cat "$WORK/ks2")" = "$dest" -a -f "$dest/.extracted"
check_true "... complete" cmp -s "$dest/filler" "$WORK/tar/linux-source-6.12/filler"
check_true "a stale temporary directory of an extraction is removed" \
	test ! -e "$dest.tmp.abc123" -a ! -e "$VFIO_IGB_CACHE/.extract.old123"
# SIGTERM to the whole process group while tar runs (as a CI cancel or a
# timeout would send; Ctrl-C takes the same trap, but a background job of
# this script ignores SIGINT); a slow tar in PATH keeps it running.
rm -rf "$dest"
mkdir -p "$WORK/slow"
printf '#!/bin/sh\nsleep 10\nexec %s "$@"\n' "$(command -v tar)" >"$WORK/slow/tar"
chmod +x "$WORK/slow/tar"
PATH=$WORK/slow:$PATH setsid env -u KDIR bash "$WORK/ks.sh" >/dev/null 2>&1 &
ext=$!
for _ in $(seq 100); do
	compgen -G "$dest.tmp.*" >/dev/null && break
	sleep 0.05
done
check_true "set-up: the extraction started" test -n "$(compgen -G "$dest.tmp.*" || true)"
kill -TERM -- "-$ext" 2>/dev/null || true
wait "$ext" 2>/dev/null || true
# The group's last process is the extraction's subshell, cleaning up.
for _ in $(seq 50); do
	kill -0 -- "-$ext" 2>/dev/null || break
	sleep 0.1
done
check_true "an interrupted extraction leaves no temporary directory" \
	test -z "$(compgen -G "$dest.tmp.*" || true)" -a ! -e "$dest"
tap_done
