# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 420
# check: yes (order 190)
#
# qos: a device's I/O charged to a cgroup v2 the administrator names, so the
# kernel's io controller limits a guest's disk. Two guests, each on its own
# ramdisk: "slow" is put in cgroup vbd-slow through sysfs
# (vbdback/cgroup), "fast" in vbd-fast through the xenstore key "cgroup",
# written while the guest is paused, before its frontend connects. A bad path
# is refused and changes nothing. With io.max "riops=500" on vbd-slow's
# ramdisk, slow's 4 KiB random reads (queue depth 32) must run at 400-550
# IOPS while fast, at the same time,, runs above 1.5x that, and slow alone
# before the limit ran above 1.5x it too (or the limit shows nothing).
# io.stat of each cgroup must count its guest's reads on its own device.
# After "/" is written back, slow's device is charged to the root again.

if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "charging a device's I/O to a cgroup is vbdback's own: skipped"
	lab_end
fi

CG=/sys/fs/cgroup
LIMIT=500
RUN=15
# Submitted and reaped in batches: the emulated guest's CPU, not the disk,
# bounds its IOPS, and batches take the fewest system calls and events.
FIO='fio_json --name=q --filename=/dev/xvda --rw=randread --bs=4k --ioengine=libaio --direct=1'
FIO="$FIO --iodepth=32 --iodepth_batch_submit=16 --iodepth_batch_complete_min=8 --time_based --runtime=$RUN"

# read IOPS of the fio JSON in $LAB_TMP/$1.json
fio_iops() { jq -r '.jobs[0].read.iops | floor' "$LAB_TMP/$1.json"; }
# rios=N of device $2 in cgroup $1's io.stat
cg_rios() { awk -v d="$2" '$1 == d { for (i = 2; i <= NF; i++) if ($i ~ /^rios=/) print substr($i, 6) }' "$CG/$1/io.stat"; }
run_fio() {
	lab_guest_cmd "$1" $((RUN + 90)) "$FIO" || { lab_cmd_show 20; lab_fail "fio on $1 (rc $LAB_CMD_RC)"; }
	lab_cmd_json >"$LAB_TMP/$2.json"
	lab_fio_check "$LAB_TMP/$2.json" "fio on $1 ($2)"
	lab_log "$2: $(lab_fio_summary "$LAB_TMP/$2.json")"
}
qos_cleanup() {
	[ -d "$CG/vbd-slow" ] && rmdir "$CG/vbd-slow" 2>/dev/null
	[ -d "$CG/vbd-fast" ] && rmdir "$CG/vbd-fast" 2>/dev/null
	return 0
}
lab_on_end qos_cleanup

mountpoint -q "$CG" || mount -t cgroup2 cgroup2 "$CG" || { lab_fail "mount cgroup2"; lab_end; }
lab_check "cgroup2 has the io controller" grep -qw io "$CG/cgroup.controllers" || lab_end
echo +io >"$CG/cgroup.subtree_control" || { lab_fail "enable io in $CG"; lab_end; }
mkdir -p "$CG/vbd-slow" "$CG/vbd-fast" || { lab_fail "mkdir cgroups"; lab_end; }
lab_brd_setup 2 64 || lab_end
SLOW_DEV=$(cat /sys/block/ram0/dev)
FAST_DEV=$(cat /sys/block/ram1/dev)

lab_guest_create slow "$(lab_disk /dev/ram0 xvda)" || lab_end
DS=$LAB_DOMID
lab_guest_create fast --paused "$(lab_disk /dev/ram1 xvda)" || lab_end
DF=$LAB_DOMID
N=$(lab_devid xvda)
lab_xs_write "$(lab_be_xs "$DF" "$N")/cgroup" /vbd-fast || lab_fail "write fast's cgroup key"
lab_guest_unpause fast || lab_end
lab_guest_wait_ready slow || lab_end
lab_guest_wait_ready fast || lab_end
SS=$(lab_be_sys "$DS" "$N")/vbdback/cgroup
SF=$(lab_be_sys "$DF" "$N")/vbdback/cgroup
lab_check "slow sees xvda" lab_guest_cmd slow 60 'wait_disk xvda 30'
lab_check "fast sees xvda" lab_guest_cmd fast 60 'wait_disk xvda 30'
lab_assert_eq "slow's cgroup before any is set" "$(cat "$SS")" /
lab_assert_eq "fast's cgroup from its xenstore key" "$(cat "$SF")" /vbd-fast

