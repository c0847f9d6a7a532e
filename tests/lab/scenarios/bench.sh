# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 14400
# check: no (hours under icount: make bench runs it, see performance.rst)
#
# bench: stock xen-blkback against vbdback, side by side in one boot, on the
# same backing devices. Not in make check (LAB_SCENARIOS): make bench runs it
# through scripts/bench.sh, under --icount, and turns /lab-out/bench/raw.csv
# into ratios, CSV, JSON and a chart. lab-timeout is only a ceiling: make
# bench bounds the boot with --timeout from the selection it runs.
#
# Each round runs the backends in turn, stock first, so that a drift over
# the boot falls on both alike (A B A B). A turn unloads one module and
# loads the other (no guest attached, as it must be), sets its max_queues to
# 2 (the stock default is dom0's vCPU count, 1: the 2-job profile would get
# one ring), starts one guest and gives it each device in turn as xvda
# (block-detach, block-attach). The guest has 2 vCPUs when a profile needs
# them (qd32x2: one job per vCPU, one ring each); the single-job profiles
# then run on vCPU 0 (--cpus_allowed=0) and use its ring only. A guest boot
# takes a minute and a half of real time under icount: one per turn, not
# one per device and profile, is what keeps make bench short.
#
# Settings (lab.sh --env, from make bench):
#   BENCH_PROFILES  profile names (below), or "job" with BENCH_JOB_B64
#   BENCH_DEVICES   nullb (null_blk, memory_backed=0), brd, lvm (a linear
#                   LV on a VG over a brd disk of its own) and/or iscsi (a
#                   LIO LUN on a brd disk of its own, exported over
#                   loopback, logged into with open-iscsi)
#   BENCH_RUNTIME   seconds of fio per run (virtual time under icount)
#   BENCH_ROUNDS    rounds of stock then vbdback
#   BENCH_SIZE_MIB  the part of the device fio works on
#   BENCH_JOB_B64   a fio job file, base64 (make bench FIO_JOB=...)
#   BENCH_JOB_VCPUS the guest's vCPUs for that job
#   BENCH_VBD_PARAMS vbdback's module parameters, "NAME=VALUE ..."
#   BENCH_GUEST_ARGS the guest kernel's extra command line
#   BENCH_CAP_PCT   dom0's cap in percent of a CPU for the dom0-bound
#                   profiles (cap4k, cap64k, multi; default 5)
#   BENCH_MULTI_GUESTS the guests of profile multi (default 4), each with
#                   BENCH_MULTI_MIB of memory (default 384) and a null_blk
#                   device of its own; one line of raw.csv per turn
#
# The dom0-bound profiles cap dom0 with Xen's scheduler (xl sched-credit2
# -c, or sched-credit) only around each of their fio runs and lift it right
# after, whatever the run's outcome, and when the scenario ends: a low cap
# while guests are created starves dom0 (soft lockups, minutes per guest).
# Each such run records the cap (cap_pct), so that the report can show
# dom0's busy share of it.
#
# Output: /lab-out/bench/raw.csv (one line per fio run), fio's JSON of each
# run in /lab-out/bench/json/.
#
# With make bench BENCH_INSNPROF=1 (lab.sh --insnprof) each run and each
# idle window also leaves the instructions executed in it, per code block
# and CPU, in /lab-out/insnprof/ (RUN.tsv, idle-ROUND-DEVICE-BACKEND.tsv),
# with the symbols to name them by (kernel.kallsyms: dom0's, which the guest
# shares; dom0-ROUND-BACKEND.kallsyms and guest-ROUND-DEVICE-BACKEND.kallsyms:
# their modules'). scripts/insnprof-report.py reads them.

BENCH_JOB_B64=${BENCH_JOB_B64:-}
PROFILES=${BENCH_PROFILES:-qd1 qd32 qd32x2 randwrite write64k seqread seqwrite fileserver cap4k cap64k}
CAP=${BENCH_CAP_PCT:-5}
MULTI=${BENCH_MULTI_GUESTS:-4}
MULTI_MIB=${BENCH_MULTI_MIB:-384}
DEVICES=${BENCH_DEVICES:-nullb brd}
RT=${BENCH_RUNTIME:-2}
ROUNDS=${BENCH_ROUNDS:-2}
SIZE=${BENCH_SIZE_MIB:-256}
JOB_VCPUS=${BENCH_JOB_VCPUS:-1}
VBD_MODNAME=$LAB_MODNAME
DIR=$LAB_OUT/bench
RAW=$DIR/raw.csv
mkdir -p "$DIR/json"
echo "round,device,profile,backend,module,vcpus,iops,mbps,lat_mean_us,lat_p50_us,lat_p99_us,ios,dom0_s,elapsed_s,idle_dom0_s,idle_elapsed_s,cap_pct,guests" >"$RAW"

