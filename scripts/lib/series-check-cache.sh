# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Results of 'series check' kept for the next run with the same inputs.
# Source it after common.sh.
#
# A check's result depends on the commit (its files and its message), on
# this project's code that runs it (scripts/, Kbuild-oot/, vm/), on the
# tools and their versions, on the kernel source the builds and checkpatch
# use and, for conform, on the test kernel and QEMU. All of that is hashed
# into a key; a result is taken from $CHECK_CACHE/<key>/ only when every
# part is the same, so a second 'make check' of an unchanged tree does not
# rebuild, re-lint and re-trace eight unchanged commits. A result is kept
# only when the check did its job (ok or fail, not error). The VM suite of
# 'series test' is never taken from here: it runs every time.
# SERIES_CHECK_CACHE=0 turns the cache off.
#
# A kept result is verified before use: its files must match the
# checksums stored with them, and what the table reads must have its form
# (a count is a number, a result ok or fail). Anything else (an empty or
# cut file, stray bytes, a missing sum) is said in one line, dropped, and
# the check runs again.

CHECK_CACHE=$CACHE_DIR/check-results
CHECK_CACHE_ENV_KEY=

check_cache_enabled()
{
	[ "${SERIES_CHECK_CACHE:-1}" != 0 ]
}

# The first line of a command's version output, or "none".
tool_version()
{
	local out

	out=$("$@" 2>&1 | head -n 1) || true
	echo "${out:-none}"
}

# check_cache_prepare: compute the part of the key every result shares.
check_cache_prepare()
{
	local ksrc

	check_cache_enabled || return 0
	# Results nobody asked for in a month go.
	[ ! -d "$CHECK_CACHE" ] || find "$CHECK_CACHE" -mindepth 1 -maxdepth 1 -mtime +30 \
		-exec rm -rf {} + 2>/dev/null || true
	ksrc=$(kernel_source 2>/dev/null) || ksrc=none
	CHECK_CACHE_ENV_KEY=$({
		# The form of an entry (with its checksums).
		echo "entry format 2"
		(cd "$PROJECT_ROOT" && find scripts Kbuild-oot vm -type f -print0 |
			sort -z | xargs -0 md5sum)
		tool_version gcc --version
		tool_version clang --version
		tool_version sparse --version
		tool_version codespell --version
		tool_version perl -e 'print "$^V\n"'
		tool_version python3 --version
		echo "kernel source: $ksrc $(stat -c %Y "$ksrc/.extracted" 2>/dev/null || true)"
		env | grep -E '^CONFORMANCE_[A-Z]+=' | sort || true
	} | md5sum | cut -c1-16)
}

# check_cache_key WHAT COMMIT [EXTRA...]: the key of one result.
check_cache_key()
{
	local what=$1 commit=$2

	shift 2
	{
		echo "$CHECK_CACHE_ENV_KEY $what"
		sgit rev-parse "$commit^{tree}"
		sgit log -1 --format='%an <%ae>%n%ad%n%B' "$commit"
		printf '%s\n' "$@"
	} | md5sum | cut -c1-16
}

# check_cache_damage DIR: nothing when the kept result in DIR is whole,
# else what is wrong with it.
check_cache_damage()
{
	local src=$1 f value

	if [ ! -f "$src/.sha256" ]; then
		echo "no checksums"
		return
	fi
	if ! (cd "$src" && sha256sum --quiet --strict -c .sha256) >/dev/null 2>&1; then
		echo "a file differs from its checksum"
		return
	fi
	for f in "$src"/*.count "$src"/*.result; do
		[ -f "$f" ] || continue
		value=$(head -c 64 "$f" | tr -c '[:print:]' '?')
		case $f in
		*.count) [[ $(cat "$f") =~ ^[0-9]+$ ]] ||
			{ echo "${f##*/} is not a number ('$value')"; return; } ;;
		*.result) [[ $(cat "$f") =~ ^(ok|fail)$ ]] ||
			{ echo "${f##*/} is not ok or fail ('$value')"; return; } ;;
		esac
	done
}

# check_cache_fetch KEY DIR: copy a kept result into DIR; 1 if none, or
# if the kept one is damaged (said in one line, and dropped).
check_cache_fetch()
{
	local src=$CHECK_CACHE/$1 why

	check_cache_enabled && [ -f "$src/.complete" ] || return 1
	why=$(check_cache_damage "$src")
	if [ -n "$why" ]; then
		info "check: the kept result $src is damaged ($why); not used, the check runs again"
		rm -rf "$src"
		return 1
	fi
	touch "$src"
	cp -a "$src/." "$2/"
	rm -f "$2/.complete" "$2/.sha256"
}

# How many results of the check run in DIR were kept ones.
check_cache_hits()
{
	find "$1" -name '*.kept' | wc -l
}

# check_cache_store KEY DIR FILE...: keep FILEs of DIR under KEY.
check_cache_store()
{
	local key=$1 dir=$2 tmp

	shift 2
	check_cache_enabled || return 0
	mkdir -p "$CHECK_CACHE"
	tmp=$(mktemp -d "$CHECK_CACHE/.tmp.XXXXXX")
	(cd "$dir" && cp -a -- "$@" "$tmp/") || { rm -rf "$tmp"; return 0; }
	# A result that is not whole now is not kept.
	(cd "$tmp" && sha256sum -- "$@" >.sha256) || { rm -rf "$tmp"; return 0; }
	[ -z "$(check_cache_damage "$tmp")" ] || { rm -rf "$tmp"; return 0; }
	touch "$tmp/.complete"
	rm -rf "${CHECK_CACHE:?}/$key"
	mv "$tmp" "$CHECK_CACHE/$key" 2>/dev/null || rm -rf "$tmp"
}

# cached_check DIR NAME: check_NAME DIR, or its kept result. What is
# kept is every NAME.* file of DIR, and those of the checks NAME makes
# (gcc makes sparse's).
cached_check()
{
	local dir=$1 name=$2 key result other f
	local -a files

	# Without check_cache_prepare there is no key to go by.
	if ! check_cache_enabled || [ -z "$CHECK_CACHE_ENV_KEY" ]; then
		"check_$name" "$dir"
		return
	fi
	key=$(check_cache_key "check-$name" "$(cat "$dir/commit")")
	if check_cache_fetch "$key" "$dir"; then
		touch "$dir/$name.kept"
		return 0
	fi
	"check_$name" "$dir"
	result=$(cat "$dir/$name.result" 2>/dev/null || echo error)
	[ "$result" != error ] || return 0
	files=()
	for other in "${CHECK_NAMES[@]}"; do
		[ "$other" = "$name" ] || [ "${CHECK_RUNS[$other]}" = "$name" ] || continue
		for f in "$dir/$other".*; do
			[ -f "$f" ] && files+=("${f##*/}")
		done
	done
	check_cache_store "$key" "$dir" "${files[@]}"
}
