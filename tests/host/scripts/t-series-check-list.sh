#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# 'series check' takes its columns, help, tool preflight and dispatch from
# the list SERIES_CHECKS: a check added to the list (with its function)
# shows up in each, and a broken entry is refused in one line.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../../scripts/lib/common.sh
source "$PROJECT/scripts/lib/common.sh"
# shellcheck source=../../../scripts/lib/series-check-list.sh
source "$PROJECT/scripts/lib/series-check-list.sh"
# shellcheck source=../../../scripts/lib/series-check-runner.sh
source "$PROJECT/scripts/lib/series-check-runner.sh"
# shellcheck source=../../../scripts/lib/series-check-cache.sh
source "$PROJECT/scripts/lib/series-check-cache.sh"

SERIES_BASE_TAG=series-base
PROG=series

# in_subshell CMD...: CMD may die (exit) without ending this test.
in_subshell()
{
	("$@")
}

run "$PROJECT/scripts/series" check --help
missing=
for entry in "${SERIES_CHECKS[@]}"; do
	grep -Eq "^  ${entry%%|*} " "$OUT" || missing+=" ${entry%%|*}"
done
check_true "check --help describes every listed check (missing:${missing:- none})" test -z "$missing"

# A check that exists only here: one entry and one function.
check_probe()
{
	echo "$1" >"$WORK/probe.dir"
	set_check_result "$1" probe 3 fail
}
SERIES_CHECKS+=("probe|commit|self|true|looks at nothing, for this test")
load_check_list
check_true "a new entry becomes a column" test "${CHECK_NAMES[-1]}" = probe
run usage_check
check_true "... and a paragraph of the help" grep -Eq '^  probe +looks at nothing, for this test$' "$OUT"
mkdir -p "$WORK/c/1"
run_check_task "$WORK/c/1" probe
check_true "... and is dispatched to its function" \
	test "$(cat "$WORK/probe.dir")-$(cat "$WORK/c/1/probe.result")" = "$WORK/c/1-fail"

# The preflight asks for the tools of the listed checks only.
K=$WORK/linux
mkdir -p "$K/tools/testing/selftests" "$K/scripts"
touch "$K/Makefile" "$K/scripts/checkpatch.pl"
export KDIR=$K
fake_tools()
{
	local t

	mkdir -p "$WORK/bin"
	for t in "$@"; do
		printf '#!/bin/sh\n' >"$WORK/bin/$t"
		chmod +x "$WORK/bin/$t"
	done
}
fake_tools make gcc clang cgcc sparse perl codespell python3 qemu-system-x86_64 git true
export PATH=$WORK/bin:$PATH
SERIES_CHECKS[-1]="probe|commit|self|nosuchtool-probe|looks at nothing"
load_check_list
check_fails_with "a missing tool of a listed check fails the preflight in one line" \
	"'nosuchtool-probe' not found" in_subshell check_preflight
drop_check probe
check_true "without that check the preflight passes" in_subshell check_preflight
drop_check gcc
check_true "dropping a check drops the checks it makes (gcc: sparse)" \
	test "${CHECK_NAMES[*]}" = "clang checkpatch codespell hygiene conform"

SERIES_CHECKS[-1]="probe|commit|self||"
check_fails_with "an entry without help is refused in one line" \
	"bad SERIES_CHECKS entry 'probe" in_subshell load_check_list
SERIES_CHECKS[-1]="nofunction|commit|self||listed without a function"
check_fails_with "a listed check without its function is refused in one line" \
	"'nofunction' is listed but check_nofunction is not defined" in_subshell load_check_list
SERIES_CHECKS[-1]="probe|commit|sometimes||bad judged field"
check_fails_with "a judged field other than self or parent is refused" \
	"judged must be self or parent" in_subshell load_check_list
tap_done
