# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 480
# check: yes (order 220)
#
# thinlv: a thin volume of an LVM thin pool, what operators give guests to
# over-commit storage and to clone disks from snapshots. dom0 makes a
# 256 MiB thin pool on a loop device (tmpfs file) and a 1 GiB thin volume in
# it, more than the pool holds. The guest must see the volume's 1 GiB, read
# zeros where nothing was written, and pass fio verify over 64 MiB, which
# the pool must then have provisioned (a quarter of it, give or take 5%).
# A thin snapshot of the volume, taken while the guest runs, is attached as
# xvdb: the guest reads the same data there, and its writes to the snapshot
# leave the volume alone. After the guest is gone the pool and its volumes
# can be removed (LVM refuses while a volume is open).
#
# Needs lvm2 and thin-provisioning-tools in dom0 (the host's packages).

VG=vbdlabthin
POOL_MIB=256
THIN_MIB=1024
VERIFY_MIB=64

lab_loop_setup $((POOL_MIB + 64)) || lab_end
lab_vg_setup $VG "$LAB_LOOP_DEV" || lab_end
lab_thin_pool_setup $VG $POOL_MIB || lab_end
lab_lvm_do "thin volume $VG/thin" lvcreate -V ${THIN_MIB}M -T $VG/pool -n thin || lab_end
lab_lv_wait $VG thin || lab_end
THIN=/dev/$VG/thin
lab_log "thin volume $THIN: $(blockdev --getsz "$THIN") sectors in a pool of $POOL_MIB MiB"

lab_guest_create thinlv "$(lab_disk "$THIN" xvda)" || lab_end
lab_guest_wait_ready thinlv || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
BE=$(lab_be_xs "$D" "$N")
lab_check "guest sees xvda" lab_guest_cmd thinlv 60 'wait_disk xvda 30'
lab_check_binding "$D" "$N"
lab_assert_eq "backend physical-device" "$(lab_xs_read "$BE/physical-device")" "$(lab_dev_majmin "$THIN")"
lab_assert_eq "backend sectors (the volume's virtual size)" "$(lab_xs_read "$BE/sectors")" $((THIN_MIB * 2048))
lab_guest_cmd thinlv 30 'disk_sectors xvda'
lab_assert_eq "guest's size of xvda (sectors)" "$(tail -n 1 "$LAB_CMD_OUT")" $((THIN_MIB * 2048))

# Never written, beyond what the pool holds: zeros.
ZERO_MD5=$(head -c 1048576 /dev/zero | md5sum | cut -d' ' -f1)
lab_guest_cmd thinlv 60 "md5_region /dev/xvda $(((THIN_MIB - 100) * 1048576)) 1048576"
lab_assert_eq "unprovisioned MiB reads as zeros" "$(tail -n 1 "$LAB_CMD_OUT")" "$ZERO_MD5"

p0=$(lab_thin_pool_pct $VG)
lab_fio_verify thinlv xvda $VERIFY_MIB
p1=$(lab_thin_pool_pct $VG)
lab_log "thin pool data_percent (1/100 %): $p0 before fio, $p1 after"
want=$((VERIFY_MIB * 10000 / POOL_MIB))
lab_assert_range "pool usage provisioned by fio's $VERIFY_MIB MiB (1/100 %)" \
	"$(lab_sub "$p1" "$p0")" $((want * 95 / 100)) $((want * 105 / 100))

# A snapshot of the running guest's disk, served as a second disk.
if lab_lvm_do "thin snapshot $VG/snap" lvcreate -s -kn -n snap $VG/thin && lab_lv_wait $VG snap; then
	lab_block_attach thinlv "$(lab_disk /dev/$VG/snap xvdb)" || lab_fail "xl block-attach of the snapshot"
fi
N2=$(lab_devid xvdb)
if lab_guest_cmd thinlv 60 'wait_disk xvdb 30'; then
	lab_check_binding "$D" "$N2"
	lab_guest_cmd thinlv 120 "md5_region /dev/xvda 0 $((VERIFY_MIB * 1048576))"
	orig=$(tail -n 1 "$LAB_CMD_OUT")
	lab_guest_cmd thinlv 120 "md5_region /dev/xvdb 0 $((VERIFY_MIB * 1048576))"
	lab_assert_eq "snapshot's first $VERIFY_MIB MiB as the volume's" "$(tail -n 1 "$LAB_CMD_OUT")" "$orig"
	lab_guest_cmd thinlv 60 'write_random /dev/xvdb 0 4' || lab_fail "guest write to the snapshot"
	snap=$(lab_cmd_kv written_md5)
	lab_assert_eq "guest data on the snapshot found in dom0" \
		"$(lab_md5_region /dev/$VG/snap 0 $((4 * 1048576)))" "$snap"
	lab_guest_cmd thinlv 120 "md5_region /dev/xvda 0 $((VERIFY_MIB * 1048576))"
	lab_assert_eq "volume unchanged by writes to its snapshot" "$(tail -n 1 "$LAB_CMD_OUT")" "$orig"
	lab_check "block-detach xvdb" lab_block_detach thinlv xvdb
	lab_wait 30 "backend of xvdb gone" lab_be_gone "$D" "$N2" ||
		lab_fail "backend of the detached snapshot still present"
else
	lab_fail "guest does not see xvdb"
fi

lab_guest_destroy thinlv
lab_vg_remove $VG
lab_end
