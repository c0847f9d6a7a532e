# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# vbdback lab: helpers for the dom0 scenarios (tests/lab/scenarios/*.sh).
#
# Environment (set by tests/lab/dom0/stage2.sh from lab.conf):
#   LAB_REPO LAB_BACKEND(vbdback|xen-blkback) LAB_MODULE LAB_MODNAME
#   LAB_GUEST_KERNEL LAB_GUEST_INITRD LAB_HOTPLUG(lab|stock) LAB_GUEST_VCPUS
#   LAB_OUT LAB_SCENARIO
#
# Conventions: functions return 0/1 and never wait without a bound. Check
# failures are recorded with lab_fail (the scenario goes on, so that cleanup
# always runs); lab_end cleans up and prints "SCENARIO NAME: PASS|FAIL ...".
# Values a function hands back are put in LAB_* globals (not printed), so the
# function runs in the scenario's shell and its bookkeeping sticks.

# shellcheck source=tests/lab/dom0/backend.sh
. "$LAB_REPO/tests/lab/dom0/backend.sh"

LAB_TMP=/tmp/vbdlab
LAB_CONSOLE_DIR=/var/log/xen/console
LAB_HOTPLUG_SCRIPT=$LAB_REPO/tests/lab/hotplug/vbd-lab
LAB_SCENARIO=${LAB_SCENARIO:-adhoc}
LAB_FAILS=()
LAB_NOTES=()
LAB_GUESTS=()
LAB_LOOPS=()
LAB_BRD=0
LAB_NULLB=0
LAB_ENDED=0
LAB_DOMID=
LAB_GUEST_DOMID=
declare -gA LAB_DOMID_OF=() # guest name -> domain id (lab_guest_domid)
LAB_LOOP_DEV=
export LAB_LOOP_FILE=
LAB_END_HOOKS=()
LAB_CMD_OUT=
LAB_CMD_RC=
LAB_FUZZ_SENT=0
LAB_FUZZ_FAILURES=0
LAB_STATS=
export LAB_MD5=
mkdir -p "$LAB_TMP"

# ------------------------------------------------------------------------
# Reporting and assertions

lab_log() { echo "[$LAB_SCENARIO] $*"; }

lab_note() {
	LAB_NOTES+=("$*")
	lab_log "note: $*"
}

# lab_progress TEXT: a step worth showing while the lab runs; lab.sh
# --progress (make demo) prints these lines as they come.
lab_progress() {
	lab_log "$*"
	echo "$LAB_SCENARIO: $*" >>"$LAB_OUT/progress.txt"
}

lab_fail() {
	LAB_FAILS+=("$*")
	lab_log "FAIL: $*"
}

