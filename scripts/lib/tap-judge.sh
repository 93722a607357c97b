# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034 # the TJ_* variables are the callers' results
#
# The one set of rules by which the project judges a test binary's
# kselftest TAP (KTAP) output: the VM runner (vm-tap.sh), the hardware
# runner (hw-run) and the soak loop all classify lines and decide a
# binary's verdict here. Source it; it defines functions only.
#
# A result line is "ok N desc" or "not ok N desc" at column 0; nested KTAP
# (subtests, indented, announced by "# Subtest:") belongs to the
# enclosing result and is never counted again. A directive is the first
# word after a " # " in desc (or a desc that starts with "#"), compared
# without regard to case. Each result is one of:
#
#   pass   ok, no directive
#   fail   not ok, no directive (kselftest's "not ok N # error" too)
#   skip   SKIP on ok or not ok; never a pass
#   xfail  XFAIL: the failure the test expects. kselftest.h prints it on an
#          "ok" line and counts it apart from pass and fail; TAP puts the
#          same thing on "not ok". Both forms are xfail, and an xfail does
#          not fail the binary (ksft_finished() treats pass + xfail + skip
#          as success); the summaries add it to the passes
#   xpass  XPASS: a case expected to fail that passed. kselftest.h prints
#          it on "ok" but ksft_finished() leaves it out of the successes,
#          so a run with one exits with KSFT_FAIL and the kselftest runner
#          reports "not ok". It is a failure here, on either line (the
#          harness's own "PASSED" tally counts it as passed; the stricter
#          ksft_exit rule is followed: a stale expectation needs a look).
#
# A binary's verdict (tap_judge) comes from its plan "1..N", its counts
# and its exit status:
#   - fewer results than the plan: each missing one is a failure;
#   - more results than the plan, or results and no plan: one failure;
#   - no plan and no result: one failure, unless the exit status is 4
#     (KSFT_SKIP: the whole binary skipped, one skip); "1..0" with no
#     result is one skip;
#   - an exit status other than 0 or 4 (a signal shows as 128 + N), or no
#     exit status at all (the binary never ended): a failure even when
#     every printed case passed, one more failure when none had failed;
#   - a binary that never started: one failure.
# The verdict is FAIL when the failure count is not 0, else PASS when
# something passed (pass or xfail), else SKIP. So a FAIL always shows as
# a failure in the counts, and a SKIP never as a pass.

declare -gA TJ_N=()

# tap_classify LINE: what LINE of a binary's output is. Sets TJ_KIND to
# "plan" (TJ_PLAN = N), "result" (TJ_STATUS one of pass fail skip xfail
# xpass, TJ_NUM, TJ_NAME = desc without its directive) or "other".
tap_classify()
{
	local line=$1 re_result='^(not )?ok[[:space:]]+([0-9]+)[[:space:]]*(.*)$'
	local re_directive='(^|[[:space:]])#[[:space:]]*([A-Za-z]+)' notok rest word

	TJ_KIND=other
	if [[ $line =~ ^1\.\.([0-9]+) ]]; then
		TJ_KIND=plan
		TJ_PLAN=${BASH_REMATCH[1]}
		return 0
	fi
	[[ $line =~ $re_result ]] || return 0
	TJ_KIND=result
	notok=${BASH_REMATCH[1]}
	TJ_NUM=${BASH_REMATCH[2]}
	rest=${BASH_REMATCH[3]}
	word=
	TJ_NAME=$rest
	if [[ $rest =~ $re_directive ]]; then
		word=${BASH_REMATCH[2]^^}
		TJ_NAME=${rest%%"${BASH_REMATCH[0]}"*}
	fi
	TJ_NAME=${TJ_NAME%"${TJ_NAME##*[![:space:]]}"}
	case $word in
	SKIP) TJ_STATUS=skip ;;
	XFAIL) TJ_STATUS=xfail ;;
	XPASS) TJ_STATUS=xpass ;;
	*) if [ -n "$notok" ]; then TJ_STATUS=fail; else TJ_STATUS=pass; fi ;;
	esac
}

