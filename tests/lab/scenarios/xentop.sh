# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 300
# check: yes (order 310)
#
# xentop: xen-blkback's sysfs files on each vbd backend device, as tools
# read them. The guest "xtop" has xvda, writable, on a loop device over a
# tmpfs file, and xvdb, read-only, on a ramdisk. For each:
# physical_device must be the hotplug script's physical-device and mode the
# toolstack's mode, and every statistics/ file one decimal number and a
# newline, as xen-blkback prints them. The guest reads exactly 16 MiB of
# xvda and 4 MiB of xvdb and writes 8 MiB to xvda (64 KiB direct I/O): the
# rd_sect/wr_sect deltas must match to a small slack and rd_req/wr_req be
# at least fio's I/O counts. Then the real xentop (`xentop -b -i 2 -d 1 -x
# -f`) must show, for the guest's domain and for each VBD, exactly the
# counters sysfs shows (VBD_OO VBD_RD VBD_WR VBD_RSECT VBD_WSECT and the
# per-VBD OO/RD/WR/RSECT/WSECT fields). No check is vbdback's own: the same
# run against xen-blkback shows the two are the same ABI.

RD_MIB=16
RO_MIB=4
WR_MIB=8
SLACK=128
GUEST=xtop
XENTOP=$(command -v xentop || echo /usr/lib/xen-4.17/bin/xentop)

lab_brd_setup 1 64 || lab_end
lab_loop_setup 64 || lab_end
lab_write_random /dev/ram0 0 "$RO_MIB" || lab_fail "dom0 write to /dev/ram0"
lab_guest_create "$GUEST" "$(lab_disk "$LAB_LOOP_DEV" xvda)" "$(lab_disk /dev/ram0 xvdb r)" || lab_end
lab_guest_wait_ready "$GUEST" || lab_end
D=$LAB_DOMID
NA=$(lab_devid xvda)
NB=$(lab_devid xvdb)
lab_check_binding "$D" "$NA"
lab_check_binding "$D" "$NB"
lab_check "guest sees xvda and xvdb" lab_guest_cmd "$GUEST" 60 'wait_disk xvda 30 && wait_disk xvdb 30'

# check_file DESC FILE EXPECTED: FILE holds exactly EXPECTED and a newline.
check_file() {
	if printf '%s\n' "$3" | cmp -s - "$2"; then
		lab_log "ok: $1 ($3)"
	else
		lab_fail "$1: $2 holds '$(od -c "$2" 2>&1 | head -n 2 | tr '\n' ' ')', expected '$3\\n'"
	fi
}

# --- physical_device, mode, the format of statistics/ --------------------
for n in "$NA" "$NB"; do
	sys=$(lab_be_sys "$D" "$n")
	check_file "vbd-$D-$n physical_device is xenstore's physical-device" \
		"$sys/physical_device" "$(lab_be_key "$D" "$n" physical-device)"
	check_file "vbd-$D-$n mode is xenstore's mode" "$sys/mode" "$(lab_be_key "$D" "$n" mode)"
	for f in $LAB_STAT_NAMES; do
		v=$(cat "$sys/statistics/$f" 2>/dev/null)
		if [[ $v =~ ^[0-9]+$ ]]; then
			check_file "vbd-$D-$n statistics/$f is a decimal number" "$sys/statistics/$f" "$v"
		else
			lab_fail "vbd-$D-$n statistics/$f: '$v' is not a decimal number"
		fi
	done
done
lab_assert_eq "xvda's physical_device is the loop device's" \
	"$(cat "$(lab_be_sys "$D" "$NA")/physical_device")" "$(lab_dev_majmin "$LAB_LOOP_DEV")"
lab_assert_eq "xvdb's physical_device is /dev/ram0's" \
	"$(cat "$(lab_be_sys "$D" "$NB")/physical_device")" "$(lab_dev_majmin /dev/ram0)"
lab_assert_eq "xvda's mode" "$(cat "$(lab_be_sys "$D" "$NA")/mode")" w
lab_assert_eq "xvdb's mode" "$(cat "$(lab_be_sys "$D" "$NB")/mode")" r

# --- the counters against fio ---------------------------------------------
lab_stats "$D" "$NA"
a0=$LAB_STATS
lab_stats "$D" "$NB"
b0=$LAB_STATS
# job VDEV RW MIB: fio in the guest, 64 KiB direct I/O; sets IOS.
job() {
	local json=$LAB_TMP/xentop-$1-$2.json
	lab_guest_cmd "$GUEST" 180 "fio_json --name=$2 --filename=/dev/$1 --rw=$2 --bs=64k --size=${3}M \
		--ioengine=psync --direct=1" || { lab_cmd_show 20; lab_fail "fio $2 on $1 (rc $LAB_CMD_RC)"; }
	lab_cmd_json >"$json"
	lab_fio_check "$json" "fio $2 on $1"
	lab_assert_eq "fio $2 bytes on $1" "$(jq -r ".jobs[0].$2.io_bytes" "$json")" $(($3 * 1048576))
	IOS=$(jq -r ".jobs[0].$2.total_ios" "$json")
}
job xvda read "$RD_MIB"
RD_IOS=$IOS
job xvdb read "$RO_MIB"
RO_IOS=$IOS
job xvda write "$WR_MIB"
WR_IOS=$IOS
lab_stats "$D" "$NA"
a1=$LAB_STATS
lab_stats "$D" "$NB"
b1=$LAB_STATS
lab_log "xvda statistics: $a1; xvdb statistics: $b1"
lab_assert_range "xvda rd_sect delta" "$(lab_stat_delta "$a0" "$a1" rd_sect)" \
	$((RD_MIB * 2048)) $((RD_MIB * 2048 + SLACK))
