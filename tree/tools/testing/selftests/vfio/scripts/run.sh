#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run a command with PCI devices bound to vfio-pci for its whole life and
# given back to their drivers afterwards, however it ends.
set -euo pipefail

PROG=run.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage()
{
	cat <<EOF
Usage: $PROG CMD [ARGS...]
       $PROG -d BDF [-d BDF]... [--] CMD [ARGS...]
       $PROG -h | --help

Without -d: run CMD ARGS... BDF..., where the BDFs are every device
setup.sh has set up (recorded under $STATE_DIR); the devices stay
as they are afterwards (cleanup.sh restores them). With none set up, say
so and exit 4 (KSFT_SKIP). This is the kernel tree's setup.sh / run.sh /
cleanup.sh flow.

With -d: bind every BDF to vfio-pci (setup.sh), run CMD ARGS... BDF... (the
devices appended as the last arguments, which is where the VFIO selftests
look for them), then give the devices back to their drivers (cleanup.sh).

The devices are given back on every exit: CMD finishing, failing, or this
script getting SIGINT or SIGTERM, which it passes on to CMD's whole
process group before restoring anything (a second Ctrl-C does not cut the
restore short). A device that already had a setup.sh record before this
run is left bound afterwards, as whoever set it up expects.

Exit status: CMD's, or 128+N after signal N. When CMD succeeded but a
device could not be restored, 1. When setup fails, 1 without running CMD.

Examples:
  setup.sh 0000:03:00.0 && $PROG ./vfio_pci_driver_test; cleanup.sh
  $PROG -d 0000:03:00.0 -- ./vfio_pci_driver_test
EOF
}

# Devices this run set up, to be restored by it.
declare -a OWNED=()
CMD_PID=
CAUGHT=

# Stop CMD and everything it forked: a test binary forks a child per
# test case, and a child still holding the device would make the unbind
# in cleanup.sh wait for it. Ask first, then insist.
stop_command_group()
{
	local tries=$((BIND_TIMEOUT * 10))

	[ -n "$CMD_PID" ] || return 0
	kill -TERM -- "-$CMD_PID" 2>/dev/null || return 0
	while kill -0 -- "-$CMD_PID" 2>/dev/null; do
		if ((tries-- == 0)); then
			warn "$1 still running after SIGTERM; sending SIGKILL"
			kill -KILL -- "-$CMD_PID" 2>/dev/null || :
			return 0
		fi
		nap
	done
}

# shellcheck disable=SC2317 # called from a trap
on_signal()
{
	CAUGHT=$1
	if [ -z "$CMD_PID" ]; then
		# Still setting up: the EXIT trap restores what was done.
		exit $((128 + $2))
	fi
	info "got SIG$1; stopping the command"
	kill -TERM -- "-$CMD_PID" 2>/dev/null || :
}

# shellcheck disable=SC2317 # called from a trap
restore_owned()
{
	local rc=$? bdf
	local -a todo=()

	# Nothing may interrupt the restore: a device left half-way is worse
	# than a few more seconds of waiting.
	trap '' INT TERM
	stop_command_group "the command"
	for bdf in "${OWNED[@]}"; do
		# A device setup.sh never reached was never changed.
		has_record "$bdf" && todo+=("$bdf")
	done
	if [ ${#todo[@]} -gt 0 ] &&
	   ! "$BASH" "$SCRIPT_DIR/cleanup.sh" "${todo[@]}"; then
		error "not every device was restored; see above"
		[ "$rc" -eq 0 ] && rc=1
	fi
	exit "$rc"
}

# The kernel tree's form: CMD with the devices setup.sh recorded; nothing
# is bound or restored here.
run_on_recorded()
{
	collect_recorded_bdfs
	if [ ${#RECORDED_BDFS[@]} -eq 0 ]; then
		info "no device set up under $STATE_DIR (run setup.sh BDF first, or pass -d BDF); skipping"
		exit 4
	fi
	exec "$@" "${RECORDED_BDFS[@]}"
}

main()
{
	local arg bdf status
	local -a args=() bdfs=()

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help)
			usage
			exit 0
			;;
		-d)
			[ $# -ge 2 ] || die "-d needs a BDF (see --help)"
			args+=("$2")
			shift 2
			;;
		-d*)
			args+=("${1#-d}")
			shift
			;;
		--)
			shift
			break
			;;
		-*)
			die "unknown option '$1' (see --help)"
			;;
		*)
			break
			;;
		esac
	done
	[ $# -gt 0 ] || die "no command given (see --help)"
	command -v "$1" >/dev/null 2>&1 || die "command not found: $1"
	[ ${#args[@]} -gt 0 ] || run_on_recorded "$@"

	# CMD gets the canonical form: the tests look the BDF up in sysfs.
	for arg in "${args[@]}"; do
		bdf=$(canonical_bdf "$arg") ||
			die "'$arg' is not a PCI address (expected DDDD:BB:DD.F)"
		bdfs+=("$bdf")
		if has_record "$bdf"; then
			info "$bdf: already set up before this run; it stays on vfio-pci afterwards"
		else
			OWNED+=("$bdf")
		fi
	done

	trap restore_owned EXIT
	trap 'on_signal INT 2' INT
	trap 'on_signal TERM 15' TERM

	"$BASH" "$SCRIPT_DIR/setup.sh" "${bdfs[@]}" || exit 1

	# Job control puts CMD in a process group of its own, which
	# stop_command_group can signal as a whole; it also keeps bash from
	# making a background CMD ignore SIGINT.
	set -m
	"$@" "${bdfs[@]}" &
	CMD_PID=$!
	set +m

	# A trapped signal ends a wait early; keep waiting until CMD itself
	# has exited, so its status is the one returned.
	while :; do
		status=0
		wait "$CMD_PID" || status=$?
		kill -0 "$CMD_PID" 2>/dev/null || break
	done
	stop_command_group "a process forked by the command"
	CMD_PID=

	case $CAUGHT in
	INT)
		exit 130
		;;
	TERM)
		exit 143
		;;
	esac
	exit "$status"
}

main "$@"
