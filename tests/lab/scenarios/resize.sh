# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 300
# check: yes (order 150)
#
# resize: online growth of a disk. xvda is a loop device over a 64 MiB tmpfs
# file; the guest writes a marker into its last MiB. dom0 grows the file to
# 96 MiB and runs "losetup -c": without any I/O from the guest and without
# reattaching, the backend must update its "sectors" key and the guest's
# /sys/block/xvda/size must become the new size within 30 s. The marker
# still reads back, fio verify passes on the new 32 MiB tail, and dom0
# finds what the guest wrote there.

OLD_MIB=64
NEW_MIB=96
lab_loop_setup "$OLD_MIB" || lab_end
LOOP=$LAB_LOOP_DEV
FILE=$LAB_LOOP_FILE
lab_guest_create resize "$(lab_disk "$LOOP" xvda)" || lab_end
lab_guest_wait_ready resize || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
BE=$(lab_be_xs "$D" "$N")
lab_check_binding "$D" "$N"
lab_check "guest sees xvda" lab_guest_cmd resize 60 'wait_disk xvda 30'
lab_assert_eq "backend sectors before" "$(lab_xs_read "$BE/sectors")" $((OLD_MIB * 2048))
lab_guest_cmd resize 30 'kv size "$(disk_sectors xvda)"'
lab_assert_eq "guest xvda size before (sectors)" "$(lab_cmd_kv size)" $((OLD_MIB * 2048))

MARK=$(((OLD_MIB - 1) * 1048576))
lab_guest_cmd resize 120 "write_random /dev/xvda $MARK 1" || lab_fail "guest marker write (rc $LAB_CMD_RC)"
mark_md5=$(lab_cmd_kv written_md5)

truncate -s "${NEW_MIB}M" "$FILE" || lab_fail "truncate $FILE"
timeout 30 losetup -c "$LOOP" || lab_fail "losetup -c $LOOP"
lab_assert_eq "dom0 $LOOP size after losetup -c" "$(blockdev --getsz "$LOOP")" $((NEW_MIB * 2048))
t0=$(date +%s)
be_sectors_new() { [ "$(lab_xs_read "$BE/sectors")" = $((NEW_MIB * 2048)) ]; }
lab_wait 30 "backend sectors updated" be_sectors_new
lab_assert_eq "backend sectors after growth" "$(lab_xs_read "$BE/sectors")" $((NEW_MIB * 2048))
lab_log "backend sectors updated after $(($(date +%s) - t0)) s"
# The guest only polls sysfs: no I/O that could make the backend look.
lab_guest_cmd resize 60 "i=0; while [ \$i -lt 60 ] && [ \$(disk_sectors xvda) != $((NEW_MIB * 2048)) ]; do
		sleep 0.5; i=\$((i + 1)); done
	kv size \$(disk_sectors xvda); kv waited_halfsec \$i
	dmesg | grep -i xvda | tail -n 3"
lab_cmd_show 6
lab_assert_eq "guest xvda size after growth (sectors)" "$(lab_cmd_kv size)" $((NEW_MIB * 2048))
lab_log "guest saw the new size $(($(date +%s) - t0)) s after losetup -c"
lab_assert_eq "backend state after growth" "$(lab_xs_read "$BE/state")" 4
lab_assert_eq "frontend state after growth" "$(lab_fe_key "$D" "$N" state)" 4

lab_guest_cmd resize 60 "md5_region /dev/xvda $MARK 1048576"
lab_assert_eq "marker in the old last MiB" "$(tail -n 1 "$LAB_CMD_OUT")" "$mark_md5"

TAIL_OFF=$((OLD_MIB * 1048576))
TAIL_MIB=$((NEW_MIB - OLD_MIB))
lab_guest_cmd resize 300 "fio_json --name=tail --filename=/dev/xvda --rw=randwrite --bsrange=4k-64k \
	--ioengine=libaio --iodepth=8 --direct=1 --offset=$TAIL_OFF --size=${TAIL_MIB}M \
	--verify=crc32c --verify_fatal=1 --do_verify=1"
lab_assert_eq "fio verify on the new tail: exit status" "$LAB_CMD_RC" 0 || lab_cmd_show 20
lab_assert_eq "fio verify on the new tail: verify messages" "$(lab_cmd_kv fio_verify_msgs)" ""
lab_cmd_json >"$LAB_TMP/resize.json"
if lab_fio_check "$LAB_TMP/resize.json" "fio verify on the new tail"; then
	lab_assert_eq "fio bytes written in the new tail" \
		"$(jq -r '.jobs[0].write.io_bytes' "$LAB_TMP/resize.json")" $((TAIL_MIB * 1048576))
fi
# The last MiB of the grown disk: guest writes, dom0 reads.
END_OFF=$(((NEW_MIB - 1) * 1048576))
if lab_guest_cmd resize 60 "write_random /dev/xvda $END_OFF 1"; then
	lab_assert_eq "guest data in the last MiB found in dom0" \
		"$(lab_md5_region "$LOOP" "$END_OFF" 1048576)" "$(lab_cmd_kv written_md5)"
else
	lab_fail "guest write to the last MiB (rc $LAB_CMD_RC)"
fi
lab_end
