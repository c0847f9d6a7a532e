# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 900
# check: yes (order 270)
#
# upgrade: vbdback replaced by another build of itself (make lab builds a
# second copy of the same source, UPGRADE_MODULE) under running guests,
# UPGRADE_CYCLES times (default 2; 10 for the long run), with the
# operator's procedure: unbind every vbd, rmmod vbdback, insmod the new
# build, which takes the live rings up. g1 has one disk with persistent grants; g2 two vCPUs and a disk on two
# queues without persistent grants. Both run fio crc32c verify through every
# cycle, which must end with no error and no verify message, every disk
# served again with both ends Connected, g2's disk still on two queues. The
# longest guest I/O of each cycle is printed, and must stay under
# UPGRADE_MAX_PAUSE_MS.
# Then the same by way of xen-blkback (tools/vbd-handover: vbdback ->
# xen-blkback loaded with max_queues=2 -> the other build), where no module
# load stands between a device's unbind and its bind.
# Then a bind vbdback must refuse: g1's physical-device is pointed at a
# device that does not exist before the new build loads. vbdback must log
# why and leave that device unbound with its frontend Connected (the other
# disks served); once the key is right again, binding the device by hand
# takes it up and g1's fio, stalled meanwhile, completes and verifies.

# shellcheck source=tests/lab/live.sh
. "$LAB_REPO/tests/lab/live.sh"

CYCLES=${UPGRADE_CYCLES:-2}
MAX_PAUSE_MS=${UPGRADE_MAX_PAUSE_MS:-30000}
ALT=${UPGRADE_MODULE:-$LAB_MODULE}

if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "upgrade replaces vbdback itself: run with the vbdback lab backend"
	lab_end
fi
[ "$ALT" = "$LAB_MODULE" ] && lab_note "no second build given (UPGRADE_MODULE): the same build is loaded again"
[ -f "$ALT" ] || { lab_fail "no module $ALT"; lab_end; }
lab_on_end live_restore_vbdback

lab_brd_setup 2 64 || lab_end
lab_guest_create g1 "$(lab_disk /dev/ram0 xvda)" || lab_end
G1=$LAB_DOMID
lab_backend_param_set max_queues 2 || lab_fail "cannot raise max_queues to 2"
lab_guest_create g2 --vcpus 2 --args "xen_blkfront.max_queues=2 xen_blkfront.feature_persistent=0" \
	"$(lab_disk /dev/ram1 xvda)" || lab_end
G2=$LAB_DOMID
LIVE_GUESTS=(g1 g2)
lab_guest_wait_ready g1 || lab_end
lab_guest_wait_ready g2 || lab_end
N=$(lab_devid xvda)
lab_wait 60 "every disk served by vbdback" live_served vbdback ||
	lab_fail "disks not served by vbdback at the start"
lab_assert_eq "g2: queues negotiated" "$(lab_fe_key "$G2" "$N" multi-queue-num-queues)" 2

DMESG0=$(dmesg | wc -l)
modules=("$LAB_MODULE" "$ALT")
PAUSES=()
for c in $(seq 1 "$CYCLES"); do
	name="cycle $c"
	LIVE_PAUSE_MS=0
	live_fio_start g1 xvda
	live_fio_start g2 xvda
	sleep 3
	live_swap vbdback vbdback "${modules[$((c % 2))]}" || break
	lab_wait 60 "$name: every disk served" live_served vbdback ||
		lab_fail "$name: not every disk served by vbdback: $(lab_be_list)"
	lab_assert_eq "$name: g2's disk on two queues" \
		"$(cat "$(lab_be_sys "$G2" "$N")/vbdback/nr_queues" 2>/dev/null)" 2
	sleep 3
	live_fio_stop_all "$name" "$MAX_PAUSE_MS"
	PAUSES+=("$LIVE_PAUSE_MS")
	lab_failed && break
done
lab_log "longest guest I/O per cycle (ms): ${PAUSES[*]}"

