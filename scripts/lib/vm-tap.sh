# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Reading the vmtest console: logging, TAP accounting and the summary.
# Source it after common.sh; it sources tap-judge.sh, which holds the
# rules by which lines and binaries are judged. The guest's /init (vm/init) frames every test
# binary with "@@VMTEST BEGIN name" and "@@VMTEST END name rc=N" lines;
# between them is the binary's own kselftest TAP.
#
# Feed each console line to tap_feed and each kernel log line to
# tap_kernel_line, as they come, then call tap_summary.
# Times are host times in microseconds since QEMU was started, taken as
# each line arrives.

# shellcheck source=tap-judge.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap-judge.sh"

declare -gA TAP_PLAN TAP_PASS TAP_FAIL TAP_SKIP TAP_XFAIL TAP_XPASS TAP_NRES TAP_RC
declare -gA TAP_BEGIN_US TAP_END_US TAP_GUEST_BEGIN TAP_GUEST_END TAP_LAST_LINE
TAP_TESTS=()
TAP_PROBLEMS=()
TAP_WARNINGS=()
TAP_CUR=
TAP_CASE=
TAP_CASE_US=
TAP_LAST_RESULT_US=0
TAP_LAST_OTHER_US=0
TAP_FIRST_BEGIN_US=
declare -gA TAP_CRASH
TAP_DONE=0
TAP_VERBOSE=0
TAP_START_US=0
TAP_NOW_US=0

# Microseconds since the epoch; EPOCHREALTIME's separator follows the locale.
host_usecs()
{
	local t=${EPOCHREALTIME//[!0-9]/}

	echo "$((10#$t))"
}

# USECS as seconds with one decimal.
fmt_secs()
{
	local us=$1

	printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}

# tap_init START_USECS LOG_DIR VERBOSE TEST...
tap_init()
{
	TAP_START_US=$1
	TAP_LOG_DIR=$2
	TAP_VERBOSE=$3
	shift 3
	TAP_TESTS=("$@")
	: >"$TAP_LOG_DIR/console.log"
	: >"$TAP_LOG_DIR/timed.log"
	printf 'case\tbinary\tnumber\tstatus\tcase_secs\ttail_secs\tname\n' \
		>"$TAP_LOG_DIR/cases.tsv"
}

say()
{
	printf '%s\n' "$*"
}

tap_marker()
{
	local words=$1 name rc t

	case "$words" in
	"BEGIN "*)
		read -r _ name t <<<"$words"
		TAP_CUR=$name
		TAP_CASE=
		TAP_CASE_US=
		TAP_BEGIN_US[$name]=$TAP_NOW_US
		TAP_GUEST_BEGIN[$name]=${t#t=}
		TAP_LAST_RESULT_US=$TAP_NOW_US
		TAP_LAST_OTHER_US=$TAP_NOW_US
		[ -n "$TAP_FIRST_BEGIN_US" ] || TAP_FIRST_BEGIN_US=$TAP_NOW_US
		say "==== $name (started $(fmt_secs "$TAP_NOW_US") s after QEMU start)"
		;;
	"END "*)
		read -r _ name rc t <<<"$words"
		TAP_RC[$name]=${rc#rc=}
		TAP_END_US[$name]=$TAP_NOW_US
		TAP_GUEST_END[$name]=${t#t=}
		TAP_CUR=
		say "==== $name exited with status ${TAP_RC[$name]} after $(fmt_secs $((TAP_NOW_US - ${TAP_BEGIN_US[$name]:-$TAP_NOW_US}))) s"
		;;
	"DONE"*) TAP_DONE=1 ;;
	"ERROR "*)
		TAP_PROBLEMS+=("guest: ${words#ERROR }")
		say "vmtest: guest error: ${words#ERROR }"
		;;
	"WARN "*)
		TAP_WARNINGS+=("guest: ${words#WARN }")
		say "vmtest: guest warning: ${words#WARN }"
		;;
	"DEVICE "* | "SETUP "* | "INFO "* | "INIT "*)
		say "vmtest: guest ${words}"
		;;
	esac
}

# A result line of the running binary, classified by tap_classify: count
# it and print it with its position in the plan and its duration.
tap_result()
{
	local line=$1 status=$TJ_STATUS name=$TJ_NAME num=$TJ_NUM start case_us tail_us
	local -n counts=TAP_${status^^}
	local n=${counts["$TAP_CUR"]:-0}

	counts["$TAP_CUR"]=$((n + 1))
	TAP_NRES[$TAP_CUR]=$((${TAP_NRES[$TAP_CUR]:-0} + 1))

	start=${TAP_CASE_US:-$TAP_LAST_RESULT_US}
	case_us=$((TAP_NOW_US - start))
	tail_us=$((TAP_NOW_US - TAP_LAST_OTHER_US))
	TAP_LAST_RESULT_US=$TAP_NOW_US
	TAP_LAST_OTHER_US=$TAP_NOW_US
	TAP_CASE_US=
	printf 'case\t%s\t%s\t%s\t%s\t%s\t%s\n' "$TAP_CUR" "$num" "$status" \
		"$(fmt_secs "$case_us")" "$(fmt_secs "$tail_us")" "$name" \
		>>"$TAP_LOG_DIR/cases.tsv"
	printf '%-60s [%s/%s %ss]\n' "$line" "${TAP_NRES[$TAP_CUR]}" \
		"${TAP_PLAN[$TAP_CUR]:-?}" "$(fmt_secs "$case_us")"
}

