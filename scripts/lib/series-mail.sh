# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series mail': the stored series as mail files signed by the person who
# runs it. Nothing is sent, and neither patches/ nor the normal scratch
# repo is touched: the series is applied into a private scratch repo, whose
# commits are then re-made with the sender as author and in Signed-off-by.

usage_mail()
{
	cat <<USAGE
Usage: series mail [--b4] [--kdir DIR] [--to ADDR]... [--cc ADDR]...
                   [--no-get-maintainer] DIR

Write the series of patches/ as mail files into DIR (new or empty), never
sending anything. The placeholder identity of the stored series is replaced
by yours, from 'git config user.name' and 'git config user.email', in From:
and in Signed-off-by.

Addressing: To: the maintainers, Cc: the reviewers and lists that the
kernel tree's own scripts/get_maintainer.pl names for the files the patches
touch (tree: --kdir DIR, else KDIR, else Debian's linux-source-6.12 as
cached for the builds; 6.12's MAINTAINERS predates the VFIO SELFTESTS
entry, so for current maintainers use --kdir "\$(scripts/kernel-source 7)"),
plus the L: lists (Cc) and any real M:/R: of
MAINTAINERS-snippet. Mail that would carry a placeholder address in any
header is refused and nothing is written.

  --kdir DIR             the kernel tree whose MAINTAINERS decides
  --to ADDR, --cc ADDR   add an address (repeatable; quote "Name <addr>")
  --no-get-maintainer    only --to/--cc and the snippet's lists
  (default)  git format-patch, one file per patch plus the cover letter,
             threaded, ready for 'git send-email DIR/*.patch'
  --b4       b4 (Debian's 0.12 or later): 'b4 prep -e' on a private copy,
             the cover letter from cover-letter.txt, 'b4 send -o DIR'.
             b4 runs with a private HOME and git config and no network.
USAGE
}

# "Name <email>" of the sender, or one line saying how to set it.
sender_identity()
{
	local name email

	name=$(git -C "$PROJECT_ROOT" config user.name || true)
	email=$(git -C "$PROJECT_ROOT" config user.email || true)
	if [ -z "$name" ] || [ -z "$email" ]; then
		die "git config user.name/user.email unset: set yours with 'git config --global user.name \"Your Name\"' and 'git config --global user.email you@example.org'"
	fi
	[ "$email" != "$SERIES_ID_EMAIL" ] ||
		die "git config user.email is the series placeholder: set your own with 'git config --global user.email you@example.org'"
	is_placeholder_address "$email" &&
		die "git config user.email '$email' is not a deliverable address: set your own with 'git config --global user.email you@example.org'"
	echo "$name <$email>"
}

# Re-make every commit of the mail scratch repo with $1 ("Name <email>") as
# author, committer and in place of the placeholder in its message.
rewrite_series_identity()
{
	local sender=$1 name email commit parent new msg

	name=${sender% <*}
	email=${sender##* <}
	email=${email%>}
	parent=$(sgit rev-parse "$SERIES_BASE_TAG")
	msg=$SERIES_OUT/mail-msg
	while IFS= read -r commit; do
		sgit cat-file commit "$commit" | sed '1,/^$/d' >"$msg"
		SENDER=$sender PLACEHOLDER=$(series_identity) \
			perl -pi -e 's/\Q$ENV{PLACEHOLDER}\E/$ENV{SENDER}/g' "$msg"
		new=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
			GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
			GIT_AUTHOR_DATE="$(sgit log -1 --format=%ad --date=raw "$commit")" \
			sgit commit-tree "$commit^{tree}" -p "$parent" -F "$msg")
		parent=$new
	done < <(sgit rev-list --reverse "$SERIES_BASE_TAG..HEAD")
	# From here on the sender works in this repo (b4 reads user.*).
	sgit config user.name "$name"
	sgit config user.email "$email"
	sgit update-ref "refs/heads/$SERIES_BRANCH" "$parent"
	sgit reset -q --hard "$parent"
	rm -f "$msg"
}

check_mail_dir()
{
	local dir=$1

	case "$(readlink -m "$dir")/" in
	"$(readlink -m "$PATCH_DIR")"/* | "$PROJECT_ROOT"/tree/*)
		die "mail: $dir is inside patches/ or tree/; give a directory outside them" ;;
	esac
	if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
		die "mail: $dir is not empty; give a new or an empty directory"
	fi
	mkdir -p "$dir"
}

mail_with_format_patch()
{
	local dir=$1 sender=$2 name email addr
	local -a addressing=()

	name=${sender% <*}
	email=${sender##* <}
	email=${email%>}
	for addr in "${MAIL_TO[@]}"; do addressing+=("--to=$addr"); done
	for addr in "${MAIL_CC[@]}"; do addressing+=("--cc=$addr"); done
	GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		sgit format-patch -q --output-directory="$dir" --cover-letter \
		--numbered --thread=shallow --find-renames \
		--base="$(sgit rev-parse "$SERIES_BASE_TAG")" \
		"${addressing[@]}" "$SERIES_BASE_TAG..HEAD"
	fill_cover_letter "$dir/0000-cover-letter.patch"
}

series_mail()
{
	local use_b4=0 dir="" sender count kdir="" use_gm=1 tree="" out
	local extra_to="" extra_cc=""
	local -a patches

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_mail; return 0 ;;
		--b4) use_b4=1 ;;
		--to | --cc | --kdir)
			[ -n "${2:-}" ] || die "mail: $1 needs a value"
			case $1 in
			--to) extra_to+="$2"$'\n' ;;
			--cc) extra_cc+="$2"$'\n' ;;
			--kdir) kdir=$2 ;;
			esac
			shift
			;;
		--no-get-maintainer) use_gm=0 ;;
		-*) usage_mail >&2; die "mail: unknown option '$1'" ;;
		*)
			[ -z "$dir" ] || die "mail: one DIR only"
			dir=$1
			;;
		esac
		shift
	done
	[ -n "$dir" ] || { usage_mail >&2; die "mail: give the directory to write the mail files into"; }
	sender=$(sender_identity) || exit 1
	[ -f "$MAINTAINERS_SNIPPET" ] ||
		die "$(project_rel "$MAINTAINERS_SNIPPET") missing: write the MAINTAINERS entry (M:/R:/L: lines) that gives To and Cc"
	[ -n "$(list_patch_files)" ] ||
		die "mail: patches/ holds no patch (empty series): nothing to mail"
	check_cover_file
	[ "$use_b4" = 0 ] || check_b4
	if [ "$use_gm" = 1 ]; then
		tree=$(maintainers_tree "$kdir") || exit 1
	fi
	mkdir -p "$SERIES_OUT"
	mapfile -t patches < <(list_patch_files)
	collect_mail_addresses "$tree" "$extra_to" "$extra_cc" "${patches[@]}"
	check_mail_dir "$dir"
	dir=$(cd "$dir" && pwd)
	# shellcheck disable=SC2034 # the scratch repo of sgit and mail_with_b4
	SCRATCH=$SERIES_OUT/mail
	series_apply --force
	rewrite_series_identity "$sender"
	count=$(sgit rev-list --count "$SERIES_BASE_TAG..HEAD")
	# Written aside first: DIR gets the files only once they pass.
	rm -rf "$SERIES_OUT/mail-out"
	out=$SERIES_OUT/mail-out
	mkdir -p "$out"
	if [ "$use_b4" = 1 ]; then
		mail_with_b4 "$out"
	else
		mail_with_format_patch "$out" "$sender"
	fi
	check_mail_headers "$out"
	mv "$out"/* "$dir"/
	rmdir "$out"
	print_mail_addresses
	info "mail: $count patch(es) and a cover letter from $sender in $dir (nothing sent)"
}
