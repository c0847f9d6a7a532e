# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
#
# vbdback lab: helpers for the live-operation scenarios (handover, upgrade,
# migrate): swapping the vbd backend module under running guests the way
# Documentation/admin-guide.rst tells an operator to, and fio crc32c verify
# running in the guests across it. Sourced by those scenarios after
# tests/lab/lib.sh.
#
# LIVE_GUESTS: the guests whose disks are checked and whose fio runs.

LIVE_GUESTS=()
VBDDRV=/sys/bus/xen-backend/drivers/vbd
# fio runs this long at most; each phase stops it once its operation is
# done, through the trigger file.
LIVE_FIO_BOUND=${LIVE_FIO_BOUND:-900}
LIVE_FIO="fio_json --ioengine=libaio --direct=1 --rw=randwrite --bs=4k --iodepth=4 --size=32M"
LIVE_FIO="$LIVE_FIO --verify=crc32c --verify_backlog=64 --verify_fatal=1 --time_based"
LIVE_FIO="$LIVE_FIO --runtime=$LIVE_FIO_BOUND --trigger-file=/tmp/live.stop"

# The lab's own state is restored whatever happens: vbdback loaded.
live_restore_vbdback() {
	if grep -q '^xen_blkback ' /proc/modules; then
		live_unbind
		lab_rmmod_retry xen_blkback
	fi
	grep -q '^vbdback ' /proc/modules || lab_backend_load
}

# live_unbind: unbind every vbd from its driver. Both drivers set
# allow_rebind, so the frontends stay Connected.
live_unbind() {
	local d
	for d in "$VBDDRV"/vbd-* "$VBDDRV"back/vbd-*; do
		[ -e "$d" ] || continue
		echo "${d##*/}" >"${d%/*}/unbind" || return 1
	done
}

# live_load vbdback|xen-blkback [MODULE]: load a backend (vbdback from
# MODULE, default the lab's build).
live_load() {
	if [ "$1" = vbdback ]; then
		(LAB_MODULE=${2:-$LAB_MODULE} lab_backend_load)
	else
		(LAB_BACKEND=xen-blkback LAB_MODNAME=xen_blkback lab_backend_load)
	fi
}

