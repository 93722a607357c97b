#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Kept results of 'series check' that are damaged (issue 18): an empty,
# non-numeric or random-bytes count, or any other kept file changed, is
# said in one line and the check runs again; and a count that cannot be
# read fails its cell, whatever the check's rule (the tip rule included),
# without its bytes in the table. A stand-in check, a private cache.
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
# shellcheck source=../../../scripts/lib/series-check-runner.sh
source "$PROJECT/scripts/lib/series-check-runner.sh"

SCRATCH=$WORK/repo
git init -q "$SCRATCH"
echo one >"$SCRATCH/file"
sgit add file
sgit -c user.name=Test -c user.email=test@example.invalid commit -q -m first
c1=$(sgit rev-parse HEAD)

CHECK_RUNS=([fake]=commit)
CHECK_JUDGED=([fake]=parent)
CHECK_NAMES=(fake)
check_fake()
{
	echo run >>"$WORK/runs"
	echo ok >"$1/fake.result"
	echo 0 >"$1/fake.count"
	echo "nothing found" >"$1/fake.log"
}
runs()
{
	wc -l <"$WORK/runs" 2>/dev/null || echo 0
}
fresh_dir()
{
	rm -rf "$WORK/dir"
	mkdir -p "$WORK/dir"
	echo "$c1" >"$WORK/dir/commit"
}
kernel_source() { echo "$WORK/no-kernel"; }
check_cache_prepare

fresh_dir
cached_check "$WORK/dir" fake
entry=$(find "$CHECK_CACHE" -mindepth 1 -maxdepth 1 -type d ! -name '.*')

# damaged NAME FILE CONTENT...: FILE of the kept entry gets CONTENT
# (printf's arguments); the check must run again, saying so in one line.
damaged()
{
	local name=$1 file=$2 before

	shift 2
	before=$(runs)
	# shellcheck disable=SC2059 # the content is a printf format on purpose
	printf "$@" >"$entry/$file"
	fresh_dir
	RC=0
	cached_check "$WORK/dir" fake 2>"$ERR" || RC=$?
	if [ "$(runs)" != $((before + 1)) ]; then
		not_ok "$name: the check runs again" "runs: $before before, $(runs) after"
	elif [ "$(grep -c . "$ERR")" != 1 ] || ! grep -q "kept result $entry is damaged" "$ERR"; then
		not_ok "$name: the check runs again, said in one line"
	else
		ok "$name: the check runs again, said in one line: $(cat "$ERR")"
	fi
}
damaged "an empty kept count" fake.count ''
damaged "a non-numeric kept count" fake.count 'many\n'
damaged "random bytes as the kept count" fake.count '\377\001\033[2J\n'
damaged "a kept log changed" fake.log 'something else\n'
damaged "a kept result that is not ok or fail" fake.result 'maybe\n'

# The verdicts on counts that cannot be read, kept or not.
CHECK_RUN=$WORK/run
verdict()
{
	local count=$1 tip=$2

	rm -rf "$CHECK_RUN"
	mkdir -p "$CHECK_RUN/1"
	echo "$c1" >"$CHECK_RUN/1/commit"
	echo ok >"$CHECK_RUN/1/fake.result"
	# shellcheck disable=SC2059 # the count is a printf format on purpose
	printf "$count" >"$CHECK_RUN/1/fake.count"
	declare -F fail_unreadable_counts >/dev/null && fail_unreadable_counts 1
	judge_against_parent 1 fake "$tip" 2>/dev/null || true
	cat "$CHECK_RUN/1/fake.result"
}
check_true "the tip rule fails an empty count" test "$(verdict '' 1)" = fail
check_true "the tip rule fails a non-numeric count" test "$(verdict 'x\n' 1)" = fail
check_true "the parent rule fails a non-numeric count" test "$(verdict 'x\n' 0)" = fail
CHECK_JUDGED=([fake]=self)
check_true "a self-judged check fails a count it cannot read" test "$(verdict '\377\n' 0)" = fail
check_true "the tip rule still passes a count of 0" test "$(verdict '0\n' 1)" = ok
verdict '\377\033[2J\n' 0 >/dev/null
# printable_cell: the table's text of the cell is plain ASCII.
printable_cell()
{
	! cell_text 1 fake | LC_ALL=C grep -q '[^ -~]'
}
check_true "random bytes do not go raw into the table" printable_cell
tap_done
