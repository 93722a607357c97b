# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series check': run the checks of series-checks.sh on every commit of a
# range, a few at a time, and print one table of commits x checks.

CHECK_NAMES=(gcc clang sparse checkpatch codespell hygiene conform)

usage_check()
{
	cat <<USAGE
Usage: series check [--jobs N] [--no-conformance] [RANGE]

Check every commit of RANGE in the scratch repo (default: the whole series,
$SERIES_BASE_TAG..HEAD; a single commit checks just that one):

  gcc, clang   out-of-tree build (Kbuild-oot) of the commit; the cell counts
               warnings. It fails when the build breaks, when the commit has
               more warnings than its parent, or when the series tip has any.
  sparse       every compile command of the gcc build replayed through
               'cgcc -no-compile'; counts sparse's findings in the mirror's
               files (not in kernel headers, not on the kselftest harness
               macros, whose functions are non-static by design); judged
               like the builds
  checkpatch   the kernel's checkpatch.pl --strict --no-tree on the patch,
               minus the types in scripts/checkpatch.ignore
  codespell    the commit message and the lines the commit adds
  hygiene      subject prefix (${SERIES_SUBJECT_PREFIXES[*]}),
               Signed-off-by matching From, a body of at least
               $SERIES_MIN_BODY_WORDS words, no trailing whitespace, new
               test programs in the Makefile and .gitignore
  conform      unwaived datasheet-rule violations in QEMU's igb trace of
               the commit's driver test (see 'series conformance'; one VM
               run per commit, after the other checks). It fails when the
               commit has more than its parent, or the tip has any

A cell is the number of findings; '!' marks a failure, 'err!' a build or a
tool that broke (see its log). Exits non-zero if any cell failed.

  --jobs N   checks run at once (default: the number of CPUs, $(nproc))
  --no-conformance  leave out the conform column and its VM runs
                    (also: SERIES_CHECK_CONFORMANCE=0)

Kernel source: KDIR, else Debian's linux-source-6.12 (see scripts/lib/common.sh).
USAGE
}

# Everything the checks need must be there before anything runs: a missing
# tool is one clear line, not a table of errors.
check_preflight()
{
	need_cmd make gcc clang cgcc sparse codespell perl git
	KSRC=$(kernel_source) || exit 1
	CHECKPATCH=$KSRC/scripts/checkpatch.pl
	[ -f "$CHECKPATCH" ] ||
		die "$CHECKPATCH missing: set KDIR to a complete kernel source tree"
	[ -f "$PROJECT_ROOT/scripts/checkpatch.ignore" ] ||
		die "scripts/checkpatch.ignore missing: restore it (one checkpatch type a line)"
	# shellcheck disable=SC2034 # read by check_checkpatch
	CHECKPATCH_IGNORE=$(checkpatch_ignore_list)
	export KDIR=$KSRC
}

# Lay out $CHECK_RUN/<n>/ for commit number n.
prepare_commit_dir()
{
	local n=$1 commit=$2 dir=$CHECK_RUN/$1

	mkdir -p "$dir"
	echo "$commit" >"$dir/commit"
	extract_commit "$commit" "$dir/src"
	sgit format-patch -1 --stdout --zero-commit --no-signature "$commit" \
		>"$dir/commit.patch"
}

# Run "dir name" tasks, at most $1 at a time. The first runs alone so that
# one-time set-up (kernel source, uapi headers) is not raced by the rest.
run_task_pool()
{
	local jobs=$1 running=0 task first=1

	shift
	for task in "$@"; do
		if [ "$running" -ge "$jobs" ]; then
			wait -n || true
			running=$((running - 1))
		fi
		# shellcheck disable=SC2086 # a task is two words on purpose
		( set -euo pipefail; run_check_task $task ) &
		running=$((running + 1))
		if [ "$first" = 1 ]; then
			wait
			running=0
			first=0
		fi
	done
	wait
}

cell_field()
{
	cat "$CHECK_RUN/$1/$2.$3" 2>/dev/null || echo "$4"
}

