# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 720
# check: yes (order 20)
#
# verify: fio crc32c verify (random writes with mixed 4k-64k blocks, direct
# libaio, then read-back) over 128 MiB of a brd disk (xvda) and of a loop
# disk over a tmpfs file (xvdb): zero mismatches, checked by fio's exit
# status, its JSON and its messages. Then data placement: what the guest
# writes at an odd, 512-byte aligned offset must be at that offset of the
# dom0 device, and what dom0 writes must be what the guest reads.

SIZE_MIB=128
lab_brd_setup 1 $((SIZE_MIB + 32)) || lab_end
lab_loop_setup $((SIZE_MIB + 32)) || lab_end
LOOP=$LAB_LOOP_DEV
lab_guest_create verify "$(lab_disk /dev/ram0 xvda)" "$(lab_disk "$LOOP" xvdb)" || lab_end
lab_guest_wait_ready verify || lab_end
D=$LAB_DOMID
lab_check "guest sees xvda and xvdb" lab_guest_cmd verify 60 'wait_disk xvda 30 && wait_disk xvdb 30'

for vdev in xvda xvdb; do
	N=$(lab_devid $vdev)
	lab_check_binding "$D" "$N"
	lab_stats "$D" "$N"
	before=$LAB_STATS
	json=$LAB_TMP/verify-$vdev.json
	lab_guest_cmd verify 600 "fio_json --name=verify-$vdev --filename=/dev/$vdev --rw=randwrite \
		--bsrange=4k-64k --ioengine=libaio --iodepth=16 --direct=1 --size=${SIZE_MIB}M \
		--verify=crc32c --verify_fatal=1 --do_verify=1"
	rc=$LAB_CMD_RC
	lab_cmd_json >"$json"
	lab_assert_eq "fio verify on $vdev: exit status" "$rc" 0 || lab_cmd_show 30
	lab_assert_eq "fio verify on $vdev: fio_rc" "$(lab_cmd_kv fio_rc)" 0
	lab_assert_eq "fio verify on $vdev: verify messages" "$(lab_cmd_kv fio_verify_msgs)" ""
	if lab_fio_check "$json" "fio verify on $vdev"; then
		wr=$(jq -r '[.jobs[].write.io_bytes] | add' "$json")
		rd=$(jq -r '[.jobs[].read.io_bytes] | add' "$json")
		lab_assert_eq "fio verify on $vdev: bytes written" "$wr" $((SIZE_MIB * 1048576))
		lab_assert_eq "fio verify on $vdev: bytes read back" "$rd" "$wr"
		lab_fio_summary "$json" | sed "s/^/[$LAB_SCENARIO] fio /"
	fi
	lab_stats "$D" "$N"
	lab_log "$vdev statistics delta: rd_sect=$(lab_stat_delta "$before" "$LAB_STATS" rd_sect)" \
		"wr_sect=$(lab_stat_delta "$before" "$LAB_STATS" wr_sect)" \
		"rd_req=$(lab_stat_delta "$before" "$LAB_STATS" rd_req)" \
		"wr_req=$(lab_stat_delta "$before" "$LAB_STATS" wr_req)"
	lab_assert_ge "$vdev backend wr_sect delta" \
		"$(lab_stat_delta "$before" "$LAB_STATS" wr_sect)" $((SIZE_MIB * 2048))
done

# Placement: guest writes 3 MiB at byte 7 MiB + 3584 (not 4 KiB aligned),
# dom0 reads the same bytes of the backing device.
OFF=$((7 * 1048576 + 3584))
for pair in "xvda:/dev/ram0" "xvdb:$LOOP"; do
	vdev=${pair%%:*}
	dev=${pair#*:}
	if lab_guest_cmd verify 120 "write_random /dev/$vdev $OFF 3"; then
		gmd5=$(lab_cmd_kv written_md5)
		lab_assert_eq "guest data at offset $OFF of $vdev found in dom0 $dev" \
			"$(lab_md5_region "$dev" "$OFF" $((3 * 1048576)))" "$gmd5"
	else
		lab_cmd_show 10
		lab_fail "guest write_random on $vdev (rc $LAB_CMD_RC)"
	fi
	OFF2=$((100 * 1048576 + 512))
	if lab_write_random "$dev" "$OFF2" 2; then
		lab_guest_cmd verify 120 "md5_region /dev/$vdev $OFF2 $((2 * 1048576))"
		lab_assert_eq "dom0 data at offset $OFF2 of $dev read by guest from $vdev" \
			"$(tail -n 1 "$LAB_CMD_OUT")" "$LAB_MD5"
	else
		lab_fail "dom0 write to $dev"
	fi
done
lab_end
