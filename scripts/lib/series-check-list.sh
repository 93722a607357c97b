# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The per-commit checks of 'series check': the list SERIES_CHECKS and one
# check_<name> function per check. series-check-runner.sh derives the
# table's columns, the help, the tool preflight and the dispatch from the
# list; adding a check is one entry and one function.
#
# A check_<name> of a "commit" check looks at one commit, prepared by the
# runner in $CHECK_RUN/<n>/:
#   commit        the commit's hash
#   src/          its files (the kernel layout: tools/testing/selftests/vfio)
#   commit.patch  the commit as 'git format-patch' writes it
# and leaves <name>.log (what it saw), <name>.count (how many findings),
# <name>.findings (one a line, shown for a failed cell) and <name>.result:
# "ok", "fail", or "error" when it could not do its job (a build that
# breaks, a tool that crashes); set_check_result writes count and result.
# <name>.why, when there, says why a cell failed in one line.

# The subject prefixes the series uses; the longest is tried first.
SERIES_SUBJECT_PREFIXES=("selftests/vfio: igb: " "selftests/vfio: ")
# A body shorter than this cannot say why a change is made.
SERIES_MIN_BODY_WORDS=10
MIRROR_PATH=tools/testing/selftests/vfio

# The checks, in the order of the table's columns, one entry a check:
#   name|runs|judged|tools|help
# runs    "commit": check_<name> DIR for each commit, several at a time;
#         "series": check_<name> TOTAL once, after those, for a check
#         whose runs must not overlap (a VM each); the name of another
#         check: that check's function leaves this one's result as well
# judged  "self": the result the check leaves stands; "parent": a count
#         above the parent commit's fails the cell, and so does any count
#         at the tip of the series (the parent is built when it is not
#         the previous row)
# tools   commands that must be there before anything runs; a check
#         with more to prepare (a file, a variable) has prepare_<name>
# help    what it checks, for 'series check --help'
# shellcheck disable=SC2034 # read by series-check-runner.sh
SERIES_CHECKS=(
	"gcc|commit|parent|make gcc|out-of-tree build (Kbuild-oot) of the commit with gcc; the cell counts warnings. It fails when the build breaks, when the commit has more warnings than its parent, or when the series tip has any"
	"clang|commit|parent|make clang|the same with clang (LLVM=1)"
	"sparse|gcc|parent|cgcc sparse|every compile command of the gcc build replayed through 'cgcc -no-compile'; counts sparse's findings in the mirror's files (not in kernel headers, not on the kselftest harness macros, whose functions are non-static by design); judged like the builds"
	"checkpatch|commit|self|perl|the kernel's checkpatch.pl --strict --no-tree on the patch, minus the types in scripts/checkpatch.ignore"
	"codespell|commit|self|codespell|the commit message and the lines the commit adds"
	"hygiene|commit|self|git|subject prefix (${SERIES_SUBJECT_PREFIXES[*]}), Signed-off-by matching From, a body of at least $SERIES_MIN_BODY_WORDS words, no trailing whitespace, new test programs in the Makefile and .gitignore"
	"conform|series|self|python3|unwaived datasheet-rule violations in QEMU's igb trace of the commit's driver test (see 'series conformance'; one VM run per commit, after the other checks). It fails when the commit has more than its parent, or the tip has any"
)

set_check_result()
{
	local dir=$1 name=$2 count=$3 result=$4

	echo "$count" >"$dir/$name.count"
	echo "$result" >"$dir/$name.result"
}

check_gcc()
{
	check_build "$1" gcc
}

check_clang()
{
	check_build "$1" clang
}