# tap_judge STARTED PLAN RC PASS FAIL SKIP XFAIL XPASS: the verdict on one
# binary. PLAN and RC are empty when there was none (RC empty: the binary
# never ended). Sets TJ_VERDICT (PASS, FAIL or SKIP); TJ_PASS (pass +
# xfail), TJ_FAIL (fail + xpass + the failures the rules above add) and
# TJ_SKIP, the counts the summaries show; TJ_CASES_FAILED, the failed
# results alone (fail + xpass, for a run cut short); TJ_PROBLEMS, why it failed, and
# TJ_NOTES, what is worth saying although it did not fail.
tap_judge()
{
	local started=$1 plan=$2 rc=$3 pass=$4 fail=$5 skip=$6 xfail=$7 xpass=$8 nres died=

	nres=$((pass + fail + skip + xfail + xpass))
	TJ_PASS=$((pass + xfail))
	TJ_FAIL=$((fail + xpass))
	TJ_CASES_FAILED=$TJ_FAIL
	TJ_SKIP=$skip
	TJ_PROBLEMS=()
	TJ_NOTES=()
	if [ "$started" != 1 ]; then
		TJ_PROBLEMS+=("never started; counted as 1 failed")
		TJ_FAIL=$((TJ_FAIL + 1))
		TJ_VERDICT=FAIL
		return 0
	fi
	[ "$fail" = 0 ] || TJ_PROBLEMS+=("$fail case(s) failed")
	[ "$xpass" = 0 ] ||
		TJ_PROBLEMS+=("$xpass case(s) passed that were expected to fail (XPASS)")
	[ "$xfail" = 0 ] ||
		TJ_NOTES+=("$xfail case(s) failed as expected (XFAIL), counted as passed")
	if [ -z "$plan" ] && [ "$nres" = 0 ]; then
		if [ "$rc" = 4 ]; then
			TJ_NOTES+=("skipped as a whole (exit status 4, KSFT_SKIP)")
			TJ_SKIP=$((TJ_SKIP + 1))
		else
			TJ_PROBLEMS+=("printed no TAP plan and no result (status ${rc:-none}); counted as 1 failed")
			TJ_FAIL=$((TJ_FAIL + 1))
		fi
	elif [ "$plan" = 0 ] && [ "$nres" = 0 ]; then
		TJ_NOTES+=("planned no test (1..0)")
		TJ_SKIP=$((TJ_SKIP + 1))
	elif [ -z "$plan" ]; then
		TJ_PROBLEMS+=("$nres result(s) but no TAP plan; counted as 1 failed")
		TJ_FAIL=$((TJ_FAIL + 1))
	elif [ "$nres" -lt "$plan" ]; then
		TJ_PROBLEMS+=("only $nres of $plan planned cases reported; $((plan - nres)) counted as failed")
		TJ_FAIL=$((TJ_FAIL + plan - nres))
	elif [ "$nres" -gt "$plan" ]; then
		TJ_PROBLEMS+=("$nres results for a plan of $plan; counted as 1 failed")
		TJ_FAIL=$((TJ_FAIL + 1))
	fi
	if [ -z "$rc" ]; then
		died="did not finish (no exit status)"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		died="exited with status $rc"
		[ "$rc" -le 128 ] || died="$died (signal $((rc - 128)))"
	fi
	if [ -n "$died" ]; then
		if [ "$TJ_FAIL" = 0 ]; then
			TJ_PROBLEMS+=("$died although no case failed; counted as 1 failed")
			TJ_FAIL=1
		else
			TJ_PROBLEMS+=("$died")
		fi
	fi
	if [ "$TJ_FAIL" != 0 ]; then
		TJ_VERDICT=FAIL
	elif [ "$TJ_PASS" != 0 ]; then
		TJ_VERDICT=PASS
	else
		TJ_VERDICT=SKIP
	fi
}

# A binary's output read line by line: tap_count_start, tap_count_line
# for each line, then tap_count_judge RC for the verdict (as tap_judge).
# TJ_PLAN_SEEN holds the plan or is empty.
tap_count_start()
{
	TJ_PLAN_SEEN=
	TJ_N=([pass]=0 [fail]=0 [skip]=0 [xfail]=0 [xpass]=0)
}

tap_count_line()
{
	tap_classify "$1"
	case $TJ_KIND in
	plan) TJ_PLAN_SEEN=$TJ_PLAN ;;
	result) TJ_N[$TJ_STATUS]=$((TJ_N[$TJ_STATUS] + 1)) ;;
	esac
}

tap_count_judge()
{
	tap_judge 1 "$TJ_PLAN_SEEN" "$1" "${TJ_N[pass]}" "${TJ_N[fail]}" "${TJ_N[skip]}" \
		"${TJ_N[xfail]}" "${TJ_N[xpass]}"
}

# tap_judge_file FILE RC: judge a binary's whole recorded output (FILE)
# and exit status RC.
tap_judge_file()
{
	local line

	tap_count_start
	while IFS= read -r line || [ -n "$line" ]; do
		tap_count_line "$line"
	done <"$1"
	tap_count_judge "$2"
}
