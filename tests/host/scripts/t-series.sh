#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/series on a copy of patches/: export never overwrites work done
# in patches/ by hand, and a range that names nothing, or a scratch repo
# in the middle of a 'git am', fails at once instead of passing.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export BUILD_DIR=$WORK/build
export SERIES_SCRATCH=$WORK/scratch
export SERIES_PATCHES=$WORK/patches
SERIES=$PROJECT/scripts/series

cp -r "$PROJECT/patches" "$SERIES_PATCHES"
run "$SERIES" apply
[ "$RC" = 0 ] || { not_ok "series apply on a copy of patches/"; tap_done; exit 1; }
run "$SERIES" export
check_true "export right after apply changes nothing" \
	diff -r "$PROJECT/patches" "$SERIES_PATCHES"

p3=$(cd "$SERIES_PATCHES" && ls 0003-*.patch)
sed -i 's/^Subject: /&EDIT /' "$SERIES_PATCHES/$p3"
cp "$SERIES_PATCHES/$p3" "$WORK/edited"
check_fails_with "export refuses to overwrite a hand edit, naming the file" \
	"edited $p3" "$SERIES" export
check_true "the hand edit is still there" cmp -s "$WORK/edited" "$SERIES_PATCHES/$p3"
cp "$PROJECT/patches/$p3" "$SERIES_PATCHES/$p3"

cp "$SERIES_PATCHES/$p3" "$SERIES_PATCHES/0009-extra.patch"
check_fails_with "export refuses to delete a new patch file, naming it" \
	"new 0009-extra.patch" "$SERIES" export
check_true "the new patch file is still there" test -f "$SERIES_PATCHES/0009-extra.patch"
rm -f "$SERIES_PATCHES/0009-extra.patch"

p2=$(cd "$SERIES_PATCHES" && ls 0002-*.patch)
rm "$SERIES_PATCHES/$p2"
check_fails_with "export refuses to bring back a removed patch file, naming it" \
	"removed $p2" "$SERIES" export
check_true "the removed patch file stays removed" test ! -e "$SERIES_PATCHES/$p2"

sed -i 's/^Subject: /&EDIT /' "$SERIES_PATCHES/$p3"
run "$SERIES" export --overwrite
check_true "export --overwrite replaces patches/ with the export" \
	diff -r "$PROJECT/patches" "$SERIES_PATCHES"
run "$SERIES" export
check_true "after --overwrite, export goes through again" test "$RC" = 0

check_fails_with "check with a range naming nothing fails in one line" \
	"'nosuch\.\.HEAD' is not a range" "$SERIES" check nosuch..HEAD
check_true "... before any check ran" test ! -e "$BUILD_DIR/series/check-scratch"
check_fails_with "check with a commit naming nothing fails in one line" \
	"'nosuch' is not a commit" "$SERIES" check nosuch
check_fails_with "test --each with a range naming nothing fails in one line" \
	"'nosuch\.\.HEAD' is not a range" "$SERIES" test --each nosuch..HEAD
check_true "... before any VM run" test ! -e "$BUILD_DIR/series/test-scratch"

# Patch 8 again on the tip: it cannot apply twice, and 'git am' stops.
p8=$(cd "$SERIES_PATCHES" && ls 0008-*.patch)
git -C "$SERIES_SCRATCH" am -q "$SERIES_PATCHES/$p8" >/dev/null 2>&1 || true
if [ -d "$SERIES_SCRATCH/.git/rebase-apply" ]; then
	check_fails_with "check during an unfinished git am fails in one line" \
		"git am' is in progress" "$SERIES" check
	check_fails_with "test during an unfinished git am fails in one line" \
		"git am' is in progress" "$SERIES" test --each
	check_fails_with "export during an unfinished git am fails in one line" \
		"git am' is in progress" "$SERIES" export
else
	not_ok "set-up: a failed git am left no rebase-apply"
fi
tap_done
