# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 3600
# check: yes (order 300)
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
# WRITE_BARRIER, which xen-blkfront never sends when flushes are offered
# too: a second guest, without xen-blkfront, runs vbdfront's crash mode
# (tests/hostile/crash.c) on its own log-writes disk: odd records a write
# pushed together with a barrier without data (the barrier must wait for
# the write, and flush it), even records a barrier carrying the record.
# replay.py checks the first kind ("write" claims) like the flushes, on
# either backend, and the second ("barrier" claims, data stable once the
# barrier is answered) must hold for vbdback; for xen-blkback, which sends
# a barrier's data with a preflush but without FUA, what is missing is
# noted.
#
# Then the guests are destroyed, vbdback unloaded, xen-blkback loaded (the
# lab's blacklist removed) and everything runs again on fresh ram disks;
# at the end, also after a failure, vbdback is back and xen-blkback gone.
# Counts per backend: results.txt's NOTE lines and /lab-out/crash/counts.txt.
#
# Settings (lab.sh --env): CRASH_FLUSHES records, one flush each, and as
# many barrier records (default 120, 2 to 4 minutes; the long form is
# CRASH_FLUSHES=1000, 4 to 8 minutes); CRASH_BACKENDS (default
# "vbdback xen-blkback").

N=${CRASH_FLUSHES:-120}
BACKENDS=${CRASH_BACKENDS:-vbdback xen-blkback}
SLOTS=64
MIB=64
DM=vbdlab-crash
DMB=vbdlab-crashb
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
	timeout 30 dmsetup --noudevsync remove "$DM" 2>/dev/null
	timeout 30 dmsetup --noudevsync remove "$DMB" 2>/dev/null
	[ "$LAB_BACKEND" = vbdback ] || crash_use vbdback
	[ "$LAB_BACKEND" = vbdback ] && ! lab_blkback_loaded &&
		[ -e /etc/modprobe.d/vbdlab-no-blkback.conf ]
}
lab_on_end crash_restore

# crash_kv LINE NAME: the value of NAME=VALUE in replay.py's CRASH line.
crash_kv() { sed -n "s/.* $2=\\([0-9]*\\).*/\\1/p" <<<"$1"; }

# crash_replay LOG CLAIMS RUN [REPLAY-ARGS...]: replay.py's CRASH line into
# CRASH_LINE, its output into CRASH_OUT, its exit status into CRASH_RC.
crash_replay() {
	local log=$1 claims=$2 run=$3
	shift 3
	CRASH_OUT=$(timeout 900 /usr/bin/python3 "$REPLAY" --log "$log" --claims "$claims" \
		--run "$run" --slots "$SLOTS" "$@")
	CRASH_RC=$?
	CRASH_LINE=$(grep '^CRASH ' <<<"$CRASH_OUT")
}

# crash_counts BE WHAT: the counts of the last replay, logged and kept.
crash_counts() {
	local c
	c="flush_points=$(crash_kv "$CRASH_LINE" flush_points) blocks_checked=$(crash_kv "$CRASH_LINE" blocks_checked)"
	c="$c missing=$(crash_kv "$CRASH_LINE" missing)"
	echo "$1 $2 $c" >>"$LAB_OUT/crash/counts.txt"
	lab_note "$1: $2: $c"
}

# crash_assert_pass BE WHAT CLAIMED: the last replay found every block.
crash_assert_pass() {
	lab_assert_eq "$1: $2: replay check exit status" "$CRASH_RC" 0 ||
		grep -E '^(MISSING|CRASH)' <<<"$CRASH_OUT" | sed "s/^/[$LAB_SCENARIO] $1: /"
	lab_assert_eq "$1: $2: records the guest was told were durable" "$(crash_kv "$CRASH_LINE" claims)" "$3"
	lab_assert_ge "$1: $2: flush points checked" "$(crash_kv "$CRASH_LINE" flush_points)" "$3"
	lab_assert_ge "$1: $2: blocks checked" "$(crash_kv "$CRASH_LINE" blocks_checked)" "$3"
	lab_assert_eq "$1: $2: blocks missing" "$(crash_kv "$CRASH_LINE" missing)" 0
	lab_assert_eq "$1: $2: log ends with its end mark" "$(crash_kv "$CRASH_LINE" end_mark)" 1
}

# crash_assert_fails BE WHAT: the last replay, given a wrong log or claim,
# reported a block missing.
crash_assert_fails() {
	lab_log "$1: $2: $CRASH_LINE"
	lab_assert_eq "$1: the check fails $2" "$CRASH_RC" 1
	lab_assert_ge "$1: blocks missing $2" "$(crash_kv "$CRASH_LINE" missing)" 1
}

# crash_dm NAME DATA LOG: a log-writes target over DATA, logging to LOG.
crash_dm() {
	# dom0 has no udev: dmsetup makes the node itself.
	timeout 30 dmsetup --noudevsync --noudevrules create "$1" \
		--table "0 $(blockdev --getsz "$2") log-writes $2 $3" ||
		{ lab_fail "dmsetup create $1"; return 1; }
	timeout 30 dmsetup mknodes "$1"
	lab_wait 10 "/dev/mapper/$1" test -b "/dev/mapper/$1" || { lab_fail "no /dev/mapper/$1"; return 1; }
}

# crash_log NAME LOGDEV FILE: remove the target (which logs the writes no
# flush covered, then an end mark) and copy its log.
crash_log() {
	timeout 60 dmsetup --noudevsync remove "$1" || { lab_fail "dmsetup remove $1"; return 1; }
	timeout 120 dd if="$2" of="$3" bs=1M iflag=direct 2>/dev/null ||
		{ lab_fail "cannot read the log device $2"; return 1; }
}

