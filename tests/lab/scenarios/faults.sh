# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 2400
# check: no (needs the debug kernel's fault injection: make lab-debug runs it)
#
# faults (debug kernel only: make lab-debug): vbdback's error paths, driven
# by the kernel's fault injection. The xenwatch thread runs both the probe of
# a backend device and the connection of its rings; through
# /proc/PID/task/PID/fail-nth its n-th fault-injection point (a slab or page
# allocation, including those under xenbus reads) fails:
#
# 1. Attach: a disk is hot-plugged into a running guest with no other disk,
#    once per n of a widening list. Most points are xenbus's own (device
#    registration, uevents); failures there are retried by xenbus or refuse
#    the device.
# 2. Connect: a guest is created paused with the disk; once the backend has
#    probed (InitWait), fail-nth is set and the guest runs, so the failures
#    land in the connection: reading the frontend's keys, mapping the ring,
#    binding the event channel, allocating the request pool. n runs from 1
#    (every n to 16, then widening) until a connection meets fewer than n
#    points.
#
# Every attempt must end connected or refused (backend Closing/Closed, or no
# device), never stuck; some must be refused; and once the disk is gone
# vbdback must hold nothing (debugfs counters).
# 3. I/O: fail_make_request fails the next bios dom0 submits to the backing
#    disk: the guest must get I/O errors for them, not hang, and the disk
#    must serve fio verify once the faults stop.
# lab_end checks the leak counters and kmemleak for the whole scenario.

DBG=/sys/kernel/debug
ATTACH_NTHS=${FAULTS_ATTACH_NTHS:-1 2 4 8 16 32 64 100 150 200 250 300}
CONNECT_NTHS=${FAULTS_CONNECT_NTHS:-$(seq -s ' ' 1 16) 18 20 23 26 30 35 40 46 53 60 70 80 90 100 115 130 150 175 200 250 300 400}
if [ ! -d "$DBG/failslab" ] || [ ! -d "$DBG/fail_page_alloc" ] ||
	[ ! -d "$DBG/fail_make_request" ]; then
	lab_fail "this dom0 kernel has no fault injection (run with make lab-debug)"
	lab_end
fi

# faults_config KNOB: fail-nth alone decides when to fail; the attributes
# only stop failslab and fail_page_alloc from ignoring sleeping allocations
# and order-0 pages, which is most of what vbdback allocates.
faults_config() {
	echo 0 >"$DBG/failslab/probability"
	echo N >"$DBG/failslab/ignore-gfp-wait"
	echo 0 >"$DBG/fail_page_alloc/probability"
	echo N >"$DBG/fail_page_alloc/ignore-gfp-wait"
	echo 0 >"$DBG/fail_page_alloc/min-order"
	# With the stack, so the log shows which allocation each attach lost.
	echo 2 >"$DBG/failslab/verbose"
	echo 2 >"$DBG/fail_page_alloc/verbose"
}

# faults_held: vbdback's debugfs counters on one line.
faults_held() {
	local f out=''
	for f in "$DBG/$LAB_MODNAME"/*; do
		out="$out ${f##*/}=$(cat "$f" 2>/dev/null)"
	done
	echo "${out# }"
}

faults_restore() {
	echo 0 >"$DBG/fail_make_request/probability" 2>/dev/null
	echo 0 >/sys/block/ram1/make-it-fail 2>/dev/null
	[ -n "${XW:-}" ] && echo 0 >"/proc/$XW/task/$XW/fail-nth" 2>/dev/null
	echo Y >"$DBG/failslab/ignore-gfp-wait" 2>/dev/null
	echo Y >"$DBG/fail_page_alloc/ignore-gfp-wait" 2>/dev/null
	echo 1 >"$DBG/fail_page_alloc/min-order" 2>/dev/null
	return 0
}
lab_on_end faults_restore

lab_brd_setup 2 64 || lab_end
lab_guest_create faults || lab_end
lab_guest_wait_ready faults || lab_end
D=$LAB_DOMID
N=$(lab_devid xvdb)
XW=$(pgrep -x xenwatch | head -n 1)
if [ -z "$XW" ] || [ ! -w "/proc/$XW/task/$XW/fail-nth" ]; then
	lab_fail "no xenwatch thread with fail-nth"
	lab_end
fi
faults_config
BASE=$(faults_held)
lab_log "held with no device: $BASE"

# faults_outcome NTH LEFT: classify how the disk ended, count it, and
# check that vbdback holds nothing once it is gone. LEFT is what remained of
# fail-nth (not 0: the attempt met fewer than NTH points).
faults_outcome() {
	local nth=$1 left=$2 state what
	state=$(lab_be_state "$D" "$N")
	if [ ! -e "$(lab_be_sys "$D" "$N")" ] && [ "${state:-1}" = 1 ]; then
		nodev=$((nodev + 1)); what="no backend device (probe failed)"
	else
		case $state in
		4) connected=$((connected + 1)); what=connected ;;
		5|6) refused=$((refused + 1))
			what="refused ($(lab_be_error "$D" "$N" || echo 'no reason given'))" ;;
		*) lab_fail "fail-nth $nth: xvdb stuck in backend state '$state'"; what="stuck '$state'" ;;
		esac
	fi
	lab_log "$PHASE fail-nth $nth: $what${left:+, $left points unmet}"
}

