#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What 'series check' says under its table about a failed cell: a build
# broken on purpose (an unused variable; the mirror builds with -Werror)
# must show the compiler's error line with FILE:LINE, not the compile
# commands whose -Werror matches "error"; checkpatch's findings are led by
# FILE:LINE; and the conform cell of a commit whose build failed is not
# run, and says so, instead of a VM run that cannot build. One real gcc
# build of tree/ (about half a minute), no VM.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2034 # read by common.sh
PROG=series
# shellcheck source=../../../scripts/lib/common.sh
source "$PROJECT/scripts/lib/common.sh"
# shellcheck source=../../../scripts/lib/series-identity.sh
source "$PROJECT/scripts/lib/series-identity.sh"
# shellcheck source=../../../scripts/lib/series-repo.sh
source "$PROJECT/scripts/lib/series-repo.sh"
# Absent before the parsers had a file of their own; the test then
# exercises what the old code does.
if [ -f "$PROJECT/scripts/lib/series-check-findings.sh" ]; then
	# shellcheck source=../../../scripts/lib/series-check-findings.sh
	source "$PROJECT/scripts/lib/series-check-findings.sh"
fi
# shellcheck source=../../../scripts/lib/series-check-list.sh
source "$PROJECT/scripts/lib/series-check-list.sh"
# shellcheck source=../../../scripts/lib/series-check-runner.sh
source "$PROJECT/scripts/lib/series-check-runner.sh"
# shellcheck source=../../../scripts/lib/series-conformance.sh
source "$PROJECT/scripts/lib/series-conformance.sh"

IGB=tools/testing/selftests/vfio/lib/drivers/igb/igb.c
CHECK_RUN=$WORK/run

# The lines 'series check' prints under its table for cell #1 $1: from
# its "--- #1 $1" line to the next "---" line.
cell_report()
{
	awk -v head="--- #1 $1" '
		index($0, head) == 1 { on = 1; print; next }
		on && /^--- / { exit }
		on { print }
	' "$ERR"
}

# A gcc build of tree/ with an unused variable added at the end of the
# igb driver: the cell must say the build failed, and its first line
# under that must be gcc's "FILE:LINE:COL: error: unused variable".
broken_build()
{
	local dir=$CHECK_RUN/1 line report want

	mkdir -p "$dir/src"
	cp -a "$PROJECT/tree/." "$dir/src/"
	line=$(($(wc -l <"$dir/src/$IGB") + 5))
	printf '\nvoid series_check_probe(void);\nvoid series_check_probe(void)\n{\n\tint unused_on_purpose;\n}\n' \
		>>"$dir/src/$IGB"
	KDIR=$(kernel_source) || { not_ok "no kernel source for the build"; return; }
	export KDIR
	check_build "$dir" gcc
	CHECK_NAMES=(gcc)
	run report_failed_cells 1
	report=$(cell_report gcc)
	want="$IGB:$line:[0-9]+: error: unused variable"
	if [ "$(cat "$dir/gcc.result")" != error ]; then
		not_ok "broken build: the gcc cell is '$(cat "$dir/gcc.result")', not error"
	elif head -n 1 <<<"$report" | grep -Eq -- "^--- #1 gcc \(error\): the build failed" &&
	     sed -n 2p <<<"$report" | grep -Eq -- "^    $want"; then
		ok "broken build: the cell names gcc's error ($(sed -n 2p <<<"$report" | sed 's/^ *//' | cut -c1-90))"
	else
		not_ok "broken build: no '$want' leading the gcc cell's report" \
			"$(head -n 3 <<<"$report" | cut -c1-160)"
	fi
	if grep -Eq -- '^    (gcc|cc|clang) .* -c ' <<<"$report"; then
		not_ok "broken build: a compile command (its -Werror matches 'error') in the cell's report"
	else
		ok "broken build: no compile command in the cell's report"
	fi
}

# checkpatch's report, as it prints it: each finding must come out led
# by the file and line it is about.
checkpatch_lines()
{
	local dir=$CHECK_RUN/2

	mkdir -p "$dir"
	cat >"$dir/checkpatch.log" <<'LOG'
WARNING:FILE_PATH_CHANGES: added, moved or deleted file(s), does MAINTAINERS need updating?
#12: 
new file mode 100644

ERROR:TRAILING_WHITESPACE: trailing whitespace
#17: FILE: tools/testing/selftests/vfio/t.c:2:
+int x;  $

total: 1 errors, 1 warnings, 0 checks, 2 lines checked
LOG
	if ! declare -F checkpatch_findings >/dev/null; then
		not_ok "checkpatch: no parser that gives FILE:LINE (only the ERROR:/WARNING: lines are kept)"
		return
	fi
	checkpatch_findings <"$dir/checkpatch.log" >"$dir/out"
	if [ "$(cat "$dir/out")" = "patch line 12: WARNING:FILE_PATH_CHANGES: added, moved or deleted file(s), does MAINTAINERS need updating?
tools/testing/selftests/vfio/t.c:2: ERROR:TRAILING_WHITESPACE: trailing whitespace" ]; then
		ok "checkpatch: each finding led by FILE:LINE (or its patch line)"
	else
		not_ok "checkpatch: findings are '$(paste -sd'|' "$dir/out")'"
	fi
}

# The conform column on a commit whose gcc build failed: no VM run is
# asked for, the cell is '-' and the report says it was not run because
# the build failed. The VM side is a stand-in that records what it is
# asked; the scratch repo is a two-commit one.
conform_after_failed_build()
{
	local dir=$CHECK_RUN/1 commit

	SCRATCH=$WORK/scratch
	git init -q "$SCRATCH"
	git -C "$SCRATCH" -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m base
	git -C "$SCRATCH" -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m broken
	commit=$(git -C "$SCRATCH" rev-parse HEAD)
	echo "$commit" >"$dir/commit"
	conformance_kernel() { echo "$WORK/bzImage"; }
	conformance_run() { echo "$*" >>"$WORK/vm-runs"; }
	check_conform 1
	CHECK_NAMES=(gcc conform)
	run report_failed_cells 1
	if [ -s "$WORK/vm-runs" ]; then
		not_ok "conform after a failed build: VM runs asked for ($(wc -l <"$WORK/vm-runs"))"
	else
		ok "conform after a failed build: no VM run"
	fi
	if [ "$(cell_text 1 conform)" = - ] &&
	   grep -qx -- '--- #1 conform: not run: the gcc build failed (see gcc)' "$ERR"; then
		ok "conform after a failed build: cell '-', 'not run: the gcc build failed'"
	else
		not_ok "conform after a failed build: cell '$(cell_text 1 conform)', report: $(cell_report conform | head -n 2 | paste -sd'|' -)"
	fi
}

case "${1:-}" in
-h | --help) echo "Usage: ${0##*/}   (host test of series check's error output; see its header)"; exit 0 ;;
esac
broken_build
checkpatch_lines
conform_after_failed_build
tap_done
