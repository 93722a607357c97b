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

Subjects: "[$SERIES_SUBJECT_PREFIX n/N]", the prefix 'series export' writes
into patches/ (SERIES_SUBJECT_PREFIX overrides it for both), the cover
letter's included.

Addressing: To: the maintainers, Cc: the reviewers and lists that the
kernel tree's own scripts/get_maintainer.pl names for the files the patches
touch (tree: --kdir DIR, else KDIR, else the newest Linux 7.x source of
'scripts/kernel-source 7', fetched once into the cache; without one, mail
stops and asks for --kdir: 6.12's MAINTAINERS predates the VFIO SELFTESTS
entry), plus the L: lists (Cc) and any real M:/R: of
MAINTAINERS-snippet. Mail that would carry a placeholder address in any
header is refused and nothing is written.

  --kdir DIR             the kernel tree whose MAINTAINERS decides
  --to ADDR, --cc ADDR   add an address (repeatable; quote "Name <addr>")
  --no-get-maintainer    only --to/--cc and the snippet's lists
  (default)  git format-patch, one file per patch plus the cover letter,
             threaded, ready for 'git send-email DIR/*.patch' (Debian
             package git-email, installed by scripts/install-deps)
  --b4       b4 (Debian's 0.12 or later): 'b4 prep -e' on a private copy,
             the cover letter from cover-letter.txt, 'b4 send -o DIR'.
             b4 runs with a private HOME and git config and no network.
             b4 itself writes "[PATCH RFC n/N]"; the tag is put in the
             order above. To see what b4 would send from the branch it
             leaves in $(project_rel "$SERIES_OUT")/mail without a signing key:
             'b4 send --dry-run --no-sign' there.
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
		--subject-prefix="$SERIES_SUBJECT_PREFIX" \
		--numbered --thread=shallow --find-renames \
		--base="$(sgit rev-parse "$SERIES_BASE_TAG")" \
		"${addressing[@]}" "$SERIES_BASE_TAG..HEAD"
	fill_cover_letter "$dir/0000-cover-letter.patch"
	# git writes the patches' From: as RFC 2047 words, the cover
	# letter's raw: the same sender must read the same in both.
	encode_from_header "$dir/0000-cover-letter.patch"
}

# Rewrite the From: header of mail file $1 as RFC 2047 encoded words when
# its display name is not plain ASCII (as git format-patch writes it for
# a patch: UTF-8, Q encoding, only letters, digits and !*+-/ left as
# they are, each word at most 75 characters). Headers only; the body,
# Signed-off-by included, is UTF-8 as its Content-Type says.
encode_from_header()
{
	perl -i -e '
		my $head = 1;
		while (my $line = <>) {
			$head = 0 if $line eq "\n";
			my ($name, $addr) = $line =~ /^From: "?(.*?)"? (<[^<>]*>)\n$/;
			if ($head && defined $name && $name =~ /[^\x00-\x7f]/) {
				my @words = ("");
				utf8::decode($name);
				for my $ch (split //, $name) {
					utf8::encode($ch);
					my $enc = join "", map {
						/[A-Za-z0-9!*+\-\/]/ ? $_ : sprintf("=%02X", ord)
					} split //, $ch;
					push @words, "" if length($words[-1] . $enc) > 63;
					$words[-1] .= $enc;
				}
				$line = "From: " . join("\n ", map { "=?UTF-8?q?$_?=" } @words) .
					" $addr\n";
			}
			print $line;
		}
	' "$1"
}

# Every mail in directory $1 must carry the configured prefix in its
# subject tag: "[$SERIES_SUBJECT_PREFIX n/N]", or "[$SERIES_SUBJECT_PREFIX]"
# for a lone patch.
check_mail_subjects()
{
	local dir=$1 file subject

	for file in "$dir"/*; do
		[ -f "$file" ] || continue
		subject=$(git mailinfo -k /dev/null /dev/null <"$file" 2>/dev/null |
			sed -n 's/^Subject: //p')
		case $subject in
		"[$SERIES_SUBJECT_PREFIX "[0-9]*"] "* | "[$SERIES_SUBJECT_PREFIX] "*) ;;
		*) die "mail: $(basename "$file"): subject '$subject' lacks the prefix [$SERIES_SUBJECT_PREFIX]; nothing written" ;;
		esac
	done
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
	check_mail_subjects "$out"
	mv "$out"/* "$dir"/
	rmdir "$out"
	print_mail_addresses
	info "mail: $count patch(es) and a cover letter from $sender in $dir (nothing sent)"
}
