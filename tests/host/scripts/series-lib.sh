# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared by the host tests of 'series mail', 'am' and 'upstream'; source it
# after lib.sh. A private build directory (the user's build/series/ is
# never touched), a sender identity that is clearly no person, and the
# checks these tests share.

SERIES=$PROJECT/scripts/series
export BUILD_DIR=$WORK/build
# The sender of the test mails; example.org is reserved for examples.
export GIT_CONFIG_GLOBAL=$WORK/gitconfig
export GIT_CONFIG_NOSYSTEM=1
printf '[user]\n\tname = Series Host Test\n\temail = series-host-test@example.org\n' \
	>"$GIT_CONFIG_GLOBAL"
unset SERIES_SCRATCH SERIES_PATCHES SERIES_COVER

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

# expect_refusal NAME PATTERN CMD...: CMD must fail, the last line of its
# stderr must match PATTERN (an ERE), and, progress notes of b4 am aside,
# that must be the only line.
expect_refusal()
{
	local name=$1 pattern=$2 last errors

	shift 2
	run "$@"
	last=$(tail -n 1 "$ERR")
	errors=$(grep -cv -e '^series: am: .* read by b4 am' \
		-e '^series: am: b4 am could not read' "$ERR" || true)
	if [ "$RC" = 0 ]; then
		not_ok "$name" "succeeded, should have refused"
	elif ! [[ $last =~ $pattern ]]; then
		not_ok "$name" "message '$last' does not match /$pattern/"
	elif [ "$errors" != 1 ]; then
		not_ok "$name" "$errors lines of error output, expected one"
	else
		ok "$name: $last"
	fi
}