# live_swap FROM TO [MODULE]: the documented procedure; sets LIVE_SWAP_MS.
live_swap() {
	local from=$1 to=$2 mod=${1//-/_} t0 t1 t2 msg
	t0=$(date +%s%N)
	live_unbind || { lab_fail "$from -> $to: unbind"; return 1; }
	t1=$(date +%s%N)
	lab_rmmod_retry "$mod" || { lab_fail "$from -> $to: rmmod $mod"; return 1; }
	t2=$(date +%s%N)
	msg=$(live_load "$to" "${3:-}") || { lab_fail "$from -> $to: load $to: $msg"; return 1; }
	LIVE_SWAP_MS=$((($(date +%s%N) - t0) / 1000000))
	lab_log "$from -> $to: unbind $(((t1 - t0) / 1000000)) ms, unload $(((t2 - t1) / 1000000)) ms, load $((LIVE_SWAP_MS - (t2 - t0) / 1000000)) ms: $LIVE_SWAP_MS ms"
}

BLACKLIST=/etc/modprobe.d/vbdlab-no-blkback.conf

# live_drv vbdback|xen-blkback: the module's xenbus driver directory.
live_drv() {
	if [ "$1" = vbdback ]; then
		echo /sys/bus/xen-backend/drivers/vbdback
	else
		echo "$VBDDRV"
	fi
}

# live_move FROM TO: the live handover of Documentation/admin-guide.rst,
# with the tool it documents (tools/vbd-handover): TO is loaded next to
# FROM, each device is unbound from FROM and bound to TO at once (its guest
# waits for nothing else), then FROM is unloaded. Sets LIVE_SWAP_MS to the
# whole procedure's time and LIVE_MOVE_OUT to the tool's output.
live_move() {
	local from=$1 to=$2 t0 rc
	t0=$(date +%s%N)
	LIVE_MOVE_OUT=$(VBD_HANDOVER_INSMOD=$LAB_MODULE "$LAB_REPO/tools/vbd-handover" "$to" 2>&1)
	rc=$?
	LIVE_SWAP_MS=$((($(date +%s%N) - t0) / 1000000))
	printf '%s\n' "$LIVE_MOVE_OUT" | sed "s/^/[$LAB_SCENARIO] /"
	[ "$rc" = 0 ] || { lab_fail "$from -> $to: vbd-handover exit status $rc"; return 1; }
	if [ "$to" = vbdback ]; then
		printf 'blacklist xen-blkback\ninstall xen-blkback /bin/false\n' >"$BLACKLIST"
	fi
	lab_log "$from -> $to: moved every device and unloaded $from in $LIVE_SWAP_MS ms"
}

# live_served MODNAME: every disk of every LIVE_GUESTS guest is bound to
# MODNAME, with both ends Connected.
live_served() {
	local g d n
	for g in "${LIVE_GUESTS[@]}"; do
		d=$(lab_guest_domid "$g") || return 1
		for n in $(lab_be_list "$d"); do
			n=${n##*-}
			[ "$(lab_be_module "$d" "$n")" = "$1" ] || return 1
			[ "$(lab_be_state "$d" "$n")" = 4 ] || return 1
			[ "$(lab_fe_state "$d" "$n")" = 4 ] || return 1
		done
	done
}

# live_fio_start GUEST VDEV...: fio verify on each disk, in the background.
live_fio_start() {
	local g=$1 v jobs=''
	shift
	for v in "$@"; do
		jobs="$jobs --name=$v --filename=/dev/$v"
	done
	lab_guest_cmd "$g" 60 "rm -f /tmp/live.stop; bg_start fio $LIVE_FIO$jobs" ||
		lab_fail "$g: cannot start fio"
}

# live_fio_stop GUEST DESC: stop the guest's fio and check it: exit status
# 0, no verify message, no job error. Raises LIVE_PAUSE_MS to the longest
# I/O it saw.
live_fio_stop() {
	local g=$1 desc=$2 json=$LAB_TMP/live-$1.json ms
	lab_guest_cmd "$g" 120 'touch /tmp/live.stop; bg_wait fio 90'
	lab_cmd_json >"$json"
	lab_assert_eq "$desc: $g: fio exit status" "$(lab_cmd_kv fio_rc)" 0 || lab_cmd_show 30
	lab_assert_eq "$desc: $g: fio verify messages" "$(lab_cmd_kv fio_verify_msgs)" "" ||
		lab_cmd_show 30
	lab_fio_check "$json" "$desc: $g" || return 1
	lab_fio_summary "$json" | sed "s/^/[$LAB_SCENARIO] $desc: $g fio /"
	ms=$(jq -r '[.jobs[] | .write.lat_ns.max, .read.lat_ns.max] | max / 1000000 | floor' "$json")
	lab_is_int "$ms" || { lab_fail "$desc: $g: no latency in fio's output"; return 1; }
	[ "$ms" -gt "$LIVE_PAUSE_MS" ] && LIVE_PAUSE_MS=$ms
	return 0
}

# live_fio_stop_all DESC MAX_MS: live_fio_stop in every LIVE_GUESTS guest;
# the longest I/O across them must stay under MAX_MS.
live_fio_stop_all() {
	local g
	for g in "${LIVE_GUESTS[@]}"; do
		live_fio_stop "$g" "$1"
	done
	lab_log "$1: longest guest I/O $LIVE_PAUSE_MS ms (swap $LIVE_SWAP_MS ms)"
	[ "$LIVE_PAUSE_MS" -le "$2" ] ||
		lab_fail "$1: a guest I/O took $LIVE_PAUSE_MS ms (limit $2)"
}

# live_ratio A B: A / B with two decimals.
live_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# live_dmesg_since N: dom0's kernel log after its first N lines.
live_dmesg_since() { dmesg | tail -n "+$(($1 + 1))"; }
