# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# vmtest --trace-device: QEMU's log trace backend writes the igb's register
# accesses, descriptor fetches, config-space writes and the vIOMMU's DMA
# faults to a file, for scripts/igb-conformance to replay against the
# datasheet rules. Source it after common.sh and vm-qemu.sh.
#
# Only the events the rules need are enabled: every event costs a formatted
# line per occurrence, and the per-descriptor ones occur once per copy.

# What each event is for (scripts/igb_conformance/rules.py holds the rules).
TRACE_EVENTS=(
	e1000e_core_read        # register reads, offset and value (igb too)
	e1000e_core_write       # register writes
	e1000e_tx_descr         # each TX descriptor the model fetches
	igb_rx_desc_buff_write  # each RX buffer the model writes (a frame received)
	igb_write_config        # config writes: FLR (PCIe DEVCTL), command register
	vtd_dmar_fault          # a DMA the vIOMMU refused (unmapped IOVA)
	runstate_set            # VM start and shutdown: a trace without the end is truncated
)

TRACE_FILE_NAME=igb-trace.log

# Print the events this QEMU lacks (none: nothing printed). A QEMU built
# without the log backend, or older than the igb model, lists none of them.
trace_missing_events()
{
	local have ev

	have=$("$QEMU" -trace help 2>/dev/null) || have=
	for ev in "${TRACE_EVENTS[@]}"; do
		grep -qx "$ev" <<<"$have" || echo "$ev"
	done
}

# trace_prepare LOG_DIR: check QEMU, write the event list; fill
# TRACE_QEMU_ARGS (for the caller) with the options that turn tracing on. Clear the old
# trace so that a failed start never leaves a stale one to be checked.
trace_prepare()
{
	local dir=$1 missing

	missing=$(trace_missing_events | tr '\n' ' ')
	[ -z "$missing" ] ||
		die "--trace-device: $QEMU lacks the trace events: ${missing% } (needs QEMU >= 8.0 with the log trace backend)"
	printf '%s\n' "${TRACE_EVENTS[@]}" >"$dir/trace-events"
	TRACE_FILE=$dir/$TRACE_FILE_NAME
	rm -f "$TRACE_FILE"
	# shellcheck disable=SC2034 # TRACE_QEMU_ARGS is the caller's
	# timestamp=on gives each line its "pid@seconds.micros:" prefix.
	# shellcheck disable=SC2054 # the commas belong to QEMU's syntax
	TRACE_QEMU_ARGS=(-msg timestamp=on -trace "events=$dir/trace-events,file=$TRACE_FILE")
}

# One line for the summary: where the trace is and how big.
trace_summary_line()
{
	if [ -f "${TRACE_FILE:-}" ]; then
		echo "igb trace: $TRACE_FILE ($(du -h "$TRACE_FILE" | cut -f1); check it with scripts/igb-conformance)"
	else
		echo "igb trace: none written (QEMU did not start?)"
	fi
}
