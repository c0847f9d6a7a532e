# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 420
# check: yes (order 100)
#
# multiqueue: one disk served over several rings (multi-queue-max-queues /
# multi-queue-num-queues, queue-N/ring-ref and queue-N/event-channel).
# The backend's cap is set to 4 through its max_queues module parameter
# (dom0 has one vCPU here and xen-blkback's default is num_online_cpus(),
# i.e. 1) and restored at the end; the backend must then advertise
# multi-queue-max-queues >= 2.
# Guest "mq2" (2 vCPUs, xen_blkfront.max_queues=2) must write
# multi-queue-num-queues=2 with queue-0/ and queue-1/, have two blk-mq
# hardware queues, and a fio verify job pinned to each vCPU must put I/O
# on both rings (each ring's blkif interrupt count in the guest grows).
# Guest "mq1" (2 vCPUs, xen_blkfront.max_queues=1): one ring, no
# multi-queue-num-queues (or 1), one hardware queue. fio verify passes on both.
#
# vbdback contract: the writable module parameter
# /sys/module/vbdback/parameters/max_queues, read when a backend device is
# probed, and multi-queue-max-queues advertised from it.

MIB=24
lab_brd_setup 2 64 || lab_end
XVDA=$(lab_devid xvda)
if ! lab_backend_param_set max_queues 4; then
	lab_fail "cannot set $(lab_backend_param max_queues) (the backend needs a writable max_queues parameter)"
fi

# fio_verify NAME JOBS-ARGS: a verify job in the guest; fails the scenario on error.
fio_verify() {
	local g=$1 json=$LAB_TMP/multiqueue-$1.json
	shift
	lab_guest_cmd "$g" 300 "fio_json --filename=/dev/xvda --rw=randwrite --bsrange=4k-64k \
		--ioengine=libaio --iodepth=8 --direct=1 --verify=crc32c --verify_fatal=1 --do_verify=1 $*"
	lab_assert_eq "$g: fio verify exit status" "$LAB_CMD_RC" 0 || lab_cmd_show 20
	lab_assert_eq "$g: fio verify messages" "$(lab_cmd_kv fio_verify_msgs)" ""
	lab_cmd_json >"$json"
	lab_fio_check "$json" "$g: fio verify" && lab_fio_summary "$json" | sed "s/^/[$LAB_SCENARIO] $g fio /"
}

# --- one ring ----------------------------------------------------------
# The guests run one after the other, both vCPUs on pCPU 1, out of dom0's
# way. (Sharing a pCPU corrupted vector registers while the lab's CPU had
# XSAVE; scripts/lab/lab.sh turns it off.)
lab_guest_create mq1 --vcpus 2 --cpus 1 --args "xen_blkfront.max_queues=1" "$(lab_disk /dev/ram1 xvda)" || lab_end
D1=$LAB_DOMID
lab_guest_wait_ready mq1 || lab_end
BE=$(lab_be_xs "$D1" "$XVDA")
FE=$(lab_fe_xs "$D1" "$XVDA")
lab_check_binding "$D1" "$XVDA"
lab_check "mq1: guest sees xvda" lab_guest_cmd mq1 60 'wait_disk xvda 30'
lab_assert_ge "mq1: backend multi-queue-max-queues" "$(lab_xs_read "$BE/multi-queue-max-queues")" 2
lab_assert_eq "mq1: backend state" "$(lab_xs_read "$BE/state")" 4
n=$(lab_xs_read "$FE/multi-queue-num-queues")
lab_check "mq1: frontend multi-queue-num-queues absent or 1 (${n:-absent})" test "${n:-1}" = 1
for k in ring-ref event-channel; do
	v=$(lab_xs_read "$FE/$k")
	lab_check "mq1: frontend $k (${v:-missing})" lab_is_int "$v"
done
lab_check "mq1: no queue-1/ directory" sh -c "! timeout 10 xenstore-exists $FE/queue-1"
lab_guest_cmd mq1 30 'kv param "$(cat /sys/module/xen_blkfront/parameters/max_queues)"
	kv hctx "$(ls /sys/block/xvda/mq | wc -l)"
	kv rings "$(irq_counts blkif | wc -l)"'