lab_assert_range "xvda wr_sect delta" "$(lab_stat_delta "$a0" "$a1" wr_sect)" \
	$((WR_MIB * 2048)) $((WR_MIB * 2048 + SLACK))
lab_assert_range "xvdb rd_sect delta" "$(lab_stat_delta "$b0" "$b1" rd_sect)" \
	$((RO_MIB * 2048)) $((RO_MIB * 2048 + SLACK))
lab_assert_eq "xvdb wr_sect delta (read-only)" "$(lab_stat_delta "$b0" "$b1" wr_sect)" 0
lab_assert_range "xvda rd_req delta (fio: $RD_IOS reads)" "$(lab_stat_delta "$a0" "$a1" rd_req)" \
	"$RD_IOS" $((RD_IOS * 2 + 16))
lab_assert_range "xvda wr_req delta (fio: $WR_IOS writes)" "$(lab_stat_delta "$a0" "$a1" wr_req)" \
	"$WR_IOS" $((WR_IOS * 2 + 16))
lab_assert_range "xvdb rd_req delta (fio: $RO_IOS reads)" "$(lab_stat_delta "$b0" "$b1" rd_req)" \
	"$RO_IOS" $((RO_IOS * 2 + 16))

# --- xentop -----------------------------------------------------------------
if [ ! -x "$XENTOP" ]; then
	lab_fail "no xentop ($XENTOP)"
	lab_end
fi
# Nothing runs in the guest now: the counters stand still while xentop
# reads them, so they must agree exactly.
timeout 60 "$XENTOP" -b -i 2 -d 1 -x -f >"$LAB_TMP/xentop.out" 2>"$LAB_TMP/xentop.err" ||
	lab_fail "xentop -b -i 2 -d 1 -x -f failed: $(head -n 3 "$LAB_TMP/xentop.err" | tr '\n' ' ')"
lab_stats "$D" "$NA"
a2=$LAB_STATS
lab_stats "$D" "$NB"
b2=$LAB_STATS
lab_assert_eq "xvda counters unchanged while xentop ran" "$a2" "$a1"
lab_assert_eq "xvdb counters unchanged while xentop ran" "$b2" "$b1"
lab_log "xentop's last frame for $GUEST:"
# The last frame: from the last header line on.
awk '/^ *NAME /{ f = "" } { f = f $0 "\n" } END { printf "%s", f }' "$LAB_TMP/xentop.out" >"$LAB_TMP/xentop.last"
awk -v g="$GUEST" '$1 == g { on = 1; print; next } on && /^ *VBD/ { print; next } { on = 0 }' \
	"$LAB_TMP/xentop.last" | sed 's/^/  | /'

# The domain's row: the columns named in the header.
dom_col() {
	awk -v g="$GUEST" -v c="$1" '
		/^ *NAME / { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == g && (c in col) { print $(col[c]); exit }' "$LAB_TMP/xentop.last"
}
sum() {
	echo $(($(lab_stat_get "$a2" "$1") + $(lab_stat_get "$b2" "$1")))
}
lab_assert_eq "xentop VBDS" "$(dom_col VBDS)" 2
lab_assert_eq "xentop VBD_OO" "$(dom_col VBD_OO)" "$(sum oo_req)"
lab_assert_eq "xentop VBD_RD" "$(dom_col VBD_RD)" "$(sum rd_req)"
lab_assert_eq "xentop VBD_WR" "$(dom_col VBD_WR)" "$(sum wr_req)"
lab_assert_eq "xentop VBD_RSECT" "$(dom_col VBD_RSECT)" "$(sum rd_sect)"
lab_assert_eq "xentop VBD_WSECT" "$(dom_col VBD_WSECT)" "$(sum wr_sect)"

# vbd_field DEVID KEY: KEY's value on the guest's VBD line for DEVID.
vbd_field() {
	awk -v g="$GUEST" -v n="$1" -v k="$2:" '
		$1 == g { on = 1; next }
		on && /^ *VBD/ {
			hit = 0
			for (i = 1; i <= NF; i++) if ($i == n) hit = 1
			if (!hit) next
			for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit }
			next
		}
		{ on = 0 }' "$LAB_TMP/xentop.last"
}
for n in "$NA" "$NB"; do
	[ "$n" = "$NA" ] && s=$a2 || s=$b2
	lab_assert_eq "xentop VBD $n OO" "$(vbd_field "$n" OO)" "$(lab_stat_get "$s" oo_req)"
	lab_assert_eq "xentop VBD $n RD" "$(vbd_field "$n" RD)" "$(lab_stat_get "$s" rd_req)"
	lab_assert_eq "xentop VBD $n WR" "$(vbd_field "$n" WR)" "$(lab_stat_get "$s" wr_req)"
	lab_assert_eq "xentop VBD $n RSECT" "$(vbd_field "$n" RSECT)" "$(lab_stat_get "$s" rd_sect)"
	lab_assert_eq "xentop VBD $n WSECT" "$(vbd_field "$n" WSECT)" "$(lab_stat_get "$s" wr_sect)"
done
lab_end
