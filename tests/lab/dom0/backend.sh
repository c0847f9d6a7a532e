# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# vbdback lab: load and unload the block backend under test in dom0.
# Sourced by stage2.sh and by tests/lab/lib.sh.
#
# Needs LAB_BACKEND (vbdback|xen-blkback), LAB_MODULE (path of vbdback.ko),
# LAB_MODNAME (vbdback|xen_blkback).

lab_backend_loaded() {
	grep -q "^$LAB_MODNAME " /proc/modules
}

lab_blkback_loaded() {
	grep -q '^xen_blkback ' /proc/modules
}

# The xenbus driver of the backend under test: vbdback's is named after the
# module, so that it can be loaded next to xen-blkback's "vbd" for a live
# handover.
lab_backend_drv() {
	if [ "$LAB_BACKEND" = vbdback ]; then
		echo /sys/bus/xen-backend/drivers/vbdback
	else
		echo /sys/bus/xen-backend/drivers/vbd
	fi
}

# The backend under test has registered its xenbus driver for "vbd" devices.
lab_backend_registered() {
	[ -d "$(lab_backend_drv)" ]
}

lab_backend_load() {
	local d
	if [ "$LAB_BACKEND" = vbdback ]; then
		mkdir -p /etc/modprobe.d
		printf 'blacklist xen-blkback\ninstall xen-blkback /bin/false\n' \
			>/etc/modprobe.d/vbdlab-no-blkback.conf
		if lab_blkback_loaded; then
			echo "xen_blkback is loaded although the backend under test is vbdback"
			return 1
		fi
		for d in $(modinfo -F depends "$LAB_MODULE" | tr ',' ' '); do
			modprobe "$d" || { echo "modprobe $d (dependency of $LAB_MODULE) failed"; return 1; }
		done
		timeout 60 insmod "$LAB_MODULE" || { echo "insmod $LAB_MODULE failed"; return 1; }
	else
		rm -f /etc/modprobe.d/vbdlab-no-blkback.conf
		timeout 60 modprobe xen-blkback || { echo "modprobe xen-blkback failed"; return 1; }
	fi
	for _ in $(seq 1 50); do
		lab_backend_loaded && lab_backend_registered && break
		sleep 0.2
	done
	lab_backend_loaded || { echo "$LAB_MODNAME not in /proc/modules"; return 1; }
	lab_backend_registered || { echo "no xenbus backend driver $(lab_backend_drv) registered"; return 1; }
	if [ "$LAB_BACKEND" = vbdback ] && lab_blkback_loaded; then
		echo "xen_blkback got loaded next to vbdback"
		return 1
	fi
	return 0
}

lab_backend_unload() {
	lab_backend_loaded || return 0
	for _ in 1 2 3 4 5; do
		timeout 60 rmmod "$LAB_MODNAME" && break
		sleep 1
	done
	if lab_backend_loaded; then
		echo "rmmod $LAB_MODNAME failed"
		return 1
	fi
	if lab_backend_registered; then
		echo "xenbus backend driver $(lab_backend_drv) still registered after rmmod"
		return 1
	fi
	return 0
}
