# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 300
# check: yes (order 10)
#
# binding: a guest with two disks, xvda through the lab hotplug script and
# xvdb through Debian's stock /etc/xen/scripts/block (what users run). Both
# backend devices must be connected and bound to the module under test
# (sysfs driver/module link); with vbdback, xen_blkback must not be loaded
# and must not be loadable (modprobe.d blacklist + install /bin/false).

lab_brd_setup 2 64 || lab_end
lab_guest_create binding "$(lab_disk /dev/ram0 xvda)" "$(lab_disk /dev/ram1 xvdb w stock)" || lab_end
lab_guest_wait_ready binding || lab_end
D=$LAB_DOMID

lab_check "guest sees xvda and xvdb" \
	lab_guest_cmd binding 60 'wait_disk xvda 30 && wait_disk xvdb 30 && cat /proc/partitions'
lab_cmd_show 10

for vdev in xvda xvdb; do
	N=$(lab_devid $vdev)
	lab_check_binding "$D" "$N"
	lab_assert_eq "$vdev backend state" "$(lab_be_state "$D" "$N")" 4
	lab_assert_eq "$vdev frontend state" "$(lab_fe_state "$D" "$N")" 4
	lab_check "$vdev listed under $(lab_backend_drv)" \
		test -e "$(lab_backend_drv)/vbd-$D-$N"
	lab_check "$vdev has backend statistics" test -r "$(lab_be_sys "$D" "$N")/statistics/rd_req"
done

# The stock script wrote physical-device itself: it must name /dev/ram1.
want=$(printf '%x:%x' "0x$(stat -L -c %t /dev/ram1)" "0x$(stat -L -c %T /dev/ram1)")
lab_assert_eq "stock script physical-device of xvdb" \
	"$(lab_xs_read "$(lab_be_xs "$D" "$(lab_devid xvdb)")/physical-device")" "$want"

if [ "$LAB_BACKEND" = vbdback ]; then
	lab_check "xen_blkback absent from /proc/modules" sh -c '! grep -q "^xen_blkback " /proc/modules'
	lab_check "modprobe xen-blkback refused" sh -c '! timeout 30 modprobe xen-blkback 2>/dev/null'
	lab_check "xen_blkback still absent after modprobe attempt" \
		sh -c '! grep -q "^xen_blkback " /proc/modules'
else
	lab_note "backend is xen-blkback: the 'xen_blkback not loaded' checks apply to vbdback only"
fi

lab_check "I/O on both disks" lab_guest_cmd binding 60 \
	'md5_region /dev/xvda 0 1048576 && md5_region /dev/xvdb 0 1048576'
lab_end
