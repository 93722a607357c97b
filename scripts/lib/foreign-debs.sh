# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Packages of another architecture (arm64) from this machine's Debian
# release, downloaded with a private apt configuration and unpacked, never
# installed, into the cache: the static busybox and bash of an arm64 guest,
# the arm64 libuuid a kernel tree's own VFIO selftests link. The machine's
# dpkg architectures, sources and lists stay as they are. Fetched on first
# use only; source it after common.sh.

# shellcheck source=apt-archive.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-archive.sh"

# The private apt state for ARCH's packages of this release.
foreign_apt_dir()
{
	echo "$CACHE_DIR/apt-$(debian_codename || echo bookworm)-$1"
}

# foreign_apt ARCH TOOL [ARG...]: apt-get/apt-cache on that state, for ARCH.
foreign_apt()
{
	local arch=$1

	shift
	private_apt_at "$(foreign_apt_dir "$arch")" "$1" \
		-o APT::Architecture="$arch" -o APT::Architectures="$arch" "${@:2}"
}

# foreign_debs_root ARCH PACKAGE...: print a directory where PACKAGEs (of
# ARCH, the release's current versions) are unpacked, fetching and
# unpacking them the first time. The directory is named by the packages
# and their versions. When the archive cannot be reached, an earlier
# unpacking of the same packages (any version) is used, with a line saying
# so; without one, fail with a line saying why.
#
# One run at a time per private apt state: two arm64 guests started side
# by side on a cold cache would both update the same lists, and apt's own
# lock makes the second update fail instead of wait.
foreign_debs_root()
{
	local apt lock rc=0

	apt=$(foreign_apt_dir "$1")
	mkdir -p "$CACHE_DIR"
	exec {lock}>"$apt.lock"
	if ! flock -n "$lock"; then
		info "the $1 package lists are being fetched by another run; waiting up to 600s"
		flock -w 600 "$lock" || {
			exec {lock}>&-
			info "the $1 package lists are still being fetched after 600s ($apt.lock)"
			return 1
		}
	fi
	__foreign_debs_root "$apt" "$@" || rc=$?
	exec {lock}>&-
	return "$rc"
}

# __foreign_debs_root APT_DIR ARCH PACKAGE...: foreign_debs_root with the
# lock of APT_DIR held.
__foreign_debs_root()
{
	local apt=$1 arch=$2 names pkg ver dest cached
	local -a want=()

	shift 2
	names=$(printf '%s\n' "$@" | md5sum | cut -c1-12)
	# The newest unpacking of the same packages, if any.
	cached=$(find "$CACHE_DIR" -maxdepth 2 -path "*/debs-$arch-*/.names-$names" \
		-printf '%T@ %h\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)
	[ -n "$cached" ] && [ ! -f "$cached/.done" ] && cached=
	# A list refreshed today: what was unpacked from it is current.
	if [ -n "$cached" ] && private_apt_fresh "$apt"; then
		echo "$cached"
		return 0
	fi

	mkdir -p "$CACHE_DIR"
	if ! private_apt_update "$apt" "$(debian_codename || echo bookworm)" "$arch"; then
		if [ -z "$cached" ]; then
			info "cannot fetch $* for $arch: the archive is not reachable and nothing is cached"
			return 1
		fi
		info "using the cached $* for $arch (the archive is not reachable now)"
		echo "$cached"
		return 0
	fi
	for pkg in "$@"; do
		ver=$(foreign_apt "$arch" apt-cache show --no-all-versions "$pkg:$arch" 2>/dev/null |
			sed -n 's/^Version: //p' | head -n 1)
		[ -n "$ver" ] || {
			info "no $pkg for $arch in $(debian_codename || echo bookworm)"
			return 1
		}
		want+=("$pkg=$ver")
	done
	dest=$CACHE_DIR/debs-$arch-$(printf '%s\n' "${want[@]}" | md5sum | cut -c1-12)
	foreign_debs_unpack "$arch" "$dest" "${want[@]}" || return 1
	touch "$dest/.names-$names"
	echo "$dest"
}

# foreign_debs_unpack ARCH DEST PACKAGE=VERSION...: download those and
# unpack them into DEST, once (DEST/.done marks it complete; a lock keeps
# two first calls from doing it twice).
foreign_debs_unpack()
{
	local arch=$1 dest=$2 apt tmp lock deb rc=0

	shift 2
	[ -f "$dest/.done" ] && return 0
	apt=$(foreign_apt_dir "$arch")
	exec {lock}>"$dest.lock"
	flock "$lock"
	if [ ! -f "$dest/.done" ]; then
		info "fetching $* ($arch) from $(debian_codename || echo bookworm)"
		tmp=$(mktemp -d "$apt/download.XXXXXX")
		if (cd "$tmp" && foreign_apt "$arch" apt-get download "${@/=/:$arch=}") \
			>"$apt/download.log" 2>&1; then
			rm -rf "$dest"
			mkdir -p "$dest"
			for deb in "$tmp"/*.deb; do
				dpkg-deb -x "$deb" "$dest" || rc=1
			done
			[ "$rc" = 0 ] && touch "$dest/.done"
		else
			info "downloading $* failed; see $apt/download.log"
			rc=1
		fi
		rm -rf "$tmp"
	fi
	exec {lock}>&-
	return "$rc"
}

# The static busybox and bash of an arm64 guest, as "busybox PATH" and
# "bash PATH" lines.
arm64_guest_userland()
{
	local root

	root=$(foreign_debs_root arm64 busybox-static bash-static) || return 1
	echo "busybox $root/bin/busybox"
	echo "bash $root/bin/bash-static"
}

# A directory holding usr/include/uuid and usr/lib/aarch64-linux-gnu/
# libuuid.a: what a kernel tree's VFIO selftests (7.x) link for arm64.
arm64_uuid_root()
{
	foreign_debs_root arm64 uuid-dev libuuid1
}