# --- the guest alone, unlimited -----------------------------------------
run_fio slow slow-alone
alone=$(fio_iops slow-alone)

# --- charged to vbd-slow, limited ---------------------------------------
echo "$SLOW_DEV riops=$LIMIT" >"$CG/vbd-slow/io.max" || lab_fail "set io.max"
lab_log "vbd-slow io.max: $(cat "$CG/vbd-slow/io.max")"
if echo /no-such-cgroup >"$SS" 2>/dev/null; then
	lab_fail "a path that is no cgroup was accepted"
fi
lab_assert_eq "slow's cgroup after a refused path" "$(cat "$SS")" /
echo /vbd-slow >"$SS" || lab_fail "write slow's cgroup"
lab_assert_eq "slow's cgroup" "$(cat "$SS")" /vbd-slow
rios0=$(cg_rios vbd-slow "$SLOW_DEV")
frios0=$(cg_rios vbd-fast "$FAST_DEV")
lab_check "start fio on slow" lab_guest_cmd slow 30 "bg_start fio $FIO"
run_fio fast fast-both
if lab_guest_cmd slow $((RUN + 90)) "bg_wait fio $((RUN + 60))"; then
	lab_cmd_json >"$LAB_TMP/slow-both.json"
	lab_fio_check "$LAB_TMP/slow-both.json" "fio on slow (limited)"
	lab_log "slow-both: $(lab_fio_summary "$LAB_TMP/slow-both.json")"
else
	lab_cmd_show 20
	lab_fail "fio on slow (limited, rc $LAB_CMD_RC)"
fi
limited=$(fio_iops slow-both)
fast=$(fio_iops fast-both)
lab_log "IOPS: slow alone $alone, slow limited to $LIMIT: $limited, fast meanwhile $fast"
lab_assert_ge "slow alone runs above 1.5x the limit" "$alone" $((LIMIT * 3 / 2))
lab_assert_range "slow under io.max riops=$LIMIT" "$limited" $((LIMIT * 4 / 5)) $((LIMIT * 11 / 10))
lab_assert_ge "fast, unlimited, meanwhile" "$fast" $((LIMIT * 3 / 2))
rios1=$(cg_rios vbd-slow "$SLOW_DEV")
frios1=$(cg_rios vbd-fast "$FAST_DEV")
# The guest's block layer merges the odd pair of adjacent random reads
# submitted in one batch: the cgroup must see at least 95% of fio's reads.
lab_assert_ge "vbd-slow io.stat rios on $SLOW_DEV" $((${rios1:-0} - ${rios0:-0})) \
	"$(jq -r '.jobs[0].read.total_ios * 95 / 100 | floor' "$LAB_TMP/slow-both.json")"
lab_assert_ge "vbd-fast io.stat rios on $FAST_DEV" $((${frios1:-0} - ${frios0:-0})) \
	"$(jq -r '.jobs[0].read.total_ios * 95 / 100 | floor' "$LAB_TMP/fast-both.json")"

# --- back to the root -----------------------------------------------------
echo / >"$SS" || lab_fail "write / to slow's cgroup"
lab_assert_eq "slow's cgroup reset" "$(cat "$SS")" /
rios2=$(cg_rios vbd-slow "$SLOW_DEV")
lab_check "slow reads 4 MiB" lab_guest_cmd slow 60 \
	'dd if=/dev/xvda of=/dev/null bs=4k count=1024 iflag=direct'
lab_assert_eq "vbd-slow io.stat rios after reset" "$(cg_rios vbd-slow "$SLOW_DEV")" "$rios2"

lab_guest_destroy slow
lab_guest_destroy fast
lab_check "vbd-slow can be removed" rmdir "$CG/vbd-slow"
lab_check "vbd-fast can be removed" rmdir "$CG/vbd-fast"
lab_end
