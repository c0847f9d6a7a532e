# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 420
# check: yes (order 320)
#
# shared-ro: one read-only device served to three guests at once, as
# xen-blkback serves it (it opens read-only devices shared). dom0 writes
# 4 MiB of random data to a ramdisk; guests ro1, ro2 and ro3 each get it as
# xvda with mode r (all three attached at the same time). Each backend
# device must connect, carry mode r, VDISK_READONLY and the ramdisk's
# physical_device; each guest must read dom0's md5, and every write it tries
# (dd, direct) must fail, dom0's data unchanged and no backend counting a
# written sector.
#
# Then a writable attach of the same device to a fourth guest while the
# three hold it. Through the lab's hotplug script (no sharing check), the
# backend decides: xen-blkback opens nothing exclusively and connects it;
# vbdback opens writable devices exclusively, but the read-only vbds hold no
# exclusive claim, so it connects too (and the fourth guest's write reaches
# dom0 while the readers go on reading). Debian's own hotplug script
# (/etc/xen/scripts/block) refuses it before any backend sees it: a device
# other guests have must not be attached writable.

lab_brd_setup 1 64 || lab_end
lab_write_random /dev/ram0 0 4 || lab_fail "dom0 write to /dev/ram0"
MD5=$LAB_MD5
MAJMIN=$(lab_dev_majmin /dev/ram0)
N=$(lab_devid xvda)
RO_GUESTS="ro1 ro2 ro3"
# Four guests at once: less than the default 512 MiB each (256 is too
# little for the guest's initramfs).
MEM=384

for g in $RO_GUESTS; do
	lab_guest_create "$g" --memory "$MEM" "$(lab_disk /dev/ram0 xvda r)" || lab_end
done
# The fourth, without a disk for now, boots meanwhile.
lab_guest_create rw4 --memory "$MEM" || lab_end
D4=$LAB_DOMID
for g in $RO_GUESTS rw4; do
	lab_guest_wait_ready "$g" || lab_end
done

declare -A DOM=() ST=()
for g in $RO_GUESTS; do
	d=$(lab_guest_domid "$g")
	DOM[$g]=$d
	lab_check_binding "$d" "$N"
	lab_assert_eq "$g: backend state" "$(lab_be_state "$d" "$N")" 4
	lab_assert_eq "$g: backend mode key" "$(lab_be_key "$d" "$N" mode)" r
	lab_assert_eq "$g: sysfs mode" "$(cat "$(lab_be_sys "$d" "$N")/mode" 2>&1)" r
	lab_assert_eq "$g: sysfs physical_device" "$(cat "$(lab_be_sys "$d" "$N")/physical_device" 2>&1)" "$MAJMIN"
	info=$(lab_be_key "$d" "$N" info)
	lab_is_int "$info" || info=0
	lab_assert_eq "$g: info has VDISK_READONLY (0x4)" $((info & 4)) 4
done
# A backend that opens read-only devices exclusively serves only the first.
lab_failed && lab_end

# All three read at once; then each checks what it read and tries to write.
for g in $RO_GUESTS; do
	lab_check "$g: start reading xvda" lab_guest_cmd "$g" 60 \
		'wait_disk xvda 30 && bg_start md5 md5_region /dev/xvda 0 4194304'
done
for g in $RO_GUESTS; do
	lab_stats "${DOM[$g]}" "$N"
	ST[$g]=$LAB_STATS
done
for g in $RO_GUESTS; do
	lab_guest_cmd "$g" 120 '
		bg_wait md5 90 >/dev/null
		echo "VBDTEST-KV md5=$(tail -n 1 /tmp/bg-md5.out)"
		echo "VBDTEST-KV ro=$(cat /sys/block/xvda/ro)"
		ok=0
		dd if=/dev/urandom of=/dev/xvda bs=4096 count=1 oflag=direct conv=notrunc && ok=$((ok + 1))
		dd if=/dev/urandom of=/dev/xvda bs=65536 count=4 seek=8 oflag=direct conv=notrunc && ok=$((ok + 1))
		echo "VBDTEST-KV writes_ok=$ok"'
	lab_assert_eq "$g: reads dom0's md5" "$(lab_cmd_kv md5)" "$MD5"
	lab_assert_eq "$g: xvda is read-only in the guest" "$(lab_cmd_kv ro)" 1
	lab_assert_eq "$g: writes to the shared read-only disk that succeeded" "$(lab_cmd_kv writes_ok)" 0
done
for g in $RO_GUESTS; do
	lab_stats "${DOM[$g]}" "$N"
	lab_assert_eq "$g: backend wr_sect delta" "$(lab_stat_delta "${ST[$g]}" "$LAB_STATS" wr_sect)" 0
done
lab_assert_eq "dom0's data unchanged" "$(lab_md5_region /dev/ram0 0 4194304)" "$MD5"

# --- a writable attach while the three hold it ----------------------------
# Debian's hotplug script: refused before the backend is involved.
NB=$(lab_devid xvdb)
if lab_block_attach rw4 "$(lab_disk /dev/ram0 xvdb w stock)"; then
	lab_fail "Debian's block script let /dev/ram0 be attached writable while 3 guests have it"
else
	lab_log "ok: Debian's block script refused the writable attach"
fi
lab_block_detach rw4 xvdb >/dev/null 2>&1
if ! lab_wait 30 "vbd-$D4-$NB gone" lab_be_gone "$D4" "$NB"; then
	lab_fail "backend device vbd-$D4-$NB left after the refused attach"
	timeout 10 xenstore-rm "$(lab_be_xs "$D4" "$NB")" "$(lab_fe_xs "$D4" "$NB")" 2>/dev/null
fi

# The lab's script hands it on: the backend decides.
lab_block_attach rw4 "$(lab_disk /dev/ram0 xvda w)" || lab_log "xl block-attach of a writable xvda returned an error"
if lab_wait 30 "rw4's xvda connected" lab_be_state_is "$D4" "$N" 4; then
	lab_log "$LAB_MODNAME connected a writable vbd of a device 3 guests read"
	lab_check_binding "$D4" "$N"
	lab_assert_eq "rw4: sysfs mode" "$(cat "$(lab_be_sys "$D4" "$N")/mode" 2>&1)" w
	lab_guest_cmd rw4 60 'wait_disk xvda 30 && write_random /dev/xvda 8388608 1'
	w=$(lab_cmd_kv written_md5)
	lab_assert_eq "rw4's write reached dom0" "$(lab_md5_region /dev/ram0 8388608 1048576)" "${w:-none}"
	for g in $RO_GUESTS; do
		lab_guest_cmd "$g" 60 'md5_region /dev/xvda 8388608 1048576; md5_region /dev/xvda 0 4194304'
		lab_assert_eq "$g: reads rw4's write" "$(tail -n 2 "$LAB_CMD_OUT" | head -n 1)" "${w:-none}"
		lab_assert_eq "$g: still reads dom0's md5" "$(tail -n 1 "$LAB_CMD_OUT")" "$MD5"
	done
else
	lab_fail "$LAB_MODNAME: writable xvda of rw4 in state $(lab_be_state "$D4" "$N") ($(lab_be_error "$D4" "$N"))"
fi

lab_guest_destroy rw4
for g in $RO_GUESTS; do
	lab_guest_destroy "$g"
done
lab_end
