# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 480
# check: yes (order 120)
#
# poll: polling a drained ring before asking for an event (poll_max_us).
# xvda, on brd, is created with poll_max_us=1000, xvdb, also on brd, with
# the default 0. On xvda:
# - fio crc32c verify at queue depth 1 and 16 passes while the ring is
#   polled;
# - back-to-back 4k reads at queue depth 1 make the window grow: polls
#   find requests (poll_hits grows);
# - the guest idle for 3 s: the counters stand still (no ring is polled
#   that is asleep on its event);
# - reads 5 ms apart, five times poll_max_us: the window shrinks to
#   nothing after a few misses (at most 8, from 1000 us halving below
#   10 us) instead of spinning before each of the 200 reads.
# xvdc, null_blk taking 2 ms per request, also polls: 200 reads on it spin
# at most once per request (after its answer, not while the device works).
# Its cache holds a single persistent grant, which teardown must unmap too.
# On xvdb a verify job passes and both counters stay 0. Detaching xvda
# right after a polled job must leave nothing behind.

if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "polling is vbdback's own: skipped"
	lab_end
fi

lab_brd_setup 2 96 || lab_end
lab_nullb_setup 1 irqmode=2 completion_nsec=2000000 || lab_end
# Parameters are taken when a device is created: xvda and xvdc poll, xvdb
# not.
lab_backend_param_set poll_max_us 1000 || { lab_fail "cannot set poll_max_us"; lab_end; }
lab_guest_create poll "$(lab_disk /dev/ram0 xvda)" "$(lab_disk /dev/nullb0 xvdc)" || lab_end
lab_guest_wait_ready poll || lab_end
echo 0 >"$(lab_backend_param poll_max_us)"
lab_block_attach poll "$(lab_disk /dev/ram1 xvdb)" || { lab_fail "attach xvdb"; lab_end; }
lab_check "guest sees xvda, xvdb and xvdc" lab_guest_cmd poll 60 \
	'wait_disk xvda 30 && wait_disk xvdb 30 && wait_disk xvdc 30'
D=$LAB_DOMID
SA=$(lab_be_sys "$D" "$(lab_devid xvda)")
SB=$(lab_be_sys "$D" "$(lab_devid xvdb)")
lab_check_binding "$D" "$(lab_devid xvda)"

# polls DIR: "HITS MISSES" of a device.
polls() { echo "$(cat "$1/vbdback/poll_hits") $(cat "$1/vbdback/poll_misses")"; }

# poll_job DESC VDEV FIO-ARGS: a 4k read job at queue depth 1 on VDEV; sets
# HITS and MISSES to the counters' growth over it, IOS to its reads and
# REQS to the read requests the backend took meanwhile (the guest's own
# reads, udev's, count too).
poll_job() {
	local desc=$1 vdev=$2 sys p0 p1 s0 json=$LAB_TMP/poll-$RANDOM.json
	shift 2
	sys=$(lab_be_sys "$D" "$(lab_devid "$vdev")")
	lab_stats "$D" "$(lab_devid "$vdev")"
	s0=$LAB_STATS
	p0=$(polls "$sys")
	lab_guest_cmd poll 180 "fio_json --name=poll --filename=/dev/$vdev --rw=randread --bs=4k \
		--iodepth=1 --ioengine=libaio --direct=1 --size=64M $*" ||
		{ lab_cmd_show 20; lab_fail "$desc: fio (rc $LAB_CMD_RC)"; }
	lab_cmd_json >"$json"
	p1=$(polls "$sys")
	lab_stats "$D" "$(lab_devid "$vdev")"
	REQS=$(lab_stat_delta "$s0" "$LAB_STATS" rd_req)
	HITS=$(($(echo "$p1" | cut -d' ' -f1) - $(echo "$p0" | cut -d' ' -f1)))
	MISSES=$(($(echo "$p1" | cut -d' ' -f2) - $(echo "$p0" | cut -d' ' -f2)))
	IOS=0
	lab_fio_check "$json" "$desc" && IOS=$(jq -r '[.jobs[].read.total_ios] | add' "$json")
	lab_log "$desc: $IOS reads ($REQS requests), $HITS poll hits, $MISSES misses"
}

LAB_FIO_TIMEOUT=300 lab_fio_verify poll xvda 32 --iodepth=1
lab_fio_verify poll xvda 32

poll_job "back-to-back reads" xvda --time_based --runtime=5
lab_assert_ge "back-to-back reads: polls that found a request" "$HITS" 1

sleep 1
p0=$(polls "$SA")
sleep 3
lab_assert_eq "idle guest: poll counters unchanged" "$(polls "$SA")" "$p0"

poll_job "reads 5 ms apart" xvda --number_ios=200 --thinktime=5000
lab_assert_ge "reads 5 ms apart: reads" "$IOS" 200
lab_assert_range "reads 5 ms apart: polls that found nothing" "$MISSES" 0 8

# One poll after each answer, none while a read is with the device, and
# none when the worker runs for anything else, such as the cache's idle
# check every 10 s while its one grant is unused (a job that took over 10 s
# under a slow TCG once counted two polls more than requests, most likely
# from those runs, before they stopped polling). Whether the polls hit
# depends on the guest's pace after waiting 2 ms: under plain TCG it was
# sometimes over 1 ms, and the window closed.
poll_job "reads of 2 ms" xvdc --number_ios=200
lab_assert_ge "reads of 2 ms: reads" "$IOS" 200
lab_assert_range "reads of 2 ms: polls, at most one per request" "$((HITS + MISSES))" 0 "$REQS"

lab_fio_verify poll xvdb 32
lab_assert_eq "xvdb (poll_max_us=0): poll hits and misses" "$(polls "$SB")" "0 0"

# Detach while polling may still be going on: nothing may be left.
lab_guest_cmd poll 60 'fio --name=last --filename=/dev/xvda --rw=randread --bs=4k \
	--iodepth=1 --ioengine=libaio --direct=1 --size=64M --time_based --runtime=2 >/dev/null' ||
	lab_fail "last read job on xvda (rc $LAB_CMD_RC)"
lab_check "detach xvda" lab_block_detach poll xvda
lab_wait 30 "backend of xvda gone" lab_be_gone "$D" "$(lab_devid xvda)" ||
	lab_fail "backend of xvda still there after detach"
lab_guest_destroy poll
lab_end