# The warning count of build $2 in the parent of commit number $1: from
# the previous row when that is the parent, else from a build made now.
# A parent that does not build counts as clean.
parent_build_count()
{
	local n=$1 name=$2 commit parent prev dir

	commit=$(cat "$CHECK_RUN/$n/commit")
	parent=$(sgit rev-parse "$commit^")
	prev=$((n - 1))
	if [ "$n" -gt 1 ] && [ "$(cat "$CHECK_RUN/$prev/commit")" = "$parent" ]; then
		dir=$CHECK_RUN/$prev
	else
		dir=$CHECK_RUN/parent-$n
		if [ ! -f "$dir/$name.result" ]; then
			mkdir -p "$dir"
			echo "$parent" >"$dir/commit"
			extract_commit "$parent" "$dir/src"
			# sparse comes with the gcc build.
			(set -euo pipefail; check_build "$dir" "${name/sparse/gcc}") || true
		fi
	fi
	# "fail" is a verdict on a build that worked: its count holds.
	case $(cell_field "${dir#"$CHECK_RUN"/}" "$name" result error) in
	ok | fail) cell_field "${dir#"$CHECK_RUN"/}" "$name" count 0 ;;
	*) echo 0 ;;
	esac
}

# Turn a raw build result into pass/fail: no new warning in any commit and
# none at all at the tip of the series.
judge_build_cell()
{
	local n=$1 name=$2 is_tip=$3 count parent

	[ "$(cell_field "$n" "$name" result error)" = ok ] || return 0
	count=$(cell_field "$n" "$name" count 0)
	[ "$count" -gt 0 ] || return 0
	if [ "$is_tip" = 1 ]; then
		echo fail >"$CHECK_RUN/$n/$name.result"
		echo "the tip of the series must have none" >"$CHECK_RUN/$n/$name.why"
		return 0
	fi
	parent=$(parent_build_count "$n" "$name")
	if [ "$count" -gt "$parent" ]; then
		echo fail >"$CHECK_RUN/$n/$name.result"
		echo "$((count - parent)) warning(s) more than its parent" >"$CHECK_RUN/$n/$name.why"
	fi
}

# What a cell shows: the count, '!' when it failed, 'err!' when the check
# could not run to the end, 'crash!' when it left no result at all.
cell_text()
{
	local n=$1 name=$2 result

	result=$(cell_field "$n" "$name" result crash)
	case $result in
	ok) cell_field "$n" "$name" count 0 ;;
	fail) echo "$(cell_field "$n" "$name" count 0)!" ;;
	error) echo "err!" ;;
	*) echo "crash!" ;;
	esac
}

print_check_table()
{
	local total=$1 n name subject

	printf '%3s  %-12s' '#' commit
	for name in "${CHECK_NAMES[@]}"; do
		printf ' %*s' "${#name}" "$name"
	done
	printf '  %s\n' subject
	for ((n = 1; n <= total; n++)); do
		printf '%3s  %-12s' "$n" "$(short_hash "$(cat "$CHECK_RUN/$n/commit")")"
		for name in "${CHECK_NAMES[@]}"; do
			printf ' %*s' "${#name}" "$(cell_text "$n" "$name")"
		done
		subject=$(subject_of "$(cat "$CHECK_RUN/$n/commit")")
		printf '  %.52s\n' "$subject"
	done
}

# The conform column: a traced VM run per commit, one after the other
# (each VM takes both CPUs), once the builds are done. The parent of the
# first commit is traced as well, for the comparison.
check_conformance()
{
	local total=$1 kernel n dir commit parent count parent_count pdir

	kernel=$(conformance_kernel)
	for ((n = 1; n <= total; n++)); do
		dir=$CHECK_RUN/$n
		commit=$(cat "$dir/commit")
		info "check: conformance of #$n (VM run)"
		conformance_run "$commit" "$dir/conformance" "$kernel"
		cp "$dir/conformance/conformance.log" "$dir/conform.log" 2>/dev/null || true
		if [ "$(conformance_cell "$dir/conformance")" = "err!" ]; then
			set_check_result "$dir" conform 0 error
			continue
		fi
		count=$(cat "$dir/conformance/conformance.count")
		awk -F'\t' 'NR > 1 && $7 == "no" { print $1 "  " $2 "  " $6 "x, first: " $4 " " $5 }' \
			"$dir/conformance/violations.tsv" >"$dir/conform.findings"
		set_check_result "$dir" conform "$count" ok
		parent=$(sgit rev-parse "$commit^")
		if [ "$n" -gt 1 ] && [ "$(cat "$CHECK_RUN/$((n - 1))/commit")" = "$parent" ]; then
			pdir=$CHECK_RUN/$((n - 1))/conformance
		else
			pdir=$CHECK_RUN/parent-$n/conformance
			conformance_run "$parent" "$pdir" "$kernel"
		fi
		parent_count=$(cat "$pdir/conformance.count" 2>/dev/null || echo 0)
		if [ "$n" = "$total" ] && [ "$commit" = "$(sgit rev-parse HEAD)" ] && [ "$count" -gt 0 ]; then
			set_check_result "$dir" conform "$count" fail
			echo "the tip of the series must have no unwaived violation" >"$dir/conform.why"
		elif [ "$count" -gt "$parent_count" ]; then
			set_check_result "$dir" conform "$count" fail
			echo "$((count - parent_count)) violation(s) more than its parent" >"$dir/conform.why"
		fi
	done
}

