# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 600
# check: yes (order 160)
#
# lifecycle: the disk is served again after the guest's domain changes.
# (1) Reboot: guest "life" (on_reboot="restart") writes markers (random data
#     with its md5, and a fio crc32c-verifiable region), then runs
#     "reboot -f". xl restarts it as a new domain: the old domain's backend
#     devices must go away, the new one must connect (backend and frontend
#     state 4), the new guest's agent must answer, the markers must read
#     back (md5 and fio verify_only) and a fresh fio verify must pass.
# (2) Save/restore: guest "sr" writes the same markers and keeps a verified
#     I/O loop (write, read back, compare) running, then dom0 does
#     "xl save" to a tmpfs file and "xl restore": the saved domain's backend
#     devices are gone, the restored domain's disk connects, the I/O loop
#     that ran across the save finishes without an error, the markers read
#     back and fio verify passes.

lab_brd_setup 2 64 || lab_end
N=$(lab_devid xvda)
SAVE=$LAB_TMP/sr.save
MARK_OFF=$((32 * 1048576))
FIO_MARK="--name=marker --filename=/dev/xvda --rw=write --bs=64k --offset=48M --size=8M \
	--ioengine=psync --direct=1 --verify=crc32c"


# write_markers NAME: sets MARK_MD5.
write_markers() {
	MARK_MD5=
	if lab_guest_cmd "$1" 120 "write_random /dev/xvda $MARK_OFF 8"; then
		MARK_MD5=$(lab_cmd_kv written_md5)
	else
		lab_cmd_show 10
		lab_fail "$1: marker write (rc $LAB_CMD_RC)"
	fi
	lab_guest_cmd "$1" 120 "fio_json $FIO_MARK --do_verify=0" ||
		{ lab_cmd_show 10; lab_fail "$1: fio marker write (rc $LAB_CMD_RC)"; }
}

# check_after NAME WHEN: markers read back, fio verify passes.
check_after() {
	local g=$1 when=$2
	lab_guest_cmd "$g" 60 "md5_region /dev/xvda $MARK_OFF $((8 * 1048576))"
	lab_assert_eq "$g: marker md5 $when" "$(tail -n 1 "$LAB_CMD_OUT")" "$MARK_MD5"
	lab_guest_cmd "$g" 120 "fio_json $FIO_MARK --verify_only=1"
	lab_assert_eq "$g: fio verify_only of the marker region $when" "$LAB_CMD_RC" 0 || lab_cmd_show 10
	lab_assert_eq "$g: fio verify_only messages $when" "$(lab_cmd_kv fio_verify_msgs)" ""
	lab_guest_cmd "$g" 300 "fio_json --name=after --filename=/dev/xvda --rw=randwrite --bsrange=4k-64k \
		--ioengine=libaio --iodepth=8 --direct=1 --offset=16M --size=16M \
		--verify=crc32c --verify_fatal=1"
	lab_assert_eq "$g: fio verify $when" "$LAB_CMD_RC" 0 || lab_cmd_show 20
	lab_cmd_json >"$LAB_TMP/lifecycle-$g.json"
	lab_fio_check "$LAB_TMP/lifecycle-$g.json" "$g: fio verify $when"
}

both_connected() { [ "$(lab_be_state "$1" "$N")" = 4 ] && [ "$(lab_fe_state "$1" "$N")" = 4 ]; }

# connected NAME DOMID: backend and frontend of xvda in state 4 within 60 s.
connected() {
	lab_wait 60 "$1: xvda of domain $2 connected" both_connected "$2"
	lab_assert_eq "$1: backend state of domain $2" "$(lab_be_state "$2" "$N")" 4
	lab_assert_eq "$1: frontend state of domain $2" "$(lab_fe_state "$2" "$N")" 4
	lab_check_binding "$2" "$N"
}

agent_ready() { [ "$(lab_xs_read "/local/domain/$1/data/vbdlab/ready")" = 1 ]; }

