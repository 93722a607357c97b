#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The guest side of scripts/soak, packed into the initramfs as a test
# program: the recovery test beside it, round after round, with its output
# indented (so that it is not taken for this loop's own TAP) and one TAP
# line per round with its counts and its time on the guest clock. The
# number of rounds is in the .conf file next to it; the BDF comes last, as
# for every test program.
set -euo pipefail

BIN=vfio_pci_driver_igb_recovery_test

# Centiseconds since boot.
uptime_cs()
{
	local up rest

	read -r up rest </proc/uptime
	echo "$((10#${up/./}))"
}

main()
{
	local dir bdf=${!#} rounds=1 r pass fail skip start cs line rc failed=0

	dir=$(dirname "$0")
	# shellcheck source=/dev/null
	[ -f "$0.conf" ] && source "$0.conf"
	# The loop reads a pipe in this shell: process substitution would need
	# /dev/fd, which the initramfs lacks.
	shopt -s lastpipe
	echo "1..$rounds"
	for ((r = 1; r <= rounds; r++)); do
		pass=0 fail=0 skip=0
		start=$(uptime_cs)
		{
			rc=0
			"$dir/$BIN" "$bdf" 2>&1 || rc=$?
			echo "@@exit $rc"
		} | while IFS= read -r line; do
			case $line in
			"@@exit "*)
				rc=${line#@@exit }
				# A crash after the last result still fails the round.
				[ "$rc" = 0 ] || [ "$rc" = 4 ] || fail=$((fail + 1))
				line="exit status $rc"
				;;
			"ok "*"# SKIP"* | "ok "*"# skip"*) skip=$((skip + 1)) ;;
			"ok "*) pass=$((pass + 1)) ;;
			"not ok "*) fail=$((fail + 1)) ;;
			esac
			echo "    $line"
		done
		cs=$(($(uptime_cs) - start))
		line=$(printf 'round %d: pass %d fail %d skip %d secs %d.%02d' \
			"$r" "$pass" "$fail" "$skip" $((cs / 100)) $((cs % 100)))
		if [ "$fail" -gt 0 ] || [ "$pass" = 0 ]; then
			echo "not ok $r $line"
			failed=$((failed + 1))
		else
			echo "ok $r $line"
		fi
	done
	[ "$failed" = 0 ]
}

main "$@"
