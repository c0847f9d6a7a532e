# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 600
# check: yes (order 290)
#
# disk-faults: the backing device of one of a guest's disks fails under
# load; the guest must see errors, never a hang or wrong data. The guest has
# three disks: xvdb, a device-mapper linear device over a ramdisk; xvdc, a
# ramdisk whose write/read/compare loop (io_loop) runs through the whole
# scenario and must never fail; xvdd, a scsi_debug disk. On the failing
# disk the guest runs faulty_loop (tests/lab/guest/lib.sh): write, read
# back and compare 64 KiB blocks at 16-32 MiB, counting EIO, other
# failures and wrong data.
#
# 1. dm-error: xvdb's table is swapped (dmsetup suspend/load/resume) to an
#    error target for DISK_FAULTS_SECS (default 5), then to linear again.
# 2. dm-flakey: the same with a flakey table, up 1 s, down 1 s (its reads
#    fail while down), so failures and successes interleave
#    (DISK_FAULTS_FLAKEY_ARGS, below).
# 3. Hot removal: xvdd's scsi_debug disk is deleted under I/O
#    (/sys/block/sdX/device/delete), then xvdd is detached with xl.
#
# After each: the guest saw EIO and no wrong data; on xvdb, 8 MiB written
# at the start of the disk while it was good read back the same (md5) and
# I/O went on once the good table was back; the backend has no request in
# flight (vbdback/inflight "0 0"); dom0 named the device (vbd-DOMID-DEVID)
# in at least one line about the failure and at most DISK_FAULTS_MAX_MSGS
# (default 50) lines in all (for the removal the line is the size dropping
# to 0: requests beyond it are then refused as out of range); no task
# blocked in dom0 or the guest (hung task timeout lowered to 20 s for the
# scenario), no WARNING or BUG. At the end xvdb passes fio verify and
# detaches, its device-mapper device is free to remove, and lab_end checks
# that vbdback holds nothing.

FAULT_SECS=${DISK_FAULTS_SECS:-5}
# dm-flakey's arguments after the device and offset: up 1 s, down 1 s. A
# check of the check: "0 1 5 corrupt_bio_byte 32 r 1 0" corrupts every read
# instead of failing it, and the scenario must fail on wrong data.
FLAKEY_ARGS=${DISK_FAULTS_FLAKEY_ARGS:-1 1}
MAX_MSGS=${DISK_FAULTS_MAX_MSGS:-50}
HUNG_SECS=20
DM=vbdlab-faults
G=dfaults
export DM_DISABLE_UDEV=1

if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "the failure messages and vbdback/inflight are vbdback's own: those checks skipped"
fi

timeout 30 modprobe dm_mod || { lab_fail "modprobe dm_mod"; lab_end; }
lab_brd_setup 2 64 || lab_end
SECT=$(blockdev --getsz /dev/ram0)
dm_table() { timeout 30 dmsetup "$@"; }
lab_on_end sh -c "for i in 1 2 3 4 5; do timeout 30 dmsetup remove $DM 2>/dev/null || [ ! -e /dev/mapper/$DM ] && exit 0; sleep 1; done; exit 1"
dm_table create "$DM" --table "0 $SECT linear /dev/ram0 0" ||
	{ lab_fail "dmsetup create $DM"; lab_end; }
lab_wait 10 "/dev/mapper/$DM" test -b "/dev/mapper/$DM" || { lab_fail "no /dev/mapper/$DM"; lab_end; }

