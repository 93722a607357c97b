# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series apply' and 'series export': patches/ into the scratch repo and
# back. The pair must round-trip byte for byte, so everything that ends up
# in a patch file (identities, dates, hash abbreviation, cover letter) is
# pinned here rather than left to whoever runs the commands.

usage_apply()
{
	cat <<USAGE
Usage: series apply [--force]

Recreate the scratch repo $(project_rel "$SCRATCH"):
its first commit is the content of tree/, then every patch of patches/ is
applied in order with 'git am' (committer: the placeholder identity, commit
date = author date, so the hashes only depend on patches/ and tree/).

A patch that does not apply stops the run: the patch is named, its rejected
hunks are shown, and the scratch repo stays as it is (with the .rej files)
for inspection; 'git am --continue' there once fixed, then 'series export'.

  --force   replace the scratch repo even if it holds work not yet exported
USAGE
}

usage_export()
{
	cat <<USAGE
Usage: series export [--check | --overwrite]

Regenerate patches/ from the commits after the base in the scratch repo:
'git format-patch' with a cover letter taken from cover-letter.txt
(first line: the subject; after a blank line: the text), '--base' and a
fixed numbering, so that 'apply' followed by 'export' rewrites patches/
with identical bytes. Only files named NNNN-*.patch are replaced.

Export refuses to overwrite a patches/ that changed since the scratch
repo was applied from it (or last exported to it): a patch edited by hand,
a new patch file, a removed one. It names those files and writes nothing.

  --check      write nothing; show how patches/ would change and fail if it
               would (this is how 'make check' proves the round trip)
  --overwrite  replace patches/ even so; the changes made there are lost
USAGE
}

# A patch must at least be a mail with an author, a subject and a diff that
# git can parse; reject it before the scratch repo is touched.
validate_patch_file()
{
	local file=$1 tmp why=

	tmp=$(mktemp -d "$SERIES_TMP/mailinfo.XXXXXX")
	if ! git mailinfo "$tmp/msg" "$tmp/patch" <"$file" >"$tmp/info" 2>/dev/null; then
		why="not a mail git can read"
	elif [ ! -s "$tmp/patch" ] && ! grep -q '^Subject: .' "$tmp/info"; then
		why="not a patch mail (no Subject: header, no diff)"
	elif ! grep -q '^Author: .' "$tmp/info" || ! grep -q '^Email: .' "$tmp/info"; then
		why="no From: header"
	elif ! grep -q '^Subject: .' "$tmp/info"; then
		why="no Subject: header"
	elif [ ! -s "$tmp/patch" ]; then
		why="no diff in it"
	elif ! git apply --stat "$tmp/patch" >/dev/null 2>"$tmp/err"; then
		why="malformed diff ($(head -n1 "$tmp/err" | sed 's/^error: //'))"
	fi
	rm -rf "$tmp"
	[ -z "$why" ] ||
		die "$(project_rel "$file"): $why; regenerate it with 'scripts/series export' or repair it by hand"
}

# After 'git am' gave up on $1: apply what can be applied, keep the rest as
# .rej files next to their targets, and print those hunks (or, when no hunk
# got that far, what git apply objected to).
report_rejected_hunks()
{
	local file=$1 rej found=0

	echo "---- rejected hunks of $(project_rel "$file") ----" >&2
	sgit apply --reject "$SCRATCH/.git/rebase-apply/patch" >"$SCRATCH/.git/series-reject.log" 2>&1 || true
	while IFS= read -r rej; do
		echo "== ${rej#"$SCRATCH"/}" >&2
		cat "$rej" >&2
		found=1
	done < <(find "$SCRATCH" -path "$SCRATCH/.git" -prune -o -name '*.rej' -print | sort)
	[ "$found" = 1 ] || grep -E '^error: ' "$SCRATCH/.git/series-reject.log" >&2 || true
	echo "----" >&2
}

# Apply patch file $1 to the scratch repo; on failure show git am's
# words and return 1, leaving the 'git am' under way.
apply_one_patch()
{
	local file=$1

	# The dates come from the patch, the committer is the placeholder:
	# the resulting hashes are then the same on every machine.
	as_placeholder sgit am -q --committer-date-is-author-date "$file" >"$SCRATCH/.git/series-am.log" 2>&1 &&
		return 0
	sed 's/^/  /' "$SCRATCH/.git/series-am.log" >&2
	return 1
}

