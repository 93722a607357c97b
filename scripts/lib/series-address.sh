# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Who 'series mail' addresses: the maintainers, reviewers and lists that a
# kernel tree's own scripts/get_maintainer.pl names for the files the series
# touches, plus the lists of MAINTAINERS-snippet, plus what the sender adds
# with --to/--cc. Placeholders (the snippet's "fill in" M: line, the stored
# series' example.invalid identity) never make it into a header: the mail
# files are checked before they are handed over.

MAINTAINERS_SNIPPET=$PROJECT_ROOT/MAINTAINERS-snippet

# Filled by collect_mail_addresses, one "Name <addr>" or "addr" each.
MAIL_TO=()
MAIL_CC=()

# True when $1 is no address a mail could be delivered to: no '@', a
# reserved .invalid domain, or a "fill in" note.
is_placeholder_address()
{
	local addr=$1

	[[ $addr == *@* ]] || return 0
	[[ $(address_key "$addr") == *.invalid ]] && return 0
	[[ ${addr,,} == *"fill in"* ]] && return 0
	return 1
}

# The bare address of "Name <addr>" or "addr", lower case, for comparing.
address_key()
{
	local addr=$1

	if [[ $addr == *'<'*'>'* ]]; then
		addr=${addr##*<}
		addr=${addr%%>*}
	fi
	echo "${addr,,}"
}

# The entries of the given MAINTAINERS-snippet tags (M, R, L), one a line,
# without the "(comment)" get_maintainer-style notes.
snippet_addresses()
{
	local tag

	for tag in "$@"; do
		sed -n "s/^$tag:[[:space:]]*//p" "$MAINTAINERS_SNIPPET"
	done | sed 's/[[:space:]]*([^)]*)$//' | awk 'NF'
}

# The kernel tree whose get_maintainer.pl and MAINTAINERS decide: $1 when
# given, else KDIR, else the newest Linux 7.x source (scripts/kernel-source
# 7: the cached one, or fetched once). Never Debian's 6.12 behind the
# user's back: its MAINTAINERS has no VFIO SELFTESTS entry, and the mail
# would go to the selftests maintainer alone. Dies in one line when there
# is no tree, or the tree lacks what get_maintainer.pl needs.
maintainers_tree()
{
	local kdir=${1:-${KDIR:-}} tree log from="--kdir "

	[ -n "${1:-}" ] || from=KDIR=
	if [ -n "$kdir" ]; then
		if [ ! -f "$kdir/Makefile" ] || [ ! -d "$kdir/tools/testing/selftests" ]; then
			die "mail: $from$kdir is not a kernel source tree (no Makefile or tools/testing/selftests)"
		fi
		tree=$(cd "$kdir" && pwd)
	else
		log=$SERIES_OUT/kernel-source-7.log
		mkdir -p "$SERIES_OUT"
		if ! tree=$("$PROJECT_ROOT/scripts/kernel-source" 7 2>"$log"); then
			die "mail: no Linux 7.x source for MAINTAINERS ($(tail -n 1 "$log" | sed 's/^kernel-source: //')): pass --kdir DIR (a kernel tree with the VFIO SELFTESTS entry), or --no-get-maintainer --to ADDR"
		fi
		cat "$log" >&2
	fi
	[ -f "$tree/scripts/get_maintainer.pl" ] ||
		die "mail: $tree/scripts/get_maintainer.pl missing: give a complete kernel tree with --kdir DIR (or KDIR=), or address the mail yourself with --no-get-maintainer --to ADDR"
	[ -f "$tree/MAINTAINERS" ] ||
		die "mail: $tree/MAINTAINERS missing: give a complete kernel tree with --kdir DIR (or KDIR=)"
	grep -Eq "^F:[[:space:]]+tools/testing/selftests/vfio/?\$" "$tree/MAINTAINERS" ||
		info "mail: warning: $tree/MAINTAINERS has no entry for tools/testing/selftests/vfio/ (older than VFIO SELFTESTS): only the generic selftests maintainers are addressed"
	echo "$tree"
}

# get_maintainer.pl of tree $1 on the patch files "${@:3}", for the roles
# in $2 (its own --m/--r/--l switches); one "Name <addr>" or list a line.
run_get_maintainer()
{
	local tree=$1 roles=$2 log

	shift 2
	log=$SERIES_OUT/get_maintainer.log
	# shellcheck disable=SC2086 # the roles are several switches
	(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats --no-multiline --separator '
' $roles "$@") 2>"$log" ||
		die "mail: $tree/scripts/get_maintainer.pl failed: $(tail -n 1 "$log")"
}

# Append $2 to the array named $1 unless its address is already in To or Cc.
add_unique_address()
{
	local -n list=$1
	local addr=$2 key have

	key=$(address_key "$addr")
	for have in "${MAIL_TO[@]}" "${MAIL_CC[@]}"; do
		[ "$(address_key "$have")" = "$key" ] && return 0
	done
	list+=("$addr")
}

# Add each line of $2 to the list named $1 (MAIL_TO or MAIL_CC). With $3
# ("snippet"), placeholders of MAINTAINERS-snippet are skipped with a note;
# any other placeholder is refused later by collect_mail_addresses.
add_address_lines()
{
	local target=$1 lines=$2 from=${3:-} addr

	while IFS= read -r addr; do
		[ -n "$addr" ] || continue
		if [ -n "$from" ] && is_placeholder_address "$addr"; then
			info "mail: skipping the placeholder '$addr' of $(project_rel "$MAINTAINERS_SNIPPET")"
			continue
		fi
		add_unique_address "$target" "$addr"
	done <<<"$lines"
}

# Fill MAIL_TO and MAIL_CC. $1: the kernel tree, or "" for none
# (--no-get-maintainer); $2, $3: newline-separated extra To and Cc from the
# options; the rest: the patch files.
collect_mail_addresses()
{
	local tree=$1 extra_to=$2 extra_cc=$3 addr gm_to="" gm_cc=""

	shift 3
	MAIL_TO=()
	MAIL_CC=()
	if [ -n "$tree" ]; then
		gm_to=$(run_get_maintainer "$tree" '--m --nor --nol' "$@") || exit 1
		gm_cc=$(run_get_maintainer "$tree" '--nom --r --l' "$@") || exit 1
	fi
	add_address_lines MAIL_TO "$extra_to"
	add_address_lines MAIL_TO "$gm_to"
	add_address_lines MAIL_TO "$(snippet_addresses M)" snippet
	add_address_lines MAIL_CC "$extra_cc"
	add_address_lines MAIL_CC "$gm_cc"
	add_address_lines MAIL_CC "$(snippet_addresses R L)" snippet
	for addr in "${MAIL_TO[@]}" "${MAIL_CC[@]}"; do
		is_placeholder_address "$addr" &&
			die "mail: '$addr' is not a deliverable address; give a real one"
	done
	if [ "${#MAIL_TO[@]}" = 0 ]; then
		[ "${#MAIL_CC[@]}" -gt 0 ] ||
			die "mail: nobody to address: get_maintainer.pl and $(project_rel "$MAINTAINERS_SNIPPET") named no one; add --to ADDR"
		MAIL_TO=("${MAIL_CC[@]}")
		MAIL_CC=()
	fi
}

# Print the address headers (From, To, Cc, Reply-To, Sender) of mail file
# $1, one a line, continuation lines joined.
mail_address_headers()
{
	awk '
		/^$/ { exit }
		/^[ \t]/ { if (h != "") h = h " " $0; next }
		{ if (h != "") print h; h = "" }
		tolower($0) ~ /^(from|to|cc|reply-to|sender):/ { h = $0 }
		END { if (h != "") print h }
	' "$1"
}

# Fail, naming the file and the header, when a mail in directory $1 carries
# a placeholder in an address header. Each header is split at commas
# outside quotes well enough for the names this project can produce.
check_mail_headers()
{
	local dir=$1 file header value addr
	local -a addrs

	for file in "$dir"/*; do
		[ -f "$file" ] || continue
		while IFS= read -r header; do
			value=${header#*:}
			mapfile -t addrs < <(printf '%s\n' "$value" |
				perl -ne 'while (/\s*((?:"[^"]*"|[^,"])+)/g) { print "$1\n" }')
			for addr in "${addrs[@]}"; do
				addr=$(echo "$addr" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//')
				[ -n "$addr" ] || continue
				is_placeholder_address "$addr" &&
					die "mail: $(basename "$file"): placeholder in '${header%%:*}: $addr'; nothing written"
			done
		done < <(mail_address_headers "$file")
	done
	return 0
}

# Print To and Cc as they went out, for the sender to read.
print_mail_addresses()
{
	local addr

	for addr in "${MAIL_TO[@]}"; do info "mail: To: $addr"; done
	for addr in "${MAIL_CC[@]}"; do info "mail: Cc: $addr"; done
}
