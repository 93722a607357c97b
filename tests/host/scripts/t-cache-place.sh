#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Where the cache goes and what a kernel tree is (issue 18): HOME empty or
# unset gives one line asking for VFIO_IGB_CACHE, never a cache under
# /.cache; a cache that cannot be written is named in one line; a
# symlinked KDIR is the tree it points to. The kernel source is a tiny
# fake tarball, so nothing big is extracted anywhere.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

S=$PROJECT/scripts
mkdir -p "$WORK/src/linux-source-6.12/tools/testing/selftests" "$WORK/src/linux-source-6.12/drivers"
echo 'VERSION = 6' >"$WORK/src/linux-source-6.12/Makefile"
echo 'config VFIO' >"$WORK/src/linux-source-6.12/drivers/Kconfig"
tar -C "$WORK/src" -cJf "$WORK/linux-source-6.12.tar.xz" linux-source-6.12
export LINUX_SOURCE_TARBALL=$WORK/linux-source-6.12.tar.xz
unset VFIO_IGB_CACHE XDG_CACHE_HOME

# An empty HOME: one line, and no /.cache made. Should an old version
# make one, it is removed again (it did not exist before).
had_root_cache=0
[ ! -e /.cache ] || had_root_cache=1
check_fails_with "HOME= (empty): one line asking for VFIO_IGB_CACHE" \
	"no place for the cache: HOME is '', .*set VFIO_IGB_CACHE" \
	env HOME= "$S/kernel-source" 6.12
if [ "$had_root_cache" = 0 ] && [ -e /.cache ]; then
	rm -rf /.cache
	not_ok "... and nothing under /.cache" "/.cache was made"
else
	ok "... and nothing under /.cache"
fi
check_fails_with "HOME unset: one line asking for VFIO_IGB_CACHE" \
	"no place for the cache: HOME is unset.*set VFIO_IGB_CACHE" \
	env -u HOME "$S/kernel-source" 6.12
run env HOME= VFIO_IGB_CACHE="$WORK/cache" "$S/kernel-source" 6.12
check_true "HOME= with VFIO_IGB_CACHE: the cache is there" \
	test "$RC" = 0 -a "$(cat "$OUT")" = "$WORK/cache/linux-source-$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || stat -c %Y "$LINUX_SOURCE_TARBALL")"
run env -u HOME XDG_CACHE_HOME="$WORK/xdg" "$S/kernel-source" 6.12
check_true "HOME unset with XDG_CACHE_HOME: the cache is under it" \
	grep -q "^$WORK/xdg/vfio-igb/linux-source-" "$OUT"

# A read-only cache (a read-only bind mount, which binds root too).
mkdir -p "$WORK/ro"
if unshare -m true 2>/dev/null; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	check_fails_with "a read-only cache is named in one line" \
		"the cache directory $WORK/ro is not writable" \
		unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
			VFIO_IGB_CACHE=$1 "$2/kernel-source" 6.12' sh "$WORK/ro" "$S"
else
	ok "# SKIP a read-only cache: no mount namespace here"
fi

# A symlinked KDIR is the tree it points to.
ln -s "$WORK/src/linux-source-6.12" "$WORK/linux"
kconfigs()
{
	(
		export KDIR=$WORK/linux VFIO_IGB_CACHE=$WORK/cache
		# shellcheck source=../../../scripts/lib/common.sh
		source "$PROJECT/scripts/lib/common.sh"
		kdir=$(kernel_source)
		find "$kdir" -name 'Kconfig*' | wc -l
	)
}
check_true "a symlinked KDIR: find sees its Kconfig files" test "$(kconfigs)" = 1
tap_done
