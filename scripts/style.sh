#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch --strict over every C file of the project, with checkpatch.pl
# and its data files taken from Debian's linux-source-6.1 package (cached in
# build/tools); then shellcheck (warnings and errors) over every shell script.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tools=$top/build/tools
tarball=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | head -1)

if [ ! -x "$tools/scripts/checkpatch.pl" ]; then
	[ -n "$tarball" ] || { echo "style: install linux-source-6.1" >&2; exit 1; }
	mkdir -p "$tools"
	tar -xJf "$tarball" -C "$tools" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
fi

cd "$top"
# CAMELCASE: Xen's own enum xenbus_state names (XenbusStateConnected...) are
# what every xenbus driver must use; --no-tree cannot see they are not ours.
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build/')
"$tools/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore CAMELCASE -f $files | tee "$top/build/style.log" |
	grep -v '^total: 0 errors, 0 warnings, 0 checks' || true
if grep -qE '^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):' "$top/build/style.log"; then
	echo "style: checkpatch --strict found problems"
	exit 1
fi
echo "style: checkpatch --strict clean ($(echo $files | wc -w) files)"

# Shell scripts: *.sh, and files whose first line runs a shell.
shells=$(git ls-files -co --exclude-standard | grep -v '^build/' | while read -r f; do
	case $f in
	*.sh) echo "$f" ;;
	*) if head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*/(env )?(ba|da)?sh( |$)'; then
		echo "$f"
	fi ;;
	esac
done)
# Man pages: groff's warnings are errors (vbdtop's page is checked with its
# options by tests/vbdtop/cli_test.sh).
for m in tools/*.8; do
	if ! groff -man -Tutf8 -ww -z "$m" 2>&1 | { ! grep .; }; then
		echo "style: $m has groff warnings"
		exit 1
	fi
done
command -v shellcheck >/dev/null || { echo "style: install shellcheck" >&2; exit 1; }
# shellcheck disable=SC2086 # one word per file
if ! shellcheck -S warning -x $shells; then
	echo "style: shellcheck found problems"
	exit 1
fi
echo "style: shellcheck clean ($(echo $shells | wc -w) scripts)"
