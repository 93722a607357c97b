#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bad input to the user-facing scripts gets one line naming what is wrong,
# before any build or boot, and the README names scripts that exist.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export BUILD_DIR=$WORK/build
S=$PROJECT/scripts

for prog in vmtest build-test-kernel install-deps lint; do
	check_fails_with "$prog --bogus names the option in one line" \
		"unknown option '--bogus'.*--help" "$S/$prog" --bogus
done
check_fails_with "bench --bogus fails in one line" \
	"unknown option '--bogus'" "$S/bench" --bogus
check_true "... before building anything" test ! -e "$BUILD_DIR"

check_fails_with "KDIR=/x is reported as KDIR" "KDIR=/x is not a kernel source tree" \
	env KDIR=/x "$S/build-test-kernel"
mkdir "$WORK/not-a-tree"
check_fails_with "vmtest --tree on a non-tree: one line" \
	"not-a-tree holds no tools/testing/selftests/vfio" \
	"$S/vmtest" --tree "$WORK/not-a-tree"
check_fails_with "build-test-kernel --tree on a non-tree: one line" \
	"not-a-tree holds no tools/testing/selftests/vfio" \
	"$S/build-test-kernel" --tree "$WORK/not-a-tree"
check_fails_with "vmtest --tests with an unknown name: one line" \
	"no test program 'vfio_pci_nosuch_test'" \
	"$S/vmtest" --tests vfio_pci_device_test,vfio_pci_nosuch_test
check_true "... before building anything" test ! -e "$BUILD_DIR"
check_fails_with "vmtest --tests with a name --bin-dir lacks: one line" \
	"no test program 'vfio_pci_device_test' in --bin-dir" \
	"$S/vmtest" --bin-dir "$WORK/not-a-tree" --tests vfio_pci_device_test
: >"$WORK/a-file"
touch "$WORK/not-a-tree/vfio_pci_device_test"
check_fails_with "vmtest --log-dir that cannot be made: one line" \
	"--log-dir $WORK/a-file/logs: cannot create it" \
	"$S/vmtest" --bin-dir "$WORK/not-a-tree" --tests vfio_pci_device_test \
	--log-dir "$WORK/a-file/logs"
run "$S/vmtest" --check-options --tests vfio_pci_device_test
check_true "vmtest --check-options accepts good options" test "$RC" = 0

# Every path ending in scripts/NAME that the README shows must exist, at
# the top of the project or in tree/.
missing=
while read -r path; do
	[ -e "$PROJECT/$path" ] || [ -e "$PROJECT/tree/$path" ] || missing="$missing $path"
done < <(grep -oE '[A-Za-z0-9_./-]*scripts/[A-Za-z0-9_.-]+' "$PROJECT/README.md" | sort -u)
if [ -z "$missing" ]; then
	ok "README names only scripts that exist"
else
	not_ok "README names only scripts that exist" "missing:$missing"
fi
tap_done
