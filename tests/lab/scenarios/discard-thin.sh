# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 360
# check: yes (order 140)
#
# discard-thin: discards reach a thin-provisioned LVM volume, what users
# run thin pools for. dom0 builds a volume group on a loop device (tmpfs
# file), a 192 MiB thin pool and a 128 MiB thin volume, served as xvda. The
# backend must advertise feature-discard=1 for it. The guest writes 64 MiB:
# the pool's data usage (lvs data_percent) grows; the guest blkdiscards
# those 64 MiB: at least 80% of that growth must be given back to the pool,
# ds_req grows, and fio verify passes afterwards.
#
# Needs lvm2 and thin-provisioning-tools in dom0 (the host's packages).
# dom0 has no udev: lvm runs with udev synchronisation off.

VG=vbdlabvg
pool_pct() { lab_thin_pool_pct $VG; }

lab_loop_setup 256 || lab_end
lab_vg_setup $VG "$LAB_LOOP_DEV" || lab_end
lab_thin_pool_setup $VG 192 || lab_end
lab_lvm_do "thin volume $VG/thin" lvcreate -V 128M -T "$VG/pool" -n thin || lab_end
THIN=/dev/mapper/$VG-thin
lab_wait 10 "$THIN" test -b "$THIN" || { lab_fail "no $THIN"; lab_end; }
THIN_SYS=/sys/dev/block/$(printf '%d:%d' "0x$(stat -L -c %t "$THIN")" "0x$(stat -L -c %T "$THIN")")
lab_log "thin volume $THIN ($(blockdev --getsz "$THIN") sectors), dom0 discard_granularity" \
	"$(cat "$THIN_SYS/queue/discard_granularity")"

lab_guest_create thin "$(lab_disk "$THIN" xvda)" || lab_end
lab_guest_wait_ready thin || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
BE=$(lab_be_xs "$D" "$N")
lab_check_binding "$D" "$N"
lab_check "guest sees xvda" lab_guest_cmd thin 60 'wait_disk xvda 30'
lab_assert_eq "backend feature-discard on a thin volume" "$(lab_xs_read "$BE/feature-discard")" 1
lab_log "backend discard-granularity $(lab_xs_read "$BE/discard-granularity")," \
	"discard-alignment $(lab_xs_read "$BE/discard-alignment")"

p0=$(pool_pct)
lab_guest_cmd thin 180 "write_random /dev/xvda 0 64" || lab_fail "guest write of 64 MiB (rc $LAB_CMD_RC)"
p1=$(pool_pct)
lab_stats "$D" "$N"
s0=$LAB_STATS
lab_guest_cmd thin 120 "/usr/sbin/blkdiscard -o 0 -l $((64 * 1048576)) /dev/xvda" ||
	{ lab_cmd_show 5; lab_fail "guest blkdiscard (rc $LAB_CMD_RC)"; }
p2=$(pool_pct)
lab_stats "$D" "$N"
lab_log "thin pool data_percent (1/100 %): $p0 before, $p1 after 64 MiB written, $p2 after blkdiscard"
grown=$(lab_sub "$p1" "$p0")
lab_assert_ge "thin pool usage growth after 64 MiB written (1/100 %)" "$grown" $((64 * 10000 * 9 / 192 / 10))
lab_is_int "$grown" || grown=0
lab_assert_ge "thin pool usage given back by blkdiscard (1/100 %)" "$(lab_sub "$p1" "$p2")" $((grown * 8 / 10))
lab_assert_ge "backend ds_req delta" "$(lab_stat_delta "$s0" "$LAB_STATS" ds_req)" 1

lab_fio_verify thin xvda 32 --iodepth=8
lab_end
