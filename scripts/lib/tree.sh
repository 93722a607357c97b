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

# tree_test_programs DIR: the test programs the mirror in DIR builds, in
# the order its Makefile lists them (TEST_GEN_PROGS), one per line. A
# series that adds a test program thereby adds it to the VM run.
tree_test_programs()
{
	sed -n 's/^TEST_GEN_PROGS[[:space:]]*+\{0,1\}=[[:space:]]*//p' "$1/Makefile" |
		tr ' ' '\n' | sed '/^$/d'
}
