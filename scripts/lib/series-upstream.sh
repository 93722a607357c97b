# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series upstream KDIR [OUTDIR]': what the staging tree found, as a series
# for the kernel tree KDIR. The patches are made at run time on a branch of
# a scratch clone of KDIR, from the recipes under upstream/ (see
# series-upstream-recipe.sh), checked at every commit in that tree
# (series-upstream-check.sh) and written as mails whose base-commit is
# KDIR's HEAD. KDIR itself is only read. On any failure nothing is left:
# no branch, no scratch clone, no mails.

UPSTREAM_BRANCH=vfio-igb-upstream

usage_upstream()
{
	cat <<USAGE
Usage: series upstream [--branch NAME] [--prefix PREFIX] [--no-check] [--run]
                       [--keep-run-trees] KDIR [OUTDIR]

The staging tree's contributions as a series on kernel tree KDIR: one
patch per directory listed in upstream/series, made by its recipe on
KDIR's own files (Coccinelle rules and line-anchored edits; no line of a
kernel tree is stored in this project), then written as mails to OUTDIR
(default $(project_rel "$SERIES_OUT")/upstream/<name of KDIR>/mails).

KDIR is a kernel git tree, used at HEAD (uncommitted changes under
tools/testing/selftests/vfio are refused), or an extracted source without
git (Debian's linux-source-7.x), which is first committed once into a git
repo in the cache, and said so. KDIR is never written: the branch NAME
(default $UPSTREAM_BRANCH) is made in a clone sharing its objects,
$(project_rel "$SERIES_OUT")/upstream/<name of KDIR>/tree. Fetch it with
'git fetch <that clone> NAME'.

Every commit is checked in that tree (--no-check: none of it): 'make
headers', then make -C tools/testing/selftests TARGETS=vfio with gcc and
with clang (LLVM=1), sparse (CC=cgcc), and scripts/checkpatch.pl --strict
(minus scripts/checkpatch.ignore); the branch may delete no file. With
--run, the tree's own suite at the base and at the tip, as 'make run
KDIR=' runs it, on one test kernel built from the base (the series may
change nothing outside tools/testing/selftests, so the tip's kernel would
be the same): every case that passed at the base must pass at the tip,
and every case the series adds must run and pass. Both tables go into
the cover letter.

The mails: git format-patch --cover-letter, subject prefix PREFIX
(default "\${SERIES_SUBJECT_PREFIX:-RFC PATCH}"), base-commit: KDIR's HEAD,
From and Signed-off-by from your git config user.name/user.email (refused
without them), To the maintainers and Cc the reviewers and lists that the
tree's scripts/get_maintainer.pl names, every header on one line (b4
reads them). Nothing is sent.

A recipe that no longer matches the tree stops the command with one line
naming the recipe line and the file; nothing is left behind.

  --keep-run-trees   keep the base and tip checkouts of --run in the cache
                     (their test kernels stay cached either way)
USAGE
}

# Set on success; the EXIT trap removes what a failed run made.
UPSTREAM_DONE=0
UPSTREAM_CLEAN=()

upstream_cleanup()
{
	local path

	[ "$UPSTREAM_DONE" = 1 ] && return 0
	for path in "${UPSTREAM_CLEAN[@]}"; do
		rm -rf "$path"
	done
}

# The date every commit of the series carries: when the recipes last
# changed in the project, so that the same recipes on the same tree by the
# same sender give the same commits. Now when upstream/ has uncommitted
# changes or the project is no git clone.
upstream_date()
{
	local date=""

	if git -C "$PROJECT_ROOT" diff --quiet HEAD -- upstream 2>/dev/null &&
		[ -z "$(git -C "$PROJECT_ROOT" ls-files -o --exclude-standard -- upstream)" ]; then
		date=$(git -C "$PROJECT_ROOT" log -1 --format='%ad' --date=raw -- upstream 2>/dev/null || true)
	fi
	echo "${date:-$(date +'%s %z')}"
}

