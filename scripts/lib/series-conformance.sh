# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series conformance': the igb's datasheet conformance at every commit.
# Each commit's tree runs a traced VM workload (vmtest --trace-device) and
# scripts/igb-conformance judges the trace. Also used by 'series check' for
# its conformance column.
#
# The workload is vfio_pci_driver_test in one IOMMU mode. That covers
# every rule: the rules judge how the driver programs the device, and the
# driver's code path is the same in every mode (only the test's mappings
# differ); the driver test runs init (reset, link, rings, MSI-X), copies,
# copies from an unmapped IOVA (the DMA faults) and send_msi. One mode
# instead of five takes a run from ~70 s to ~25 s under TCG.
#
# The traced runs are on the real clock (vmtest picks it for
# --trace-device: the trace's times are the host's, and reset-quiet
# measures the driver's delays with them). There, init_remove (ten more
# driver inits) and mix_and_match (ten more copies, faults and interrupts)
# cost two thirds of a run and add no register sequence the other cases
# lack: every fixture inits and removes, and the other cases copy, fault
# and interrupt. They are left out (CONFORMANCE_SKIP, harness -T).

CONFORMANCE_TESTS=${CONFORMANCE_TESTS:-vfio_pci_driver_test}
CONFORMANCE_MODE=${CONFORMANCE_MODE:-vfio_type1_iommu}
CONFORMANCE_SKIP=${CONFORMANCE_SKIP-init_remove mix_and_match}

usage_conformance()
{
	cat <<USAGE
Usage: series conformance [RANGE] [-- VMTEST-OPTIONS]

For the base (row 0) and every commit of RANGE (default: the whole series,
rows 1..N), run $CONFORMANCE_TESTS in the $CONFORMANCE_MODE mode in the VM
with QEMU's igb trace on (vmtest --trace-device, one test kernel for all)
and judge the trace with scripts/igb-conformance against the datasheet
rules. Prints one row per commit, its index, the count of unwaived and
waived violations, whether the VM run passed, its hash and subject, then
the count of each rule/form at
each commit ('.' for none; waived forms marked). A commit whose trace
cannot be read shows 'err!'.

Exits non-zero if the tip has an unwaived violation or any trace could not
be judged. Environment: CONFORMANCE_TESTS, CONFORMANCE_MODE (the
kselftest variant, empty for all five), CONFORMANCE_SKIP (test cases left
out, default: init_remove mix_and_match, which only repeat what the others
do; empty for none).
USAGE
}

# conformance_kernel: the one test kernel every run boots.
conformance_kernel()
{
	local out

	out=$("$PROJECT_ROOT/scripts/build-test-kernel") ||
		die "building the test kernel failed"
	echo "${out##*$'\n'}"
}