lab_failed() { [ ${#LAB_FAILS[@]} -gt 0 ]; }

# lab_check DESC CMD...: run CMD, record DESC as failed if it fails.
lab_check() {
	local desc=$1
	shift
	if "$@"; then
		lab_log "ok: $desc"
		return 0
	fi
	lab_fail "$desc"
	return 1
}

lab_is_int() { [[ ${1:-} =~ ^-?[0-9]+$ ]]; }

# lab_assert_eq DESC ACTUAL EXPECTED
lab_assert_eq() {
	if [ "$2" = "$3" ]; then
		lab_log "ok: $1 ($2)"
		return 0
	fi
	lab_fail "$1: got '$2', expected '$3'"
	return 1
}

# lab_assert_ge DESC ACTUAL MIN
lab_assert_ge() {
	if lab_is_int "$2" && lab_is_int "$3" && [ "$2" -ge "$3" ]; then
		lab_log "ok: $1 ($2 >= $3)"
		return 0
	fi
	lab_fail "$1: got '$2', expected >= $3"
	return 1
}

# lab_assert_range DESC ACTUAL MIN MAX
lab_assert_range() {
	if lab_is_int "$2" && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		lab_log "ok: $1 ($2 in [$3,$4])"
		return 0
	fi
	lab_fail "$1: got '$2', expected in [$3,$4]"
	return 1
}

# lab_wait TIMEOUT DESC CMD...: poll CMD until it succeeds: every 0.1 s for
# the first second (most waits end within it: a guest command, a device
# going away), then every 0.5 s.
lab_wait() {
	local timeout=$1 desc=$2 end n=0
	shift 2
	end=$((SECONDS + timeout))
	while :; do
		"$@" && return 0
		if [ "$SECONDS" -ge "$end" ]; then
			lab_log "timed out after ${timeout}s waiting for: $desc"
			return 1
		fi
		if [ "$n" -lt 10 ]; then
			n=$((n + 1))
			sleep 0.1
		else
			sleep 0.5
		fi
	done
}

# ------------------------------------------------------------------------
# Xenstore and backend devices

lab_xs_read() { timeout 10 xenstore-read "$1" 2>/dev/null; }
lab_xs_exists() { timeout 10 xenstore-exists "$1" >/dev/null 2>&1; }
lab_xs_write() { timeout 10 xenstore-write "$@"; }

# lab_devid xvdX: the Xen virtual device number (202 << 8 | index << 4).
lab_devid() {
	local v=$1 c
	c=${v#xvd}
	case $c in
	[a-o]) ;;
	*) echo 0; return 1 ;;
	esac
	echo $((51712 + 16 * ($(printf '%d' "'$c") - 97)))
}

lab_be_xs() { echo "/local/domain/0/backend/vbd/$1/$2"; }
lab_fe_xs() { echo "/local/domain/$1/device/vbd/$2"; }
lab_be_sys() { echo "/sys/bus/xen-backend/devices/vbd-$1-$2"; }
lab_err_xs() { echo "/local/domain/0/error/backend/vbd/$1/$2/error"; }
lab_be_state() { lab_xs_read "$(lab_be_xs "$1" "$2")/state"; }
# lab_be_key DOMID DEVID KEY / lab_fe_key DOMID DEVID KEY: one xenstore key of
# the backend's or the frontend's directory (empty if it does not exist).
lab_be_key() { lab_xs_read "$(lab_be_xs "$1" "$2")/$3"; }
lab_fe_key() { lab_xs_read "$(lab_fe_xs "$1" "$2")/$3"; }
lab_fe_state() { lab_xs_read "$(lab_fe_xs "$1" "$2")/state"; }

# lab_be_error DOMID DEVID: the reason the backend gave, if any (the
# xenbus_dev_fatal/xenbus_dev_error node, or an "error" node in its dir).
lab_be_error() {
	local e
	e=$(lab_xs_read "$(lab_err_xs "$1" "$2")") && [ -n "$e" ] && { echo "$e"; return 0; }
	e=$(lab_xs_read "$(lab_be_xs "$1" "$2")/error") && [ -n "$e" ] && { echo "$e"; return 0; }
	return 1
}

lab_be_gone() {
	! lab_xs_exists "$(lab_be_xs "$1" "$2")" && [ ! -e "$(lab_be_sys "$1" "$2")" ]
}

# lab_be_list [DOMID]: the vbd backend devices in sysfs (of one domain).
lab_be_list() {
	local d out=''
	for d in /sys/bus/xen-backend/devices/vbd-"${1:+$1-}"*; do
		[ -e "$d" ] && out="$out${out:+ }${d##*/}"
	done
	echo "$out"
}

# No backend dir and no backend sysfs device left for a domain.
lab_be_dom_gone() {
	local d
	lab_xs_exists "/local/domain/0/backend/vbd/$1" && return 1
	for d in /sys/bus/xen-backend/devices/vbd-"$1"-*; do
		[ -e "$d" ] && return 1
	done
	return 0
}

lab_be_state_is() {
	local s
	s=$(lab_be_state "$1" "$2")
	shift 2
	local want
	for want in "$@"; do
		[ "$s" = "$want" ] && return 0
	done
	return 1
}

# lab_stats DOMID DEVID: LAB_STATS="rd_req=N wr_req=N ..." from sysfs.
LAB_STAT_NAMES="rd_req wr_req f_req oo_req ds_req rd_sect wr_sect"
lab_stats() {
	local dir n v
	dir=$(lab_be_sys "$1" "$2")/statistics
	LAB_STATS=
	[ -d "$dir" ] || { lab_log "no $dir"; return 1; }
	for n in $LAB_STAT_NAMES; do
		v=$(cat "$dir/$n" 2>/dev/null) || v='?'
		LAB_STATS="$LAB_STATS $n=$v"
	done
	LAB_STATS=${LAB_STATS# }
	return 0
}

# lab_stat_get "STATS" NAME: one value out of a lab_stats string.
lab_stat_get() {
	local kv
	for kv in $1; do
		[ "${kv%%=*}" = "$2" ] && { echo "${kv#*=}"; return 0; }
	done
	echo "?"
	return 1
}

# lab_stat_delta "BEFORE" "AFTER" NAME
lab_stat_delta() {
	local a b
	a=$(lab_stat_get "$1" "$3")
	b=$(lab_stat_get "$2" "$3")
	if lab_is_int "$a" && lab_is_int "$b"; then
		echo $((b - a))
	else
		echo "?"
	fi
}

# The module that serves a backend device (vbdback or xen_blkback).
lab_be_module() {
	local m
	m=$(readlink -f "$(lab_be_sys "$1" "$2")/driver/module" 2>/dev/null) || return 1
	[ -n "$m" ] || return 1
	basename "$m"
}

# lab_check_binding DOMID DEVID: the device is bound to the backend under
# test and, for vbdback, xen_blkback is not loaded at all.
lab_check_binding() {
	local m
	m=$(lab_be_module "$1" "$2")
	lab_assert_eq "vbd-$1-$2 bound to module" "${m:-none}" "$LAB_MODNAME" || return 1
	if [ "$LAB_BACKEND" = vbdback ] && lab_blkback_loaded; then
		lab_fail "xen_blkback is loaded while the backend under test is vbdback"
		return 1
	fi
	return 0
}

# ------------------------------------------------------------------------
# Backing devices

# lab_brd_setup COUNT SIZE_MIB: /dev/ram0../dev/ram(COUNT-1).
lab_brd_setup() {
	local n=$1 mib=$2 i
	if grep -q '^brd ' /proc/modules; then
		timeout 30 rmmod brd || { lab_fail "brd already loaded and busy"; return 1; }
	fi
	timeout 30 modprobe brd rd_nr="$n" rd_size=$((mib * 1024)) max_part=0 ||
		{ lab_fail "modprobe brd"; return 1; }
	LAB_BRD=1
	for i in $(seq 0 $((n - 1))); do
		lab_wait 10 "/dev/ram$i" test -b "/dev/ram$i" || { lab_fail "no /dev/ram$i"; return 1; }
	done
	return 0
}

# lab_rmmod_retry MODULE: unload it, retrying for 10 s (it fails while
# anything, e.g. a backend going away, still holds one of its devices).
lab_rmmod_retry() {
	local i
	for i in $(seq 1 20); do
		grep -q "^$1 " /proc/modules || return 0
		timeout 30 rmmod "$1" 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}

lab_brd_free() {
	lab_rmmod_retry brd || { lab_fail "cannot unload brd (a ramdisk is still held open)"; return 1; }
	LAB_BRD=0
}

# lab_loop_setup SIZE_MIB: LAB_LOOP_DEV=/dev/loopN over a file in /tmp (tmpfs),
# LAB_LOOP_FILE=that file.
lab_loop_setup() {
	local f
	LAB_LOOP_FILE=
	f=$(mktemp "$LAB_TMP/loop.XXXXXX.img") || { lab_fail "mktemp"; return 1; }
	truncate -s "${1}M" "$f"
	LAB_LOOP_DEV=$(timeout 30 losetup -f --show "$f") ||
		{ lab_fail "losetup $f"; rm -f "$f"; return 1; }
	LAB_LOOPS+=("$LAB_LOOP_DEV:$f")
	LAB_LOOP_FILE=$f
	return 0
}

lab_loop_free_all() {
	local e dev f i
	for e in "${LAB_LOOPS[@]}"; do
		dev=${e%%:*}
		f=${e#*:}
		for i in $(seq 1 20); do
			timeout 30 losetup -d "$dev" 2>/dev/null && break
			sleep 0.5
		done
		if losetup "$dev" >/dev/null 2>&1 && losetup "$dev" | grep -q "$f"; then
			lab_fail "cannot detach $dev"
		fi
		rm -f "$f"
	done
	LAB_LOOPS=()
}

# lab_nullb_setup SIZE_GIB [PARAM=VALUE...]: /dev/nullb0 (discards data: not
# for verify jobs); more null_blk parameters, e.g. irqmode=2
# completion_nsec=2000000 for requests that take 2 ms.
lab_nullb_setup() {
	local gib=$1
	shift
	timeout 30 modprobe null_blk nr_devices=1 gb="$gib" "$@" ||
		{ lab_fail "modprobe null_blk"; return 1; }
	LAB_NULLB=1
	lab_wait 10 /dev/nullb0 test -b /dev/nullb0
}

lab_nullb_free() {
	lab_rmmod_retry null_blk || { lab_fail "cannot unload null_blk"; return 1; }
	LAB_NULLB=0
}

# ------------------------------------------------------------------------
# LVM volume groups on the lab's loop or ram devices

# dom0 has no udev: LVM must not wait for it nor count on its rules (it
# makes /dev/VG/LV itself then), and it looks at the lab's loop and ram
# devices only. Volume group names start with vbdlab: lab_reset_dom0
# removes device-mapper devices of that name a killed scenario left.
LAB_LVMCONF='activation { udev_sync=0 udev_rules=0 } devices { obtain_device_list_from_udev=0 use_devicesfile=0 global_filter=[ "a|^/dev/loop|", "a|^/dev/ram|", "r|.*|" ] }'
LAB_VGS=()

# lab_lvm COMMAND ARGS...: one lvm command with the lab's configuration.
lab_lvm() {
	local sub=$1
	shift
	timeout 120 lvm "$sub" --config "$LAB_LVMCONF" "$@"
}

# lab_lvm_do DESC COMMAND ARGS...: lab_lvm, and on failure its output and
# lab_fail DESC.
lab_lvm_do() {
	local desc=$1 rc
	shift
	lab_lvm "$@" >"$LAB_TMP/lvm.log" 2>&1 && return 0
	rc=$?
	sed 's/^/  lvm: /' "$LAB_TMP/lvm.log" | tail -n 20
	lab_fail "$desc (lvm $1 exit $rc)"
	return 1
}

# lab_vg_setup VG PV: volume group VG on the dom0 block device PV. lab_end
# removes it if the scenario did not (lab_vg_remove).
lab_vg_setup() {
	command -v lvm >/dev/null || { lab_fail "lvm2 is not installed (scripts/lab/deps.sh)"; return 1; }
	mkdir -p /run/lock/lvm /etc/lvm
	LAB_VGS+=("$1:$2")
	lab_on_end lab_vg_cleanup "$1"
	lab_lvm_do "pvcreate $2" pvcreate -ff -y "$2" || return 1
	lab_lvm_do "vgcreate $1 $2" vgcreate "$1" "$2"
}

# lab_thin_pool_setup VG MIB: thin pool VG/pool of MIB MiB, 64 KiB chunks,
# new chunks not zeroed (what the lab's checks of its usage assume).
lab_thin_pool_setup() {
	command -v thin_check >/dev/null || { lab_fail "thin-provisioning-tools is not installed"; return 1; }
	timeout 30 modprobe dm_thin_pool || { lab_fail "modprobe dm_thin_pool"; return 1; }
	lab_lvm_do "thin pool $1/pool" lvcreate --type thin-pool -L "${2}M" --chunksize 64k -Zn -n pool "$1"
}

# lab_thin_pool_pct VG: data_percent of VG/pool in hundredths of a percent
# ("?" if lvs fails).
lab_thin_pool_pct() {
	local p
	p=$(lab_lvm lvs --noheadings -o data_percent "$1/pool" 2>/dev/null | tr -d ' ')
	[[ $p =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo '?'; return 1; }
	echo "$p" | awk '{ printf "%d\n", $1 * 100 }'
}

# lab_sub A B: A - B, or "?" unless both are integers.
lab_sub() {
	if lab_is_int "$1" && lab_is_int "$2"; then
		echo $(($1 - $2))
	else
		echo '?'
	fi
}

# lab_lv_wait VG LV: /dev/VG/LV is there (LVM makes it without udev).
lab_lv_wait() {
	lab_wait 10 "/dev/$1/$2" test -b "/dev/$1/$2" && return 0
	lab_fail "no /dev/$1/$2"
	return 1
}

# lab_dev_majmin DEV: "MAJOR:MINOR" in hex, as hotplug scripts write
# physical-device.
lab_dev_majmin() {
	printf '%x:%x' "0x$(stat -L -c %t "$1")" "0x$(stat -L -c %T "$1")"
}

# lab_vg_remove VG: remove VG with its volumes, then its physical volume.
# Fails when LVM refuses (a volume is still open: a backend that did not let
# go) or when a device-mapper device or /dev entry of VG is left.
lab_vg_remove() {
	local vg=$1 pv='' e rest=() left
	for e in "${LAB_VGS[@]}"; do
		if [ "${e%%:*}" = "$vg" ]; then
			pv=${e#*:}
		else
			rest+=("$e")
		fi
	done
	LAB_VGS=("${rest[@]}")
	if [ -z "$pv" ]; then
		lab_fail "volume group $vg was not made by lab_vg_setup"
		return 1
	fi
	if ! lab_lvm_do "vgremove $vg" vgremove -f -y "$vg"; then
		# whatever held a volume, the devices under it must still go
		lab_lvm vgremove -ff -y "$vg" >/dev/null 2>&1
		lab_lvm pvremove -ff -y "$pv" >/dev/null 2>&1
		return 1
	fi
	lab_lvm_do "pvremove $pv" pvremove -y "$pv" || return 1
	# device-mapper names are VG-LV with each "-" of the names doubled
	left=$(timeout 30 dmsetup ls 2>/dev/null | awk -v p="${vg//-/--}-" 'index($1, p) == 1 { print $1 }')
	if [ -n "$left" ]; then
		lab_fail "device-mapper devices of $vg left: $(echo "$left" | tr '\n' ' ')"
		return 1
	fi
	if [ -e "/dev/$vg" ]; then
		lab_fail "/dev/$vg left after vgremove: $(find "/dev/$vg" -mindepth 1 -printf '%f ')"
		return 1
	fi
	lab_log "ok: volume group $vg and physical volume $pv removed, no device left"
	return 0
}

# lab_vg_cleanup VG: in lab_end, lab_vg_remove if the scenario did not.
lab_vg_cleanup() {
	local e
	for e in "${LAB_VGS[@]}"; do
		[ "${e%%:*}" = "$1" ] && { lab_vg_remove "$1"; return; }
	done
	return 0
}

# ------------------------------------------------------------------------
# Guests

# lab_disk TARGET VDEV [w|r] [lab|stock] [OPTIONS]: print an xl disk spec.
# "lab" uses tests/lab/hotplug/vbd-lab, "stock" Debian's
# /etc/xen/scripts/block. OPTIONS are more xl disk spec words, e.g.
# "no-discard" or "devtype=cdrom".
lab_disk() {
	local target=$1 vdev=$2 mode=${3:-w} hp=${4:-$LAB_HOTPLUG} opts=${5:-} access=rw
	[ "$mode" = r ] && access=ro
	[ -z "$hp" ] && hp=$LAB_HOTPLUG
	if [ "$hp" = stock ]; then
		echo "format=raw, vdev=$vdev, access=$access, ${opts:+$opts, }target=$target"
	else
		echo "format=raw, vdev=$vdev, access=$access, ${opts:+$opts, }script=$LAB_HOTPLUG_SCRIPT, target=$target"
	fi
}

lab_console_log() { echo "$LAB_CONSOLE_DIR/guest-$1.log"; }

# lab_guest_create NAME [--vcpus N] [--script NAME] [--args "k=v ..."]
#     [--memory MIB] [--on-reboot destroy|restart] [--cpus LIST] [--paused]
#     DISKSPEC...
# Starts a PV guest running tests/lab/guest/SCRIPT.sh (default: agent) and
# sets LAB_DOMID. --paused leaves it paused (its backends exist, its
# frontends have not started): lab_guest_unpause NAME lets it run. --args
# words go to the guest kernel command line (e.g. xen_blkfront.max_queues=2:
# the guest applies them when it loads the module).
lab_guest_create() {
	local name=$1 vcpus=${LAB_GUEST_VCPUS:-1} script=agent args='' cfg spec disks='' cpus
	local memory=512 on_reboot=destroy pin='' paused=''
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--vcpus) vcpus=$2; shift 2 ;;
		--script) script=$2; shift 2 ;;
		--args) args=$2; shift 2 ;;
		--memory) memory=$2; shift 2 ;;
		--on-reboot) on_reboot=$2; shift 2 ;;
		--cpus) pin=$2; shift 2 ;;
		--paused) paused=-p; shift ;;
		*) break ;;
		esac
	done
	for spec in "$@"; do
		disks="$disks${disks:+, }'$spec'"
	done
	cpus=1
	[ "$vcpus" -gt 1 ] && cpus=all
	[ -n "$pin" ] && cpus=$pin
	cfg=$LAB_TMP/$name.cfg
	cat >"$cfg" <<EOF
