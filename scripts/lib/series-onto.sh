# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series onto KDIR': the series on a real kernel tree. In a scratch copy
# of KDIR (a clone sharing its objects when it is a git tree, a git repo
# made of a hard-linked copy when it is an extracted source) a branch gets
# one commit that puts the mirror's base (tree/) in place of the tree's
# tools/testing/selftests/vfio/, then 'git am' of patches/. Every commit is
# then built with that tree's own kselftest Makefiles and its patch run
# through that tree's checkpatch.pl. KDIR itself is only ever read.

ONTO_BRANCH=vfio-igb-series
ONTO_VFIO=tools/testing/selftests/vfio

usage_onto()
{
	cat <<USAGE
Usage: series onto [--out DIR] [--branch NAME] [--no-build] KDIR

Put the series on kernel tree KDIR and check it there, commit by commit.

KDIR is a kernel git tree (its HEAD is the starting point; the branch is
made in a clone sharing its objects, so KDIR's branches, index and work
tree are never touched) or an extracted source such as Debian's
linux-source-6.12 (imported once into a git repo in the cache, then used
through a hard-linked copy). The scratch tree is DIR (default
$(project_rel "$SERIES_OUT")/onto/<name of KDIR>), branch NAME (default
$ONTO_BRANCH):

  1. the base: tools/testing/selftests/vfio/ replaced by tree/'s (and, for
     trees older than the VFIO selftests, the two tools/include headers
     the mirror needs, as 'make intree' adds them)
  2..  'git am' of every patch of patches/

Then for every commit: make -C tools/testing/selftests TARGETS=vfio (with
the uapi headers of KDIR) from clean, counting warnings, and for every
patch that tree's scripts/checkpatch.pl --strict (minus
scripts/checkpatch.ignore). Prints a table; exits non-zero when a build
breaks or checkpatch finds something. Fetch the result into your tree
with 'git fetch DIR $ONTO_BRANCH'.

  --no-build   make the branch only
USAGE
}

# One line and out when $1 is not a kernel tree 'onto' can use.
check_kernel_tree()
{
	local kdir=$1 f

	[ -d "$kdir" ] || die "onto: $kdir: no such directory"
	for f in Makefile MAINTAINERS tools/testing/selftests/Makefile \
		tools/testing/selftests/lib.mk scripts/checkpatch.pl; do
		[ -f "$kdir/$f" ] ||
			die "onto: $kdir is not a kernel source tree (no $f)"
	done
}

# True when $1 is the top of a git work tree.
is_git_top()
{
	local top

	top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null) || return 1
	[ "$(readlink -f "$top")" = "$(readlink -f "$1")" ]
}

# Refuse a git KDIR whose uncommitted changes touch what the branch
# replaces: they would silently be left out of it.
check_kdir_clean()
{
	local kdir=$1 dirty

	dirty=$(git -C "$kdir" status --porcelain -- "$ONTO_VFIO" tools/include/linux |
		head -n 1)
	[ -z "$dirty" ] ||
		die "onto: $kdir has uncommitted changes in the way (${dirty:3}): the branch starts at HEAD without them; commit or stash them first"
}

# The git repo in the cache holding an import of extracted source $1; made
# once (about 30 s for a kernel tree). Prints its path.
import_extracted_source()
{
	local kdir=$1 key repo tmp tree commit

	key=$(basename "$kdir")-$(readlink -f "$kdir" | md5sum | cut -c1-8)
	repo=$CACHE_DIR/import-$key.git
	if [ ! -f "$repo/imported" ]; then
		info "onto: importing $kdir into $repo (once, ~30 s)"
		mkdir -p "$CACHE_DIR"
		rm -rf "$repo"
		tmp=$(mktemp -d "$CACHE_DIR/.import.XXXXXX")
		git init -q --bare "$tmp"
		# -f: Debian's source ignores its whole top level (/* in .gitignore).
		GIT_DIR=$tmp GIT_WORK_TREE=$kdir GIT_INDEX_FILE=$tmp/import.index \
			git -c core.looseCompression=1 add -A -f -- . ':!.extracted' ||
			{ rm -rf "$tmp"; die "onto: importing $kdir failed"; }
		tree=$(GIT_DIR=$tmp GIT_INDEX_FILE=$tmp/import.index git write-tree)
		commit=$(GIT_AUTHOR_DATE=$SERIES_BASE_DATE GIT_COMMITTER_DATE=$SERIES_BASE_DATE \
			as_placeholder env GIT_DIR="$tmp" git commit-tree "$tree" \
			-m "Import of $(basename "$kdir")")
		GIT_DIR=$tmp git update-ref refs/heads/kernel "$commit"
		touch "$tmp/imported"
		mv "$tmp" "$repo"
	fi
	echo "$repo"
}

