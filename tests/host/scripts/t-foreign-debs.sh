#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Two arm64 guests started side by side on a cold cache both fetch the
# arm64 busybox and bash through one private apt state. apt locks its
# lists without waiting, so the second update used to fail and its cell
# to end in ERROR. The archive is stubbed: the update takes the lists'
# lock the way apt does (fails at once when it is held) and sleeps.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

PROG=t-foreign-debs
# shellcheck source=../../../scripts/lib/common.sh
source "$PROJECT/scripts/lib/common.sh"
# shellcheck source=../../../scripts/lib/foreign-debs.sh
source "$PROJECT/scripts/lib/foreign-debs.sh"
CACHE_DIR=$WORK/cache

private_apt_fresh() { return 1; }
private_apt_update()
{
	local fd

	mkdir -p "$1"
	exec {fd}>"$1/lists.lock"
	flock -n "$fd" || { echo "E: Could not get lock $1/lists.lock" >&2; return 1; }
	sleep 1
	exec {fd}>&-
}
foreign_apt() { echo "Version: 1.0"; }
foreign_debs_unpack()
{
	mkdir -p "$2"
	touch "$2/.done"
}

fetch()
{
	foreign_debs_root arm64 busybox-static bash-static >"$WORK/out.$1" 2>&1
}
rc1=0 rc2=0
fetch 1 &
pid=$!
sleep 0.2
fetch 2 || rc2=$?
wait "$pid" || rc1=$?
check_true "two fetches side by side both succeed" test "$rc1:$rc2" = 0:0
check_true "... one of them says it waits for the other" \
	grep -q "being fetched by another run" "$WORK/out.1" "$WORK/out.2"
check_true "both name the same unpacked directory" \
	test "$(tail -n 1 "$WORK/out.1")" = "$(tail -n 1 "$WORK/out.2")"
tap_done
