# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The recipes of 'series upstream': how each patch of the upstream series
# is made on the user's kernel tree at run time. Nothing of a kernel tree
# is stored in the project; a patch is the project's own new files plus
# edits that find their place in the tree by anchors (Coccinelle semantic
# patches, or the line-anchored edits of series-upstream-edit.awk).
#
# upstream/series lists the patch directories in order. Each holds
# 'message' (the commit message: subject, blank line, body), 'cover' (what
# the patch does, for the cover letter), 'recipe' and the files the recipe
# names. A recipe line is fields separated by
# '|' (blanks around them ignored; '#' starts a comment line):
#
#   add | SRC | PATH                       SRC of the directory as new file PATH
#   spatch-match | RULE.cocci | PATH       the rule must match PATH (spatch)
#   spatch-none  | RULE.cocci | PATH       ... and must no longer match
#   delete-line | PATH | FUNC | RE          the line-anchored edits of
#   cut | PATH | FUNC | RE | END            series-upstream-edit.awk, in
#   replace-comment | PATH | FUNC | RE | TEXTFILE   function FUNC (empty:
#   insert-after | PATH | FUNC | RE | LINE          the whole file)
#
# A recipe that does not match the tree stops the command with one line
# naming the recipe line and the file.

UPSTREAM_DIR=$PROJECT_ROOT/upstream
UPSTREAM_EDIT_AWK=$LIBDIR/series-upstream-edit.awk

# The patch directories of the upstream series, in order.
upstream_patch_dirs()
{
	local name f

	[ -f "$UPSTREAM_DIR/series" ] || die "upstream: $(project_rel "$UPSTREAM_DIR")/series missing"
	while IFS= read -r name; do
		[[ $name =~ ^[[:space:]]*(#|$) ]] && continue
		for f in recipe message cover; do
			[ -f "$UPSTREAM_DIR/$name/$f" ] ||
				die "upstream: $(project_rel "$UPSTREAM_DIR/$name") has no $f"
		done
		echo "$UPSTREAM_DIR/$name"
	done <"$UPSTREAM_DIR/series"
}

# The subject of patch directory $1.
upstream_subject()
{
	head -n 1 "$1/message"
}

# Stop, naming recipe line RECIPE_AT and file $1: $2.
recipe_fail()
{
	die "upstream: $RECIPE_AT: $1: $2"
}

# spatch rule $2 on file $3 of tree $1; what it reports goes to file $4.
recipe_spatch()
{
	local tree=$1 rule=$2 file=$3 out=$4 err

	[ -f "$rule" ] || recipe_fail "$(project_rel "$rule")" "no such rule"
	err=$(cd "$tree" && spatch --very-quiet --sp-file "$rule" "$file" 2>&1 >"$out") ||
		recipe_fail "$file" "spatch $(basename "$rule") failed: $(echo "$err" | head -n 1)"
}

# One line-anchored edit of file $2 in tree $1: op $3, scope $4, anchor $5,
# end $6, text $7.
recipe_edit()
{
	local tree=$1 file=$2 tmp err

	[ -f "$tree/$file" ] || recipe_fail "$file" "no such file in the tree"
	tmp=$(mktemp)
	if ! err=$(EDIT_OP=$3 EDIT_SCOPE=$4 EDIT_RE=$5 EDIT_END=$6 EDIT_TEXT=$7 \
		awk -f "$UPSTREAM_EDIT_AWK" "$tree/$file" 2>&1 >"$tmp"); then
		rm -f "$tmp"
		recipe_fail "$file" "${err:-the edit failed}"
	fi
	if cmp -s "$tmp" "$tree/$file"; then
		rm -f "$tmp"
		recipe_fail "$file" "the edit changed nothing"
	fi
	cat "$tmp" >"$tree/$file"
	rm -f "$tmp"
}

# Run the recipe of patch directory $1 in tree $2. The paths it touched are
# appended to the array RECIPE_PATHS.
run_recipe()
{
	local dir=$1 tree=$2 raw n=0 op i text recipe_rel
	local -a f

	RECIPE_PATHS=()
	recipe_rel=$(project_rel "$dir")/recipe
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		[[ $raw =~ ^[[:space:]]*(#|$) ]] && continue
		RECIPE_AT=$recipe_rel:$n
		IFS='|' read -r -a f <<<"$raw"
		for i in "${!f[@]}"; do
			f[i]=$(sed 's/^[[:space:]]*//;s/[[:space:]]*$//' <<<"${f[i]}")
		done
		op=${f[0]}
		case $op in
		add)
			[ "${#f[@]}" = 3 ] || recipe_fail "$op" "needs SRC and PATH"
			[ -f "$dir/${f[1]}" ] || recipe_fail "${f[1]}" "no such file in $(project_rel "$dir")"
			[ ! -e "$tree/${f[2]}" ] || recipe_fail "${f[2]}" "already in the tree"
			[ -d "$(dirname "$tree/${f[2]}")" ] || recipe_fail "${f[2]}" "its directory is not in the tree"
			cp "$dir/${f[1]}" "$tree/${f[2]}"
			RECIPE_PATHS+=("${f[2]}")
			;;
		spatch-match | spatch-none)
			[ "${#f[@]}" = 3 ] || recipe_fail "$op" "needs RULE and PATH"
			[ -f "$tree/${f[2]}" ] || recipe_fail "${f[2]}" "no such file in the tree"
			recipe_spatch "$tree" "$dir/${f[1]}" "${f[2]}" "$tree/.git/spatch.out"
			if [ "$op" = spatch-match ]; then
				[ -s "$tree/.git/spatch.out" ] ||
					recipe_fail "${f[2]}" "${f[1]} does not match"
			else
				[ ! -s "$tree/.git/spatch.out" ] ||
					recipe_fail "${f[2]}" "${f[1]} still matches after the edits"
			fi
			;;
		delete-line | cut | replace-comment | insert-after)
			[ "${#f[@]}" -ge 4 ] || recipe_fail "$op" "needs PATH, FUNC and RE"
			text=""
			case $op in
			cut) [ "${#f[@]}" = 5 ] || recipe_fail "$op" "needs PATH, FUNC, RE and END" ;;
			replace-comment)
				if [ "${#f[@]}" != 5 ] || [ ! -f "$dir/${f[4]}" ]; then
					recipe_fail "$op" "needs PATH, FUNC, RE and a text file of $(project_rel "$dir")"
				fi
				text=$(cat "$dir/${f[4]}")
				;;
			insert-after)
				[ "${#f[@]}" = 5 ] || recipe_fail "$op" "needs PATH, FUNC, RE and LINE"
				text=${f[4]}
				;;
			esac
			recipe_edit "$tree" "${f[1]}" "$op" "${f[2]}" "${f[3]}" \
				"$([ "$op" = cut ] && echo "${f[4]}")" "$text"
			RECIPE_PATHS+=("${f[1]}")
			;;
		*) recipe_fail "$op" "unknown recipe step" ;;
		esac
	done <"$dir/recipe"
}
