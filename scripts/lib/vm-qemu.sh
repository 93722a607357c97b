# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # QEMU_RC, CONSOLE_LINE, LINE_READ are for the caller
#
# Starting and stopping the vmtest QEMU. Source it after common.sh.
#
# QEMU runs in a session of its own, so stopping it means signalling one
# process group, whatever QEMU has forked. Its console (the guest's ttyS0)
# is written to a FIFO that the caller reads line by line.

# Empty: the caller chooses per suite (see vmtest); qemu_cmdline falls
# back to 1G, which also serves the KVM probe.
VM_MEM=${VM_MEM:-}
# One vCPU by default. With two, under TCG and the split irqchip, the
# second vCPU now and then misses its wake-up while idle ("rcu_sched kthread
# timer wakeup didn't happen ... Possible timer handling issue on cpu=1" in
# kernel.log), and whatever waits on that CPU, an MSI's handler included,
# hangs until the watchdog; seen in about one VM run in ten here, on an idle
# host too. The suite needs no second CPU and takes the same time on one.
VM_SMP=${VM_SMP:-1}
QEMU_PID=
QEMU_CMD=()
QEMU_RC=
# Set by the caller before qemu_cmdline: the guest clock (see
# qemu_clock_args), options appended to the command line, and whether the
# guest's test port is the terminal (vmtest --shell) rather than a FIFO.
QEMU_CLOCK=real
QEMU_EXTRA=()
QEMU_CONSOLE=stdio

# The options of a guest clock. "virtual" is TCG's instruction counter:
# guest time is 4 ns per instruction executed (shift=2), whatever the
# host does, and with sleep=off it jumps straight to the next timer when
# the vCPU has nothing to do, so a usleep() in the guest costs next to no
# host time. The guest still sees a monotonic clock and its timers fire in
# order; only their distance in host time shrinks. A fixed shift rather
# than shift=auto: auto steers guest time back towards host time after
# every jump, which slows the guest clock down while it computes, and a
# busy-wait of the kernel's boot (the APIC timer calibration) then took
# a second of host time instead of a tenth. KVM has no such mode.
qemu_clock_args()
{
	case "$1" in
	virtual) echo "-icount shift=2,sleep=off" ;;
	real) ;;
	*) return 1 ;;
	esac
}

# The CPU model. Under the instruction counter, the rep-prefixed string
# copies the kernel and libc pick when the CPU has ERMS or FSRM (memcpy,
# memset, clearing a page) cost far more than plain loops: without the
# two, the DMA mapping test, which faults its buffers in, took 1.4 s
# instead of 2.8 s. Under KVM '-cpu max' aborts on the arch-capabilities
# MSR of nested KVM; 'host' is the usual choice with KVM anyway.
qemu_cpu_model()
{
	local accel=$1 clock=$2

	if [ "$accel" = kvm ]; then
		echo host
	elif [ "$clock" = virtual ]; then
		echo max,-erms,-fsrm
	else
		echo max
	fi
}

# qemu_cmdline ACCEL KERNEL INITRD KERNEL_LOG EXTRA_APPEND: fill QEMU_CMD.
# q35 with a split irqchip, because intremap=on needs the IOAPIC in QEMU, and
# caching-mode=on, which vfio inside the guest requires of an emulated
# VT-d. The igb gets a fixed slot so its BDF is the same on every run.
# Two serial ports keep the streams apart: ttyS0 (stdio) carries only
# what /init and the tests print, ttyS1 (a file) the kernel's console at
# full verbosity, so kernel messages never break a TAP line.
qemu_cmdline()
{
	local accel=$1 kernel=$2 initrd=$3 klog=$4 append=$5 cpu
	local -a clock_opts serial=(-serial stdio)

	cpu=$(qemu_cpu_model "$accel" "$QEMU_CLOCK")
	[ "$accel" = kvm ] || read -r -a clock_opts <<<"$(qemu_clock_args "$QEMU_CLOCK")"
	# A terminal of the user's: Ctrl-C goes to the guest's shell, and
	# Ctrl-A X (the multiplexer's escape) ends QEMU.
	# shellcheck disable=SC2054 # the commas belong to QEMU's syntax
	[ "$QEMU_CONSOLE" = terminal ] &&
		serial=(-chardev stdio,id=con0,mux=on,signal=off -serial chardev:con0)
	# shellcheck disable=SC2054
	QEMU_CMD=("$QEMU" -accel "$accel" "${clock_opts[@]}" -cpu "$cpu" -m "${VM_MEM:-1G}" -smp "$VM_SMP"
		-M q35,kernel-irqchip=split -nodefaults -display none -no-reboot
		"${serial[@]}" -serial "file:$klog"
		-device intel-iommu,intremap=on,caching-mode=on
		-netdev user,id=n0 -device igb,netdev=n0,addr=02.0
		-kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS1,115200 intel_iommu=on panic=-1${append:+ $append}"
		"${QEMU_EXTRA[@]}")
}