# Name each failed cell with its first findings and its log (on stderr);
# print the number of failed cells.
report_failed_cells()
{
	local total=$1 n name result failed=0 log

	for ((n = 1; n <= total; n++)); do
		for name in "${CHECK_NAMES[@]}"; do
			result=$(cell_field "$n" "$name" result crash)
			[ "$result" = ok ] && continue
			failed=$((failed + 1))
			log=$CHECK_RUN/$n/$name.log
			echo "--- #$n $name ($result): $(cell_field "$n" "$name" why "see $(project_rel "$log")")" >&2
			if [ "$result" = fail ]; then
				head -n 8 "$CHECK_RUN/$n/$name.findings" 2>/dev/null | sed 's/^/    /' >&2
			elif [ -f "$log" ]; then
				grep -E 'error|Error|undefined reference|\*\*\*' "$log" | head -n 8 | sed 's/^/    /' >&2
			fi
			echo "    log: $(project_rel "$log")" >&2
		done
	done
	echo "$failed"
}

series_check()
{
	local jobs range="" start n total tip name failed=0 conform=${SERIES_CHECK_CONFORMANCE:-1}
	local -a commits tasks=()

	jobs=$(nproc)
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_check; return 0 ;;
		--jobs)
			[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "check: --jobs needs a positive number"
			jobs=$2
			shift
			;;
		--no-conformance) conform=0 ;;
		-*) usage_check >&2; die "check: unknown option '$1'" ;;
		*)
			[ -z "$range" ] || die "check: one RANGE only"
			range=$1
			;;
		esac
		shift
	done
	require_scratch
	require_scratch_at_rest check
	load_series_commits "$range"
	commits=("${SERIES_COMMITS[@]}")
	if [ "${#commits[@]}" = 0 ]; then
		info "check: no commits in ${range:-$SERIES_BASE_TAG..HEAD} (empty series): nothing to check"
		return 0
	fi
	check_preflight
	if [ "$conform" = 1 ]; then
		need_cmd "${QEMU:-qemu-system-x86_64}" python3
	else
		local -a names=()
		for name in "${CHECK_NAMES[@]}"; do
			[ "$name" = conform ] || names+=("$name")
		done
		CHECK_NAMES=("${names[@]}")
	fi
	start=$(now)
	CHECK_RUN=$SERIES_OUT/check-$(basename "$SCRATCH")
	rm -rf "$CHECK_RUN"
	mkdir -p "$CHECK_RUN"
	total=${#commits[@]}
	for ((n = 1; n <= total; n++)); do
		prepare_commit_dir "$n" "${commits[n - 1]}"
		# sparse runs as part of the gcc build.
		for name in gcc clang; do
			tasks+=("$CHECK_RUN/$n $name")
		done
	done
	for ((n = 1; n <= total; n++)); do
		for name in checkpatch codespell hygiene; do
			tasks+=("$CHECK_RUN/$n $name")
		done
	done
	info "check: $total commit(s) x ${#CHECK_NAMES[@]} checks, $jobs at a time"
	run_task_pool "$jobs" "${tasks[@]}"
	tip=0
	for ((n = 1; n <= total; n++)); do
		[ "$n" = "$total" ] && [ "${commits[n - 1]}" = "$(sgit rev-parse HEAD)" ] && tip=1
		for name in gcc clang sparse; do
			judge_build_cell "$n" "$name" "$tip"
		done
	done
	[ "$conform" = 0 ] || check_conformance "$total"
	print_check_table "$total"
	failed=$(report_failed_cells "$total")
	if [ "$failed" -gt 0 ]; then
		die "check: $failed failed cell(s) in $total commit(s) ($(elapsed_since "$start"))"
	fi
	info "check: $total commit(s), all ${#CHECK_NAMES[@]} checks passed ($(elapsed_since "$start"))"
}
