#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The list workflow without a list: 'series mail' (git format-patch and
# b4) then 'series am' of what it wrote must give commits whose trees are
# those of the stored series, with To/Cc from the kernel tree's
# get_maintainer.pl and no placeholder in any header. No VM, no build: a
# few seconds.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=series-lib.sh
source "$(dirname "$0")/series-lib.sh"

usage()
{
	echo "Usage: ${0##*/}   (host test of series mail and am; see its header)"
}

# The kernel tree the round trip addresses from: the newest Linux 7.x
# ('mail' without --kdir takes it), else 6.12 by --kdir, said in a
# diagnostic. MAIL_KDIR_OPT is the option 'mail' then needs.
MAIL_KDIR_OPT=()
if MAIL_KDIR=$("$PROJECT/scripts/kernel-source" 7 2>/dev/null); then
	:
else
	MAIL_KDIR=$(bash -c 'source "$1"; kernel_source' _ "$PROJECT/scripts/lib/common.sh")
	MAIL_KDIR_OPT=(--kdir "$MAIL_KDIR")
	echo "# no Linux 7.x source here: the round trip is addressed from $MAIL_KDIR"
fi

# The get_maintainer.pl maintainers of the stored patches, as 'mail' must
# put them in To:.
expected_maintainers()
{
	(cd "$MAIL_KDIR" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats --m --nor --nol "$PROJECT"/patches/000[1-9]*.patch)
}

# The subject of mail file $1, unfolded.
mail_subject()
{
	git mailinfo -k /dev/null /dev/null <"$1" 2>/dev/null | sed -n 's/^Subject: //p'
}

# The addresses of header $2 of mail file $1, one a line.
header_addresses()
{
	awk -v h="$2" '
		/^$/ { exit }
		/^[ \t]/ { if (on) v = v $0; next }
		{ on = 0 }
		tolower($0) ~ "^" tolower(h) ":" { on = 1; v = substr($0, length(h) + 2) }
		END { print v }
	' "$1" | tr ',' '\n' | sed 's/^[[:space:]]*//;s/[[:space:]]*$//' | awk 'NF'
}

