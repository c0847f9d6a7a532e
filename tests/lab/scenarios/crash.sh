# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 1800
#
# crash: a write acknowledged before a completed flush survives a power
# loss, for vbdback and for xen-blkback in the same boot. The guest's disk
# is a device-mapper log-writes target (dm-log-writes) over a brd ram disk,
# logging every write, in the order the disk completed it, to a second ram
# disk. A write is logged only at the first flush issued after it completed,
# so the log replayed up to any flush is what the disk holds if the power
# goes right after that flush. In the guest, crash_writer (tests/lab/guest/
# lib.sh) writes CRASH_FLUSHES 4 KiB records one at a time over 64 slots,
# each a direct write and an fsync (a flush through xen-blkfront and the
# backend), and prints each record's number once its fsync returned. In
# dom0, tests/lab/crash/replay.py replays the log to every flush point and
# checks that each record the guest was told was durable is there (or a
# later record of the same slot) at every point from the one a power loss
# right after that fsync would have left. It reports the flush points, the
# blocks checked and those missing; any missing, corrupt or misplaced block
# fails the scenario. The same check is then run on the log with its last
# flush cut off, and with one made-up claim, and must fail both times: the
# check can fail.
#
# Then the guest is destroyed, vbdback unloaded, xen-blkback loaded (the
# lab's blacklist removed) and everything runs again on fresh ram disks;
# at the end, also after a failure, vbdback is back and xen-blkback gone.
#
# Settings (lab.sh --env): CRASH_FLUSHES records, one flush each (default
# 120; the long form is CRASH_FLUSHES=1000, about ... min); CRASH_BACKENDS
# (default "vbdback xen-blkback").
#
# WRITE_BARRIER is not reached here: xen-blkfront sends flushes when both
# feature-flush-cache and feature-barrier are offered.

N=${CRASH_FLUSHES:-120}
BACKENDS=${CRASH_BACKENDS:-vbdback xen-blkback}
SLOTS=64
MIB=64
DM=vbdlab-crash
VBD_MODNAME=$LAB_MODNAME
REPLAY=$LAB_REPO/tests/lab/crash/replay.py
mkdir -p "$LAB_OUT/crash"

# crash_use BACKEND: swap the loaded backend module (no guest attached).
crash_use() {
	local msg
	[ "$1" = "$LAB_BACKEND" ] && return 0
	msg=$(lab_backend_unload) || { lab_fail "unload $LAB_MODNAME: $msg"; return 1; }
	# shellcheck disable=SC2034 # lib.sh and backend.sh read LAB_BACKEND
	if [ "$1" = vbdback ]; then
		LAB_BACKEND=vbdback LAB_MODNAME=$VBD_MODNAME
	else
		LAB_BACKEND=xen-blkback LAB_MODNAME=xen_blkback
	fi
	msg=$(lab_backend_load) || { lab_fail "load $LAB_MODNAME: $msg"; return 1; }
	lab_log "backend now $LAB_MODNAME"
}

# Whatever happened, dom0 ends with the backend it booted with.
crash_restore() {
	timeout 30 dmsetup remove "$DM" 2>/dev/null
	[ "$LAB_BACKEND" = vbdback ] || crash_use vbdback
	[ "$LAB_BACKEND" = vbdback ] && ! lab_blkback_loaded &&
		[ -e /etc/modprobe.d/vbdlab-no-blkback.conf ]
}
lab_on_end crash_restore

# crash_kv LINE NAME: the value of NAME=VALUE in replay.py's CRASH line.
crash_kv() { sed -n "s/.* $2=\\([0-9]*\\).*/\\1/p" <<<"$1"; }

