# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 300
# check: yes (order 60)
#
# readonly: a disk attached with mode r (xvdb, on a loop device): the backend
# must advertise it read-only (mode r, info has VDISK_READONLY), the guest sees
# it read-only and reads what dom0 wrote there, and every write attempt (dd,
# fio, BLKZEROOUT) fails with an error while the device content does not
# change and the backend counts no write.
#
# Note: the 6.1 guest kernel refuses these writes itself (EPERM) once the disk
# is marked read-only, so what this checks end to end is that the backend
# publishes the read-only state; a backend that ignored mode r would show up
# as a writable xvdb here.

lab_brd_setup 1 64 || lab_end
lab_loop_setup 64 || lab_end
RO=$LAB_LOOP_DEV
lab_write_random "$RO" 0 4 || lab_fail "dom0 write to $RO"
md5_before=$LAB_MD5
lab_guest_create readonly "$(lab_disk /dev/ram0 xvda)" "$(lab_disk "$RO" xvdb r)" || lab_end
lab_guest_wait_ready readonly || lab_end
D=$LAB_DOMID
N=$(lab_devid xvdb)
lab_check_binding "$D" "$N"
lab_assert_eq "xvdb backend mode" "$(lab_xs_read "$(lab_be_xs "$D" "$N")/mode")" r
info=$(lab_xs_read "$(lab_be_xs "$D" "$N")/info")
lab_is_int "$info" || info=0
lab_assert_eq "xvdb backend info has VDISK_READONLY (0x4)" $((info & 4)) 4
lab_check "guest sees xvdb" lab_guest_cmd readonly 60 'wait_disk xvdb 30'
lab_guest_cmd readonly 30 'cat /sys/block/xvdb/ro'
lab_assert_eq "guest marks xvdb read-only" "$(tail -n 1 "$LAB_CMD_OUT")" 1

lab_guest_cmd readonly 60 'md5_region /dev/xvdb 0 4194304'
lab_assert_eq "guest reads dom0's data from xvdb" "$(tail -n 1 "$LAB_CMD_OUT")" "$md5_before"

lab_stats "$D" "$N"
s0=$LAB_STATS
# Each write must fail; the command reports how many did not.
# shellcheck disable=SC2016 # expanded in the guest
lab_guest_cmd readonly 120 '
	ok=0
	dd if=/dev/urandom of=/dev/xvdb bs=4096 count=1 oflag=direct conv=notrunc && ok=$((ok + 1))
	dd if=/dev/urandom of=/dev/xvdb bs=65536 count=4 seek=8 oflag=direct conv=notrunc && ok=$((ok + 1))
	fio --eta=never --name=rowrite --filename=/dev/xvdb --rw=write --bs=4k --size=64k \
		--ioengine=psync --direct=1 >/tmp/rowrite.out 2>&1 && ok=$((ok + 1))
	grep -E "error|err=" /tmp/rowrite.out | head -n 2
	echo "VBDTEST-KV writes_ok=$ok"
	z=0
	/usr/sbin/blkdiscard -f -z -o 0 -l 1048576 /dev/xvdb && z=1
	echo "VBDTEST-KV zeroout_ok=$z"'
lab_cmd_show 16
lab_assert_eq "plain writes to the read-only disk that succeeded" "$(lab_cmd_kv writes_ok)" 0
lab_assert_eq "BLKZEROOUT on the read-only disk succeeded" "$(lab_cmd_kv zeroout_ok)" 0
lab_assert_eq "dom0 $RO unchanged" "$(lab_md5_region "$RO" 0 4194304)" "$md5_before"
lab_stats "$D" "$N"
lab_assert_eq "xvdb backend wr_sect delta" "$(lab_stat_delta "$s0" "$LAB_STATS" wr_sect)" 0

lab_check "reads still work after the failed writes" lab_guest_cmd readonly 60 \
	'md5_region /dev/xvdb 0 4194304 && md5_region /dev/xvda 0 1048576'
lab_guest_cmd readonly 60 'md5_region /dev/xvdb 0 4194304'
lab_assert_eq "guest still reads the original data" "$(tail -n 1 "$LAB_CMD_OUT")" "$md5_before"
lab_check "xvda stays writable" lab_guest_cmd readonly 60 'write_random /dev/xvda 0 1'
lab_end
