#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every mirror test program must fail, before touching any device, when a
# harness filter names nothing it has: the harness alone would run zero
# cases and report success.
set -euo pipefail

DIR=${1:?usage: $0 DIR_WITH_TEST_PROGRAMS}
BDF=0000:00:00.0
CASES=0
FAILS=0

expect_refusal()
{
	local bin=$1 opt=$2 want=$3 rc=0 out

	CASES=$((CASES + 1))
	out=$(env -u VFIO_SELFTESTS_BDF timeout 30 "$bin" "$opt" no_such_name "$BDF" 2>&1) || rc=$?
	if [ "$rc" = 1 ] && grep -q "no $want named 'no_such_name'" <<<"$out"; then
		echo "ok $CASES ${bin##*/} $opt no_such_name"
	else
		echo "not ok $CASES ${bin##*/} $opt no_such_name: exit $rc"
		head -n 5 <<<"$out" | sed 's/^/#   /'
		FAILS=$((FAILS + 1))
	fi
}

for bin in "$DIR"/vfio_*_test; do
	[ -x "$bin" ] || continue
	expect_refusal "$bin" -t test
	expect_refusal "$bin" -v variant
	expect_refusal "$bin" -f fixture
done
[ "$CASES" -gt 0 ] || { echo "no test programs in $DIR"; exit 1; }
echo "# harness-filters-test: $((CASES - FAILS)) of $CASES passed"
[ "$FAILS" = 0 ]