# Patch $1 did not apply in the scratch repo, now in place: say why.
apply_failed()
{
	local file=$1

	if [ ! -s "$SCRATCH/.git/rebase-apply/patch" ]; then
		die "$(project_rel "$file"): git am found no usable patch in it; scratch repo kept at $SCRATCH; repair the file or regenerate it with 'scripts/series export'"
	fi
	report_rejected_hunks "$file"
	die "$(project_rel "$file") does not apply (rejected hunks above); scratch repo kept at $SCRATCH: fix the files there, 'git add' them, 'git am --continue', then 'scripts/series export'"
}

# Two patch files with one number: 'git am' would take both, in an order
# nobody chose. Name them before anything is applied.
check_patch_numbers()
{
	local file num
	local -A seen=()

	for file in "$@"; do
		num=${file##*/}
		num=${num:0:4}
		[ -z "${seen[$num]:-}" ] ||
			die "$(project_rel "${seen[$num]}") and $(project_rel "$file") have the same number $num; renumber or remove one (nothing was applied)"
		seen[$num]=$file
	done
}

# Whether the scratch repo is already exactly what apply would make:
# at rest, untouched since an apply or export, from the same patches/ and
# the same tree/. Its hashes depend on nothing else, so making it again
# would change nothing, and a run using it (another 'make run') is left
# alone.
scratch_is_current()
{
	local manifest=$1

	[ -d "$SCRATCH/.git" ] && [ -f "$SCRATCH/$SERIES_PATCH_STATE" ] || return 1
	sgit rev-parse -q --verify "refs/tags/$SERIES_BASE_TAG" >/dev/null 2>&1 || return 1
	[ "$(cat "$SCRATCH/$SERIES_STATE" 2>/dev/null)" = "$(sgit rev-parse -q --verify HEAD 2>/dev/null)" ] || return 1
	[ -z "$(scratch_unrest)" ] || return 1
	[ "$(cat "$SCRATCH/$SERIES_PATCH_STATE")" = "$manifest" ] || return 1
	base_matches_tree
}

# Put the scratch repo built at $SCRATCH in the place of $1 (two renames;
# a kill between them leaves no scratch repo, which every command then
# says, never a partial one), and work there from now on.
switch_scratch_to()
{
	local final=$1 old=$1.old.$$

	rm -rf "$old"
	[ ! -e "$final" ] || mv "$final" "$old"
	mv "$SCRATCH" "$final"
	# shellcheck disable=SC2034
	APPLY_PARTIAL=
	SCRATCH=$final
	rm -rf "$old"
}

# What killed applies left beside scratch repo $1: their partial repos
# and the repos they were replacing. Called with the scratch lock held.
remove_apply_leftovers()
{
	local d

	for d in "$1".apply.* "$1".old.*; do
		[ -d "$d" ] && rm -rf "$d"
	done
	return 0
}

series_apply()
{
	local force=0 file n=0 manifest final
	local -a patches

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_apply; return 0 ;;
		--force) force=1 ;;
		*) usage_apply >&2; die "apply: unexpected argument '$1'" ;;
		esac
		shift
	done
	mkdir -p "$SERIES_OUT"
	lock_scratch
	finish_patch_swap
	remove_apply_leftovers "$SCRATCH"
	mapfile -t patches < <(list_patch_files)
	check_patch_numbers "${patches[@]}"
	for file in "${patches[@]}"; do
		validate_patch_file "$file"
	done
	manifest=$(patch_dir_manifest)
	if scratch_is_current "$manifest"; then
		info "$SCRATCH is already patches/ (${#patches[@]} patch(es)) applied onto tree/; left as it is"
		return 0
	fi
	guard_scratch_replace "$force"
	# Built beside the scratch repo and put in its place when whole (or
	# when a patch fails, for the user to repair): an interrupted apply
	# leaves the old one, never a part of the series.
	final=$SCRATCH
	SCRATCH=$final.apply.$$
	# shellcheck disable=SC2034 # removed by series_cleanup on any exit
	APPLY_PARTIAL=$SCRATCH
	create_scratch_base
	for file in "${patches[@]}"; do
		if ! apply_one_patch "$file"; then
			switch_scratch_to "$final"
			apply_failed "$file"
		fi
		n=$((n + 1))
	done
	record_exported_head
	record_patch_dir "$manifest"
	switch_scratch_to "$final"
	info "applied $n patch(es) onto base $(short_hash "$(sgit rev-parse HEAD~"$n")") in $SCRATCH"
}

