# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# scripts/bench's side-by-side run: a kernel tree's own VFIO selftests (A)
# and the mirror's series tip (B), alternately A B A B, in one VM
# configuration and on one kernel (built from the kernel tree), so that
# drift of the host during the runs falls on both. Source it after
# common.sh; the caller sets HERE.

SIDE_ROUNDS=${SIDE_ROUNDS:-2}

# side_run LABEL DIR VMTEST_ARGS...: one vmtest run into DIR; its status
# is recorded, not judged (a benchmark asserts nothing).
side_run()
{
	local label=$1 dir=$2 rc=0

	shift 2
	info "side by side: $label ($*)"
	"$HERE/vmtest" "$@" --log-dir "$dir" >"$dir.out" 2>&1 || rc=$?
	echo "$rc" >"$dir.status"
	info "side by side: $label: $(tail -n 1 "$dir.out")"
}

# side_by_side KTREE MIRROR_TREE DIR [VMTEST_ARGS...]
side_by_side()
{
	local ktree=$1 mirror=$2 dir=$3 kernel round

	shift 3
	kernel=$(KDIR=$ktree "$HERE/build-test-kernel" --tree "$ktree" 2>"$dir/side-kernel.log" | tail -n 1) ||
		die "no test kernel from $ktree; see $dir/side-kernel.log"
	# The clock and memory the kernel tree's suite needs (see vmtest
	# --clock and --memory) are the ones both get: one VM configuration.
	for round in $(seq 1 "$SIDE_ROUNDS"); do
		side_run "A$round: $ktree's own suite" "$dir/side-A$round" \
			--tree "$ktree" --kernel "$kernel" --clock=real -m 3G "$@"
		side_run "B$round: the mirror's series tip" "$dir/side-B$round" \
			--tree "$mirror" --kernel "$kernel" --clock=real -m 3G "$@"
	done
	side_table "$dir" "$kernel"
}

# The binary rows of one run's summary.tsv: "name<TAB>host_secs".
side_times()
{
	awk -F'\t' '$1 == "binary" { print $2 "\t" $8 }' "$1/summary.tsv" 2>/dev/null
}

# side_table DIR KERNEL: per binary and run, host seconds; then the
# means of the two driver tests and their ratio. Rows
# for the TSV go to fd 3.
side_table()
{
	local dir=$1 kernel=$2 run

	echo
	echo "side by side: $SIDE_ROUNDS rounds of A (the kernel tree's suite) and B (the mirror's tip), real clock"
	echo "QEMU $(qemu_version), kernel $(basename "$(dirname "$kernel")") ($kernel)"
	for run in "$dir"/side-[AB][0-9]*; do
		[ -d "$run" ] || continue
		side_times "$run" | sed "s|^|$(basename "$run")\t|"
	done | awk -F'\t' '
	{
		split($1, r, "-")
		side = substr(r[2], 1, 1)
		t[side, $2] = t[side, $2] " " $3
		s[side, $2] += $3; n[side, $2]++
		if (!(($2) in seen)) { seen[$2] = 1; names[++nn] = $2 }
		w = length($2); if (w > width) width = w
	}
	END {
		printf "  %-*s  %-24s  %-24s\n", width, "binary", "A: host s per run", "B: host s per run"
		for (i = 1; i <= nn; i++) {
			b = names[i]
			printf "  %-*s  %-24s  %-24s\n", width, b, (("A", b) in t) ? t["A", b] : " -", (("B", b) in t) ? t["B", b] : " -"
		}
		d = "vfio_pci_driver_test"
		if (n["A", d] && n["B", d] && s["B", d] > 0) {
			a = s["A", d] / n["A", d]; bb = s["B", d] / n["B", d]
			printf "  %s: A %.1f s, B %.1f s (means); A/B = %.2f\n", d, a, bb, a / bb
			printf "side.driver_test.A_secs\t%.1f\ts\nside.driver_test.B_secs\t%.1f\ts\nside.driver_test.ratio_A_over_B\t%.2f\n", a, bb, a / bb > "/dev/fd/3"
		} else {
			print "  vfio_pci_driver_test: not timed in both A and B; no ratio"
		}
	}'
	for run in "$dir"/side-[AB][0-9]*.status; do
		printf 'side.%s.vmtest_status\t%s\n' "$(basename "$run" .status)" "$(cat "$run")" >&3
	done
}