lab_assert_eq "mq1: guest xen_blkfront.max_queues" "$(lab_cmd_kv param)" 1
lab_assert_eq "mq1: guest /sys/block/xvda/mq entries" "$(lab_cmd_kv hctx)" 1
lab_assert_eq "mq1: guest blkif interrupts (one ring)" "$(lab_cmd_kv rings)" 1
fio_verify mq1 --name=cpu0 --cpus_allowed=0 --offset=0 --size=${MIB}M \
	--name=cpu1 --cpus_allowed=1 --offset=32M --size=${MIB}M
lab_guest_destroy mq1

# --- two rings ---------------------------------------------------------
lab_guest_create mq2 --vcpus 2 --cpus 1 --args "xen_blkfront.max_queues=2" "$(lab_disk /dev/ram0 xvda)" || lab_end
D2=$LAB_DOMID
lab_guest_wait_ready mq2 || lab_end
BE=$(lab_be_xs "$D2" "$XVDA")
FE=$(lab_fe_xs "$D2" "$XVDA")
lab_check_binding "$D2" "$XVDA"
lab_check "mq2: guest sees xvda" lab_guest_cmd mq2 60 'wait_disk xvda 30'
lab_assert_ge "mq2: backend multi-queue-max-queues" "$(lab_xs_read "$BE/multi-queue-max-queues")" 2
lab_assert_eq "mq2: backend state" "$(lab_xs_read "$BE/state")" 4
lab_assert_eq "mq2: frontend multi-queue-num-queues" "$(lab_xs_read "$FE/multi-queue-num-queues")" 2
for q in 0 1; do
	for k in ring-ref event-channel; do
		v=$(lab_xs_read "$FE/queue-$q/$k")
		lab_check "mq2: frontend queue-$q/$k (${v:-missing})" lab_is_int "$v"
	done
done
lab_check "mq2: no single-ring ring-ref next to queue-N/" sh -c "! timeout 10 xenstore-exists $FE/ring-ref"

lab_guest_cmd mq2 30 'kv param "$(cat /sys/module/xen_blkfront/parameters/max_queues)"
	kv cpus "$(grep -c ^processor /proc/cpuinfo)"
	kv hctx "$(ls /sys/block/xvda/mq | wc -l)"
	kv rings "$(irq_counts blkif | wc -l)"
	irq_counts blkif'
lab_cmd_show 10
lab_assert_eq "mq2: guest vCPUs" "$(lab_cmd_kv cpus)" 2
lab_assert_eq "mq2: guest xen_blkfront.max_queues" "$(lab_cmd_kv param)" 2
lab_assert_eq "mq2: guest /sys/block/xvda/mq entries" "$(lab_cmd_kv hctx)" 2
lab_assert_eq "mq2: guest blkif interrupts (one per ring)" "$(lab_cmd_kv rings)" 2

# Per-ring completion interrupts and (informational) blk-mq debugfs runs,
# before and after one job pinned to each vCPU: both rings must carry I/O.
RINGS='irq_counts blkif | while read -r irq n; do echo "VBDTEST-KV ring_$irq=$n"; done
	for h in /sys/kernel/debug/block/xvda/hctx*; do
		[ -r "$h/run" ] && echo "VBDTEST-KV ${h##*/}_run=$(cat "$h/run")"; done
	true'
lab_guest_cmd mq2 30 "$RINGS"
before=$(grep '^VBDTEST-KV ' "$LAB_CMD_OUT" | sed 's/^VBDTEST-KV //' | tr '\n' ' ')
fio_verify mq2 --name=cpu0 --cpus_allowed=0 --offset=0 --size=${MIB}M \
	--name=cpu1 --cpus_allowed=1 --offset=32M --size=${MIB}M
lab_guest_cmd mq2 30 "$RINGS"
after=$(grep '^VBDTEST-KV ' "$LAB_CMD_OUT" | sed 's/^VBDTEST-KV //' | tr '\n' ' ')
lab_log "mq2: before: $before"
lab_log "mq2: after:  $after"
busy=0
for kv in $after; do
	case ${kv%%=*} in
	ring_*)
		delta=$(lab_stat_delta "$before" "$after" "${kv%%=*}")
		lab_assert_ge "mq2: completions on ring ${kv%%=*} during the pinned jobs" "$delta" 1 && busy=$((busy + 1))
		;;
	esac
done
lab_assert_eq "mq2: rings that carried I/O" "$busy" 2

lab_end
