#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The guest side of scripts/soak, packed into the initramfs as a test
# program: the recovery test beside it, round after round, with its output
# indented (so that it is not taken for this loop's own TAP) and followed
# by its exit status, then one TAP line per round with that status and the
# round's time on the guest clock. The number of rounds is in the .conf
# file next to it; the BDF comes last, as for every test program. The
# rounds' cases are judged on the host (scripts/runner/soak.py), from the
# indented output, by the same rules as every other binary.
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
	local dir bdf=${!#} rounds=1 r start cs line rc failed=0

	dir=$(dirname "$0")
	# shellcheck source=/dev/null
	[ -f "$0.conf" ] && source "$0.conf"
	# The loop reads a pipe in this shell: process substitution would need
	# /dev/fd, which the initramfs lacks.
	shopt -s lastpipe
	echo "1..$rounds"
	for ((r = 1; r <= rounds; r++)); do
		rc=
		start=$(uptime_cs)
		{
			rc=0
			"$dir/$BIN" "$bdf" 2>&1 || rc=$?
			echo "@@exit $rc"
		} | while IFS= read -r line; do
			case $line in
			"@@exit "*)
				rc=${line#@@exit }
				line="exit status $rc"
				;;
			esac
			echo "    $line"
		done
		cs=$(($(uptime_cs) - start))
		line=$(printf 'round %d: exit status %s secs %d.%02d' \
			"$r" "$rc" $((cs / 100)) $((cs % 100)))
		if [ "$rc" != 0 ]; then
			echo "not ok $r $line"
			failed=$((failed + 1))
		else
			echo "ok $r $line"
		fi
	done
	[ "$failed" = 0 ]
}

main "$@"
