# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared by the host tests of scripts/series: a private build directory
# (so the user's build/series/ is never touched), a sender identity that
# is clearly no person, TAP-style result lines and a few assertions.

SERIES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/series
WORK=$(mktemp -d "${TMPDIR:-/tmp}/series-host-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export BUILD_DIR=$WORK/build
# The sender of the test mails; example.org is reserved for examples.
export GIT_CONFIG_GLOBAL=$WORK/gitconfig
export GIT_CONFIG_NOSYSTEM=1
printf '[user]\n\tname = Series Host Test\n\temail = series-host-test@example.org\n' \
	>"$GIT_CONFIG_GLOBAL"
unset SERIES_SCRATCH

FAILED=0
TESTS=0

ok()
{
	TESTS=$((TESTS + 1))
	echo "ok $TESTS - $*"
}

not_ok()
{
	TESTS=$((TESTS + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $TESTS - $*"
}

# The tree objects of the commits after series-base in scratch repo $1.
series_trees()
{
	git -C "$1" log --reverse --format=%T series-base..HEAD
}

# The subjects of the commits after series-base in scratch repo $1.
series_subjects()
{
	git -C "$1" log --reverse --format=%s series-base..HEAD
}

# The trees of the stored series: patches/ applied by 'series apply'.
stored_series_trees()
{
	local repo=$WORK/stored

	if [ ! -d "$repo/.git" ]; then
		"$SERIES" --scratch "$repo" apply --force >"$WORK/stored.log" 2>&1 ||
			{ cat "$WORK/stored.log" >&2; return 1; }
	fi
	series_trees "$repo"
}

# expect_refusal NAME PATTERN CMD...: CMD must fail, its last line of
# stderr must match PATTERN (an ERE) and it must print exactly one line
# starting with "series: " that is not an info note.
expect_refusal()
{
	local name=$1 pattern=$2 rc=0 last errors

	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	last=$(tail -n 1 "$WORK/err")
	errors=$(grep -cv -e '^series: mail: skipping the placeholder' \
		-e '^series: warning:' -e '^series: am: .* read by b4 am' \
		-e '^series: am: b4 am could not read' "$WORK/err" || true)
	if [ "$rc" = 0 ]; then
		not_ok "$name: succeeded, should have refused"
	elif ! [[ $last =~ $pattern ]]; then
		not_ok "$name: message '$last' does not match /$pattern/"
	elif [ "$errors" != 1 ]; then
		not_ok "$name: $errors lines of error output, expected one"
		sed 's/^/# /' "$WORK/err"
	else
		ok "$name: $last"
	fi
}

# A kernel git tree small enough to make here: what 'onto' looks for.
make_fake_kernel()
{
	local k=$1

	mkdir -p "$k/tools/testing/selftests/vfio" "$k/tools/include/linux" "$k/scripts"
	echo 'VERSION = 0' >"$k/Makefile"
	printf 'THE REST\nM:\tNobody <nobody@example.org>\nF:\t*\n' >"$k/MAINTAINERS"
	echo 'all:' >"$k/tools/testing/selftests/Makefile"
	echo '# lib.mk' >"$k/tools/testing/selftests/lib.mk"
	echo '# checkpatch' >"$k/scripts/checkpatch.pl"
	echo 'old test' >"$k/tools/testing/selftests/vfio/old_test.c"
	echo '/* io */' >"$k/tools/include/linux/io.h"
	git -C "$k" init -q -b main
	git -C "$k" add -A
	git -C "$k" commit -q -m 'fake kernel'
}

finish()
{
	echo "1..$TESTS"
	if [ "$FAILED" -gt 0 ]; then
		echo "# $FAILED of $TESTS failed" >&2
		exit 1
	fi
	echo "# all $TESTS passed"
}
