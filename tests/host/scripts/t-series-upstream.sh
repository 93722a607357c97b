#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Host test of 'series upstream' on a small stand-in kernel tree
# (upstream-tree/: only the shapes the recipes look for, written for this
# test): the series is made on a branch of a scratch clone, KDIR is left as
# it was, the mails carry the sender, one-line headers and base-commit, and
# 'git am' of them onto a fresh clone at the base gives the branch's trees;
# the branch deletes no file, and b4 am -m finds the base. A recipe that no longer matches (a function
# renamed in a copy of the tree) stops the command with one line naming the
# recipe and the file, leaving no branch, scratch tree or mails. A source
# without git is committed once into the cache first. The real run on
# Linux 7.x (checks, VM) is not a host test: see 'series upstream --help'.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=series-lib.sh
source "$(dirname "$0")/series-lib.sh"

usage()
{
	echo "Usage: ${0##*/}   (host test of series upstream; see its header)"
}

FAKE=$PROJECT/tests/host/scripts/upstream-tree
export VFIO_IGB_CACHE=$WORK/cache

# A stand-in kernel tree at $1 with the files 'series upstream' looks for;
# a git tree unless $2 is "nogit".
make_upstream_tree()
{
	local k=$1 v=$1/tools/testing/selftests/vfio

	mkdir -p "$v/lib/drivers/igb" "$k/scripts"
	echo 'VERSION = 7' >"$k/Makefile"
	printf 'VFIO SELFTESTS\nM:\tFake Maintainer <fake-maintainer@example.org>\nF:\ttools/testing/selftests/vfio/\n' \
		>"$k/MAINTAINERS"
	echo 'all:' >"$k/tools/testing/selftests/Makefile"
	echo '# lib.mk' >"$k/tools/testing/selftests/lib.mk"
	echo '# checkpatch' >"$k/scripts/checkpatch.pl"
	cp "$FAKE/get_maintainer.pl" "$k/scripts/get_maintainer.pl"
	cp "$FAKE/Makefile" "$v/Makefile"
	cp "$FAKE/igb.c" "$v/lib/drivers/igb/igb.c"
	echo 'int main(void) { return 0; }' >"$v/vfio_pci_driver_test.c"
	[ "${2:-}" = nogit ] && return 0
	git -C "$k" init -q -b main
	git -C "$k" add -A
	git -C "$k" commit -q -m 'stand-in kernel'
}

# The state of git tree $1 that 'series upstream' must not change.
kdir_state()
{
	git -C "$1" rev-parse HEAD
	git -C "$1" for-each-ref
	git -C "$1" status --porcelain
}

