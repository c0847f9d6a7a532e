# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# vbdback lab: bring up the Xen toolstack in dom0 (xenstored, xen-init-dom0,
# xenconsoled). Sourced by stage2.sh. Every wait is bounded.

XEN_BIN=/usr/lib/xen-4.17/bin

lab_toolstack_start() {
	local m i

	for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd; do
		modprobe "$m" || { echo "modprobe $m failed"; return 1; }
	done
	mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen ||
		{ echo "cannot mount xenfs"; return 1; }
	mkdir -p /run/xen /run/xenstored /var/log/xen/console /var/lib/xen /var/run/xen

	XENSTORED_ROOTDIR=/run/xenstored "$XEN_BIN/xenstored" \
		--pid-file /run/xen/xenstored.pid ||
		{ echo "xenstored failed to start"; return 1; }
	for i in $(seq 1 100); do
		timeout 5 xenstore-read -s / >/dev/null 2>&1 && break
		sleep 0.2
	done
	[ "$i" -lt 100 ] || { echo "xenstored does not answer"; return 1; }

	timeout 60 "$XEN_BIN/xen-init-dom0" || { echo "xen-init-dom0 failed"; return 1; }

	"$XEN_BIN/xenconsoled" --pid-file=/run/xen/xenconsoled.pid \
		--log=guest --log-dir=/var/log/xen/console ||
		{ echo "xenconsoled failed to start"; return 1; }

	timeout 60 xl info >/var/log/xen/xl-info.txt 2>&1 ||
		{ echo "xl info failed"; cat /var/log/xen/xl-info.txt; return 1; }
	grep -E '^(xen_version|nr_cpus|free_memory)' /var/log/xen/xl-info.txt
	return 0
}
