#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vbdback lab: boot Xen 4.17 inside QEMU (TCG) with the Debian 6.1 kernel as
# PV dom0, load a block backend (vbdback.ko or the stock xen-blkback), start
# PV guests using xen-blkfront, run named scenarios, print one verdict line.
#
# usage: scripts/lab/lab.sh [--backend vbdback|xen-blkback] [--module KO]
#            [--timeout SECONDS] [--out DIR] [--icount[=SHIFT]]
#            [--stock-hotplug] [--guest-vcpus N] [--kernel DIR]
#            [--insnprof PLUGIN] [--env NAME=VALUE]... [--progress]
#            SCENARIO [SCENARIO...]
#
# --kernel DIR boots dom0 on the kernel in DIR (as made by make debug-kernel:
# DIR/vmlinuz, DIR/kver, modules under DIR/root); guests keep Debian's.
# --insnprof PLUGIN loads tools/insnprof's QEMU plugin, which counts the
# instructions each CPU executes per code block; dom0 asks for the counts
# with lab_insnprof (make bench BENCH_INSNPROF=1).
# --env NAME=VALUE is set in every scenario's environment (BENCH_*, FUZZ_*).
# --progress prints each stage as it is reached (Xen, dom0, toolstack, each
# scenario, guests, the steps scenarios report with lab_progress).
#
# The last line printed is always exactly one of
#   LAB: PASS backend=<b> scenarios=<list>
#   LAB: FAIL backend=<b> failed=<list or reason>
# and the exit status is 0 only for PASS.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
LAB_BUILD=$REPO/build/lab

BACKEND=vbdback
MODULE=
TIMEOUT=1500
OUT=
ICOUNT=0
ICOUNT_SHIFT=1
HOTPLUG=lab
GUEST_VCPUS=1
KERNEL_DIR=
INSNPROF=
PROGRESS=0
SCENARIOS=()
EXTRA_ENV=()

QEMU_PID=
VERDICT_DONE=0
START_TS=$(date +%s)

usage() {
	sed -n '8,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	local f list=''
	for f in "$REPO"/tests/lab/scenarios/*.sh; do
		[ -f "$f" ] && f=${f##*/} && list="$list ${f%.sh}"
	done
	echo "scenarios:$list"
}

verdict() {
	# verdict PASS|FAIL text
	[ "$VERDICT_DONE" = 1 ] && return
	VERDICT_DONE=1
	if [ "$1" = PASS ]; then
		echo "LAB: PASS backend=$BACKEND scenarios=$2"
	else
		echo "LAB: FAIL backend=$BACKEND failed=$2"
	fi
}

stop_qemu() {
	[ -n "$QEMU_PID" ] || return 0
	if kill -0 "$QEMU_PID" 2>/dev/null; then
		kill -TERM "$QEMU_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$QEMU_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$QEMU_PID" 2>/dev/null
	fi
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
}

# shellcheck disable=SC2317 # invoked by trap
on_exit() {
	local rc=$?
	stop_qemu
	if [ "$VERDICT_DONE" != 1 ]; then
		verdict FAIL "aborted(exit-$rc)"
		exit 1
	fi
}
trap on_exit EXIT
trap 'echo "lab: interrupted" >&2; stop_qemu; verdict FAIL interrupted; exit 130' INT TERM

fail_early() {
	echo "lab: $*" >&2
	verdict FAIL "$(echo "$*" | tr ' ' '-' | cut -c1-80)"
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--backend) BACKEND=${2:-}; shift 2 ;;
	--backend=*) BACKEND=${1#*=}; shift ;;
	--module) MODULE=${2:-}; shift 2 ;;
	--module=*) MODULE=${1#*=}; shift ;;
	--timeout) TIMEOUT=${2:-}; shift 2 ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	--out) OUT=${2:-}; shift 2 ;;
	--out=*) OUT=${1#*=}; shift ;;
	--icount) ICOUNT=1; shift ;;
	--icount=*) ICOUNT=1; ICOUNT_SHIFT=${1#*=}; shift ;;
	--stock-hotplug) HOTPLUG=stock; shift ;;
	--guest-vcpus) GUEST_VCPUS=${2:-}; shift 2 ;;
	--guest-vcpus=*) GUEST_VCPUS=${1#*=}; shift ;;
	--kernel) KERNEL_DIR=${2:-}; shift 2 ;;
	--kernel=*) KERNEL_DIR=${1#*=}; shift ;;
	--insnprof) INSNPROF=${2:-}; shift 2 ;;
	--insnprof=*) INSNPROF=${1#*=}; shift ;;
	--progress) PROGRESS=1; shift ;;
	--env) EXTRA_ENV+=("${2:-}"); shift 2 ;;
	--env=*) EXTRA_ENV+=("${1#*=}"); shift ;;
	-h|--help) usage; VERDICT_DONE=1; exit 0 ;;
	--) shift; SCENARIOS+=("$@"); break ;;
	-*) usage >&2; fail_early "unknown option $1" ;;
	*) SCENARIOS+=("$1"); shift ;;
	esac