made_on_git_tree()
{
	local k=$WORK/kernel out=$WORK/mails before scr=$BUILD_DIR/series/upstream/kernel/tree
	local base f want got

	make_upstream_tree "$k"
	echo 'work in progress' >"$k/README.local"
	before=$(kdir_state "$k")
	run "$PROJECT/scripts/series" upstream --no-check "$k" "$out"
	if [ "$RC" != 0 ]; then
		not_ok "upstream: failed on a stand-in git tree (rc $RC)"
		return
	fi
	if [ "$before" = "$(kdir_state "$k")" ]; then
		ok "upstream: KDIR's HEAD, refs and uncommitted work untouched"
	else
		not_ok "upstream: KDIR changed"
	fi
	base=$(git -C "$k" rev-parse HEAD)
	if [ "$(find "$out" -type f | wc -l)" = 3 ] && grep -qx "base-commit: $base" "$out"/0000-*.patch &&
		grep -q '^Subject: \[RFC PATCH 2/2\] selftests/vfio: add a test of MSI-X' "$out"/0002-*.patch; then
		ok "upstream: a cover letter and 2 patches, [RFC PATCH n/2], base-commit KDIR's HEAD"
	else
		not_ok "upstream: not the mails expected" "$(find "$out" -type f | tr '\n' ' ')"
	fi
	if grep -qx 'From: Series Host Test <series-host-test@example.org>' "$out"/0001-*.patch &&
		grep -qx 'Signed-off-by: Series Host Test <series-host-test@example.org>' "$out"/0001-*.patch &&
		grep -qx 'To: Fake Maintainer <fake-maintainer@example.org>' "$out"/0001-*.patch &&
		grep -qx 'Cc: fake-list@example.org' "$out"/0000-*.patch; then
		ok "upstream: From and Signed-off-by the sender, To and Cc from the tree's get_maintainer.pl"
	else
		not_ok "upstream: sender or addresses wrong" "$(grep -E '^(From|To|Cc|Signed-off-by):' "$out"/0001-*.patch)"
	fi
	for f in "$out"/*.patch; do
		if awk '/^$/ { exit } /^[ \t]/ { bad = 1 } END { exit !bad }' "$f"; then
			not_ok "upstream: $(basename "$f") has a folded header"
			return
		fi
	done
	ok "upstream: no mail has a folded header"
	if [ -n "$(git -C "$scr" diff --diff-filter=D --name-only "$base" vfio-igb-upstream)" ]; then
		not_ok "upstream: the branch deletes files"
	else
		ok "upstream: the branch deletes no file"
	fi
	if git -C "$scr" show vfio-igb-upstream~1 -- tools/testing/selftests/vfio/lib/drivers/igb/igb.c |
		grep -q '^-.*E1000_RCTL_LBM_MAC |' &&
		! git -C "$scr" show vfio-igb-upstream:tools/testing/selftests/vfio/lib/drivers/igb/igb.c |
		grep -qE 'E1000_RCTL_LBM_MAC \||RCTL.LBM_MAC is still set' &&
		[ "$(git -C "$scr" show vfio-igb-upstream -- tools/testing/selftests/vfio/Makefile | grep -c '^[-+][^-+]')" = 1 ]; then
		ok "upstream: patch 1 drops LBM_MAC and its comments, patch 2 adds one Makefile line"
	else
		not_ok "upstream: the recipes did not make the expected changes"
	fi
	git clone -q "$k" "$WORK/am"
	want=$(git -C "$scr" log --reverse --format=%T "$base..vfio-igb-upstream")
	if git -C "$WORK/am" am -q "$out"/000[1-9]-*.patch >"$WORK/am.log" 2>&1 &&
		got=$(git -C "$WORK/am" log --reverse --format=%T "$base..HEAD") && [ "$want" = "$got" ]; then
		ok "upstream: git am of the mails onto a fresh clone at base-commit gives the branch's trees"
	else
		not_ok "upstream: git am of the mails does not reproduce the branch" "$(tail -n 2 "$WORK/am.log")"
	fi
	b4_am "$k" "$out" "$want"
	run "$PROJECT/scripts/series" upstream --no-check "$k" "$out"
	if [ "$RC" != 0 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q 'is not empty' "$ERR"; then
		ok "upstream: refuses to write into mails it made before: $(cat "$ERR")"
	else
		not_ok "upstream: wrote over an OUTDIR with mails (rc $RC)"
	fi
}

# b4 am -m of the mails in $2, in a fresh clone of $1 (no network, a
# private HOME): it must take the base-commit and give the trees $3.
b4_am()
{
	local k=$1 out=$2 want=$3 clone=$WORK/b4-clone got

	git clone -q "$k" "$clone"
	mkdir -p "$WORK/b4-home" "$WORK/b4-out"
	cat "$out"/*.patch >"$WORK/series.mbox"
	if ! (cd "$clone" && HOME=$WORK/b4-home XDG_CACHE_HOME=$WORK/b4-home/.cache \
		b4 am -m "$WORK/series.mbox" -o "$WORK/b4-out") >"$WORK/b4.log" 2>&1; then
		not_ok "upstream: b4 am -m failed on the mails" "$(tail -n 1 "$WORK/b4.log")"
		return
	fi
	if grep -q "Base: using specified base-commit $(git -C "$k" rev-parse HEAD)" "$WORK/b4.log" &&
		git -C "$clone" am -q "$WORK"/b4-out/*.mbx >>"$WORK/b4.log" 2>&1 &&
		got=$(git -C "$clone" log --reverse --format=%T "origin/HEAD..HEAD") && [ "$want" = "$got" ]; then
		ok "upstream: b4 am -m takes the base-commit, and its mbox gives the branch's trees"
	else
		not_ok "upstream: b4 am -m did not find the base or reproduce the branch" "$(grep 'Base:' "$WORK/b4.log")"
	fi
}

broken_recipe()
{
	local k=$WORK/renamed out=$WORK/mails-broken scr=$BUILD_DIR/series/upstream/renamed/tree

	make_upstream_tree "$k"
	sed -i 's/igb_hw_init/igb_hw_setup/' "$k/tools/testing/selftests/vfio/lib/drivers/igb/igb.c"
	git -C "$k" commit -q -am 'rename igb_hw_init()'
	run "$PROJECT/scripts/series" upstream --no-check "$k" "$out"
	if [ "$RC" != 0 ] && [ "$(grep -cv '^series: upstream: branch ' "$ERR")" = 1 ] &&
		grep -qE '^series: upstream: upstream/01-[^:]*/recipe:[0-9]+: tools/testing/selftests/vfio/lib/drivers/igb/igb.c: ' "$ERR"; then
		ok "upstream: a recipe that no longer matches stops it with one line: $(tail -n 1 "$ERR")"
	else
		not_ok "upstream: a broken recipe was not one line naming recipe and file (rc $RC)"
	fi
	if [ ! -e "$out" ] && [ ! -e "$scr" ] && [ -z "$(git -C "$k" branch --list vfio-igb-upstream)" ]; then
		ok "upstream: no mails, no scratch tree and no branch left behind"
	else
		not_ok "upstream: the failed run left something behind"
	fi
}