name = "$name"
type = "pv"
kernel = "$LAB_GUEST_KERNEL"
ramdisk = "$LAB_GUEST_INITRD"
extra = "console=hvc0 loglevel=4 cryptomgr.notests=1 vbdtest=$script $args"
memory = $memory
vcpus = $vcpus
cpus = "$cpus"
on_poweroff = "destroy"
on_reboot = "$on_reboot"
on_crash = "destroy"
disk = [ $disks ]
EOF
	rm -f "$(lab_console_log "$name")"
	LAB_GUESTS+=("$name")
	LAB_DOMID=
	lab_log "xl create $name: disks $disks"
	if ! timeout 120 xl create $paused "$cfg" >"$LAB_TMP/$name.create.log" 2>&1; then
		sed 's/^/  xl: /' "$LAB_TMP/$name.create.log" | tail -n 30
		lab_fail "xl create $name failed"
		return 1
	fi
	LAB_DOMID=$(timeout 10 xl domid "$name" 2>/dev/null)
	lab_is_int "$LAB_DOMID" || { lab_fail "no domid for $name"; return 1; }
	LAB_DOMID_OF[$name]=$LAB_DOMID
	lab_progress "guest $name created (domain $LAB_DOMID)"
	return 0
}

lab_guest_unpause() {
	lab_log "xl unpause $1"
	timeout 30 xl unpause "$1" || { lab_fail "xl unpause $1"; return 1; }
}

