# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The kernel tree 'series upstream' works on. KDIR is only ever read: the
# branch is made in a scratch clone sharing KDIR's objects when it is a git
# tree, or in a clone of a git repo in the cache holding one commit of it
# when it is an extracted source (Debian's linux-source-7.x).

UPSTREAM_VFIO=tools/testing/selftests/vfio

# One line and out when $1 is not a kernel tree the series can be built on.
check_kernel_tree()
{
	local kdir=$1 f

	[ -d "$kdir" ] || die "upstream: $kdir: no such directory"
	for f in Makefile MAINTAINERS tools/testing/selftests/Makefile \
		tools/testing/selftests/lib.mk scripts/checkpatch.pl \
		scripts/get_maintainer.pl "$UPSTREAM_VFIO/Makefile"; do
		[ -f "$kdir/$f" ] ||
			die "upstream: $kdir is not a kernel tree with VFIO selftests (no $f)"
	done
}

# True when $1 is the top of a git work tree.
is_git_top()
{
	local top

	top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null) || return 1
	[ "$(readlink -f "$top")" = "$(readlink -f "$1")" ]
}

# Refuse a git KDIR whose uncommitted changes touch the VFIO selftests:
# the branch starts at HEAD and would silently leave them out.
check_kdir_clean()
{
	local kdir=$1 dirty

	dirty=$(git -C "$kdir" status --porcelain -- "$UPSTREAM_VFIO" | head -n 1)
	[ -z "$dirty" ] ||
		die "upstream: $kdir has uncommitted changes in the way (${dirty:3}): the branch starts at HEAD without them; commit or stash them first"
}

# The bare git repo in the cache holding one commit of extracted source
# $1 (made once, about a minute for a kernel tree). Prints its path.
import_extracted_source()
{
	local kdir=$1 key repo tmp tree commit

	key=$(basename "$kdir")-$(readlink -f "$kdir" | md5sum | cut -c1-8)
	repo=$CACHE_DIR/import-$key.git
	if [ -f "$repo/imported" ] && [ "$(cat "$repo/imported")" != "$(source_stamp "$kdir")" ]; then
		info "upstream: $kdir changed since its import; importing it again"
		rm -rf "$repo"
	fi
	if [ ! -f "$repo/imported" ]; then
		info "upstream: $kdir has no git: committing it once into $repo (a minute or two)"
		mkdir -p "$CACHE_DIR"
		tmp=$(mktemp -d "$CACHE_DIR/.import.XXXXXX")
		git init -q --bare "$tmp"
		# -f: Debian's source ignores dot files at its top (.* in .gitignore).
		GIT_DIR=$tmp GIT_WORK_TREE=$kdir GIT_INDEX_FILE=$tmp/import.index \
			git -c core.looseCompression=1 add -A -f -- . ':!.extracted' ||
			{ rm -rf "$tmp"; die "upstream: importing $kdir failed"; }
		tree=$(GIT_DIR=$tmp GIT_INDEX_FILE=$tmp/import.index git write-tree)
		commit=$(GIT_AUTHOR_DATE=$SERIES_BASE_DATE GIT_COMMITTER_DATE=$SERIES_BASE_DATE \
			as_placeholder env GIT_DIR="$tmp" git commit-tree "$tree" \
			-m "Import of $(basename "$kdir")" \
			-m "The extracted source $(basename "$kdir") as one commit, made by
'series upstream' of the VFIO igb staging tree.")
		GIT_DIR=$tmp git update-ref refs/heads/kernel "$commit"
		rm -f "$tmp/import.index"
		source_stamp "$kdir" >"$tmp/imported"
		mv "$tmp" "$repo"
	fi
	echo "$repo"
}

# What tells an extracted source apart from itself after a change, cheaply:
# the newest modification time and the number of files.
source_stamp()
{
	find "$1" -path "$1/.git" -prune -o -type f -printf '%T@\n' |
		sort -n | awk '{ last = $1 } END { print NR, last }'
}

# The git repo and commit the series starts from, as "REPO COMMIT": KDIR
# itself at HEAD, or the import of an extracted source.
upstream_origin()
{
	local kdir=$1 repo head

	if is_git_top "$kdir"; then
		check_kdir_clean "$kdir"
		head=$(git -C "$kdir" rev-parse -q --verify "HEAD^{commit}") ||
			die "upstream: $kdir has no commit at HEAD"
		echo "$kdir $head"
		return
	fi
	repo=$(import_extracted_source "$kdir") || exit 1
	echo "$repo $(GIT_DIR=$repo git rev-parse refs/heads/kernel)"
}

# Scratch clone $3 of repo $1, objects shared, branch $4 at commit $2.
scratch_clone()
{
	local repo=$1 base=$2 scr=$3 branch=$4

	git clone -q --shared --no-checkout "$repo" "$scr" ||
		die "upstream: cloning $repo failed"
	git -C "$scr" checkout -q -b "$branch" "$base" ||
		die "upstream: checking out $base in $scr failed"
}
