#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vbdback lab, dom0 stage 2: runs as PID 1 after switch_root into the host's
# root (9p, read-only) with a tmpfs overlay. Brings up the toolstack, loads the
# backend under test, runs each scenario (bounded by its own timeout), copies
# the dom0 dmesg and guest console logs to /lab-out and powers off.
#
# /lab-out layout written here:
#   setup.txt              LAB-SETUP: OK | LAB-SETUP: FAIL <reason>
#   results.txt            SCENARIO <name>: PASS|FAIL ... and NOTE lines
#   timings.txt            <name> <seconds>
#   scenarios/<name>.log   full output of each scenario
#   console/guest-*.log    guest consoles (xenconsoled)
#   xen/                   xl and hotplug logs, xl dmesg
#   dmesg.txt              dom0's full kernel log
#   done                   written last

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export LAB_OUT=/lab-out
# Everything in lab.conf reaches the scenarios, the settings lab.sh --env
# added included.
set -a
# shellcheck source=/dev/null
. "$LAB_OUT/lab.conf"
set +a

LAB_DOM0=$LAB_REPO/tests/lab/dom0
# shellcheck source=tests/lab/dom0/toolstack.sh
. "$LAB_DOM0/toolstack.sh"
# shellcheck source=tests/lab/dom0/backend.sh
. "$LAB_DOM0/backend.sh"

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 10
	busybox poweroff -f
}

collect() {
	mkdir -p "$LAB_OUT/console" "$LAB_OUT/xen"
	cp -f /var/log/xen/console/guest-*.log "$LAB_OUT/console/" 2>/dev/null
	cp -f /var/log/xen/*.log /var/log/xen/*.txt "$LAB_OUT/xen/" 2>/dev/null
	timeout 20 xl dmesg >"$LAB_OUT/xen/xl-dmesg.txt" 2>&1
	dmesg >"$LAB_OUT/dmesg.txt"
}

setup_fail() {
	echo "LAB-SETUP: FAIL $*"
	echo "LAB-SETUP: FAIL $*" >"$LAB_OUT/setup.txt"
	collect
	echo finished >"$LAB_OUT/done"
	poweroff_now
}

# --- basic system ------------------------------------------------------
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777,size=1400m tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /var/log
mount -t tmpfs -o mode=0755 tmpfs /var/lib/xen
# A checkout under one of these tmpfs (/tmp/x) is hidden now: bind the share
# stage 1 mounted at /lab-repo over it again.
if [ ! -f "$LAB_DOM0/stage2.sh" ]; then
	mkdir -p "$LAB_REPO" && mount --bind /lab-repo "$LAB_REPO" ||
		setup_fail "cannot bind the checkout at $LAB_REPO"
fi
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
[ -e /dev/ptmx ] || ln -sfn pts/ptmx /dev/ptmx
hostname lab-dom0
ip link set lo up 2>/dev/null
mkdir -p /var/lock /var/run /run/lock
echo "LAB-DOM0: stage2 up, kernel $(uname -r), backend $LAB_BACKEND"
exec </dev/null

# --- toolstack and backend -------------------------------------------
modprobe loop max_loop=16 || setup_fail "modprobe loop"
t0=$(date +%s)
lab_toolstack_start || setup_fail "toolstack"
echo "LAB-DOM0: toolstack up in $(($(date +%s) - t0))s"
lab_backend_load || setup_fail "backend $LAB_BACKEND did not load"
echo "LAB-DOM0: backend $LAB_MODNAME loaded"
# A debug kernel's kmemleak: what boot and set-up left is not the scenarios'
# doing; forget it, so that each scenario's check sees only its own leaks.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
	echo "LAB-DOM0: kmemleak armed"
fi
echo "LAB-SETUP: OK" >"$LAB_OUT/setup.txt"

# --- scenarios ---------------------------------------------------------
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
mkdir -p "$LAB_OUT/scenarios"
: >"$LAB_OUT/results.txt"

for name in $LAB_SCENARIOS; do
	file=$LAB_REPO/tests/lab/scenarios/$name.sh
	log=$LAB_OUT/scenarios/$name.log
	t=$(sed -n 's/^# lab-timeout: *\([0-9][0-9]*\).*/\1/p' "$file" 2>/dev/null | head -n 1)
	t=${t:-300}
	echo "LAB-DOM0: scenario $name (timeout ${t}s)"
	start=$(date +%s)
	# The scenario must leave a clean dom0; make sure of it before it starts.
	lab_reset_dom0 >/dev/null 2>&1
	LAB_SCENARIO=$name timeout -k 20 "$t" bash "$LAB_DOM0/run-scenario.sh" "$name" 2>&1 |
		tee "$log"
	rc=${PIPESTATUS[0]}
	elapsed=$(($(date +%s) - start))
	grep -E "^NOTE $name: " "$log" >>"$LAB_OUT/results.txt"
	line=$(grep -E "^SCENARIO $name: (PASS|FAIL)" "$log" | tail -n 1)
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		line="SCENARIO $name: FAIL timed out after ${t}s"
	elif [ -z "$line" ]; then
		line="SCENARIO $name: FAIL no verdict (exit $rc)"
	elif [ "$rc" != 0 ] && [[ $line == *": PASS"* ]]; then
		line="SCENARIO $name: FAIL exit $rc after PASS"
	fi
	echo "$line (${elapsed}s)"
	echo "$line" >>"$LAB_OUT/results.txt"
	echo "$name $elapsed" >>"$LAB_OUT/timings.txt"
	# Clean whatever a failed or killed scenario left behind.
	lab_reset_dom0 2>&1 | sed "s/^/[cleanup after $name] /"
	mkdir -p "$LAB_OUT/console"
	cp -f /var/log/xen/console/guest-*.log "$LAB_OUT/console/" 2>/dev/null
done

collect
echo finished >"$LAB_OUT/done"
echo "LAB-DOM0: all done, powering off"
poweroff_now