# A line between a binary's BEGIN and END markers.
tap_binary_line()
{
	local line=$1 re_run='^#[[:space:]]+RUN[[:space:]]+([^[:space:]]+)'
	local re_verdict='^#[[:space:]]+(OK|FAIL|SKIP|XFAIL|XPASS)[[:space:]]'

	TAP_LAST_LINE[$TAP_CUR]=$line
	tap_classify "$line"
	if [ "$TJ_KIND" = plan ]; then
		TAP_PLAN[$TAP_CUR]=$TJ_PLAN
	elif [ "$TJ_KIND" = result ]; then
		tap_result "$line"
		return
	elif [[ "$line" =~ $re_run ]]; then
		TAP_CASE=${BASH_REMATCH[1]}
		TAP_CASE_US=$TAP_NOW_US
	fi
	[[ "$line" =~ $re_verdict ]] || TAP_LAST_OTHER_US=$TAP_NOW_US
	say "$line"
}

# Any sign of a kernel crash or of a kernel that detected itself stuck,
# wherever it shows up. Only the first of each kind is kept.
tap_check_crash()
{
	local line=$1 kind

	case "$line" in
	*"Kernel panic"*) kind=PANIC ;;
	*"Oops: "*) kind=OOPS ;;
	*"BUG: "*) kind=BUG ;;
	*"detected stalls on CPUs"* | *"blocked for more than"*) kind=STALL ;;
	*) return 0 ;;
	esac
	if [ -z "${TAP_CRASH[$kind]:-}" ]; then
		TAP_CRASH[$kind]="$line (while running: ${TAP_CUR:-${TAP_LAST_BIN:-no test}}${TAP_CASE:+, case $TAP_CASE})"
		say "vmtest: KERNEL $kind: $line"
	fi
}

# tap_feed LINE: account one console line.
tap_feed()
{
	local line=$1 rel

	TAP_NOW_US=$(($(host_usecs) - TAP_START_US))
	# Milliseconds: scripts/bench times steps of a few ms from this log.
	printf -v rel '%d.%03d' $((TAP_NOW_US / 1000000)) $((TAP_NOW_US % 1000000 / 1000))
	printf '%s\n' "$line" >>"$TAP_LOG_DIR/console.log"
	printf '%s %s\n' "$rel" "$line" >>"$TAP_LOG_DIR/timed.log"
	[ -n "$TAP_CUR" ] && TAP_LAST_BIN=$TAP_CUR
	tap_check_crash "$line"

	if [[ "$line" == "@@VMTEST "* ]]; then
		tap_marker "${line#@@VMTEST }"
	elif [ -n "$TAP_CUR" ]; then
		tap_binary_line "$line"
	elif [ "$TAP_VERBOSE" = 1 ]; then
		say "$line"
	fi
}

# tap_kernel_line LINE: a line of the kernel's console (its own port).
tap_kernel_line()
{
	tap_check_crash "$1"
	[ "$TAP_VERBOSE" = 1 ] && say "kernel: $1"
	return 0
}

# The running binary and case, for a timeout message.
tap_running()
{
	if [ -n "$TAP_CUR" ]; then
		echo "$TAP_CUR${TAP_CASE:+ (case $TAP_CASE)}"
	elif [ -n "$TAP_FIRST_BEGIN_US" ]; then
		echo "no test binary (between binaries or in cleanup)"
	else
		echo "no test binary yet (boot or device set-up)"
	fi
}

tap_problem()
{
	TAP_PROBLEMS+=("$*")
}

