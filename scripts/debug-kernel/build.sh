#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a debugging dom0 kernel for the vbdback lab from Debian's
# linux-source-6.1: Debian's own configuration, trimmed to the modules the lab
# dom0 loads, plus the checkers Debian leaves out (kmemleak, lockdep, atomic
# sleep, debug objects, fault injection, KFENCE and SLUB poisoning on by
# default), and the fixes in patches/ to kernel code outside vbdback that
# would otherwise set a checker off (lockdep stops at its first report).
# The result is cached: a second run with the same inputs does
# nothing.
#
# usage: scripts/debug-kernel/build.sh [OUTDIR]     (default build/debug-kernel)
#
# OUTDIR/vmlinuz              the kernel image the lab boots as dom0
# OUTDIR/root/lib/modules/V/  its modules (the lab bind-mounts them in dom0)
# OUTDIR/src                  the configured tree: KDIR for building vbdback
# OUTDIR/kver                 V, the kernel release
#
# KASAN is not enabled: the lab's dom0 is a Xen PV guest, and Linux 6.1 has no
# KASAN support for PV (its shadow set-up writes page tables natively before
# the PV MMU is up). KFENCE and SLUB red zones/poisoning catch the same
# classes of bug (out of bounds, use after free) at sampled or freed objects.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
OUT=${1:-$REPO/build/debug-kernel}
TARBALL=${LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
BASE_CONFIG=${BASE_CONFIG:-$(find /boot -maxdepth 1 -name 'config-6.1.0-*-amd64' | sort -V | tail -n 1)}
JOBS=${JOBS:-$(($(nproc) + 1))}
FRAGMENT=$SCRIPT_DIR/debug.config
MODLIST=$SCRIPT_DIR/modules.list

die() {
	echo "debug-kernel: $*" >&2
	exit 1
}

# What a kernel build needs beyond the module build's tools.
missing=()
for p in linux-source-6.1 flex bison bc libelf-dev libssl-dev; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}"
	echo "debug-kernel: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ -f "$TARBALL" ] || die "no $TARBALL (apt-get install linux-source-6.1)"
[ -n "$BASE_CONFIG" ] && [ -f "$BASE_CONFIG" ] ||
	die "no /boot/config-6.1.0-*-amd64 (apt-get install linux-image-amd64)"

hash=$({
	sha256sum "$FRAGMENT" "$MODLIST" "$0" "$BASE_CONFIG" "$SCRIPT_DIR"/patches/*.patch
	stat -c '%s %Y' "$TARBALL"
} | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$hash" ] &&
	[ -f "$OUT/vmlinuz" ]; then
	echo "debug-kernel: up to date: $OUT/vmlinuz ($(cat "$OUT/kver"))"
	exit 0
fi
rm -f "$OUT/stamp"
mkdir -p "$OUT"

SRC=$OUT/src
if [ ! -f "$SRC/Makefile" ]; then
	echo "debug-kernel: unpacking $TARBALL"
	rm -rf "$SRC" "$OUT/linux-source-6.1"
	tar -C "$OUT" -xf "$TARBALL"
	mv "$OUT/linux-source-6.1" "$SRC"
fi

# Fixes the checkers need in the kernel itself (see each patch): applied
# once, so a rebuild of an existing tree stays incremental.
for p in "$SCRIPT_DIR"/patches/*.patch; do
	[ -f "$p" ] || continue
	if patch -d "$SRC" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1; then
		continue
	fi
	echo "debug-kernel: applying ${p##*/}"
	patch -d "$SRC" -p1 -s -f <"$p" || die "cannot apply ${p##*/}"
done

# localmodconfig keeps only the modules named in an lsmod-style listing (and
# what they need); everything Debian builds in stays built in.
lsmod_file=$OUT/lsmod.txt
{
	echo "Module                  Size  Used by"
	grep -v '^#' "$MODLIST" | awk 'NF { print $1, 0, 0 }'
} >"$lsmod_file"

echo "debug-kernel: configuring from $BASE_CONFIG"
cp "$BASE_CONFIG" "$SRC/.config"
make -s -C "$SRC" olddefconfig
make -s -C "$SRC" LSMOD="$lsmod_file" localmodconfig </dev/null >/dev/null
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$SRC" "$SRC/.config" "$FRAGMENT" >/dev/null
make -s -C "$SRC" olddefconfig

# Every option of the fragment must have survived olddefconfig's dependency
# resolution, or the kernel would silently lack a checker.
unset_opts=0
while read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$SRC/.config" ||
		{ echo "debug-kernel: not set as asked: $line" >&2; unset_opts=1; } ;;
	"# CONFIG_"*" is not set") grep -q "^${line#\# }" "$SRC/.config" 2>/dev/null &&
		{ echo "debug-kernel: still set: $line" >&2; unset_opts=1; } ;;
	esac
done <"$FRAGMENT"
[ "$unset_opts" = 0 ] || die "configuration incomplete"

echo "debug-kernel: building with $JOBS jobs (about 30 minutes on 2 cores)"
start=$(date +%s)
make -s -C "$SRC" -j"$JOBS" bzImage modules
kver=$(make -s -C "$SRC" kernelrelease)
rm -rf "$OUT/root"
make -s -C "$SRC" INSTALL_MOD_PATH="$OUT/root" INSTALL_MOD_STRIP=1 \
	DEPMOD=/sbin/depmod modules_install
rm -f "$OUT/root/lib/modules/$kver/build" "$OUT/root/lib/modules/$kver/source"
cp "$SRC/arch/x86/boot/bzImage" "$OUT/vmlinuz"
cp "$SRC/.config" "$OUT/config"
echo "$kver" >"$OUT/kver"
echo "$hash" >"$OUT/stamp"
echo "debug-kernel: built $kver in $(($(date +%s) - start)) s: $OUT/vmlinuz"