# bench_profile NAME: P_VCPUS and P_ARGS (fio options past the common ones)
# of a profile. Every job runs on /dev/xvda with libaio and O_DIRECT.
bench_profile() {
	P_VCPUS=1 P_CAP=0 P_GUESTS=1
	case $1 in
	qd1) P_ARGS='--rw=randread --bs=4k --iodepth=1' ;;
	qd32) P_ARGS='--rw=randread --bs=4k --iodepth=32' ;;
	qd32x2) P_VCPUS=2
		P_ARGS='--rw=randread --bs=4k --iodepth=32 --numjobs=2 --cpus_allowed=0-1 --cpus_allowed_policy=split' ;;
	randwrite) P_ARGS='--rw=randwrite --bs=4k --iodepth=32' ;;
	write64k) P_ARGS='--rw=randwrite --bs=64k --iodepth=256 --numjobs=4' ;;
	seqread) P_ARGS='--rw=read --bs=1M --iodepth=8' ;;
	seqwrite) P_ARGS='--rw=write --bs=1M --iodepth=8' ;;
	# a file server: 80% reads, 512 B to 64 KiB, mostly 4 KiB
	fileserver) P_ARGS='--rw=randrw --rwmixread=80 --iodepth=64
		--bssplit=512/10:1k/5:2k/5:4k/40:8k/15:16k/10:32k/10:64k/5' ;;
	# dom0-bound: dom0 capped at BENCH_CAP_PCT around the run
	cap4k) P_CAP=$CAP; P_ARGS='--rw=randread --bs=4k --iodepth=32' ;;
	cap64k) P_CAP=$CAP; P_ARGS='--rw=randwrite --bs=64k --iodepth=8' ;;
	# dom0-bound, MULTI guests at once, each on a null_blk device of its own
	multi) P_CAP=$CAP P_GUESTS=$MULTI; P_ARGS='--rw=randread --bs=4k --iodepth=32' ;;
	job) P_VCPUS=$JOB_VCPUS; P_ARGS='' ;;
	*) return 1 ;;
	esac
}

for p in $PROFILES; do
	bench_profile "$p" || { lab_fail "unknown profile '$p'"; lab_end; }
done
if [ "$PROFILES" = job ] && [ -z "$BENCH_JOB_B64" ]; then
	lab_fail "profile job needs BENCH_JOB_B64"
	lab_end
fi

# Xen's CPU time of dom0 in seconds, and dom0's clock. xl prints it in
# 0.1 s steps, too coarse for a 2-s run of a dom0 capped at 5% (0.1 s at
# the most): a Python process started once (its start-up would otherwise
# be dom0's work in each run) answers each request with libxenstat's
# nanoseconds; xl list if it cannot.
XSTAT_PY='
import ctypes, sys
x = ctypes.CDLL("libxenstat.so")
x.xenstat_init.restype = ctypes.c_void_p
x.xenstat_get_node.restype = ctypes.c_void_p
x.xenstat_get_node.argtypes = [ctypes.c_void_p, ctypes.c_uint]
x.xenstat_node_domain.restype = ctypes.c_void_p
x.xenstat_node_domain.argtypes = [ctypes.c_void_p, ctypes.c_uint]
x.xenstat_domain_cpu_ns.restype = ctypes.c_ulonglong
x.xenstat_domain_cpu_ns.argtypes = [ctypes.c_void_p]
x.xenstat_free_node.argtypes = [ctypes.c_void_p]
h = x.xenstat_init()
for _ in sys.stdin:
    n = x.xenstat_get_node(h, 0) if h else None
    d = x.xenstat_node_domain(n, 0) if n else None
    print("%.6f" % (x.xenstat_domain_cpu_ns(d) / 1e9) if d else "?", flush=True)
    if n:
        x.xenstat_free_node(n)
