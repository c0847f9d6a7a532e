#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vbdtop's command line, run for real against a fake sysfs tree: exit
# statuses, --help and --version (the project's VERSION), xentop's option
# names (-d, -i, -b) and the older -n, the three output modes, the JSON
# lines parsed back (python3's json) with their figures checked, and the
# man page: it formats without warnings and names every option --help does.
#
# usage: cli_test.sh PATH-TO-VBDTOP VERSION PATH-TO-MAN-PAGE
set -uo pipefail

vbdtop=${1:?usage: cli_test.sh PATH-TO-VBDTOP VERSION PATH-TO-MAN-PAGE}
version=${2:?usage: cli_test.sh PATH-TO-VBDTOP VERSION PATH-TO-MAN-PAGE}
manpage=${3:?usage: cli_test.sh PATH-TO-VBDTOP VERSION PATH-TO-MAN-PAGE}
passed=0
failed=0
tree=$(mktemp -d /tmp/vbdtop-cli.XXXXXX) || exit 1
trap 'rm -rf "$tree"' EXIT

ok() {
	passed=$((passed + 1))
}

fail() {
	failed=$((failed + 1))
	echo "cli_test: FAIL: $*" >&2
}

# expect_rc DESC RC CMD...: CMD exits with RC.
expect_rc() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" >"$tree/out" 2>"$tree/err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok
	else
		fail "$desc: exit $rc, expected $want ($(head -c 200 "$tree/err"))"
	fi
}

# expect_grep DESC REGEX FILE
expect_grep() {
	if grep -qE -- "$2" "$3"; then
		ok
	else
		fail "$1: no line matching '$2' in $(head -c 300 "$3")"
	fi
}

# stats DEV RD_REQ WR_REQ RD_SECT WR_SECT
stats() {
	local d=$tree/sys/$1/statistics
	mkdir -p "$d"
	echo 0 >"$d/oo_req"
	echo "$2" >"$d/rd_req"
	echo "$3" >"$d/wr_req"
	echo "$4" >"$d/rd_sect"
	echo "$5" >"$d/wr_sect"
	echo 0 >"$d/f_req"
	echo 0 >"$d/ds_req"
}

stats vbd-1-51712 100 10 800 80
mkdir -p "$tree/sys/vbd-1-51712/latency" "$tree/sys/vbd-1-51712/vbdback"
for f in read write flush discard; do
	echo "0 0 0 0 0 0 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" >"$tree/sys/vbd-1-51712/latency/$f"
done
echo "1 2" >"$tree/sys/vbd-1-51712/vbdback/inflight"
stats vbd-7-51728 0 0 0 0
run=("$vbdtop" --sysfs "$tree/sys" --no-xenstore)

expect_rc "--help" 0 "$vbdtop" --help
expect_grep "--help text" '^usage: vbdtop' "$tree/out"
expect_rc "--version" 0 "$vbdtop" --version
if [ "$(cat "$tree/out")" = "vbdtop $version" ]; then ok; else fail "--version: '$(cat "$tree/out")', expected 'vbdtop $version'"; fi
expect_rc "-V" 0 "$vbdtop" -V
expect_rc "unknown option" 2 "$vbdtop" --frobnicate
expect_rc "extra argument" 2 "$vbdtop" -b extra
expect_rc "-d 0" 2 "$vbdtop" -d 0
expect_rc "-d abc" 2 "$vbdtop" -d abc
expect_rc "-d nan" 2 "$vbdtop" -d nan
expect_rc "-d 1s" 2 "$vbdtop" -d 1s
expect_rc "-i 0" 2 "$vbdtop" -i 0
expect_rc "-i -1" 2 "$vbdtop" -i -1
expect_rc "-n 0" 2 "$vbdtop" -n 0
expect_rc "-n -1" 2 "$vbdtop" -n -1
expect_rc "-s foo" 2 "$vbdtop" -s foo
expect_rc "missing sysfs dir" 1 "$vbdtop" --sysfs "$tree/none" --no-xenstore -b -i 1 -d 0.01
expect_grep "missing sysfs dir message" 'none: No such file' "$tree/err"

