# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Helpers shared by the project's scripts. Source it; it defines functions
# and a few variables and runs nothing.

# shellcheck disable=SC2034 # variables are for the scripts that source this
PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034
MIRROR_REL=tree/tools/testing/selftests/vfio
BUILD_DIR=${BUILD_DIR:-$PROJECT_ROOT/build}

# The script name is the prefix of every message, so a line in a long
# make log says where it came from.
PROG=${PROG:-$(basename "$0")}

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

# The cache of kernels, sources and results: VFIO_IGB_CACHE, else
# XDG_CACHE_HOME/vfio-igb, else ~/.cache/vfio-igb. An XDG_CACHE_HOME or
# HOME that is empty, relative or not a directory is no place for 1.6 GB
# of kernel source (an empty HOME made it /.cache): then one line asks for
# VFIO_IGB_CACHE.
cache_dir()
{
	local xdg=${XDG_CACHE_HOME:-} home=${HOME:-}

	if [ -n "${VFIO_IGB_CACHE:-}" ]; then
		echo "$VFIO_IGB_CACHE"
	elif [[ $xdg == /* ]]; then
		echo "$xdg/vfio-igb"
	elif [[ $home == /?* ]] && [ -d "$home" ]; then
		echo "$home/.cache/vfio-igb"
	else
		if [ -n "${HOME+set}" ]; then
			home="'$home'"
		else
			home="unset"
		fi
		die "no place for the cache: HOME is $home, not an absolute directory, and neither VFIO_IGB_CACHE nor XDG_CACHE_HOME is set; set VFIO_IGB_CACHE=/path/to/cache"
	fi
}
CACHE_DIR=$(cache_dir) || exit 1

# require_cache_writable: stop in one line when the cache directory cannot
# be written (a read-only mount, another user's directory), before a step
# that writes there fails on something else.
require_cache_writable()
{
	local probe

	if mkdir -p "$CACHE_DIR" 2>/dev/null &&
		probe=$(mktemp "$CACHE_DIR/.write-test.XXXXXX" 2>/dev/null); then
		rm -f "$probe"
		return 0
	fi
	die "the cache directory $CACHE_DIR is not writable; make it writable, or set VFIO_IGB_CACHE to a directory that is"
}

info()
{
	echo "$PROG: $*" >&2
}

# The QEMU the VM runs use, and its version ("10.0.2 (Debian ...)").
QEMU=${QEMU:-qemu-system-x86_64}

qemu_version()
{
	"$QEMU" --version 2>/dev/null | sed -n '1s/^QEMU emulator version //p'
}

# Seconds since the epoch, for elapsed-time reports.
now()
{
	date +%s
}

elapsed_since()
{
	local start=$1 secs

	secs=$(($(now) - start))
	printf '%dm%02ds' $((secs / 60)) $((secs % 60))
}

need_cmd()
{
	local cmd

	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 ||
			die "'$cmd' not found; run scripts/install-deps (Debian) or install it"
	done
}

# split_long_opts ARG...: the arguments with every "--name=value" before a
# "--" turned into the two words "--name" "value", in the array SPLIT_ARGS,
# so that a parser that knows "--name value" takes both spellings:
#   split_long_opts "$@"
#   set -- "${SPLIT_ARGS[@]}"
# What follows "--" is passed as it is (it is usually another program's).
# An option that takes no value, given one (--force=1), leaves the value
# behind as a word of its own, which the parser then refuses.
split_long_opts()
{
	local arg re='^(--[A-Za-z0-9][A-Za-z0-9_-]*)=(.*)$'

	SPLIT_ARGS=()
	while [ $# -gt 0 ]; do
		arg=$1
		shift
		if [ "$arg" = -- ]; then
			SPLIT_ARGS+=(-- "$@")
			return 0
		elif [[ $arg =~ $re ]]; then
			SPLIT_ARGS+=("${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
		else
			SPLIT_ARGS+=("$arg")
		fi
	done
}

# accept_old_name OLD NEW: a setting still given under its old name OLD
# (a variable) takes the place of NEW, as OLD did before, with one line
# on stderr; OLD is then unset so that a child does not say it again.
accept_old_name()
{
	local old=$1 new=$2

	[ -n "${!old:-}" ] || return 0
	info "$old= is deprecated, use $new="
	printf -v "$new" '%s' "${!old}"
	export "${new?}"
	unset "$old"
}

# Print the path of a kernel source tree: $KDIR when set, else Debian's
# linux-source-6.12 extracted once into the cache. The cache entry is named
# after the package version, so a new upload gets a new entry.
kernel_source()
{
	local tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
	local dir=${KDIR:-} ver dest

	if [ -n "$dir" ]; then
		if [ ! -f "$dir/Makefile" ] || [ ! -d "$dir/tools/testing/selftests" ]; then
			die "KDIR=$dir is not a kernel source tree (no Makefile or tools/testing/selftests)"
		fi
		# The physical path: a symlinked KDIR is a tree like any
		# other to find, make and the cache keys.
		(cd "$dir" && pwd -P)
		return
	fi
	[ -f "$tarball" ] ||
		die "no kernel source: $tarball missing; run scripts/install-deps or set KDIR=/path/to/linux"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		ver=$(stat -c %Y "$tarball")
	dest=$CACHE_DIR/linux-source-$ver
	[ -f "$dest/.extracted" ] ||
		extract_kernel_source "$dest" linux-source-6.12 untar_into "$tarball" || exit 1
	echo "$dest"
}

# untar_into TARBALL DIR: unpack TARBALL into DIR.
untar_into()
{
	tar -C "$2" -xf "$1"
}

# extract_kernel_source DEST TOP UNPACK [ARG...]: run 'UNPACK ARG... TMP',
# which must leave the source tree as TMP/TOP, and move that tree to DEST;
# once, under a lock so that two first runs do not extract over each other.
# Its own subshell: the lock and the traps end with it. Temporary
# directories of an extraction killed before it could clean up are removed
# here.
extract_kernel_source()
(
	local dest=$1 top=$2 lock_fd tmp="" old

	shift 2
	require_cache_writable
	exec {lock_fd}>"$dest.lock"
	if ! flock -n "$lock_fd"; then
		info "another run is extracting $top into $dest; waiting for it"
		flock "$lock_fd"
	fi
	[ -f "$dest/.extracted" ] && exit 0
	# Holding the lock, no other extraction into $dest is under way.
	for old in "$dest".tmp.*; do
		[ -d "$old" ] && rm -rf "$old"
	done
	# Left by earlier versions of this function, which took no lock.
	find "$CACHE_DIR" -maxdepth 1 -type d -name '.extract.*' -mmin +60 \
		-exec rm -rf {} + 2>/dev/null || true
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
	info "extracting $top into $dest (once, ~20 s)"
	tmp=$(mktemp -d "$dest.tmp.XXXXXX")
	"$@" "$tmp" || die "extracting $top ($*) failed"
	[ -d "$tmp/$top" ] || die "$* holds no $top/"
	rm -rf "$dest"
	mv "$tmp/$top" "$dest"
	touch "$dest/.extracted"
)

# take_lock FILE WHAT [WAIT]: hold an exclusive lock on FILE until this
# process ends (its children inherit it), so that two runs of one clone
# never write the same files at once. When another run holds it, say which
# (its PID and command, from FILE) and wait at most WAIT seconds (default
# VFIO_IGB_LOCK_WAIT, else 3600), then give up in one line. WHAT names the
# thing guarded, for the messages. Taken twice by one process, it is held
# once.
declare -gA HELD_LOCKS=()
take_lock()
{
	local file=$1 what=$2 wait=${3:-${VFIO_IGB_LOCK_WAIT:-3600}} fd holder

	[ -z "${HELD_LOCKS[$file]:-}" ] || return 0
	[[ $wait =~ ^[0-9]+$ ]] || die "VFIO_IGB_LOCK_WAIT: not a number of seconds: '$wait'"
	mkdir -p "$(dirname "$file")"
	exec {fd}<>"$file"
	if ! flock -n "$fd"; then
		holder=$(head -n 1 "$file" 2>/dev/null || true)
		info "$what is in use by another run (${holder:-PID unknown}); waiting up to ${wait}s for it"
		flock -w "$wait" "$fd" ||
			die "$what is still in use by another run (${holder:-PID unknown}) after ${wait}s; try again when it is done (VFIO_IGB_LOCK_WAIT=SECS waits longer)"
	fi
	printf 'PID %s, %s, since %s\n' "$$" "${LOCK_OWNER:-$PROG}" "$(date '+%F %T')" >"$file"
	HELD_LOCKS[$file]=$fd
}
