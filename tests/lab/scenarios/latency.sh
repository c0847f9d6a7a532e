# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 360
# check: yes (order 180)
#
# latency: the per-device latency histograms, in-flight gauge and
# tracepoints. xvda is a loop device over a tmpfs file (it takes flushes and
# discards). The guest reads 2048 x 4 KiB at queue depth 8, writes 1024 x
# 4 KiB with an fsync every 32, and discards 16 MiB. Each histogram
# (latency/read, write, flush, discard) must have grown by exactly as many
# requests as the matching xentop counter (rd_req, wr_req, f_req, ds_req),
# with plausible times (none under 4 us, none over 1 s). xvdb is a null_blk
# device whose requests take 2 ms on a timer: during 10 s of reads at depth 8
# on it, vbdback/inflight must show 2 to 8 reads in flight (the emulated
# guest's own time per request keeps the rest of its 8 in the guest), and
# "0 0" after. With the vbdback tracepoints enabled, a 512-read job must
# give as many received as answered events, as many submitted as completed,
# and one request's four events in order with the same id.

if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "latency histograms, in-flight gauge and tracepoints are vbdback's own: skipped"
	lab_end
fi

TRACE=/sys/kernel/tracing
# The four histograms, each as the sum of its buckets, then the buckets.
lat_sum() { awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }' "$SYS/latency/$1"; }

lab_loop_setup 64 || lab_end
lab_nullb_setup 1 irqmode=2 completion_nsec=2000000 || lab_end
lab_guest_create latency "$(lab_disk "$LAB_LOOP_DEV" xvda)" "$(lab_disk /dev/nullb0 xvdb)" || lab_end
lab_guest_wait_ready latency || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
SYS=$(lab_be_sys "$D" "$N")
lab_check_binding "$D" "$N"
lab_check "guest sees xvda and xvdb" lab_guest_cmd latency 60 'wait_disk xvda 30 && wait_disk xvdb 30'
SYSB=$(lab_be_sys "$D" "$(lab_devid xvdb)")
for f in read write flush discard; do
	lab_assert_eq "latency/$f has 24 buckets" "$(wc -w <"$SYS/latency/$f")" 24
done
lab_assert_eq "vbdback/inflight when idle" "$(cat "$SYS/vbdback/inflight")" "0 0"

lab_stats "$D" "$N" || lab_end
s0=$LAB_STATS
declare -A h0 h1
for f in read write flush discard; do h0[$f]=$(lat_sum "$f"); done
rd0=$(cat "$SYS/latency/read")

# --- the gauge, sampled during reads that wait on a timer --------------
(
	end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ]; do
		cat "$SYSB/vbdback/inflight"
		sleep 0.2
	done
) >"$LAB_TMP/inflight.txt" 2>/dev/null &
sampler=$!
lab_guest_cmd latency 120 'fio_json --name=inf --filename=/dev/xvdb --rw=randread --bs=4k \
	--iodepth=8 --ioengine=libaio --direct=1 --time_based --runtime=10' ||
	{ lab_cmd_show 20; lab_fail "fio job on xvdb (rc $LAB_CMD_RC)"; }
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
lab_cmd_json >"$LAB_TMP/lat-inf.json"
lab_fio_check "$LAB_TMP/lat-inf.json" "fio job on xvdb"
lab_log "$(lab_fio_summary "$LAB_TMP/lat-inf.json")"
maxrd=$(awk '$1 > m { m = $1 } END { print m + 0 }' "$LAB_TMP/inflight.txt")
maxwr=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$LAB_TMP/inflight.txt")
lab_log "in-flight reads: at most $maxrd over $(wc -l <"$LAB_TMP/inflight.txt") samples"
lab_assert_range "most reads seen in flight at depth 8" "$maxrd" 2 8
lab_assert_eq "writes seen in flight during reads" "$maxwr" 0
lab_assert_eq "xvdb vbdback/inflight after the job" "$(cat "$SYSB/vbdback/inflight")" "0 0"

# --- reads at depth 8 --------------------------------------------------
lab_guest_cmd latency 180 'fio_json --name=rd --filename=/dev/xvda --rw=randread --bs=4k \
	--io_size=8M --iodepth=8 --ioengine=libaio --direct=1' ||
	{ lab_cmd_show 20; lab_fail "fio read job (rc $LAB_CMD_RC)"; }
lab_cmd_json >"$LAB_TMP/lat-rd.json"
lab_fio_check "$LAB_TMP/lat-rd.json" "fio read job"
lab_log "$(lab_fio_summary "$LAB_TMP/lat-rd.json")"

# --- writes with fsync, then a discard ---------------------------------
lab_guest_cmd latency 180 'fio_json --name=wr --filename=/dev/xvda --rw=randwrite --bs=4k \
	--io_size=4M --iodepth=1 --ioengine=psync --direct=1 --fsync=32' ||
	{ lab_cmd_show 20; lab_fail "fio write job (rc $LAB_CMD_RC)"; }
lab_cmd_json >"$LAB_TMP/lat-wr.json"
lab_fio_check "$LAB_TMP/lat-wr.json" "fio write job"
lab_check "guest blkdiscard of 16 MiB" lab_guest_cmd latency 60 \
	'blkdiscard -o 0 -l 16777216 /dev/xvda'
