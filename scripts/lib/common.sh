# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Helpers shared by the project's scripts. Source it; it defines functions
# and a few variables and runs nothing.

# shellcheck disable=SC2034 # variables are for the scripts that source this
PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034
MIRROR_REL=tree/tools/testing/selftests/vfio
CACHE_DIR=${VFIO_IGB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-igb}
BUILD_DIR=${BUILD_DIR:-$PROJECT_ROOT/build}

# The script name is the prefix of every message, so a line in a long
# make log says where it came from.
PROG=${PROG:-$(basename "$0")}

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

info()
{
	echo "$PROG: $*" >&2
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

# Print the path of a kernel source tree: $KDIR when set, else Debian's
# linux-source-6.12 extracted once into the cache. The cache entry is named
# after the package version, so a new upload gets a new entry.
kernel_source()
{
	kernel_source_from KDIR
}

# kernel_source, with the tree in the variable named $1 (e.g. KSRC), which
# is also the name the messages use.
kernel_source_from()
{
	local var=$1 tarball=/usr/src/linux-source-6.12.tar.xz ver dest tmp
	local dir=${!var:-}

	if [ -n "$dir" ]; then
		if [ ! -f "$dir/Makefile" ] || [ ! -d "$dir/tools/testing/selftests" ]; then
			die "$var=$dir is not a kernel source tree (no Makefile or tools/testing/selftests)"
		fi
		(cd "$dir" && pwd)
		return
	fi
	[ -f "$tarball" ] ||
		die "no kernel source: $tarball missing; run scripts/install-deps or set KDIR=/path/to/linux"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		ver=$(stat -c %Y "$tarball")
	dest=$CACHE_DIR/linux-source-$ver
	if [ ! -f "$dest/.extracted" ]; then
		info "extracting $tarball into $dest (once, ~15 s)"
		mkdir -p "$CACHE_DIR"
		tmp=$(mktemp -d "$CACHE_DIR/.extract.XXXXXX")
		tar -C "$tmp" -xf "$tarball" ||
			{ rm -rf "$tmp"; die "extracting $tarball failed"; }
		rm -rf "$dest"
		mv "$tmp/linux-source-6.12" "$dest"
		rmdir "$tmp"
		touch "$dest/.extracted"
	fi
	echo "$dest"
}
