#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kept results of 'series check': a check asked again of the same
# commit is not run again and leaves the same verdict, a failure included;
# a commit whose files or message differ, an error, and
# SERIES_CHECK_CACHE=0 each run it. A stand-in check counts its runs; the
# commits live in a scratch repo of the test's own.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export VFIO_IGB_CACHE=$WORK/cache
# shellcheck source=../../../scripts/lib/common.sh
source "$PROJECT/scripts/lib/common.sh"
# shellcheck source=../../../scripts/lib/series-repo.sh
source "$PROJECT/scripts/lib/series-repo.sh"
# shellcheck source=../../../scripts/lib/series-check-cache.sh
source "$PROJECT/scripts/lib/series-check-cache.sh"

SCRATCH=$WORK/repo
git init -q "$SCRATCH"
commit_file()
{
	echo "$1" >"$SCRATCH/file"
	sgit add file
	sgit -c user.name=Test -c user.email=test@example.invalid \
		commit -q --allow-empty -m "$2"
	sgit rev-parse HEAD
}

declare -A CHECK_RUNS=([fake]=commit [fakechild]=fake)
CHECK_NAMES=(fake fakechild)
VERDICT=fail
check_fake()
{
	echo run >>"$WORK/runs"
	echo "$VERDICT" >"$1/fake.result"
	echo 3 >"$1/fake.count"
	echo 1 >"$1/fakechild.count"
}
runs()
{
	wc -l <"$WORK/runs" 2>/dev/null || echo 0
}

# fresh_dir COMMIT: a commit's directory, as series check makes it.
fresh_dir()
{
	rm -rf "$WORK/dir"
	mkdir -p "$WORK/dir"
	echo "$1" >"$WORK/dir/commit"
}

kernel_source() { echo "$WORK/no-kernel"; }
check_cache_prepare
c1=$(commit_file one "first")

fresh_dir "$c1"
cached_check "$WORK/dir" fake
check_true "a check runs the first time" test "$(runs)" = 1
fresh_dir "$c1"
cached_check "$WORK/dir" fake
check_true "asked again of the same commit it is not run again" test "$(runs)" = 1
check_true "... and its failure stands" test "$(cat "$WORK/dir/fake.result")" = fail
check_true "... with its count" test "$(cat "$WORK/dir/fake.count")" = 3
check_true "... and the results of what it makes" test "$(cat "$WORK/dir/fakechild.count")" = 1
check_true "... and the run says it was kept" test "$(check_cache_hits "$WORK/dir")" = 1

c2=$(commit_file one "first, reworded")
fresh_dir "$c2"
cached_check "$WORK/dir" fake
check_true "the same files under another message: run again" test "$(runs)" = 2
c3=$(commit_file two "first, reworded")
fresh_dir "$c3"
cached_check "$WORK/dir" fake
check_true "another file content: run again" test "$(runs)" = 3

VERDICT=error
c4=$(commit_file three "an error")
fresh_dir "$c4"
cached_check "$WORK/dir" fake
fresh_dir "$c4"
cached_check "$WORK/dir" fake
check_true "an error is not kept" test "$(runs)" = 5

VERDICT=ok
fresh_dir "$c1"
SERIES_CHECK_CACHE=0 cached_check "$WORK/dir" fake
check_true "SERIES_CHECK_CACHE=0 runs it although a result is kept" test "$(runs)" = 6

CHECK_CACHE_ENV_KEY=another
fresh_dir "$c1"
cached_check "$WORK/dir" fake
check_true "another runner, tool or kernel source (the shared key): run again" test "$(runs)" = 7
tap_done
