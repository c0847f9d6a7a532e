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
#   BENCH_DEVICES    nullb brd
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
# The summary: per device and profile, the mean of each backend's runs and
# vbdback/stock ratios. dom0 CPU per I/O is Xen's CPU time of dom0 over the
# run, less what dom0 spent while the guest slept as long (the lab's own
# polling), per I/O.
summarize() {
	local raw=$1
	awk -F, '
	NR == 1 { next }
	{
		k = $2 "," $3; b = ($4 == "vbdback") ? "v" : "s"
		if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
		n[k, b]++
		iops[k, b] += $7; mbps[k, b] += $8; lm[k, b] += $9; p50[k, b] += $10; p99[k, b] += $11
		idle = ($16 > 0) ? $15 / $16 * $14 : 0
		cpu[k, b] += ($12 > 0) ? ($13 - idle) / $12 * 1e6 : 0
		if (!((k, b) in lo) || $7 < lo[k, b]) lo[k, b] = $7
		if (!((k, b) in hi) || $7 > hi[k, b]) hi[k, b] = $7
	}
	function m(a, k, b) { return n[k, b] ? a[k, b] / n[k, b] : 0 }
	function r(x, y) { return y > 0 ? sprintf("%.3f", x / y) : "" }
	function sp(k, b) { return m(iops, k, b) > 0 ? sprintf("%.4f", (hi[k, b] - lo[k, b]) / m(iops, k, b)) : "" }
	BEGIN {
		print "device,profile,runs_stock,runs_vbdback," \
			"iops_stock,iops_vbdback,iops_ratio,mbps_stock,mbps_vbdback,mbps_ratio," \
			"lat_mean_us_stock,lat_mean_us_vbdback,lat_mean_ratio," \
			"lat_p50_us_stock,lat_p50_us_vbdback,lat_p50_ratio," \
			"lat_p99_us_stock,lat_p99_us_vbdback,lat_p99_ratio," \
			"dom0_cpu_us_per_io_stock,dom0_cpu_us_per_io_vbdback,dom0_cpu_ratio," \
			"iops_spread_stock,iops_spread_vbdback"
	}
	END {
		for (i = 1; i <= nk; i++) {
			k = keys[i]
			printf "%s,%d,%d", k, n[k, "s"], n[k, "v"]
			printf ",%.1f,%.1f,%s", m(iops, k, "s"), m(iops, k, "v"), r(m(iops, k, "v"), m(iops, k, "s"))
			printf ",%.2f,%.2f,%s", m(mbps, k, "s"), m(mbps, k, "v"), r(m(mbps, k, "v"), m(mbps, k, "s"))
			printf ",%.1f,%.1f,%s", m(lm, k, "s"), m(lm, k, "v"), r(m(lm, k, "v"), m(lm, k, "s"))
			printf ",%.1f,%.1f,%s", m(p50, k, "s"), m(p50, k, "v"), r(m(p50, k, "v"), m(p50, k, "s"))
			printf ",%.1f,%.1f,%s", m(p99, k, "s"), m(p99, k, "v"), r(m(p99, k, "v"), m(p99, k, "s"))
			printf ",%.1f,%.1f,%s", m(cpu, k, "s"), m(cpu, k, "v"), r(m(cpu, k, "v"), m(cpu, k, "s"))
			printf ",%s,%s\n", sp(k, "s"), sp(k, "v")
		}
	}' "$raw"
}

