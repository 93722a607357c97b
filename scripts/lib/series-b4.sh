# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# b4 for 'series mail --b4' and 'series am': run with a HOME and a git
# config of its own, so that neither the user's settings nor a cached
# thread changes what it writes, and with proxies that lead nowhere, so
# that it can never reach out to a list archive or a web endpoint.
#
# b4 0.12 (Debian 12) works on an enrolled branch only: 'b4 prep -e BASE'
# puts an empty cover-letter commit with its tracking data at the start of
# the branch. On a branch without one 'b4 send' fails inside cmd_send.

B4_MIN_VERSION=0.12

check_b4()
{
	local ver

	need_cmd b4
	ver=$(b4 --version 2>/dev/null | head -n 1) ||
		die "b4 --version failed: reinstall b4 ('apt-get install b4')"
	if [ "$(printf '%s\n%s\n' "$B4_MIN_VERSION" "$ver" | sort -V | head -n 1)" != "$B4_MIN_VERSION" ]; then
		die "b4 $ver is older than $B4_MIN_VERSION: install a newer b4"
	fi
}

# Make the private home of b4 ($B4_HOME) with a git config naming the
# sender "$1" ("Name <email>", may be empty) and switching off everything
# that would look something up.
prepare_b4_home()
{
	local sender=${1:-} cfg

	B4_HOME=$SERIES_OUT/b4-home
	rm -rf "$B4_HOME"
	mkdir -p "$B4_HOME"
	cfg=$B4_HOME/gitconfig
	{
		if [ -n "$sender" ]; then
			printf '[user]\n\tname = %s\n\temail = %s\n' \
				"${sender% <*}" "$(address_key "$sender")"
		fi
		printf '[b4]\n\tattestation-policy = off\n\tattestation-check-dkim = no\n'
		printf '\tsend-auto-to-cmd = true\n\tsend-auto-cc-cmd = true\n'
	} >"$cfg"
}

# Run b4 "$@" in directory $B4_DIR, logging to $B4_LOG. On failure print
# b4's last lines and the command, then die.
run_b4()
{
	local rc=0

	(cd "$B4_DIR" && env HOME="$B4_HOME" XDG_CONFIG_HOME="$B4_HOME/.config" \
		XDG_CACHE_HOME="$B4_HOME/.cache" XDG_DATA_HOME="$B4_HOME/.local" \
		GIT_CONFIG_GLOBAL="$B4_HOME/gitconfig" GIT_CONFIG_NOSYSTEM=1 \
		http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
		HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
		no_proxy= NO_PROXY= EDITOR="${B4_EDITOR:-false}" \
		b4 "$@") >>"$B4_LOG" 2>&1 </dev/null || rc=$?
	[ "$rc" = 0 ] && return 0
	echo "---- last lines of b4's output ($(project_rel "$B4_LOG")) ----" >&2
	tail -n 12 "$B4_LOG" | sed 's/^/  /' >&2
	echo "----" >&2
	die "b4 failed (exit $rc): (cd $B4_DIR && b4 $*)"
}

# The cover letter as b4 keeps it: subject, blank line, text, then the
# To:/Cc: trailers that 'b4 send' turns into headers.
write_b4_cover()
{
	local addr

	cover_subject
	echo
	cover_text
	echo
	for addr in "${MAIL_TO[@]}"; do echo "To: $addr"; done
	for addr in "${MAIL_CC[@]}"; do echo "Cc: $addr"; done
}

# Enrol the mail scratch repo's branch, put the cover letter in, and have
# b4 write the mails into $1.
mail_with_b4()
{
	local dir=$1 cover extras

	prepare_b4_home "$(sgit config user.name) <$(sgit config user.email)>"
	cover=$B4_HOME/cover.txt
	write_b4_cover >"$cover"
	B4_DIR=$SCRATCH
	B4_LOG=$SERIES_OUT/b4.log
	: >"$B4_LOG"
	run_b4 prep -e "$SERIES_BASE_TAG"
	extras=$(b4_extra_prefixes)
	# shellcheck disable=SC2086 # the prefixes are several words
	[ -z "$extras" ] || run_b4 prep --set-prefixes $extras
	B4_EDITOR="cp $cover" run_b4 prep --edit-cover
	run_b4 send --no-sign --not-me-too -o "$dir"
	[ -n "$(ls -A "$dir")" ] || die "b4 send -o wrote nothing into $dir (see $(project_rel "$B4_LOG"))"
	b4_subjects_to_prefix "$dir" "$extras"
}

# The words of SERIES_SUBJECT_PREFIX other than PATCH ("RFC" of
# "RFC PATCH"): what b4 calls extra prefixes.
b4_extra_prefixes()
{
	local word out=""

	for word in $SERIES_SUBJECT_PREFIX; do
		[ "${word^^}" = PATCH ] || out+="${out:+ }$word"
	done
	echo "$out"
}

# b4 0.12 always puts PATCH first ("[PATCH RFC 3/8]"); give the mails in
# directory $1 the tag as configured ("[RFC PATCH 3/8]", as patches/ and
# format-patch have it). $2: the extra prefixes b4 was given.
b4_subjects_to_prefix()
{
	local dir=$1 extras=$2 file

	for file in "$dir"/*; do
		[ -f "$file" ] || continue
		B4_TAG="PATCH${extras:+ $extras}" WANT=$SERIES_SUBJECT_PREFIX perl -i -pe '
			$head = 1 if $. == 1;
			$head = 0 if /^$/;
			s/^Subject: \[\Q$ENV{B4_TAG}\E(?=[ \]])/Subject: [$ENV{WANT}/ if $head;
		' "$file"
	done
}
