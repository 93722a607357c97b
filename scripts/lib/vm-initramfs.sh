# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Packing of the vmtest initramfs. Source it after common.sh.
#
# The archive is described as a gen_init_cpio spec and built by the
# kernel's own usr/gen_init_cpio, which can write device nodes without
# root. The kernel opens /dev/console before running /init and
# devtmpfs is not mounted yet at that point, so the node must be in the
# archive.

BUSYBOX=${BUSYBOX:-/bin/busybox}
BASH_STATIC=${BASH_STATIC:-/bin/bash-static}

# Whether TOOL is a gen_init_cpio that works: it packs a one-directory
# spec into a newc archive (whose magic is 070701). A truncated or
# overwritten cache entry would otherwise fail every later run with
# nothing but "packing the initramfs failed".
gen_init_cpio_works()
{
	local tool=$1 spec magic

	[ -x "$tool" ] || return 1
	spec=$(mktemp) || return 1
	echo "dir /probe 755 0 0" >"$spec"
	magic=$("$tool" "$spec" 2>/dev/null | head -c 6) || true
	rm -f "$spec"
	[ "$magic" = 070701 ]
}

# Compile usr/gen_init_cpio of the kernel source once into the cache;
# print its path. A cached one that does not work is replaced, with a
# line saying so.
gen_init_cpio_tool()
{
	local kdir=$1 src key tool tmp

	src=$kdir/usr/gen_init_cpio.c
	[ -f "$src" ] || die "$src missing: not a kernel source tree?"
	key=$(md5sum <"$src" | cut -c1-12)
	tool=$CACHE_DIR/tools/gen_init_cpio-$key
	gen_init_cpio_works "$tool" && { echo "$tool"; return 0; }
	[ ! -e "$tool" ] ||
		info "the cached $tool does not work (damaged?); rebuilding it"
	require_cache_writable
	mkdir -p "$CACHE_DIR/tools"
	# Per process: two runs may build it at once.
	tmp=$(mktemp "$tool.tmp.XXXXXX")
	if ! ${HOSTCC:-gcc} -O2 -o "$tmp" "$src" || ! gen_init_cpio_works "$tmp"; then
		rm -f "$tmp"
		die "compiling $src into $tool failed"
	fi
	mv -f "$tmp" "$tool"
	echo "$tool"
}

# A dynamically linked binary would die in the guest with a bare ENOENT,
# since the initramfs holds no loader; refuse it here with a clear reason.
require_static()
{
	local bin=$1

	if readelf -l "$bin" 2>/dev/null | grep -q 'program interpreter'; then
		die "$bin is dynamically linked; the initramfs needs static binaries (STATIC=1)"
	fi
}

# The path of a file for the spec: gen_init_cpio splits its lines on
# blanks, so a path holding one (a --tree or --log-dir with a space) is
# given through a symbolic link in SPEC_LINKS, a directory without blanks.
spec_path()
{
	local link

	case "$1" in
	*[[:space:]]*)
		link=$SPEC_LINKS/$(printf '%s' "$1" | md5sum | cut -c1-16)
		ln -sfn "$1" "$link"
		echo "$link"
		;;
	*) echo "$1" ;;
	esac
}

# Print the spec of the userland: busybox with a link per applet, static
# bash as /bin/bash, the mount points and /dev/console.
userland_spec()
{
	local applet

	for applet in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /tmp /run /root; do
		echo "dir $applet 755 0 0"
	done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "file /bin/busybox $(spec_path "$BUSYBOX") 755 0 0"
	echo "file /bin/bash $(spec_path "$BASH_STATIC") 755 0 0"
	"$BUSYBOX" --list-full | while read -r applet; do
		# Without busybox's init, a broken /init ends in a kernel
		# panic the host sees, not in an idle shell on the console.
		case "$applet" in
		bin/busybox | bin/bash | sbin/init | linuxrc) continue ;;
		esac
		echo "slink /$applet /bin/busybox 777 0 0"
	done
}

# pack_initramfs OUT INIT CONF BIN_DIR SCRIPT_DIR TEST...
# Writes a newc cpio to OUT with INIT as /init, CONF as
# /vmtest.conf, each TEST found in BIN_DIR under /vfio and the *.sh of
# SCRIPT_DIR under /vfio/scripts. A TEST missing from BIN_DIR is left out
# with a warning: the guest then reports it as not run. A subshell: the
# directory of links spec_path makes is removed however it ends.
pack_initramfs()
(
	local out=$1 init=$2 conf=$3 bin_dir=$4 script_dir=$5 kdir tool spec
	local name script

	shift 5
	need_cmd readelf
	[ -x "$BUSYBOX" ] || die "$BUSYBOX missing; install busybox-static"
	[ -x "$BASH_STATIC" ] || die "$BASH_STATIC missing; install bash-static"
	require_static "$BUSYBOX"
	require_static "$BASH_STATIC"
	kdir=$(kernel_source)
	tool=$(gen_init_cpio_tool "$kdir")

	SPEC_LINKS=$(mktemp -d /tmp/vmtest-spec.XXXXXX)
	trap 'rm -rf "$SPEC_LINKS"' EXIT
	spec=$out.spec
	{
		userland_spec
		echo "file /init $(spec_path "$init") 755 0 0"
		echo "file /vmtest.conf $(spec_path "$conf") 644 0 0"
		echo "dir /vfio 755 0 0"
		echo "dir /vfio/scripts 755 0 0"
		for name in "$@"; do
			if [ ! -f "$bin_dir/$name" ]; then
				info "warning: $bin_dir/$name not found; it will be reported as not run"
				continue
			fi
			require_static "$bin_dir/$name"
			echo "file /vfio/$name $(spec_path "$bin_dir/$name") 755 0 0"
		done
		for script in "$script_dir"/*.sh; do
			[ -f "$script" ] || continue
			echo "file /vfio/scripts/$(basename "$script") $(spec_path "$script") 755 0 0"
		done
	} >"$spec"
	# Not compressed: the guest copies 10 MB faster than it inflates
	# 2.6 MB under emulation (about half a second of boot).
	"$tool" "$spec" >"$out.tmp" ||
		die "packing the initramfs failed (spec: $spec; tool: $tool)"
	mv "$out.tmp" "$out"
)
