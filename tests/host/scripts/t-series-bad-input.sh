#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bad input to 'series mail' and 'series am': each case must
# fail with one line naming the mail or path, leave nothing half-applied
# (no scratch repo from the failed am) and leave the user's tree as it was.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=series-lib.sh
source "$(dirname "$0")/series-lib.sh"

usage()
{
	echo "Usage: ${0##*/}   (host test: bad input to series mail and am)"
}

# Mails to break: the series as 'series mail' writes it.
make_mails()
{
	"$SERIES" mail "$WORK/mails" >"$WORK/mail.log" 2>&1 ||
		{ cat "$WORK/mail.log" >&2; return 1; }
}

mail_file()
{
	find "$WORK/mails" -name "$(printf '%04d' "$1")-*" | head -n 1
}

# Run "$@" in a subshell, so that a die there ends only the subshell.
run_in_subshell()
{
	("$@")
}

# am_refuses NAME PATTERN MAIL...: refused, and no scratch repo left.
am_refuses()
{
	local name=$1 pattern=$2

	shift 2
	rm -rf "$BUILD_DIR/series/am" "$BUILD_DIR/series/am.new"
	expect_refusal "am: $name" "$pattern" "$SERIES" am --no-check --no-test "$@"
	if [ -e "$BUILD_DIR/series/am" ] || [ -e "$BUILD_DIR/series/am.new" ]; then
		not_ok "am: $name: left a scratch repo behind"
	fi
}

bad_mails()
{
	local d=$WORK/bad n total

	# The series' length, from the mails themselves (0000 is the cover).
	total=$(($(find "$WORK/mails" -name '[0-9][0-9][0-9][0-9]-*' | wc -l) - 1))
	mkdir -p "$d/missing" "$d/notpatch"
	for n in $(seq 0 "$total"); do
		[ "$n" = 4 ] || cp "$(mail_file "$n")" "$d/missing/"
	done
	am_refuses "a missing patch" "$d/missing: patch 4/$total missing" "$d/missing"

	cat "$(mail_file 0)" "$(mail_file 2)" "$(mail_file 1)" >"$d/order.mbox"
	for n in $(seq 3 "$total"); do cat "$(mail_file "$n")"; done >>"$d/order.mbox"
	am_refuses "patches out of order" \
		"order.mbox \\(mail 3\\): patch 1/$total comes after patch 2/$total" "$d/order.mbox"

	cp "$WORK"/mails/* "$d/notpatch/"
	printf 'From: Someone <someone@example.org>\nSubject: Re: [PATCH 3/%s] a reply\n\nLooks fine.\n' \
		"$total" >"$d/notpatch/0003-reply.patch"
	am_refuses "a mail that is not a patch" "0003-reply.patch: not a patch" "$d/notpatch"

	# A context line of patch 3 that the base does not have.
	awk '/^@@/ { hunk = 1 } hunk && /^-/ && !done { sub(/^-/, "-BROKEN "); done = 1 } { print }' \
		"$(mail_file 3)" >"$d/0003-broken.patch"
	{
		for n in 0 1 2; do cat "$(mail_file "$n")"; done
		cat "$d/0003-broken.patch"
		for n in $(seq 4 "$total"); do cat "$(mail_file "$n")"; done
	} >"$d/noapply.mbox"
	am_refuses "a patch that does not apply (b4 am)" \
		"noapply.mbox \\(mail 4\\) .*does not apply onto base" "$d/noapply.mbox"
	am_refuses "a patch that does not apply (git am)" \
		"noapply.mbox \\(mail 4\\) .*does not apply onto base" --git-am "$d/noapply.mbox"
	am_refuses "no such file" "$d/nothing: no such file" "$d/nothing"
}

bad_mail_options()
{
	local k=$WORK/nogm

	mkdir -p "$k/tools/testing/selftests"
	echo 'VERSION = 0' >"$k/Makefile"
	expect_refusal "mail: no get_maintainer.pl" "$k/scripts/get_maintainer.pl missing" \
		"$SERIES" mail --kdir "$k" "$WORK/out-nogm"
	expect_refusal "mail: a placeholder address" "'x@example.invalid' is not a deliverable address" \
		"$SERIES" mail --to x@example.invalid "$WORK/out-placeholder"
	if [ -e "$WORK/out-nogm" ] || [ -e "$WORK/out-placeholder" ]; then
		not_ok "mail: a refused mail left its directory behind"
	fi
}

# Run check_mail_headers of scripts/lib/series-address.sh on directory $2.
check_headers_of()
{
	# shellcheck disable=SC2034 # read by common.sh
	PROG=series
	# shellcheck source=../../../scripts/lib/common.sh
	source "$1/common.sh"
	# shellcheck source=../../../scripts/lib/series-address.sh
	source "$1/series-address.sh"
	check_mail_headers "$2"
}

# The header check on its own: a written mail whose From is the stored
# series' placeholder.
placeholder_header()
{
	local d=$WORK/hdr lib

	lib=${SERIES%/series}/lib
	mkdir -p "$d"
	printf 'From: "VFIO igb staging (placeholder)" <vfio-igb-staging@example.invalid>\nTo: a@example.org,\n b@example.org\nSubject: x\n\nbody\n' \
		>"$d/0001-x.patch"
	expect_refusal "mail: a placeholder in a written header" \
		"0001-x.patch: placeholder in 'From: .*example.invalid" \
		run_in_subshell check_headers_of "$lib" "$d"
	printf 'From: Someone <someone@example.org>\nTo: a@example.org,\n <sender: fill in your name and address>\nSubject: x\n\nbody\n' \
		>"$d/0001-x.patch"
	expect_refusal "mail: a placeholder in a folded To:" \
		"0001-x.patch: placeholder in 'To: <sender: fill in" \
		run_in_subshell check_headers_of "$lib" "$d"
}

# b4 that fails in 'b4 send': the error must show b4's own last lines and
# the command that failed, and nothing may reach DIR.
failing_b4()
{
	local bin=$WORK/fake-b4 rc=0

	mkdir -p "$bin"
	cat >"$bin/b4" <<'B4'
#!/bin/sh
case "$1" in
--version) echo 0.12.0 ;;
send) echo 'Traceback (most recent call last):'; echo "TypeError: fake failure in cmd_send"; exit 1 ;;
*) exit 0 ;;
esac
B4
	chmod +x "$bin/b4"
	PATH=$bin:$PATH "$SERIES" mail --b4 "$WORK/out-b4" >"$OUT" 2>"$ERR" || rc=$?
	if [ "$rc" != 0 ] && grep -q 'TypeError: fake failure in cmd_send' "$ERR" &&
	   tail -n 1 "$ERR" | grep -q 'b4 failed (exit 1): (cd .* && b4 send --no-sign --not-me-too -o ' &&
	   [ -z "$(ls -A "$WORK/out-b4" 2>/dev/null)" ]; then
		ok "mail --b4: a failing b4 shows its last lines and the command: $(tail -n 1 "$ERR")"
	else
		not_ok "mail --b4: a failing b4 was not reported with its output and command (rc $rc)"
		sed 's/^/# /' "$ERR"
	fi
}

main()
{
	case "${1:-}" in -h | --help) usage; exit 0 ;; esac
	make_mails || { not_ok "series mail failed; cannot make bad mails"; tap_done; exit 1; }
	bad_mails
	bad_mail_options
	placeholder_header
	failing_b4
	tap_done
}

main "$@"