# --- an upgrade by way of xen-blkback: two moves, no unload in the way --
hop() {
	local out rc
	LIVE_PAUSE_MS=0
	live_fio_start g1 xvda
	live_fio_start g2 xvda
	sleep 3
	timeout 60 modprobe --ignore-install xen-blkback max_queues=2 ||
		{ lab_fail "hop: cannot load xen-blkback with max_queues=2"; return 1; }
	out=$("$LAB_REPO/tools/vbd-handover" xen-blkback 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s/^/[$LAB_SCENARIO] hop: /"
	[ "$rc" = 0 ] || lab_fail "hop: vbd-handover xen-blkback: exit status $rc"
	out=$(VBD_HANDOVER_INSMOD=$1 "$LAB_REPO/tools/vbd-handover" vbdback 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s/^/[$LAB_SCENARIO] hop: /"
	[ "$rc" = 0 ] || lab_fail "hop: vbd-handover vbdback: exit status $rc"
	lab_wait 60 "hop: every disk served by vbdback" live_served vbdback ||
		lab_fail "hop: not every disk served by vbdback"
	lab_assert_eq "hop: g2's disk on two queues" \
		"$(cat "$(lab_be_sys "$G2" "$N")/vbdback/nr_queues" 2>/dev/null)" 2
	sleep 3
	live_fio_stop g1 hop
	live_fio_stop g2 hop
	lab_log "hop: longest guest I/O $LIVE_PAUSE_MS ms"
}
lab_failed || hop "${modules[$(((CYCLES + 1) % 2))]}"
lab_assert_eq "devices taken up live" \
	"$(live_dmesg_since "$DMESG0" | grep -c 'took up the live rings')" $((CYCLES * 2 + 2))

# --- a bind that must be refused --------------------------------------
BE=$(lab_be_xs "$G1" "$N")
PHYS=$(lab_xs_read "$BE/physical-device")
DEV=vbd-$G1-$N
live_fio_start g1 xvda
sleep 3
live_unbind || lab_fail "refusal: unbind"
lab_rmmod_retry vbdback || lab_fail "refusal: rmmod vbdback"
lab_xs_write "$BE/physical-device" "ffe:ffe"
DMESG1=$(dmesg | wc -l)
msg=$(live_load vbdback) || lab_fail "refusal: load vbdback: $msg"
DRV=$(live_drv vbdback)
bound() { [ -e "$DRV/$1" ]; }
lab_wait 30 "refusal: g2's disk taken up" bound "vbd-$G2-$N" || lab_fail "refusal: g2's disk not bound"
sleep 2
lab_check "refusal: $DEV left unbound" sh -c "! [ -e '$DRV/$DEV' ]"
lab_assert_eq "refusal: $DEV frontend still Connected" "$(lab_fe_state "$G1" "$N")" 4
lab_assert_eq "refusal: $DEV backend state left Connected" "$(lab_be_state "$G1" "$N")" 4
lab_check "refusal: dom0 logged why, naming the device and the domain" \
	sh -c "dmesg | tail -n +$((DMESG1 + 1)) | grep -q '$DEV: domain $G1: cannot take up the live device: opening device 4094:4094'"
lab_check "refusal: dom0 logged the refused bind" \
	sh -c "dmesg | tail -n +$((DMESG1 + 1)) | grep -q '$DEV: domain $G1: refusing the bind'"
lab_xs_write "$BE/physical-device" "$PHYS"
echo "$DEV" >"$DRV/bind" || lab_fail "refusal: bind $DEV by hand"
lab_wait 30 "refusal: every disk served after the bind" live_served vbdback ||
	lab_fail "refusal: not every disk served after binding $DEV"
sleep 3
LIVE_PAUSE_MS=0
live_fio_stop g1 "refused bind"
lab_log "refused bind: g1's longest I/O $LIVE_PAUSE_MS ms"
lab_end
