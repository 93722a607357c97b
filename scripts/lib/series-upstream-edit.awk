# SPDX-License-Identifier: GPL-2.0-or-later
#
# One line-anchored edit of a 'series upstream' recipe, on the file given
# as input; the edited file goes to stdout. Every anchor must match exactly
# once, else one line on stderr says what matched how often, and the exit
# status is 1. Arguments come from the environment, unprocessed:
#
#   EDIT_OP     delete-line RE          the one line matching RE
#               cut RE END              from RE's match to the end of the
#                                       first match of END (which must end
#                                       its line); a line left with only
#                                       blanks or a comment's '*' goes too
#               replace-comment RE      the one block comment holding RE,
#                                       by the text of EDIT_TEXT, indented
#                                       as the block was
#               insert-after RE         EDIT_TEXT after the line matching RE
#   EDIT_SCOPE  a function: its definition and the block comment right above
#               it; empty: the whole file
#   EDIT_RE, EDIT_END, EDIT_TEXT
#
# Written for any POSIX awk (Debian's default is mawk).

function fail(msg)
{
	print msg > "/dev/stderr"
	failed = 1
	exit 1
}

function where()
{
	return scope == "" ? "the file" : scope "()"
}

# Set lo and hi to the lines of function scope, its comment included.
function find_scope(    i, def, count, defre)
{
	defre = "(^|[^A-Za-z0-9_])" scope "[(]"
	count = 0
	for (i = 1; i <= n; i++) {
		if (line[i] ~ /^[A-Za-z_]/ && line[i] ~ defre && line[i] !~ /;[ \t]*$/) {
			count++
			def = i
		}
	}
	if (count != 1)
		fail("function " scope "(): " count " definitions, expected 1")
	hi = 0
	for (i = def + 1; i <= n; i++) {
		if (line[i] ~ /^}/) {
			hi = i
			break
		}
	}
	if (!hi)
		fail("function " scope "(): no closing brace at the start of a line")
	lo = def
	# "static int\nname(...)": the comment sits above the type line.
	if (def > 1 && line[def - 1] ~ /^[A-Za-z_]/ && line[def - 1] !~ /[;{}]/)
		lo = def - 1
	if (lo > 1 && line[lo - 1] ~ /^[ \t]*\*\/[ \t]*$/) {
		for (i = lo - 1; i >= 1; i--) {
			if (line[i] ~ /^[ \t]*\/\*/) {
				lo = i
				break
			}
		}
	}
}

# The one line in [lo, hi] matching re; fails naming what of $1 it is.
function only_line(re, what,    i, count, at)
{
	count = 0
	for (i = lo; i <= hi; i++) {
		if (line[i] ~ re) {
			count++
			at = i
		}
	}
	if (count != 1)
		fail(what " '" re "' matches " count " lines of " where() ", expected 1")
	return at
}

function split_text(    t)
{
	t = text
	sub(/\n$/, "", t)
	return split(t, tl, "\n")
}

function op_delete_line(    at)
{
	at = only_line(re, "anchor")
	drop[at] = 1
}

function op_cut(    a, b, seg, pre, rest, found)
{
	a = only_line(re, "anchor")
	match(line[a], re)
	pre = substr(line[a], 1, RSTART - 1)
	seg = substr(line[a], RSTART)
	found = 0
	for (b = a; b <= hi; b++) {
		if (b > a)
			seg = line[b]
		if (match(seg, endre)) {
			rest = substr(seg, RSTART + RLENGTH)
			found = 1
			break
		}
	}
	if (!found)
		fail("end '" endre "' not found after '" re "' in " where())
	if (rest !~ /^[ \t]*$/)
		fail("end '" endre "' does not end its line in " where())
	sub(/[ \t]+$/, "", pre)
	if (pre ~ /^[ \t]*\*?$/)
		drop[a] = 1
	else
		repl[a] = pre
	for (a = a + 1; a <= b; a++)
		drop[a] = 1
}

function op_replace_comment(    i, j, start, count, hit, s, e, indent, k, nt, out)
{
	count = 0
	for (i = lo; i <= hi; i++) {
		if (line[i] !~ /^[ \t]*\/\*/)
			continue
		hit = 0
		for (j = i; j <= hi; j++) {
			if (line[j] ~ re)
				hit = 1
			if (line[j] ~ /\*\//)
				break
		}
		if (hit) {
			count++
			s = i
			e = j
		}
		i = j
	}
	if (count != 1)
		fail("comment holding '" re "' found " count " times in " where() ", expected 1")
	match(line[s], /^[ \t]*/)
	indent = substr(line[s], 1, RLENGTH)
	nt = split_text()
	out = ""
	for (k = 1; k <= nt; k++)
		out = out (k > 1 ? "\n" : "") (tl[k] == "" ? "" : indent tl[k])
	repl[s] = out
	for (i = s + 1; i <= e; i++)
		drop[i] = 1
}

function op_insert_after(    at)
{
	at = only_line(re, "anchor")
	after[at] = text
	sub(/\n$/, "", after[at])
}

BEGIN {
	op = ENVIRON["EDIT_OP"]
	scope = ENVIRON["EDIT_SCOPE"]
	re = ENVIRON["EDIT_RE"]
	endre = ENVIRON["EDIT_END"]
	text = ENVIRON["EDIT_TEXT"]
}

{ line[NR] = $0 }

END {
	if (failed)
		exit 1
	n = NR
	lo = 1
	hi = n
	if (scope != "")
		find_scope()
	if (op == "delete-line")
		op_delete_line()
	else if (op == "cut")
		op_cut()
	else if (op == "replace-comment")
		op_replace_comment()
	else if (op == "insert-after")
		op_insert_after()
	else
		fail("unknown edit '" op "'")
	for (i = 1; i <= n; i++) {
		if (i in drop)
			continue
		print (i in repl) ? repl[i] : line[i]
		if (i in after)
			print after[i]
	}
}
