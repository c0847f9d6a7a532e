#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: stock xen-blkback against vbdback in one lab boot under QEMU's
# deterministic virtual time (-icount), then the comparison as a table on
# the terminal, CSV, JSON and a PNG chart in build/bench/<UTC time>/.
#
# usage: scripts/bench.sh [MODULE]     (MODULE: vbdback.ko, default the build's)
#
# Settings from the environment (make bench VAR=...):
#   BENCH_PROFILES   qd1 qd32 qd32x2 randwrite write64k seqread seqwrite fileserver
#                    cap4k cap64k (dom0-bound: dom0 capped around the run);
#                    not by default: multi (BENCH_MULTI_GUESTS guests at
#                    once, default 4, each on a null_blk of its own, capped)
#   BENCH_DEVICES    nullb brd (also: lvm, a linear LV over a brd disk; iscsi,
#                    a LIO LUN on a brd disk over loopback, open-iscsi)
#   BENCH_CAP_PCT    dom0's cap for cap4k and cap64k, % of a CPU (default 5)
#   BENCH_RUNTIME    seconds of fio per run (default 2; virtual time)
#   BENCH_ROUNDS     rounds of stock then vbdback (default 2, at least 1)
#   BENCH_SIZE_MIB   the part of the device fio works on (default 256)
#   FIO_JOB          a fio job file of your own instead of the profiles;
#                    the guest's disk is /dev/xvda (BENCH_JOB_VCPUS: 1 or 2)
#   BENCH_ICOUNT     icount shift: a guest ns per 2^N instructions (default 1)
#   BENCH_TIMEOUT    the boot's hard limit in seconds (default: from the above)
#   BENCH_OUT        results directory (default build/bench/<UTC time>)
#   BENCH_VBD_PARAMS vbdback's module parameters for its turns, as
#                    "NAME=VALUE ..." (e.g. poll_max_us=500); stock runs
#                    with its defaults
#   BENCH_GUEST_ARGS the guest kernel's extra command line, for both
#                    backends (e.g. xen_blkfront.feature_persistent=0)
#   BENCH_INSNPROF   1: also count, with a QEMU plugin (tools/insnprof), the
#                    instructions each run executes per function, in dom0,
#                    the guest and Xen; scripts/insnprof-report.py then shows
#                    where the two backends differ per I/O (insnprof.txt).
#
# Only the summary needs the lab: scripts/bench.sh --report DIR makes the
# table, CSV, JSON and chart again from DIR/lab/bench/raw.csv.

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
	echo "bench: $*" >&2
	exit 1
}

# ------------------------------------------------------------------------
# The summary (summary.csv, results.json, table.txt, table.rst, bench.png)
# is scripts/bench-report.py's, from raw.csv's columns by name.
report() {
	local dir=$1 raw=$1/lab/bench/raw.csv
	[ -f "$raw" ] && [ "$(wc -l <"$raw")" -gt 1 ] || { echo "bench: no runs in $raw"; return 1; }
	cp "$raw" "$dir/raw.csv"
	python3 "$REPO/scripts/bench-report.py" "$dir" || { echo "bench: the report failed"; return 1; }
	if [ -d "$dir/lab/insnprof" ]; then
		"$REPO/scripts/insnprof-report.py" "$dir" >"$dir/insnprof.log" 2>&1 ||
			echo "bench: the instruction profile report failed ($dir/insnprof.log)"
		tail -n 1 "$dir/insnprof.log"
	fi
	echo "bench: results in $dir (raw.csv, summary.csv, results.json, table.txt, table.rst$([ -f "$dir/bench.png" ] && echo ', bench.png'))"
}

if [ "${1:-}" = --report ]; then
	[ -d "${2:-}" ] || die "usage: $0 --report DIR"
	report "$2"
	exit
fi

# ------------------------------------------------------------------------
# The run