# Print the subject (first line) or the text (after the first blank line)
# of cover-letter.txt.
cover_subject()
{
	sed -n '1p' "$COVER_FILE"
}

cover_text()
{
	sed '1,/^$/d' "$COVER_FILE"
}

check_cover_file()
{
	local rel

	rel=$(project_rel "$COVER_FILE")
	[ -f "$COVER_FILE" ] ||
		die "$rel missing: write the cover letter's subject on line 1, a blank line, then its text"
	if [ -z "$(cover_subject)" ] || [ -n "$(sed -n '2p' "$COVER_FILE")" ] ||
	   [ -z "$(cover_text)" ]; then
		die "$rel: expected a subject on line 1, a blank line, then the text"
	fi
	LC_ALL=C grep -q '[^ -~]' <(cover_subject) &&
		die "$rel: the subject (line 1) must be plain ASCII"
	return 0
}

# format-patch leaves markers in the cover letter; put cover-letter.txt in.
fill_cover_letter()
{
	local letter=$1 subject text

	subject=$(cover_subject)
	text=$(cover_text)
	SUBJECT=$subject TEXT=$text awk '
		$0 ~ /\*\*\* SUBJECT HERE \*\*\*/ && !s {
			sub(/\*\*\* SUBJECT HERE \*\*\*/, ENVIRON["SUBJECT"]); s = 1
		}
		$0 == "*** BLURB HERE ***" && !b { print ENVIRON["TEXT"]; b = 1; next }
		{ print }
	' "$letter" >"$letter.new"
	mv "$letter.new" "$letter"
}

# Every commit of the series must be the placeholder's (see
# series-identity.sh); a real name would end up in patches/.
check_series_authors()
{
	local hash author

	while read -r hash author; do
		[ "$author" = "$(series_identity)" ] ||
			die "commit $(short_hash "$hash") in $SCRATCH is by '$author', not the placeholder: 'git commit --amend --reset-author' it there (the repo's user.name/email is the placeholder)"
	done < <(sgit log --format='%H %an <%ae>' "$SERIES_BASE_TAG..HEAD")
}

# Write the series as patch files into directory $1.
generate_patches()
{
	local out=$1 count tip_date

	count=$(sgit rev-list --count "$SERIES_BASE_TAG..HEAD")
	[ "$count" -gt 0 ] || return 0
	check_cover_file
	# The cover letter is dated and signed by the committer of the run;
	# take both from the series itself so that they never drift. The
	# author date survives 'git am', the commit date does not.
	tip_date=$(sgit log -1 --format='%ad' --date=raw HEAD)
	GIT_COMMITTER_DATE=$tip_date as_placeholder sgit format-patch -q \
		--output-directory="$out" --cover-letter --numbered \
		--subject-prefix="$SERIES_SUBJECT_PREFIX" --zero-commit \
		--no-signature --no-thread \
		--no-attach --find-renames --diff-algorithm=myers \
		--base="$(sgit rev-parse "$SERIES_BASE_TAG")" \
		"$SERIES_BASE_TAG..HEAD"
	fill_cover_letter "$out/0000-cover-letter.patch"
}

# Print a diff between the generated patches in $1 and those in patches/;
# return 0 when there is none.
compare_with_patch_dir()
{
	local new=$1 old f rc=0

	old=$(mktemp -d "$SERIES_TMP/stored.XXXXXX")
	while IFS= read -r f; do
		cp "$f" "$old/"
	done < <(list_generated_files)
	diff -ruN "$old" "$new" >"$SERIES_OUT/export.diff" || rc=1
	rm -rf "$old"
	if [ "$rc" != 0 ]; then
		sed -e "s|$old|patches|g" -e "s|$new|export|g" "$SERIES_OUT/export.diff" |
			head -n 80 >&2
	fi
	return "$rc"
}

