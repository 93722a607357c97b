# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series check': run the checks listed in series-check-list.sh on every
# commit of a range, a few at a time, and print one table of commits x
# checks. The columns, the help, the tool preflight and which function
# runs when all come from the list SERIES_CHECKS.

# The checks of this run (names, in list order), and each one's fields.
CHECK_NAMES=()
declare -gA CHECK_RUNS CHECK_JUDGED CHECK_TOOLS CHECK_HELP

# Read SERIES_CHECKS into CHECK_NAMES and the CHECK_* fields; a malformed
# entry is a bug in the list, said in one line.
load_check_list()
{
	local entry name runs judged tools help

	CHECK_NAMES=()
	for entry in "${SERIES_CHECKS[@]}"; do
		IFS='|' read -r name runs judged tools help <<<"$entry"
		if ! [[ $name =~ ^[a-z][a-z0-9_]*$ ]] || [ -z "$help" ]; then
			die "check: bad SERIES_CHECKS entry '$entry' (name|runs|judged|tools|help)"
		fi
		case $runs in
		commit | series) declare -F "check_$name" >/dev/null ||
			die "check: '$name' is listed but check_$name is not defined" ;;
		*) [[ " ${CHECK_NAMES[*]} " == *" $runs "* ]] ||
			die "check: '$name' is made by '$runs', which is not listed before it" ;;
		esac
		case $judged in
		self | parent) ;;
		*) die "check: '$name': judged must be self or parent, not '$judged'" ;;
		esac
		CHECK_NAMES+=("$name")
		CHECK_RUNS[$name]=$runs
		CHECK_JUDGED[$name]=$judged
		CHECK_TOOLS[$name]=$tools
		CHECK_HELP[$name]=$help
	done
}

# Leave check $1 out of this run, with the checks made by it.
drop_check()
{
	local name keep=()

	for name in "${CHECK_NAMES[@]}"; do
		[ "$name" = "$1" ] || [ "${CHECK_RUNS[$name]}" = "$1" ] || keep+=("$name")
	done
	CHECK_NAMES=("${keep[@]}")
}

# The checks of the list, one paragraph each, for the help.
check_list_help()
{
	local name

	for name in "${CHECK_NAMES[@]}"; do
		fold -s -w 60 <<<"${CHECK_HELP[$name]}" |
			awk -v n="$name" '{ sub(/ +$/, ""); printf "  %-12s %s\n", NR == 1 ? n : "", $0 }'
	done
}

usage_check()
{
	load_check_list
	cat <<USAGE
Usage: series check [--jobs N] [--no-conformance] [RANGE]

Check every commit of RANGE in the scratch repo (default: the whole series,
$SERIES_BASE_TAG..HEAD; a single commit checks just that one):

$(check_list_help)

A cell is the number of findings; '!' marks a failure, 'err!' a build or a
tool that broke, '-' a check not run because one it needs failed (the
conform run of a commit whose gcc build failed). Under the table, each such
cell in a line, with its first findings or errors (FILE:LINE: ...) and its
log. Exits non-zero if any cell failed.

  --jobs N   checks run at once (default: the number of CPUs, $(nproc))
  --no-conformance  leave out the conform column and its VM runs
                    (also: SERIES_CHECK_CONFORMANCE=0)

Kernel source: KDIR, else Debian's linux-source-6.12 (see scripts/lib/common.sh).
USAGE
}

# Everything the checks of this run need must be there before anything
# runs: a missing tool is one clear line, not a table of errors.
check_preflight()
{
	local name tools=()

	for name in "${CHECK_NAMES[@]}"; do
		# shellcheck disable=SC2206 # the field is a list of words
		tools+=(${CHECK_TOOLS[$name]})
	done
	need_cmd git "${tools[@]}"
	# Every build and the checkpatch check work against the kernel tree.
	KDIR=$(kernel_source) || exit 1
	export KDIR
	for name in "${CHECK_NAMES[@]}"; do
		! declare -F "prepare_$name" >/dev/null || "prepare_$name"
	done
}

