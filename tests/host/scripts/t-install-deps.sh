#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-deps takes the archive from the machine's own apt sources, and
# 'make run' / 'make check' see to the dependencies first. apt-get, dpkg-query
# and id are replaced by fakes in PATH; nothing is installed.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

DEPS=$PROJECT/scripts/install-deps
FAKE=$WORK/bin
mkdir -p "$FAKE" "$WORK/parts"
export APT_SOURCES_LIST=$WORK/sources.list APT_SOURCES_PARTS=$WORK/parts

cat >"$APT_SOURCES_LIST" <<'SRC'
# a local mirror, as a machine behind a proxy would have
deb [arch=amd64 signed-by=/etc/apt/keyrings/local.gpg] http://mirror.example.org/debian bookworm main
deb http://mirror.example.org/debian-security bookworm-security main
SRC
run "$DEPS" --show-source
check_true "backports source from the one-line sources: the machine's URI" \
	grep -qx 'URIs: http://mirror.example.org/debian' "$OUT"
check_true "... and its keyring" grep -qx 'Signed-By: /etc/apt/keyrings/local.gpg' "$OUT"

: >"$APT_SOURCES_LIST"
cat >"$WORK/parts/debian.sources" <<'SRC'
Types: deb
URIs: http://other.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
run "$DEPS" --show-source
check_true "backports source from a deb822 file: the machine's URI" \
	grep -qx 'URIs: http://other.example.org/debian' "$OUT"
rm "$WORK/parts/debian.sources"
check_fails_with "no bookworm source at all: one line" "no 'deb' source for" \
	"$DEPS" --show-source
check_true "the installer names no archive host itself" \
	test "$(grep -c 'deb\.debian\.org' "$DEPS")" = 0

# Fakes: every package missing, a non-root user, an apt-get that logs.
cat >"$FAKE/dpkg-query" <<'SH'
#!/bin/sh
[ -n "$FAKE_ALL_INSTALLED" ] && { printf 'install ok installed'; exit 0; }
exit 1
SH
cat >"$FAKE/id" <<'SH'
#!/bin/sh
[ "$1" = -u ] && echo "${FAKE_UID:-0}" && exit 0
exec /usr/bin/id "$@"
SH
printf '#!/bin/sh\necho "apt-get $*" >>"%s/apt.log"\n' "$WORK" >"$FAKE/apt-get"
chmod +x "$FAKE"/*

check_fails_with "--if-missing as a user: one line naming the installer" \
	"missing packages: .*rsync.*sudo scripts/install-deps" \
	env PATH="$FAKE:$PATH" FAKE_UID=1000 "$DEPS" --if-missing
check_true "... and nothing installed" test ! -e "$WORK/apt.log"
run env PATH="$FAKE:$PATH" FAKE_ALL_INSTALLED=1 FAKE_UID=1000 "$DEPS" --if-missing
check_true "--if-missing with everything there: silent success" \
	test "$RC" = 0 -a ! -s "$ERR" -a ! -e "$WORK/apt.log"
printf 'deb http://mirror.example.org/debian bookworm main\n' >"$APT_SOURCES_LIST"
run env PATH="$FAKE:$PATH" "$DEPS" --if-missing
check_true "--if-missing as root installs (apt-get install called)" \
	grep -q 'apt-get .*install .*rsync' "$WORK/apt.log"
check_true "... after adding backports from the machine's archive" \
	grep -qx 'URIs: http://mirror.example.org/debian' "$WORK/parts/bookworm-backports.sources"

for target in run check; do
	first=$(make -s -n -C "$PROJECT" "$target" BUILD="$WORK/build" 2>/dev/null | head -n 1) || true
	case $first in
	*"install-deps --if-missing"*) ok "make $target sees to the dependencies first" ;;
	*) not_ok "make $target sees to the dependencies first" "first command: $first" ;;
	esac
done
tap_done
