#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-header.sh OUT: QEMU's plugin API header (include/qemu/qemu-plugin.h)
# for the installed qemu-system-x86, taken from Debian's source of that
# version. A plugin must be built against the API of the QEMU that loads it,
# and Debian ships the header in no binary package.

set -euo pipefail

out=$1
ver=$(dpkg-query -W -f '${Version}' qemu-system-x86) ||
	{ echo "fetch-header: qemu-system-x86 is not installed" >&2; exit 1; }
# 1:7.2+dfsg-7+deb12u18+b3 -> 7.2+dfsg: no epoch, no Debian revision
up=${ver#*:}
up=${up%-*}
url=${DEBIAN_MIRROR:-http://deb.debian.org/debian}/pool/main/q/qemu/qemu_$up.orig.tar.xz
mkdir -p "$(dirname "$out")"
echo "fetch-header: $url"
curl -fsSL --retry 3 "$url" | xz -dc |
	tar -xO --wildcards '*/include/qemu/qemu-plugin.h' >"$out.tmp"
grep -q qemu_plugin_install "$out.tmp" ||
	{ rm -f "$out.tmp"; echo "fetch-header: no plugin API in $url" >&2; exit 1; }
mv "$out.tmp" "$out"
