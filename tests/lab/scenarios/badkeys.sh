# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 360
# check: yes (order 240)
#
# badkeys: a frontend that writes nonsense into its xenstore directory.
# The guest does not load xen-blkfront; for each of its disks it writes
# the frontend keys itself (one kind of bad value per disk) and then
# state=3 (Initialised). The backend must refuse each one with
# xenbus_dev_fatal: state 5 (Closing) and a reason naming the problem in
# /local/domain/0/error/backend/vbd/D/N/error. Then dom0 carries on: the
# guest is destroyed cleanly, nothing of its disks is left, and a new guest
# is served with fio verify passing. No WARNING/BUG/Oops in dom0 (checked
# for the whole run by the lab).

# case: KEY=VALUE words the "frontend" writes | what the reason must say
CASES=(
	"ring-ref=garbage event-channel=5|ring-ref is not a number"
	"ring-ref=8 event-channel=xyz|event-channel is not a number"
	"event-channel=5|ring-ref"
	"ring-page-order=9 ring-ref0=8 event-channel=5|exceeds max-ring-page-order"
	"ring-page-order=1 ring-ref0=8 event-channel=5|ring-ref1"
	"multi-queue-num-queues=1000 ring-ref=8 event-channel=5|multi-queue-num-queues 1000"
	"multi-queue-num-queues=0 ring-ref=8 event-channel=5|multi-queue-num-queues 0"
	"ring-ref=8 event-channel=5 protocol=sparc-abi|unknown protocol"
	"ring-ref=123456 event-channel=5|mapping in shared page 123456"
	"feature-persistent=yes ring-ref=8 event-channel=5|feature-persistent is not a number"
	"feature-persistent=7 ring-ref=8 event-channel=5|feature-persistent 7 is not 0 or 1"
)
VDEVS=(xvda xvdb xvdc xvdd xvde xvdf xvdg xvdh xvdi xvdj xvdk)

lab_brd_setup ${#CASES[@]} 8 || lab_end
disks=()
for i in "${!CASES[@]}"; do
	disks+=("$(lab_disk "/dev/ram$i" "${VDEVS[$i]}")")
done
lab_guest_create badkeys --args "vbdtest_nomod=xen_blkfront" "${disks[@]}" || lab_end
lab_guest_wait_ready badkeys || lab_end
D=$LAB_DOMID

for i in "${!CASES[@]}"; do
	words=${CASES[$i]%%|*}
	want=${CASES[$i]#*|}
	N=$(lab_devid "${VDEVS[$i]}")
	lab_wait 30 "vbd-$D-$N in InitWait" lab_be_state_is "$D" "$N" 2 ||
		{ lab_fail "${VDEVS[$i]}: backend never reached InitWait"; continue; }
	cmd=''
	for kv in $words; do
		cmd="$cmd xenstore-write device/vbd/$N/${kv%%=*} '${kv#*=}' &&"
	done
	lab_guest_cmd badkeys 30 "$cmd xenstore-write device/vbd/$N/state 3" ||
		{ lab_fail "${VDEVS[$i]}: guest could not write its frontend keys"; continue; }
	if lab_wait 30 "vbd-$D-$N closing" lab_be_state_is "$D" "$N" 5 6; then
		lab_log "${VDEVS[$i]} ($words): backend state $(lab_be_state "$D" "$N")"
	else
		lab_fail "${VDEVS[$i]} ($words): backend state $(lab_be_state "$D" "$N"), expected 5 (Closing)"
	fi
	err=$(lab_be_error "$D" "$N")
	lab_log "${VDEVS[$i]}: reason: ${err:-none}"
	case $err in
	*"$want"*) lab_log "ok: ${VDEVS[$i]}: the reason names '$want'" ;;
	*) lab_fail "${VDEVS[$i]} ($words): reason '${err:-none}' does not say '$want'" ;;
	esac
done

lab_check "dom0 toolstack still answers" sh -c 'timeout 30 xl list >/dev/null'
lab_guest_destroy badkeys
lab_brd_free
lab_brd_setup 1 64 || lab_end
lab_guest_create after "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready after || lab_end
lab_check_binding "$LAB_DOMID" "$(lab_devid xvda)"
lab_check "a new guest is served" lab_guest_cmd after 120 \
	'fio_json --name=after --filename=/dev/xvda --rw=randwrite --bs=16k --ioengine=libaio \
		--iodepth=8 --direct=1 --size=8M --verify=crc32c --verify_fatal=1'
lab_end
