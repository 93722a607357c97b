# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The checks of 'series upstream', in the kernel tree the series was made
# on: at the base and at every commit the kselftest build of the VFIO
# selftests with gcc, with clang and through sparse, and the tree's
# checkpatch.pl --strict on each patch; with --run, the tree's own suite at
# the base and at the tip on a test kernel built from the tree.

# make in the selftests of tree $1, the rest its arguments; nothing of
# the caller's make or compiler settings leaks in.
upstream_make()
{
	local tree=$1

	shift
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u LLVM -u CC -u KDIR -u O \
		make -C "$tree/tools/testing/selftests" TARGETS=vfio "$@"
}

# Build the VFIO selftests of tree $1 with flavor $2 (gcc, clang, sparse)
# into log $3. Prints the cell: the warning count, "err!" when the build
# failed, "miss!" when a test program was not built.
upstream_build_cell()
{
	local tree=$1 flavor=$2 log=$3 prog count
	local -a args=()

	case $flavor in
	clang) args=(LLVM=1) ;;
	sparse) args=(CC=cgcc) ;;
	esac
	upstream_make "$tree" clean >/dev/null 2>&1 || true
	if ! upstream_make "$tree" -j"$(nproc)" "${args[@]}" >"$log" 2>&1; then
		echo "err!"
		return
	fi
	while IFS= read -r prog; do
		[ -x "$tree/$UPSTREAM_VFIO/$prog" ] && continue
		echo "upstream: $prog was not built" >>"$log"
		echo "miss!"
		return
	done < <(tree_test_programs "$tree/$UPSTREAM_VFIO")
	if [ "$flavor" = sparse ]; then
		count=$(upstream_sparse_findings "$tree" <"$log" | wc -l)
	else
		count=$(grep -c 'warning:' "$log" || true)
	fi
	echo "$count"
}