# Replace hard links under $1 by copies, so that writing there never
# writes through to the source they were linked from.
unlink_subtree()
{
	local dir=$1

	[ -e "$dir" ] || return 0
	cp -a "$dir" "$dir.unlinked"
	rm -rf "$dir"
	mv "$dir.unlinked" "$dir"
}

# Scratch tree $2 as a git work tree at the import of extracted source $1:
# a hard-linked copy of the files, the imported objects as alternates and
# the import's index (hard links keep inode, size and mtime; ctime is not
# trusted).
scratch_from_extracted()
{
	local kdir=$1 scr=$2 again=${3:-0} repo

	repo=$(import_extracted_source "$kdir") || exit 1
	cp -al "$kdir" "$scr"
	rm -f "$scr/.extracted"
	unlink_subtree "$scr/$ONTO_VFIO"
	unlink_subtree "$scr/tools/include/linux"
	git init -q "$scr"
	echo "$repo/objects" >"$scr/.git/objects/info/alternates"
	git -C "$scr" config core.trustctime false
	git -C "$scr" update-ref refs/heads/kernel "$(GIT_DIR=$repo git rev-parse refs/heads/kernel)"
	git -C "$scr" symbolic-ref HEAD refs/heads/kernel
	cp "$repo/import.index" "$scr/.git/index"
	if [ -n "$(git -C "$scr" status --porcelain --ignored=no -uno | head -n 1)" ]; then
		[ "$again" = 0 ] ||
			die "onto: the import of $kdir does not match its files; remove $repo and retry"
		# The source changed since it was imported: import it again.
		info "onto: $kdir changed since its import; importing it again"
		rm -rf "$scr" "$repo"
		scratch_from_extracted "$kdir" "$scr" 1
	fi
}

# Scratch tree $2 as a clone of git tree $1 sharing its objects, at HEAD.
scratch_from_git()
{
	local kdir=$1 scr=$2 head

	head=$(git -C "$kdir" rev-parse --verify "HEAD^{commit}") ||
		die "onto: $kdir has no commit at HEAD"
	info "onto: cloning $kdir (objects shared) into $scr"
	git clone -q --shared --no-checkout "$kdir" "$scr" ||
		die "onto: cloning $kdir failed"
	git -C "$scr" checkout -q -B kernel "$head" ||
		die "onto: checking out $head in $scr failed"
}

# The first commit of the branch: the mirror's base in place of the tree's
# VFIO selftests.
commit_onto_base()
{
	local scr=$1 here=$PROJECT_ROOT/Kbuild-oot/include/linux added=""

	rm -rf "${scr:?}/$ONTO_VFIO"
	cp -a "$PROJECT_ROOT/$MIRROR_REL" "$scr/$ONTO_VFIO"
	if ! grep -qs readl "$scr/tools/include/linux/io.h"; then
		cp "$here/io.h" "$scr/tools/include/linux/io.h"
		added+=" tools/include/linux/io.h"
	fi
	if [ ! -f "$scr/tools/include/linux/pci_ids.h" ]; then
		cp "$here/pci_ids.h" "$scr/tools/include/linux/pci_ids.h"
		added+=" tools/include/linux/pci_ids.h"
	fi
	git -C "$scr" add -A -f -- "$ONTO_VFIO" tools/include/linux
	as_placeholder git -C "$scr" commit -q --allow-empty \
		-m "selftests/vfio: the base of the 82576 series (VFIO igb staging tree)" \
		-m "tools/testing/selftests/vfio/ replaced by tree/ of the staging tree, the
base the series applies to.${added:+ The tree lacks what the mirror needs
from tools/include; added:$added.}"
}

# One row of the build/checkpatch table for commit $2 (number $3) of $1.
onto_check_commit()
{
	local scr=$1 commit=$2 n=$3 log=$ONTO_LOGS/$3 build cp_cell count total prog rc=0

	git -C "$scr" checkout -q --detach "$commit"
	build=err!
	make -s -C "$scr/tools/testing/selftests" TARGETS=vfio clean >/dev/null 2>&1 || true
	if make -C "$scr/tools/testing/selftests" TARGETS=vfio -j"$(nproc)" \
		KHDR_INCLUDES="$ONTO_KHDR" >"$log.build" 2>&1; then
		build=$(grep -c 'warning:' "$log.build" || true)
		[ "$build" = 0 ] || { build="$build!"; rc=1; }
		while IFS= read -r prog; do
			[ -x "$scr/$ONTO_VFIO/$prog" ] && continue
			echo "onto: $prog was not built" >>"$log.build"
			build=miss!
			rc=1
		done < <(tree_test_programs "$scr/$ONTO_VFIO")
	else
		rc=1
	fi
	if [ "$n" = 0 ]; then
		cp_cell=-
	else
		git -C "$scr" format-patch -1 --stdout "$commit" >"$log.patch"
		(cd "$scr" && perl scripts/checkpatch.pl --strict --show-types \
			--ignore "$CHECKPATCH_IGNORE" - <"$log.patch") >"$log.checkpatch" 2>&1 || true
		total=$(grep -E '^total: ' "$log.checkpatch" || true)
		if [ -z "$total" ]; then
			cp_cell=err!
			rc=1
		else
			count=$(echo "$total" | awk '{ n = $2 + $4; if ($7 == "checks,") n += $6; print n }')
			cp_cell=$count
			[ "$count" = 0 ] || { cp_cell="$count!"; rc=1; }
		fi
	fi
	printf '%3s  %-12s %6s %10s  %.52s\n' "$n" "$(short_hash "$commit")" "$build" \
		"$cp_cell" "$(git -C "$scr" log -1 --format=%s "$commit")"
	return "$rc"
}

