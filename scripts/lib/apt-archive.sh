# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Where this machine's apt gets Debian from. The project never names an
# archive host itself: a suite it needs (bookworm-backports for QEMU,
# trixie-backports for a current kernel source) is fetched from the same
# URI, with the same keyring, as the machine's own bookworm lines, so a
# local mirror or proxy keeps working. Source it; it runs nothing.

APT_SOURCES_LIST=${APT_SOURCES_LIST:-/etc/apt/sources.list}
APT_SOURCES_PARTS=${APT_SOURCES_PARTS:-/etc/apt/sources.list.d}
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# Print "URI KEYRING" for the first 'deb' source that carries SUITE (the
# release's main suite, e.g. bookworm). Both the one-line format and
# deb822 .sources files are read; KEYRING is '-' when the source names
# none. Fails when no source carries the suite.
debian_archive_source()
{
	local suite=$1 files=() f

	[ -f "$APT_SOURCES_LIST" ] && files+=("$APT_SOURCES_LIST")
	for f in "$APT_SOURCES_PARTS"/*.list "$APT_SOURCES_PARTS"/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 1

	awk -v suite="$suite" '
	function emit(uri, key) {
		if (key == "")
			key = "-"
		print uri, key
		found = 1
		exit
	}
	function flush() {
		if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "") {
			split(uris, u, " ")
			emit(u[1], signed)
		}
		types = suites = uris = signed = ""
	}
	FNR == 1 { flush() }
	/^[ \t]*#/ { next }
	FILENAME ~ /\.sources$/ {
		if ($0 ~ /^[ \t]*$/) { flush(); next }
		key = tolower($1)
		sub(/^[^:]*:[ \t]*/, "")
		if (key == "types:") types = $0
		else if (key == "suites:") suites = $0
		else if (key == "uris:") uris = $0
		else if (key == "signed-by:") signed = $0
		next
	}
	$1 == "deb" {
		opts = ""
		i = 2
		if ($2 ~ /^\[/) {
			while (i <= NF) {
				opts = opts " " $i
				if ($i ~ /\]$/) { i++; break }
				i++
			}
		}
		if ($(i + 1) != suite)
			next
		key = ""
		if (match(opts, /signed-by=[^] ]*/))
			key = substr(opts, RSTART + 10, RLENGTH - 10)
		emit($i, key)
	}
	END {
		if (!found)
			flush()
		exit !found
	}' "${files[@]}"
}

# The release's codename (bookworm on Debian 12), from /etc/os-release.
debian_codename()
{
	local codename

	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || return 1
	echo "$codename"
}

# Print "URI KEYRING" for this machine's Debian archive; KEYRING falls back
# to Debian's archive keyring when the source names none.
debian_archive()
{
	local codename src uri key

	codename=$(debian_codename) || return 1
	src=$(debian_archive_source "$codename") || return 1
	uri=${src% *}
	key=${src##* }
	[ "$key" = - ] && key=$DEBIAN_KEYRING
	echo "$uri $key"
}

# private_apt_at DIR TOOL [ARG...]: apt-get or apt-cache with every path of
# its own under DIR (DIR/sources.list, DIR/lists, DIR/cache): the machine's
# sources, lists, caches and dpkg architectures are never touched. Extra
# -o options (e.g. a foreign APT::Architecture) go among the ARGs.
private_apt_at()
{
	local dir=$1 tool=$2

	shift 2
	"$tool" -q -o Dir::Etc::sourcelist="$dir/sources.list" \
		-o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$dir/lists" \
		-o Dir::Cache="$dir/cache" \
		-o Dir::State::status=/var/lib/dpkg/status \
		-o APT::Sandbox::User=root \
		-o Acquire::Retries=3 "$@"
}

# private_apt_update DIR SUITE [ARCH]: refresh the private package list of
# SUITE (for ARCH, default the machine's own) under DIR, from this
# machine's archive, at most every APT_REFRESH_HOURS hours (so a warm run
# asks the archive nothing). Fails with one line on stderr when the archive
# does not answer or has no such suite.
private_apt_update()
{
	local dir=$1 suite=$2 arch=${3:-} archive uri key opts

	private_apt_fresh "$dir" && return 0
	archive=$(debian_archive) || {
		echo "${PROG:-apt}: no Debian archive in this machine's apt sources" >&2
		return 1
	}
	uri=${archive% *}
	key=${archive#* }
	opts="signed-by=$key${arch:+ arch=$arch}"
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	echo "deb [$opts] $uri $suite main" >"$dir/sources.list"
	private_apt_at "$dir" apt-get ${arch:+-o APT::Architecture="$arch"} \
		${arch:+-o APT::Architectures="$arch"} update >"$dir/update.log" 2>&1 || {
		echo "${PROG:-apt}: apt-get update of $suite from $uri failed; see $dir/update.log" >&2
		return 1
	}
	touch "$dir/lists/.updated"
}

# private_apt_fresh DIR: true when DIR's package list was refreshed less
# than APT_REFRESH_HOURS (default 24) hours ago.
private_apt_fresh()
{
	local stamp=$1/lists/.updated

	[ -f "$stamp" ] &&
		[ -n "$(find "$stamp" -mmin -$((${APT_REFRESH_HOURS:-24} * 60)))" ]
}