# lab_guest_domid NAME: print the guest's domain id. xl takes a third of a
# second under TCG, a xenstore read a tenth: the domain lab_guest_create
# (or an earlier call here) found for NAME is taken while xenstore still
# gives it that name; otherwise (a reboot, a restore, a destroy) xl is asked.
lab_guest_domid() {
	local d=${LAB_DOMID_OF[$1]:-}
	if [ -n "$d" ] && [ "$(lab_xs_read "/local/domain/$d/name")" = "$1" ]; then
		echo "$d"
		return 0
	fi
	timeout 10 xl domid "$1" 2>/dev/null
}

# lab_guest_domid_update NAME: as lab_guest_domid, into LAB_GUEST_DOMID, and
# remember it for the next calls (they run in the caller's shell).
lab_guest_domid_update() {
	LAB_GUEST_DOMID=$(lab_guest_domid "$1") || { unset "LAB_DOMID_OF[$1]"; return 1; }
	LAB_DOMID_OF[$1]=$LAB_GUEST_DOMID
}

# Number of domains other than dom0 (or "?" if xl list fails).
lab_guest_count() {
	local l
	l=$(timeout 30 xl list 2>/dev/null) || { echo '?'; return 1; }
	echo "$l" | awk 'NR > 1 && $2 != 0' | wc -l
}
lab_guest_alive() { lab_guest_domid "$1" >/dev/null; }

# lab_console_has NAME REGEX: the guest console log has a matching line.
lab_console_has() {
	local f
	f=$(lab_console_log "$1")
	[ -f "$f" ] && tr -d '\r' <"$f" | grep -qE "$2"
}

# lab_console_wait NAME REGEX TIMEOUT
lab_console_wait() {
	lab_wait "$3" "'$2' on $1's console" lab_console_has "$1" "$2"
}

# lab_guest_wait_ready NAME [TIMEOUT]: the agent answers commands.
lab_guest_wait_ready() {
	local name=$1 t=${2:-180}
	if lab_wait "$t" "$name agent ready" lab_guest_ready_now "$name"; then
		lab_progress "guest $name up, its agent answers"
		return 0
	fi
	lab_fail "guest $name not ready within ${t}s"
	lab_guest_dump_console "$name" 30
	return 1
}

lab_guest_ready_now() {
	lab_console_has "$1" '^VBDTEST agent READY' && return 0
	lab_console_has "$1" '^VBDTEST agent RESULT FAIL' && return 1
	lab_guest_alive "$1"
	return 1
}

lab_guest_dump_console() {
	local f
	f=$(lab_console_log "$1")
	[ -f "$f" ] || return 0
	lab_log "---- console of $1 (last ${2:-40} lines) ----"
	tr -d '\r' <"$f" | tail -n "${2:-40}" | sed 's/^/  | /'
}

# lab_guest_cmd NAME TIMEOUT SHELL-COMMAND: run a command in the guest's
# agent (tests/lab/guest/agent.sh, helpers from tests/lab/guest/lib.sh).
# Sets LAB_CMD_RC and LAB_CMD_OUT (a file with the command's output); returns
# 0 only when the command ran and exited 0. With LAB_CMD_QUIET=SECONDS dom0
# sleeps that long, then waits for the end on a xenstore watch instead of
# polling: a measurement then does not count the polling's own work in dom0.
lab_guest_cmd() {
	local name=$1 t=$2 cmd=$3 domid base seqf seq
	LAB_CMD_RC=
	LAB_CMD_OUT=
	lab_guest_domid_update "$name" || { lab_log "guest $name is not running"; return 1; }
	domid=$LAB_GUEST_DOMID
	base=/local/domain/$domid/data/vbdlab
	seqf=$LAB_TMP/$name.seq
	seq=$(($(cat "$seqf" 2>/dev/null || echo 0) + 1))
	echo "$seq" >"$seqf"
	LAB_CMD_OUT=$LAB_TMP/$name.cmd$seq.out
	: >"$LAB_CMD_OUT"
	lab_log "guest $name #$seq: $cmd"
	# base64: xenstore-write/-read would mangle newlines and backslashes.
	# One xenstore-write, cmd before seq: seq announces the command.
	lab_xs_write "$base/cmd" "$(printf '%s' "$cmd" | base64 -w0)" "$base/seq" "$seq" ||
		{ lab_log "cannot write $base/cmd and $base/seq"; return 1; }
	local waiter=(lab_wait "$t")
	if [ -n "${LAB_CMD_QUIET:-}" ]; then
		sleep "$LAB_CMD_QUIET"
		waiter=(lab_wait_watch "$t" "$base/done")
	fi
	if ! "${waiter[@]}" "guest $name command #$seq" lab_cmd_done "$base" "$seq"; then
		LAB_CMD_RC=timeout
		lab_cmd_extract "$name" "$seq"
		return 1
	fi
	lab_wait 15 "output of #$seq on $name's console" \
		lab_console_has "$name" "^VBDTEST agent\\.$seq (RESULT|END)"
	lab_cmd_extract "$name" "$seq"
	[ "$LAB_CMD_RC" = 0 ]
}

