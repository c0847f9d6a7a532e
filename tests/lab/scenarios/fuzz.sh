# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 10800
# check: no (hours: make fuzz runs it; make check's hostile sends 100,000)
#
# fuzz: the long fuzzing campaign (make fuzz; not in make check, whose
# hostile scenario sends 100,000). A guest without xen-blkfront runs
# vbdfront's fuzz mode (tests/hostile) until FUZZ_REQUESTS (default
# 1,000,000) seeded random and mutated requests have been answered, in
# chunks of FUZZ_CHUNK, each chunk on a fresh connection with the next of
# a cycle of configurations (both ABIs, one- to sixteen-page rings,
# persistent grants on and off, four queues) and seed FUZZ_SEED + its
# number, so that any chunk can be replayed alone. Every response must be
# the one the protocol demands. Meanwhile a second guest writes, reads back
# and compares blocks on its own disk without a single error, dom0's
# toolstack answers after every chunk, and, as in every scenario, dom0
# logs no WARNING/BUG/Oops and vbdback holds nothing once the guests are
# gone (lab_end).
#
# Replay one chunk: scripts/lab/lab.sh --env FUZZ_SEED=S --env FUZZ_REQUESTS=N
# --env FUZZ_FIRST=I fuzz (I: the chunk's number in the cycle).

FUZZ_SEED=${FUZZ_SEED:-20261204}
FUZZ_REQUESTS=${FUZZ_REQUESTS:-1000000}
FUZZ_CHUNK=${FUZZ_CHUNK:-50000}
FUZZ_FIRST=${FUZZ_FIRST:-0}
MQ_QUEUES=4
CONFIGS=("--abi 64 --order 2 --persistent 1" "--abi 32 --order 0 --persistent 0"
	"--abi 64 --order 1 --persistent 1 --queues $MQ_QUEUES"
	"--abi 32 --order 4 --persistent 1" "--abi 64 --order 0 --persistent 0")

lab_backend_param_set max_queues "$MQ_QUEUES" || lab_fail "cannot raise max_queues to $MQ_QUEUES"
lab_loop_setup 128 || lab_end
lab_brd_setup 1 64 || lab_end
lab_guest_create fuzzer --args "vbdtest_nomod=xen_blkfront" "$(lab_disk "$LAB_LOOP_DEV" xvda)" || lab_end
F=$LAB_DOMID
lab_guest_create victim "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready fuzzer || lab_end
lab_guest_wait_ready victim || lab_end
lab_check_binding "$F" "$(lab_devid xvda)"
lab_check "victim sees xvda" lab_guest_cmd victim 60 'wait_disk xvda 30'
lab_check "victim: checked I/O loop started" lab_guest_cmd victim 30 \
	'bg_start io io_loop /dev/xvda 86400'

t0=$(date +%s)
total=0
failures=0
chunk=$FUZZ_FIRST
while [ "$total" -lt "$FUZZ_REQUESTS" ]; do
	n=$((FUZZ_REQUESTS - total))
	[ "$n" -gt "$FUZZ_CHUNK" ] && n=$FUZZ_CHUNK
	cfg=${CONFIGS[$((chunk % ${#CONFIGS[@]}))]}
	seed=$((FUZZ_SEED + chunk))
	lab_vbdfront_run fuzzer "chunk $chunk: $cfg seed $seed" 1800 \
		"vbdfront $cfg fuzz --seed $seed --count $n" || failures=$((failures + 1))
	lab_assert_eq "chunk $chunk: requests fuzzed" "$LAB_FUZZ_SENT" "$n"
	failures=$((failures + LAB_FUZZ_FAILURES))
	# A chunk that sent nothing would loop for ever.
	[ "$LAB_FUZZ_SENT" -gt 0 ] || break
	total=$((total + LAB_FUZZ_SENT))
	lab_check "dom0 toolstack answers after chunk $chunk" sh -c 'timeout 30 xl list >/dev/null'
	lab_log "campaign: $total of $FUZZ_REQUESTS requests, $((($(date +%s) - t0))) s"
	chunk=$((chunk + 1))
done

if lab_guest_cmd victim 120 'io_loop_stop; bg_wait io 90'; then
	lab_log "victim: $(lab_cmd_kv io_loop_ok) verified 64 KiB writes during the campaign, $(lab_cmd_kv io_loop_errors) errors"
	lab_assert_ge "victim: verified writes during the campaign" "$(lab_cmd_kv io_loop_ok)" 1
else
	lab_fail "victim's checked I/O failed during the campaign (rc $LAB_CMD_RC, errors $(lab_cmd_kv io_loop_errors))"
fi
lab_log "fuzz: $total fuzzed requests in $(($(date +%s) - t0)) s, $failures failures"
lab_assert_ge "fuzzed requests in all" "$total" "$FUZZ_REQUESTS"
lab_assert_eq "fuzz failures in all" "$failures" 0
lab_guest_destroy fuzzer
lab_check "victim still runs" lab_guest_alive victim
lab_end