# Run check $2 on commit directory $1. Meant for a background job: any
# failure inside leaves no .result, which the table shows as a crash.
run_check_task()
{
	cached_check "$1" "$2"
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

# run_task_pool JOBS CMD TASK...: 'CMD TASK' for each TASK (its words are
# CMD's arguments), at most JOBS at a time, each in a subshell of its own.
# The first runs alone so that one-time set-up (kernel source, uapi
# headers, the static build's tools) is not raced by the rest.
run_task_pool()
{
	local jobs=$1 cmd=$2 running=0 task first=1

	shift 2
	for task in "$@"; do
		if [ "$running" -ge "$jobs" ]; then
			wait -n || true
			running=$((running - 1))
		fi
		# shellcheck disable=SC2086 # a task is several words on purpose
		( set -euo pipefail; "$cmd" $task ) &
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

# The count of check $2 in the parent of commit number $1: from the
# previous row when that is the parent, else from a run made now. A
# parent on which the check cannot run (a build that breaks) counts as
# clean.
parent_count()
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
			# A check made by another is made by running that one.
			(set -euo pipefail; run_check_task "$dir" "$(check_maker "$name")") || true
		fi
	fi
	# "fail" is a verdict on a build that worked: its count holds. A
	# count that cannot be read is taken as 0, so that every finding of
	# the commit counts as new.
	case $(cell_field "${dir#"$CHECK_RUN"/}" "$name" result error) in
	ok | fail)
		count=$(cell_field "${dir#"$CHECK_RUN"/}" "$name" count 0)
		[[ $count =~ ^[0-9]+$ ]] || count=0
		echo "$count"
		;;
	*) echo 0 ;;
	esac
}

# The count of findings of cell $1 $2, or nothing when it is not a
# number (an empty, cut or overwritten file).
cell_count()
{
	local count

	count=$(cell_field "$1" "$2" count 0)
	[[ $count =~ ^[0-9]+$ ]] && echo "$count"
	return 0
}

# Every cell that says ok or fail must have a count that is a number;
# one that does not fails, saying so, whatever its check's rule (a
# result that cannot be read never passes).
fail_unreadable_counts()
{
	local total=$1 n name raw

	for ((n = 1; n <= total; n++)); do
		for name in "${CHECK_NAMES[@]}"; do
			case $(cell_field "$n" "$name" result crash) in ok | fail) ;; *) continue ;; esac
			[ -z "$(cell_count "$n" "$name")" ] || continue
			raw=$(cell_field "$n" "$name" count '' | head -c 40 | tr -c '[:print:]' '?')
			echo fail >"$CHECK_RUN/$n/$name.result"
			echo "its count of findings cannot be read ('$raw')" >"$CHECK_RUN/$n/$name.why"
		done
	done
}

# The check whose function leaves check $1's result: itself, or the one
# its "runs" field names.
check_maker()
{
	case ${CHECK_RUNS[$1]} in
	commit | series) echo "$1" ;;
	*) echo "${CHECK_RUNS[$1]}" ;;
	esac
}

# Turn the raw result of a check judged against the parent into pass/fail:
# no new finding in any commit and none at all at the tip of the series.
judge_against_parent()
{
	local n=$1 name=$2 is_tip=$3 count parent raw

	[ "$(cell_field "$n" "$name" result error)" = ok ] || return 0
	count=$(cell_count "$n" "$name")
	if [ -z "$count" ]; then
		raw=$(cell_field "$n" "$name" count '' | head -c 40 | tr -c '[:print:]' '?')
		echo fail >"$CHECK_RUN/$n/$name.result"
		echo "its count of findings cannot be read ('$raw')" >"$CHECK_RUN/$n/$name.why"
		return 0
	fi
	[ "$count" -gt 0 ] || return 0
	if [ "$is_tip" = 1 ]; then
		echo fail >"$CHECK_RUN/$n/$name.result"
		echo "the tip of the series must have none" >"$CHECK_RUN/$n/$name.why"
		return 0
	fi
	parent=$(parent_count "$n" "$name")
	if [ "$count" -gt "$parent" ]; then
		echo fail >"$CHECK_RUN/$n/$name.result"
		echo "$((count - parent)) finding(s) more than its parent" >"$CHECK_RUN/$n/$name.why"
	fi
}

# What a cell shows: the count, '!' when it failed, 'err!' when the check
# could not run to the end, '-' when it was not run because one it needs
# failed, 'crash!' when it left no result at all.
cell_text()
{
	local n=$1 name=$2 result

	result=$(cell_field "$n" "$name" result crash)
	case $result in
	ok) cell_count "$n" "$name" ;;
	fail) echo "$(cell_count "$n" "$name")!" ;;
	error) echo "err!" ;;
	notrun) echo "-" ;;
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