# Commit what the recipe of patch directory $2 changed in scratch tree $1,
# as sender $3 ("Name <email>") at date $4. No file may be deleted.
upstream_commit()
{
	local scr=$1 dir=$2 sender=$3 date=$4 deleted name email

	git -C "$scr" add -f -- "${RECIPE_PATHS[@]}"
	[ -z "$(git -C "$scr" status --porcelain --untracked-files=no | grep -v '^[AM] ' || true)" ] ||
		die "upstream: $(project_rel "$dir/recipe"): the tree has changes the recipe did not name: $(git -C "$scr" status --porcelain --untracked-files=no | grep -v '^[AM] ' | head -n 1)"
	deleted=$(git -C "$scr" diff --cached --diff-filter=D --name-only | head -n 1)
	[ -z "$deleted" ] || die "upstream: $(project_rel "$dir/recipe"): deletes $deleted"
	git -C "$scr" diff --cached --quiet &&
		die "upstream: $(project_rel "$dir/recipe"): changed nothing"
	name=${sender% <*}
	email=${sender##*<}
	email=${email%>}
	GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
		GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date \
		git -C "$scr" -c commit.gpgsign=false commit -q -s --no-verify \
		-F "$dir/message" --cleanup=strip ||
		die "upstream: committing $(upstream_subject "$dir") failed"
}

# Rewrite every header of mail file $1 onto one line: b4 0.12 (Python
# 3.11's email) refuses folded header values.
unfold_mail_headers()
{
	local tmp

	tmp=$(mktemp)
	awk '
		!body && /^$/ { if (h != "") print h; h = ""; body = 1; print; next }
		!body && /^[ \t]/ && h != "" { sub(/^[ \t]+/, " "); h = h $0; next }
		!body { if (h != "") print h; h = $0; next }
		{ print }
		END { if (h != "") print h }
	' "$1" >"$tmp"
	cat "$tmp" >"$1"
	rm -f "$tmp"
}

# Insert address header lines ($2, already formatted) after the Subject of
# mail file $1.
add_mail_headers()
{
	local tmp

	tmp=$(mktemp)
	HDRS=$2 awk '!done && /^Subject: / { print; printf "%s", ENVIRON["HDRS"]; done = 1; next } { print }' \
		"$1" >"$tmp"
	cat "$tmp" >"$1"
	rm -f "$tmp"
}

# The To: and Cc: lines for the patches in $2.. of tree $1, from its
# get_maintainer.pl: maintainers To, reviewers and lists Cc.
upstream_address_headers()
{
	local tree=$1 to cc

	shift
	to=$(run_get_maintainer "$tree" '--m --nor --nol' "$@" | paste -sd, - | sed 's/,/, /g')
	cc=$(run_get_maintainer "$tree" '--nom --r --l' "$@" | paste -sd, - | sed 's/,/, /g')
	[ -n "$to$cc" ] || die "upstream: $tree/scripts/get_maintainer.pl named nobody for the series"
	if [ -z "$to" ]; then
		to=$cc
		cc=""
	fi
	printf 'To: %s\n' "$to"
	[ -z "$cc" ] || printf 'Cc: %s\n' "$cc"
}

# The cover letter body: what the series is, one paragraph per patch,
# and the tables of the checks.
upstream_cover_body()
{
	local kdir=$1 base=$2 dir n=0

	cat <<EOF
These patches come from the VFIO igb staging tree, which makes the Intel
82576 (igb, on silicon or QEMU's model) a DMA engine for the VFIO
selftests. They apply to $(basename "$kdir") at the base-commit below,
and were made and checked on that tree. (The staging tree's own series
applies to the staging tree's base only; a reviewer reproduces it there
with its 'scripts/series am'.)

EOF
	for dir in "${UPSTREAM_DIRS[@]}"; do
		n=$((n + 1))
		printf '%d/%d %s\n\n' "$n" "${#UPSTREAM_DIRS[@]}" "$(upstream_subject "$dir")"
		awk '{ print NF ? "    " $0 : "" }' "$dir/cover"
		echo
	done
	cat <<EOF
Left out: the staging tree's test of the igb driver's recovery from a
stalled copy. It stalls the 82576 on purpose (TX queue 0 turned off
through BAR0 behind the driver's back) and relies on the igb driver's
own answer to a timed-out copy; no driver op stalls a device or says
how a driver recovers, so it cannot be written against the ops the
drivers share, and an op for injecting a stall would exist for one test.

Checked on this tree at every commit ($(date -u +%Y-%m-%d)):

EOF
	awk '{ print NF ? "    " $0 : "" }' "$UPSTREAM_WORK/check.table"
	if [ -f "$UPSTREAM_WORK/run.table" ]; then
		printf '\nThe tree'"'"'s VFIO selftests at the base and at the tip, on one test\nkernel built from the base (the series changes only\ntools/testing/selftests), QEMU %s igb behind intel-iommu, TCG, real\nclock:\n\n' \
			"$(qemu_version | cut -d' ' -f1)"
		awk '{ print NF ? "    " $0 : "" }' "$UPSTREAM_WORK/run.table"
	fi
	echo
}

# Write the series of scratch tree $1 (base $2) as mails to $3.
upstream_write_mails()
{
	local scr=$1 base=$2 out=$3 kdir=$4 prefix=$5 tmp f headers subject cover
	local -a patches

	tmp=$UPSTREAM_WORK/format-patch
	rm -rf "$tmp"
	git -C "$scr" format-patch -q --cover-letter --thread=shallow \
		--subject-prefix="$prefix" --base="$base" -o "$tmp" "$base..HEAD" ||
		die "upstream: git format-patch failed"
	cover=""
	patches=()
	for f in "$tmp"/[0-9][0-9][0-9][0-9]-*.patch; do
		case ${f##*/} in
		0000-*) cover=$f ;;
		*) patches+=("$f") ;;
		esac
	done
	subject="vfio igb staging: an 82576 RCTL fix and a test of MSI-X across VFIO_DEVICE_RESET"
	upstream_cover_body "$kdir" "$base" >"$UPSTREAM_WORK/cover.body"
	SUBJ=$subject BODYF=$UPSTREAM_WORK/cover.body awk '
		/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, ENVIRON["SUBJ"]) }
		/^\*\*\* BLURB HERE \*\*\*$/ { while ((getline l < ENVIRON["BODYF"]) > 0) print l; next }
		{ print }
	' "$cover" >"$cover.new"
	mv "$cover.new" "$cover"
	headers=$(upstream_address_headers "$scr" "${patches[@]}") || exit 1
	for f in "$cover" "${patches[@]}"; do
		unfold_mail_headers "$f"
		add_mail_headers "$f" "$headers"$'\n'
	done
	mkdir -p "$out"
	mv "$tmp"/*.patch "$out"/
	rmdir "$tmp"
}

series_upstream()
{
	local kdir="" out="" branch=$UPSTREAM_BRANCH prefix=${SERIES_SUBJECT_PREFIX:-RFC PATCH}
	local check=1 run=0 keep_runs=0 sender repo base scr date dir work origin
	local -a origin_fields

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_upstream; return 0 ;;
		--branch | --prefix)
			[ -n "${2:-}" ] || die "upstream: $1 needs a value"
			case $1 in --branch) branch=$2 ;; --prefix) prefix=$2 ;; esac
			shift
			;;
		--no-check) check=0 ;;
		--run) run=1 ;;
		--keep-run-trees) keep_runs=1 ;;
		-*) usage_upstream >&2; die "upstream: unknown option '$1'" ;;
		*)
			if [ -z "$kdir" ]; then
				kdir=$1
			elif [ -z "$out" ]; then
				out=$1
			else
				die "upstream: one KDIR and one OUTDIR only"
			fi
			;;
		esac
		shift
	done
	[ -n "$kdir" ] || { usage_upstream >&2; die "upstream: give the kernel tree (KDIR)"; }
	[ "$run" = 0 ] || [ "$check" = 1 ] || die "upstream: --run needs the checks; drop --no-check"
	git check-ref-format --branch "$branch" >/dev/null 2>&1 ||
		die "upstream: '$branch' is not a valid branch name"
	need_cmd git spatch perl awk
	sender=$(sender_identity) || exit 1
	check_kernel_tree "$kdir"
	kdir=$(cd "$kdir" && pwd)
	mapfile -t UPSTREAM_DIRS < <(upstream_patch_dirs)
	[ "${#UPSTREAM_DIRS[@]}" -gt 0 ] || die "upstream: upstream/series lists no patch"

	work=$SERIES_OUT/upstream/$(basename "$kdir")
	out=${out:-$work/mails}
	mkdir -p "$(dirname "$out")"
	out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
	case "$out/" in "$kdir"/*) die "upstream: OUTDIR $out is inside $kdir; give one elsewhere" ;; esac
	[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] ||
		die "upstream: $out is not empty; give an empty or new OUTDIR"
	case "$work/" in "$kdir"/*) die "upstream: the scratch tree would be inside $kdir" ;; esac
	UPSTREAM_WORK=$work
	rm -rf "$work/tree" "$work/check" "$work/run" "$work"/*.table
	mkdir -p "$work"
	trap upstream_cleanup EXIT
	UPSTREAM_CLEAN=("$work/tree" "$out")

	origin=$(upstream_origin "$kdir") || exit 1
	read -r -a origin_fields <<<"$origin"
	repo=${origin_fields[0]}
	base=${origin_fields[1]}
	scr=$work/tree
	info "upstream: branch $branch of $(basename "$kdir") at $(short_hash "$base") in $(project_rel "$scr")"
	scratch_clone "$repo" "$base" "$scr" "$branch"
	date=$(upstream_date)
	for dir in "${UPSTREAM_DIRS[@]}"; do
		run_recipe "$dir" "$scr"
		upstream_commit "$scr" "$dir" "$sender" "$date"
		info "upstream: $(git -C "$scr" log -1 --format='%h %s')"
	done
	[ -z "$(git -C "$scr" diff --diff-filter=D --name-only "$base" HEAD)" ] ||
		die "upstream: the branch deletes files"

	if [ "$check" = 1 ]; then
		upstream_check "$scr" "$base" "$work/check"
		[ "$run" = 0 ] || upstream_run "$repo" "$scr" "$base" "$work" "$keep_runs"
	else
		echo "not checked (--no-check)" >"$work/check.table"
	fi
	upstream_write_mails "$scr" "$base" "$out" "$kdir" "$prefix"
	UPSTREAM_DONE=1
	info "upstream: ${#UPSTREAM_DIRS[@]} patch(es) and a cover letter in $out (base-commit $base)"
	info "upstream: the branch: git fetch $scr $branch"
}
