# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 420
# check: yes (order 40)
#
# attach: while the guest keeps doing verified I/O on xvda, xl block-attach a
# second disk (xvdb), run a small fio verify on it in the guest, xl
# block-detach it: the backend device (sysfs and xenstore dir) must go away,
# the guest must lose the disk, and its I/O on xvda must have gone on without
# an error. Then the same attach/detach once more through Debian's stock
# hotplug script.

lab_brd_setup 2 64 || lab_end
lab_guest_create attach "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready attach || lab_end
D=$LAB_DOMID
NB=$(lab_devid xvdb)
NC=$(lab_devid xvdc)

# The loop is stopped once xvdb is detached; 300 s only bounds it.
lab_check "start I/O loop on xvda" lab_guest_cmd attach 30 'bg_start io io_loop /dev/xvda 300'

if lab_block_attach attach "$(lab_disk /dev/ram1 xvdb)"; then
	lab_check "guest sees xvdb" lab_guest_cmd attach 90 'wait_disk xvdb 60'
	lab_check_binding "$D" "$NB"
	lab_assert_eq "xvdb backend state" "$(lab_be_state "$D" "$NB")" 4
	if lab_guest_cmd attach 240 'fio_json --name=attach-verify --filename=/dev/xvdb --rw=randwrite \
			--bsrange=4k-64k --ioengine=libaio --iodepth=8 --direct=1 --size=24M \
			--verify=crc32c --verify_fatal=1'; then
		lab_cmd_json >"$LAB_TMP/attach.json"
		lab_fio_check "$LAB_TMP/attach.json" "fio verify on attached xvdb"
		lab_fio_summary "$LAB_TMP/attach.json" | sed "s/^/[$LAB_SCENARIO] fio /"
	else
		lab_cmd_show 20
		lab_fail "fio verify on attached xvdb (rc $LAB_CMD_RC)"
	fi
	lab_check "xl block-detach xvdb" lab_block_detach attach xvdb
	lab_wait 30 "vbd-$D-$NB gone" lab_be_gone "$D" "$NB" ||
		lab_fail "backend device vbd-$D-$NB (sysfs or xenstore) still present after detach"
	lab_check "guest lost xvdb" lab_guest_cmd attach 60 'wait_disk_gone xvdb 30'
else
	lab_fail "xl block-attach xvdb"
fi

# The I/O loop on xvda ran through attach and detach.
if lab_guest_cmd attach 120 'if [ -f /tmp/bg-io.rc ]; then
		echo "the I/O loop ended on its own before the detach (its 300 s bound)"; exit 1; fi
	io_loop_stop; bg_wait io 90'; then
	lab_log "xvda I/O loop: $(lab_cmd_kv io_loop_ok) verified 64 KiB writes, $(lab_cmd_kv io_loop_errors) errors"
	lab_assert_ge "xvda I/O loop verified writes" "$(lab_cmd_kv io_loop_ok)" 1
else
	lab_cmd_show 10
	lab_fail "xvda I/O loop during attach/detach (rc $LAB_CMD_RC, errors $(lab_cmd_kv io_loop_errors))"
fi

# Once more through the stock hotplug script: the data fio left on ram1 must
# read the same in the guest and in dom0.
if lab_block_attach attach "$(lab_disk /dev/ram1 xvdc w stock)"; then
	lab_check "guest sees xvdc (stock script)" lab_guest_cmd attach 90 'wait_disk xvdc 60'
	lab_check_binding "$D" "$NC"
	lab_guest_cmd attach 60 'md5_region /dev/xvdc 0 4194304'
	lab_assert_eq "xvdc content seen by guest and dom0" "$(tail -n 1 "$LAB_CMD_OUT")" \
		"$(lab_md5_region /dev/ram1 0 4194304)"
	lab_check "xl block-detach xvdc" lab_block_detach attach xvdc
	lab_wait 30 "vbd-$D-$NC gone" lab_be_gone "$D" "$NC" ||
		lab_fail "backend device vbd-$D-$NC still present after detach"
	lab_check "guest lost xvdc" lab_guest_cmd attach 60 'wait_disk_gone xvdc 30'
else
	lab_fail "xl block-attach xvdc with the stock hotplug script"
fi

lab_check "guest still does I/O on xvda" lab_guest_cmd attach 120 \
	'fio_json --name=after --filename=/dev/xvda --rw=randwrite --bs=16k --ioengine=libaio \
		--iodepth=8 --direct=1 --size=8M --verify=crc32c --verify_fatal=1'
lab_cmd_json >"$LAB_TMP/attach-after.json"
lab_fio_check "$LAB_TMP/attach-after.json" "fio verify on xvda after detach"
lab_end
