# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 900
# check: yes (order 260)
#
# handover: the backend is swapped under running guests, with the two
# procedures of Documentation/admin-guide.rst:
#   move: the new backend is loaded next to the old one (vbdback with
#     handover=1), each device is unbound from the old and bound to the new
#     at once, then the old one is unloaded;
#   swap: every device is unbound, the old module unloaded, the new one
#     loaded, which takes the devices up as it probes them.
# Two guests, three disks (g1: xvda, xvdb; g2: xvda, without persistent
# grants), each disk under fio crc32c verify (random 4k writes, verified
# behind them) through each of:
#   swap xen-blkback -> xen-blkback  (the reference: xen-blkback's own rebind)
#   move xen-blkback -> vbdback
#   move vbdback     -> xen-blkback
#   swap xen-blkback -> vbdback
# After each, every vbd must be bound to the new module with backend and
# frontend Connected, and fio must end with no error and no verify message.
# The longest I/O any guest saw (fio's largest completion latency) is the
# pause it cost; it must stay under HANDOVER_MAX_PAUSE_MS, and the moves'
# pauses are printed against the reference. HANDOVER_ROUNDS repeats the
# sequence (default 1). dom0 must log each device taken up, and no refused
# bind or shut ring; loading vbdback next to xen-blkback without
# handover=1 must fail and name the devices. The moves use the shipped
# tool, tools/vbd-handover. Last, a move to a xen-blkback that cannot serve
# g2's 4-page ring (max_ring_page_order=0) must leave that disk on vbdback,
# named with the reason, while g1's disks move, and everything moves back.
#
# Runs with the vbdback lab backend only: it loads both modules itself.

# shellcheck source=tests/lab/live.sh
. "$LAB_REPO/tests/lab/live.sh"

ROUNDS=${HANDOVER_ROUNDS:-1}
MAX_PAUSE_MS=${HANDOVER_MAX_PAUSE_MS:-30000}

if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "handover swaps between both modules itself: run with the vbdback lab backend"
	lab_end
fi
lab_on_end live_restore_vbdback