check_mail_output()
{
	local name=$1 dir=$2 first want got bad

	first=$(find "$dir" -maxdepth 1 -type f -name '0001-*' | head -n 1)
	if [ -z "$first" ]; then
		not_ok "$name: no mail for patch 1 in $dir"
		return
	fi
	want=$(expected_maintainers | sort)
	got=$(header_addresses "$first" To | sort)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		ok "$name: To: of patch 1 is get_maintainer.pl's maintainers ($(echo "$got" | paste -sd, -))"
	else
		not_ok "$name: To: of patch 1 is '$got', get_maintainer.pl says '$want'"
	fi
	if header_addresses "$first" Cc | grep -qx 'kvm@vger.kernel.org'; then
		ok "$name: Cc: carries the MAINTAINERS-snippet list"
	else
		not_ok "$name: kvm@vger.kernel.org missing from Cc: of patch 1"
	fi
	bad=$(for f in "$dir"/*; do sed '/^$/q' "$f"; done |
		grep -iE 'fill in|example\.invalid|placeholder' || true)
	if [ -z "$bad" ]; then
		ok "$name: no placeholder in any header"
	else
		not_ok "$name: placeholder in a header: $(echo "$bad" | head -n 1)"
	fi
	bad=$(for f in "$dir"/*; do
		mail_subject "$f" | grep -Ev '^\[RFC PATCH [0-9]+/[0-9]+\] ' || true
	done)
	if [ -z "$bad" ]; then
		ok "$name: every subject, the cover letter's too, is [RFC PATCH n/N] ($(mail_subject "$first" | cut -c1-30)...)"
	else
		not_ok "$name: a subject without the configured [RFC PATCH n/N]: $(echo "$bad" | head -n 1)"
	fi
	if grep -q '^From: Series Host Test <series-host-test@example.org>' "$first" &&
	   grep -q '^Signed-off-by: Series Host Test <series-host-test@example.org>' "$first"; then
		ok "$name: From and Signed-off-by are the sender"
	else
		not_ok "$name: patch 1 is not from and signed off by the sender"
	fi
}

# Round trip through 'series mail $2', then 'series am' of its output
# through b4 am and through git am alone.
round_trip()
{
	local name=$1 mail_opt=$2 dir=$WORK/mail-$1 want got am_opt

	if ! "$SERIES" mail ${mail_opt:+"$mail_opt"} "${MAIL_KDIR_OPT[@]}" "$dir" >"$WORK/mail.log" 2>&1; then
		not_ok "$name: series mail failed: $(tail -n 1 "$WORK/mail.log")"
		return
	fi
	check_mail_output "$name" "$dir"
	want=$(stored_series_trees)
	for am_opt in "" --git-am; do
		rm -rf "$BUILD_DIR/series/am"
		if ! "$SERIES" am --no-check --no-test ${am_opt:+"$am_opt"} "$dir" >"$WORK/am.log" 2>&1; then
			not_ok "$name: series am ${am_opt:-(b4 am)} failed: $(tail -n 1 "$WORK/am.log")"
			continue
		fi
		if [ -z "$am_opt" ] && ! grep -q 'read by b4 am' "$WORK/am.log"; then
			not_ok "$name: series am did not go through b4 am: $(grep 'b4' "$WORK/am.log" | head -n 1)"
		fi
		got=$(series_trees "$BUILD_DIR/series/am")
		if [ -n "$want" ] && [ "$want" = "$got" ]; then
			ok "$name: series am ${am_opt:-(b4 am)} of the mails gives the stored series' $(echo "$got" | wc -l) trees"
		else
			not_ok "$name: series am ${am_opt:-(b4 am)} of the mails gives other trees than the stored series"
		fi
		if [ "$(series_subjects "$WORK/stored")" = "$(series_subjects "$BUILD_DIR/series/am")" ] &&
		   [ "$(git -C "$BUILD_DIR/series/am" log --format='%an <%ae>' series-base..HEAD | sort -u)" = \
		     'Series Host Test <series-host-test@example.org>' ]; then
			ok "$name: series am ${am_opt:-(b4 am)}: the stored subjects, every commit by the sender"
		else
			not_ok "$name: series am ${am_opt:-(b4 am)}: subjects or authors differ from the stored series and the sender"
		fi
	done
}

# A sender whose name is not ASCII: every From: of the mails, the cover
# letter's included, RFC 2047-encoded and the same; no raw byte above
# 0x7f in any header.
non_ascii_sender()
{
	local dir=$WORK/mail-utf8 cover_from first_from raw

	printf '[user]\n\tname = Zoë Ünïcode\n\temail = series-host-test@example.org\n' \
		>"$WORK/gitconfig-utf8"
	if ! GIT_CONFIG_GLOBAL=$WORK/gitconfig-utf8 "$SERIES" mail --no-get-maintainer \
		--to list@example.org "$dir" >"$WORK/mail-utf8.log" 2>&1; then
		not_ok "utf-8 sender: series mail failed: $(tail -n 1 "$WORK/mail-utf8.log")"
		return
	fi
	cover_from=$(header_addresses "$dir/0000-cover-letter.patch" From)
	first_from=$(header_addresses "$(find "$dir" -name '0001-*')" From)
	raw=$(for f in "$dir"/*; do sed '/^$/q' "$f"; done | LC_ALL=C grep -n '[^ -~	]' || true)
	if [ -z "$raw" ] && [ -n "$cover_from" ] && [ "$cover_from" = "$first_from" ]; then
		ok "utf-8 sender: the cover letter's From: is encoded as the patches' ($cover_from)"
	else
		not_ok "utf-8 sender: cover letter From: '$cover_from', patch 1 From: '$first_from'" \
			"raw non-ASCII header: ${raw:-none}"
	fi
}

# A Linux 7.x tree the size of a test, as the cache would hold one: its
# get_maintainer.pl names a maintainer of its own.
make_fake_7x_cache()
{
	local k=$1/linux-source-7.99.1-1

	mkdir -p "$k/tools/testing/selftests" "$k/scripts"
	echo 'VERSION = 7' >"$k/Makefile"
	printf 'VFIO SELFTESTS\nM:\tSeven Maintainer <seven@example.org>\nF:\ttools/testing/selftests/vfio/\n' \
		>"$k/MAINTAINERS"
	cat >"$k/scripts/get_maintainer.pl" <<'PL'
my %opt = map { $_ => 1 } @ARGV;
print "Seven Maintainer <seven\@example.org>\n" if $opt{'--m'};
PL
	touch "$k/.extracted"
}

# Without --kdir and KDIR, 'mail' addresses from the newest Linux 7.x of
# scripts/kernel-source 7 (here a private cache holding a fake one, and no
# archive to ask), and stops in one line when there is none; never from
# 6.12. No network: the machine's apt sources are hidden from it.
default_addressing()
{
	local dir=$WORK/mail-7x to

	mkdir -p "$WORK/cache-7x"
	make_fake_7x_cache "$WORK/cache-7x"
	if ! env -u KDIR VFIO_IGB_CACHE="$WORK/cache-7x" APT_SOURCES_LIST="$WORK/none" \
		APT_SOURCES_PARTS="$WORK/none" "$SERIES" mail "$dir" >"$WORK/mail-7x.log" 2>&1; then
		not_ok "default addressing: series mail failed with a cached 7.x: $(tail -n 1 "$WORK/mail-7x.log")"
	else
		to=$(header_addresses "$(find "$dir" -name '0001-*')" To | paste -sd, -)
		if [ "$to" = 'Seven Maintainer <seven@example.org>' ]; then
			ok "default addressing: To: from the cached Linux 7.x's get_maintainer.pl ($to)"
		else
			not_ok "default addressing: To: is '$to', not the 7.x tree's maintainer"
		fi
	fi
	check_fails_with "default addressing: no 7.x source: one line asking for --kdir" \
		'^series: mail: no Linux 7\.x source .*pass --kdir' \
		env -u KDIR VFIO_IGB_CACHE="$WORK/cache-empty" APT_SOURCES_LIST="$WORK/none" \
		APT_SOURCES_PARTS="$WORK/none" "$SERIES" mail "$WORK/mail-none"
}

# 'mail --help' promises git send-email: install-deps must install it.
send_email_installed()
{
	run "$SERIES" mail --help
	if grep -q 'git send-email' "$OUT" &&
	   "$PROJECT/scripts/install-deps" --print | grep -qw git-email; then
		ok "mail --help names git send-email and install-deps installs git-email"
	else
		not_ok "install-deps --print lacks git-email, which 'git send-email' of mail --help needs"
	fi
}

# series am of patches/ itself (mails without a Message-Id) goes through
# b4 am and gives the stored series.
am_patches_through_b4()
{
	rm -rf "$BUILD_DIR/series/am"
	if ! "$SERIES" am --no-check --no-test "$PROJECT/patches" >"$WORK/am-p.log" 2>&1; then
		not_ok "am of patches/: failed: $(tail -n 1 "$WORK/am-p.log")"
	elif ! grep -q 'read by b4 am' "$WORK/am-p.log"; then
		not_ok "am of patches/: not through b4 am: $(grep 'b4' "$WORK/am-p.log" | head -n 1)"
	elif [ "$(series_trees "$BUILD_DIR/series/am")" != "$(stored_series_trees)" ]; then
		not_ok "am of patches/ through b4 am gives other trees than the stored series"
	else
		ok "am of patches/ (no Message-Id): through b4 am, the stored series' trees"
	fi
}

# series-base.sh in a subshell of its own: $1 is the function, the rest
# its arguments.
run_base_lib()
{
	(
		# shellcheck disable=SC2034 # read by common.sh
		PROG=series
		lib=${SERIES%/series}/lib
		# shellcheck source=../../../scripts/lib/common.sh
		source "$lib/common.sh"
		# shellcheck source=../../../scripts/lib/series-identity.sh
		source "$lib/series-identity.sh"
		# shellcheck source=../../../scripts/lib/series-base.sh
		source "$lib/series-base.sh"
		"$@"
	)
}

# The base-commit of the mails must be computable from a tree/ of the
# project's history, or reviewers of older mails could not resolve it.
resolvable_base()
{
	local root=${SERIES%/scripts/series} want got old rev

	want=$(git -C "$WORK/stored" rev-parse series-base)
	got=$(run_base_lib base_commit_of_tree "$(git -C "$WORK/stored" rev-parse 'series-base^{tree}')")
	if [ "$got" = "$want" ]; then
		ok "base: the base-commit is computed from tree/'s git tree alone ($(echo "$got" | cut -c1-12))"
	else
		not_ok "base: base_commit_of_tree gives $got, series apply made $want"
	fi
	old=$(git -C "$root" log --format=%H -- tree | sed -n 2p)
	if [ -z "$old" ]; then
		not_ok "base: no earlier state of tree/ in the history to resolve"
		return
	fi
	rev=$(run_base_lib staging_commit_of_base \
		"$(run_base_lib base_commit_of_tree "$(git -C "$root" rev-parse "$old:tree")")")
	if [ -n "$rev" ] && [ "$(git -C "$root" rev-parse "$rev:tree")" = "$(git -C "$root" rev-parse "$old:tree")" ]; then
		ok "base: an earlier base-commit resolves to the project commit holding that tree/"
	else
		not_ok "base: the base-commit of tree/ at ${old:0:12} resolves to '${rev:-nothing}'"
	fi
}

main()
{
	case "${1:-}" in -h | --help) usage; exit 0 ;; esac
	command -v b4 >/dev/null 2>&1 ||
		{ not_ok "b4 not installed (scripts/install-deps installs it)"; tap_done; exit 1; }
	stored_series_trees >/dev/null || { not_ok "series apply of patches/ failed"; tap_done; exit 1; }
	round_trip format-patch ""
	round_trip b4 --b4
	non_ascii_sender
	default_addressing
	send_email_installed
	am_patches_through_b4
	resolvable_base
	tap_done
}

main "$@"
