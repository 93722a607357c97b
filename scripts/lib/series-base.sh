# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Which state of tree/ a base-commit: stands for. The base commit is tree/
# committed by the placeholder at a fixed date with a fixed message
# (create_scratch_base), so its hash is a function of tree/'s git tree
# object alone, and every commit of this project's history that changed
# tree/ can be matched against it without writing anything.

# The base-commit hash 'series apply' makes from git tree object $1.
base_commit_of_tree()
{
	local ident="$SERIES_ID_NAME <$SERIES_ID_EMAIL> $SERIES_BASE_DATE"

	printf 'tree %s\nauthor %s\ncommitter %s\n\n%s\n\n%s\n' "$1" "$ident" "$ident" \
		'Base of the series: the content of tree/' \
		'Every commit after this one comes from patches/.' |
		git hash-object -t commit --stdin
}

# The commit of this project's history (at most the last 2000 that touched
# tree/) whose tree/ gives base-commit $1; prints nothing when none does or
# when the project is no git checkout.
staging_commit_of_base()
{
	local base=$1 rev tree

	git -C "$PROJECT_ROOT" rev-parse --git-dir >/dev/null 2>&1 || return 0
	while read -r rev; do
		tree=$(git -C "$PROJECT_ROOT" rev-parse -q --verify "$rev:tree" 2>/dev/null) || continue
		if [ "$(base_commit_of_tree "$tree")" = "$base" ]; then
			echo "$rev"
			return 0
		fi
	done < <(git -C "$PROJECT_ROOT" log -n 2000 --format=%H HEAD -- tree 2>/dev/null)
	return 0
}

# Write the tree/ of project commit $1 into directory $2 (made afresh).
extract_staging_tree()
{
	rm -rf "$2"
	mkdir -p "$2"
	git -C "$PROJECT_ROOT" archive --format=tar "$1" tree |
		tar -x -C "$2" --strip-components=1
}
