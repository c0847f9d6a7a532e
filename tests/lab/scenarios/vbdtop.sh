# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 420
# check: yes (order 200)
#
# vbdtop: tools/vbdtop, run in dom0 as `vbdtop -j -d 3`, reports what the
# guest's fio reports. The guest "topguest" runs two rate-limited jobs on
# xvda (a brd disk), each for 18 s: 4 KiB random reads at 200 IOPS, then
# 64 KiB sequential reads at 4 MiB/s (both direct, libaio, with merging
# off in the guest so that one fio I/O is one backend request). Over the
# 3 s intervals that lie wholly inside a job (those with reads both before
# and after them), vbdtop's mean read IOPS and MB/s must be within 10% of
# fio's, the row must carry the guest's name and "xvda", and its latency
# and in-flight fields must be there exactly when the backend has latency/
# and vbdback/inflight in sysfs (null otherwise, as for xen-blkback).
# A batch run (-b) must show the same row as plain text.

VBDTOP=$LAB_REPO/tools/vbdtop/build/vbdtop
GUEST=topguest
RUNTIME=18
INTERVAL=3
TOL=100		# permille

if [ ! -x "$VBDTOP" ]; then
	lab_fail "no $VBDTOP (make tools)"
	lab_end
fi
lab_brd_setup 1 256 || lab_end
lab_guest_create "$GUEST" "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready "$GUEST" || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
SYS=$(lab_be_sys "$D" "$N")
lab_check_binding "$D" "$N"
lab_check "guest sees xvda" lab_guest_cmd "$GUEST" 60 'wait_disk xvda 30'
lab_check "merging off on the guest's xvda" lab_guest_cmd "$GUEST" 30 \
	'echo 2 >/sys/block/xvda/queue/nomerges && cat /sys/block/xvda/queue/nomerges'