faults_check_nothing_held() {
	lab_wait 10 "vbdback holds nothing" test "$(faults_held)" = "$BASE"
	lab_assert_eq "$PHASE fail-nth $1: what vbdback holds once xvdb is gone" "$(faults_held)" "$BASE"
}

# --- 1. allocation failures while attaching ------------------------------
PHASE=attach
DISK=$(lab_disk /dev/ram1 xvdb)
connected=0 refused=0 nodev=0
for nth in $ATTACH_NTHS; do
	echo "$nth" >"/proc/$XW/task/$XW/fail-nth"
	timeout 60 xl block-attach faults "$DISK" >"$LAB_TMP/faults.attach" 2>&1
	lab_wait 30 "xvdb settles (fail-nth $nth)" lab_be_state_is "$D" "$N" 4 5 6
	left=$(cat "/proc/$XW/task/$XW/fail-nth")
	echo 0 >"/proc/$XW/task/$XW/fail-nth"
	[ "$left" = 0 ] && left=
	faults_outcome "$nth" "$left"
	if lab_xs_exists "$(lab_be_xs "$D" "$N")"; then
		timeout 60 xl block-detach faults xvdb >/dev/null 2>&1 ||
			timeout 60 xl block-detach -f faults xvdb >/dev/null 2>&1
	fi
	lab_wait 30 "xvdb gone (fail-nth $nth)" lab_be_gone "$D" "$N" ||
		{ lab_fail "attach fail-nth $nth: xvdb's backend did not go away"; break; }
	faults_check_nothing_held "$nth" || break
done
lab_log "attach under faults: $connected connected, $refused refused, $nodev never probed"
a_conn=$connected a_bad=$((refused + nodev))
lab_guest_destroy faults

# --- 2. allocation failures while connecting -----------------------------
PHASE=connect
connected=0 refused=0 nodev=0 covered=0
for nth in $CONNECT_NTHS; do
	lab_guest_create fconn --paused "$DISK" || break
	D=$LAB_DOMID
	if ! lab_wait 60 "backend probed (InitWait)" lab_be_state_is "$D" "$N" 2; then
		lab_fail "connect fail-nth $nth: backend never reached InitWait"
		break
	fi
	echo "$nth" >"/proc/$XW/task/$XW/fail-nth"
	lab_guest_unpause fconn
	lab_wait 60 "xvdb settles (fail-nth $nth)" lab_be_state_is "$D" "$N" 4 5 6
	left=$(cat "/proc/$XW/task/$XW/fail-nth")
	echo 0 >"/proc/$XW/task/$XW/fail-nth"
	[ "$left" = 0 ] && left=
	faults_outcome "$nth" "$left"
	lab_guest_destroy fconn || break
	faults_check_nothing_held "$nth" || break
	if [ -n "$left" ]; then
		covered=1
		break
	fi
done
lab_log "connect under faults: $connected connected, $refused refused"
lab_assert_eq "connect: failures injected at every point of a connection (up to ${nth:-?})" "$covered" 1
lab_assert_ge "attach or connect refused under faults" $((a_bad + refused + nodev)) 1
lab_assert_ge "attach or connect still connected under faults" $((a_conn + connected)) 1
echo 0 >"/proc/$XW/task/$XW/fail-nth"

# --- 3. I/O errors from the backing disk -----------------------------------
PHASE=io
lab_guest_create faultsio "$DISK" || lab_end
lab_guest_wait_ready faultsio || lab_end
D=$LAB_DOMID
lab_check "guest sees xvdb" lab_guest_cmd faultsio 60 'wait_disk xvdb 30'
lab_stats "$D" "$N"
before=$LAB_STATS
echo 1 >/sys/block/ram1/make-it-fail
echo 100 >"$DBG/fail_make_request/probability"
echo 0 >"$DBG/fail_make_request/interval"
echo 8 >"$DBG/fail_make_request/times"
lab_guest_cmd faultsio 120 'timeout 60 dd if=/dev/xvdb of=/dev/null bs=4k count=4 iflag=direct; kv dd_rc $?'
lab_assert_eq "guest read through failing bios: dd fails" "$(lab_cmd_kv dd_rc)" 1
left=$(cat "$DBG/fail_make_request/times")
lab_log "fail_make_request: $((8 - left)) of 8 bios failed"
lab_assert_ge "bios failed by fail_make_request" $((8 - left)) 1
echo 0 >"$DBG/fail_make_request/probability"
echo 0 >/sys/block/ram1/make-it-fail
lab_stats "$D" "$N"
lab_assert_ge "backend answered the failed reads (rd_req delta)" \
	"$(lab_stat_delta "$before" "$LAB_STATS" rd_req)" 1
lab_fio_verify faultsio xvdb 32
lab_end
