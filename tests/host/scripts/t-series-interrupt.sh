#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 'series apply' and 'series export' interrupted (SIGINT, SIGKILL) at a
# known point, two applies at once, and two patch files with one number
# (issue 18): never a scratch repo that checks green with part of the
# series, never a patches/ half old and half new, no temporary directory
# left behind. A wrapper of git (or cp) on PATH stops at the chosen call
# and waits to be killed.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export BUILD_DIR=$WORK/build
export SERIES_SCRATCH=$WORK/scratch
export SERIES_PATCHES=$WORK/patches
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
SERIES=$PROJECT/scripts/series
# The first four patches of the series and the cover letter (an apply
# of all eight costs twice the time and shows nothing more).
mkdir -p "$SERIES_PATCHES"
cp "$PROJECT"/patches/000[0-4]-*.patch "$SERIES_PATCHES/"
npatches=4
pN=$(cd "$SERIES_PATCHES" && ls 0004-*.patch)
# What export makes of them (its cover letter counts four), kept to
# compare with.
if ! "$SERIES" apply >/dev/null 2>&1 || ! "$SERIES" export --overwrite >/dev/null 2>&1; then
	not_ok "set-up: apply and export of four patches"
	tap_done
	exit 1
fi
cp -r "$SERIES_PATCHES" "$WORK/expected"
rm -rf "$SERIES_SCRATCH"

# wrapper NAME: a NAME on PATH that counts its calls whose arguments
# match STALL_MATCH (an ERE on the words joined by blanks) and, at the
# STALL_AT-th, notes it in $WORK/stalled and waits to be killed (or let
# go through the FIFO $WORK/release).
mkdir -p "$WORK/bin"
mkfifo "$WORK/release"
wrapper()
{
	cat >"$WORK/bin/$1" <<SH
#!/bin/bash
if [ -n "\${STALL_AT:-}" ] && [[ "\$*" =~ \$STALL_MATCH ]]; then
	n=\$(( \$(cat "$WORK/calls" 2>/dev/null || echo 0) + 1 ))
	echo "\$n" >"$WORK/calls"
	if [ "\$n" = "\$STALL_AT" ]; then
		: >"$WORK/stalled"
		# Until the test writes to the FIFO (or a signal ends it).
		read -r -t 120 _ <"$WORK/release" || true
	fi
fi
exec $(command -v "$1") "\$@"
SH
	chmod +x "$WORK/bin/$1"
}
wrapper git
wrapper cp

# stall_and_kill SIGNAL MATCH AT CMD...: run CMD in a process group of its
# own with the wrappers stopping at the AT-th call matching MATCH, then
# send SIGNAL to the whole group, as Ctrl-C (INT) or a kill of the
# session (KILL) would.
stall_and_kill()
{
	local sig=$1 match=$2 at=$3 pid

	shift 3
	rm -f "$WORK/calls" "$WORK/stalled"
	# A background job starts with SIGINT ignored, which no trap of the
	# script could then catch; a Ctrl-C reaches a foreground one.
	PATH=$WORK/bin:$PATH STALL_MATCH=$match STALL_AT=$at \
		setsid env --default-signal=INT "$@" </dev/null >"$WORK/killed.out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		[ -e "$WORK/stalled" ] && break
		sleep 0.1
	done
	kill -"$sig" -- "-$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -e "$WORK/stalled" ]
}

# A partial scratch repo must never be checked or tested as the series.
# 'test -- --check-options' is the VM suite's run without the VM: green
# when the series is taken as whole.
refuses_partial()
{
	local what=$1

	check_fails_with "$what: series test refuses the scratch repo in one line" \
		"no scratch repo|apply --force|scripts/series apply" \
		"$SERIES" test -- --check-options
	check_fails_with "$what: series check refuses it in one line" \
		"no scratch repo|apply --force|scripts/series apply" \
		env SERIES_CHECK_CONFORMANCE=0 KDIR=/nonexistent "$SERIES" check
}

no_temporaries()
{
	local left

	left=$(find "$WORK" -maxdepth 1 -name 'scratch.*' ! -name scratch.lock; find "$BUILD_DIR/series" -mindepth 1 -maxdepth 1 -name '.tmp-*' -o -mindepth 1 -maxdepth 1 -name 'export.*' -type d -o -mindepth 1 -maxdepth 1 -name 'mailinfo.*' -o -mindepth 1 -maxdepth 1 -name 'stored.*')
	[ -z "$left" ] || { echo "# left: $left"; return 1; }
}

# 1. A first apply killed after 2 of the patches.
stall_and_kill KILL ' am ' 3 "$SERIES" apply ||
	not_ok "set-up: apply did not reach patch 3"
refuses_partial "apply SIGKILLed after 2 patches"

# 2. A whole scratch repo, patch 4 edited by hand, then an apply that is
# interrupted: the old scratch repo is not the series of patches/ now.
run "$SERIES" apply --force
sed -i 's/^\(Subject: \[[^]]*\]\) /\1 EDIT /' "$SERIES_PATCHES/$pN"
stall_and_kill INT ' am ' 3 "$SERIES" apply --force ||
	not_ok "set-up: apply did not reach patch 3"
