# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# A series as mails, for 'series am': split what the user gives (an mbox,
# single mail files, directories of them) into one file per mail, read
# each mail's "[PATCH vN n/M]" tag, and refuse, in one line naming the
# mail, anything that is not one complete series in order.

# Filled by read_series_mails: the split mail files of patches 1..M in
# order, their labels (the file the user gave, and the mail's position in
# it for an mbox), the cover letter's file ("" when there is none) and the
# base-commit the mails name ("" when none does).
SERIES_MAIL_FILES=()
SERIES_MAIL_LABELS=()
SERIES_MAIL_COVER=
SERIES_MAIL_BASE=

# The files a directory argument stands for: mail files as 'series mail',
# git format-patch, b4 send -o and b4 am -o write them, in name order.
mail_files_in_dir()
{
	find "$1" -maxdepth 1 -type f \( -name '*.patch' -o -name '*.eml' \
		-o -name '*.mbx' -o -name '*.mbox' -o -name '*.cover' \) | sort
}

# Split "$@" (files or directories) into $1/NNNN, one mail each; write
# "NNNN<TAB>label" lines to $1/labels.
split_mail_inputs()
{
	local out=$1 arg file n=0 k count before
	local -a files

	shift
	mkdir -p "$out"
	: >"$out/labels"
	for arg in "$@"; do
		if [ -d "$arg" ]; then
			mapfile -t files < <(mail_files_in_dir "$arg")
			[ "${#files[@]}" -gt 0 ] ||
				die "am: $arg holds no mail file (*.patch, *.eml, *.mbx, *.mbox)"
		elif [ -f "$arg" ]; then
			files=("$arg")
		else
			die "am: $arg: no such file or directory"
		fi
		for file in "${files[@]}"; do
			[ -s "$file" ] || die "am: $file is empty"
			if head -n 1 "$file" | grep -q '^From '; then
				# An mbox: one or more mails behind "From " lines.
				before=$n
				count=$(git mailsplit -d4 -f"$n" -o"$out" "$file" 2>/dev/null) ||
					die "am: $file: not an mbox git mailsplit can read"
				for ((k = 1; k <= count; k++)); do
					n=$((before + k))
					if [ "$count" = 1 ]; then
						printf '%04d\t%s\n' "$n" "$file" >>"$out/labels"
					else
						printf '%04d\t%s (mail %d)\n' "$n" "$file" "$k" >>"$out/labels"
					fi
				done
			else
				n=$((n + 1))
				cp "$file" "$(printf '%s/%04d' "$out" "$n")"
				printf '%04d\t%s\n' "$n" "$file" >>"$out/labels"
			fi
		done
	done
}

# The "[...]" tag of a subject as git keeps it with mailinfo -k, e.g.
# "PATCH v2 3/8"; empty when there is none.
subject_tag()
{
	sed -n 's/^\[\([^]]*\)\].*/\1/p' <<<"$1"
}

