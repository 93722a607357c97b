# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A current Linux source from Debian's archive: the newest linux-source-7.x
# that the trixie-backports suite carries, fetched into the project's cache
# through a private apt configuration. The machine's own apt sources, lists
# and caches are never touched; only the archive URI and keyring are read
# from them (scripts/lib/apt-archive.sh). Source it after common.sh.

# shellcheck source=apt-archive.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-archive.sh"

KSRC7_SUITE=${KSRC7_SUITE:-trixie-backports}
KSRC7_APT=$CACHE_DIR/apt-$KSRC7_SUITE

# apt-get and apt-cache with every path of their own under KSRC7_APT.
private_apt()
{
	private_apt_at "$KSRC7_APT" "$@"
}

# Refresh the private package list of KSRC7_SUITE, at most every
# KSRC7_REFRESH_HOURS hours. Fails (one line says why) when the archive
# does not answer or has no such suite.
ksrc7_update()
{
	APT_REFRESH_HOURS=${KSRC7_REFRESH_HOURS:-24} private_apt_update "$KSRC7_APT" "$KSRC7_SUITE"
}

# "PACKAGE VERSION" of the newest linux-source-7.N in the private list.
ksrc7_newest_package()
{
	local pkg ver best="" best_minor=-1 minor

	while read -r pkg; do
		minor=${pkg#linux-source-7.}
		[[ $minor =~ ^[0-9]+$ ]] || continue
		[ "$minor" -gt "$best_minor" ] || continue
		ver=$(private_apt apt-cache show --no-all-versions "$pkg" 2>/dev/null |
			sed -n 's/^Version: //p' | head -n 1)
		[ -n "$ver" ] || continue
		best="$pkg $ver"
		best_minor=$minor
	done < <(private_apt apt-cache pkgnames linux-source-7. 2>/dev/null | sort)
	[ -n "$best" ] || return 1
	echo "$best"
}

# The newest 7.x tree already in the cache (for a machine that is offline
# now but fetched one before).
ksrc7_cached()
{
	local dir

	for dir in $(find "$CACHE_DIR" -maxdepth 1 -name 'linux-source-7.*' -type d 2>/dev/null |
		sort -V -r); do
		if [ -f "$dir/.extracted" ]; then
			echo "$dir"
			return 0
		fi
	done
	return 1
}

# untar_deb_source DEB TOP DIR: unpack DEB's /usr/src/TOP.tar.xz into DIR.
untar_deb_source()
{
	dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/$2.tar.xz" | tar -xJ -C "$3"
}

# Print the path of the newest Linux 7.x source tree, fetching and
# extracting it when the archive has a version the cache lacks. Without the
# archive, a tree fetched earlier is used; without either, fail with a line
# that says so.
kernel_source_7x()
{
	local newest pkg ver dest deb

	mkdir -p "$CACHE_DIR"
	if ! ksrc7_update || ! newest=$(ksrc7_newest_package); then
		if dest=$(ksrc7_cached); then
			info "using the cached $(basename "$dest") ($KSRC7_SUITE not reachable now)"
			echo "$dest"
			return 0
		fi
		info "no linux-source-7.x: $KSRC7_SUITE is not reachable or carries none"
		return 1
	fi
	pkg=${newest% *}
	ver=${newest#* }
	dest=$CACHE_DIR/linux-source-$ver
	if [ ! -f "$dest/.extracted" ]; then
		rm -f "$KSRC7_APT"/*.deb
		info "fetching $pkg $ver from $KSRC7_SUITE (~170 MB)"
		(cd "$KSRC7_APT" && private_apt apt-get download "$pkg=$ver") \
			>"$KSRC7_APT/download.log" 2>&1 || {
			info "downloading $pkg $ver failed; see $KSRC7_APT/download.log"
			return 1
		}
		deb=$(find "$KSRC7_APT" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
		[ -n "$deb" ] || { info "apt-get download left no .deb"; return 1; }
		(extract_kernel_source "$dest" "$pkg" untar_deb_source "$deb" "$pkg") ||
			return 1
		rm -f "$deb"
	fi
	echo "$dest"
}