# crash_run BACKEND: the whole check on one backend.
crash_run() {
	local be=$1 g=crash-$1 gb=crashb-$1 run d db n s0 s1 log blog claims bclaims rc t0 nb
	crash_use "$be" || return 1
	lab_brd_setup 4 "$MIB" || return 1
	timeout 30 modprobe dm-log-writes || { lab_fail "modprobe dm-log-writes"; return 1; }
	crash_dm "$DM" /dev/ram0 /dev/ram1 || return 1
	crash_dm "$DMB" /dev/ram2 /dev/ram3 || return 1
	lab_guest_create "$g" "$(lab_disk "/dev/mapper/$DM" xvda)" || return 1
	lab_guest_create "$gb" --args "vbdtest_nomod=xen_blkfront" \
		"$(lab_disk "/dev/mapper/$DMB" xvda)" || return 1
	lab_guest_wait_ready "$g" || return 1
	lab_guest_wait_ready "$gb" || return 1
	d=${LAB_DOMID_OF[$g]}
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
	claims=$LAB_OUT/crash/$be-flush.claims
	grep '^CRASH-' "$LAB_CMD_OUT" >"$claims"
	lab_log "$be: $(grep -c '^CRASH-DURABLE' "$claims") records durable through flushes in $((SECONDS - t0)) s"
	lab_assert_eq "$be: crash_writer exit status" "$rc" 0 || grep '^CRASH-FAIL' "$claims"
	lab_stats "$d" "$n"
	s1=$LAB_STATS
	lab_assert_ge "$be: flushes the backend took (f_req)" "$(lab_stat_delta "$s0" "$s1" f_req)" "$N"
	# WRITE_BARRIER, from vbdfront (tests/hostile/crash.c) in a guest
	# without xen-blkfront.
	nb=$((N / 2 * 2))
	db=${LAB_DOMID_OF[$gb]}
	lab_check_binding "$db" "$n"
	lab_wait 30 "vbd-$db-$n in InitWait" lab_be_state_is "$db" "$n" 2 ||
		lab_fail "$be: barrier guest's backend never reached InitWait (state $(lab_be_state "$db" "$n"))"
	t0=$SECONDS
	lab_guest_cmd "$gb" $((nb + 120)) "vbdfront crash --count $nb --slots $SLOTS --run $run"
	rc=$LAB_CMD_RC
	bclaims=$LAB_OUT/crash/$be-barrier.claims
	grep -E '^(CRASH-|CASE|connected)' "$LAB_CMD_OUT" >"$bclaims"
	grep -E '^(CASE|connected)' "$bclaims" | sed "s/^/[$LAB_SCENARIO] $be: /"
	lab_log "$be: $(grep -c '^CRASH-DURABLE' "$bclaims") records answered through barriers in $((SECONDS - t0)) s"
	lab_assert_eq "$be: vbdfront crash exit status" "$rc" 0 || lab_cmd_show 20
	lab_guest_destroy "$g"
	lab_guest_destroy "$gb"
	log=$LAB_TMP/crash-$be.log
	blog=$LAB_TMP/crashb-$be.log
	crash_log "$DM" /dev/ram1 "$log" || return 1
	crash_log "$DMB" /dev/ram3 "$blog" || return 1

	t0=$SECONDS
	crash_replay "$log" "$claims" "$run"
	lab_log "$be: flushes: $CRASH_LINE (replayed in $((SECONDS - t0)) s)"
	crash_assert_pass "$be" flushes "$N"
	crash_counts "$be" flushes
	# The check must be able to fail: a disk that lost its last flush, and
	# a claim for a record never written, must each be reported missing.
	crash_replay "$log" "$claims" "$run" --truncate-last-flush --show 1
	crash_assert_fails "$be" "without the last flush"
	crash_replay "$log" "$claims" "$run" --claim-extra --show 1
	crash_assert_fails "$be" "with a made-up claim"

	# Barriers: the writes before each barrier, and the barrier's own data.
	crash_replay "$blog" "$bclaims" "$run" --kind write
	lab_log "$be: writes before barriers: $CRASH_LINE"
	crash_assert_pass "$be" "writes before barriers" $((nb / 2))
	crash_counts "$be" "writes before barriers"
	crash_replay "$blog" "$bclaims" "$run" --kind barrier
	lab_log "$be: barriers' own data: $CRASH_LINE"
	grep '^MISSING' <<<"$CRASH_OUT" | head -n 3 | sed "s/^/[$LAB_SCENARIO] $be: /"
	crash_counts "$be" "barriers' own data"
	if [ "$be" = vbdback ]; then
		crash_assert_pass "$be" "barriers' own data" $((nb / 2))
	elif [ "$CRASH_RC" != 0 ]; then
		lab_note "$be: a barrier's own data is not stable when the barrier is answered" \
			"($(crash_kv "$CRASH_LINE" missing) of $((nb / 2)) records missing at a power loss)"
	fi
	crash_replay "$blog" "$bclaims" "$run" --kind write --claim-extra --show 1
	crash_assert_fails "$be" "on barriers with a made-up claim"
	rm -f "$log" "$blog"
	lab_brd_free
}

for be in $BACKENDS; do
	crash_run "$be" || lab_log "$be: check stopped early"
	lab_guest_destroy "crash-$be"
	lab_guest_destroy "crashb-$be"
	timeout 30 dmsetup --noudevsync remove "$DM" 2>/dev/null
	timeout 30 dmsetup --noudevsync remove "$DMB" 2>/dev/null
	[ "$LAB_BRD" = 1 ] && lab_brd_free
done
lab_end