# conformance_run COMMIT DIR KERNEL [VMTEST-OPTIONS...]: trace the commit's
# workload in DIR and judge it. Leaves DIR/conformance.{result,count,waived}
# (result: ok, or error when there was no readable trace), DIR/violations.tsv
# and the logs. Never fails itself.
conformance_run()
{
	local commit=$1 dir=$2 kernel=$3 rc=0 unwaived waived skip key=""
	local -a args=()

	shift 3
	rm -rf "$dir"
	mkdir -p "$dir"
	# A kept result of the same commit, runner, checker, test kernel and
	# QEMU (see series-check-cache.sh), unless vmtest options were given.
	if [ $# = 0 ] && [ -n "$CHECK_CACHE_ENV_KEY" ]; then
		key=$(check_cache_key conform "$commit" "$(md5sum <"$kernel")" \
			"$(qemu_version)")
		if check_cache_fetch "$key" "$dir"; then
			touch "$dir/conform.kept"
			return 0
		fi
	fi
	extract_commit "$commit" "$dir/src"
	# The harness goes by the first filter that names a case: the
	# exclusions first.
	for skip in $CONFORMANCE_SKIP; do
		args+=(-T "$skip")
	done
	[ -z "$CONFORMANCE_MODE" ] || args+=(-v "$CONFORMANCE_MODE")
	"$PROJECT_ROOT/scripts/vmtest" --tree "$dir/src" --kernel "$kernel" \
		--tests "$CONFORMANCE_TESTS" --trace-device \
		--log-dir "$dir/vm" "$@" -- "${args[@]}" </dev/null >"$dir/vmtest.log" 2>&1 || rc=$?
	echo "$rc" >"$dir/vmtest.rc"
	rc=0
	"$PROJECT_ROOT/scripts/igb-conformance" --tsv "$dir/violations.tsv" \
		"$dir/vm/igb-trace.log" >"$dir/conformance.log" 2>&1 || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo error >"$dir/conformance.result"
		return 0
	fi
	unwaived=$(awk -F'\t' 'NR > 1 && $7 == "no"' "$dir/violations.tsv" | wc -l)
	waived=$(awk -F'\t' 'NR > 1 && $7 == "yes"' "$dir/violations.tsv" | wc -l)
	echo "$unwaived" >"$dir/conformance.count"
	echo "$waived" >"$dir/conformance.waived"
	echo ok >"$dir/conformance.result"
	# Only a run that passed: a verdict on a half trace is not kept.
	[ -z "$key" ] || [ "$(cat "$dir/vmtest.rc")" != 0 ] ||
		check_cache_store "$key" "$dir" conformance.count conformance.waived \
			conformance.result conformance.log violations.tsv vmtest.log vmtest.rc
}

# One cell of the table: the unwaived count, or err! for no readable trace.
conformance_cell()
{
	local dir=$1

	if [ "$(cat "$dir/conformance.result" 2>/dev/null)" = ok ]; then
		cat "$dir/conformance.count"
	else
		echo "err!"
	fi
}

# print_conformance_detail RUN N...: rule/form x commit, counts per cell.
print_conformance_detail()
{
	local run=$1 n

	shift
	printf '\n%-46s' 'rule/form'
	for n in "$@"; do
		printf ' %6s' "#$n"
	done
	printf '\n'
	for n in "$@"; do
		[ -f "$run/$n/violations.tsv" ] || continue
		awk -F'\t' -v n="$n" 'NR > 1 { print n "\t" $1 "\t" $2 "\t" $6 "\t" $7 }' \
			"$run/$n/violations.tsv"
	done | awk -F'\t' -v cols="$*" '
		{
			key = $2; count[key, $1] = $4; section[key] = $3
			if (!(key in seen)) { seen[key] = 1; order[++nkeys] = key }
			if ($5 == "yes") waived[key] = 1
		}
		END {
			ncols = split(cols, col, " ")
			for (k = 1; k <= nkeys; k++) {
				key = order[k]
				printf "%-46s", key (key in waived ? " (waived)" : "")
				for (c = 1; c <= ncols; c++) {
					v = ((key, col[c]) in count) ? count[key, col[c]] : "."
					printf " %6s", v
				}
				printf "  %s\n", section[key]
			}
		}'
}

series_conformance()
{
	local range="" kernel start n total base idx failed=0 tip_bad=0 dir
	local -a commits vmargs=() nums=()

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_conformance; return 0 ;;
		--) shift; vmargs=("$@"); break ;;
		-*) usage_conformance >&2; die "conformance: unknown option '$1'" ;;
		*)
			[ -z "$range" ] || die "conformance: one RANGE only"
			range=$1
			;;
		esac
		shift
	done
	require_scratch
	lock_scratch
	mapfile -t commits < <(series_commits "$range")
	base=$(sgit rev-parse "$SERIES_BASE_TAG^{commit}")
	commits=("$base" "${commits[@]}")
	total=${#commits[@]}
	start=$(now)
	kernel=$(conformance_kernel)
	CONFORMANCE_RUN=$SERIES_OUT/conformance-$(basename "$SCRATCH")
	for ((n = 0; n < total; n++)); do
		idx=$(sgit rev-list --count "$base..${commits[n]}")
		nums+=("$idx")
		dir=$CONFORMANCE_RUN/$idx
		info "conformance: #$idx $(short_hash "${commits[n]}") $(subject_of "${commits[n]}")"
		conformance_run "${commits[n]}" "$dir" "$kernel" "${vmargs[@]}"
		info "conformance: #$idx $(conformance_cell "$dir") unwaived ($(elapsed_since "$start") so far)"
	done
	printf '%3s %8s %6s %3s  %-12s  %s\n' '#' unwaived waived vm commit subject
	for ((n = 0; n < total; n++)); do
		dir=$CONFORMANCE_RUN/${nums[n]}
		[ "$(cat "$dir/conformance.result" 2>/dev/null)" = ok ] || failed=$((failed + 1))
		printf '%3s %8s %6s %3s  %-12s  %.56s\n' "${nums[n]}" \
			"$(conformance_cell "$dir")" \
			"$(cat "$dir/conformance.waived" 2>/dev/null || echo -)" \
			"$([ "$(cat "$dir/vmtest.rc")" = 0 ] && echo ok || echo '!')" \
			"$(short_hash "${commits[n]}")" "$(subject_of "${commits[n]}")"
	done
	print_conformance_detail "$CONFORMANCE_RUN" "${nums[@]}"
	dir=$CONFORMANCE_RUN/${nums[total - 1]}
	[ "$(conformance_cell "$dir")" = 0 ] || tip_bad=1
	echo "logs: $(project_rel "$CONFORMANCE_RUN")/<#>/ (conformance.log, violations.tsv, vm/)"
	[ "$failed" = 0 ] ||
		die "conformance: $failed trace(s) could not be judged (see conformance.log there) ($(elapsed_since "$start"))"
	[ "$tip_bad" = 0 ] ||
		die "conformance: the tip has unwaived violations ($(elapsed_since "$start"))"
	info "conformance: $total commit(s) in $(elapsed_since "$start"); the tip has none unwaived"
}
