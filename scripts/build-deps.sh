#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and checking vbdback needs on Debian 12: kernel
# headers for the lab's 6.1 kernel and for 6.12 (compile coverage), sparse,
# the kernel source (checkpatch.pl), libxen-dev (blkif.h for the unit
# tests, libxenstore for vbdtop), libjson-c-dev (vbdtop's JSON), clang with
# libclang-rt-dev, which holds libFuzzer and which clang only recommends
# (tests/fuzz), dkms (make dkms-check), dh-dkms, debhelper and lintian
# (make deb), shellcheck and groff-base (make style: scripts and man
# pages). Quick when everything is present.
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

for p in build-essential linux-headers-amd64 sparse linux-source-6.1 \
	 libxen-dev libjson-c-dev pkgconf xz-utils perl python3 kmod \
	 clang libclang-rt-dev dkms dh-dkms debhelper lintian shellcheck \
	 groff-base; do
	have "$p" || need+=("$p")
done
# Debian 12 ships 6.12 headers in its updates; take whichever is current.
if ! ls -d /usr/src/linux-headers-6.12.*-amd64 >/dev/null 2>&1; then
	need+=(linux-headers-6.12-amd64-placeholder)
fi

[ ${#need[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
for i in "${!need[@]}"; do
	if [ "${need[$i]}" = linux-headers-6.12-amd64-placeholder ]; then
		need[$i]=$(apt-cache pkgnames linux-headers-6.12. |
			   grep -E '^linux-headers-6\.12\.[0-9.+a-z]*-amd64$' |
			   sort -V | tail -1)
	fi
done
apt-get install -y -q --no-install-recommends "${need[@]}"
