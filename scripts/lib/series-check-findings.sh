# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# What the checks of series-check-list.sh read out of their tools' output:
# one finding a line, each led by the file and line it is about, so that
# the cells 'series check' reports under its table say where to look.
# Source it before series-check-list.sh.

# The lines of a failed build's log (stdin) that say why it failed, first
# cause first: the compiler's and the linker's errors (file:line: error:),
# paths made relative to the kernel layout of build directory $1; else
# make's own "***" lines; else the log's last line. The compile commands
# themselves (whose -Werror is no error) never.
build_errors()
{
	local out=$1

	awk -v skel="$out/skel/" '
		{ sub(/\r$/, "") }
		/^[^ \t:]+:[0-9]+(:[0-9]+)?: (fatal )?error: / ||
		    /: undefined reference to / || /^[^ \t:]+: (fatal )?error: / ||
		    /^(collect2|ld|ld\.[a-z]+|clang): error: / {
			i = index($0, skel)
			if (i == 1)
				$0 = substr($0, length(skel) + 1)
			errs[++ne] = $0
			next
		}
		/^make(\[[0-9]+\])?: \*\*\* / { stars[++ns] = $0 }
		NF { last = $0 }
		END {
			if (ne)
				for (k = 1; k <= ne; k++) print errs[k]
			else if (ns)
				for (k = 1; k <= ns; k++) print stars[k]
			else if (last != "")
				print last
			else
				print "(empty build log)"
		}
	'
}

# True when line $2 of file $1 invokes a kselftest harness macro. The
# harness defines its functions without 'static', so sparse flags every
# TEST()/FIXTURE*() of every test; those are not the series' to fix.
is_harness_macro_line()
{
	sed -n "$2p" "$1" 2>/dev/null | grep -Eq '^(TEST|FIXTURE)[A-Z_]*\(|^TEST_HARNESS_MAIN'
}

# Filter a sparse build log (stdin) to the diagnostics in the mirror's own
# files. Headers of the kernel tree (the harness, tools/include, uapi) are
# reported by path outside the mirror and are not this series' business.
sparse_findings()
{
	local out=$1 src=$2 line path lnum msg
	local skel=$out/skel/$MIRROR_PATH
	local re='^([^:]+):([0-9]+):[0-9]+: (warning|error): (.*)$'

	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		path=${BASH_REMATCH[1]}
		lnum=${BASH_REMATCH[2]}
		msg=${BASH_REMATCH[4]}
		path=${path#"$skel"/}
		case $path in /* | ../*) continue ;; esac
		if [[ $msg == *"was not declared. Should it be static?" ]] &&
		   is_harness_macro_line "$src/$MIRROR_PATH/$path" "$lnum"; then
			continue
		fi
		echo "$path:${line#*"$path":}"
	done
}

# checkpatch's reports (stdin) one a line, each led by where it is:
# "FILE:LINE: ERROR:TYPE: message", or "patch line N:" for a report on
# the commit message or the patch's headers.
checkpatch_findings()
{
	awk '
		function flush(where) {
			if (msg != "") print where ": " msg
			msg = ""
		}
		/^(ERROR|WARNING|CHECK):/ { flush("patch"); msg = $0; next }
		msg != "" && /^#[0-9]+: FILE: .*:[0-9]+:$/ {
			where = $0
			sub(/^#[0-9]+: FILE: /, "", where)
			sub(/:$/, "", where)
			flush(where)
			next
		}
		msg != "" && /^#[0-9]+: / {
			where = $0
			sub(/^#/, "", where)
			sub(/:.*/, "", where)
			flush("patch line " where)
			next
		}
		END { flush("patch") }
	'
}