# Batch: title, header, one line per device, blank line; no escapes.
expect_rc "batch run" 0 "${run[@]}" -b -i 2 -d 0.05
expect_grep "batch header" '^DOMID NAME +DEV +R_IOPS' "$tree/out"
expect_grep "batch vbdback row" '^ +1 dom1 +51712 +0\.0 +0\.0 +0\.00 +0\.00 +- +- +3$' "$tree/out"
expect_grep "batch xen-blkback row" '^ +7 dom7 +51728 .* +- +- +-$' "$tree/out"
if [ "$(grep -c '^DOMID' "$tree/out")" = 2 ]; then ok; else fail "batch: not 2 refreshes"; fi
# -n, vbdtop's name for -i before it took xentop's, and --iterations
expect_rc "batch run -n" 0 "${run[@]}" -b -n 3 -d 0.02
if [ "$(grep -c '^DOMID' "$tree/out")" = 3 ]; then ok; else fail "-n 3: not 3 refreshes"; fi
expect_rc "batch run --iterations" 0 "${run[@]}" -b --iterations=2 --delay=0.02
if [ "$(grep -c '^DOMID' "$tree/out")" = 2 ]; then ok; else fail "--iterations=2: not 2 refreshes"; fi
if grep -q $'\033' "$tree/out"; then fail "batch output has escapes"; else ok; fi

# Terminal mode: each refresh clears the screen.
expect_rc "terminal run" 0 "${run[@]}" -i 1 -d 0.05
if [ "$(head -c 7 "$tree/out")" = $'\033[H\033[2J' ]; then ok; else fail "terminal: no clear screen"; fi

# JSON lines: one object per refresh, parsed back.
expect_rc "json run" 0 "${run[@]}" -j -i 3 -d 0.05 -s name
if python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 3, lines
# Refreshes keep to their deadlines: after a late one the next interval is
# shorter, but three of them span about three delays.
span = sum(json.loads(l)["interval"] for l in lines)
assert span > 0.1, span
for l in lines:
    o = json.loads(l)
    assert o["sort"] == "name" and o["interval"] > 0, o
    d = {x["domid"]: x for x in o["devices"]}
    assert sorted(d) == [1, 7], d
    a, b = d[1], d[7]
    assert a["name"] == "dom1" and a["dev"] == "51712", a
    assert a["read_iops"] == 0 and a["write_mbs"] == 0, a
    assert a["inflight"] == 3 and a["inflight_read"] == 1, a
    assert a["lat_count"] == 0 and a["p99_us"] is None, a
    assert b["p50_us"] is None and b["inflight"] is None, b
    assert b["lat_count"] is None, b
' "$tree/out"; then
	ok
else
	fail "json lines"
fi

# SIGTERM ends a run without -n cleanly, between refreshes.
"${run[@]}" -j -d 0.05 >"$tree/out" 2>"$tree/err" &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" = 0 ]; then ok; else fail "SIGTERM: exit $rc"; fi
if [ -s "$tree/out" ] && python3 -c '
import json, sys
[json.loads(l) for l in open(sys.argv[1])]' "$tree/out"; then
	ok
else
	fail "SIGTERM: output not whole JSON lines"
fi

# The man page: formats cleanly, carries the version, and documents each
# option --help lists.
if command -v groff >/dev/null; then
	if warn=$(groff -man -Tutf8 -ww -z "$manpage" 2>&1) && [ -z "$warn" ]; then
		ok
	else
		fail "man page: groff warnings: $warn"
	fi
else
	echo "cli_test: no groff, man page formatting not checked"
fi
expect_grep "man page version" "^\\.TH VBDTOP 1 .*\"vbdtop $version\"" "$manpage"
"$vbdtop" --help >"$tree/help"
for opt in $(grep -oE -- '(^|[ ,])-(-[a-z-]+|[a-zA-Z])' "$tree/help" | tr -d ' ,' | sort -u); do
	# the man page writes a dash as \-
	if grep -qF -- "$(echo "$opt" | sed 's/-/\\-/g')" "$manpage"; then
		ok
	else
		fail "man page does not document $opt"
	fi
done

echo "cli_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