# Build the commit out of tree with gcc or clang ($2). Warnings are
# counted, not made fatal: the count of every commit is needed to tell a
# commit that adds a warning from one that inherits it, and -Werror would
# hide the rest of a file's warnings after the first. The gcc build also
# feeds the sparse check. V=1: the compile commands must be in the log.
check_build()
{
	local dir=$1 flavor=$2 out log rc=0 count
	local -a args=(V=1)

	out=$dir/build-$flavor
	log=$dir/$flavor.log
	[ "$flavor" = clang ] && args+=(LLVM=1)
	# Nothing from the caller's environment may change the build: not a
	# LLVM= or WERROR= of its own, and not the MAKEFLAGS of a 'make check'
	# (its jobserver is not ours, and make would warn about that).
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u LLVM -u STATIC -u WERROR -u CC \
		make -k -C "$PROJECT_ROOT/Kbuild-oot" TREE="$dir/src" O="$out" \
		"${args[@]}" >"$log" 2>&1 || rc=$?
	grep ': warning: ' "$log" >"$dir/$flavor.findings" || true
	count=$(wc -l <"$dir/$flavor.findings")
	if [ "$rc" != 0 ]; then
		build_errors "$out" <"$log" >"$dir/$flavor.errors"
		echo "the build failed (make exit $rc); its errors:" >"$dir/$flavor.why"
		set_check_result "$dir" "$flavor" "$count" error
	else
		set_check_result "$dir" "$flavor" "$count" ok
	fi
	[ "$flavor" = gcc ] && check_sparse "$dir" "$out"
	# The objects cannot serve another commit; only the logs are kept.
	rm -rf "$out"
}

# sparse on every file the gcc build compiled, with the very same flags:
# each compile command of the build log is replayed through
# 'cgcc -no-compile', which runs sparse only. That is exact and costs a
# fraction of a second compile pass.
check_sparse()
{
	local dir=$1 out=$2 line cmds=0 count
	local log=$dir/sparse.log skel=$out/skel/$MIRROR_PATH
	local re='^(gcc|cc|gcc-[0-9]+)[[:space:]].*[[:space:]]-c[[:space:]]'

	: >"$log"
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		cmds=$((cmds + 1))
		echo "# ${line##* -c }" >>"$log"
		(cd "$skel" && bash -c "cgcc -no-compile ${line#* }") >>"$log" 2>&1 || true
	done <"$dir/gcc.log"
	sparse_findings "$out" "$dir/src" <"$log" >"$dir/sparse.findings"
	count=$(wc -l <"$dir/sparse.findings")
	if [ "$cmds" = 0 ]; then
		echo "no compile command in gcc.log: the gcc build stopped before compiling" >>"$log"
		echo "not run: the gcc build stopped before it compiled anything" >"$dir/sparse.why"
		set_check_result "$dir" sparse "$count" notrun
	else
		set_check_result "$dir" sparse "$count" ok
	fi
}

# The --ignore list for checkpatch: the first word of each line of
# scripts/checkpatch.ignore, comments and blank lines skipped.
checkpatch_ignore_list()
{
	sed -e 's/#.*//' "$PROJECT_ROOT/scripts/checkpatch.ignore" |
		awk 'NF { printf "%s%s", sep, $1; sep = "," }'
}

prepare_checkpatch()
{
	CHECKPATCH=$KDIR/scripts/checkpatch.pl
	[ -f "$CHECKPATCH" ] ||
		die "$CHECKPATCH missing: set KDIR to a complete kernel source tree"
	[ -f "$PROJECT_ROOT/scripts/checkpatch.ignore" ] ||
		die "scripts/checkpatch.ignore missing: restore it (one checkpatch type a line)"
	CHECKPATCH_IGNORE=$(checkpatch_ignore_list)
}

check_checkpatch()
{
	local dir=$1 log=$1/checkpatch.log total count

	# No .git in the working directory: checkpatch then does not ask git
	# about the project this script happens to run in.
	(cd "$dir" && perl "$CHECKPATCH" --no-tree --strict --show-types \
		--ignore "$CHECKPATCH_IGNORE" - <"$dir/commit.patch") >"$log" 2>&1 || true
	checkpatch_findings <"$log" >"$dir/checkpatch.findings"
	total=$(grep -E '^total: [0-9]+ errors, [0-9]+ warnings, ([0-9]+ checks, )?[0-9]+ lines checked' "$log" || true)
	if [ -z "$total" ]; then
		set_check_result "$dir" checkpatch 0 error
		return
	fi
	count=$(echo "$total" | awk '{ n = $2 + $4; if ($7 == "checks,") n += $6; print n }')
	if [ "$count" = 0 ]; then
		set_check_result "$dir" checkpatch 0 ok
	else
		set_check_result "$dir" checkpatch "$count" fail
	fi
}