# phase swap|move FROM TO: fio on every disk, hand over, wait until served,
# stop fio; sets PAUSE.
phase() {
	local how=$1 name="$1 $2 -> $3" mod=${3//-/_}
	shift
	LIVE_PAUSE_MS=0
	live_fio_start g1 xvda xvdb
	live_fio_start g2 xvda
	sleep 5
	"live_$how" "$1" "$2" || return 1
	lab_wait 60 "$name: every disk served by $mod" live_served "$mod" ||
		lab_fail "$name: not every disk served by $mod: $(lab_be_list)"
	sleep 5
	live_fio_stop_all "$name" "$MAX_PAUSE_MS"
	PAUSES+=("$name: $LIVE_PAUSE_MS ms")
	PAUSE=$LIVE_PAUSE_MS
}

# Start on xen-blkback, the backend an operator switches from.
lab_backend_unload >/dev/null || { lab_fail "cannot unload vbdback"; lab_end; }
msg=$(live_load xen-blkback) || { lab_fail "cannot load xen-blkback: $msg"; lab_end; }
lab_brd_setup 3 64 || lab_end
lab_guest_create g1 "$(lab_disk /dev/ram0 xvda)" "$(lab_disk /dev/ram1 xvdb)" || lab_end
lab_guest_create g2 --args "xen_blkfront.feature_persistent=0 xen_blkfront.max_ring_page_order=2" \
	"$(lab_disk /dev/ram2 xvda)" || lab_end
LIVE_GUESTS=(g1 g2)
lab_guest_wait_ready g1 || lab_end
lab_guest_wait_ready g2 || lab_end
lab_guest_cmd g1 60 'wait_disk xvda 30 && wait_disk xvdb 30' || lab_fail "g1: disks missing"
lab_guest_cmd g2 60 'wait_disk xvda 30' || lab_fail "g2: disk missing"
lab_wait 60 "every disk served by xen_blkback" live_served xen_blkback ||
	lab_fail "disks not served by xen_blkback at the start"

# Misuse: vbdback next to a serving xen-blkback, without handover=1.
DMESG0=$(dmesg | wc -l)
lab_check "insmod vbdback next to xen-blkback without handover=1 fails" \
	sh -c "! timeout 60 insmod '$LAB_MODULE' 2>/dev/null"
lab_check "the refusal names xen_blkback" \
	sh -c "dmesg | tail -n +$((DMESG0 + 1)) | grep -q 'vbd\" is served by xen_blkback'"
lab_assert_eq "the refusal lists every device" \
	"$(live_dmesg_since "$DMESG0" | grep -c 'vbd-[0-9]*-[0-9]* is bound to it')" 3
lab_check "the refusal says how to hand over" \
	sh -c "dmesg | tail -n +$((DMESG0 + 1)) | grep -q 'modprobe vbdback handover=1'"
lab_check "the disks are still served by xen_blkback" live_served xen_blkback

PAUSES=()
DMESG0=$(dmesg | wc -l)
for round in $(seq 1 "$ROUNDS"); do
	lab_log "round $round of $ROUNDS"
	phase swap xen-blkback xen-blkback
	STOCK_PAUSE=$PAUSE
	phase move xen-blkback vbdback
	TO_VBD_PAUSE=$PAUSE
	phase move vbdback xen-blkback
	TO_STOCK_PAUSE=$PAUSE
	phase swap xen-blkback vbdback
	lab_failed && break
done
for p in "${PAUSES[@]}"; do
	lab_log "pause: $p"
done
lab_log "pause of a move to vbdback / of xen-blkback's own rebind: $TO_VBD_PAUSE / $STOCK_PAUSE ms = $(live_ratio "$TO_VBD_PAUSE" "$STOCK_PAUSE")"
lab_log "pause of a move back to xen-blkback / of xen-blkback's own rebind: $TO_STOCK_PAUSE / $STOCK_PAUSE ms = $(live_ratio "$TO_STOCK_PAUSE" "$STOCK_PAUSE")"
# A device xen-blkback could not serve stays on vbdback: g2's ring has
# order 2, and this xen-blkback serves order 0 only.
lab_log "--- a move xen-blkback cannot take"
timeout 60 modprobe --ignore-install xen-blkback max_ring_page_order=0 ||
	lab_fail "cannot load xen-blkback with max_ring_page_order=0"
G2DEV=vbd-$(lab_guest_domid g2)-$(lab_devid xvda)
out=$("$LAB_REPO/tools/vbd-handover" -n xen-blkback 2>&1)
rc=$?
printf '%s\n' "$out" | sed "s/^/[$LAB_SCENARIO] /"
lab_assert_eq "vbd-handover -n: exit status" "$rc" 1
lab_check "vbd-handover -n names $G2DEV and its ring order" \
	grep -q "$G2DEV stays on vbdback: its ring has order 2, xen-blkback serves at most 0" <<<"$out"
LIVE_PAUSE_MS=0
live_fio_start g1 xvda xvdb
live_fio_start g2 xvda
out=$(VBD_HANDOVER_INSMOD=$LAB_MODULE "$LAB_REPO/tools/vbd-handover" xen-blkback 2>&1)
rc=$?
printf '%s\n' "$out" | sed "s/^/[$LAB_SCENARIO] /"
lab_assert_eq "vbd-handover: exit status with a device left" "$rc" 1
lab_assert_eq "g2's disk still on vbdback" "$(lab_be_module "$(lab_guest_domid g2)" "$(lab_devid xvda)")" vbdback
lab_assert_eq "g1's disks on xen-blkback" \
	"$(lab_be_module "$(lab_guest_domid g1)" "$(lab_devid xvda)") $(lab_be_module "$(lab_guest_domid g1)" "$(lab_devid xvdb)")" \
	"xen_blkback xen_blkback"
lab_check "vbdback still loaded" grep -q '^vbdback ' /proc/modules
out=$(VBD_HANDOVER_INSMOD=$LAB_MODULE "$LAB_REPO/tools/vbd-handover" vbdback 2>&1)
lab_assert_eq "vbd-handover back to vbdback: exit status" "$?" 0 ||
	printf '%s\n' "$out" | sed "s/^/[$LAB_SCENARIO] /"
printf 'blacklist xen-blkback\ninstall xen-blkback /bin/false\n' >"$BLACKLIST"
LIVE_GUESTS=(g1 g2)
lab_wait 60 "every disk served by vbdback again" live_served vbdback ||
	lab_fail "not every disk back on vbdback"
sleep 3
live_fio_stop g1 "partial move"
live_fio_stop g2 "partial move"

lab_assert_eq "devices vbdback took up live" \
	"$(live_dmesg_since "$DMESG0" | grep -c 'took up the live rings')" $((ROUNDS * 2 * 3 + 2))
lab_assert_eq "refused binds or shut rings in dom0's log" \
	"$(live_dmesg_since "$DMESG0" | grep -cE 'cannot take up|refusing the bind|ring shut')" 0
lab_end
