#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every mirror test program must fail, before touching any device, when a
# harness filter names nothing it has: the harness alone would run zero
# cases and report success.
set -euo pipefail

DIR=${1:?usage: $0 DIR_WITH_TEST_PROGRAMS}
BDF=0000:00:00.0

# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/scripts/lib.sh"

expect_refusal()
{
	local bin=$1 opt=$2 want=$3 rc=0 out lines

	out=$(env -u VFIO_SELFTESTS_BDF timeout 30 "$bin" "$opt" no_such_name "$BDF" 2>&1) || rc=$?
	if [ "$rc" = 1 ] && grep -q "no $want named 'no_such_name'" <<<"$out"; then
		ok "${bin##*/} $opt no_such_name"
	else
		mapfile -t lines < <(head -n 5 <<<"$out")
		not_ok "${bin##*/} $opt no_such_name: exit $rc" "${lines[@]}"
	fi
}

for bin in "$DIR"/vfio_*_test; do
	[ -x "$bin" ] || continue
	expect_refusal "$bin" -t test
	expect_refusal "$bin" -v variant
	expect_refusal "$bin" -f fixture
done
[ "$TAP_N" -gt 0 ] || { echo "no test programs in $DIR"; exit 1; }

# A case the library skips carries its reason in the TAP line, not
# "SKIP unknown". This host has no VFIO container when /dev/vfio/vfio is
# missing, which makes every container-mode case of the mapping test skip.
if [ ! -e /dev/vfio/vfio ] && [ -x "$DIR/vfio_dma_mapping_test" ]; then
	out=$(timeout 60 "$DIR/vfio_dma_mapping_test" -v vfio_type1_iommu_anonymous "$BDF" 2>/dev/null || :)
	if grep -q '# SKIP iommu mode vfio_type1_iommu: .*CONFIG_VFIO_CONTAINER' <<<"$out" &&
		! grep -q 'SKIP unknown' <<<"$out"; then
		ok "a skipped case names its reason in the TAP line"
	else
		mapfile -t lines < <(head -n 5 <<<"$out")
		not_ok "a skipped case names its reason in the TAP line" "${lines[@]}"
	fi
else
	echo "# this host has a VFIO container; the SKIP-reason case is left to the VM"
fi
tap_done