# csv2json FILE: the CSV as a JSON array of objects (numbers as numbers).
csv2json() {
	jq -R -s '
		split("\n") | map(select(length > 0) | split(",")) |
		.[0] as $h | .[1:] | map([$h, .] | transpose |
			map({(.[0]): (.[1] as $v | ($v | tonumber? // $v))}) | add)' "$1"
}

table() {
	awk -F, '
	NR == 1 { next }
	NR == 2 {
		printf "%-7s %-10s %9s %9s %6s %6s %6s %6s %6s %7s\n", "device", "profile", \
			"IOPS", "IOPS", "IOPS", "MB/s", "lat", "p50", "p99", "dom0"
		printf "%-7s %-10s %9s %9s %6s %6s %6s %6s %6s %7s\n", "", "", \
			"stock", "vbdback", "ratio", "ratio", "ratio", "ratio", "ratio", "CPU/IO"
	}
	{
		printf "%-7s %-10s %9.0f %9.0f %6s %6s %6s %6s %6s %7s\n", $1, $2, $5, $6, $7, $10, $13, $16, $19, $22
	}' "$1"
	echo "(ratios: vbdback / stock, means of each backend's runs; IOPS and MB/s: higher is"
	echo " better for vbdback above 1; latency and dom0 CPU per I/O: better below 1)"
}

# The same as a reStructuredText table, for Documentation/performance.rst.
table_rst() {
	awk -F, '
	function row(a, b, c, d, e, f, g, h, i, j) {
		printf "%-8s%-12s%-10s%-10s%-7s%-7s%-7s%-7s%-7s%s\n", a, b, c, d, e, f, g, h, i, j
	}
	function rule() { row("=======", "==========", "========", "========", "=====", "=====", "=====", "=====", "=====", "======") }
	NR == 1 {
		rule(); row("device", "profile", "IOPS", "IOPS", "IOPS", "MB/s", "mean", "p50", "p99", "dom0")
		row("", "", "stock", "vbdback", "ratio", "ratio", "lat", "lat", "lat", "CPU/IO"); rule(); next
	}
	{ row($1, $2, sprintf("%.0f", $5), sprintf("%.0f", $6), $7, $10, $13, $16, $19, $22) }
	END { rule() }' "$1"
}

chart() {
	local dir=$1 data=$1/chart.dat n lo hi
	command -v gnuplot >/dev/null || { echo "bench: no gnuplot (make deps): no chart"; return 0; }
	awk -F, 'NR > 1 { printf "%s/%s %s %s %s %s\n", $1, $2, ($7 == "" ? "?" : $7), \
		($16 == "" ? "?" : $16), ($19 == "" ? "?" : $19), ($22 == "" ? "?" : $22) }' \
		"$dir/summary.csv" >"$data"
	n=$(wc -l <"$data")
	[ "$n" -gt 0 ] || return 0
	# the ratios lie near 1: an axis from 0 would hide a 5% difference
	read -r lo hi < <(awk '{ for (i = 2; i <= 5; i++) if ($i != "?") {
			if (!s || $i < lo) lo = $i; if (!s || $i > hi) hi = $i; s = 1 } }
		END { lo = int((lo - 0.05) * 10) / 10; hi = int((hi + 0.149) * 10) / 10
			print (lo < 0.8 ? (lo < 0 ? 0 : lo) : 0.8), (hi > 1.2 ? hi : 1.2) }' "$data")
	gnuplot <<EOF || echo "bench: gnuplot failed"
set terminal pngcairo size $((n * 75 < 900 ? 900 : n * 75)),600 font "sans,11" noenhanced
set output "$dir/bench.png"
set title "vbdback / stock xen-blkback, same boot, under icount\n$(head -n 1 "$dir/title.txt" 2>/dev/null)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "?"
set yrange [$lo:$hi]
set ylabel "ratio vbdback / stock"
set grid ytics
set xtics rotate by -35 scale 0
set key outside bottom center horizontal maxrows 2
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black" front
plot "$data" using 2:xtic(1) title "IOPS (higher is better)" lc rgb "#2e7d32", \
	'' using 3 title "p50 latency (lower is better)" lc rgb "#1565c0", \
	'' using 4 title "p99 latency (lower is better)" lc rgb "#90caf9", \
	'' using 5 title "dom0 CPU per I/O (lower is better)" lc rgb "#ef6c00"
EOF
}

report() {
	local dir=$1 raw=$1/lab/bench/raw.csv m
	[ -f "$raw" ] && [ "$(wc -l <"$raw")" -gt 1 ] || { echo "bench: no runs in $raw"; return 1; }
	cp "$raw" "$dir/raw.csv"
	summarize "$dir/raw.csv" >"$dir/summary.csv"
	{
		echo '{'
		m=$(jq -c . "$dir/meta.json" 2>/dev/null)
		[ -n "$m" ] || m='{}'
		printf '"meta": %s,\n' "$m"
		printf '"summary": %s,\n' "$(csv2json "$dir/summary.csv")"
		printf '"runs": %s\n' "$(csv2json "$dir/raw.csv")"
		echo '}'
	} | jq . >"$dir/results.json" || echo "bench: cannot write results.json"
	table "$dir/summary.csv" | tee "$dir/table.txt"
	table_rst "$dir/summary.csv" >"$dir/table.rst"
	chart "$dir"
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
PROFILES=${BENCH_PROFILES:-qd1 qd32 qd32x2 randwrite write64k seqread seqwrite fileserver}
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
[[ $JOB_VCPUS =~ ^[12]$ ]] || die "bad BENCH_JOB_VCPUS '$JOB_VCPUS' (1 or 2)"
for d in $DEVICES; do
	case $d in nullb|brd) ;; *) die "bad device '$d' in BENCH_DEVICES (nullb, brd)" ;; esac
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
	--env "BENCH_VBD_PARAMS=$VBD_PARAMS" --env "BENCH_GUEST_ARGS=$GUEST_ARGS")

# The boot's hard limit from what it runs (measured under icount on two
# cores: dom0 up and the ramdisk filled ~3 min, a guest booted and gone
# ~2 min, a device swapped ~30 s, a fio run ~RUNTIME x 8 + 25 s of real
# time), doubled against a slower or busier machine.
nprof=$(echo "$PROFILES" | wc -w)
ndev=$(echo "$DEVICES" | wc -w)
per_run=$((RUNTIME * 8 + 25))
[ "$PROFILES" = job ] && per_run=$((RUNTIME * 8 + 300))
est=$((180 + ROUNDS * 2 * (120 + ndev * (30 + RUNTIME * 5 + 15 + nprof * per_run))))
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
	'{date: $date, commit: $commit, module_sha256: $mod, profiles: $profiles,
	  devices: $devices, runtime_s: $runtime, rounds: $rounds, size_mib: $size_mib,
	  icount_shift: $icount_shift, fio_job: $fio_job, insnprof: $insnprof,
	  vbd_params: $vbd_params, guest_args: $guest_args}' >"$DIR/meta.json"

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