MODULE=${1:-$REPO/drivers/block/vbdback/vbdback.ko}
[ -f "$MODULE" ] || die "no $MODULE (make module)"
PROFILES=${BENCH_PROFILES:-qd1 qd32 qd32x2 randwrite write64k seqread seqwrite fileserver cap4k cap64k}
CAP=${BENCH_CAP_PCT:-5}
MULTI=${BENCH_MULTI_GUESTS:-4}
DEVICES=${BENCH_DEVICES:-nullb brd}
RUNTIME=${BENCH_RUNTIME:-2}
ROUNDS=${BENCH_ROUNDS:-2}
SIZE=${BENCH_SIZE_MIB:-256}
SHIFT=${BENCH_ICOUNT:-1}
JOB_VCPUS=${BENCH_JOB_VCPUS:-1}
INSNPROF=${BENCH_INSNPROF:-0}
VBD_PARAMS=${BENCH_VBD_PARAMS:-}
GUEST_ARGS=${BENCH_GUEST_ARGS:-}
[[ $RUNTIME =~ ^[0-9]+$ ]] && [ "$RUNTIME" -ge 1 ] || die "bad BENCH_RUNTIME '$RUNTIME'"
[[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] || die "bad BENCH_ROUNDS '$ROUNDS'"
[[ $SIZE =~ ^[0-9]+$ ]] && [ "$SIZE" -ge 16 ] && [ "$SIZE" -le 1024 ] || die "bad BENCH_SIZE_MIB '$SIZE' (16-1024)"
[[ $SHIFT =~ ^[0-9]+$ ]] || die "bad BENCH_ICOUNT '$SHIFT'"
[[ $MULTI =~ ^[1-8]$ ]] || die "bad BENCH_MULTI_GUESTS '$MULTI' (1-8)"
[[ $CAP =~ ^[0-9]+$ ]] && [ "$CAP" -ge 1 ] && [ "$CAP" -le 100 ] || die "bad BENCH_CAP_PCT '$CAP' (1-100)"
[[ $JOB_VCPUS =~ ^[12]$ ]] || die "bad BENCH_JOB_VCPUS '$JOB_VCPUS' (1 or 2)"
for d in $DEVICES; do
	case $d in nullb|brd|lvm|iscsi) ;; *) die "bad device '$d' in BENCH_DEVICES (nullb, brd, lvm, iscsi)" ;; esac
done
for p in $GUEST_ARGS; do
	[[ $p =~ ^[a-z_.]+=[A-Za-z0-9]+$ ]] || die "bad '$p' in BENCH_GUEST_ARGS (name=value)"
done
for p in $VBD_PARAMS; do
	[[ $p =~ ^[a-z_]+=[A-Za-z0-9]+$ ]] || die "bad '$p' in BENCH_VBD_PARAMS (NAME=VALUE)"
done
LAB_ARGS=()
case $INSNPROF in
0) ;;
1)	command -v python3 >/dev/null || die "BENCH_INSNPROF=1 needs python3"
	make -s -C "$REPO/tools/insnprof" || die "cannot build tools/insnprof"
	LAB_ARGS+=(--insnprof "$REPO/tools/insnprof/build/insnprof.so") ;;
*) die "bad BENCH_INSNPROF '$INSNPROF' (0 or 1)" ;;
esac
ENV=()
if [ -n "${FIO_JOB:-}" ]; then
	[ -f "$FIO_JOB" ] || die "no fio job file '$FIO_JOB'"
	# a xenstore value at a time carries it to the guest: keep it small
	[ "$(stat -c %s "$FIO_JOB")" -le 32768 ] || die "$FIO_JOB is over 32 KiB"
	PROFILES=job
	ENV+=(--env "BENCH_JOB_B64=$(base64 -w0 <"$FIO_JOB")" --env "BENCH_JOB_VCPUS=$JOB_VCPUS")
fi
ENV+=(--env "BENCH_PROFILES=$PROFILES" --env "BENCH_DEVICES=$DEVICES"
	--env "BENCH_RUNTIME=$RUNTIME" --env "BENCH_ROUNDS=$ROUNDS" --env "BENCH_SIZE_MIB=$SIZE"
	--env "BENCH_VBD_PARAMS=$VBD_PARAMS" --env "BENCH_GUEST_ARGS=$GUEST_ARGS"
	--env "BENCH_CAP_PCT=$CAP" --env "BENCH_MULTI_GUESTS=$MULTI")

