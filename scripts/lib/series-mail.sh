# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# 'series mail': the stored series as mail files signed by the person who
# runs it. Nothing is sent, and neither patches/ nor the normal scratch
# repo is touched: the series is applied into a private scratch repo, whose
# commits are then re-made with the sender as author and in Signed-off-by.

MAINTAINERS_SNIPPET=$PROJECT_ROOT/MAINTAINERS-snippet

usage_mail()
{
	cat <<USAGE
Usage: series mail [--b4] DIR

Write the series of patches/ as mail files into DIR (new or empty), never
sending anything. The placeholder identity of the stored series is replaced
by yours, from 'git config user.name' and 'git config user.email', in From:
and in Signed-off-by. To: are the M: entries of MAINTAINERS-snippet (its
L: lists when it names no M:), Cc: its R: and L: entries.

  (default)  git format-patch, one file per patch plus the cover letter,
             threaded, ready for 'git send-email DIR/*.patch'
  --b4       b4 send -o DIR (needs b4, 'apt-get install b4')
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
	echo "$name <$email>"
}

# Print the addresses of the given MAINTAINERS-snippet tags (M, R, L), one
# a line.
snippet_addresses()
{
	local tag

	for tag in "$@"; do
		sed -n "s/^$tag:[[:space:]]*//p" "$MAINTAINERS_SNIPPET"
	done | sed 's/[[:space:]]*(.*)$//' | awk 'NF'
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
	while IFS= read -r addr; do
		addressing+=("--to=$addr")
	done < <(snippet_addresses M)
	if [ "${#addressing[@]}" = 0 ]; then
		while IFS= read -r addr; do
			addressing+=("--to=$addr")
		done < <(snippet_addresses L)
	fi
	while IFS= read -r addr; do
		addressing+=("--cc=$addr")
	done < <(snippet_addresses R L)
	GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		sgit format-patch -q --output-directory="$dir" --cover-letter \
		--numbered --thread=shallow --find-renames \
		--base="$(sgit rev-parse "$SERIES_BASE_TAG")" \
		"${addressing[@]}" "$SERIES_BASE_TAG..HEAD"
	fill_cover_letter "$dir/0000-cover-letter.patch"
}

# b4 keeps the cover letter in an empty commit at the start of its branch
# and takes To/Cc from trailers there.
mail_with_b4()
{
	local dir=$1 cover addr

	need_cmd b4
	cover=$SERIES_OUT/mail-cover
	{
		cover_subject
		echo
		cover_text
		echo
		while IFS= read -r addr; do echo "To: $addr"; done < <(snippet_addresses M)
		while IFS= read -r addr; do echo "Cc: $addr"; done < <(snippet_addresses R L)
	} >"$cover"
	# b4 edits the cover letter with $EDITOR; ours writes the text in.
	(cd "$SCRATCH" &&
		b4 prep --enroll "$SERIES_BASE_TAG" >/dev/null 2>&1 &&
		EDITOR="cp $cover" b4 prep --edit-cover >/dev/null 2>&1 &&
		b4 send --no-sign -o "$dir" >"$SERIES_OUT/b4.log" 2>&1) ||
		die "mail: b4 failed (see $(project_rel "$SERIES_OUT/b4.log")); run without --b4 for git format-patch"
}

series_mail()
{
	local use_b4=0 dir="" sender count

	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) usage_mail; return 0 ;;
		--b4) use_b4=1 ;;
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
	[ "$use_b4" = 0 ] || need_cmd b4
	check_mail_dir "$dir"
	dir=$(cd "$dir" && pwd)
	SCRATCH=$SERIES_OUT/mail
	series_apply --force
	rewrite_series_identity "$sender"
	count=$(sgit rev-list --count "$SERIES_BASE_TAG..HEAD")
	if [ "$use_b4" = 1 ]; then
		mail_with_b4 "$dir"
	else
		mail_with_format_patch "$dir" "$sender"
	fi
	info "mail: $count patch(es) and a cover letter from $sender in $dir (nothing sent)"
}