refuses_partial "apply SIGINTed after 2 patches"
check_true "an interrupted apply leaves no temporary directory" no_temporaries
stall_and_kill KILL ' am ' 3 "$SERIES" apply --force || true
run "$SERIES" apply --force
check_true "the next apply goes through" test "$RC" = 0
check_true "... and has all the patches" \
	test "$(git -C "$SERIES_SCRATCH" rev-list --count series-base..HEAD)" = "$npatches"
check_true "... and removed what the killed one left" no_temporaries
cp "$WORK/expected/$pN" "$SERIES_PATCHES/$pN"

# 3. SIGKILL while apply makes the base commit: the next run says what
# to do, or just works; never git's raw words.
rm -rf "$SERIES_SCRATCH"
stall_and_kill KILL ' commit ' 1 "$SERIES" apply --force ||
	not_ok "set-up: apply did not reach the base commit"
run "$SERIES" test -- --check-options
# says_what_to_run: the last command failed, naming 'series apply', and
# without git's own words.
says_what_to_run()
{
	[ "$RC" != 0 ] && ! grep -q "revision walk\|fatal:" "$ERR" &&
		grep -q "scripts/series apply" "$ERR"
}
check_true "after a kill during the base commit, test says what to run (not git's words)" \
	says_what_to_run
run "$SERIES" apply
check_true "... and a plain apply then makes the scratch repo" \
	test "$RC" = 0 -a "$(git -C "$SERIES_SCRATCH" rev-list --count series-base..HEAD 2>/dev/null)" = "$npatches"

# 4. Two patch files with one number: named, nothing applied.
p2=$(cd "$SERIES_PATCHES" && ls 0002-*.patch)
cp "$SERIES_PATCHES/$p2" "$SERIES_PATCHES/0002-duplicate.patch"
check_fails_with "two patch files numbered 0002 are named in one line" \
	"0002-duplicate.patch.*same number 0002|same number 0002.*0002-duplicate.patch" \
	"$SERIES" apply --force
check_true "... and no git am is left in progress" test ! -d "$SERIES_SCRATCH/.git/rebase-apply"
rm "$SERIES_PATCHES/0002-duplicate.patch"

nothing_beside_patches()
{
	[ -z "$(find "$WORK" -maxdepth 1 -name 'patches.*')" ] && no_temporaries
}

# 5. An export interrupted while it writes patches/ (every file changes
# with another subject prefix): patches/ is wholly old or wholly new.
run "$SERIES" apply --force
# whole_patch_dir: every patch file of patches/ has the same prefix, and
# no stray file is there.
whole_patch_dir()
{
	local rfc plain

	rfc=$(grep -l '^Subject: \[RFC PATCH' "$SERIES_PATCHES"/*.patch | wc -l)
	plain=$(grep -l '^Subject: \[PATCH' "$SERIES_PATCHES"/*.patch | wc -l)
	[ "$(find "$SERIES_PATCHES" -name '.*' ! -name . | wc -l)" = 0 ] || return 1
	[ "$rfc" = 0 ] || [ "$plain" = 0 ]
}
for sig in INT KILL; do
	stall_and_kill "$sig" "$SERIES_PATCHES(/\\.|\\.tmp)" 4 env SERIES_SUBJECT_PREFIX=PATCH "$SERIES" export --overwrite ||
		not_ok "set-up: export did not reach its 4th copy"
	check_true "export SIG$sig while writing: patches/ is not half old, half new" whole_patch_dir
	run "$SERIES" export --overwrite
	check_true "... the next export goes through" test "$RC" = 0
	check_true "... and leaves nothing beside patches/ or in build/series" \
		nothing_beside_patches
	check_true "... and patches/ is the series again" diff -r "$WORK/expected" "$SERIES_PATCHES"
done

# 6. Two applies into one scratch repo at once (two 'make run'): the
# second waits for the first, naming it, and both end with the series.
sed -i 's/^\(Subject: \[[^]]*\]\) /\1 EDIT /' "$SERIES_PATCHES/$pN"
rm -f "$WORK/calls" "$WORK/stalled"
PATH=$WORK/bin:$PATH STALL_MATCH=' am ' STALL_AT=2 "$SERIES" apply --force >"$WORK/one.out" 2>&1 &
one=$!
for _ in $(seq 600); do
	[ -e "$WORK/stalled" ] && break
	sleep 0.1
done
"$SERIES" apply --force >"$WORK/two.out" 2>&1 &
two=$!
sleep 3
# Let the first one go on.
echo go >"$WORK/release"
rc1=0 rc2=0
wait "$one" || rc1=$?
wait "$two" || rc2=$?
check_true "two applies at once: the second says which PID it waits for" \
	grep -q "in use by another run (PID $one, series apply" "$WORK/two.out"
check_true "... both succeed" test "$rc1" = 0 -a "$rc2" = 0
check_true "... and the scratch repo has the whole series" \
	test "$(git -C "$SERIES_SCRATCH" rev-list --count series-base..HEAD)" = "$npatches"
tap_done
