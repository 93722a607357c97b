#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every VFIO selftest program must refuse to run when it is given no device:
# exit with KSFT_SKIP (4) after printing a usage line, rather than crash,
# hang or pick some device by itself. Run each one with no BDF argument and
# VFIO_SELFTESTS_BDF unset and report one TAP line per program.
set -euo pipefail

PROG=${0##*/}
KSFT_SKIP=4
TIMEOUT=${NO_DEVICE_TIMEOUT:-30}
LOG=

usage()
{
	cat <<USAGE
Usage: $PROG DIR

DIR is where the mirror's test programs were built: the output directory of
the out-of-tree build (its out/ subdirectory is used when DIR holds a
build.env), or any directory holding the binaries. Every ELF executable
directly in it is run with no arguments and VFIO_SELFTESTS_BDF unset; each
must exit $KSFT_SKIP and print a line containing "usage".

Environment:
  NO_DEVICE_TIMEOUT   seconds each program may take (default 30)
USAGE
}

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

# The mirror's programs, not its scripts, objects or anything below.
list_test_programs()
{
	local dir=$1 f

	for f in "$dir"/*; do
		if [ -f "$f" ] && [ -x "$f" ] &&
		   [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			echo "$f"
		fi
	done
}

# Print the output as TAP diagnostics so that a failure explains itself.
show_output()
{
	sed 's/^/#   /' "$1"
}

check_refuses_without_device()
{
	local bin=$1 log=$2 rc=0

	env -u VFIO_SELFTESTS_BDF timeout "$TIMEOUT" "$bin" \
		</dev/null >"$log" 2>&1 || rc=$?

	if [ "$rc" -ne "$KSFT_SKIP" ]; then
		if [ "$rc" -eq 124 ]; then
			echo "timed out after ${TIMEOUT}s"
		else
			echo "exit status $rc, wanted $KSFT_SKIP"
		fi
		return 1
	fi
	if ! grep -qi 'usage' "$log"; then
		echo 'no line containing "usage"'
		return 1
	fi
}

main()
{
	local dir n=0 failed=0 bin why
	local -a bins

	case "${1:-}" in
	-h | --help) usage; exit 0 ;;
	'') usage >&2; exit 2 ;;
	esac
	[ $# -eq 1 ] || die "one directory expected; see --help"

	dir=$1
	[ -d "$dir" ] || die "$dir: not a directory"
	if [ -f "$dir/build.env" ]; then
		dir=$dir/out
	fi

	mapfile -t bins < <(list_test_programs "$dir")
	[ "${#bins[@]}" -gt 0 ] || die "no test programs in $dir"

	LOG=$(mktemp)
	trap 'rm -f "$LOG"' EXIT

	echo "TAP version 13"
	echo "1..${#bins[@]}"
	for bin in "${bins[@]}"; do
		n=$((n + 1))
		if why=$(check_refuses_without_device "$bin" "$LOG"); then
			echo "ok $n ${bin##*/}"
		else
			echo "not ok $n ${bin##*/} # $why"
			show_output "$LOG"
			failed=$((failed + 1))
		fi
	done
	echo "# $PROG: $((n - failed)) of $n refused to run without a device"
	[ "$failed" -eq 0 ]
}

main "$@"