# Replace the generated files of patches/ with those of $1, all at once:
# the new patches/ (its other files copied over) is made beside it as
# patches.new, complete before anything of patches/ changes, then swapped
# in by two renames. A run killed at any point leaves patches/ wholly old
# or wholly new, or finds the swap half done, which the next export or
# apply finishes (finish_patch_swap).
install_patches()
{
	local new=$1 f name stage=$PATCH_DIR.tmp.$$

	rm -rf "$stage"
	mkdir -p "$stage"
	if [ -d "$PATCH_DIR" ]; then
		cp -a "$PATCH_DIR/." "$stage/"
		while IFS= read -r f; do
			rm -f "$stage/${f##*/}"
		done < <(list_generated_files)
	fi
	for f in "$new"/*.patch; do
		[ -f "$f" ] || continue
		name=$(basename "$f")
		# A file that does not change keeps its time, so make sees
		# nothing new.
		if cmp -s "$f" "$PATCH_DIR/$name"; then
			cp -a "$PATCH_DIR/$name" "$stage/"
		else
			cp "$f" "$stage/"
		fi
	done
	mv -T "$stage" "$PATCH_DIR.new"
	[ ! -d "$PATCH_DIR" ] || mv -T "$PATCH_DIR" "$PATCH_DIR.old"
	mv -T "$PATCH_DIR.new" "$PATCH_DIR"
	rm -rf "$PATCH_DIR.old"
}

# Finish or undo what an export killed during install_patches left, with
# the scratch lock held (no other export is under way): a complete
# patches.new whose swap had begun is put in place; one whose swap had not
# begun, and any half-made staging directory, are dropped (patches/ is then
# the old one, whole).
finish_patch_swap()
{
	local d

	for d in "$PATCH_DIR".tmp.*; do
		[ -d "$d" ] && rm -rf "$d"
	done
	if [ -d "$PATCH_DIR.new" ]; then
		if [ ! -e "$PATCH_DIR" ] && [ -d "$PATCH_DIR.old" ]; then
			mv -T "$PATCH_DIR.new" "$PATCH_DIR"
			info "finished the switch to the new patches/ that an interrupted export had written"
		else
			rm -rf "$PATCH_DIR.new"
		fi
	fi
	if [ -d "$PATCH_DIR.old" ] && [ -d "$PATCH_DIR" ]; then
		rm -rf "$PATCH_DIR.old"
	fi
	return 0
}

# Refuse to replace files of patches/ that changed since the last apply or
# export: those changes are the user's, and export would drop them.
guard_patch_dir()
{
	local tmp=$1 changes

	if ! changes=$(patch_dir_changes); then
		rm -rf "$tmp"
		die "export: no record of what patches/ held when $SCRATCH was applied; run 'scripts/series apply' again, or pass --overwrite to replace patches/ anyway"
	fi
	[ -z "$changes" ] && return 0
	rm -rf "$tmp"
	changes=$(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' <<<"$changes")
	die "export: patches/ changed since the scratch repo was applied from it ($changes); not overwritten: bring those changes into $SCRATCH ('scripts/series apply' reads patches/ again) or pass --overwrite to drop them"
}

series_export()
{
	local check=0 overwrite=0 tmp why count

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_export; return 0 ;;
		--check) check=1 ;;
		--overwrite) overwrite=1 ;;
		*) usage_export >&2; die "export: unexpected argument '$1'" ;;
		esac
		shift
	done
	require_scratch
	lock_scratch
	finish_patch_swap
	why=$(scratch_unrest)
	[ -z "$why" ] || die "$SCRATCH cannot be exported: $why; finish or discard that first"
	base_matches_tree ||
		info "warning: tree/ changed since 'apply'; the series is exported against the old base"
	check_series_authors
	count=$(sgit rev-list --count "$SERIES_BASE_TAG..HEAD")
	tmp=$(mktemp -d "$SERIES_TMP/export.XXXXXX")
	generate_patches "$tmp"
	if [ "$check" = 1 ]; then
		if compare_with_patch_dir "$tmp"; then
			rm -rf "$tmp"
			info "export --check: patches/ is exactly what the scratch repo exports ($count patch(es))"
			return 0
		fi
		rm -rf "$tmp"
		die "export --check: patches/ differs from an export of $SCRATCH (diff above); run 'scripts/series export' or find what breaks the round trip"
	fi
	if compare_with_patch_dir "$tmp" 2>/dev/null; then
		info "patches/ already up to date ($count patch(es))"
	else
		[ "$overwrite" = 1 ] || guard_patch_dir "$tmp"
		install_patches "$tmp"
		info "patches/ rewritten: $count patch(es)$([ "$count" -gt 0 ] && echo ' and a cover letter')"
	fi
	rm -rf "$tmp"
	record_exported_head
	record_patch_dir
}