# Name each failed cell with its first findings or errors and its log,
# and each cell not run with why (on stderr); print the number of failed
# cells, then the number not run.
report_failed_cells()
{
	local total=$1 n name result failed=0 notrun=0 log

	for ((n = 1; n <= total; n++)); do
		for name in "${CHECK_NAMES[@]}"; do
			result=$(cell_field "$n" "$name" result crash)
			[ "$result" = ok ] && continue
			if [ "$result" = notrun ]; then
				notrun=$((notrun + 1))
				echo "--- #$n $name: $(cell_field "$n" "$name" why "not run")" >&2
				continue
			fi
			failed=$((failed + 1))
			log=$CHECK_RUN/$n/$name.log
			echo "--- #$n $name ($result): $(cell_field "$n" "$name" why "see $(project_rel "$log")")" >&2
			if [ "$result" = fail ]; then
				head -n 8 "$CHECK_RUN/$n/$name.findings" 2>/dev/null | sed 's/^/    /' >&2
			elif [ -f "$CHECK_RUN/$n/$name.errors" ]; then
				head -n 8 "$CHECK_RUN/$n/$name.errors" | sed 's/^/    /' >&2
			elif [ -s "$log" ]; then
				# A tool that broke says why last.
				awk 'NF' "$log" | tail -n 3 | sed 's/^/    /' >&2
			fi
			echo "    log: $(project_rel "$log")" >&2
		done
	done
	echo "$failed $notrun"
}

# "; N results kept from an earlier run", when there were any.
kept_note()
{
	local kept

	kept=$(check_cache_hits "$CHECK_RUN")
	[ "$kept" = 0 ] ||
		echo "; $kept result(s) kept from an earlier run with the same inputs, SERIES_CHECK_CACHE=0 to redo them"
}

series_check()
{
	local jobs range="" start n total tip name failed=0 notrun=0
	local conform=${SERIES_CHECK_CONFORMANCE:-1}
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
	lock_scratch
	require_scratch_at_rest check
	require_whole_series check
	load_series_commits "$range"
	commits=("${SERIES_COMMITS[@]}")
	if [ "${#commits[@]}" = 0 ]; then
		info "check: no commits in ${range:-$SERIES_BASE_TAG..HEAD} (empty series): nothing to check"
		return 0
	fi
	load_check_list
	[ "$conform" = 1 ] || drop_check conform
	check_preflight
	check_cache_prepare
	start=$(now)
	CHECK_RUN=$SERIES_OUT/check-$(basename "$SCRATCH")
	rm -rf "$CHECK_RUN"
	mkdir -p "$CHECK_RUN"
	total=${#commits[@]}
	for ((n = 1; n <= total; n++)); do
		prepare_commit_dir "$n" "${commits[n - 1]}"
	done
	# Check by check, so that the first task (the first commit's build)
	# runs alone and the builds start before the quick checks.
	for name in "${CHECK_NAMES[@]}"; do
		[ "${CHECK_RUNS[$name]}" = commit ] || continue
		for ((n = 1; n <= total; n++)); do
			tasks+=("$CHECK_RUN/$n $name")
		done
	done
	info "check: $total commit(s) x ${#CHECK_NAMES[@]} checks, $jobs at a time"
	run_task_pool "$jobs" run_check_task "${tasks[@]}"
	tip=0
	fail_unreadable_counts "$total"
	for ((n = 1; n <= total; n++)); do
		[ "$n" = "$total" ] && [ "${commits[n - 1]}" = "$(sgit rev-parse HEAD)" ] && tip=1
		for name in "${CHECK_NAMES[@]}"; do
			[ "${CHECK_JUDGED[$name]}" = self ] || judge_against_parent "$n" "$name" "$tip"
		done
	done
	for name in "${CHECK_NAMES[@]}"; do
		[ "${CHECK_RUNS[$name]}" != series ] || "check_$name" "$total"
	done
	print_check_table "$total"
	read -r failed notrun < <(report_failed_cells "$total")
	if [ "$failed" -gt 0 ] || [ "$notrun" -gt 0 ]; then
		[ "$notrun" = 0 ] || failed="$failed failed cell(s) and $notrun not run"
		[ "$notrun" != 0 ] || failed="$failed failed cell(s)"
		die "check: $failed in $total commit(s) ($(elapsed_since "$start"))$(kept_note)"
	fi
	info "check: $total commit(s), all ${#CHECK_NAMES[@]} checks passed ($(elapsed_since "$start"))$(kept_note)"
}
