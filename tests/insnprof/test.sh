#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/insnprof-report.py on a bench folder made up here, with numbers
# chosen so that each rule of the report shows in one figure.

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P=$T/lab/insnprof
mkdir -p "$P"
fails=0

# Two runs of 2000 I/Os in 2 s, each with an idle window of 1 s.
cat >"$T/raw.csv" <<'CSV'
round,device,profile,backend,module,vcpus,iops,mbps,lat_mean_us,lat_p50_us,lat_p99_us,ios,dom0_s,elapsed_s,idle_dom0_s,idle_elapsed_s
1,nullb,qd32,xen-blkback,xen_blkback,1,1000,4,30,30,40,2000,1.0,2.0,0.1,1.0
1,nullb,qd32,vbdback,vbdback,1,1000,4,30,30,40,2000,1.0,2.0,0.1,1.0
CSV
printf 'ffffffff81000000 T _stext\nffffffff81001000 T foo\nffffffff81002000 t bar\n' >"$P/kernel.kallsyms"
printf 'ffffffffc0001000 t blkif_schedule\t[xen_blkback]\n' >"$P/dom0-r1-xen-blkback.kallsyms"
printf 'ffffffffc0001000 t vbd_ring_work\t[vbdback]\n' >"$P/dom0-r1-vbdback.kallsyms"
for be in xen-blkback vbdback; do
	printf 'ffffffffc0005000 t blkif_queue_rq\t[xen_blkfront]\n' >"$P/guest-r1-nullb-$be.kallsyms"
	# the idle window: 1000 instructions in bar on dom0's CPU
	printf 'ffffffff81002010\t5\t1000\t0\n' >"$P/idle-r1-nullb-$be.tsv"
done
# block address, block length, instructions on CPU 0 (dom0), CPU 1 (guest)
cat >"$P/r1-nullb-qd32-xen-blkback.tsv" <<'TSV'
ffffffff81001010	5	100000	50000
ffffffffc0001010	4	40000	400
ffff82d040201000	3	9000	9000
ffffffffc0005010	2	0	7000
00007f0000001000	2	0	2000
TSV
cat >"$P/r1-nullb-qd32-vbdback.tsv" <<'TSV'
ffffffff81001010	5	90000	50000
ffffffffc0001010	4	30000	0
ffff82d040201000	3	9000	9000
ffffffffc0005010	2	0	7000
TSV

"$REPO/scripts/insnprof-report.py" "$T" >"$T/out.txt" 2>&1 ||
	{ cat "$T/out.txt"; echo "insnprof: FAIL: the report failed"; exit 1; }

# expect BACKEND CPU FUNCTION INSTRUCTIONS-PER-I/O
expect() {
	local got
	got=$(awk -F, -v b="$1" -v c="$2" -v f="$3" '$3 == b && $4 == c && $6 == f { print $7 }' "$T/insnprof.csv")
	if [ "$got" = "$4" ]; then
		echo "insnprof: ok: $1 $2 '$3' = $4"
	else
		echo "insnprof: FAIL: $1 $2 '$3' = '$got', expected $4"
		fails=$((fails + 1))
	fi
}

# per I/O: 100000 / 2000
expect xen-blkback dom0 foo 50.0
# the idle window, subtracted once: 1000 / 2000
expect xen-blkback dom0 bar -0.5
# a module address named by dom0's modules on CPU 0 ...
expect xen-blkback dom0 'blkif_schedule [xen_blkback]' 20.0
expect vbdback dom0 'vbd_ring_work [vbdback]' 15.0
# ... and by the guest's on CPU 1, where nothing starts before it
expect xen-blkback guest '? [module]' 0.2
expect vbdback guest 'blkif_queue_rq [xen_blkfront]' 3.5
# the guest runs dom0's kernel image: same symbols
expect vbdback guest foo 25.0
# Xen and user space by region
expect vbdback dom0 '[xen]' 4.5
expect xen-blkback guest '[user]' 1.0
grep -q '^  total .* 0.896$' "$T/insnprof.txt" || {
	echo "insnprof: FAIL: no total ratio 0.896 in the report:"
	cat "$T/insnprof.txt"
	fails=$((fails + 1))
}
# the backends' own code alone: blkif_schedule against vbd_ring_work
grep -q "^  dom0 backend module's code  *20  *15  *-5  *0.750$" "$T/insnprof.txt" || {
	echo "insnprof: FAIL: no backend module line 20 / 15 in the report:"
	cat "$T/insnprof.txt"
	fails=$((fails + 1))
}
[ "$fails" = 0 ] || { echo "insnprof: $fails failures"; exit 1; }
echo "insnprof: report PASS"
