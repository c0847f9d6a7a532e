# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 300
#
# demo: one guest on a brd disk; a 10 s 4k random read/write fio job and a
# short crc32c verify job; prints the fio summary and the module that served
# the disk.

lab_brd_setup 1 256 || lab_end
lab_guest_create demo "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready demo || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)

lab_log "xvda (vbd-$D-$N) served by module: $(lab_be_module "$D" "$N" || echo none)"
lab_check_binding "$D" "$N"

if lab_guest_cmd demo 150 'fio_json --name=randrw --filename=/dev/xvda --rw=randrw --bs=4k \
		--ioengine=libaio --iodepth=16 --direct=1 --size=128M --runtime=10 --time_based'; then
	lab_cmd_json >"$LAB_TMP/demo-randrw.json"
	lab_fio_check "$LAB_TMP/demo-randrw.json" "fio randrw"
	lab_fio_summary "$LAB_TMP/demo-randrw.json" | sed "s/^/[$LAB_SCENARIO] fio /"
else
	lab_cmd_show
	lab_fail "fio randrw in the guest (rc $LAB_CMD_RC)"
fi

if lab_guest_cmd demo 150 'fio_json --name=verify --filename=/dev/xvda --rw=randwrite --bs=4k \
		--ioengine=libaio --iodepth=16 --direct=1 --size=32M --verify=crc32c --verify_fatal=1'; then
	lab_cmd_json >"$LAB_TMP/demo-verify.json"
	lab_fio_check "$LAB_TMP/demo-verify.json" "fio verify"
	lab_fio_summary "$LAB_TMP/demo-verify.json" | sed "s/^/[$LAB_SCENARIO] fio /"
else
	lab_cmd_show
	lab_fail "fio verify in the guest (rc $LAB_CMD_RC)"
fi

lab_stats "$D" "$N" && lab_log "backend statistics: $LAB_STATS"
lab_end
