# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 420
# check: yes (order 210)
#
# lvm: an LVM logical volume served the way operators write it,
# disk = ['phy:/dev/VG/LV,xvda,w'], so through Debian's own hotplug script
# /etc/xen/scripts/block (the default script of a phy disk), whatever the
# lab's --stock-hotplug says. dom0 makes a volume group on a ram disk and a
# 192 MiB volume in it. The stock script must have run (the backend's
# "script" key) and written physical-device (the volume's major:minor) and
# physical-device-path; the backend under test serves the disk with the
# volume's size, fio verify passes, data crosses both ways at the same
# offsets, and once the guest is gone the volume can be removed (LVM
# refuses to remove an open one) and the ram disk unloaded.

VG=vbdlablvm
LV_MIB=192
VERIFY_MIB=64

lab_brd_setup 1 $((LV_MIB + 64)) || lab_end
lab_vg_setup $VG /dev/ram0 || lab_end
lab_lvm_do "lvcreate $VG/vol" lvcreate -y -L ${LV_MIB}M -n vol $VG || lab_end
lab_lv_wait $VG vol || lab_end
LV=/dev/$VG/vol
DM=$(readlink -f "$LV")
lab_log "logical volume $LV is $DM ($(lab_dev_majmin "$LV"), $(blockdev --getsz "$LV") sectors)"

lab_guest_create lvm "phy:$LV,xvda,w" || lab_end
lab_guest_wait_ready lvm || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
BE=$(lab_be_xs "$D" "$N")
lab_check "guest sees xvda" lab_guest_cmd lvm 60 'wait_disk xvda 30'
lab_check_binding "$D" "$N"
lab_assert_eq "backend state" "$(lab_be_state "$D" "$N")" 4
lab_assert_eq "hotplug script of the disk" "$(lab_xs_read "$BE/script")" /etc/xen/scripts/block
lab_assert_eq "params" "$(lab_xs_read "$BE/params")" "$LV"
lab_assert_eq "stock script's physical-device" "$(lab_xs_read "$BE/physical-device")" "$(lab_dev_majmin "$LV")"
lab_assert_eq "stock script's physical-device-path" "$(lab_xs_read "$BE/physical-device-path")" "$DM"
lab_assert_eq "hotplug-status" "$(lab_xs_read "$BE/hotplug-status")" connected
lab_assert_eq "backend sectors" "$(lab_xs_read "$BE/sectors")" $((LV_MIB * 2048))
lab_guest_cmd lvm 30 'disk_sectors xvda'
lab_assert_eq "guest's size of xvda (sectors)" "$(tail -n 1 "$LAB_CMD_OUT")" $((LV_MIB * 2048))

lab_stats "$D" "$N"
before=$LAB_STATS
lab_fio_verify lvm xvda $VERIFY_MIB
lab_stats "$D" "$N"
lab_assert_ge "backend wr_sect delta" "$(lab_stat_delta "$before" "$LAB_STATS" wr_sect)" $((VERIFY_MIB * 2048))

# Past fio's region: guest writes, dom0 reads the volume; then the reverse.
OFF=$(((VERIFY_MIB + 16) * 1048576 + 3584))
if lab_guest_cmd lvm 120 "write_random /dev/xvda $OFF 2"; then
	lab_assert_eq "guest data at offset $OFF found in $LV" \
		"$(lab_md5_region "$LV" "$OFF" $((2 * 1048576)))" "$(lab_cmd_kv written_md5)"
else
	lab_cmd_show 10
	lab_fail "guest write_random (rc $LAB_CMD_RC)"
fi
OFF=$(((VERIFY_MIB + 32) * 1048576 + 512))
if lab_write_random "$LV" "$OFF" 2; then
	lab_guest_cmd lvm 120 "md5_region /dev/xvda $OFF $((2 * 1048576))"
	lab_assert_eq "dom0 data at offset $OFF of $LV read by the guest" "$(tail -n 1 "$LAB_CMD_OUT")" "$LAB_MD5"
else
	lab_fail "dom0 write to $LV"
fi

lab_guest_destroy lvm
lab_vg_remove $VG
lab_end
