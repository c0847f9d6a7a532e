# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 1200
#
# faults (debug kernel only: make lab-debug): vbdback's error paths, driven
# by the kernel's fault injection, in a guest with no other disk (so that
# vbdback must hold nothing at all after every detach).
#
# 1. Attach: a disk is hot-plugged again and again, and each time the n-th
#    fault-injection point met by the xenwatch thread (which probes the
#    device and connects its rings) fails: a slab or page allocation, as
#    /proc/PID/task/PID/fail-nth arranges, for n = 1..8 and then ever wider
#    steps, until an attach meets fewer than n points. Each attach must end
#    connected or refused (backend Closing/Closed, or no device), never
#    stuck, and once detached vbdback must hold nothing (debugfs counters).
# 2. I/O: fail_make_request fails the next bios dom0 submits to the backing
#    disk: the guest must get I/O errors for them, not hang, and the disk
#    must serve fio verify once the faults stop.
# lab_end checks the leak counters and kmemleak for the whole scenario.

DBG=/sys/kernel/debug
NTHS=${FAULTS_NTHS:-1 2 3 4 5 6 7 8 10 12 15 18 22 27 33 40 50 60 75 90 110 135 165 200 250 300 400 500}
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

# --- 1. allocation failures while attaching ------------------------------
DISK=$(lab_disk /dev/ram1 xvdb)
connected=0 refused=0 nodev=0 covered=0
for nth in $NTHS; do
	echo "$nth" >"/proc/$XW/task/$XW/fail-nth"
	timeout 60 xl block-attach faults "$DISK" >"$LAB_TMP/faults.attach" 2>&1
	arc=$?
	# The guest connects asynchronously: wait for a final backend state.
	lab_wait 30 "xvdb settles (fail-nth $nth)" lab_be_state_is "$D" "$N" 4 5 6 ||
		lab_be_gone "$D" "$N"
	state=$(lab_be_state "$D" "$N")
	left=$(cat "/proc/$XW/task/$XW/fail-nth")
	echo 0 >"/proc/$XW/task/$XW/fail-nth"
	case $state in
	4) connected=$((connected + 1)); what=connected ;;
	5|6) refused=$((refused + 1)); what="refused ($(lab_be_error "$D" "$N" || echo 'no reason'))" ;;
	'') nodev=$((nodev + 1)); what="no backend device" ;;
	*) lab_fail "fail-nth $nth: xvdb stuck in backend state $state"; what="stuck $state" ;;
	esac
	lab_log "fail-nth $nth: xl block-attach rc $arc, $what"
	if lab_xs_exists "$(lab_be_xs "$D" "$N")"; then
		timeout 60 xl block-detach faults xvdb >/dev/null 2>&1 ||
			timeout 60 xl block-detach -f faults xvdb >/dev/null 2>&1
	fi
	if ! lab_wait 30 "xvdb gone (fail-nth $nth)" lab_be_gone "$D" "$N"; then
		lab_fail "fail-nth $nth: xvdb's backend did not go away"
		break
	fi
	lab_wait 10 "vbdback back to what it held" test "$(faults_held)" = "$BASE"
	lab_assert_eq "fail-nth $nth: what vbdback holds after detach" "$(faults_held)" "$BASE" || break
	if [ "$left" != 0 ]; then
		covered=1
		lab_log "fail-nth $nth: the attach met fewer than $nth fault points: all covered"
		break
	fi
done
lab_log "attach under faults: $connected connected, $refused refused, $nodev never probed"
lab_assert_eq "failures injected across all of an attach's fault points" "$covered" 1
lab_assert_ge "attaches refused or not probed under faults" $((refused + nodev)) 1
echo 0 >"/proc/$XW/task/$XW/fail-nth"

# --- 2. I/O errors from the backing disk -----------------------------------
lab_block_attach faults "$DISK" || lab_fail "clean attach of xvdb"
lab_check "guest sees xvdb" lab_guest_cmd faults 60 'wait_disk xvdb 30'
lab_stats "$D" "$N"
before=$LAB_STATS
echo 1 >/sys/block/ram1/make-it-fail
echo 100 >"$DBG/fail_make_request/probability"
echo 0 >"$DBG/fail_make_request/interval"
echo 8 >"$DBG/fail_make_request/times"
lab_guest_cmd faults 120 'timeout 60 dd if=/dev/xvdb of=/dev/null bs=4k count=4 iflag=direct; kv dd_rc $?'
lab_assert_eq "guest read through failing bios: dd fails" "$(lab_cmd_kv dd_rc)" 1
left=$(cat "$DBG/fail_make_request/times")
lab_log "fail_make_request: $((8 - left)) of 8 bios failed"
lab_assert_ge "bios failed by fail_make_request" $((8 - left)) 1
echo 0 >"$DBG/fail_make_request/probability"
echo 0 >/sys/block/ram1/make-it-fail
lab_stats "$D" "$N"
lab_assert_ge "backend answered the failed reads (rd_req delta)" \
	"$(lab_stat_delta "$before" "$LAB_STATS" rd_req)" 1
lab_fio_verify faults xvdb 32
lab_block_detach faults xvdb || lab_fail "detach xvdb"
lab_end
