#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check of the project, each step's verdict on one line,
# then "N passed, M failed" and one final "CHECK: PASS" or "CHECK: FAIL".
#
#   CHECK_LAB=0          skip the lab (no QEMU boot)
#   LAB_SCENARIOS="..."  the lab scenarios to run (default: all of make check)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
mkdir -p build
log_dir=build/check
rm -rf "$log_dir"
mkdir -p "$log_dir"

passed=0 failed=0 failures=()

# step NAME COMMAND...: run, keep the log, print one verdict line.
step() {
	local name=$1 start=$SECONDS rc
	shift
	"$@" >"$log_dir/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "check $name: PASS ($((SECONDS - start)) s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "check $name: FAIL ($((SECONDS - start)) s, log $log_dir/$name.log)"
		tail -40 "$log_dir/$name.log" | sed 's/^/    /'
	fi
	return $rc
}

step unit make -s unit
step fuzz make -s fuzz-quick
step style make -s style
# The lab's kernel is the one every step builds for.
lab_kver=$(make -s print-LAB_KVER)
step w1-6.1 make -s w1 KVER="$lab_kver"
step compat-6.12 make -s compat
step sparse make -s sparse
step module make -s module KVER="$lab_kver"
step dkms make -s dkms-check
# The Debian packages, lintian-clean (the lab's package scenario installs them).
step deb make -s deb
if [ "${CHECK_LAB:-1}" != 0 ]; then
	if [ -f drivers/block/vbdback/vbdback.ko ]; then
		# The lab prints its own per-scenario lines: show them as they come.
		step lab make -s lab ${LAB_SCENARIOS:+LAB_SCENARIOS="$LAB_SCENARIOS"}
		grep -E '^(SCENARIO|LAB:)' "$log_dir/lab.log" | sed 's/^/    /'
	else
		failed=$((failed + 1))
		failures+=(lab)
		echo "check lab: FAIL (no module to load)"
	fi
fi

echo "$passed passed, $failed failed"
if [ $failed -eq 0 ]; then
	echo "CHECK: PASS"
else
	echo "CHECK: FAIL (${failures[*]})"
	exit 1
fi
