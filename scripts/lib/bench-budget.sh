# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The budget of vfio_pci_driver_test, for scripts/bench. Source it after
# common.sh.
#
# bench/vfio_pci_driver_budget.c does the steps of the driver test's
# fixtures and bodies one at a time and prints a "# budget" line after
# each; vmtest's timed.log stamps every line with the host time of its
# arrival. A step's host time is the distance from the line before it (the
# harness's "#  RUN" line for the first step of a case). Multiplied by how
# often the driver test does each step, that is where the driver test's
# time goes, next to what the driver test took per mode in the same VM.

BUDGET_SOURCE=$PROJECT_ROOT/bench/vfio_pci_driver_budget.c
BUDGET_PROG=vfio_pci_driver_budget

# How often vfio_pci_driver_test does each step, per IOMMU mode: 7 cases,
# each one fixture (open, two maps, init, remove, unmap, close);
# init_remove adds 10 remove+init cycles and a copy; memcpy_success one
# copy; the two unmapped-IOVA cases one faulting copy each; send_msi one
# interrupt; mix_and_match 10 rounds of copy, faulting copy, interrupt;
# memcpy_storm one storm. Written down here from the test's source: when
# the test changes, so must this.
BUDGET_COUNTS="open=7 map=7 init=17 remove=17 unmap=7 close=7 copy=12 fault=12 msi=11 storm=1"

# budget_tree SRC_TREE DEST: DEST becomes a copy of SRC_TREE's VFIO
# selftests with the budget program added to its Makefile.
budget_tree()
{
	local src=$1 dest=$2 rel=tools/testing/selftests/vfio

	rm -rf "$dest"
	mkdir -p "$dest/$rel"
	cp -a "$src/$rel/." "$dest/$rel/"
	cp "$BUDGET_SOURCE" "$dest/$rel/"
	# A line of its own before the first of the tree's programs.
	sed -i "0,/^TEST_GEN_PROGS += /s//TEST_GEN_PROGS += $BUDGET_PROG\n&/" \
		"$dest/$rel/Makefile"
	grep -q "^TEST_GEN_PROGS += $BUDGET_PROG\$" "$dest/$rel/Makefile" ||
		die "cannot add $BUDGET_PROG to $dest/$rel/Makefile"
}

# budget_report TIMED_LOG: per IOMMU mode, what each step of the
# driver test costs and what the driver test's counts of them add up to,
# beside the driver test's own time in that mode. Also writes
# "budget.<mode>.<step>.*" rows (metric, value, unit) to fd 3.
budget_report()
{
	local timed=$1

	awk -v counts="$BUDGET_COUNTS" '
	function ms(x) { return sprintf("%.1f", x * 1000) }
	BEGIN {
		nsteps = split("open map init copy fault msi storm remove unmap close", order, " ")
		n = split(counts, kv, " ")
		for (i = 1; i <= n; i++) {
			split(kv[i], p, "=")
			count[p[1]] = p[2]
		}
	}
	# The driver test: its whole run, and per mode its cases, from the
	# harness line that starts a case to the result line.
	$2 == "@@VMTEST" && $4 == "vfio_pci_driver_test" {
		if ($3 == "BEGIN") tbegin = $1
		if ($3 == "END") tend = $1
	}
	$2 == "#" && $3 == "RUN" { last = $1; runstart = $1; runname = $4 }
	($2 == "ok" || ($2 == "not" && $3 == "ok")) && runname ~ /^vfio_pci_driver_test\./ {
		split(runname, nm, ".")
		measured[nm[2]] += $1 - runstart
		ncase[nm[2]]++
		incases += $1 - runstart
		runname = ""
	}
	$2 == "#" && $3 == "budget" {
		delete a
		for (i = 4; i <= NF; i++) {
			split($i, p, "=")
			a[p[1]] = p[2]
		}
		m = a["mode"]; s = a["step"]
		if (!(m in seen)) { seen[m] = 1; modes[++nmodes] = m }
		host[m, s] += $1 - last
		guest[m, s] += a["guest_us"] / 1e6
		asleep[m, s] += a["sleep_us"] / 1e6
		if (s == "map")
			nmap[m, a["rep"]] = 1
		else
			ops[m, s]++
		last = $1
	}
	END {
		if (!nmodes) {
			print "budget: no \"# budget\" lines; the budget program did not run"
			exit 1
		}
		for (k in nmap) {
			split(k, p, SUBSEP)
			ops[p[1], "map"]++
		}
		for (j = 1; j <= nmodes; j++) {
			m = modes[j]
			printf "\nbudget of vfio_pci_driver_test, mode %s (per step: host ms, guest ms, guest ms asleep; x count in the test)\n", m
			printf "  %-7s %5s %10s %10s %10s %6s %9s\n", "step", "reps", "host/op", "guest/op", "asleep/op", "count", "host (s)"
			total = 0
			for (i = 1; i <= nsteps; i++) {
				s = order[i]
				if (!ops[m, s])
					continue
				h = host[m, s] / ops[m, s]
				g = guest[m, s] / ops[m, s]
				z = asleep[m, s] / ops[m, s]
				t = h * count[s]
				total += t
				part[s] = t
				printf "  %-7s %5d %10s %10s %10s %6d %9.2f\n", s, ops[m, s], ms(h), ms(g), ms(z), count[s], t
				printf "budget.%s.%s.host_ms\t%s\tms\n", m, s, ms(h) > "/dev/fd/3"
				printf "budget.%s.%s.guest_ms\t%s\tms\n", m, s, ms(g) > "/dev/fd/3"
				printf "budget.%s.%s.asleep_ms\t%s\tms\n", m, s, ms(z) > "/dev/fd/3"
			}
			printf "  %-7s %5s %10s %10s %10s %6s %9.2f\n", "sum", "", "", "", "", "", total
			printf "  grouped: driver init %.2f s, IOMMU map/unmap %.2f s, copies %.2f s, faulting copies %.2f s, interrupts %.2f s, storm %.2f s, open/close (FLR) %.2f s, remove %.2f s\n",
			       part["init"], part["map"] + part["unmap"], part["copy"], part["fault"], part["msi"], part["storm"], part["open"] + part["close"], part["remove"]
			if (ncase[m]) {
				printf "  vfio_pci_driver_test measured in this mode: %.2f s (%d cases); the budget adds up to %.0f%% of it (beside it: the harness, fills and compares, output; in it: its own lines)\n",
				       measured[m], ncase[m], (measured[m] > 0 ? total * 100 / measured[m] : 0)
				printf "budget.%s.measured_secs\t%.2f\ts\n", m, measured[m] > "/dev/fd/3"
			}
			printf "budget.%s.estimate_secs\t%.2f\ts\n", m, total > "/dev/fd/3"
		}
		if (tend) {
			printf "\nvfio_pci_driver_test: %.2f s in all, %.2f s in its cases, %.2f s outside them (main(): the driver probe, buffers allocated once)\n",
			       tend - tbegin, incases, tend - tbegin - incases
			printf "budget.driver_test.total_secs\t%.2f\ts\nbudget.driver_test.outside_cases_secs\t%.2f\ts\n", tend - tbegin, tend - tbegin - incases > "/dev/fd/3"
		}
	}' "$timed"
}