lab_stats "$D" "$N"
s1=$LAB_STATS
for f in read write flush discard; do h1[$f]=$(lat_sum "$f"); done
rd1=$(cat "$SYS/latency/read")
lab_log "latency/read before: $rd0"
lab_log "latency/read after:  $rd1"
lab_log "latency/write: $(cat "$SYS/latency/write")"
lab_log "latency/flush: $(cat "$SYS/latency/flush")"

lab_assert_ge "rd_req delta" "$(lab_stat_delta "$s0" "$s1" rd_req)" 2048
lab_assert_eq "latency/read delta = rd_req delta" $((h1[read] - h0[read])) \
	"$(lab_stat_delta "$s0" "$s1" rd_req)"
lab_assert_ge "wr_req delta" "$(lab_stat_delta "$s0" "$s1" wr_req)" 1024
lab_assert_eq "latency/write delta = wr_req delta" $((h1[write] - h0[write])) \
	"$(lab_stat_delta "$s0" "$s1" wr_req)"
# The block layer may merge a flush into one already pending.
lab_assert_ge "f_req delta (fsync every 32 writes)" "$(lab_stat_delta "$s0" "$s1" f_req)" 16
lab_assert_eq "latency/flush delta = f_req delta" $((h1[flush] - h0[flush])) \
	"$(lab_stat_delta "$s0" "$s1" f_req)"
lab_assert_ge "ds_req delta" "$(lab_stat_delta "$s0" "$s1" ds_req)" 1
lab_assert_eq "latency/discard delta = ds_req delta" $((h1[discard] - h0[discard])) \
	"$(lab_stat_delta "$s0" "$s1" ds_req)"
# Under emulation no read is served in under 4 us, and none takes 1 s.
fast=$(paste -d' ' <(echo "$rd0") <(echo "$rd1") |
	awk '{ n = NF / 2; print ($(n + 1) - $1) + ($(n + 2) - $2) }')
slow=$(paste -d' ' <(echo "$rd0") <(echo "$rd1") |
	awk '{ n = NF / 2; s = 0; for (i = 21; i <= n; i++) s += $(n + i) - $i; print s }')
lab_assert_eq "reads under 4 us (buckets 0-1)" "$fast" 0
lab_assert_eq "reads over 1 s (buckets 20-23)" "$slow" 0

# --- tracepoints -------------------------------------------------------
mountpoint -q "$TRACE" || mount -t tracefs tracefs "$TRACE" 2>/dev/null
if lab_check "tracefs has the vbdback events" test -d "$TRACE/events/vbdback"; then
	lab_log "events: $(cd "$TRACE/events/vbdback" && echo vbdback_*)"
	echo 8192 >"$TRACE/buffer_size_kb"
	: >"$TRACE/trace"
	echo 1 >"$TRACE/events/vbdback/enable"
	lab_guest_cmd latency 120 'fio_json --name=tr --filename=/dev/xvda --rw=randread --bs=4k \
		--io_size=2M --iodepth=1 --ioengine=psync --direct=1' ||
		{ lab_cmd_show 20; lab_fail "fio traced job (rc $LAB_CMD_RC)"; }
	echo 0 >"$TRACE/events/vbdback/enable"
	cat "$TRACE/trace" >"$LAB_TMP/trace.txt"
	: >"$TRACE/trace"
	declare -A ev
	for e in received submitted completed answered; do
		ev[$e]=$(grep -c "vbdback_req_$e: vbd-$D-$N " "$LAB_TMP/trace.txt")
	done
	lab_log "trace events: received ${ev[received]} submitted ${ev[submitted]}" \
		"completed ${ev[completed]} answered ${ev[answered]}"
	lab_assert_ge "traced requests received" "${ev[received]}" 512
	lab_assert_eq "traced requests answered = received" "${ev[answered]}" "${ev[received]}"
	lab_assert_eq "traced requests completed = submitted" "${ev[completed]}" "${ev[submitted]}"
	lab_assert_ge "traced requests submitted" "${ev[submitted]}" 512
	id=$(grep -m1 -o "vbdback_req_received: vbd-$D-$N q0 id=[0-9]*" "$LAB_TMP/trace.txt" |
		sed 's/.*id=//')
	order=$(grep -E "vbd-$D-$N q0 id=$id( |$)" "$LAB_TMP/trace.txt" |
		sed -n 's/.*vbdback_req_\([a-z]*\):.*/\1/p' | head -n 4 | tr '\n' ' ')
	lab_assert_eq "request id=$id's events in order" "$order" \
		"received submitted completed answered "
	grep -m1 "vbdback_req_answered: vbd-$D-$N " "$LAB_TMP/trace.txt" | sed 's/^ */  trace: /'
	lab_assert_eq "trace-cmd lists the vbdback events" \
		"$(timeout 60 trace-cmd list -e vbdback_req 2>/dev/null | grep -c '^vbdback:vbdback_req_')" 4
	lab_assert_eq "perf lists the vbdback events" \
		"$(timeout 60 perf list 'vbdback:*' 2>/dev/null | grep -c 'vbdback:vbdback_req_')" 4
fi

lab_guest_destroy latency
lab_end