# vbdtop_rows JSONL: this VBD's fields per interval, tab-separated:
# interval read_iops read_mbs p99_us inflight name dev ("-" for null).
vbdtop_rows() {
	jq -r --argjson d "$D" --argjson n "$N" '. as $f | .devices[] |
		select(.domid == $d and .devid == $n) |
		[$f.interval, .read_iops, .read_mbs, (.p99_us // "-"),
		 (.inflight // "-"), .name, .dev] | @tsv' "$1"
}

# vbdtop_full ROWS: over the intervals wholly inside the job, print
# "COUNT MEAN_IOPS MEAN_MBS WITH_P99 WITH_INFLIGHT" (means weighted by
# each interval's length).
vbdtop_full() {
	awk -F '\t' '
		{ iv[NR] = $1; io[NR] = $2; mb[NR] = $3; p99[NR] = $4; inf[NR] = $5 }
		$2 > 0 { if (!first) first = NR; last = NR }
		END {
			for (i = first + 1; i < last; i++) {
				n++; t += iv[i]; si += io[i] * iv[i]; sm += mb[i] * iv[i]
				if (p99[i] != "-") np++
				if (inf[i] != "-") ni++
			}
			if (n) printf "%d %.2f %.4f %d %d\n", n, si / t, sm / t, np, ni
			else print "0 0 0 0 0"
		}' "$1"
}

# permille A B: A / B in thousandths, rounded.
permille() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%d\n", a / b * 1000 + 0.5; else print "?" }'
}

# run_job NAME FIO-ARGS: fio in the guest with vbdtop running in dom0,
# then vbdtop's figures against fio's.
run_job() {
	local job=$1 args=$2 out=$LAB_TMP/vbdtop-$1 pid rc json fio_iops fio_mbs
	local full n iops mbs np ni
	"$VBDTOP" -j -d "$INTERVAL" >"$out.jsonl" 2>"$out.err" &
	pid=$!
	lab_guest_cmd "$GUEST" $((RUNTIME + 90)) "fio_json --name=$job --filename=/dev/xvda $args \
		--ioengine=libaio --iodepth=4 --direct=1 --time_based --runtime=$RUNTIME --size=200M" ||
		{ lab_cmd_show 20; lab_fail "$job: fio (rc $LAB_CMD_RC)"; }
	json=$out.json
	lab_cmd_json >"$json"
	# One more interval, so that the one where fio ended is printed too.
	sleep $((INTERVAL + 1))
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	lab_assert_eq "$job: vbdtop exit status after SIGTERM" "$rc" 0
	lab_assert_eq "$job: vbdtop messages (xenstore reachable)" "$(head -c 300 "$out.err")" ""
	lab_fio_check "$json" "$job: fio" || return 1
	lab_fio_summary "$json" | sed "s/^/[$LAB_SCENARIO] fio /"

	vbdtop_rows "$out.jsonl" >"$out.rows"
	lab_log "$job: vbdtop rows (interval read_iops read_mbs p99_us inflight name dev):"
	sed 's/^/  | /' "$out.rows"
	lab_assert_eq "$job: vbdtop guest name" "$(cut -f6 "$out.rows" | sort -u | tr '\n' ' ')" "$GUEST "
	lab_assert_eq "$job: vbdtop device" "$(cut -f7 "$out.rows" | sort -u | tr '\n' ' ')" "xvda "

	full=$(vbdtop_full "$out.rows")
	read -r n iops mbs np ni <<<"$full"
	lab_assert_ge "$job: vbdtop intervals wholly inside the job" "$n" 3
	fio_iops=$(jq -r '.jobs[0].read.iops' "$json")
	fio_mbs=$(jq -r '.jobs[0].read.bw_bytes / 1000000' "$json")
	lab_log "$job: read IOPS fio $fio_iops vbdtop $iops; read MB/s fio $fio_mbs vbdtop $mbs ($n intervals)"
	lab_assert_range "$job: vbdtop read IOPS / fio read IOPS (permille)" \
		"$(permille "$iops" "$fio_iops")" $((1000 - TOL)) $((1000 + TOL))
	lab_assert_range "$job: vbdtop read MB/s / fio read MB/s (permille)" \
		"$(permille "$mbs" "$fio_mbs")" $((1000 - TOL)) $((1000 + TOL))
	VBDTOP_FIGURES="$VBDTOP_FIGURES $job: IOPS fio $(printf '%.1f' "$fio_iops") vbdtop $iops,"
	VBDTOP_FIGURES="$VBDTOP_FIGURES MB/s fio $(printf '%.3f' "$fio_mbs") vbdtop $mbs;"

	# Latency and in-flight: there exactly when the backend has them.
	if [ -f "$SYS/latency/read" ]; then
		lab_assert_eq "$job: p99 in every full interval (latency/ present)" "$np" "$n"
	else
		lab_assert_eq "$job: p99 null without latency/" "$np" 0
	fi
	if [ -f "$SYS/vbdback/inflight" ]; then
		lab_assert_eq "$job: in-flight in every full interval (vbdback/inflight present)" "$ni" "$n"
	else
		lab_assert_eq "$job: in-flight null without vbdback/inflight" "$ni" 0
	fi
}

VBDTOP_FIGURES=
[ -f "$SYS/latency/read" ] || lab_note "$SYS has no latency/: vbdtop shows no percentiles (checked)"
[ -f "$SYS/vbdback/inflight" ] || lab_note "$SYS has no vbdback/inflight: vbdtop shows no in-flight count (checked)"
run_job rand4k "--rw=randread --bs=4k --rate_iops=200"
run_job seq64k "--rw=read --bs=64k --rate=4m"
lab_log "figures:$VBDTOP_FIGURES"
lab_note "fio vs vbdtop:$VBDTOP_FIGURES"

# Batch mode: the same row as plain text, no terminal escapes.
if timeout 30 "$VBDTOP" -b -n 1 -d 1 >"$LAB_TMP/vbdtop-batch.txt" 2>&1; then
	sed 's/^/  | /' "$LAB_TMP/vbdtop-batch.txt"
	lab_check "batch row: domain $D, $GUEST, xvda" \
		grep -qE "^ *$D $GUEST +xvda " "$LAB_TMP/vbdtop-batch.txt"
	if grep -q $'\033' "$LAB_TMP/vbdtop-batch.txt"; then
		lab_fail "batch output has terminal escapes"
	else
		lab_log "ok: batch output has no escapes"
	fi
else
	lab_fail "vbdtop -b -n 1 failed: $(head -c 300 "$LAB_TMP/vbdtop-batch.txt")"
fi
lab_end