# --- (1) reboot --------------------------------------------------------
# One guest at a time: two guests sharing the lab's one guest pCPU showed
# corrupted userspace state (segfaults, a mangled command) under TCG.
lab_guest_create life --on-reboot restart "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready life || lab_end
D0=$(lab_guest_domid life)
write_markers life
lab_guest_cmd life 30 '(sleep 1; reboot -f) >/dev/null 2>&1 &' || lab_fail "life: cannot start reboot -f"
restarted() {
	local d
	d=$(lab_guest_domid life) && [ "$d" != "$D0" ]
}
if lab_wait 120 "life restarted as a new domain" restarted; then
	D1=$(lab_guest_domid life)
	lab_log "life: domain $D0 rebooted as domain $D1"
	lab_wait 30 "backend devices of domain $D0 gone" lab_be_dom_gone "$D0" ||
		lab_fail "life: backend devices of the rebooted domain $D0 still present: $(lab_be_list "$D0")"
	connected life "$D1"
	if lab_wait 180 "agent of domain $D1 ready" agent_ready "$D1"; then
		check_after life "after reboot"
	else
		lab_fail "life: agent did not come back after the reboot"
		lab_guest_dump_console life 30
	fi
else
	lab_fail "life: no new domain after reboot -f (on_reboot=restart)"
	lab_guest_dump_console life 30
fi

lab_guest_destroy life

# --- (2) save / restore --------------------------------------------------
lab_guest_create sr --memory 384 "$(lab_disk /dev/ram1 xvda)" || lab_end
lab_guest_wait_ready sr || lab_end
D0=$(lab_guest_domid sr)
write_markers sr
# The loop is stopped once the guest is restored; 300 s only bounds it.
# The save starts once its writes reach the backend.
lab_stats "$D0" "$N"
s0=$LAB_STATS
lab_check "sr: start the I/O loop" lab_guest_cmd sr 30 'bg_start io io_loop /dev/xvda 300'
loop_writes() {
	local w
	lab_stats "$D0" "$N" || return 1
	w=$(lab_stat_delta "$s0" "$LAB_STATS" wr_req)
	lab_is_int "$w" && [ "$w" -ge 4 ]
}
lab_wait 30 "sr: I/O loop writes reaching the backend" loop_writes ||
	lab_fail "sr: the I/O loop's writes did not reach the backend"
lab_log "xl save sr $SAVE"
t0=$(date +%s)
if timeout 300 xl save sr "$SAVE" >"$LAB_TMP/sr.save.log" 2>&1; then
	lab_log "xl save took $(($(date +%s) - t0)) s, $(du -m "$SAVE" | cut -f1) MiB"
	lab_check "sr: saved domain $D0 is gone" sh -c "! timeout 10 xl domid sr >/dev/null 2>&1"
	lab_wait 30 "backend devices of domain $D0 gone" lab_be_dom_gone "$D0" ||
		lab_fail "sr: backend devices of the saved domain $D0 still present: $(lab_be_list "$D0")"
	t0=$(date +%s)
	if timeout 300 xl restore "$SAVE" >"$LAB_TMP/sr.restore.log" 2>&1; then
		D1=$(lab_guest_domid sr)
		lab_log "xl restore took $(($(date +%s) - t0)) s: domain $D1"
		connected sr "$D1"
		lab_check "sr: agent answers after restore" lab_guest_cmd sr 60 'echo alive'
		if lab_guest_cmd sr 120 'if [ -f /tmp/bg-io.rc ]; then
				echo "the I/O loop ended on its own before the restore (its 300 s bound)"; exit 1; fi
			io_loop_stop; bg_wait io 90'; then
			lab_log "sr: I/O loop across save/restore: $(lab_cmd_kv io_loop_ok) verified writes," \
				"$(lab_cmd_kv io_loop_errors) errors"
		else
			lab_cmd_show 10
			lab_fail "sr: I/O loop across save/restore (rc $LAB_CMD_RC, errors $(lab_cmd_kv io_loop_errors))"
		fi
		check_after sr "after restore"
	else
		sed 's/^/  xl: /' "$LAB_TMP/sr.restore.log" | tail -n 30
		lab_fail "sr: xl restore failed"
	fi
else
	sed 's/^/  xl: /' "$LAB_TMP/sr.save.log" | tail -n 30
	lab_guest_dump_console sr 30
	lab_fail "sr: xl save failed"
fi
rm -f "$SAVE"
lab_end