'
XSTAT_PID=
if command -v python3 >/dev/null; then
	# sets XSTAT (its pipes) and XSTAT_PID
	coproc XSTAT { exec python3 -u -c "$XSTAT_PY" 2>"$LAB_TMP/xstat.err"; }
fi
dom0_time() {
	local t=
	if [ -n "$XSTAT_PID" ] && kill -0 "$XSTAT_PID" 2>/dev/null; then
		echo "" 1>&"${XSTAT[1]}"
		read -r -t 30 t <&"${XSTAT[0]}"
	fi
	[[ $t =~ ^[0-9]+\.[0-9]+$ ]] && { echo "$t"; return; }
	[ -z "$XSTAT_PID" ] || lab_note "libxenstat gave '$t': dom0's time from xl list (0.1 s)"
	XSTAT_PID=
	timeout 30 xl list 0 2>/dev/null | awk 'NR == 2 { print $6 }'
}
# the stop of the helper, at the end
bench_xstat_stop() { [ -z "$XSTAT_PID" ] || kill "$XSTAT_PID" 2>/dev/null; }
lab_on_end bench_xstat_stop

# bench_cap PERCENT: dom0's cap (0: none) with the scheduler Xen runs,
# read back: a run believed capped that was not would mislead.
SCHED=$(timeout 30 xl info 2>/dev/null | sed -n 's/^xen_scheduler *: *//p')
bench_cap() {
	local got
	case $SCHED in
	credit2|credit) ;;
	*) lab_fail "scheduler '$SCHED': no cap"; return 1 ;;
	esac
	timeout 60 xl "sched-$SCHED" -d Domain-0 -c "$1" >/dev/null 2>&1 ||
		{ lab_fail "xl sched-$SCHED -d Domain-0 -c $1"; return 1; }
	got=$(timeout 60 xl "sched-$SCHED" -d Domain-0 | awk '$1 == "Domain-0" { print $4 }')
	[ "$got" = "$1" ] || { lab_fail "dom0's cap is '$got', not $1"; return 1; }
}
# Whatever happened, dom0 ends uncapped.
bench_uncap() { [ "${BENCH_CAPPED:-0}" = 0 ] || { bench_cap 0 && BENCH_CAPPED=0; }; }
lab_on_end bench_uncap
now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a - b }'; }

# bench_use BACKEND: destroy nothing (the caller did), swap the module.
bench_use() {
	local msg
	msg=$(lab_backend_unload) || { lab_fail "unload $LAB_MODNAME: $msg"; return 1; }
	# shellcheck disable=SC2034 # lib.sh and backend.sh read LAB_BACKEND
	if [ "$1" = vbdback ]; then
		LAB_BACKEND=vbdback LAB_MODNAME=$VBD_MODNAME
	else
		LAB_BACKEND=xen-blkback LAB_MODNAME=xen_blkback
	fi
	msg=$(lab_backend_load) || { lab_fail "load $LAB_MODNAME: $msg"; return 1; }
	echo 2 >"$(lab_backend_param max_queues)" ||
		lab_note "$LAB_MODNAME: cannot set max_queues"
	if [ "$1" = vbdback ]; then
		bench_vbd_params || return 1
	fi
	lab_log "backend now $LAB_MODNAME (max_queues $(cat "$(lab_backend_param max_queues)"))"
}

# bench_vbd_params: BENCH_VBD_PARAMS into vbdback's parameters, each one
# checked: a run with a parameter that did not take would mislead.
bench_vbd_params() {
	local p
	for p in ${BENCH_VBD_PARAMS:-}; do
		echo "${p#*=}" >"$(lab_backend_param "${p%%=*}")" 2>/dev/null &&
			[ "$(cat "$(lab_backend_param "${p%%=*}")")" = "${p#*=}" ] ||
			{ lab_fail "$LAB_MODNAME: cannot set $p"; return 1; }
	done
	[ -z "${BENCH_VBD_PARAMS:-}" ] || lab_log "$LAB_MODNAME: $BENCH_VBD_PARAMS"
}

# Whatever happened, dom0 ends with the backend it booted with.
bench_restore() { [ "$LAB_MODNAME" = "$VBD_MODNAME" ] || bench_use vbdback; }
lab_on_end bench_restore