# The sparse findings of a build log on stdin in the VFIO selftests' own
# files (not the uapi headers' or the harness's), minus those on the
# harness's macros: it defines each TEST()/FIXTURE*() as a non-static
# function, which sparse reports on the macro's line in every test.
upstream_sparse_findings()
{
	local tree=$1 file line rest src

	while IFS=: read -r file line rest; do
		[[ $line =~ ^[0-9]+$ ]] || continue
		[[ $file == /* || $file == ../* ]] && continue
		[[ $rest == *' warning: '* || $rest == *' error: '* ]] || continue
		src=$tree/$UPSTREAM_VFIO/$file
		if [[ $rest == *'Should it be static?'* ]] && [ -f "$src" ] &&
			sed -n "${line}p" "$src" | grep -qE '^(TEST|FIXTURE)'; then
			continue
		fi
		echo "$file:$line:$rest"
	done
}

# checkpatch.pl --strict of tree $1 on commit $2, log $3; prints the cell.
upstream_checkpatch_cell()
{
	local tree=$1 commit=$2 log=$3 total

	(cd "$tree" && perl scripts/checkpatch.pl --strict --show-types \
		--ignore "$CHECKPATCH_IGNORE" -g "$commit") >"$log" 2>&1 || true
	total=$(grep -E '^total: ' "$log" || true)
	if [ -z "$total" ]; then
		echo "err!"
		return
	fi
	echo "$total" | awk '{ n = $2 + $4; if ($7 == "checks,") n += $6; print n ? n "!" : 0 }'
}

# The table of the checks of scratch tree $1 from base $2 to HEAD, logs
# in $3; dies after printing it when a cell is bad or a commit adds a
# warning.
upstream_check()
{
	local scr=$1 base=$2 logs=$3 n=0 commit head rc=0 cell prev="" row
	local -a commits cells

	need_cmd make gcc clang cgcc sparse
	CHECKPATCH_IGNORE=$(checkpatch_ignore_list)
	rm -rf "$logs"
	mkdir -p "$logs"
	head=$(git -C "$scr" symbolic-ref --short HEAD)
	info "upstream: make headers in the scratch tree"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u KDIR -u O \
		make -C "$scr" -s -j"$(nproc)" headers >"$logs/headers.log" 2>&1 ||
		die "upstream: 'make headers' failed in $scr (log: $(project_rel "$logs/headers.log"))"
	mapfile -t commits < <(echo "$base"; git -C "$scr" rev-list --reverse "$base..HEAD")
	printf '%3s  %-12s %5s %5s %6s %10s  %s\n' '#' commit gcc clang sparse checkpatch subject \
		>"$UPSTREAM_WORK/check.table"
	for commit in "${commits[@]}"; do
		info "upstream: checking $((n)) of $((${#commits[@]} - 1)): $(git -C "$scr" log -1 --format='%h %s' "$commit" | cut -c1-60)"
		git -C "$scr" checkout -q --detach "$commit"
		cells=()
		for flavor in gcc clang sparse; do
			cell=$(upstream_build_cell "$scr" "$flavor" "$logs/$n.$flavor.log")
			cells+=("$cell")
		done
		if [ "$n" = 0 ]; then
			cells+=("-")
		else
			cells+=("$(upstream_checkpatch_cell "$scr" "$commit" "$logs/$n.checkpatch.log")")
		fi
		# No commit may add a warning of any tool.
		row="${cells[0]} ${cells[1]} ${cells[2]}"
		if [ -n "$prev" ] && [[ $row != *'!'* ]]; then
			read -r -a prev_cells <<<"$prev"
			for i in 0 1 2; do
				[ "${cells[i]}" -le "${prev_cells[i]}" ] || cells[i]="${cells[i]}!"
			done
		fi
		prev="${cells[0]} ${cells[1]} ${cells[2]}"
		[[ "${cells[*]}" != *'!'* ]] || rc=1
		printf '%3s  %-12s %5s %5s %6s %10s  %.44s\n' "$n" "$(short_hash "$commit")" \
			"${cells[@]}" "$(git -C "$scr" log -1 --format=%s "$commit")" >>"$UPSTREAM_WORK/check.table"
		n=$((n + 1))
	done
	git -C "$scr" checkout -q "$head"
	upstream_make "$scr" clean >/dev/null 2>&1 || true
	cat "$UPSTREAM_WORK/check.table" >&2
	[ "$rc" = 0 ] ||
		die "upstream: a check failed or a commit added a warning (logs: $(project_rel "$logs"))"
}

# A clean checkout of commit $3 for 'make run KDIR=': a clone of repo $1
# sharing its objects, with the series' commits fetched from scratch tree
# $2. It lives in the cache under the commit's hash, so that the test
# kernel built from it (keyed by path and HEAD) is built once. Prints its
# path.
upstream_run_tree()
{
	local repo=$1 scr=$2 commit=$3 dir

	dir=$CACHE_DIR/upstream-run/$commit
	if [ "$(git -C "$dir" rev-parse -q --verify HEAD 2>/dev/null)" != "$commit" ] ||
		[ -n "$(git -C "$dir" status --porcelain 2>/dev/null | head -n 1)" ]; then
		rm -rf "$dir"
		mkdir -p "$(dirname "$dir")"
		git clone -q --shared --no-checkout "$repo" "$dir" ||
			die "upstream: cloning $repo into $dir failed"
		git -C "$dir" fetch -q "$scr" "$commit" 2>/dev/null ||
			git -C "$dir" fetch -q "$scr" HEAD ||
			die "upstream: fetching $commit from $scr failed"
		info "upstream: checking out $(short_hash "$commit") in $dir (a minute or two)"
		git -C "$dir" checkout -q --detach "$commit" ||
			die "upstream: checking out $commit in $dir failed"
	fi
	echo "$dir"
}

# "binary.case<TAB>result" lines (pass, fail, skip, ...) of the cases.tsv a
# vmtest run wrote into its log directory $1; nothing when there is none.
upstream_run_cases()
{
	[ -f "$1/cases.tsv" ] || return 0
	awk -F'\t' '$1 == "case" && $2 != "binary" { print $2 "." $7 "\t" $4 }' "$1/cases.tsv"
}

# The tree's own suite at the base ($3) and at the tip of scratch tree $2
# (repo $1), results compared; the table goes to run.table of work dir $4.
# What 'make run KDIR=' does for each, with one test kernel: the series
# changes nothing outside tools/testing/selftests (checked here), so the
# kernel built from the tip would be the one built from the base.
upstream_run()
{
	local repo=$1 scr=$2 base=$3 work=$4 keep=$5 tip which tree rc kernel outside
	local -A trees

	tip=$(git -C "$scr" rev-parse HEAD)
	outside=$(git -C "$scr" diff --name-only "$base" "$tip" -- . ':!tools/testing/selftests' | head -n 1)
	[ -z "$outside" ] ||
		die "upstream: --run: the series changes $outside, outside the selftests; run 'make run KDIR=' on the base and the tip yourself"
	trees[base]=$(upstream_run_tree "$repo" "$scr" "$base") || exit 1
	trees[tip]=$(upstream_run_tree "$repo" "$scr" "$tip") || exit 1
	info "upstream: the test kernel from $(basename "${trees[base]}") (cached after the first build, ~10 min)"
	kernel=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL KDIR="${trees[base]}" \
		"$PROJECT_ROOT/scripts/build-test-kernel" --tree "${trees[base]}" 2>"$work/kernel.log" | tail -n 1) ||
		die "upstream: building the test kernel failed (log: $(project_rel "$work/kernel.log"))"
	for which in base tip; do
		tree=${trees[$which]}
		info "upstream: the suite of the $which on that kernel (vmtest --tree $tree; the real clock, ~10 min)"
		rc=0
		rm -rf "$work/vm-$which"
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$PROJECT_ROOT/scripts/vmtest" \
			--tree "$tree" --kernel "$kernel" --log-dir "$work/vm-$which" \
			>"$work/run-$which.log" 2>&1 || rc=$?
		upstream_run_cases "$work/vm-$which" >"$work/run-$which.cases"
		echo "$rc" >"$work/run-$which.rc"
	done
	if [ "$keep" != 1 ]; then
		rm -rf "${trees[base]}" "${trees[tip]}"
	fi
	upstream_run_table "$work" "$scr" "$base"
}

# The table of the two runs and the verdict.
upstream_run_table()
{
	local work=$1 scr=$2 base=$3 new_progs verdict rc=0

	new_progs=$(git -C "$scr" diff --name-only --diff-filter=A "$base" HEAD -- "$UPSTREAM_VFIO/*.c" |
		sed 's|.*/||; s|\.c$||' | paste -sd' ' -)
	verdict=$(NEW="$new_progs" awk -F'\t' '
		FNR == 1 { f++ }
		f == 1 { base[$1] = $2; next }
		{ tip[$1] = $2 }
		END {
			for (c in base) {
				nb[base[c]]++
				if (base[c] == "pass" && tip[c] != "pass") { bad++; print "regressed: " c " (" (c in tip ? tip[c] : "missing") ")" > "/dev/stderr" }
			}
			n = split(ENVIRON["NEW"], progs, " ")
			for (c in tip) {
				nt[tip[c]]++
				for (i = 1; i <= n; i++) {
					if (index(c, progs[i]) == 1) {
						newc[tip[c]]++
						if (tip[c] != "pass") { bad++; print "new case not passed: " c " (" tip[c] ")" > "/dev/stderr" }
					}
				}
			}
			printf "base: %d pass %d fail %d skip\n", nb["pass"], nb["fail"], nb["skip"]
			printf "tip:  %d pass %d fail %d skip; of them new: %d pass %d fail %d skip\n", nt["pass"], nt["fail"], nt["skip"], newc["pass"], newc["fail"], newc["skip"]
			if (newc["pass"] == 0) { bad++; print "the new test ran no case" > "/dev/stderr" }
			exit bad ? 1 : 0
		}' "$work/run-base.cases" "$work/run-tip.cases" 2>"$work/run.problems") || rc=$?
	{
		printf '%-5s %-12s %s\n' run commit result
		printf '%-5s %-12s %s (vmtest exit %s)\n' base "$(short_hash "$base")" \
			"$(echo "$verdict" | sed -n 's/^base: //p')" "$(cat "$work/run-base.rc")"
		printf '%-5s %-12s %s (vmtest exit %s)\n' tip "$(git -C "$scr" rev-parse --short=12 HEAD)" \
			"$(echo "$verdict" | sed -n 's/^tip:  //p')" "$(cat "$work/run-tip.rc")"
		echo
		echo "Every case that passed at the base passed at the tip; the new cases:"
		awk -F'\t' -v progs="$new_progs" 'BEGIN { n = split(progs, p, " ") }
			{ for (i = 1; i <= n; i++) if (index($1, p[i]) == 1) printf "  %-60s %s\n", $1, $2 }' \
			"$work/run-tip.cases"
	} >"$work/run.table"
	cat "$work/run.table" >&2
	if [ "$rc" != 0 ] || [ "$(cat "$work/run-tip.rc")" != 0 ]; then
		die "upstream: the tip's run does not hold: $(head -n 1 "$work/run.problems")${rc:+ (logs: $(project_rel "$work")/run-*.log)}"
	fi
}
