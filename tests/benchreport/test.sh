#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench-report.py on a bench folder made up here, with numbers
# chosen so that each rule of the summary shows in one figure.

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# expect DESC GOT WANT
expect() {
	if [ "$2" = "$3" ]; then
		echo "benchreport: ok: $1 = $2"
	else
		echo "benchreport: FAIL: $1: got '$2', want '$3'"
		fails=$((fails + 1))
	fi
}

# col FILE DEVICE PROFILE COLUMN: a summary.csv field, by column name
col() {
	python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["device"] == sys.argv[2] and r["profile"] == sys.argv[3]:
        print(r[sys.argv[4]])' "$@"
}

# qd1: two runs each; dom0 1.0 s over 2 s with an idle 0.1 s per 1 s
# (0.2 s over the run): (1.0 - 0.2) / 2000 = 400 us per I/O for stock,
# (0.6 - 0.2) / 2000 = 200 for vbdback.
# cap4k: cap 5%; stock 0.1 s of dom0 over 2 s (busy 1.00), vbdback 0.08 s
# (0.80: flagged); the idle window's 0.01 s is subtracted once.
cat >"$T/raw.csv" <<'CSV'
round,device,profile,backend,module,vcpus,iops,mbps,lat_mean_us,lat_p50_us,lat_p99_us,ios,dom0_s,elapsed_s,idle_dom0_s,idle_elapsed_s,cap_pct,guests
1,nullb,qd1,xen-blkback,xen_blkback,1,900,4,30,30,40,2000,1.0,2.0,0.1,1.0,0,1
1,nullb,qd1,vbdback,vbdback,1,1500,6,20,20,30,2000,0.6,2.0,0.1,1.0,0,1
2,nullb,qd1,xen-blkback,xen_blkback,1,1100,4,30,30,40,2000,1.0,2.0,0.1,1.0,0,1
2,nullb,qd1,vbdback,vbdback,1,1500,6,20,20,30,2000,0.6,2.0,0.1,1.0,0,1
1,nullb,cap4k,xen-blkback,xen_blkback,1,500,2,60,60,80,1000,0.1,2.0,0.01,1.0,5,1
1,nullb,cap4k,vbdback,vbdback,1,750,3,40,40,60,1500,0.08,2.0,0.01,1.0,5,1
1,nullb,multi,xen-blkback,xen_blkback,1,800,3,60,60,80,1000,0.1,2.0,0.01,1.0,5,4
1,nullb,multi,vbdback,vbdback,1,1000,4,40,40,60,1500,0.1,2.0,0.01,1.0,5,4
CSV
echo '{"commit": "test"}' >"$T/meta.json"
python3 "$REPO/scripts/bench-report.py" "$T" >"$T/out.txt" || { echo "benchreport: FAIL: report exited $?"; exit 1; }
S=$T/summary.csv
expect "qd1 runs" "$(col "$S" nullb qd1 runs_stock),$(col "$S" nullb qd1 runs_vbdback)" "2,2"
expect "qd1 IOPS stock (mean)" "$(col "$S" nullb qd1 iops_stock)" "1000.0"
expect "qd1 IOPS ratio" "$(col "$S" nullb qd1 iops_ratio)" "1.500"
expect "qd1 IOPS spread stock" "$(col "$S" nullb qd1 iops_spread_stock)" "0.2000"
expect "qd1 p50 ratio" "$(col "$S" nullb qd1 lat_p50_ratio)" "0.667"
expect "qd1 dom0 CPU per I/O stock" "$(col "$S" nullb qd1 dom0_cpu_us_per_io_stock)" "400.0"
expect "qd1 dom0 CPU ratio" "$(col "$S" nullb qd1 dom0_cpu_ratio)" "0.500"
expect "qd1 uncapped: no cap" "$(col "$S" nullb qd1 cap_pct)" ""
expect "cap4k cap" "$(col "$S" nullb cap4k cap_pct)" "5"
expect "cap4k busy min stock" "$(col "$S" nullb cap4k cap_busy_min_stock)" "1.000"
expect "cap4k busy min vbdback" "$(col "$S" nullb cap4k cap_busy_min_vbdback)" "0.800"
expect "cap4k flagged runs" "$(col "$S" nullb cap4k cap_flagged_runs)" "1"
expect "cap4k dom0 CPU per I/O stock (idle once)" "$(col "$S" nullb cap4k dom0_cpu_us_per_io_stock)" "90.0"
expect "multi guests" "$(col "$S" nullb multi guests)" "4"
expect "table flags the run under 90%" "$(grep -c 'busy 0.80!' "$T/out.txt")" "1"
expect "table's count of flagged runs" "$(grep -c '1 of 4 capped runs under 90% of the cap: FLAGGED' "$T/out.txt")" "1"
expect "table names multi's guests" "$(grep -c 'multi(x4)' "$T/table.txt")" "1"
expect "results.json: numbers as numbers" \
	"$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["meta"]["commit"], r["runs"][0]["ios"] + 1, r["summary"][0]["iops_ratio"])' "$T/results.json")" \
	"test 2001 1.5"
for f in table.rst results.json table.txt; do
	expect "$f written" "$([ -s "$T/$f" ] && echo yes)" yes
done

# An older raw.csv, without cap_pct and guests, still reads.
mkdir -p "$T/old"
cut -d, -f1-16 "$T/raw.csv" | head -n 5 >"$T/old/raw.csv"
python3 "$REPO/scripts/bench-report.py" "$T/old" >/dev/null
expect "old raw.csv: IOPS ratio" "$(col "$T/old/summary.csv" nullb qd1 iops_ratio)" "1.500"
expect "old raw.csv: guests" "$(col "$T/old/summary.csv" nullb qd1 guests)" "1"

echo "benchreport: $([ "$fails" = 0 ] && echo PASS || echo "FAIL ($fails)")"
[ "$fails" = 0 ]