# Judge one binary by the rules of tap-judge.sh; add its counts to the
# totals and its problems and notes to the run's.
tap_judge_binary()
{
	local name=$1 plan started=0 rc p

	plan=${TAP_PLAN[$name]:-}
	rc=${TAP_RC[$name]:-}
	[ -z "${TAP_BEGIN_US[$name]:-}" ] || started=1
	tap_judge "$started" "$plan" "$rc" "${TAP_PASS[$name]:-0}" "${TAP_FAIL[$name]:-0}" \
		"${TAP_SKIP[$name]:-0}" "${TAP_XFAIL[$name]:-0}" "${TAP_XPASS[$name]:-0}"
	for p in "${TJ_PROBLEMS[@]}"; do
		# The last line it printed says where it stopped.
		[[ $p != "did not finish"* ]] || p="$p (last line: ${TAP_LAST_LINE[$name]:-none})"
		tap_problem "$name: $p"
	done
	for p in "${TJ_NOTES[@]}"; do
		[[ $p != "skipped as a whole"* ]] || p="$p: ${TAP_LAST_LINE[$name]:-no output}"
		TAP_WARNINGS+=("$name: $p")
	done

	TOTAL_PASS=$((TOTAL_PASS + TJ_PASS))
	TOTAL_FAIL=$((TOTAL_FAIL + TJ_FAIL))
	TOTAL_SKIP=$((TOTAL_SKIP + TJ_SKIP))
	printf '  %-*s %5s %5s %5s %5s %6s %9s\n' "$TAP_NAME_WIDTH" "$name" "${plan:--}" "$TJ_PASS" \
		"$TJ_FAIL" "$TJ_SKIP" "${rc:--}" "$(tap_binary_secs "$name")"
	printf 'binary\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${plan:-}" \
		"$TJ_PASS" "$TJ_FAIL" "$TJ_SKIP" "${rc:-}" "$(tap_binary_secs "$name")" \
		"$(tap_guest_secs "$name")" >>"$TAP_LOG_DIR/summary.tsv"
}

tap_binary_secs()
{
	local name=$1

	if [ -n "${TAP_BEGIN_US[$name]:-}" ] && [ -n "${TAP_END_US[$name]:-}" ]; then
		fmt_secs $((TAP_END_US[$name] - TAP_BEGIN_US[$name]))
	else
		echo -
	fi
}

# The binary's run time on the guest's clock, from /proc/uptime.
tap_guest_secs()
{
	local name=$1 b e

	b=${TAP_GUEST_BEGIN[$name]:-}
	e=${TAP_GUEST_END[$name]:-}
	if [ -z "$b" ] || [ -z "$e" ]; then
		echo -
		return
	fi
	b=${b//./}
	e=${e//./}
	printf '%d.%02d' $(((10#$e - 10#$b) / 100)) $(((10#$e - 10#$b) % 100))
}

# tap_summary ACCEL WALL_USECS: print the summary; the last line is the
# one CI parses. Returns 1 when anything went wrong.
tap_summary()
{
	local accel=$1 wall_us=$2 name boot=- p

	TOTAL_PASS=0
	TOTAL_FAIL=0
	TOTAL_SKIP=0
	[ -n "$TAP_FIRST_BEGIN_US" ] && boot=$(fmt_secs "$TAP_FIRST_BEGIN_US")
	printf 'record\tname\tplan\tpass\tfail\tskip\trc\thost_secs\tguest_secs\n' \
		>"$TAP_LOG_DIR/summary.tsv"
	say ""
	say "vmtest summary ($accel)"
	[ -z "${TAP_SUITE_DESC:-}" ] || say "suite: $TAP_SUITE_DESC"
	[ -z "${TAP_KERNEL_DESC:-}" ] || say "kernel: $TAP_KERNEL_DESC"
	[ -z "${TAP_CLOCK_DESC:-}" ] || say "clock: $TAP_CLOCK_DESC"
	# The name column is as wide as the longest binary name.
	TAP_NAME_WIDTH=6
	for name in "${TAP_TESTS[@]}"; do
		[ "${#name}" -le "$TAP_NAME_WIDTH" ] || TAP_NAME_WIDTH=${#name}
	done
	printf '  %-*s %5s %5s %5s %5s %6s %9s\n' "$TAP_NAME_WIDTH" binary plan pass fail skip \
		status "time (s)"
	for name in "${TAP_TESTS[@]}"; do
		tap_judge_binary "$name"
	done
	printf '  %-*s %5s %5s %5s %5s\n' "$TAP_NAME_WIDTH" total "" "$TOTAL_PASS" \
		"$TOTAL_FAIL" "$TOTAL_SKIP"
	for p in PANIC OOPS BUG STALL; do
		[ -z "${TAP_CRASH[$p]:-}" ] || tap_problem "KERNEL $p: ${TAP_CRASH[$p]}"
	done
	if [ "$TAP_DONE" != 1 ] && [ "${#TAP_PROBLEMS[@]}" = 0 ]; then
		tap_problem "the guest never reported DONE"
	fi
	printf 'run\tboot_secs\t%s\nrun\twall_secs\t%s\nrun\taccel\t%s\nrun\tclock\t%s\n' \
		"$boot" "$(fmt_secs "$wall_us")" "$accel" "${TAP_CLOCK:-}" \
		>>"$TAP_LOG_DIR/summary.tsv"
	say "boot: ${boot} s (QEMU start to first test)   wall: $(fmt_secs "$wall_us") s   accel: $accel"
	say "logs: $TAP_LOG_DIR/console.log (tests), kernel.log, timed.log, cases.tsv, summary.tsv"
	for p in "${TAP_WARNINGS[@]}"; do
		say "warning: $p"
	done
	for p in "${TAP_PROBLEMS[@]}"; do
		say "FAILED: $p"
	done
	say "vmtest: $TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped"
	[ "${#TAP_PROBLEMS[@]}" = 0 ]
}