# The job file goes to the guest in pieces: a xenstore value holds 4 KiB.
bench_send_job() {
	local g=$1 rest=$BENCH_JOB_B64 chunk
	lab_guest_cmd "$g" 60 ': >/tmp/job.b64' || return 1
	while [ -n "$rest" ]; do
		chunk=${rest:0:2000}
		rest=${rest:2000}
		lab_guest_cmd "$g" 60 "printf '%s' '$chunk' >>/tmp/job.b64" || return 1
	done
	lab_guest_cmd "$g" 60 'base64 -d /tmp/job.b64 >/tmp/job.fio && grep -c . /tmp/job.fio'
}

bench_target() {
	case $1 in
	nullb) echo /dev/nullb0 ;;
	brd) echo "$BRD_DEV" ;;
	lvm) echo "/dev/$BENCH_VG/vol" ;;
	iscsi) echo "$LAB_ISCSI_DEV" ;;
	esac
}

# bench_device ROUND DEVICE BACKEND: the guest has DEVICE as xvda; run the
# profiles on it, a line of raw.csv each. dom0 sleeps through each run's
# seconds, then waits for the end on a xenstore watch (LAB_CMD_QUIET), so
# that its CPU time and instructions over a run are the backend's, not the
# lab's own.
bench_device() {
	local round=$1 dev=$2 be=$3 p json cmd pin t0 t1 c0 c1 idle_c idle_t mod
	lab_guest_cmd "$G" 60 'wait_disk xvda 30' || { lab_fail "$G: no xvda ($dev)"; return 1; }
	mod=$(lab_be_module "$LAB_DOMID" "$(lab_devid xvda)")
	[ "$mod" = "$LAB_MODNAME" ] || lab_fail "$G's xvda served by '${mod:-none}', not $LAB_MODNAME"
	# dom0's CPU time while the guest only sleeps: what the lab itself costs
	# (the command channel's polling) over as long as a run
	bench_guest_symbols "guest-r$round-$dev-$be"
	lab_insnprof skip
	c0=$(dom0_time) t0=$(now)
	LAB_CMD_QUIET=$RT lab_guest_cmd "$G" $((RT + 60)) "sleep $RT"
	c1=$(dom0_time) t1=$(now)
	lab_insnprof "idle-r$round-$dev-$be"
	idle_c=$(fsub "$c1" "$c0") idle_t=$(fsub "$t1" "$t0")
	for p in $PROFILES; do
		bench_profile "$p"
		[ "$P_GUESTS" = 1 ] || continue
		json=$DIR/json/r$round-$dev-$p-$be.json
		pin=
		[ "$P_VCPUS" = 1 ] && [ "$VCPUS" -gt 1 ] && pin=--cpus_allowed=0
		if [ "$p" = job ]; then
			cmd='fio_json /tmp/job.fio'
		else
			cmd="fio_json --name=$p --filename=/dev/xvda --ioengine=libaio --direct=1 \
--size=${SIZE}M --time_based --runtime=$RT --group_reporting --lat_percentiles=1 $pin $(echo "$P_ARGS" | tr -s '\t\n' '  ')"
		fi
		lab_insnprof skip
		if [ "$P_CAP" != 0 ]; then
			BENCH_CAPPED=1
			bench_cap "$P_CAP" || { bench_uncap; continue; }
		fi
		# capped, fio's output waits in the guest until the cap is
		# lifted: through the console, it would keep a capped dom0 busy
		# for seconds after the run
		[ "$P_CAP" = 0 ] || cmd="$cmd >/tmp/bench.out"
		c0=$(dom0_time) t0=$(now)
		LAB_CMD_QUIET=$RT lab_guest_cmd "$G" $((RT * 4 + 300)) "$cmd" ||
			{ lab_cmd_show 20; lab_fail "r$round $dev $p $be: fio (rc $LAB_CMD_RC)"; }
		c1=$(dom0_time) t1=$(now)
		bench_uncap
		if [ "$P_CAP" != 0 ]; then
			lab_guest_cmd "$G" 120 'cat /tmp/bench.out' ||
				lab_fail "r$round $dev $p $be: fio's output (rc $LAB_CMD_RC)"
		fi
		lab_insnprof "r$round-$dev-$p-$be"
		lab_cmd_json >"$json"
		lab_fio_check "$json" "r$round $dev $p $be" || continue
		lab_log "r$round $dev $p $be: $(lab_fio_summary "$json" | tr '\n' ';')"
		# both directions summed; latency: mean over all I/O, percentiles
		# of the direction that did more (reads in the file-server mix)
		jq -r --arg pre "$round,$dev,$p,$be,$mod,$VCPUS" --arg c "$(fsub "$c1" "$c0")" \
			--arg t "$(fsub "$t1" "$t0")" --arg ic "$idle_c" --arg it "$idle_t" --arg cap "$P_CAP" '
			def lat($d): ($d.lat_ns.percentile // $d.clat_ns.percentile // {});
			[.jobs[] | .read, .write] as $d |
			([$d[].total_ios] | add) as $n |
			($d | max_by(.total_ios)) as $m |
			[$pre, ([$d[].iops] | add),
			 (([$d[].bw_bytes] | add) / 1000000),
			 (if $n > 0 then ([$d[] | .lat_ns.mean * .total_ios] | add) / $n / 1000 else 0 end),
			 ((lat($m)["50.000000"] // 0) / 1000), ((lat($m)["99.000000"] // 0) / 1000),
			 $n, $c, $t, $ic, $it, $cap, 1] | map(tostring) | join(",")' "$json" >>"$RAW" ||
			lab_fail "r$round $dev $p $be: cannot read fio's JSON"
	done
}

# bench_guest_symbols NAME: the code symbols of the guest's modules to
# /lab-out/insnprof/NAME.kallsyms, for the instruction profile. The guest
# runs dom0's kernel image at the same addresses: its modules differ.
bench_guest_symbols() {
	lab_insnprof_on || return 0
	lab_guest_cmd "$G" 60 "grep -E ' [tTwW] .*\\[' /proc/kallsyms | sed 's/^/VBDTEST-SYM /'" ||
		lab_note "$G: cannot list its modules' symbols"
	sed -n 's/^VBDTEST-SYM //p' "$LAB_CMD_OUT" >"$LAB_INSNPROF_DIR/$1.kallsyms"
}

# bench_guest DEVICE: start the guest with DEVICE as xvda.
bench_guest() {
	local args=() kargs=${BENCH_GUEST_ARGS:-}
	[ "$VCPUS" -gt 1 ] && args=(--vcpus "$VCPUS" --cpus 1) kargs="xen_blkfront.max_queues=$VCPUS $kargs"
	[ -n "$kargs" ] && args+=(--args "$kargs")
	lab_guest_create "$G" "${args[@]}" "$(lab_disk "$(bench_target "$1")" xvda)" || return 1
	lab_guest_wait_ready "$G" || return 1
	if [ "$PROFILES" = job ]; then
		bench_send_job "$G" || { lab_fail "$G: cannot copy the job file"; return 1; }
	fi
}

# bench_swap DEVICE: the running guest's xvda becomes DEVICE.
bench_swap() {
	lab_block_detach "$G" xvda || return 1
	lab_guest_cmd "$G" 60 'wait_disk_gone xvda 30' || return 1
	lab_wait 30 "backend of xvda gone" lab_be_gone "$LAB_DOMID" "$(lab_devid xvda)" || return 1
	lab_block_attach "$G" "$(lab_disk "$(bench_target "$1")" xvda)"
}

# bench_turn ROUND BACKEND: one guest, every device in turn. A failed run
# is recorded and the next one goes on; a guest that cannot be had ends it.
bench_turn() {
	local round=$1 be=$2 dev first=1
	lab_insnprof_symbols "dom0-r$round-$be" modules
	[ "$SINGLE" = 1 ] || { bench_multi "$round" "$be"; return 0; }
	for dev in $DEVICES; do
		if [ "$first" = 1 ]; then
			bench_guest "$dev" || return 1
			first=0
		elif ! bench_swap "$dev"; then
			lab_note "r$round $be: swapping xvda to $dev failed: a new guest instead"
			lab_guest_destroy "$G"
			bench_guest "$dev" || return 1
		fi
		bench_device "$round" "$dev" "$be"
	done
	lab_guest_destroy "$G"
	bench_multi "$round" "$be"
}

# bench_fio_cmd PROFILE: the guest's fio command line of a profile.
bench_fio_cmd() {
	bench_profile "$1"
	echo "fio_json --name=$1 --filename=/dev/xvda --ioengine=libaio --direct=1 \
--size=${SIZE}M --time_based --runtime=$RT --group_reporting --lat_percentiles=1 \
$(echo "$P_ARGS" | tr -s '\t\n' '  ')"
}

# bench_all TIMEOUT NAME CMD: CMD in each multi-guest guest at once, each
# guest's output in $LAB_TMP/NAME-GUEST.out, its exit status in
# $LAB_TMP/NAME-GUEST.rc. Each runs in a subshell: lab_guest_cmd's files
# are per guest.
bench_all() {
	local t=$1 name=$2 cmd=$3 g
	for g in $MULTI_GUESTS; do
		(
			LAB_CMD_QUIET=$RT lab_guest_cmd "$g" "$t" "$cmd"
			echo "${LAB_CMD_RC:-none}" >"$LAB_TMP/$name-$g.rc"
			cp "$LAB_CMD_OUT" "$LAB_TMP/$name-$g.out" 2>/dev/null
		) &
	done
	wait
}

# bench_multi ROUND BACKEND: the multi-guest profile, if chosen: MULTI
# small guests at once (with 256 MiB the guest kernel could not unpack its
# 88 MB initramfs: 384), guest i on /dev/nullb<i>, all running the same job
# under dom0's cap; one raw.csv line: IOPS and MB/s summed, mean latency
# over all I/O, p50 and p99 the mean of the guests'.
bench_multi() {
	local round=$1 be=$2 p=multi g i c0 c1 t0 t1 idle_c idle_t json jsons=() ok=1
	case " $PROFILES " in *" $p "*) ;; *) return 0 ;; esac
	bench_profile "$p"
	for i in $(seq 1 "$MULTI"); do
		g=bm$i
		lab_guest_create "$g" --memory "$MULTI_MIB" ${BENCH_GUEST_ARGS:+--args "$BENCH_GUEST_ARGS"} "$(lab_disk "/dev/nullb$i" xvda)" ||
			{ lab_fail "r$round $be: guest $g ($i of $MULTI)"; ok=0; break; }
	done
	for g in $MULTI_GUESTS; do
		[ "$ok" = 1 ] || break
		lab_guest_wait_ready "$g" && lab_guest_cmd "$g" 60 'wait_disk xvda 30' || ok=0
	done
	if [ "$ok" = 1 ]; then
		c0=$(dom0_time) t0=$(now)
		bench_all $((RT + 60)) idle "sleep $RT"
		c1=$(dom0_time) t1=$(now)
		idle_c=$(fsub "$c1" "$c0") idle_t=$(fsub "$t1" "$t0")
		BENCH_CAPPED=1
		if bench_cap "$P_CAP"; then
			c0=$(dom0_time) t0=$(now)
			bench_all $((RT * 4 + 300)) run "$(bench_fio_cmd "$p") >/tmp/bench.out"
			c1=$(dom0_time) t1=$(now)
		else
			ok=0
		fi
		bench_uncap
		# fio's output only once the cap is lifted (see bench_device)
		[ "$ok" = 1 ] && bench_all 120 fio 'cat /tmp/bench.out'
	fi
	for g in $MULTI_GUESTS; do
		[ "$ok" = 1 ] || break
		json=$DIR/json/r$round-nullb-$p-$be-$g.json
		awk '/VBDTEST-JSON-BEGIN/ { on = 1; next } /VBDTEST-JSON-END/ { on = 0 } on' \
			"$LAB_TMP/fio-$g.out" >"$json" 2>/dev/null
		[ "$(cat "$LAB_TMP/run-$g.rc" 2>/dev/null)" = 0 ] &&
			lab_fio_check "$json" "r$round $p $be $g" || { lab_fail "r$round $p $be: fio in $g"; ok=0; }
		jsons+=("$json")
	done
	[ "$ok" = 1 ] && bench_multi_row "$round" "$be" "$(fsub "$c1" "$c0")" "$(fsub "$t1" "$t0")" \
		"$idle_c" "$idle_t" "${jsons[@]}"
	for g in $MULTI_GUESTS; do
		lab_guest_alive "$g" && lab_guest_destroy "$g"
	done
	return 0
}

# bench_multi_row ROUND BACKEND DOM0_S ELAPSED_S IDLE_DOM0_S IDLE_S JSON...
bench_multi_row() {
	local round=$1 be=$2 c=$3 t=$4 ic=$5 it=$6
	shift 6
	jq -r -s --arg pre "$round,nullb,multi,$be,$LAB_MODNAME,1" --arg c "$c" --arg t "$t" \
		--arg ic "$ic" --arg it "$it" --arg cap "$P_CAP" --arg g "$#" '
		def lat($d): ($d.lat_ns.percentile // $d.clat_ns.percentile // {});
		[.[] | .jobs[] | .read] as $d |
		([$d[].total_ios] | add) as $n |
		[$pre, ([$d[].iops] | add), (([$d[].bw_bytes] | add) / 1000000),
		 (if $n > 0 then ([$d[] | .lat_ns.mean * .total_ios] | add) / $n / 1000 else 0 end),
		 (([$d[] | lat(.)["50.000000"] // 0] | add) / ($d | length) / 1000),
		 (([$d[] | lat(.)["99.000000"] // 0] | add) / ($d | length) / 1000),
		 $n, $c, $t, $ic, $it, $cap, $g] | map(tostring) | join(",")' "$@" >>"$RAW" ||
		lab_fail "r$round multi $be: cannot read fio's JSON"
	lab_log "r$round nullb multi $be: $(tail -n 1 "$RAW")"
}

lab_log "profiles: $PROFILES; devices: $DEVICES; runtime ${RT}s; rounds $ROUNDS; ${SIZE} MiB"
# brd disks: ram0 for brd, then one each for lvm's physical volume and
# iscsi's LUN, in the order of DEVICES
BENCH_VG=vbdbench
NBRD=0
for dev in $DEVICES; do
	case $dev in brd|lvm|iscsi) NBRD=$((NBRD + 1)) ;; esac
done
BRD_NEXT=0
[ "$NBRD" = 0 ] || lab_brd_setup "$NBRD" $((SIZE + 64)) || lab_end
# multi's guests have null_blk devices 1..MULTI of their own, nullb's is 0
MULTI_GUESTS=
NNULLB=1
case " $PROFILES " in
*" multi "*)
	[[ $MULTI =~ ^[1-9]$ ]] || { lab_fail "bad BENCH_MULTI_GUESTS '$MULTI'"; lab_end; }
	MULTI_GUESTS=$(seq -f 'bm%g' 1 "$MULTI" | tr '\n' ' ')
	NNULLB=$((MULTI + 1))
	case " $DEVICES " in *" nullb "*) ;; *) lab_nullb_setup 1 memory_backed=0 nr_devices=$NNULLB || lab_end ;; esac ;;
esac
for dev in $DEVICES; do
	case $dev in
	nullb) lab_nullb_setup 1 memory_backed=0 nr_devices=$NNULLB || lab_end ;;
	brd) BRD_DEV=/dev/ram$BRD_NEXT BRD_NEXT=$((BRD_NEXT + 1)) ;;
	lvm) pv=/dev/ram$BRD_NEXT BRD_NEXT=$((BRD_NEXT + 1))
		lab_vg_setup "$BENCH_VG" "$pv" || lab_end
		lab_lvm_do "lvcreate $BENCH_VG/vol" lvcreate -y -L $((SIZE + 32))M -n vol "$BENCH_VG" || lab_end
		lab_lv_wait "$BENCH_VG" vol || lab_end ;;
	iscsi) lab_iscsi_export "/dev/ram$BRD_NEXT" || lab_end
		BRD_NEXT=$((BRD_NEXT + 1)) ;;
	*) lab_fail "unknown device '$dev' (nullb, brd, lvm or iscsi)"; lab_end ;;
	esac
	case $dev in
	brd|lvm|iscsi)
		# every page fio touches exists before the first run: reads of a
		# page brd has not yet allocated are cheaper than of one it has
		timeout 300 dd if=/dev/zero of="$(bench_target "$dev")" bs=1M count="$SIZE" \
			oflag=direct 2>/dev/null || lab_fail "fill $(bench_target "$dev")" ;;
	esac
done

lab_insnprof_symbols kernel
G=bench
VCPUS=1
SINGLE=0
for p in $PROFILES; do
	bench_profile "$p"
	[ "$P_GUESTS" = 1 ] && SINGLE=1
	[ "$P_VCPUS" -gt "$VCPUS" ] && VCPUS=$P_VCPUS
done
for round in $(seq 1 "$ROUNDS"); do
	for be in xen-blkback vbdback; do
		bench_use "$be" || lab_end
		bench_turn "$round" "$be" || lab_end
		lab_log "round $round $be done"
	done
done
lab_log "$(($(wc -l <"$RAW") - 1)) runs in $RAW"
rm -f "$LAB_INSNPROF_DIR/skip.tsv"
lab_end