# The boot's hard limit from what it runs (measured under icount on two
# cores: dom0 up and the ramdisk filled ~3 min, a guest booted and gone
# ~2 min, a device swapped ~30 s, a fio run ~RUNTIME x 8 + 25 s of real
# time), doubled against a slower or busier machine.
nprof=$(echo "$PROFILES" | wc -w)
ndev=$(echo "$DEVICES" | wc -w)
per_run=$((RUNTIME * 8 + 25))
[ "$PROFILES" = job ] && per_run=$((RUNTIME * 8 + 300))
# profile multi: its guests booted and gone, one fio run (~2 min each)
nmulti=0
case " $PROFILES " in *" multi "*) nmulti=$MULTI nprof=$((nprof - 1)) ;; esac
est=$((180 + ROUNDS * 2 * (120 + nmulti * 120 + ndev * (30 + RUNTIME * 5 + 15 + nprof * per_run))))
TIMEOUT=${BENCH_TIMEOUT:-$((est * 2))}

STAMP=$(date -u +%Y%m%d-%H%M%S)
DIR=${BENCH_OUT:-$REPO/build/bench/$STAMP}
mkdir -p "$DIR" || die "cannot create $DIR"
DIR=$(cd "$DIR" && pwd)
what=$PROFILES
[ "$PROFILES" = job ] && what="job $(basename "$FIO_JOB")"
printf '%s; %s; %s s x %s rounds%s\n' "$DEVICES" "$what" "$RUNTIME" "$ROUNDS" \
	"${VBD_PARAMS:+; vbdback $VBD_PARAMS}${GUEST_ARGS:+; guest $GUEST_ARGS}" >"$DIR/title.txt"
[ "$PROFILES" = job ] && cp "$FIO_JOB" "$DIR/job.fio"
jq -n --arg date "$(date -u +%FT%TZ)" --arg commit "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)" \
	--arg mod "$(sha256sum "$MODULE" | cut -c1-16)" --arg profiles "$PROFILES" \
	--arg devices "$DEVICES" --argjson runtime "$RUNTIME" --argjson rounds "$ROUNDS" \
	--argjson size_mib "$SIZE" --argjson icount_shift "$SHIFT" --arg fio_job "${FIO_JOB:-}" \
	--argjson insnprof "$INSNPROF" --arg vbd_params "$VBD_PARAMS" --arg guest_args "$GUEST_ARGS" \
	--argjson cap_pct "$CAP" \
	'{date: $date, commit: $commit, module_sha256: $mod, profiles: $profiles,
	  devices: $devices, runtime_s: $runtime, rounds: $rounds, size_mib: $size_mib,
	  icount_shift: $icount_shift, fio_job: $fio_job, insnprof: $insnprof,
	  vbd_params: $vbd_params, guest_args: $guest_args, cap_pct: $cap_pct}' >"$DIR/meta.json"

echo "bench: $(cat "$DIR/title.txt"), icount shift $SHIFT, timeout ${TIMEOUT}s (estimate ${est}s)"
start=$(date +%s)
"$REPO/scripts/lab/lab.sh" --module "$MODULE" --icount="$SHIFT" --timeout "$TIMEOUT" \
	--out "$DIR/lab" "${LAB_ARGS[@]}" "${ENV[@]}" bench >"$DIR/lab.log" 2>&1 &
lab=$!
# progress: each run's one-line result as dom0 logs it, until the lab ends
tail -q -n +1 -F --pid="$lab" "$DIR/lab.log" "$DIR/lab/scenarios/bench.log" 2>/dev/null |
	grep --line-buffered -E '^\[bench\] (r[0-9]+ |round |backend now|FAIL|note)|^lab: (waiting|backend)'
wait "$lab"
rc=$?
grep -E '^(lab: (QEMU|results|global)|LAB:)' "$DIR/lab.log"
echo "bench: lab ended after $(($(date +%s) - start))s (exit $rc)"
report "$DIR" || exit 1
[ "$rc" = 0 ] || { echo "bench: the lab run failed: the figures above are partial"; exit 1; }
