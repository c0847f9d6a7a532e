# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 300
# check: yes (order 170)
#
# readonly-cdrom: the disk type bits of the backend's "info" key.
# xvda is given "devtype=cdrom" in the xl disk spec (xl then makes it
# read-only): libxl writes device-type=cdrom, the backend must say
# VDISK_CDROM (1) and VDISK_READONLY (4) in info and not VDISK_REMOVABLE (2)
# (its loop device is not removable); the guest sees a read-only,
# non-removable disk with dom0's data, and writes fail.
# xvdb is a plain disk on a removable dom0 device (scsi_debug removable=1):
# info must have VDISK_REMOVABLE and not VDISK_CDROM, the guest's
# /sys/block/xvdb/removable is 1, and fio verify passes on it.

lab_loop_setup 16 || lab_end
LOOP=$LAB_LOOP_DEV
lab_write_random "$LOOP" 0 16 || lab_fail "dom0 write to $LOOP"
ISO_MD5=$LAB_MD5

SDEV=
if timeout 60 modprobe scsi_debug dev_size_mb=32 removable=1 num_tgts=1 max_luns=1 &&
	timeout 30 modprobe sd_mod; then
	lab_on_end sh -c 'for i in $(seq 1 20); do timeout 30 rmmod scsi_debug 2>/dev/null && exit 0; sleep 0.5; done; exit 1'
	sdev_found() {
		local b
		for b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
			[ -e "$b" ] && [ -b "/dev/${b##*/}" ] && { SDEV=/dev/${b##*/}; return 0; }
		done
		return 1
	}
	lab_wait 30 "scsi_debug disk" sdev_found || lab_fail "no scsi_debug disk appeared"
	lab_log "removable dom0 disk: ${SDEV:-none} (removable=$(cat "/sys/block/${SDEV#/dev/}/removable" 2>/dev/null))"
else
	lab_fail "modprobe scsi_debug removable=1"
fi
[ -n "$SDEV" ] || lab_end

lab_guest_create cdrom "$(lab_disk "$LOOP" xvda r '' devtype=cdrom)" "$(lab_disk "$SDEV" xvdb)" || lab_end
lab_guest_wait_ready cdrom || lab_end
D=$LAB_DOMID
NA=$(lab_devid xvda)
NB=$(lab_devid xvdb)
lab_check_binding "$D" "$NA"
lab_check "guest sees xvda and xvdb" lab_guest_cmd cdrom 60 'wait_disk xvda 30 && wait_disk xvdb 30'

# --- cdrom -------------------------------------------------------------
BE=$(lab_be_xs "$D" "$NA")
FE=$(lab_fe_xs "$D" "$NA")
lab_log "xvda: backend device-type '$(lab_xs_read "$BE/device-type")'," \
	"frontend device-type '$(lab_xs_read "$FE/device-type")', mode '$(lab_xs_read "$BE/mode")'"
lab_assert_eq "xvda frontend device-type (libxl)" "$(lab_xs_read "$FE/device-type")" cdrom
lab_assert_eq "xvda backend state" "$(lab_xs_read "$BE/state")" 4
info=$(lab_xs_read "$BE/info")
lab_check "xvda backend info is a number (${info:-missing})" lab_is_int "$info" || info=0
lab_assert_eq "xvda info VDISK_CDROM bit" $((info & 1)) 1
lab_assert_eq "xvda info VDISK_READONLY bit" $((info & 4)) 4
lab_assert_eq "xvda info VDISK_REMOVABLE bit (loop is not removable)" $((info & 2)) 0
lab_guest_cmd cdrom 60 'kv ro "$(cat /sys/block/xvda/ro)"
	kv removable "$(cat /sys/block/xvda/removable)"
	kv md5 "$(md5_region /dev/xvda 0 16777216)"
	dd if=/dev/zero of=/dev/xvda bs=4096 count=1 oflag=direct 2>/dev/null && kv write_ok 1
	true'
lab_assert_eq "guest xvda ro" "$(lab_cmd_kv ro)" 1
lab_assert_eq "guest xvda removable" "$(lab_cmd_kv removable)" 0
lab_assert_eq "guest reads dom0's data from the cdrom" "$(lab_cmd_kv md5)" "$ISO_MD5"
lab_assert_eq "guest write to the cdrom fails" "$(lab_cmd_kv write_ok)" ""
lab_assert_eq "dom0 data unchanged" "$(lab_md5_region "$LOOP" 0 16777216)" "$ISO_MD5"

# --- removable disk ----------------------------------------------------
BE=$(lab_be_xs "$D" "$NB")
lab_assert_eq "xvdb backend state" "$(lab_xs_read "$BE/state")" 4
info=$(lab_xs_read "$BE/info")
lab_check "xvdb backend info is a number (${info:-missing})" lab_is_int "$info" || info=0
lab_assert_eq "xvdb info VDISK_REMOVABLE bit" $((info & 2)) 2
lab_assert_eq "xvdb info VDISK_CDROM bit" $((info & 1)) 0
lab_assert_eq "xvdb info VDISK_READONLY bit" $((info & 4)) 0
lab_guest_cmd cdrom 30 'kv removable "$(cat /sys/block/xvdb/removable)"; kv ro "$(cat /sys/block/xvdb/ro)"'
lab_assert_eq "guest xvdb removable" "$(lab_cmd_kv removable)" 1
lab_assert_eq "guest xvdb ro" "$(lab_cmd_kv ro)" 0
lab_guest_cmd cdrom 300 'fio_json --name=rm --filename=/dev/xvdb --rw=randwrite --bsrange=4k-64k \
	--ioengine=libaio --iodepth=8 --direct=1 --size=16M --verify=crc32c --verify_fatal=1'
lab_assert_eq "fio verify on xvdb: exit status" "$LAB_CMD_RC" 0 || lab_cmd_show 20
lab_cmd_json >"$LAB_TMP/cdrom-xvdb.json"
lab_fio_check "$LAB_TMP/cdrom-xvdb.json" "fio verify on xvdb"
lab_end