# lab_wait_watch TIMEOUT KEY DESC CMD...: lab_wait, but between tries it
# blocks until xenstore KEY (or below it) changes instead of polling, so
# that dom0 starts no process while it waits: make bench counts dom0's
# instructions meanwhile, and every process is thousands of them per I/O
# of a short run. The watch is registered before the first try, so no
# change is missed; if the watcher dies, it polls every 0.5 s.
lab_wait_watch() {
	local timeout=$1 key=$2 desc=$3 end left fifo pid fd rc=1
	shift 3
	end=$((SECONDS + timeout))
	fifo=$(mktemp -u "$LAB_TMP/watch.XXXXXX")
	mkfifo "$fifo" || { lab_wait "$timeout" "$desc" "$@"; return; }
	timeout "$timeout" xenstore-watch "$key" >"$fifo" 2>/dev/null &
	pid=$!
	exec {fd}<"$fifo"
	rm -f "$fifo"
	# xenstore-watch reports the key once as soon as the watch is set.
	read -r -t "$timeout" _ <&"$fd"
	while :; do
		"$@" && { rc=0; break; }
		left=$((end - SECONDS))
		if [ "$left" -le 0 ]; then
			lab_log "timed out after ${timeout}s waiting for: $desc"
			break
		fi
		read -r -t "$left" _ <&"$fd" || sleep 0.5
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	exec {fd}<&-
	return "$rc"
}