# qemu_start FIFO: run QEMU_CMD in the background, console into FIFO.
# stdin is /dev/null so QEMU never touches the terminal's modes.
qemu_start()
{
	local fifo=$1

	# A background job of a non-interactive shell is never a process
	# group leader, so setsid makes QEMU the leader of a new group
	# without forking and $! is that group's id. The parent-death signal
	# covers the one case no trap can: this script being SIGKILLed.
	setsid setpriv --pdeathsig KILL "${QEMU_CMD[@]}" </dev/null >"$fifo" 2>&1 &
	QEMU_PID=$!
}

qemu_running()
{
	[ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null
}

# Stop QEMU if it still runs: TERM, then KILL after a grace period.
# Sets QEMU_RC to QEMU's exit status (128 + signal when killed).
qemu_stop()
{
	local tries=10

	[ -n "$QEMU_PID" ] || return 0
	if qemu_running; then
		kill -TERM -- "-$QEMU_PID" 2>/dev/null || true
		while [ "$tries" -gt 0 ] && qemu_running; do
			sleep 0.5
			tries=$((tries - 1))
		done
		qemu_running && kill -KILL -- "-$QEMU_PID" 2>/dev/null
	fi
	QEMU_RC=0
	wait "$QEMU_PID" 2>/dev/null || QEMU_RC=$?
	QEMU_PID=
}

# Wait for QEMU to exit by itself; set QEMU_RC.
qemu_reap()
{
	QEMU_RC=0
	[ -n "$QEMU_PID" ] || return 0
	wait "$QEMU_PID" 2>/dev/null || QEMU_RC=$?
	QEMU_PID=
}

# line_read FD SECS PARTVAR: read one line into LINE_READ, without its
# carriage return. Returns 0 for a line, 1 when SECS passed (or, on a
# regular file, when no complete line is there yet), 2 at the end of a
# pipe. A read that stops short hands back part of a line; it waits in
# PARTVAR for the next call so that no line is ever split.
line_read()
{
	local fd=$1 secs=$2 chunk="" rc=0
	local -n part=$3

	IFS= read -r -t "$secs" -u "$fd" chunk || rc=$?
	if [ "$rc" = 0 ]; then
		LINE_READ=$part$chunk
		LINE_READ=${LINE_READ%$'\r'}
		part=
		return 0
	fi
	part+=$chunk
	[ "$rc" -gt 128 ] && return 1
	return 2
}

# The rest of a line cut by the end of the stream, if any.
line_rest()
{
	local -n part=$1

	[ -n "$part" ] || return 1
	LINE_READ=${part%$'\r'}
	part=
}

# console_read FD SECS: line_read for the console FIFO, into CONSOLE_LINE.
CONSOLE_PART=
LINE_READ=
CONSOLE_LINE=
console_read()
{
	local rc=0

	line_read "$1" "$2" CONSOLE_PART || rc=$?
	[ "$rc" = 2 ] && line_rest CONSOLE_PART && rc=0
	[ "$rc" = 0 ] && CONSOLE_LINE=$LINE_READ
	return "$rc"
}

# kvm_works KERNEL INITRD WORKDIR: boot the guest under KVM up to /init
# (which answers the vmtest.probe argument and powers off at once). On
# hosts with broken nested KVM the guest dies in the decompressor or just
# spins, printing nothing; QEMU then pauses or hangs rather than exits.
# A working KVM reaches /init in a second or two, so the wait is short.
kvm_works()
{
	local kernel=$1 initrd=$2 dir=$3 fifo deadline rc ok=1 why=timeout
	local QEMU_CONSOLE=stdio

	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	fifo=$dir/probe.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	: >"$dir/probe.log"
	qemu_cmdline kvm "$kernel" "$initrd" "$dir/probe-kernel.log" vmtest.probe
	qemu_start "$fifo"
	exec {PROBE_FD}<"$fifo"
	deadline=$(($(now) + ${KVM_PROBE_TIMEOUT:-10}))
	while [ "$(now)" -lt "$deadline" ]; do
		rc=0
		console_read "$PROBE_FD" 1 || rc=$?
		if [ "$rc" = 2 ]; then
			why="QEMU exited"
			break
		fi
		[ "$rc" = 0 ] || continue
		echo "$CONSOLE_LINE" >>"$dir/probe.log"
		case "$CONSOLE_LINE" in
		*"@@VMTEST PROBE OK"*) ok=0; why=ok; break ;;
		*"KVM internal error"* | *"emulation failure"* | *"Kernel panic"*)
			why=$CONSOLE_LINE
			break
			;;
		esac
	done
	qemu_stop
	exec {PROBE_FD}<&-
	rm -f "$fifo"
	echo "probe result: $why" >>"$dir/probe.log"
	return "$ok"
}
