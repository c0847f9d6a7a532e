# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 360
#
# discard-thin: discards reach a thin-provisioned LVM volume, what users
# run thin pools for. dom0 builds a volume group on a loop device (tmpfs
# file), a 192 MiB thin pool and a 128 MiB thin volume, served as xvda. The
# backend must advertise feature-discard=1 for it. The guest writes 64 MiB:
# the pool's data usage (lvs data_percent) grows; the guest blkdiscards
# those 64 MiB: at least 80% of that growth must be given back to the pool,
# ds_req grows, and fio verify passes afterwards.
#
# Needs lvm2 and thin-provisioning-tools in dom0 (the host's packages).
# dom0 has no udev: lvm runs with udev synchronisation off.

VG=vbdlabvg
LVMCONF='activation { udev_sync=0 udev_rules=0 } devices { obtain_device_list_from_udev=0 use_devicesfile=0 global_filter=[ "a|^/dev/loop|", "r|.*|" ] }'
lvmc() {
	local sub=$1
	shift
	timeout 120 lvm "$sub" --config "$LVMCONF" "$@"
}
pool_pct() { lvmc lvs --noheadings -o data_percent "$VG/pool" 2>/dev/null | tr -d ' '; }
# data_percent has two decimals: hundredths of a percent as an integer.
pct100() { echo "$1" | awk '{ printf "%d\n", $1 * 100 }'; }

command -v lvm >/dev/null || { lab_fail "lvm2 is not installed (scripts/lab/deps.sh)"; lab_end; }
command -v thin_check >/dev/null || { lab_fail "thin-provisioning-tools is not installed"; lab_end; }
timeout 30 modprobe dm_thin_pool || { lab_fail "modprobe dm_thin_pool"; lab_end; }
mkdir -p /run/lock/lvm /etc/lvm
lab_loop_setup 256 || lab_end
PV=$LAB_LOOP_DEV
lab_on_end sh -c "timeout 120 lvm vgremove --config '$LVMCONF' -ff -y $VG >/dev/null 2>&1; \
	timeout 60 lvm pvremove --config '$LVMCONF' -ff -y $PV >/dev/null 2>&1; true"
if ! { lvmc pvcreate -ff -y "$PV" && lvmc vgcreate "$VG" "$PV" &&
	lvmc lvcreate --type thin-pool -L 192M --chunksize 64k -Zn -n pool "$VG" &&
	lvmc lvcreate -V 128M -T "$VG/pool" -n thin; } >"$LAB_TMP/lvm.log" 2>&1; then
	sed 's/^/  lvm: /' "$LAB_TMP/lvm.log" | tail -n 20
	lab_fail "cannot build the thin pool"
	lab_end
fi
THIN=/dev/mapper/$VG-thin
lab_wait 10 "$THIN" test -b "$THIN" || { lab_fail "no $THIN"; lab_end; }
THIN_SYS=/sys/dev/block/$(printf '%d:%d' "0x$(stat -L -c %t "$THIN")" "0x$(stat -L -c %T "$THIN")")
lab_log "thin volume $THIN ($(blockdev --getsz "$THIN") sectors), dom0 discard_granularity" \
	"$(cat "$THIN_SYS/queue/discard_granularity")"

lab_guest_create thin "$(lab_disk "$THIN" xvda)" || lab_end
lab_guest_wait_ready thin || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
BE=$(lab_be_xs "$D" "$N")
lab_check_binding "$D" "$N"
lab_check "guest sees xvda" lab_guest_cmd thin 60 'wait_disk xvda 30'
lab_assert_eq "backend feature-discard on a thin volume" "$(lab_xs_read "$BE/feature-discard")" 1
lab_log "backend discard-granularity $(lab_xs_read "$BE/discard-granularity")," \
	"discard-alignment $(lab_xs_read "$BE/discard-alignment")"

p0=$(pool_pct)
lab_guest_cmd thin 180 "write_random /dev/xvda 0 64" || lab_fail "guest write of 64 MiB (rc $LAB_CMD_RC)"
p1=$(pool_pct)
lab_stats "$D" "$N"
s0=$LAB_STATS
lab_guest_cmd thin 120 "/usr/sbin/blkdiscard -o 0 -l $((64 * 1048576)) /dev/xvda" ||
	{ lab_cmd_show 5; lab_fail "guest blkdiscard (rc $LAB_CMD_RC)"; }
p2=$(pool_pct)
lab_stats "$D" "$N"
lab_log "thin pool data_percent: $p0 before, $p1 after 64 MiB written, $p2 after blkdiscard"
lab_assert_ge "thin pool usage growth after 64 MiB written (1/100 %)" \
	$(($(pct100 "$p1") - $(pct100 "$p0"))) $((64 * 10000 * 9 / 192 / 10))
lab_assert_ge "thin pool usage given back by blkdiscard (1/100 %)" \
	$(($(pct100 "$p1") - $(pct100 "$p2"))) $((($(pct100 "$p1") - $(pct100 "$p0")) * 8 / 10))
lab_assert_ge "backend ds_req delta" "$(lab_stat_delta "$s0" "$LAB_STATS" ds_req)" 1

lab_guest_cmd thin 300 'fio_json --name=thin --filename=/dev/xvda --rw=randwrite --bsrange=4k-64k \
	--ioengine=libaio --iodepth=8 --direct=1 --size=32M --verify=crc32c --verify_fatal=1'
lab_assert_eq "fio verify on the thin volume: exit status" "$LAB_CMD_RC" 0 || lab_cmd_show 20
lab_cmd_json >"$LAB_TMP/thin.json"
lab_fio_check "$LAB_TMP/thin.json" "fio verify on the thin volume"
lab_end