# lab_cmd_done BASE SEQ: the agent is done with command SEQ; sets LAB_CMD_RC
# (done and rc are read together: the agent writes them together).
lab_cmd_done() {
	local v
	v=$(timeout 10 xenstore-read "$1/done" "$1/rc" 2>/dev/null) || return 1
	[ "${v%%$'\n'*}" = "$2" ] || return 1
	LAB_CMD_RC=${v#*$'\n'}
}

lab_cmd_extract() {
	local f
	f=$(lab_console_log "$1")
	tr -d '\r' <"$f" 2>/dev/null | awk -v b="VBDTEST agent.$2 BEGIN" -v e="VBDTEST agent.$2 RESULT" '
		index($0, b) == 1 { on = 1; next }
		index($0, e) == 1 { on = 0 }
		on { print }' >"$LAB_CMD_OUT"
}

# lab_cmd_kv KEY: value of a "VBDTEST-KV KEY=VALUE" line of the last command.
lab_cmd_kv() {
	sed -n "s/^VBDTEST-KV $1=//p" "$LAB_CMD_OUT" | tail -n 1
}

# lab_cmd_json: the fio JSON printed by the guest's fio_json helper.
lab_cmd_json() {
	awk '/VBDTEST-JSON-BEGIN/ { on = 1; next } /VBDTEST-JSON-END/ { on = 0 } on' "$LAB_CMD_OUT"
}

lab_cmd_show() {
	sed 's/^/  | /' "$LAB_CMD_OUT" | grep -v 'VBDTEST-JSON' | head -n "${1:-40}"
}

# lab_fio_summary JSONFILE: one line per direction that did I/O.
lab_fio_summary() {
	jq -r '.jobs[] as $j | ["read", "write"][] as $d | $j[$d] | select(.io_bytes > 0) |
		"\($j.jobname) \($d): \(.iops | floor) IOPS, \(.bw_bytes / 1048576 * 100 | floor / 100) MiB/s, lat avg \(.lat_ns.mean / 1000 | floor) us p99 \((.clat_ns.percentile["99.000000"] // 0) / 1000 | floor) us, \(.io_bytes / 1048576 | floor) MiB"' \
		"$1" 2>/dev/null
}

# lab_fio_check JSONFILE DESC: fio reported no error in any job.
lab_fio_check() {
	local errs n
	n=$(jq -r '.jobs | length' "$1" 2>/dev/null)
	if ! lab_is_int "$n" || [ "$n" -lt 1 ]; then
		lab_fail "$2: no fio JSON output"
		return 1
	fi
	errs=$(jq -r '[.jobs[] | select(.error != 0) | "\(.jobname): error \(.error)"] | join(", ")' "$1")
	if [ -n "$errs" ]; then
		lab_fail "$2: $errs"
		return 1
	fi
	return 0
}

# lab_fio_verify GUEST VDEV MIB [FIO-ARGS...]: fio crc32c verify in the
# guest over the first MIB MiB of /dev/VDEV: random writes of 4k-64k blocks
# (direct, libaio, queue depth 16), then every block read back and checked.
# Asserts fio's exit status, no verify message, no job error, MIB MiB
# written and as much read back. FIO-ARGS are added to the job (a later
# option overrides an earlier one). Returns 0 when all of that holds.
lab_fio_verify() {
	local g=$1 vdev=$2 mib=$3 json wr rd rc
	shift 3
	json=$LAB_TMP/$LAB_SCENARIO-$g-$vdev.json
	lab_guest_cmd "$g" "${LAB_FIO_TIMEOUT:-600}" "fio_json --name=verify-$vdev --filename=/dev/$vdev \
		--rw=randwrite --bsrange=4k-64k --ioengine=libaio --iodepth=16 --direct=1 --size=${mib}M \
		--verify=crc32c --verify_fatal=1 --do_verify=1 $*"
	rc=$LAB_CMD_RC
	lab_cmd_json >"$json"
	lab_assert_eq "$g: fio verify on $vdev: exit status" "$rc" 0 || lab_cmd_show 30
	lab_assert_eq "$g: fio verify on $vdev: verify messages" "$(lab_cmd_kv fio_verify_msgs)" "" || rc=1
	lab_fio_check "$json" "$g: fio verify on $vdev" || return 1
	wr=$(jq -r '[.jobs[].write.io_bytes] | add' "$json")
	rd=$(jq -r '[.jobs[].read.io_bytes] | add' "$json")
	lab_assert_eq "$g: fio verify on $vdev: bytes written" "$wr" $((mib * 1048576)) || rc=1
	lab_assert_eq "$g: fio verify on $vdev: bytes read back" "$rd" "$wr" || rc=1
	lab_fio_summary "$json" | sed "s/^/[$LAB_SCENARIO] $g fio /"
	[ "$rc" = 0 ]
}

# lab_block_attach NAME DISKSPEC
lab_block_attach() {
	lab_log "xl block-attach $1 '$2'"
	timeout 120 xl block-attach "$1" "$2" >"$LAB_TMP/$1.attach.log" 2>&1
	local rc=$?
	[ "$rc" = 0 ] || sed 's/^/  xl: /' "$LAB_TMP/$1.attach.log" | tail -n 20
	return "$rc"
}

# lab_block_detach NAME VDEV
lab_block_detach() {
	lab_log "xl block-detach $1 $2"
	timeout 120 xl block-detach "$1" "$2" >"$LAB_TMP/$1.detach.log" 2>&1
	local rc=$?
	[ "$rc" = 0 ] || sed 's/^/  xl: /' "$LAB_TMP/$1.detach.log" | tail -n 20
	return "$rc"
}

# lab_guest_destroy NAME: xl destroy, then the backend must drop every
# device of that domain (xenstore dir and sysfs device) within 30 s.
lab_guest_destroy() {
	local name=$1 domid
	domid=$(lab_guest_domid "$name") || return 0
	lab_log "xl destroy $name (domain $domid)"
	timeout 90 xl destroy "$name" >"$LAB_TMP/$name.destroy.log" 2>&1 ||
		lab_fail "xl destroy $name: $(tail -n 3 "$LAB_TMP/$name.destroy.log" | tr '\n' ' ')"
	if ! lab_wait 30 "backend devices of domain $domid gone" lab_be_dom_gone "$domid"; then
		lab_fail "backend devices of destroyed domain $domid still present: $(lab_be_list "$domid")"
		return 1
	fi
	return 0
}

# lab_backend_param NAME: path of a parameter of the backend module under test.
lab_backend_param() { echo "/sys/module/$LAB_MODNAME/parameters/$1"; }

# lab_backend_param_set NAME VALUE: set a (writable) parameter of the backend
# module under test; lab_end puts the old value back.
lab_backend_param_set() {
	local p old
	p=$(lab_backend_param "$1")
	old=$(cat "$p" 2>/dev/null) || { lab_log "no parameter $p"; return 1; }
	echo "$2" >"$p" 2>/dev/null || { lab_log "cannot write $2 to $p"; return 1; }
	lab_on_end sh -c "echo '$old' >'$p'"
	lab_log "$p: $old -> $(cat "$p")"
	return 0
}

# lab_backend_reload: unload and load the backend under test again.
lab_backend_reload() {
	local msg
	msg=$(lab_backend_unload) || { lab_fail "unload $LAB_MODNAME: $msg"; return 1; }
	lab_log "$LAB_MODNAME unloaded"
	msg=$(lab_backend_load) || { lab_fail "reload $LAB_MODNAME: $msg"; return 1; }
	lab_log "$LAB_MODNAME loaded again"
	return 0
}

# lab_vbdfront_run GUEST DESC TIMEOUT COMMAND: run vbdfront (tests/hostile)
# in GUEST, a guest without xen-blkfront. Its CASE and SUMMARY lines go to
# the log; a failed case, a missing SUMMARY line or a non-zero exit fails
# the scenario. A fuzz run's SUMMARY sets LAB_FUZZ_SENT (requests fuzzed)
# and LAB_FUZZ_FAILURES (responses that broke the protocol's rules), 0 when
# absent.
lab_vbdfront_run() {
	local guest=$1 desc=$2 t=$3 cmd=$4 fails
	lab_guest_cmd "$guest" "$t" "$cmd"
	grep -E '^(CASE|SUMMARY|fuzz:|xsfuzz:|connected: x86)' "$LAB_CMD_OUT" | sed "s/^/[$LAB_SCENARIO] /"
	LAB_FUZZ_SENT=$(sed -n 's/^SUMMARY fuzz: \([0-9]*\) fuzzed requests.*/\1/p' "$LAB_CMD_OUT")
	LAB_FUZZ_SENT=${LAB_FUZZ_SENT:-0}
	LAB_FUZZ_FAILURES=$(sed -n 's/^SUMMARY fuzz: .* \([0-9]*\) failures$/\1/p' "$LAB_CMD_OUT")
	LAB_FUZZ_FAILURES=${LAB_FUZZ_FAILURES:-0}
	fails=$(grep -c '^CASE .*: FAIL' "$LAB_CMD_OUT")
	if [ "$LAB_CMD_RC" != 0 ] || [ "$fails" != 0 ]; then
		lab_cmd_show 40
		lab_fail "$desc: exit status $LAB_CMD_RC, $fails failed cases"
		return 1
	fi
	if ! grep -q '^SUMMARY' "$LAB_CMD_OUT"; then
		lab_fail "$desc: no SUMMARY line"
		return 1
	fi
	lab_log "ok: $desc: $(grep '^SUMMARY' "$LAB_CMD_OUT" | tail -n 1)"
}

# ------------------------------------------------------------------------
# Scenario life cycle

# lab_on_end CMD...: run CMD in lab_end after the guests are destroyed (e.g.
# to restore a module parameter the scenario changed), also on a timeout.
lab_on_end() {
	LAB_END_HOOKS+=("$(printf '%q ' "$@")")
}

lab_begin() {
	LAB_SCENARIO=$1
	lab_log "begin (backend $LAB_BACKEND, module $LAB_MODNAME)"
}

# lab_end: dump diagnostics on failure, destroy this scenario's guests, free
# its devices, print the verdict and exit (0 on PASS).
lab_end() {
	local g n
	[ "$LAB_ENDED" = 1 ] && exit "$((${#LAB_FAILS[@]} > 0))"
	LAB_ENDED=1
	trap - TERM INT
	if lab_failed; then
		for g in "${LAB_GUESTS[@]}"; do
			lab_guest_alive "$g" || continue
			if lab_guest_cmd "$g" 20 'dmesg | tail -n 30; cat /proc/partitions'; then
				lab_log "---- $g: guest dmesg tail ----"
				lab_cmd_show 40
			fi
		done
		lab_log "---- backend devices ----"
		echo "  $(lab_be_list)"
		timeout 10 xenstore-ls -f /local/domain/0/backend/vbd 2>/dev/null | head -n 60 | sed 's/^/  /'
		timeout 10 xenstore-ls -f /local/domain/0/error 2>/dev/null | head -n 20 | sed 's/^/  /'
	fi
	for g in "${LAB_GUESTS[@]}"; do
		lab_guest_destroy "$g"
	done
	for n in "${LAB_END_HOOKS[@]}"; do
		eval "$n" || lab_fail "cleanup step failed: $n"
	done
	lab_loop_free_all
	[ "$LAB_BRD" = 1 ] && lab_brd_free
	[ "$LAB_NULLB" = 1 ] && lab_nullb_free
	if ! lab_backend_loaded; then
		lab_fail "backend module $LAB_MODNAME not loaded at the end"
	fi
	lab_check_no_leaks
	lab_check_kmemleak
	for n in "${LAB_NOTES[@]}"; do
		echo "NOTE $LAB_SCENARIO: $n"
	done
	if lab_failed; then
		local IFS=';'
		echo "SCENARIO $LAB_SCENARIO: FAIL ${LAB_FAILS[*]}"
		exit 1
	fi
	echo "SCENARIO $LAB_SCENARIO: PASS"
	exit 0
}

# lab_check_no_leaks: with no backend device left, vbdback's debugfs
# counters of what it holds (rings, grants, pages, requests...) must all be 0.
lab_check_no_leaks() {
	local d=/sys/kernel/debug/$LAB_MODNAME f v held=
	[ "$LAB_BACKEND" = vbdback ] && [ -d "$d" ] || return 0
	[ -z "$(lab_be_list)" ] || return 0
	for f in "$d"/*; do
		v=$(cat "$f" 2>/dev/null) || v='?'
		[ "$v" = 0 ] || held="$held ${f##*/}=$v"
	done
	if [ -n "$held" ]; then
		lab_fail "vbdback still holds, with no device left:$held"
		return 1
	fi
	lab_log "ok: nothing held once every device is gone ($(cd "$d" && echo *))"
}