SDEV=
sdev_found() {
	local b
	for b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
		[ -e "$b" ] && [ -b "/dev/${b##*/}" ] && { SDEV=/dev/${b##*/}; return 0; }
	done
	return 1
}
if timeout 60 modprobe scsi_debug dev_size_mb=64 num_tgts=1 max_luns=1 &&
	timeout 30 modprobe sd_mod; then
	lab_on_end sh -c 'for i in $(seq 1 20); do timeout 30 rmmod scsi_debug 2>/dev/null && exit 0; sleep 0.5; done; exit 1'
	lab_wait 30 "scsi_debug disk" sdev_found || lab_fail "no scsi_debug disk appeared"
else
	lab_fail "modprobe scsi_debug"
fi
[ -n "$SDEV" ] || lab_end
lab_log "xvdb: /dev/mapper/$DM over /dev/ram0 ($SECT sectors); xvdc: /dev/ram1; xvdd: $SDEV"

# Hung tasks reported after HUNG_SECS instead of 120 s, in dom0 and guest.
HT=/proc/sys/kernel/hung_task_timeout_secs
if [ -w "$HT" ]; then
	lab_on_end sh -c "echo $(cat "$HT") >$HT"
	echo "$HUNG_SECS" >"$HT"
else
	lab_note "dom0 kernel has no hung task detector"
fi

lab_guest_create "$G" "$(lab_disk "/dev/mapper/$DM" xvdb)" "$(lab_disk /dev/ram1 xvdc)" \
	"$(lab_disk "$SDEV" xvdd)" || lab_end
lab_guest_wait_ready "$G" || lab_end
D=$LAB_DOMID
NB=$(lab_devid xvdb)
NC=$(lab_devid xvdc)
ND=$(lab_devid xvdd)
lab_check_binding "$D" "$NB"
lab_check "guest sees xvdb, xvdc, xvdd" lab_guest_cmd "$G" 60 \
	'wait_disk xvdb 30 && wait_disk xvdc 30 && wait_disk xvdd 30'
lab_guest_cmd "$G" 30 "echo $HUNG_SECS >$HT 2>/dev/null; kv hung \$(cat $HT 2>/dev/null)"
lab_assert_eq "guest hung task timeout" "$(lab_cmd_kv hung)" "$HUNG_SECS"

# Data written while the disks are good: the first 8 MiB of xvdb and xvdd.
lab_guest_cmd "$G" 60 'write_random /dev/xvdb 0 8'
MD5B=$(lab_cmd_kv written_md5)
lab_guest_cmd "$G" 60 'write_random /dev/xvdd 0 8'
MD5D=$(lab_cmd_kv written_md5)
if [ -z "$MD5B" ] || [ -z "$MD5D" ]; then
	lab_fail "writing the good data: '$MD5B' '$MD5D'"
fi

# xvdc's loop runs until the end (bounded at 600 s).
lab_check "xvdc: io_loop started" lab_guest_cmd "$G" 30 'bg_start steady io_loop /dev/xvdc 600'

# fl_state TAG: "OK EIO OTHER BAD" of the guest's faulty_loop TAG, into
# FL_OK FL_EIO FL_OTHER FL_BAD.
fl_state() {
	local s
	lab_guest_cmd "$G" 30 "kv state \"\$(cat /tmp/faulty-$1.state)\"" >/dev/null
	s=$(lab_cmd_kv state)
	read -r FL_OK FL_EIO FL_OTHER FL_BAD <<<"${s:-? ? ? ?}"
}
# fl_ok_beyond TAG N: the loop has more than N good blocks.
fl_ok_beyond() { fl_state "$1"; lab_is_int "$FL_OK" && [ "$FL_OK" -gt "$2" ]; }
fl_eio_seen() { fl_state "$1"; lab_is_int "$FL_EIO" && [ "$FL_EIO" -gt 0 ]; }

# inflight_zero DEVID: vbdback/inflight of vbd-D-DEVID is "0 0".
inflight_zero() {
	[ "$LAB_BACKEND" = vbdback ] || return 0
	[ "$(cat "$(lab_be_sys "$D" "$1")/vbdback/inflight" 2>/dev/null)" = "0 0" ]
}
# dmesg_since MARK: dom0's kernel log after line MARK.
dmesg_since() { dmesg | tail -n +"$(($1 + 1))"; }

# check_after WHAT TAG VDEV DEVID MARK MD5 [REGEX]: the checks every fault
# ends with, once TAG's loop has stopped (its output in LAB_CMD_OUT). dom0's
# lines naming the device must match REGEX (default: its failed requests).
check_after() {
	local what=$1 tag=$2 vdev=$3 n=$4 mark=$5 md5=$6 re=${7:-failed on the backing device} msgs all
	lab_log "$what: $(lab_cmd_kv "${tag}_ok") blocks good, $(lab_cmd_kv "${tag}_eio") EIO," \
		"$(lab_cmd_kv "${tag}_other") other failures, $(lab_cmd_kv "${tag}_bad") wrong"
	lab_assert_ge "$what: the guest saw EIO" "$(lab_cmd_kv "${tag}_eio")" 1
	lab_assert_eq "$what: blocks read back wrong" "$(lab_cmd_kv "${tag}_bad")" 0
	lab_wait 10 "vbd-$D-$n: nothing in flight" inflight_zero "$n"
	[ "$LAB_BACKEND" = vbdback ] &&
		lab_assert_eq "$what: vbd-$D-$n vbdback/inflight" \
			"$(cat "$(lab_be_sys "$D" "$n")/vbdback/inflight" 2>/dev/null)" "0 0"
	if [ -n "$md5" ]; then
		lab_guest_cmd "$G" 60 "kv md5 \$(md5_region /dev/$vdev 0 8388608)"
		lab_assert_eq "$what: $vdev's 8 MiB written while good" "$(lab_cmd_kv md5)" "$md5"
	fi
	dmesg_since "$mark" >"$LAB_TMP/disk-faults-$tag.dmesg"
	msgs=$(grep -cE "vbd-$D-$n: .*($re)" "$LAB_TMP/disk-faults-$tag.dmesg")
	all=$(grep -c "vbd-$D-$n: " "$LAB_TMP/disk-faults-$tag.dmesg")
	grep -m 2 "vbd-$D-$n: " "$LAB_TMP/disk-faults-$tag.dmesg" | sed "s/^/[$LAB_SCENARIO] dom0: /"
	if [ "$LAB_BACKEND" = vbdback ]; then
		lab_assert_ge "$what: dom0 lines naming vbd-$D-$n's failure" "$msgs" 1
		lab_assert_range "$what: dom0 lines naming vbd-$D-$n in all" "$all" 1 "$MAX_MSGS"
	fi
	lab_assert_eq "$what: tasks blocked in dom0" \
		"$(grep -c 'blocked for more than' "$LAB_TMP/disk-faults-$tag.dmesg")" 0
	lab_assert_eq "$what: WARNING/BUG in dom0" \
		"$(grep -cE 'WARNING:|BUG:' "$LAB_TMP/disk-faults-$tag.dmesg")" 0
}

# dm_swap TABLE: xvdb's device-mapper device gets TABLE under the guest.
dm_swap() {
	dm_table suspend "$DM" && dm_table load "$DM" --table "$1" && dm_table resume "$DM"
}

# dm_fault WHAT TAG TABLE: run faulty_loop on xvdb, swap its table to TABLE
# for FAULT_SECS, then back to linear; I/O must go on after.
dm_fault() {
	local what=$1 tag=$2 table=$3 mark ok0
	mark=$(dmesg | wc -l)
	lab_check "$what: faulty_loop on xvdb started" lab_guest_cmd "$G" 30 \
		"bg_start $tag faulty_loop $tag /dev/xvdb 300"
	lab_wait 60 "$what: xvdb good before the fault" fl_ok_beyond "$tag" 2 ||
		lab_fail "$what: no good block on xvdb before the fault (state '$FL_OK $FL_EIO $FL_OTHER $FL_BAD')"
	lab_log "$what: dmsetup suspend/load/resume $DM: $table"
	dm_swap "$table" || lab_fail "$what: swapping $DM to $table"
	sleep "$FAULT_SECS"
	lab_check "$what: the guest saw EIO during the fault" lab_wait 30 "$what: EIO on xvdb" fl_eio_seen "$tag"
	dm_swap "0 $SECT linear /dev/ram0 0" || lab_fail "$what: swapping $DM back to linear"
	lab_log "$what: $DM linear again: $(dm_table table "$DM")"
	fl_state "$tag"
	ok0=$FL_OK
	lab_is_int "$ok0" || ok0=0
	lab_check "$what: I/O resumes on xvdb once linear again" \
		lab_wait 60 "$what: xvdb good after the fault" fl_ok_beyond "$tag" $((ok0 + 2))
	lab_guest_cmd "$G" 30 "faulty_loop_stop $tag"
	lab_guest_cmd "$G" 60 "bg_wait $tag 30"
	lab_assert_eq "$what: faulty_loop exit status" "$LAB_CMD_RC" 0
	check_after "$what" "$tag" xvdb "$NB" "$mark" "$MD5B"
}

# --- 1, 2: device-mapper error and flakey tables ---------------------------
dm_fault dm-error dmerr "0 $SECT error"
if timeout 30 modprobe dm_flakey; then
	dm_fault dm-flakey dmflakey "0 $SECT flakey /dev/ram0 0 $FLAKEY_ARGS"
else
	lab_fail "modprobe dm_flakey"
fi

# --- 3: the scsi_debug disk under xvdd deleted under I/O ----------------------
mark=$(dmesg | wc -l)
lab_check "hot removal: faulty_loop on xvdd started" lab_guest_cmd "$G" 30 \
	'bg_start rm faulty_loop rm /dev/xvdd 300'
lab_wait 60 "hot removal: xvdd good before" fl_ok_beyond rm 2 ||
	lab_fail "hot removal: no good block on xvdd before the removal"
lab_log "hot removal: echo 1 >/sys/block/${SDEV#/dev/}/device/delete"
echo 1 >"/sys/block/${SDEV#/dev/}/device/delete" || lab_fail "deleting $SDEV"
lab_wait 30 "$SDEV gone" test ! -e "/sys/block/${SDEV#/dev/}" || lab_fail "$SDEV still in sysfs"
lab_check "hot removal: the guest saw EIO" lab_wait 60 "EIO on xvdd" fl_eio_seen rm
lab_guest_cmd "$G" 30 'faulty_loop_stop rm'
lab_guest_cmd "$G" 60 'bg_wait rm 30'
lab_assert_eq "hot removal: faulty_loop exit status" "$LAB_CMD_RC" 0
# The backend sees the size drop to 0 (del_gendisk) and says so; requests
# beyond it are refused, as any out of range, and the guest's disk shrinks.
check_after "hot removal" rm xvdd "$ND" "$mark" "" \
	"failed on the backing device|size changed from [0-9]+ to 0 sectors"
lab_guest_cmd "$G" 30 'kv sectors $(disk_sectors xvdd)' >/dev/null
lab_log "hot removal: xvdd has $(lab_cmd_kv sectors) sectors in the guest," \
	"$(lab_be_key "$D" "$ND" sectors) in the backend's key"
lab_check "hot removal: xl block-detach xvdd" lab_block_detach "$G" xvdd
lab_check "hot removal: vbd-$D-$ND gone" lab_wait 30 "vbd-$D-$ND gone" lab_be_gone "$D" "$ND"
lab_check "hot removal: guest's xvdd gone" lab_guest_cmd "$G" 60 'wait_disk_gone xvdd 30'

# --- the other disk throughout, and xvdb after recovery ----------------------
lab_guest_cmd "$G" 30 'io_loop_stop'
lab_guest_cmd "$G" 60 'bg_wait steady 30'
lab_log "xvdc through all faults: $(lab_cmd_kv io_loop_ok) blocks good, $(lab_cmd_kv io_loop_errors) errors"
lab_assert_eq "xvdc: io_loop through all faults: errors" "$(lab_cmd_kv io_loop_errors)" 0
lab_assert_ge "xvdc: io_loop through all faults: good blocks" "$(lab_cmd_kv io_loop_ok)" 10
lab_wait 10 "vbd-$D-$NC: nothing in flight" inflight_zero "$NC" ||
	lab_fail "xvdc: vbd-$D-$NC has requests in flight after its loop ended"
lab_fio_verify "$G" xvdb 8 --offset=32M
lab_guest_cmd "$G" 30 'kv hung $(dmesg | grep -c "blocked for more than"); kv bad $(dmesg | grep -cE "WARNING:|BUG:")'
lab_assert_eq "guest: tasks blocked, in its log" "$(lab_cmd_kv hung)" 0
lab_assert_eq "guest: WARNING/BUG in its log" "$(lab_cmd_kv bad)" 0
lab_check "guest console: no hung task, WARNING or BUG" \
	sh -c "! tr -d '\\r' <'$(lab_console_log "$G")' | grep -qE 'blocked for more than|WARNING:|BUG:'"
lab_check "xl block-detach xvdb" lab_block_detach "$G" xvdb
lab_check "vbd-$D-$NB gone" lab_wait 30 "vbd-$D-$NB gone" lab_be_gone "$D" "$NB"
lab_check "$DM free to remove after detach" dm_table remove "$DM"
lab_guest_destroy "$G"
lab_end
