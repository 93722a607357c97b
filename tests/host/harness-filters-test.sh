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

# A case the library skips carries its reason in the TAP line, not
# "SKIP unknown". This host has no VFIO container when /dev/vfio/vfio is
# missing, which makes every container-mode case of the mapping test skip.
if [ ! -e /dev/vfio/vfio ] && [ -x "$DIR/vfio_dma_mapping_test" ]; then
	CASES=$((CASES + 1))
	out=$(timeout 60 "$DIR/vfio_dma_mapping_test" -v vfio_type1_iommu_anonymous "$BDF" 2>/dev/null || :)
	if grep -q '# SKIP iommu mode vfio_type1_iommu: .*CONFIG_VFIO_CONTAINER' <<<"$out" &&
		! grep -q 'SKIP unknown' <<<"$out"; then
		echo "ok $CASES a skipped case names its reason in the TAP line"
	else
		echo "not ok $CASES a skipped case names its reason in the TAP line"
		head -n 5 <<<"$out" | sed 's/^/#   /'
		FAILS=$((FAILS + 1))
	fi
else
	echo "# this host has a VFIO container; the SKIP-reason case is left to the VM"
fi
echo "# harness-filters-test: $((CASES - FAILS)) of $CASES passed"
[ "$FAILS" = 0 ]