# Read and check the mails split into directory $1; fill SERIES_MAIL_*.
# Every refusal is one line naming the mail.
check_series_mails()
{
	local dir=$1 id label info subject tag num total version
	local series_total="" series_version="" last=0 seen_patch=0
	local -A by_num=()
	local -a missing=()

	SERIES_MAIL_FILES=()
	SERIES_MAIL_LABELS=()
	SERIES_MAIL_COVER=
	SERIES_MAIL_BASE=
	while IFS=$'\t' read -r id label; do
		info=$dir/$id.info
		git mailinfo -k "$dir/$id.msg" "$dir/$id.diff" <"$dir/$id" >"$info" 2>/dev/null ||
			die "am: $label: not a mail git can read"
		subject=$(sed -n 's/^Subject: //p' "$info")
		[ -n "$subject" ] || die "am: $label: no Subject: header, not a patch mail"
		tag=$(subject_tag "$subject")
		num=
		total=
		version=1
		if [[ $tag =~ (^|[[:space:]])[vV]([0-9]+)($|[[:space:]]) ]]; then
			version=${BASH_REMATCH[2]}
		fi
		if [[ $tag =~ (^|[[:space:]])([0-9]+)/([0-9]+)($|[[:space:]]) ]]; then
			num=$((10#${BASH_REMATCH[2]}))
			total=$((10#${BASH_REMATCH[3]}))
		fi
		if [ "$num" = 0 ]; then
			[ "$seen_patch" = 0 ] ||
				die "am: $label: the cover letter ($subject) comes after a patch: the mails are out of order"
			[ -z "$SERIES_MAIL_COVER" ] || die "am: $label: a second cover letter ($subject)"
			SERIES_MAIL_COVER=$dir/$id
		else
			[ -s "$dir/$id.diff" ] ||
				die "am: $label: not a patch (no diff in it): $subject"
			if [ -z "$num" ]; then
				num=1
				total=1
			fi
			seen_patch=1
		fi
		if [ "$total" = 0 ] || { [ "$num" -gt "$total" ] 2>/dev/null; }; then
			die "am: $label: '$tag' is no patch number of a series"
		fi
		: "${series_total:=$total}" "${series_version:=$version}"
		[ "$total" = "$series_total" ] ||
			die "am: $label: [$tag] does not belong to the series of $series_total patch(es) of the mails before it"
		[ "$version" = "$series_version" ] ||
			die "am: $label: [$tag] is revision v$version, the mails before it are v$series_version: give one revision"
		if [ "$num" != 0 ]; then
			[ -z "${by_num[$num]:-}" ] ||
				die "am: $label: a second patch $num/$total (the first: ${by_num[$num]})"
			[ "$num" -gt "$last" ] ||
				die "am: $label: patch $num/$total comes after patch $last/$total: the mails are out of order"
			by_num[$num]=$label
			last=$num
			SERIES_MAIL_FILES+=("$dir/$id")
			SERIES_MAIL_LABELS+=("$label")
		fi
		if [ -z "$SERIES_MAIL_BASE" ]; then
			SERIES_MAIL_BASE=$(sed -n 's/^base-commit: \([0-9a-f]\{40\}\)$/\1/p' "$dir/$id" | head -n 1)
		fi
	done <"$dir/labels"
	[ -n "$series_total" ] || die "am: no mail in the input"
	[ "${#SERIES_MAIL_FILES[@]}" -gt 0 ] ||
		die "am: the input holds a cover letter but no patch"
	for ((num = 1; num <= series_total; num++)); do
		[ -n "${by_num[$num]:-}" ] || missing+=("$num/$series_total")
	done
	[ "${#missing[@]}" = 0 ] ||
		die "am: ${SERIES_MAIL_INPUTS}: patch ${missing[*]} missing (have ${#SERIES_MAIL_FILES[@]} of $series_total)"
	return 0
}

# Split and check the mails of "${@:2}" into work directory $1.
read_series_mails()
{
	local dir=$1

	shift
	[ $# -gt 0 ] || die "am: give the series as an mbox, mail files or a directory"
	SERIES_MAIL_INPUTS=$*
	rm -rf "$dir"
	split_mail_inputs "$dir" "$@"
	check_series_mails "$dir"
}

# Write the mails of SERIES_MAIL_FILES (cover letter first when there is
# one) as one mbox to $1, in the form b4 0.12 can read:
# - every header unfolded: on Python 3.11 it rejects a folded Subject: or
#   From: ("Header values may not contain linefeed");
# - the file's own "From <hash> <date>" line (git format-patch, and the
#   mails git mailsplit cut from an mbox, start with one) dropped: left
#   among the headers, Python's mbox reader takes it for the start of a
#   second, empty mail;
# - a Message-Id for a mail that has none (patches/, format-patch without
#   threading): without one, b4 finds no series in the mbox, exits 0
#   and writes no .mbx.
write_unfolded_mbox()
{
	local file n=0

	for file in ${SERIES_MAIL_COVER:+"$SERIES_MAIL_COVER"} "${SERIES_MAIL_FILES[@]}"; do
		n=$((n + 1))
		echo 'From series-am Thu Jan  1 00:00:00 1970'
		awk -v msgid="<series-am-$n.$$@localhost>" '
			function flush() {
				if (h == "") return
				if (tolower(h) ~ /^message-id:/) have_id = 1
				print h
				h = ""
			}
			NR == 1 && /^From / { next }
			!body && /^$/ {
				flush()
				if (!have_id) print "Message-Id: " msgid
				body = 1; print; next
			}
			!body && /^[ \t]/ && h != "" { sub(/^[ \t]+/, " "); h = h $0; next }
			!body { flush(); h = $0; next }
			/^From / { print ">" $0; next }
			{ print }
			END { flush() }
		' "$file"
		echo
	done >"$1"
}
