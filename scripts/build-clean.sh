#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-clean.sh KDIR OUTDIR [MAKE ARGS...]
#
# Build the module with W=1 against the kernel tree KDIR in a copy of the
# sources under OUTDIR (so builds for several kernels do not trample each
# other or the working tree), and fail if the compiler, or sparse with C=2,
# says anything at all.
set -euo pipefail

kdir=$1 out=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)

[ -d "$kdir" ] || { echo "build-clean: no kernel tree at $kdir" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/drivers/block"
cp "$top/Kbuild" "$out/"
cp -r "$top/drivers/block/vbdback" "$out/drivers/block/"
find "$out" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \) -delete
out=$(cd "$out" && pwd)
log=$out/build.log

status=0
make -C "$kdir" M="$out" W=1 "$@" modules >"$log" 2>&1 || status=$?
if [ $status -ne 0 ] || grep -qE '(warning|error):' "$log"; then
	grep -E '(warning|error):' -A3 "$log" || tail -30 "$log"
	echo "build-clean: $kdir $*: FAILED (log: $log)"
	exit 1
fi
[ -f "$out/drivers/block/vbdback/vbdback.ko" ] || { echo "build-clean: no module built"; exit 1; }
echo "build-clean: $kdir W=1 $*: clean"
