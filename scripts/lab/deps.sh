#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the vbdback lab needs (Xen 4.17 inside QEMU,
# the Debian 6.1 kernel as dom0 and guest kernel, busybox, fio, and the
# storage dom0 serves guests from: LVM, a LIO iSCSI target, open-iscsi;
# gnuplot for make bench's chart).
# Idempotent: does nothing but a dpkg query when everything is present.

set -euo pipefail

PKGS=(
	qemu-system-x86
	xen-hypervisor-4.17-amd64
	xen-utils-4.17
	xenstore-utils
	linux-image-amd64
	busybox-static
	fio
	cpio
	kmod
	jq
	gzip
	xz-utils
	util-linux
	procps
	coreutils
	lvm2
	thin-provisioning-tools
	trace-cmd
	linux-perf
	targetcli-fb
	dbus-daemon
	open-iscsi
	gnuplot-nox
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "lab deps: all present"
	exit 0
fi

echo "lab deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# linux-image-amd64 may resolve to a newer kernel than the 6.1 series the lab
# boots; make sure a 6.1 image and its modules are there.
if ! compgen -G '/boot/vmlinuz-6.1.0-*-amd64' >/dev/null; then
	echo "lab deps: no /boot/vmlinuz-6.1.0-*-amd64 after install" >&2
	exit 1
fi
echo "lab deps: done"
