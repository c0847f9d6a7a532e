# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Initramfs builders for the vbdback lab; sourced by scripts/lab/lab.sh.
#
# Both images are cached under $LAB_BUILD and rebuilt only when one of their
# inputs changes (a stamp file holds a hash of the inputs).
#
# Needs: REPO, KVER (dom0's kernel), LAB_BUILD; optional DOM0_MODROOT (where
# dom0's modules are if not in /lib/modules) and GUEST_KVER (the guests'
# kernel, default KVER).

# Print the module files (in load order) that modprobe would insmod for the
# given module names of kernel $MOD_KVER (default $KVER), whose modules are
# under $MOD_ROOT/lib/modules if MOD_ROOT is set.
lab_mod_closure() {
	local m kver=${MOD_KVER:-$KVER} base=()
	[ -n "${MOD_ROOT:-}" ] && base=(-d "$MOD_ROOT")
	for m in "$@"; do
		modprobe "${base[@]}" -S "$kver" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++'
}

# Hash of a list of files (content) plus extra strings.
lab_inputs_hash() {
	{
		local f
		for f in "$@"; do
			if [ -f "$f" ]; then
				printf '%s ' "$f"
				sha256sum <"$f"
			else
				printf 'str %s\n' "$f"
			fi
		done
	} | sha256sum | cut -d' ' -f1
}

# Copy an ELF binary and every library ldd lists into root $1 at the same paths.
lab_copy_elf() {
	local root=$1 bin=$2 lib
	mkdir -p "$root$(dirname "$bin")"
	cp -L "$bin" "$root$bin"
	for lib in $(ldd "$bin" | awk '/=>/ && $3 ~ /^\// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

lab_pack_cpio() {
	local root=$1 out=$2
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet --owner=0:0) | gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
}

# dom0 initramfs: busybox, the modules needed to mount the 9p root with an
# overlay on top, and tests/lab/dom0/init as /init.
lab_build_dom0_initramfs() {
	local tag=${DOM0_MODROOT:+-$KVER}
	local out=$LAB_BUILD/dom0-initramfs$tag.cpio.gz
	local stamp=$LAB_BUILD/dom0-initramfs$tag.stamp
	local mods hash root m
	# shellcheck disable=SC2034 # lab.sh boots it
	LAB_DOM0_INITRD=$out
	mods=$(MOD_ROOT=${DOM0_MODROOT:-} lab_mod_closure virtio_pci 9pnet_virtio 9p overlay) ||
		return 1
	# shellcheck disable=SC2086
	hash=$(lab_inputs_hash "$REPO/tests/lab/dom0/init" "$REPO/scripts/lab/initramfs.sh" \
		/bin/busybox "$KVER" $mods)
	if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
		return 0
	fi
	echo "lab: building dom0 initramfs"
	root=$(mktemp -d "$LAB_BUILD/dom0-root.XXXXXX")
	mkdir -p "$root"/{bin,dev,proc,sys,modules,newroot,host,upper,lab-out}
	cp /bin/busybox "$root/bin/busybox"
	for m in $mods; do
		cp "$m" "$root/modules/"
		basename "$m" >>"$root/modules/order"
	done
	install -m 0755 "$REPO/tests/lab/dom0/init" "$root/init"
	lab_pack_cpio "$root" "$out"
	rm -rf "$root"
	echo "$hash" >"$stamp"
}

# Guest initramfs: busybox, xen-blkfront (+ deps), fio and its libraries, the
# xenstore client, util-linux blkdiscard (BLKZEROOUT/BLKDISCARD ioctls),
# tests/lab/guest/ (init, lib.sh, NAME.sh scripts), and the hostile frontend
# vbdfront (tests/hostile) with the grant and event channel devices it uses.
lab_build_guest_initramfs() {
	local out=$LAB_BUILD/guest-initramfs.cpio.gz
	local stamp=$LAB_BUILD/guest-initramfs.stamp
	local mods hash root m fio xs f bd=/usr/sbin/blkdiscard
	local vf=$REPO/tests/hostile/build/vbdfront
	mods=$(MOD_KVER=${GUEST_KVER:-$KVER} lab_mod_closure xen-blkfront xen-gntalloc xen-evtchn) ||
		return 1
	make -s -C "$REPO/tests/hostile" || { echo "lab: cannot build vbdfront" >&2; return 1; }
	fio=$(command -v fio) || { echo "lab: fio not found" >&2; return 1; }
	xs=$(command -v xenstore-read) || { echo "lab: xenstore-read not found" >&2; return 1; }
	# shellcheck disable=SC2086
	hash=$(lab_inputs_hash "$REPO/scripts/lab/initramfs.sh" "$REPO"/tests/lab/guest/* \
		/bin/busybox "$fio" "$xs" "$bd" "$vf" "${GUEST_KVER:-$KVER}" $mods)
	if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
		return 0
	fi
	echo "lab: building guest initramfs"
	root=$(mktemp -d "$LAB_BUILD/guest-root.XXXXXX")
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,modules,lab/guest,usr/bin}
	cp /bin/busybox "$root/bin/busybox"
	for m in $mods; do
		cp "$m" "$root/modules/"
		basename "$m" >>"$root/modules/order"
	done
	lab_copy_elf "$root" "$fio"
	lab_copy_elf "$root" "$xs"
	lab_copy_elf "$root" "$bd"
	lab_copy_elf "$root" "$vf"
	mv "$root$vf" "$root/usr/bin/vbdfront"
	mv "$root$xs" "$root/usr/bin/xenstore"
	for f in read write rm exists list ls watch chmod; do
		ln -sf xenstore "$root/usr/bin/xenstore-$f"
	done
	for f in "$REPO"/tests/lab/guest/*; do
		install -m 0755 "$f" "$root/lab/guest/"
	done
	install -m 0755 "$REPO/tests/lab/guest/init" "$root/init"
	lab_pack_cpio "$root" "$out"
	rm -rf "$root"
	echo "$hash" >"$stamp"
}

# The guests' kernel as an uncompressed ELF image, made once from the
# bzImage $1 (xz-compressed in Debian's). libxc accepts both, but a bzImage
# it has to unpack in dom0 at every xl create, which takes several seconds
# under TCG. Sets LAB_GUEST_KIMG (the bzImage itself if that fails).
# shellcheck disable=SC2034 # lab.sh hands LAB_GUEST_KIMG to dom0
lab_build_guest_kernel() {
	local src=$1 out=$LAB_BUILD/guest-vmlinux-${1##*/vmlinuz-} off
	LAB_GUEST_KIMG=$src
	if [ -f "$out" ] && [ "$out" -nt "$src" ]; then
		LAB_GUEST_KIMG=$out
		return 0
	fi
	command -v xz >/dev/null || return 0
	# each place the xz magic occurs, until one unpacks to an ELF file
	while read -r off; do
		tail -c +$((off + 1)) "$src" | xz -dcq --single-stream >"$out.tmp" 2>/dev/null
		if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$out.tmp" "$out"
			LAB_GUEST_KIMG=$out
			return 0
		fi
	done < <(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$src" | cut -d: -f1)
	rm -f "$out.tmp"
	echo "lab: no ELF image found in $src; guests boot the bzImage"
}

# Xen's multiboot loader in QEMU wants the uncompressed ELF hypervisor.
lab_build_xen_elf() {
	local src=/boot/xen-4.17-amd64.gz out=$LAB_BUILD/xen.elf
	[ -f "$src" ] || { echo "lab: $src missing (run scripts/lab/deps.sh)" >&2; return 1; }
	if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
		zcat "$src" >"$out.tmp" && mv "$out.tmp" "$out"
	fi
}