# lab_check_kmemleak: on a kernel with kmemleak (make lab-debug), scan and
# fail on any unreferenced object allocated through vbdback; other objects
# are kept in /lab-out/kmemleak/ and noted. Then forget them all, so the next
# scenario starts clean. kmemleak reports only objects older than 5 s.
lab_check_kmemleak() {
	local k=/sys/kernel/debug/kmemleak out n ours
	[ -w "$k" ] || return 0
	sleep 6
	echo scan >"$k" 2>/dev/null
	out=$LAB_OUT/kmemleak/$LAB_SCENARIO.txt
	mkdir -p "$LAB_OUT/kmemleak"
	cat "$k" >"$out" 2>/dev/null
	echo clear >"$k" 2>/dev/null
	n=$(grep -c '^unreferenced object' "$out")
	ours=$(awk -v m="[$LAB_MODNAME]" '
		/^unreferenced object/ { if (hit) c++; hit = 0 }
		index($0, m) { hit = 1 }
		END { if (hit) c++; print c + 0 }' "$out")
	if [ "$ours" -gt 0 ]; then
		lab_fail "kmemleak: $ours unreferenced object(s) allocated through $LAB_MODNAME (kmemleak/$LAB_SCENARIO.txt)"
		return 1
	fi
	[ "$n" -gt 0 ] && lab_note "kmemleak: $n unreferenced object(s) elsewhere in the kernel (kmemleak/$LAB_SCENARIO.txt)"
	[ "$n" -gt 0 ] || rm -f "$out"
	lab_log "ok: kmemleak: nothing unreferenced from $LAB_MODNAME ($n elsewhere)"
}

# lab_reset_dom0: used by the runner between scenarios; whatever a failed or
# killed scenario left behind is removed, and the backend is loaded.
lab_reset_dom0() {
	local d name msg i
	for name in $(timeout 30 xl list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $1 }'); do
		echo "destroying leftover guest $name"
		timeout 90 xl destroy "$name"
	done
	for i in $(seq 1 60); do
		[ -z "$(lab_be_list)" ] && break
		sleep 0.5
	done
	for d in /sys/bus/xen-backend/devices/vbd-*; do
		[ -e "$d" ] && echo "backend device still present: $(basename "$d")"
	done
	# iSCSI a killed scenario left: sessions first (they hold the target's
	# devices), then LIO's targets and backstores, then its daemons.
	if compgen -G '/sys/class/iscsi_session/session*' >/dev/null; then
		echo "logging out of leftover iSCSI sessions"
		timeout 60 iscsiadm -m node --logoutall=all
	fi
	if compgen -G '/sys/kernel/config/target/iscsi/iqn.*' >/dev/null ||
		compgen -G '/sys/kernel/config/target/core/*_[0-9]*' >/dev/null; then
		echo "clearing leftover LIO targets"
		timeout 180 targetctl clear
	fi
	for d in iscsid dbus; do
		[ -f "$LAB_TMP/$d.pid" ] || continue
		echo "stopping leftover $d"
		kill "$(cat "$LAB_TMP/$d.pid")" 2>/dev/null
		rm -f "$LAB_TMP/$d.pid"
	done
	# device-mapper volumes a scenario made (LVM names start with vbdlab);
	# stacked ones go in several passes.
	for i in 1 2 3 4; do
		for d in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^vbdlab/ { print $1 }'); do
			timeout 30 dmsetup remove "$d" 2>/dev/null
		done
	done
	for d in $(losetup -a 2>/dev/null | grep "$LAB_TMP/" | cut -d: -f1); do
		echo "detaching leftover $d"
		timeout 30 losetup -d "$d"
	done
	rm -f "$LAB_TMP"/loop.*.img
	grep -q '^brd ' /proc/modules && { timeout 30 rmmod brd || echo "cannot unload brd"; }
	grep -q '^null_blk ' /proc/modules && { timeout 30 rmmod null_blk || echo "cannot unload null_blk"; }
	grep -q '^scsi_debug ' /proc/modules && { timeout 30 rmmod scsi_debug || echo "cannot unload scsi_debug"; }
	if ! lab_backend_loaded; then
		echo "backend $LAB_MODNAME not loaded, loading it"
		msg=$(lab_backend_load) || echo "cannot load $LAB_MODNAME: $msg"
	fi
	return 0
}

# ------------------------------------------------------------------------
# Data placement checks from dom0

# lab_md5_region DEV OFFSET LEN: md5 of LEN bytes at byte OFFSET of a dom0
# block device, read with O_DIRECT (no stale page cache).
lab_md5_region() {
	timeout 60 dd if="$1" bs=65536 skip="$2" count="$3" iflag=skip_bytes,count_bytes,direct 2>/dev/null |
		md5sum | cut -d' ' -f1
}

# lab_write_random DEV OFFSET MIB: LAB_MD5 = md5 of the random data written.
lab_write_random() {
	local f=$LAB_TMP/random.bin
	head -c $(($3 * 1048576)) /dev/urandom >"$f" || return 1
	timeout 60 dd if="$f" of="$1" bs=1048576 seek="$2" oflag=seek_bytes,direct conv=notrunc 2>/dev/null ||
		{ rm -f "$f"; return 1; }
	LAB_MD5=$(md5sum <"$f" | cut -d' ' -f1)
	rm -f "$f"
}

# ------------------------------------------------------------------------
# Instruction profile (lab.sh --insnprof, tools/insnprof)

LAB_INSNPROF_DIR=/lab-out/insnprof

lab_insnprof_on() { [ -d "$LAB_INSNPROF_DIR" ]; }

# lab_insnprof NAME: the instructions executed since the last request, per
# code block and CPU (CPU 0 runs dom0, CPU 1 the guests), to
# /lab-out/insnprof/NAME.tsv. Does nothing when the lab runs without it.
lab_insnprof() {
	local dir=$LAB_INSNPROF_DIR
	lab_insnprof_on || return 0
	printf '%s\n' "$1" >"$dir/.request" && mv "$dir/.request" "$dir/request" ||
		{ lab_log "insnprof: cannot request $1"; return 1; }
	lab_wait 60 "insnprof: $1 written" lab_insnprof_answered
}

lab_insnprof_answered() { [ ! -e "$LAB_INSNPROF_DIR/request" ]; }

# lab_insnprof_symbols NAME [modules]: dom0's code symbols ("ADDRESS TYPE
# NAME [MODULE]" lines of /proc/kallsyms) to /lab-out/insnprof/NAME.kallsyms,
# to name the blocks of a profile by; with "modules", those of modules only.
lab_insnprof_symbols() {
	local re=' [tTwW] '
	lab_insnprof_on || return 0
	[ "${2:-}" = modules ] && re=' [tTwW] .*\['
	grep -E "$re" /proc/kallsyms >"$LAB_INSNPROF_DIR/$1.kallsyms" ||
		lab_log "insnprof: no symbols for $1"
}

# ------------------------------------------------------------------------
# An iSCSI LUN in dom0, for make bench: a LIO block backstore on DEV
# exported by targetcli on 127.0.0.1:3260, logged into with open-iscsi.
# (The iscsi scenario does the same step by step, checking each.)

LAB_ISCSI_IQN=iqn.2003-01.org.linux-iscsi.lab-dom0:vbdbench
LAB_ISCSI_BS=vbdbench
LAB_ISCSI_PORTAL=127.0.0.1:3260
LAB_ISCSI_PIDS=()
LAB_ISCSI_UP=0

lab_iscsi_tcli() {
	timeout 180 targetcli "$@" >"$LAB_TMP/targetcli.log" 2>&1 && return 0
	sed 's/^/  targetcli: /' "$LAB_TMP/targetcli.log" | tail -n 10
	lab_fail "targetcli $*"
	return 1
}

# lab_iscsi_disk: print the LUN's disk (sdX) once logged in.
lab_iscsi_disk() {
	local s b
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$LAB_ISCSI_IQN" ] || continue
		for b in "$s"/device/target*/*:0/block/*; do
			[ -b "/dev/${b##*/}" ] && { echo "${b##*/}"; return 0; }
		done
	done
	return 1
}

# lab_iscsi_export DEV: export DEV and log into it; sets LAB_ISCSI_DEV to
# the initiator's disk (/dev/sdX). lab_end undoes it.
lab_iscsi_export() {
	local c m initiator sd
	for c in targetcli iscsiadm iscsid dbus-daemon; do
		command -v $c >/dev/null || { lab_fail "$c is not installed (scripts/lab/deps.sh)"; return 1; }
	done
	initiator=$(sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi 2>/dev/null)
	[ -n "$initiator" ] || { lab_fail "no InitiatorName in /etc/iscsi/initiatorname.iscsi"; return 1; }
	mkdir -p /etc/target "$LAB_TMP/targetcli"
	export TARGETCLI_HOME=$LAB_TMP/targetcli
	for m in target_core_mod target_core_iblock iscsi_target_mod iscsi_tcp sd_mod; do
		timeout 30 modprobe $m || { lab_fail "modprobe $m"; return 1; }
	done
	LAB_ISCSI_UP=1
	lab_on_end lab_iscsi_teardown
	timeout 30 dbus-daemon --session --address="unix:path=$LAB_TMP/dbus-iscsi.sock" --fork \
		--print-pid >"$LAB_TMP/dbus-iscsi.pid" || { lab_fail "cannot start a D-Bus daemon"; return 1; }
	LAB_ISCSI_PIDS+=("$(cat "$LAB_TMP/dbus-iscsi.pid")")
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_TMP/dbus-iscsi.sock
	lab_iscsi_tcli /backstores/block create name=$LAB_ISCSI_BS dev="$1" &&
		lab_iscsi_tcli /iscsi create $LAB_ISCSI_IQN &&
		lab_iscsi_tcli /iscsi/$LAB_ISCSI_IQN/tpg1/luns create /backstores/block/$LAB_ISCSI_BS &&
		lab_iscsi_tcli /iscsi/$LAB_ISCSI_IQN/tpg1/acls create "$initiator" &&
		lab_iscsi_tcli /iscsi/$LAB_ISCSI_IQN/tpg1 set attribute authentication=0 || return 1
	setsid iscsid -f >"$LAB_TMP/iscsid.log" 2>&1 &
	LAB_ISCSI_PIDS+=("$!")
	lab_wait 120 "discovery of $LAB_ISCSI_IQN" sh -c "timeout 60 iscsiadm -m discovery \
		-t sendtargets -p $LAB_ISCSI_PORTAL 2>/dev/null | grep -q ' $LAB_ISCSI_IQN\$'" ||
		{ lab_fail "iSCSI discovery"; return 1; }
	timeout 120 iscsiadm -m node -T $LAB_ISCSI_IQN -p $LAB_ISCSI_PORTAL --login \
		>"$LAB_TMP/iscsi-login.log" 2>&1 || { lab_fail "iSCSI login"; return 1; }
	lab_wait 30 "the LUN's disk" lab_iscsi_disk >/dev/null || { lab_fail "no disk of the LUN"; return 1; }
	sd=$(lab_iscsi_disk)
	LAB_ISCSI_DEV=/dev/$sd
	lab_log "iSCSI LUN on $1 is $LAB_ISCSI_DEV"
}

# lab_iscsi_teardown: log out, delete the target, stop the daemons.
lab_iscsi_teardown() {
	local p
	[ "$LAB_ISCSI_UP" = 1 ] || return 0
	LAB_ISCSI_UP=0
	timeout 120 iscsiadm -m node -T $LAB_ISCSI_IQN -p $LAB_ISCSI_PORTAL --logout >/dev/null 2>&1
	timeout 30 iscsiadm -m node -o delete -T $LAB_ISCSI_IQN -p $LAB_ISCSI_PORTAL >/dev/null 2>&1
	[ -d /sys/kernel/config/target/iscsi/$LAB_ISCSI_IQN ] &&
		lab_iscsi_tcli /iscsi delete $LAB_ISCSI_IQN
	compgen -G "/sys/kernel/config/target/core/*/$LAB_ISCSI_BS" >/dev/null &&
		lab_iscsi_tcli /backstores/block delete $LAB_ISCSI_BS
	for p in "${LAB_ISCSI_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	LAB_ISCSI_PIDS=()
	return 0
}