done

case $BACKEND in
vbdback|xen-blkback) ;;
*) fail_early "bad --backend '$BACKEND' (vbdback or xen-blkback)" ;;
esac
if ! [[ $TIMEOUT =~ ^[0-9]+$ ]] || [ "$TIMEOUT" -lt 10 ]; then
	fail_early "bad --timeout '$TIMEOUT'"
fi
[[ $ICOUNT_SHIFT =~ ^[0-9]+$ ]] || fail_early "bad --icount shift '$ICOUNT_SHIFT'"
[[ $GUEST_VCPUS =~ ^[12]$ ]] || fail_early "bad --guest-vcpus '$GUEST_VCPUS' (1 or 2)"
[ -z "$INSNPROF" ] || [ -f "$INSNPROF" ] || fail_early "no plugin '$INSNPROF'"
[ ${#SCENARIOS[@]} -gt 0 ] || { usage >&2; fail_early "no scenario given"; }
for e in "${EXTRA_ENV[@]}"; do
	# not one of lab.conf's own LAB_* names: a setting must not change the lab
	[[ $e =~ ^[A-Z][A-Z0-9_]*= ]] && [[ ! $e =~ ^LAB_ ]] || fail_early "bad --env '$e' (NAME=VALUE)"
done
for s in "${SCENARIOS[@]}"; do
	[[ $s =~ ^[a-z0-9_-]+$ ]] || fail_early "bad scenario name '$s'"
	[ -f "$REPO/tests/lab/scenarios/$s.sh" ] || fail_early "unknown scenario '$s'"
done
SCEN_LIST=$(IFS=,; echo "${SCENARIOS[*]}")

[ "$(id -u)" = 0 ] || fail_early "must run as root (9p passthrough of /)"
case $REPO in
*[,\ ]*) fail_early "repository path must not contain commas or spaces: $REPO" ;;
esac

# One lab at a time per machine: two QEMUs under TCG on two cores would each
# run at half speed and miss their timeouts. The wait is bounded too.
LAB_LOCK=${LAB_LOCK:-/tmp/vbdback-lab.lock}
LAB_LOCK_WAIT=${LAB_LOCK_WAIT:-3600}
exec 9>>"$LAB_LOCK" || fail_early "cannot open lock $LAB_LOCK"
if ! flock -n 9; then
	echo "lab: waiting for another lab run to finish (lock $LAB_LOCK)"
	flock -w "$LAB_LOCK_WAIT" 9 || fail_early "lab lock $LAB_LOCK busy for ${LAB_LOCK_WAIT}s"
	START_TS=$(date +%s)
fi

# --- inputs --------------------------------------------------------------
KIMG=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.0-*-amd64' | sort -V | tail -n 1)
[ -n "$KIMG" ] || fail_early "no /boot/vmlinuz-6.1.0-*-amd64 (run scripts/lab/deps.sh)"
KVER=${KIMG#/boot/vmlinuz-}
[ -d "/lib/modules/$KVER/kernel" ] || fail_early "no /lib/modules/$KVER"
# dom0's kernel: Debian's (as the guests'), or one given with --kernel whose
# modules dom0 finds under DOM0_MODROOT (bind-mounted over /lib/modules).
GUEST_KVER=$KVER
DOM0_KIMG=$KIMG
DOM0_MODROOT=
if [ -n "$KERNEL_DIR" ]; then
	KERNEL_DIR=$(readlink -f "$KERNEL_DIR")
	[ -f "$KERNEL_DIR/vmlinuz" ] && [ -f "$KERNEL_DIR/kver" ] ||
		fail_early "no kernel in $KERNEL_DIR (make debug-kernel)"
	KVER=$(cat "$KERNEL_DIR/kver")
	DOM0_KIMG=$KERNEL_DIR/vmlinuz
	DOM0_MODROOT=$KERNEL_DIR/root
	[ -d "$DOM0_MODROOT/lib/modules/$KVER/kernel" ] ||
		fail_early "no modules for $KVER in $DOM0_MODROOT"
	case $DOM0_MODROOT in *[,\ \']*) fail_early "--kernel path must not contain commas, spaces or quotes" ;; esac
fi
command -v qemu-system-x86_64 >/dev/null || fail_early "qemu-system-x86_64 missing (run scripts/lab/deps.sh)"
command -v xl >/dev/null || fail_early "xl missing (run scripts/lab/deps.sh)"

MODNAME=xen_blkback
if [ "$BACKEND" = vbdback ]; then
	MODULE=${MODULE:-$REPO/drivers/block/vbdback/vbdback.ko}
	case $MODULE in /*) ;; *) MODULE=$PWD/$MODULE ;; esac
	[ -f "$MODULE" ] || fail_early "module not found: $MODULE (build it first)"
	MODULE=$(readlink -f "$MODULE")
	MODNAME=$(basename "$MODULE" .ko | tr - _)
	vermagic=$(modinfo -F vermagic "$MODULE" 2>/dev/null | cut -d' ' -f1)
	[ "$vermagic" = "$KVER" ] ||
		fail_early "module $MODULE is built for '${vermagic:-?}', the lab boots $KVER"
fi

OUT=${OUT:-$LAB_BUILD/out}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
case $OUT in *[,\ ]*) fail_early "--out path must not contain commas or spaces" ;; esac

mkdir -p "$LAB_BUILD" || fail_early "cannot create $LAB_BUILD"
[ -f "$LAB_BUILD/.gitignore" ] || echo '*' >"$LAB_BUILD/.gitignore"

# shellcheck source=scripts/lab/initramfs.sh
. "$SCRIPT_DIR/initramfs.sh"
lab_build_xen_elf || fail_early "cannot prepare xen.elf"
lab_build_dom0_initramfs || fail_early "cannot build dom0 initramfs"
lab_build_guest_initramfs || fail_early "cannot build guest initramfs"
lab_build_guest_kernel "$KIMG"

# A fresh results dir; only ever wipe a directory an earlier run created.
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then
	[ -f "$OUT/.lab-out" ] || fail_early "refusing to wipe $OUT: not a lab results dir"
	rm -rf "${OUT:?}"/* "$OUT"/.[!.]* 2>/dev/null
fi
mkdir -p "$OUT" || fail_early "cannot create $OUT"
touch "$OUT/.lab-out"

# dom0 loads a snapshot of the module (a rebuild during the run cannot
# change what the scenarios reload); /lab-out is where dom0 sees $OUT.
DOM0_MODULE=
if [ "$BACKEND" = vbdback ]; then
	# Without its debug information, as DKMS installs it: dom0 reads the
	# module over 9p, and a live upgrade's pause includes that load.
	strip --strip-debug -o "$OUT/$MODNAME.ko" "$MODULE" || fail_early "cannot copy $MODULE"
	sha256sum "$MODULE" >"$OUT/module.sha256"
	DOM0_MODULE=/lab-out/$MODNAME.ko
fi

cat >"$OUT/lab.conf" <<EOF
LAB_REPO='$REPO'
LAB_BACKEND='$BACKEND'
LAB_MODULE='$DOM0_MODULE'
LAB_MODNAME='$MODNAME'
LAB_SCENARIOS='${SCENARIOS[*]}'
LAB_KVER='$KVER'
LAB_DOM0_MODROOT='$DOM0_MODROOT'
LAB_GUEST_KERNEL='$LAB_GUEST_KIMG'
LAB_GUEST_INITRD='$LAB_BUILD/guest-initramfs.cpio.gz'
LAB_HOTPLUG='$HOTPLUG'
LAB_GUEST_VCPUS='$GUEST_VCPUS'
LAB_ICOUNT='$ICOUNT'
EOF
for e in "${EXTRA_ENV[@]}"; do
	printf '%s=%q\n' "${e%%=*}" "${e#*=}" >>"$OUT/lab.conf"
done

# --- QEMU --------------------------------------------------------------
# (commas below are QEMU's option syntax, not array separators)
# shellcheck disable=SC2054
if [ "$ICOUNT" = 1 ]; then
	ACCEL=(-accel tcg,thread=single -icount "shift=$ICOUNT_SHIFT,align=off,sleep=off")
else
	ACCEL=(-accel tcg,thread=multi)
fi
# Without smap/smep dom0 faults at once under TCG. XSAVE is off because with
# it, vector registers came back corrupted after Xen switched two vCPUs on
# one pCPU (mangled strings in programs, failed kernel decompression):
# without it Xen and the kernels switch FPU state with FXSAVE.
LAB_CPU=${LAB_CPU:-max,-smap,-smep,-xsave}
XEN_CMDLINE="console=com1 com1=115200,8n1 dom0_mem=2048M,max:2048M dom0_max_vcpus=1 dom0_vcpus_pin bootscrub=0 loglvl=all guest_loglvl=all"
DOM0_CMDLINE="console=hvc0 earlyprintk=xen panic=5"
# shellcheck disable=SC2054
QEMU=(qemu-system-x86_64 "${ACCEL[@]}" -cpu "$LAB_CPU" -smp 2 -m 4096
	-kernel "$LAB_BUILD/xen.elf" -append "$XEN_CMDLINE"
	-initrd "$DOM0_KIMG $DOM0_CMDLINE,$LAB_DOM0_INITRD"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$OUT,mount_tag=labout,security_model=none,multidevs=remap"
	-virtfs "local,path=$REPO,mount_tag=labrepo,security_model=none,readonly=on,multidevs=remap"
	-serial "file:$OUT/serial.log" -display none -monitor none -vga none -nic none -no-reboot)
# The instruction profiler answers dom0's requests in $OUT/insnprof, which
# dom0 sees as /lab-out/insnprof (tests/lab/lib.sh: lab_insnprof).
if [ -n "$INSNPROF" ]; then
	mkdir -p "$OUT/insnprof"
	QEMU+=(-plugin "$INSNPROF,dir=$OUT/insnprof")
fi

echo "lab: backend=$BACKEND${MODULE:+ module=$MODULE} dom0-kernel=$KVER scenarios=$SCEN_LIST timeout=${TIMEOUT}s out=$OUT"
printf '%q ' "${QEMU[@]}" >"$OUT/qemu.cmd"
echo >>"$OUT/qemu.cmd"
"${QEMU[@]}" </dev/null >"$OUT/qemu.log" 2>&1 &
QEMU_PID=$!
echo "$QEMU_PID" >"$OUT/qemu.pid"

# --- watch -------------------------------------------------------------
TIMED_OUT=0
shown=0
show_new_results() {
	local n
	[ -f "$OUT/results.txt" ] || return 0
	n=$(wc -l <"$OUT/results.txt")
	if [ "$n" -gt "$shown" ]; then
		sed -n "$((shown + 1)),${n}p" "$OUT/results.txt"
		shown=$n
	fi
}
# --progress: dom0's stage lines from the serial log (whole lines, from
# where the last look stopped) and the scenarios' progress.txt.
serial_seen=0
progress_seen=0
progress_say() {
	printf 'lab: [%4ds] %s\n' "$(($(date +%s) - START_TS))" "$*"
}
show_progress() {
	local line n
	[ "$PROGRESS" = 1 ] || return 0
	n=$(wc -l 2>/dev/null <"$OUT/serial.log" || echo 0)
	if [ "$n" -gt "$serial_seen" ]; then
		while IFS= read -r line; do
			case $line in
			*"(XEN) Xen version"*) progress_say "Xen is booting" ;;
			*"LAB-DOM0: stage1 start"*) progress_say "dom0's kernel is up (initramfs)" ;;
			*"LAB-DOM0: stage2 up"*) progress_say "dom0 is up on the host's root (9p, read-only, tmpfs overlay)" ;;
			*"LAB-DOM0: toolstack up"*) progress_say "toolstack up (xenstored, xenconsoled)${line##*toolstack up}" ;;
			*"LAB-DOM0: backend "* | *"LAB-DOM0: scenario "*) progress_say "${line#*LAB-DOM0: }" ;;
			*"LAB-DOM0: all done"*) progress_say "scenarios done, dom0 powers off" ;;
			esac
		done < <(sed -n "$((serial_seen + 1)),${n}p" "$OUT/serial.log" | tr -d '\r' |
			grep -a -e 'LAB-DOM0: ' -e '(XEN) Xen version')
		serial_seen=$n
	fi
	[ -f "$OUT/progress.txt" ] || return 0
	n=$(wc -l <"$OUT/progress.txt")
	if [ "$n" -gt "$progress_seen" ]; then
		while IFS= read -r line; do
			progress_say "$line"
		done < <(sed -n "$((progress_seen + 1)),${n}p" "$OUT/progress.txt")
		progress_seen=$n
	fi
}
[ "$PROGRESS" = 1 ] && progress_say "QEMU started (Xen 4.17, dom0 $KVER, TCG: about a minute to the first guest)"
deadline=$((START_TS + TIMEOUT))
while kill -0 "$QEMU_PID" 2>/dev/null; do
	show_progress
	show_new_results
	if [ "$(date +%s)" -ge "$deadline" ]; then
		TIMED_OUT=1
		echo "lab: global timeout (${TIMEOUT}s) reached, killing QEMU (pid $QEMU_PID)"
		break
	fi
	sleep 1
done
stop_qemu
show_new_results
ELAPSED=$(($(date +%s) - START_TS))
echo "lab: QEMU ended after ${ELAPSED}s"

# --- verdict -----------------------------------------------------------
failed=()
if [ "$TIMED_OUT" = 1 ]; then
	failed+=("timeout-${TIMEOUT}s")
fi
if grep -q '^LAB-SETUP: FAIL' "$OUT/setup.txt" 2>/dev/null; then
	sed -n 's/^LAB-SETUP: FAIL /lab: setup failed: /p' "$OUT/setup.txt"
	failed+=(setup)
fi
for s in "${SCENARIOS[@]}"; do
	line=$(grep -E "^SCENARIO $s: (PASS|FAIL)" "$OUT/results.txt" 2>/dev/null | tail -n 1)
	case $line in
	"SCENARIO $s: PASS"*) ;;
	"") failed+=("$s(not-run)") ;;
	*) failed+=("$s") ;;
	esac
done
if [ ! -f "$OUT/done" ] && [ "$TIMED_OUT" = 0 ]; then
	failed+=("dom0-did-not-finish")
fi

# dom0 kernel problems: the full dmesg, or the serial log if dom0 never saved it.
BAD_RE='WARNING:|BUG:|Oops|general protection fault|soft lockup|hung_task|blocked for more than|Kernel panic'
if [ -f "$OUT/dmesg.txt" ]; then
	bad=$(grep -E "$BAD_RE" "$OUT/dmesg.txt")
else
	bad=$(grep -aE "$BAD_RE" "$OUT/serial.log" 2>/dev/null | grep -v '^(XEN)')
fi
if [ -n "$bad" ]; then
	echo "lab: dom0 kernel reported problems:"
	echo "$bad" | head -n 20 | sed 's/^/  /'
	failed+=(dmesg)
fi

if [ ${#failed[@]} -eq 0 ]; then
	echo "lab: results in $OUT (${ELAPSED}s)"
	verdict PASS "$SCEN_LIST"
	exit 0
fi

echo "===== dom0 dmesg (tail) ====="
if [ -f "$OUT/dmesg.txt" ]; then
	tail -n 60 "$OUT/dmesg.txt"
else
	tr -d '\r' <"$OUT/serial.log" 2>/dev/null | tail -n 60
fi
for f in "$OUT"/console/guest-*.log; do
	[ -f "$f" ] || continue
	echo "===== $(basename "$f") (tail) ====="
	tr -d '\r' <"$f" | tail -n 60
done
echo "lab: results in $OUT (${ELAPSED}s)"
verdict FAIL "$(IFS=,; echo "${failed[*]}")"
exit 1
