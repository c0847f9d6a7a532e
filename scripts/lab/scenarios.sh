#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check's lab scenarios, from the headers of tests/lab/scenarios/*.sh:
# each file says, in one line among its first comments, either
#   # check: yes (order N)     in make check, run in increasing N
#   # check: no (why not)      not, and why
# Prints the scenarios of make check in their order on one line. A file
# without exactly one such line, or two with the same N, fails loudly (the
# Makefile stops): a new scenario cannot be left out of make check by
# forgetting it.
set -euo pipefail

dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)/tests/lab/scenarios}
bad=0
list=$(for f in "$dir"/*.sh; do
	name=$(basename "$f" .sh)
	lines=$(grep -cE '^# check: ' "$f" || true)
	good=$(grep -E '^# check: (yes \(order [0-9]+\)|no \(.+\))$' "$f" || true)
	if [ "$lines" != 1 ] || [ -z "$good" ]; then
		echo "scenarios: $f needs one line '# check: yes (order N)' or '# check: no (reason)'" >&2
		echo "BAD"
		continue
	fi
	order=$(sed -n 's/^# check: yes (order \([0-9]*\))$/\1/p' "$f")
	if [ -n "$order" ]; then
		echo "$((10#$order)) $name"
	fi
done | sort -n)

if grep -q '^BAD$' <<<"$list"; then
	bad=1
fi
dups=$(grep -v '^BAD$' <<<"$list" | cut -d' ' -f1 | uniq -d || true)
if [ -n "$dups" ]; then
	echo "scenarios: the same order in two scenarios of $dir:" $dups >&2
	bad=1
fi
[ "$bad" = 0 ] || exit 1
grep -v '^BAD$' <<<"$list" | cut -d' ' -f2 | paste -sd' '
