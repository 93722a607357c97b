# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series test': the VM suite (scripts/vmtest) on the files of one commit,
# or of each commit in turn so that any commit can be bisected to.

VMTEST_ARGS=()

usage_test()
{
	cat <<USAGE
Usage: series test [--each] [RANGE] [-- VMTEST-OPTIONS]

Run the VM suite, scripts/vmtest --tree DIR, where DIR holds the files of a
commit of the scratch repo (kernel layout: DIR/tools/testing/selftests/vfio).

  (default)  at the tip of the series (HEAD; the base when the series is empty)
  --each     at every commit of RANGE (default: the whole series), one
             after the other, so that a bisection can land anywhere

Options after '--' go to every vmtest run (e.g. -- --kernel PATH --no-kvm);
see scripts/vmtest --help.

Prints vmtest's summary line and the time of each run, then the total.
Exits non-zero if any run fails.
USAGE
}

# Run vmtest on commit $1, number $2; print "<rc> <seconds> <summary>".
run_vmtest_at()
{
	local commit=$1 n=$2 dir start rc=0 summary

	dir=$SERIES_OUT/test-$(basename "$SCRATCH")/$n
	extract_commit "$commit" "$dir/src"
	info "test: #$n $(short_hash "$commit") $(subject_of "$commit")"
	start=$(now)
	# vmtest's own output scrolls by (a run takes minutes under TCG) and
	# is kept in the log.
	"$PROJECT_ROOT/scripts/vmtest" --tree "$dir/src" "${VMTEST_ARGS[@]}" </dev/null 2>&1 |
		tee "$dir/vmtest.log" | sed -u 's/^/    /' >&2 || rc=${PIPESTATUS[0]}
	summary=$(grep -E '^vmtest: ' "$dir/vmtest.log" | tail -n 1 || true)
	[ -n "$summary" ] || summary="no summary line (see $(project_rel "$dir/vmtest.log"))"
	echo "$rc $(($(now) - start)) $summary"
}

series_test()
{
	local each=0 range="" start n total line rc secs summary failed=0
	local passed=0 failed_cases=0 skipped=0 re
	local -a commits

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_test; return 0 ;;
		--each) each=1 ;;
		--)
			shift
			VMTEST_ARGS=("$@")
			break
			;;
		-*) usage_test >&2; die "test: unknown option '$1'" ;;
		*)
			[ -z "$range" ] || die "test: one RANGE only"
			range=$1
			;;
		esac
		shift
	done
	require_scratch
	[ -x "$PROJECT_ROOT/scripts/vmtest" ] ||
		die "scripts/vmtest missing or not executable: the VM suite is needed to test the series"
	lock_scratch
	require_scratch_at_rest test
	require_whole_series test
	if [ "$each" = 1 ]; then
		load_series_commits "$range"
		commits=("${SERIES_COMMITS[@]}")
		if [ "${#commits[@]}" = 0 ]; then
			info "test --each: no commits in ${range:-$SERIES_BASE_TAG..HEAD} (empty series): nothing to test"
			return 0
		fi
	else
		[ -z "$range" ] || die "test: RANGE needs --each (without it the tip is tested)"
		commits=("$(sgit rev-parse HEAD)")
	fi
	start=$(now)
	total=${#commits[@]}
	rm -rf "$SERIES_OUT/test-$(basename "$SCRATCH")"
	local -a rows=()
	for ((n = 1; n <= total; n++)); do
		line=$(run_vmtest_at "${commits[n - 1]}" "$n")
		read -r rc secs summary <<<"$line"
		[ "$rc" = 0 ] || failed=$((failed + 1))
		re='([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped'
		if [[ "$summary" =~ $re ]]; then
			passed=$((passed + BASH_REMATCH[1]))
			failed_cases=$((failed_cases + BASH_REMATCH[2]))
			skipped=$((skipped + BASH_REMATCH[3]))
		fi
		rows+=("$(printf '%3s  %-12s  %-4s %5ss  %s' "$n" \
			"$(short_hash "${commits[n - 1]}")" \
			"$([ "$rc" = 0 ] && echo ok || echo FAIL)" "$secs" "$summary")")
	done
	printf '%3s  %-12s  %-4s %6s  %s\n' '#' commit '' time 'vmtest summary'
	printf '%s\n' "${rows[@]}"
	# Cases over every run, in the plain form CI reads as a closing line.
	SERIES_TEST_TOTALS=$(printf '%d passed, %d failed, %d skipped' \
		"$passed" "$failed_cases" "$skipped")
	if [ "$failed" -gt 0 ]; then
		echo "series: $SERIES_TEST_TOTALS"
		die "test: $failed of $total run(s) failed (total $(elapsed_since "$start"))"
	fi
	info "test: $total run(s) passed (total $(elapsed_since "$start"))"
	echo "series: $SERIES_TEST_TOTALS"
}
