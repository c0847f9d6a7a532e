#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh [KVER...]
#
# Show that the DKMS package works: stage the source tree the way
# "make dkms-install" does, then dkms add, build, install and remove it for
# each kernel (default: the lab's 6.1 kernel and every 6.12 whose headers are
# installed). DKMS's trees, the install tree and the signing key all live in
# build/dkms, so nothing is installed on this machine; that is checked too.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v dkms >/dev/null || { echo "dkms-check: no dkms (make deps)" >&2; exit 1; }

version=$(cat VERSION)
work=$top/build/dkms
src=$work/src
tree=$work/tree
modules=$work/modules
# dkms signs what it builds and makes a key when it finds none: not in
# /var/lib/dkms.
export mok_signing_key=$work/mok.key mok_certificate=$work/mok.pub

if [ $# -gt 0 ]; then
	kvers=("$@")
else
	kvers=()
	k=$(make -s print-LAB_KVER)
	[ -n "$k" ] && kvers+=("$k")
	for d in $(make -s print-COMPAT_KDIRS); do
		kvers+=("${d##*/linux-headers-}")
	done
fi
[ ${#kvers[@]} -gt 0 ] || { echo "dkms-check: no kernel headers found" >&2; exit 1; }

fail() {
	echo "dkms-check: FAIL: $*"
	echo "dkms-check: trees kept in $work"
	exit 1
}

# What DKMS or an install could leave on the machine, to compare afterwards.
system_state() {
	local k
	for k in "${kvers[@]}"; do
		find "/lib/modules/$k" -name 'vbdback.ko*' 2>/dev/null
	done
	find /var/lib/dkms /usr/src -maxdepth 1 -name 'vbdback*' 2>/dev/null
	ls -l /var/lib/dkms/mok.key 2>/dev/null || true
}

dkms_in() {
	dkms "$@" --sourcetree "$src" --dkmstree "$tree" --installtree "$modules"
}

before=$(system_state)
rm -rf "$work"
mkdir -p "$tree" "$modules"
make -s dkms-source DKMS_SRC="$src/vbdback-$version"
dkms_in add "vbdback/$version" >"$work/add.log" 2>&1 ||
	{ cat "$work/add.log"; fail "dkms add"; }

for k in "${kvers[@]}"; do
	kdir=/lib/modules/$k/build
	[ -d "$kdir" ] || kdir=/usr/src/linux-headers-$k
	[ -d "$kdir" ] || fail "no headers for $k"
	mkdir -p "$modules/$k"
	start=$SECONDS
	if ! dkms_in build "vbdback/$version" -k "$k" --kernelsourcedir "$kdir" \
		>"$work/build-$k.log" 2>&1; then
		cat "$work/build-$k.log"
		tail -40 "$tree/vbdback/$version/build/make.log" 2>/dev/null || true
		fail "dkms build for $k"
	fi
	dkms_in install "vbdback/$version" -k "$k" --kernelsourcedir "$kdir" \
		--no-depmod >"$work/install-$k.log" 2>&1 ||
		{ cat "$work/install-$k.log"; fail "dkms install for $k"; }

	# dkms.conf's DEST_MODULE_LOCATION, compressed as the kernel's own.
	ko=$(find "$modules/$k/updates/dkms" -name 'vbdback.ko*' 2>/dev/null | head -n 1)
	[ -n "$ko" ] || fail "$k: no vbdback.ko* in updates/dkms of the install tree"
	magic=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$magic" = "$k" ] || fail "$k: module has vermagic '$magic'"
	signer=$(modinfo -F signer "$ko")
	[ "$signer" = "DKMS module signing key" ] ||
		fail "$k: module signer is '$signer', not the DKMS key"
	# (its stderr: readelf on a .comment section 6.12's modules lack)
	status=$(dkms_in status "vbdback/$version" -k "$k" 2>/dev/null)
	[[ $status == *": installed"* ]] || fail "$k: dkms status says '$status'"
	echo "dkms-check: $k: built and installed ${ko#"$modules/"} ($((SECONDS - start)) s)"
done

dkms_in remove "vbdback/$version" --all --no-depmod >"$work/remove.log" 2>&1 ||
	{ cat "$work/remove.log"; fail "dkms remove"; }
left=$(find "$modules" "$tree" -name 'vbdback.ko*')
[ -z "$left" ] || fail "dkms remove left $left"

after=$(system_state)
[ "$before" = "$after" ] || fail "the machine changed: before '$before', after '$after'"
rm -rf "$work"
echo "dkms-check: vbdback/$version: add, build, install, remove for ${kvers[*]}: clean"
