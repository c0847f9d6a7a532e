# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 420
# check: yes (order 130)
#
# discard: BLKIF_OP_DISCARD end to end. xvda is a loop device over a tmpfs
# file (loop punches holes in it on discard). The backend must advertise
# feature-discard=1 with discard-granularity and discard-alignment (and
# discard-secure, if written at all, must be 0: loop has no secure erase);
# the guest's queue must take discards with that granularity. The guest
# writes 80 MiB (the dom0 file's allocated blocks grow by that much), then
# blkdiscards the middle 64 MiB while it reads 4 KiB elsewhere on the disk
# (that read must complete within 10 s): the file's allocation drops by at
# least 90% of 64 MiB, ds_req grows, the data around the discarded range
# reads back with its checksums and fio verify passes on the discarded range.
# xvdb is given "no-discard" in the xl disk spec: libxl writes
# discard-enable=0, the backend must then not offer discard
# (feature-discard absent or 0), blkdiscard fails in the guest, and fio
# verify passes there too.

DISK_MIB=96
lab_loop_setup "$DISK_MIB" || lab_end
LOOP=$LAB_LOOP_DEV
FILE=$LAB_LOOP_FILE
lab_loop_setup 32 || lab_end
LOOP2=$LAB_LOOP_DEV
lab_log "dom0 $LOOP: discard_max_bytes $(cat "/sys/block/${LOOP#/dev/}/queue/discard_max_bytes")," \
	"discard_granularity $(cat "/sys/block/${LOOP#/dev/}/queue/discard_granularity")"

lab_guest_create discard "$(lab_disk "$LOOP" xvda)" "$(lab_disk "$LOOP2" xvdb w '' no-discard)" || lab_end
lab_guest_wait_ready discard || lab_end
D=$LAB_DOMID
NA=$(lab_devid xvda)
NB=$(lab_devid xvdb)
lab_check_binding "$D" "$NA"
lab_check "guest sees xvda and xvdb" lab_guest_cmd discard 60 'wait_disk xvda 30 && wait_disk xvdb 30'

# --- negotiation -------------------------------------------------------
BE=$(lab_be_xs "$D" "$NA")
lab_assert_eq "xvda backend state" "$(lab_xs_read "$BE/state")" 4
lab_assert_eq "xvda frontend state" "$(lab_fe_key "$D" "$NA" state)" 4
lab_assert_eq "xvda backend feature-discard" "$(lab_xs_read "$BE/feature-discard")" 1
gran=$(lab_xs_read "$BE/discard-granularity")
lab_assert_ge "xvda backend discard-granularity" "$gran" 512
lab_check "xvda backend discard-alignment ($(lab_xs_read "$BE/discard-alignment"))" \
	lab_is_int "$(lab_xs_read "$BE/discard-alignment")"
if lab_xs_exists "$BE/discard-secure"; then
	lab_assert_eq "xvda backend discard-secure (loop cannot erase securely)" \
		"$(lab_xs_read "$BE/discard-secure")" 0
fi
de=$(lab_xs_read "$BE/discard-enable")
lab_check "xvda discard-enable from libxl is not 0 (${de:-absent})" test "${de:-1}" != 0

lab_guest_cmd discard 30 'for d in xvda xvdb; do
		kv ${d}_dmax "$(cat /sys/block/$d/queue/discard_max_bytes)"
		kv ${d}_dgran "$(cat /sys/block/$d/queue/discard_granularity)"
	done'
lab_cmd_show 6
lab_assert_ge "guest xvda discard_max_bytes" "$(lab_cmd_kv xvda_dmax)" $((64 * 1048576))
lab_assert_eq "guest xvda discard_granularity = backend discard-granularity" "$(lab_cmd_kv xvda_dgran)" "$gran"
lab_assert_eq "guest xvdb discard_max_bytes (no-discard)" "$(lab_cmd_kv xvdb_dmax)" 0

# --- discard frees the dom0 file's blocks --------------------------------
alloc() { stat -c %b "$FILE"; }
MIB_BLOCKS=2048 # stat %b counts 512-byte blocks
b0=$(alloc)
A_OFF=0
B_OFF=$((16 * 1048576))
C_OFF=$((88 * 1048576))
md5=()
for r in "$A_OFF 8" "$B_OFF 64" "$C_OFF 8"; do
	read -r off mib <<<"$r"
	if lab_guest_cmd discard 180 "write_random /dev/xvda $off $mib >/dev/null &&
			kv md5 \$(md5_region /dev/xvda $off $((mib * 1048576)))"; then
		md5+=("$(lab_cmd_kv md5)")
	else
		lab_cmd_show 10
		lab_fail "guest write of $mib MiB at $off (rc $LAB_CMD_RC)"
		md5+=(x)
	fi
done
b1=$(alloc)
lab_log "backing file allocation: $b0 blocks before, $b1 after 80 MiB of guest writes"
lab_assert_ge "backing file allocation growth after 80 MiB written" "$((b1 - b0))" $((76 * MIB_BLOCKS))

lab_stats "$D" "$NA"
s0=$LAB_STATS
# The discard runs in the background; the small read elsewhere must not wait for it.
lab_guest_cmd discard 180 "bg_start dis /usr/sbin/blkdiscard -o $B_OFF -l $((64 * 1048576)) /dev/xvda
	t0=\$(uptime_cs)
	timeout 30 dd if=/dev/xvda of=/dev/null bs=4096 count=1 skip=1 iflag=direct 2>/dev/null && kv read_ok 1
	t1=\$(uptime_cs)
	kv read_cs \$((t1 - t0))
	[ -f /tmp/bg-dis.rc ] && kv discard_done_before_read_end 1
	bg_wait dis 120; rc=\$?
	kv discard_rc \$rc"
lab_cmd_show 6
lab_assert_eq "blkdiscard of 64 MiB on xvda" "$(lab_cmd_kv discard_rc)" 0
lab_assert_eq "4 KiB read during the discard completed" "$(lab_cmd_kv read_ok)" 1
rcs=$(lab_cmd_kv read_cs)
lab_assert_range "4 KiB read during the discard took (centiseconds)" "$rcs" 0 1000
lab_log "read during discard: ${rcs}0 ms; discard already done when the read ended: $(lab_cmd_kv discard_done_before_read_end)"
lab_stats "$D" "$NA"
s1=$LAB_STATS
b2=$(alloc)
lab_log "backing file allocation after the discard: $b2 blocks; ds_req delta $(lab_stat_delta "$s0" "$s1" ds_req)"
lab_assert_ge "backing file blocks freed by discarding 64 MiB" "$((b1 - b2))" $((64 * MIB_BLOCKS * 9 / 10))
lab_assert_ge "backend ds_req delta" "$(lab_stat_delta "$s0" "$s1" ds_req)" 1

lab_guest_cmd discard 60 "kv a \$(md5_region /dev/xvda $A_OFF $((8 * 1048576)))
	kv c \$(md5_region /dev/xvda $C_OFF $((8 * 1048576)))"
lab_assert_eq "data before the discarded range unchanged" "$(lab_cmd_kv a)" "${md5[0]}"
lab_assert_eq "data after the discarded range unchanged" "$(lab_cmd_kv c)" "${md5[2]}"

# fio_verify VDEV ARGS...
fio_verify() {
	local vdev=$1 json=$LAB_TMP/discard-$1.json
	shift
	lab_guest_cmd discard 300 "fio_json --name=verify-$vdev --filename=/dev/$vdev --rw=randwrite \
		--bsrange=4k-64k --ioengine=libaio --iodepth=8 --direct=1 --verify=crc32c --verify_fatal=1 $*"
	lab_assert_eq "fio verify on $vdev: exit status" "$LAB_CMD_RC" 0 || lab_cmd_show 20
	lab_assert_eq "fio verify on $vdev: verify messages" "$(lab_cmd_kv fio_verify_msgs)" ""
	lab_cmd_json >"$json"
	lab_fio_check "$json" "fio verify on $vdev"
}
fio_verify xvda --offset=$B_OFF --size=32M

# --- no-discard --------------------------------------------------------
BE=$(lab_be_xs "$D" "$NB")
lab_assert_eq "xvdb backend state" "$(lab_xs_read "$BE/state")" 4
lab_assert_eq "xvdb discard-enable written by libxl (no-discard)" "$(lab_xs_read "$BE/discard-enable")" 0
fd=$(lab_xs_read "$BE/feature-discard")
lab_check "xvdb backend feature-discard absent or 0 (${fd:-absent})" test "${fd:-0}" = 0
lab_stats "$D" "$NB"
s0=$LAB_STATS
if lab_guest_cmd discard 60 '/usr/sbin/blkdiscard -o 0 -l 1048576 /dev/xvdb'; then
	lab_fail "blkdiscard on xvdb (no-discard) succeeded"
else
	lab_log "blkdiscard on xvdb failed as it should: $(head -n 1 "$LAB_CMD_OUT")"
fi
lab_stats "$D" "$NB"
lab_assert_eq "xvdb ds_req delta (no-discard)" "$(lab_stat_delta "$s0" "$LAB_STATS" ds_req)" 0
fio_verify xvdb --size=16M
lab_end
