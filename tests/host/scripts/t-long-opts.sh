#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# split_long_opts (scripts/lib/common.sh): "--opt=value" is "--opt value"
# in every script that parses options; and the old name of the kernel
# tree, KSRC (make run KSRC=, upstream-compat --ksrc), does what it did
# with one line on stderr.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../../scripts/lib/common.sh
source "$PROJECT/scripts/lib/common.sh"

export BUILD_DIR=$WORK/build
S=$PROJECT/scripts

# check_split NAME WANT ARG...: WANT is the words split_long_opts makes,
# each in brackets.
check_split()
{
	local name=$1 want=$2 got

	shift 2
	split_long_opts "$@"
	got=$(printf '[%s]' "${SPLIT_ARGS[@]}")
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "wanted $want, got $got"
	fi
}
check_split "--opt=value becomes two words" '[--tree][/a b][--force]' --tree="/a b" --force
check_split "only the first = splits; an empty value stays a word" \
	'[--to][a=b][--tests][]' --to=a=b --tests=
check_split "short options and plain words are left alone" '[-j4][x=y][-d][BDF]' -j4 x=y -d BDF
check_split "nothing after -- is touched" '[--each][--][--kernel=k][x]' --each -- --kernel=k x
check_split "no arguments, no words" '[]'

# The scripts take both spellings. Each call below fails later, at a
# check that can only be reached when the option and its value were read.
mkdir "$WORK/not-a-tree"
check_fails_with "hw-run --tree=DIR" "not-a-tree holds no tools/testing/selftests/vfio" \
	"$S/hw-run" --bdf=0000:03:00.0 --tree="$WORK/not-a-tree"
check_fails_with "build-test-kernel --tree=DIR" \
	"not-a-tree holds no tools/testing/selftests/vfio" \
	"$S/build-test-kernel" --tree="$WORK/not-a-tree"
check_fails_with "upstream-compat --kdir=DIR" "not-a-tree has no VFIO selftests library" \
	"$S/upstream-compat" --kdir="$WORK/not-a-tree"
check_fails_with "soak --rounds=N" "--rounds: not a positive number: '0'" \
	"$S/soak" --tree="$WORK/not-a-tree" --rounds=0
check_fails_with "series check --jobs=N (a subcommand's option)" \
	"check: --jobs needs a positive number" \
	"$S/series" --scratch="$WORK/none" check --jobs=0
check_fails_with "an option that takes no value, given one, is refused" \
	"unknown argument '1'" "$S/hw-run" --force=1

# upstream-compat --ksrc: the old spelling of --kdir.
run "$S/upstream-compat" --ksrc "$WORK/not-a-tree"
check_true "upstream-compat --ksrc says it is deprecated, in one line" \
	test "$(grep -c deprecated "$ERR")" = 1 -a "$(head -n 1 "$ERR")" = \
	"upstream-compat: --ksrc is deprecated, use --kdir"
check_true "... and goes on as --kdir would" grep -q "not-a-tree has no VFIO selftests library" "$ERR"

# make run: KDIR= on the command line is what KSRC= was, KSRC= says it is
# deprecated; a KDIR in the environment changes neither suite nor kernel.
# make -n shows the commands without running them.
K=$WORK/linux
mkdir -p "$K/tools/testing/selftests/vfio/lib"
touch "$K/Makefile" "$K/tools/testing/selftests/vfio/lib/libvfio.mk"
make_run()
{
	make -s -n -C "$PROJECT" run BUILD="$WORK/build" "$@" 2>&1 | grep -v install-deps
}
make_run KDIR="$K" >"$WORK/kdir.cmds"
make_run KSRC="$K" >"$WORK/ksrc.cmds"
check_true "make run KDIR=DIR builds DIR's kernel and runs DIR's own suite" \
	grep -Fqx "kernel=\$(env KDIR='$K' scripts/build-test-kernel --tree '$K') || exit 1; kernel=\$(printf '%s\n' \"\$kernel\" | tail -n 1); scripts/vmtest --tree '$K' --kernel \"\$kernel\"" \
	"$WORK/kdir.cmds"
check_true "make run KSRC=DIR does the same, after one deprecation line" \
	test "$(cat "$WORK/ksrc.cmds")" = "echo \"make run: KSRC= is deprecated, use KDIR=\" >&2
$(cat "$WORK/kdir.cmds")"
KDIR=$K make_run >"$WORK/env.cmds"
check_true "a KDIR only in the environment: the series tip on the default kernel" \
	grep -Fq "env -u KDIR scripts/build-test-kernel --tree '$WORK/build/series/run')" "$WORK/env.cmds"
tap_done