# codespell over what the commit writes: its message and the lines it adds.
# Context and removed lines are someone else's spelling.
check_codespell()
{
	local dir=$1 text=$1/codespell.txt rc=0 count

	{
		sgit log -1 --format=%B "$(cat "$dir/commit")"
		sgit show --format= --no-color --unified=0 "$(cat "$dir/commit")" |
			awk '/^\+\+\+ / { print "=== " substr($0, 5); next }
			     /^\+/ { print substr($0, 2) }'
	} >"$text"
	codespell "$text" >"$dir/codespell.log" 2>&1 || rc=$?
	grep ' ==> ' "$dir/codespell.log" >"$dir/codespell.findings" || true
	count=$(wc -l <"$dir/codespell.findings")
	# codespell exits 65 when it found something, other values on trouble.
	if [ "$rc" != 0 ] && [ "$rc" != 65 ]; then
		set_check_result "$dir" codespell "$count" error
	elif [ "$count" = 0 ]; then
		set_check_result "$dir" codespell 0 ok
	else
		set_check_result "$dir" codespell "$count" fail
	fi
}

hygiene_subject()
{
	local subject=$1 prefix

	for prefix in "${SERIES_SUBJECT_PREFIXES[@]}"; do
		if [[ $subject == "$prefix"* ]]; then
			[ -n "${subject#"$prefix"}" ] || echo "subject has nothing after '$prefix'"
			[ ${#subject} -le 75 ] || echo "subject longer than 75 characters"
			[[ $subject != *. ]] || echo "subject ends with a period"
			return
		fi
	done
	echo "subject does not start with one of: ${SERIES_SUBJECT_PREFIXES[*]}"
}

hygiene_signoff()
{
	local commit=$1 author

	author=$(sgit log -1 --format='%an <%ae>' "$commit")
	sgit log -1 --format=%B "$commit" | sgit interpret-trailers --parse |
		grep -Fqx "Signed-off-by: $author" ||
		echo "no 'Signed-off-by: $author' (the From: of the patch)"
}

hygiene_body()
{
	local commit=$1 words

	# The subject and trailer lines (Foo-by:, Link:, ...) do not count.
	words=$(sgit log -1 --format=%b "$commit" |
		{ grep -Ev '^[A-Za-z-]+: ' || true; } | wc -w)
	[ "$words" -ge "$SERIES_MIN_BODY_WORDS" ] ||
		echo "commit message body has $words words; say why the change is made"
}

hygiene_whitespace()
{
	local commit=$1

	sgit diff --check "$commit^" "$commit" | grep -E '^[^+].*:[0-9]+: ' |
		sed 's/^/whitespace: /' || true
	sgit log -1 --format=%B "$commit" | grep -n '[[:space:]]$' |
		sed 's/^\([0-9]*\):.*/trailing whitespace in commit message line \1/' || true
}

# A test program added by the commit must be built (Makefile) and its
# binary ignored (.gitignore), both as of this very commit.
hygiene_new_tests()
{
	local dir=$1 commit=$2 file name progs

	progs=$(sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$dir/src/$MIRROR_PATH/Makefile" 2>/dev/null |
		grep -E '^TEST_GEN_PROGS(_EXTENDED)?[[:space:]]*[:+]?=' || true)
	while IFS= read -r file; do
		[[ $file =~ ^$MIRROR_PATH/([^/]+)\.c$ ]] || continue
		name=${BASH_REMATCH[1]}
		grep -Eq "[=[:space:]]$name([[:space:]]|$)" <<<"$progs" ||
			echo "new test $name is not in TEST_GEN_PROGS of $MIRROR_PATH/Makefile"
		GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
			git -C "$dir/src" --git-dir="$SCRATCH/.git" --work-tree=. \
			check-ignore -q --no-index "$MIRROR_PATH/$name" ||
			echo "new test $name is not ignored by a .gitignore"
	done < <(sgit diff-tree -r --no-commit-id --name-only --diff-filter=A "$commit")
}

check_hygiene()
{
	local dir=$1 commit count

	commit=$(cat "$dir/commit")
	{
		hygiene_subject "$(sgit log -1 --format=%s "$commit")"
		hygiene_signoff "$commit"
		hygiene_body "$commit"
		hygiene_whitespace "$commit"
		hygiene_new_tests "$dir" "$commit"
	} >"$dir/hygiene.findings"
	cp "$dir/hygiene.findings" "$dir/hygiene.log"
	count=$(wc -l <"$dir/hygiene.findings")
	if [ "$count" = 0 ]; then
		set_check_result "$dir" hygiene 0 ok
	else
		set_check_result "$dir" hygiene "$count" fail
	fi
}

# Why a conformance run of directory $1 left no verdict, in one line:
# the VM run that made no trace (its exit status and last line), or the
# checker's own complaint.
conform_error_why()
{
	local dir=$1 rc

	rc=$(cat "$dir/vmtest.rc" 2>/dev/null || echo "?")
	if [ ! -s "$dir/vm/igb-trace.log" ] && [ "$rc" != 0 ]; then
		echo "no trace: the VM run failed (vmtest exit $rc: $(awk 'NF { l = $0 } END { print l }' "$dir/vmtest.log" 2>/dev/null))"
	else
		echo "the trace could not be judged: $(awk 'NF { l = $0 } END { print l }' "$dir/conformance.log" 2>/dev/null)"
	fi
}

prepare_conform()
{
	need_cmd "$QEMU"
}

# The conform column: a traced VM run per commit, one after the other
# (each VM takes both CPUs), once the builds are done. The parent of the
# first commit is traced as well, for the comparison.
check_conform()
{
	local total=$1 kernel="" n dir commit parent count parent_count pdir jobs
	local -a runs=() parent_dirs=()

	# Which VM runs are needed: each commit's, and its parent's where the
	# row above is not the parent. A commit whose gcc build failed gets
	# none: its test program would not build in the VM either.
	for ((n = 1; n <= total; n++)); do
		dir=$CHECK_RUN/$n
		commit=$(cat "$dir/commit")
		if [ "$(cat "$dir/gcc.result" 2>/dev/null)" = error ]; then
			echo "not run: the gcc build failed (see gcc)" >"$dir/conform.why"
			set_check_result "$dir" conform 0 notrun
			continue
		fi
		[ -n "${kernel:-}" ] || kernel=$(conformance_kernel)
		runs+=("$commit $dir/conformance $kernel")
		parent=$(sgit rev-parse "$commit^")
		if [ "$n" -gt 1 ] && [ "$(cat "$CHECK_RUN/$((n - 1))/commit")" = "$parent" ]; then
			parent_dirs[n]=$CHECK_RUN/$((n - 1))/conformance
		else
			parent_dirs[n]=$CHECK_RUN/parent-$n/conformance
			runs+=("$parent ${parent_dirs[n]} $kernel")
		fi
	done
	# As many at a time as there are CPUs: a traced guest runs on the
	# real clock, so vmtest lets one boot at a time, and the next one's
	# build overlaps it.
	jobs=$(nproc)
	[ "${#runs[@]}" = 0 ] || {
		info "check: conformance: ${#runs[@]} trace(s), $jobs at a time (a kept result takes no VM run)"
		run_task_pool "$jobs" conformance_run "${runs[@]}"
	}
	for ((n = 1; n <= total; n++)); do
		dir=$CHECK_RUN/$n
		commit=$(cat "$dir/commit")
		[ "$(cat "$dir/conform.result" 2>/dev/null)" != notrun ] || continue
		cp "$dir/conformance/conformance.log" "$dir/conform.log" 2>/dev/null || true
		if [ "$(conformance_cell "$dir/conformance")" = "err!" ]; then
			conform_error_why "$dir/conformance" >"$dir/conform.why"
			set_check_result "$dir" conform 0 error
			continue
		fi
		count=$(cat "$dir/conformance/conformance.count")
		awk -F'\t' 'NR > 1 && $7 == "no" { print $1 "  " $2 "  " $6 "x, first: " $4 " " $5 }' \
			"$dir/conformance/violations.tsv" >"$dir/conform.findings"
		set_check_result "$dir" conform "$count" ok
		pdir=${parent_dirs[n]}
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