series_onto()
{
	local kdir="" out="" branch=$ONTO_BRANCH build=1 scr uapi file n failed=0
	local -a commits patches

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_onto; return 0 ;;
		--out | --branch)
			[ -n "${2:-}" ] || die "onto: $1 needs a value"
			case $1 in --out) out=$2 ;; --branch) branch=$2 ;; esac
			shift
			;;
		--no-build) build=0 ;;
		-*) usage_onto >&2; die "onto: unknown option '$1'" ;;
		*)
			[ -z "$kdir" ] || die "onto: one KDIR only"
			kdir=$1
			;;
		esac
		shift
	done
	[ -n "$kdir" ] || { usage_onto >&2; die "onto: give the kernel tree (KDIR)"; }
	check_kernel_tree "$kdir"
	kdir=$(cd "$kdir" && pwd)
	git check-ref-format --branch "$branch" >/dev/null 2>&1 ||
		die "onto: '$branch' is not a valid branch name"
	mkdir -p "$SERIES_OUT"
	mapfile -t patches < <(list_patch_files)
	for file in "${patches[@]}"; do
		validate_patch_file "$file"
	done
	scr=${out:-$SERIES_OUT/onto/$(basename "$kdir")}
	mkdir -p "$(dirname "$scr")"
	scr=$(cd "$(dirname "$scr")" && pwd)/$(basename "$scr")
	case "$scr/" in "$kdir"/*) die "onto: the scratch tree $scr is inside $kdir; give --out elsewhere" ;; esac
	rm -rf "$scr"
	if is_git_top "$kdir"; then
		check_kdir_clean "$kdir"
		scratch_from_git "$kdir" "$scr"
	else
		scratch_from_extracted "$kdir" "$scr"
	fi
	git -C "$scr" checkout -q -B "$branch"
	commit_onto_base "$scr"
	for file in "${patches[@]}"; do
		as_placeholder git -C "$scr" am -q --committer-date-is-author-date "$file" \
			>"$scr/.git/onto-am.log" 2>&1 || {
			git -C "$scr" am --abort >/dev/null 2>&1 || true
			die "onto: $(project_rel "$file") does not apply onto $kdir with the base in place: $(grep -E '^(error|fatal)' "$scr/.git/onto-am.log" | head -n 1) (tree kept at $scr)"
		}
	done
	info "onto: branch $branch in $scr: the base and ${#patches[@]} patch(es) on $(basename "$kdir")"
	[ "$build" = 1 ] || return 0
	need_cmd make gcc perl
	CHECKPATCH_IGNORE=$(checkpatch_ignore_list)
	uapi=$(KDIR=$kdir O=$SERIES_OUT/onto-oot "$PROJECT_ROOT/Kbuild-oot/build" --print-uapi) ||
		die "onto: exporting the uapi headers of $kdir failed"
	# lib.mk takes the uapi headers from KHDR_INCLUDES when it is set,
	# else from usr/include as 'make headers' would fill it.
	ONTO_KHDR="-isystem $uapi"
	ONTO_LOGS=$SERIES_OUT/onto-logs/$(basename "$scr")
	rm -rf "$ONTO_LOGS"
	mkdir -p "$ONTO_LOGS"
	mapfile -t commits < <(git -C "$scr" rev-list --reverse "kernel..$branch")
	printf '%3s  %-12s %6s %10s  %s\n' '#' commit build checkpatch subject
	for ((n = 0; n < ${#commits[@]}; n++)); do
		onto_check_commit "$scr" "${commits[n]}" "$n" || failed=$((failed + 1))
	done
	git -C "$scr" checkout -q "$branch"
	[ "$failed" = 0 ] ||
		die "onto: $failed of ${#commits[@]} commit(s) failed on $(basename "$kdir") (logs: $(project_rel "$ONTO_LOGS"))"
	info "onto: ${#commits[@]} commit(s) build in-tree and pass checkpatch on $(basename "$kdir")"
}
