# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Where the VFIO selftests are in a tree given with --tree or TREE=, and
# which test programs they build. Source it after common.sh.

# mirror_dir [TREE]: print the tools/testing/selftests/vfio directory of
# TREE (default: this project's tree/). Like Kbuild-oot, TREE may also
# be that directory itself.
mirror_dir()
{
	local tree=${1:-}

	if [ -z "$tree" ]; then
		echo "$PROJECT_ROOT/$MIRROR_REL"
	elif [ -d "$tree/tools/testing/selftests/vfio" ]; then
		(cd "$tree/tools/testing/selftests/vfio" && pwd)
	elif [ -f "$tree/lib/libvfio.mk" ]; then
		(cd "$tree" && pwd)
	else
		die "$tree holds no tools/testing/selftests/vfio"
	fi
}

# emit_tests DIR: run the kselftest 'emit_tests' target of the selftests
# Makefile in DIR, which needs lib.mk at DIR/../lib.mk. Prints
# "COLLECTION:program" lines.
emit_tests()
{
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s --no-print-directory -C "$1" emit_tests 2>/dev/null
}

# tree_test_programs DIR: the test programs the selftests in DIR build, in
# the order their Makefile lists them, one per line, as the kselftest
# Makefiles themselves report them (emit_tests). A series that adds a test
# program thereby adds it to the VM run. Outside a kernel tree (the
# mirror in tree/), the Makefile is asked in a throwaway skeleton with the
# lib.mk of the kernel source the build uses.
tree_test_programs()
{
	local dir=$1 skel kdir out rc=0

	if [ -f "$dir/../lib.mk" ]; then
		out=$(emit_tests "$dir") || rc=$?
	else
		kdir=$(kernel_source) || exit 1
		skel=$(mktemp -d)
		mkdir -p "$skel/tools/testing/selftests/vfio" "$skel/scripts"
		cp "$kdir/tools/testing/selftests/lib.mk" "$skel/tools/testing/selftests/"
		cp -r "$dir/Makefile" "$dir/lib" "$skel/tools/testing/selftests/vfio/"
		cp "$kdir"/scripts/*.include "$skel/scripts/" 2>/dev/null || :
		out=$(emit_tests "$skel/tools/testing/selftests/vfio") || rc=$?
		rm -rf "$skel"
	fi
	if [ "$rc" != 0 ] || [ -z "$out" ]; then
		die "$dir: 'make emit_tests' listed no test programs"
	fi
	sed -n 's/^[^:]*://p' <<<"$out"
}

# True when kernel tree $1's tools/include already provides MMIO accessors
# through <linux/io.h> (directly, or through asm/io.h as in 7.x): a compile
# probe, since 7.x's linux/io.h only includes asm/io.h.
tree_has_mmio_accessors()
{
	local kdir=$1

	printf '#include <linux/io.h>\nint f(void *p) { return readl(p); }\n' |
		${CC:-cc} -x c -c -o /dev/null -Werror=implicit-function-declaration \
			-I "$kdir/tools/include" - >/dev/null 2>&1
}
