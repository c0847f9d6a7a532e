# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 360
# check: yes (order 50)
#
# destroy: xl destroy a guest in the middle of a fio job; the backend must
# clean up (xenstore backend dir and sysfs device gone within 30 s) and let
# go of the disk. With no guest left the backend module must unload (rmmod)
# and load again, and serve a new guest.

lab_brd_setup 1 128 || lab_end
lab_guest_create destroy "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready destroy || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
lab_check_binding "$D" "$N"

lab_stats "$D" "$N"
s0=$LAB_STATS
# shellcheck disable=SC2016 # expanded in the guest
lab_check "start fio in the guest" lab_guest_cmd destroy 30 \
	'bg_start fio fio --eta=never --name=bg --filename=/dev/xvda --rw=randrw --bs=4k --bsrange=4k-64k \
		--ioengine=libaio --iodepth=32 --direct=1 --time_based --runtime=600 && sleep 1 &&
	 echo "VBDTEST destroy FIO-STARTED"'
lab_console_wait destroy '^VBDTEST destroy FIO-STARTED' 30 || lab_fail "no FIO-STARTED marker"

io_moving() {
	lab_stats "$D" "$N" || return 1
	[ $(($(lab_stat_delta "$s0" "$LAB_STATS" rd_req) + $(lab_stat_delta "$s0" "$LAB_STATS" wr_req))) -ge 500 ]
}
lab_wait 60 "fio I/O reaching the backend" io_moving || lab_fail "fio I/O did not reach the backend"
lab_log "in flight: $LAB_STATS"

t0=$(date +%s)
lab_guest_destroy destroy
lab_log "guest destroyed and backend cleaned up in $(($(date +%s) - t0))s"
lab_assert_eq "guests left" "$(lab_guest_count)" 0
lab_check "xenstore backend/vbd/$D gone" sh -c "! timeout 10 xenstore-exists /local/domain/0/backend/vbd/$D"

# Unload and load the backend (the next scenarios need it loaded again).
if lab_backend_reload; then
	lab_check "backend registered again" lab_backend_registered
	# The ramdisk must be free: nothing may still hold it.
	lab_brd_free
	lab_brd_setup 1 64 || lab_end
	lab_guest_create destroy2 "$(lab_disk /dev/ram0 xvda)" || lab_end
	lab_guest_wait_ready destroy2 || lab_end
	lab_check_binding "$LAB_DOMID" "$N"
	lab_check "reloaded backend serves a new guest" lab_guest_cmd destroy2 120 \
		'fio_json --name=reload --filename=/dev/xvda --rw=randwrite --bs=16k --ioengine=libaio \
			--iodepth=8 --direct=1 --size=8M --verify=crc32c --verify_fatal=1'
fi
lab_end