# crash_run BACKEND: the whole check on one backend.
crash_run() {
	local be=$1 g=crash-$1 run d n s0 s1 log claims out line rc t0
	crash_use "$be" || return 1
	lab_brd_setup 2 "$MIB" || return 1
	timeout 30 modprobe dm-log-writes || { lab_fail "modprobe dm-log-writes"; return 1; }
	timeout 30 dmsetup create "$DM" --table \
		"0 $(blockdev --getsz /dev/ram0) log-writes /dev/ram0 /dev/ram1" ||
		{ lab_fail "dmsetup create $DM"; return 1; }
	lab_wait 10 "/dev/mapper/$DM" test -b "/dev/mapper/$DM" || { lab_fail "no /dev/mapper/$DM"; return 1; }
	lab_guest_create "$g" "$(lab_disk "/dev/mapper/$DM" xvda)" || return 1
	lab_guest_wait_ready "$g" || return 1
	d=$LAB_DOMID
	n=$(lab_devid xvda)
	lab_check_binding "$d" "$n" || return 1
	lab_assert_eq "$be: backend offers feature-flush-cache on the log-writes device" \
		"$(lab_be_key "$d" "$n" feature-flush-cache)" 1
	lab_check "$be: guest sees xvda" lab_guest_cmd "$g" 60 'wait_disk xvda 30' || return 1
	lab_stats "$d" "$n"
	s0=$LAB_STATS
	run=$be-$RANDOM
	t0=$SECONDS
	lab_guest_cmd "$g" $((N + 120)) "crash_writer /dev/xvda $N $SLOTS $run"
	rc=$LAB_CMD_RC
	claims=$LAB_OUT/crash/$be.claims
	grep '^CRASH-' "$LAB_CMD_OUT" >"$claims"
	lab_log "$be: $(grep -c '^CRASH-DURABLE' "$claims") records durable in $((SECONDS - t0)) s"
	lab_assert_eq "$be: crash_writer exit status" "$rc" 0 || grep '^CRASH-FAIL' "$claims"
	lab_stats "$d" "$n"
	s1=$LAB_STATS
	lab_assert_ge "$be: flushes the backend took (f_req)" "$(lab_stat_delta "$s0" "$s1" f_req)" "$N"
	lab_log "$be: dm status before the guest goes: $(dmsetup status "$DM")"
	lab_guest_destroy "$g"
	# Removing the target logs the writes no flush covered and an end mark.
	timeout 60 dmsetup remove "$DM" || { lab_fail "dmsetup remove $DM"; return 1; }
	log=$LAB_TMP/crash-$be.log
	timeout 120 dd if=/dev/ram1 of="$log" bs=1M iflag=direct 2>/dev/null ||
		{ lab_fail "cannot read the log device"; return 1; }
	t0=$SECONDS
	out=$(timeout 600 /usr/bin/python3 "$REPLAY" --log "$log" --claims "$claims" --run "$run" --slots "$SLOTS")
	rc=$?
	echo "$out" | sed "s/^/[$LAB_SCENARIO] $be: /"
	line=$(grep '^CRASH ' <<<"$out")
	lab_log "$be: replayed in $((SECONDS - t0)) s"
	lab_assert_eq "$be: replay check exit status" "$rc" 0
	lab_assert_eq "$be: records the guest was told were durable" "$(crash_kv "$line" claims)" "$N"
	lab_assert_ge "$be: flush points checked" "$(crash_kv "$line" flush_points)" "$N"
	lab_assert_ge "$be: blocks checked" "$(crash_kv "$line" blocks_checked)" "$N"
	lab_assert_eq "$be: blocks missing" "$(crash_kv "$line" missing)" 0
	lab_assert_eq "$be: log ends with its end mark" "$(crash_kv "$line" end_mark)" 1
	echo "$be flush_points=$(crash_kv "$line" flush_points) blocks_checked=$(crash_kv "$line" blocks_checked)" \
		"missing=$(crash_kv "$line" missing)" >>"$LAB_OUT/crash/counts.txt"
	lab_note "$be: $N records, $(crash_kv "$line" flush_points) flush points, $(crash_kv "$line" blocks_checked) blocks checked, $(crash_kv "$line" missing) missing"
	# The check must be able to fail: a disk that lost its last flush, and
	# a claim for a record never written, must each be reported missing.
	out=$(timeout 600 /usr/bin/python3 "$REPLAY" --log "$log" --claims "$claims" --run "$run" --slots "$SLOTS" \
		--truncate-last-flush --show 1)
	rc=$?
	lab_log "$be: without the last flush: $(grep '^CRASH ' <<<"$out")"
	lab_assert_eq "$be: the check fails on a log without its last flush" "$rc" 1
	lab_assert_ge "$be: missing without the last flush" "$(crash_kv "$(grep '^CRASH ' <<<"$out")" missing)" 1
	out=$(timeout 600 /usr/bin/python3 "$REPLAY" --log "$log" --claims "$claims" --run "$run" --slots "$SLOTS" \
		--claim-extra --show 1)
	rc=$?
	lab_log "$be: with a made-up claim: $(grep '^CRASH ' <<<"$out")"
	lab_assert_eq "$be: the check fails with a made-up claim" "$rc" 1
	rm -f "$log"
	lab_brd_free
}

for be in $BACKENDS; do
	crash_run "$be" || lab_log "$be: check stopped early"
	lab_guest_destroy "crash-$be"
	timeout 30 dmsetup remove "$DM" 2>/dev/null
	[ "$LAB_BRD" = 1 ] && lab_brd_free
done
lab_end
