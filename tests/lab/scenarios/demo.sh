# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 300
# check: no (a demonstration that asserts nothing: make demo runs it)
#
# demo: one guest on a brd disk; a 10 s 4k random read/write fio job and a
# short crc32c verify job. What it shows (as NOTE lines, which make demo
# prints): the module that served the disk and the file it was loaded from,
# fio's IOPS, bandwidth and latency for each job, and the backend's
# counters for the disk; lab_progress lines say when each step starts.

lab_brd_setup 1 256 || lab_end
lab_guest_create demo "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready demo || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)

M=$(lab_be_module "$D" "$N" || echo none)
lab_log "xvda (vbd-$D-$N) served by module: $M"
if lab_check_binding "$D" "$N"; then
	blk='not loaded'
	lab_blkback_loaded && blk=loaded
	lab_note "the guest's xvda (vbd-$D-$N) is served by module $M, loaded from a copy of the build's vbdback.ko (sha256 $(cut -c1-16 "$LAB_OUT/module.sha256" 2>/dev/null)...); xen_blkback is $blk"
fi

lab_progress "fio running in the guest: 4k random read/write, queue depth 16, 10 s"
if lab_guest_cmd demo 150 'fio_json --name=randrw --filename=/dev/xvda --rw=randrw --bs=4k \
		--ioengine=libaio --iodepth=16 --direct=1 --size=128M --runtime=10 --time_based'; then
	lab_cmd_json >"$LAB_TMP/demo-randrw.json"
	lab_fio_check "$LAB_TMP/demo-randrw.json" "fio randrw"
	while IFS= read -r l; do
		lab_note "fio $l"
	done < <(lab_fio_summary "$LAB_TMP/demo-randrw.json")
else
	lab_cmd_show
	lab_fail "fio randrw in the guest (rc $LAB_CMD_RC)"
fi

lab_progress "fio running in the guest: 32 MiB of 4k random writes, then crc32c verify"
if lab_guest_cmd demo 150 'fio_json --name=verify --filename=/dev/xvda --rw=randwrite --bs=4k \
		--ioengine=libaio --iodepth=16 --direct=1 --size=32M --verify=crc32c --verify_fatal=1'; then
	lab_cmd_json >"$LAB_TMP/demo-verify.json"
	lab_fio_check "$LAB_TMP/demo-verify.json" "fio verify" &&
		lab_note "fio verify: every block written read back with its crc32c intact"
	while IFS= read -r l; do
		lab_note "fio $l"
	done < <(lab_fio_summary "$LAB_TMP/demo-verify.json")
else
	lab_cmd_show
	lab_fail "fio verify in the guest (rc $LAB_CMD_RC)"
fi

lab_stats "$D" "$N" && lab_note "backend counters of vbd-$D-$N (statistics/): $LAB_STATS"
lab_end
