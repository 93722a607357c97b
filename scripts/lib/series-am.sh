# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series am': what a reviewer holding only the mails does to reproduce
# the series. The mails are applied onto the base, the content of tree/
# committed exactly as 'series apply' does (so its hash is the
# base-commit: the mails carry), in a scratch repo of its own; then the
# same per-commit checks and VM runs as for patches/.

usage_am()
{
	cat <<USAGE
Usage: series am [--no-check] [--no-test] [--git-am] MAIL...

Apply a series given as mails onto its base and check it. MAIL is an mbox
(as saved from a list archive), mail files (what 'series mail' or
'git format-patch' wrote, 'b4 send -o' .eml files, a 'b4 am -o' .mbx), or
a directory of them. The mails must be one revision of one series,
"[PATCH n/M]" for every n, in order; an optional cover letter (0/M) first.

The base is this clone's tree/ committed as 'series apply' does, which is
the base-commit: line the series' mails carry. Mails made from an earlier
state of tree/ get that state as their base: the commit of this project's
history whose tree/ gives their base-commit (a warning says so when none
does, and tree/ is tried). The scratch repo is $(project_rel "$SERIES_OUT")/am;
it is replaced only when every patch applied, so a failure leaves nothing
half-applied. Then, as for patches/: 'series check' (the table) and
'series test --each' (a VM run per commit).

  --no-check   skip 'check'
  --no-test    skip 'test --each'
  --git-am     apply with git am only (default: through 'b4 am' when b4
               is installed, which reads the local mails offline; git am
               when b4 cannot read them)
USAGE
}

# Normalise the mails with 'b4 am -o' (it re-sorts and re-collects
# trailers the way maintainers' tools do); on success replace
# SERIES_MAIL_FILES by the patches b4 wrote. Returns 1 when b4 could not.
normalise_with_b4_am()
{
	local work=$1 mbx count k

	write_unfolded_mbox "$work/input.mbox"
	rm -rf "$work/b4am" "$work/b4split"
	mkdir -p "$work/b4am" "$work/b4split"
	prepare_b4_home ""
	# shellcheck disable=SC2034 # read by run_b4
	B4_DIR=$SCRATCH
	B4_LOG=$work/b4-am.log
	: >"$B4_LOG"
	if ! (run_b4 am --no-cover -m "$work/input.mbox" -o "$work/b4am") 2>/dev/null; then
		info "am: b4 am could not read the mails ($(tail -n 1 "$B4_LOG")); using git am"
		return 1
	fi
	mbx=$(find "$work/b4am" -name '*.mbx' | head -n 1)
	[ -n "$mbx" ] || { info "am: b4 am wrote no .mbx ($(tail -n 1 "$B4_LOG")); using git am"; return 1; }
	count=$(git mailsplit --mboxrd -d4 -o"$work/b4split" "$mbx") || return 1
	if [ "$count" != "${#SERIES_MAIL_FILES[@]}" ]; then
		info "am: b4 am kept $count of ${#SERIES_MAIL_FILES[@]} patches; using git am"
		return 1
	fi
	for ((k = 1; k <= count; k++)); do
		SERIES_MAIL_FILES[k - 1]=$(printf '%s/%04d' "$work/b4split" "$k")
	done
	info "am: $count patch(es) read by b4 am ($(b4 --version 2>/dev/null))"
}

# git am one mail; on failure undo it, drop the scratch repo and name the
# mail.
am_one_mail()
{
	local file=$1 label=$2 subject why

	as_placeholder sgit am -q --committer-date-is-author-date "$file" \
		>"$SCRATCH/.git/series-am.log" 2>&1 && return 0
	why=$(grep -E '^(error|fatal|Patch failed)' "$SCRATCH/.git/series-am.log" | head -n 1)
	subject=$(git mailinfo -k /dev/null /dev/null <"$file" 2>/dev/null |
		sed -n 's/^Subject: //p' || true)
	sgit am --abort >/dev/null 2>&1 || true
	rm -rf "$SCRATCH"
	die "am: $label${subject:+ ($subject)} does not apply onto base $(short_hash "$AM_BASE"): ${why:-see git am}; nothing applied"
}

# The mails were made from another state of tree/: find it in this
# project's history and make the base from it, or warn and keep tree/.
use_staging_base()
{
	local base=$1 rev

	rev=$(staging_commit_of_base "$base")
	if [ -z "$rev" ]; then
		info "warning: the mails' base-commit $(short_hash "$base") is neither this clone's tree/ ($(short_hash "$AM_BASE")) nor tree/ of any commit of its history: trying tree/"
		return 0
	fi
	info "am: the mails' base-commit $(short_hash "$base") is tree/ of $(git -C "$PROJECT_ROOT" log -1 --format='%h (%s)' "$rev"); applying onto that"
	extract_staging_tree "$rev" "$SERIES_OUT/am-base"
	create_scratch_base "$SERIES_OUT/am-base"
	rm -rf "$SERIES_OUT/am-base"
	AM_BASE=$(sgit rev-parse HEAD)
	[ "$AM_BASE" = "$base" ] ||
		die "am: tree/ of $rev gave base $(short_hash "$AM_BASE"), not $(short_hash "$base"); report this"
}

series_am()
{
	local run_check=1 run_test=1 use_b4=1 work final k n
	local -a inputs=()

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_am; return 0 ;;
		--no-check) run_check=0 ;;
		--no-test) run_test=0 ;;
		--git-am) use_b4=0 ;;
		-*) usage_am >&2; die "am: unknown option '$1'" ;;
		*) inputs+=("$1") ;;
		esac
		shift
	done
	[ "${#inputs[@]}" -gt 0 ] || { usage_am >&2; die "am: give the series as an mbox, mail files or a directory"; }
	command -v b4 >/dev/null 2>&1 || use_b4=0
	mkdir -p "$SERIES_OUT"
	work=$SERIES_OUT/am-mails
	read_series_mails "$work" "${inputs[@]}"
	n=${#SERIES_MAIL_FILES[@]}
	final=$SERIES_OUT/am
	SCRATCH=$SERIES_OUT/am.new
	create_scratch_base
	AM_BASE=$(sgit rev-parse HEAD)
	if [ -z "$SERIES_MAIL_BASE" ]; then
		info "am: the mails name no base-commit; applying onto tree/ ($(short_hash "$AM_BASE"))"
	elif [ "$SERIES_MAIL_BASE" != "$AM_BASE" ]; then
		use_staging_base "$SERIES_MAIL_BASE"
	fi
	[ "$use_b4" = 1 ] && { normalise_with_b4_am "$work" || true; }
	for ((k = 0; k < n; k++)); do
		am_one_mail "${SERIES_MAIL_FILES[k]}" "${SERIES_MAIL_LABELS[k]}"
	done
	rm -rf "$final"
	mv "$SCRATCH" "$final"
	SCRATCH=$final
	record_exported_head
	info "am: $n patch(es) applied onto base $(short_hash "$AM_BASE") in $SCRATCH"
	[ "$run_check" = 1 ] && series_check
	[ "$run_test" = 1 ] && series_test --each
	return 0
}
