#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the top Makefile does with BDF, FORCE, KDIR and its own path, run
# for real on a copy of it whose scripts only note how they were called:
# a BDF that is no PCI address is refused before any shell sees it (no
# injected command runs), a BDF or FORCE only in the environment does not
# reach hw-run, and a path with a space or a quote in it is refused with
# one line instead of being split, picking the wrong suite, or breaking
# the shell.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# make_project DIR: the Makefile, with stand-ins for everything it runs.
make_project()
{
	local dir=$1 s

	mkdir -p "$dir/scripts" "$dir/Kbuild-oot"
	cp "$PROJECT/Makefile" "$dir/"
	printf 'all:\n\t@:\n' >"$dir/Kbuild-oot/Makefile"
	for s in install-deps series build-test-kernel vmtest hw-run; do
		# Each notes its name and arguments, one a line.
		cat >"$dir/scripts/$s" <<SH
#!/bin/sh
{ echo "$s KDIR=\${KDIR-unset}"; printf '  %s\n' "\$@"; } >>"$WORK/calls"
[ "$s" != build-test-kernel ] || echo "$WORK/bzImage"
SH
		chmod +x "$dir/scripts/$s"
	done
}
M=$WORK/proj
make_project "$M"
unset BDF FORCE KDIR KSRC

# called NAME: the arguments scripts/NAME got, one a line.
called()
{
	sed -n "/^$1 /,/^[^ ]/{/^  /s/^  //p}" "$WORK/calls" 2>/dev/null
}

check_fails_with "make run BDF='ADDR; CMD; #' is refused in one line" \
	"BDF '0000:03:00.0; touch $WORK/injected; #' is not a PCI address" \
	make -C "$M" run "BDF=0000:03:00.0; touch $WORK/injected; #"
check_true "... and the injected command did not run" test ! -e "$WORK/injected"
check_true "... nor did hw-run" test -z "$(called hw-run)"

run env BDF=0000:03:00.0 FORCE=1 make -C "$M" run
check_true "a BDF only in the environment: make run refuses, in one line" \
	test "$RC" != 0 -a "$(grep -c . "$ERR")" = 1
check_true "... saying where BDF goes" \
	grep -q "BDF=0000:03:00.0 is set in the environment; make run takes a real device only from its command line" "$ERR"
check_true "... and hw-run did not run" test -z "$(called hw-run)"

rm -f "$WORK/calls"
run env FORCE=1 make -C "$M" run BDF=0000:03:00.0
check_true "BDF on the command line reaches hw-run whole, without a FORCE from the environment" \
	test "$(called hw-run | tr '\n' ' ')" = "--bdf 0000:03:00.0 --tree $M/build/series/run --build-dir $M/build/oot/run/out "
rm -f "$WORK/calls"
run make -C "$M" run BDF=0000:03:00.0 FORCE=1
check_true "FORCE=1 on the command line adds --force" \
	test "$(called hw-run | tail -n 1)" = --force

# A kernel tree with its own suite, at a path with a space and one with
# a quote: refused, rather than the series tip run instead (the space
# splits make's $(wildcard)) or a shell syntax error.
for k in "$WORK/a b/linux" "$WORK/it's/linux"; do
	mkdir -p "$k/tools/testing/selftests/vfio/lib"
	touch "$k/Makefile" "$k/tools/testing/selftests/vfio/lib/libvfio.mk"
done
rm -f "$WORK/calls"
check_fails_with "make run KDIR='/a b/linux' is refused in one line" \
	"KDIR '$WORK/a b/linux' has <space> in it, which make or the kernel's build cannot take" \
	make -C "$M" run KDIR="$WORK/a b/linux"
check_true "... before anything ran" test ! -e "$WORK/calls"
check_fails_with "make run KDIR=\"/it's/linux\" is refused in one line" \
	"KDIR '$WORK/it's/linux' has ' in it" make -C "$M" run KDIR="$WORK/it's/linux"
check_true "... before anything ran" test ! -e "$WORK/calls"
run make -C "$M" run KDIR="$WORK/kdir-ok"
check_true "a plain KDIR still goes through" grep -q "^vmtest KDIR=$WORK/kdir-ok" "$WORK/calls"

# The project itself at a path with a space.
make_project "$WORK/a b/proj"
rm -f "$WORK/calls"
check_fails_with "a project path with a space is refused in one line" \
	"the project path '$WORK/a b/proj' has <space> in it.*clone or move the project" \
	make -C "$WORK/a b/proj" run
check_true "... before anything ran" test ! -e "$WORK/calls"
tap_done