extracted_source()
{
	local k=$WORK/extracted out=$WORK/mails-extracted

	make_upstream_tree "$k" nogit
	run "$PROJECT/scripts/series" upstream --no-check "$k" "$out"
	if [ "$RC" = 0 ] && grep -q 'has no git: committing it once' "$ERR" && [ ! -e "$k/.git" ] &&
		[ "$(find "$out" -type f | wc -l)" = 3 ]; then
		ok "upstream: a source without git is committed once in the cache, and said so; KDIR gets no .git"
	else
		not_ok "upstream: an extracted source did not work (rc $RC)"
	fi
}

bad_input()
{
	local k=$WORK/dirty

	expect_refusal "upstream: not a kernel tree" "upstream: $WORK/nowhere: no such directory" \
		"$PROJECT/scripts/series" upstream --no-check "$WORK/nowhere"
	make_upstream_tree "$k"
	echo '/* local */' >>"$k/tools/testing/selftests/vfio/lib/drivers/igb/igb.c"
	expect_refusal "upstream: uncommitted changes in the way" \
		"has uncommitted changes in the way \\(tools/testing/selftests/vfio/lib/drivers/igb/igb.c\\)" \
		"$PROJECT/scripts/series" upstream --no-check "$k" "$WORK/mails-dirty"
	GIT_CONFIG_GLOBAL=/dev/null expect_refusal "upstream: no sender" "git config user.name/user.email unset" \
		"$PROJECT/scripts/series" upstream --no-check "$k" "$WORK/mails-nosender"
}

main()
{
	case "${1:-}" in -h | --help) usage; exit 0 ;; esac
	if ! command -v spatch >/dev/null 2>&1 || ! command -v b4 >/dev/null 2>&1; then
		not_ok "spatch or b4 not installed (scripts/install-deps installs coccinelle and b4)"
		tap_done
		exit 1
	fi
	made_on_git_tree
	broken_recipe
	extracted_source
	bad_input
	tap_done
}

main "$@"
