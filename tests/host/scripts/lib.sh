# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A small TAP producer for the host tests of the project's scripts. A test
# file sources this, calls the check_* functions and ends with
# 'tap_done'. Every test works in a temporary directory of its own
# ($WORK) that is removed at the end; nothing outside it is changed.

# shellcheck disable=SC2034 # for the test files
PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/script-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Run by make host-test: the parent make's flags (-w among them) are not
# the tests' business.
unset MAKEFLAGS MFLAGS MAKELEVEL
TAP_N=0
TAP_FAILED=0
# The last command's output and status, for the checks below.
OUT=$WORK/.out
ERR=$WORK/.err
RC=0

ok()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N $*"
}

not_ok()
{
	local what=$1

	shift
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N $what"
	local line
	for line in "$@"; do
		echo "#   $line"
	done
	if [ -s "$ERR" ]; then
		echo "#   stderr:"
		head -n 15 "$ERR" | sed 's/^/#     /'
	fi
}

# run CMD...: run it with stdin from /dev/null, keeping stdout, stderr
# and the exit status.
run()
{
	RC=0
	"$@" </dev/null >"$OUT" 2>"$ERR" || RC=$?
}

# check_fails_with NAME REGEX CMD...: CMD must exit non-zero and say, on
# exactly one line of stderr, something matching REGEX (extended).
check_fails_with()
{
	local name=$1 re=$2 lines

	shift 2
	run "$@"
	lines=$(grep -c . "$ERR" || true)
	if [ "$RC" = 0 ]; then
		not_ok "$name" "exit status 0, wanted a failure"
	elif ! grep -Eq -- "$re" "$ERR"; then
		not_ok "$name" "no line matching /$re/ on stderr"
	elif [ "$lines" != 1 ]; then
		not_ok "$name" "$lines lines on stderr, wanted one"
	else
		ok "$name"
	fi
}

# check_true NAME CMD...: CMD must succeed.
check_true()
{
	local name=$1

	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name" "failed: $*"
	fi
}

# fake_bzimage FILE [SIZE]: a file vmtest takes for a bzImage (the setup
# header's signatures, 4 setup sectors and 6 KiB of protected-mode code,
# all zeros), cut to SIZE bytes when given. Nothing can boot it.
fake_bzimage()
{
	local file=$1

	truncate -s 0 "$file"
	truncate -s $((5 * 512 + 6144)) "$file"
	printf '\004' | dd of="$file" bs=1 seek=$((0x1f1)) conv=notrunc status=none
	printf '\200\001\000\000' | dd of="$file" bs=1 seek=$((0x1f4)) conv=notrunc status=none
	printf '\125\252\353\000HdrS' | dd of="$file" bs=1 seek=$((0x1fe)) conv=notrunc status=none
	[ -z "${2:-}" ] || truncate -s "$2" "$file"
}

tap_done()
{
	echo "1..$TAP_N"
	[ "$TAP_FAILED" = 0 ]
}
