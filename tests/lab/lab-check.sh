#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make lab-check (and CI after make check): the matrix's cells through a
# LAVA lab on this host equal the same cells run locally.
#   1. scripts/install-deps --lab; scripts/lava-lab up
#   2. make matrix ENGINE=lava MACHINES=$LAB_MACHINES (four machines that
#      pass by default)
#   3. make matrix ENGINE=local on the same machines
#   4. per machine, the (binary, case, status) sets of the two cases.tsv
#      are equal, both matrices passed, both kcidb.json validate against
#      the project's schema (python3-jsonschema)
#   5. scripts/lava-lab down (also on failure or interrupt), and no
#      process of the lab, no job's QEMU left running
# Needs root (the lab's services) and the machines' kernels (built and
# cached as make matrix builds them). Prints each step with the seconds
# since the start, and "lab-check: passed" at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$ROOT/scripts/lava-lab
MACHINES=${LAB_MACHINES:-q35-vtd,q35-vtd-scalable,q35-virtio-iommu,virt-smmuv3}
START=$(date +%s)
UP=0

step() { echo "lab-check: [$(($(date +%s) - START)) s] $*"; }
fail() { echo "lab-check: FAILED: $*" >&2; exit 1; }

# What of the lab may still run: its services (by the lab's state
# directory or LAVA's programs) and the QEMU of a job (under the
# dispatcher's directory). Listed, never killed by name.
leftovers()
{
	pgrep -af 'vfio-igb-lava-lab|lava-server|lava-scheduler|lava-worker|lava-run|/var/lib/lava/dispatcher/tmp' |
		grep -v -e "^$$ " -e pgrep || true
}

teardown()
{
	local rc=$? left

	if [ "$UP" = 1 ]; then
		"$LAB" down || rc=1
		step "lab down"
		left=$(leftovers)
		if [ -n "$left" ]; then
			echo "lab-check: FAILED: still running after down:" >&2
			echo "$left" >&2
			rc=1
		fi
	fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# The newest matrix run's directory.
latest() { readlink -f "$ROOT/build/matrix/latest"; }

# (machine, binary, case, status) of every case of a matrix run, sorted.
case_set()
{
	local d=$1 m

	for m in ${MACHINES//,/ }; do
		[ -f "$d/$m/cases.tsv" ] || fail "$d/$m/cases.tsv: missing"
		awk -F '\t' -v m="$m" 'NR > 1 && $1 == "case" { print m "\t" $2 "\t" $7 "\t" $4 }' \
			"$d/$m/cases.tsv"
	done | sort
}

validate()
{
	/usr/bin/python3 - "$ROOT/scripts/lab/kcidb-v5.schema.json" "$@" <<-'EOF'
	import json, sys
	import jsonschema
	schema = json.load(open(sys.argv[1]))
	check = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
	for path in sys.argv[2:]:
	    errors = [e.message for e in check.iter_errors(json.load(open(path)))]
	    if errors:
	        sys.exit(f"{path}: {errors[0]} ({len(errors)} errors)")
	EOF
}

cd "$ROOT"
scripts/install-deps --lab
step "LAVA installed"
UP=1
"$LAB" up --devices 2
step "lab up"

rc=0
make --no-print-directory matrix ENGINE=lava MACHINES="$MACHINES" || rc=$?
lava=$(latest)
step "make matrix ENGINE=lava: exit status $rc, $lava"
[ "$rc" = 0 ] || fail "the matrix on LAVA failed (see $lava)"
"$LAB" down
UP=0
step "lab down"
left=$(leftovers)
[ -z "$left" ] || fail "still running after down: $left"

make --no-print-directory matrix ENGINE=local MACHINES="$MACHINES" || rc=$?
local_dir=$(latest)
step "make matrix ENGINE=local: exit status $rc, $local_dir"
[ "$rc" = 0 ] || fail "the local matrix failed (see $local_dir)"

diff <(case_set "$local_dir") <(case_set "$lava") >"$lava/local-vs-lava.diff" ||
	fail "LAVA and local results differ ($lava/local-vs-lava.diff)"
validate "$lava/kcidb.json" "$local_dir/kcidb.json"
step "same $(case_set "$lava" | wc -l) (machine, binary, case, status) on LAVA and locally;" \
	"both kcidb.json valid"
step "passed"
