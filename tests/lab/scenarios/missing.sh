# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 420
# check: yes (order 70)
#
# missing: block-attach to a running guest, through the lab hotplug script
# (which hands the path on unchecked), of (1) a path that does not exist,
# (2) a regular file, (3) a block device the backend already has open (the
# guest's own xvda). Each must fail cleanly: the guest gets no new disk, the
# backend goes to Closing/Closed and leaves a readable reason in xenstore.
# Then dom0 carries on and the guest still does I/O on xvda.
#
# The reason/state checks are vbdback-specific: xen-blkback relies on the
# hotplug script to resolve the device (it just waits in InitWait) and does
# not open devices exclusively. With xen-blkback they are reported as skipped.

lab_brd_setup 1 64 || lab_end
truncate -s 16M "$LAB_TMP/regular-file.img"
lab_guest_create missing "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready missing || lab_end
D=$LAB_DOMID

vbd_only() { [ "$LAB_BACKEND" = vbdback ]; }

# try_bad VDEV TARGET WHAT
try_bad() {
	local vdev=$1 target=$2 what=$3 n state err
	n=$(lab_devid "$vdev")
	lab_log "--- $what: $target as $vdev"
	if lab_xs_exists "$(lab_err_xs "$D" "$n")"; then
		lab_fail "$what: stale error node before the test"
	fi
	if lab_block_attach missing "$(lab_disk "$target" "$vdev")"; then
		lab_log "$what: xl block-attach returned success"
	else
		lab_log "$what: xl block-attach returned an error"
	fi
	if vbd_only; then
		if lab_wait 30 "$what: backend state 5/6" lab_be_state_is "$D" "$n" 5 6; then
			lab_log "$what: backend state $(lab_be_state "$D" "$n")"
		elif lab_xs_exists "$(lab_be_xs "$D" "$n")"; then
			lab_fail "$what: backend state $(lab_be_state "$D" "$n"), expected 5 (Closing) or 6 (Closed)"
		fi
		err=$(lab_be_error "$D" "$n")
		if [ -n "$err" ]; then
			lab_log "$what: backend reason: $err"
		else
			lab_fail "$what: no reason in xenstore ($(lab_err_xs "$D" "$n"))"
		fi
	else
		sleep 5
		state=$(lab_be_state "$D" "$n")
		lab_log "$what: xen-blkback backend state ${state:-none} (reason checks skipped)"
		[ "$state" = 4 ] && [ "$what" != "busy device" ] &&
			lab_fail "$what: xen-blkback connected a disk that does not exist"
	fi
	if vbd_only || [ "$what" != "busy device" ]; then
		lab_guest_cmd missing 60 "sleep 3; ! [ -e /sys/block/$vdev ] || [ \$(disk_sectors $vdev) = 0 ]" ||
			lab_fail "$what: the guest got a disk $vdev"
	fi
	# Clean up: detach (it may fail, the device never connected) and make
	# sure nothing is left behind in xenstore or sysfs.
	lab_block_detach missing "$vdev" || lab_log "$what: xl block-detach returned an error"
	if ! lab_wait 30 "$what: vbd-$D-$n gone" lab_be_gone "$D" "$n"; then
		lab_fail "$what: backend device vbd-$D-$n left behind"
		timeout 10 xenstore-rm "$(lab_be_xs "$D" "$n")" "$(lab_fe_xs "$D" "$n")" 2>/dev/null
	fi
	lab_guest_cmd missing 60 "wait_disk_gone $vdev 20" || lab_fail "$what: $vdev still in the guest"
}

try_bad xvdb /dev/vbdlab-missing "missing device"
try_bad xvdc "$LAB_TMP/regular-file.img" "regular file"
try_bad xvdd /dev/ram0 "busy device"
rm -f "$LAB_TMP/regular-file.img"

vbd_only || lab_note "backend is xen-blkback: error-reason, state and exclusive-open checks are vbdback-specific and were skipped"

lab_check "dom0 toolstack still answers" sh -c 'timeout 30 xl list >/dev/null'
lab_assert_eq "xvda backend state" "$(lab_be_state "$D" "$(lab_devid xvda)")" 4
lab_check "guest still does I/O on xvda" lab_guest_cmd missing 120 \
	'fio_json --name=after --filename=/dev/xvda --rw=randwrite --bs=16k --ioengine=libaio \
		--iodepth=8 --direct=1 --size=8M --verify=crc32c --verify_fatal=1'
lab_cmd_json >"$LAB_TMP/missing-after.json"
lab_fio_check "$LAB_TMP/missing-after.json" "fio verify on xvda"
lab_end
