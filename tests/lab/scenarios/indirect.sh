# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 420
# check: yes (order 90)
#
# indirect: indirect descriptors (BLKIF_OP_INDIRECT) carry 1 MiB in one
# request. The backend must advertise feature-max-indirect-segments >= 256.
# Guest "ind" loads xen-blkfront with max_indirect_segments=256: its xvda
# takes 1 MiB requests (max_hw_sectors_kb >= 1024), and a 1 MiB direct
# sequential read of N MiB reaches the backend as about N requests (rd_req
# delta in [N, N+4], rd_sect delta exactly N*2048). Guest "noind" loads it
# with max_indirect_segments=0 (blkfront raises that to 11 = no indirect):
# 44 KiB requests, and the same reads take >= 23 requests per MiB. fio
# verify (crc32c, 1 MiB blocks) passes on both.
#
# vbdback contract: /sys/bus/xen-backend/devices/vbd-D-N/vbdback/max_req_segs,
# the largest request served so far in segments, must be >= 256 after the
# 1 MiB reads (and <= 11 on the guest without indirect). xen-blkback has no
# such file: the check is skipped with a note; vbdback must have it.

N_MIB=16
VERIFY_MIB=32
SLACK=4
lab_brd_setup 2 64 || lab_end
XVDA=$(lab_devid xvda)

# check_guest NAME DOMID PARAM MIN_HW_KB MAX_HW_KB MIN_REQ_PER_MIB MAX_REQ_PER_MIB
check_guest() {
	local g=$1 d=$2 param=$3 hwmin=$4 hwmax=$5 rmin=$6 rmax=$7 be fe s0 s1 hw ms segs f
	be=$(lab_be_xs "$d" "$XVDA")
	fe=$(lab_fe_xs "$d" "$XVDA")
	lab_log "--- guest $g (domain $d)"
	lab_check_binding "$d" "$XVDA"
	lab_check "$g: guest sees xvda" lab_guest_cmd "$g" 60 'wait_disk xvda 30'
	lab_assert_ge "$g: backend feature-max-indirect-segments" \
		"$(lab_xs_read "$be/feature-max-indirect-segments")" 256
	lab_assert_eq "$g: backend state" "$(lab_xs_read "$be/state")" 4
	# blkif has no frontend key for indirect descriptors: the frontend
	# just uses what the backend offers, up to its own limit.
	lab_assert_eq "$g: frontend state" "$(lab_xs_read "$fe/state")" 4
	lab_check "$g: frontend ring-ref" lab_xs_exists "$fe/ring-ref"
	lab_check "$g: frontend event-channel" lab_xs_exists "$fe/event-channel"

	lab_guest_cmd "$g" 30 'kv param "$(cat /sys/module/xen_blkfront/parameters/max_indirect_segments)"
		kv hw_kb "$(cat /sys/block/xvda/queue/max_hw_sectors_kb)"
		kv max_kb "$(cat /sys/block/xvda/queue/max_sectors_kb)"
		kv max_segs "$(cat /sys/block/xvda/queue/max_segments)"
		dmesg | grep -i "blkfront: xvda" | tail -n 2' || lab_fail "$g: guest queue limits (rc $LAB_CMD_RC)"
	lab_cmd_show 10
	lab_assert_eq "$g: guest xen_blkfront.max_indirect_segments" "$(lab_cmd_kv param)" "$param"
	hw=$(lab_cmd_kv hw_kb)
	ms=$(lab_cmd_kv max_kb)
	lab_assert_range "$g: guest max_hw_sectors_kb" "$hw" "$hwmin" "$hwmax"
	lab_log "$g: max_sectors_kb $ms, max_segments $(lab_cmd_kv max_segs)"
	# The soft limit must not split what the hardware limit allows.
	if lab_is_int "$ms" && lab_is_int "$hw" && [ "$ms" -lt "$hw" ]; then
		lab_guest_cmd "$g" 30 "echo $hw >/sys/block/xvda/queue/max_sectors_kb"
		lab_log "$g: raised max_sectors_kb $ms -> $hw"
	fi

	lab_stats "$d" "$XVDA" || return 1
	s0=$LAB_STATS
	lab_guest_cmd "$g" 180 "fio_json --name=seqread --filename=/dev/xvda --rw=read --bs=1M \
		--size=${N_MIB}M --ioengine=psync --iodepth=1 --direct=1" ||
		{ lab_cmd_show 20; lab_fail "$g: fio 1 MiB read (rc $LAB_CMD_RC)"; }
	lab_cmd_json >"$LAB_TMP/indirect-$g-read.json"
	lab_fio_check "$LAB_TMP/indirect-$g-read.json" "$g: fio 1 MiB read"
	lab_stats "$d" "$XVDA"
	s1=$LAB_STATS
	lab_log "$g: ${N_MIB} x 1 MiB reads: rd_req delta $(lab_stat_delta "$s0" "$s1" rd_req)," \
		"rd_sect delta $(lab_stat_delta "$s0" "$s1" rd_sect)"
	lab_assert_eq "$g: rd_sect delta of ${N_MIB} MiB read" \
		"$(lab_stat_delta "$s0" "$s1" rd_sect)" $((N_MIB * 2048))
	lab_assert_range "$g: rd_req delta of ${N_MIB} x 1 MiB reads" \
		"$(lab_stat_delta "$s0" "$s1" rd_req)" $((N_MIB * rmin)) $((N_MIB * rmax + SLACK))

	f=$(lab_be_sys "$d" "$XVDA")/vbdback/max_req_segs
	if [ -e "$f" ]; then
		segs=$(cat "$f")
		if [ "$param" = 256 ]; then
			lab_assert_ge "$g: backend max_req_segs after 1 MiB reads" "$segs" 256
		else
			lab_assert_range "$g: backend max_req_segs without indirect" "$segs" 1 11
		fi
	elif [ "$LAB_BACKEND" = xen-blkback ]; then
		LAB_SKIPPED_SEGS=1
	else
		lab_fail "$g: no $f (vbdback must report the largest request it served)"
	fi

	lab_guest_cmd "$g" 300 "fio_json --name=verify1m --filename=/dev/xvda --rw=randwrite --bs=1M \
		--size=${VERIFY_MIB}M --ioengine=libaio --iodepth=4 --direct=1 \
		--verify=crc32c --verify_fatal=1 --do_verify=1"
	lab_assert_eq "$g: fio verify bs=1M exit status" "$LAB_CMD_RC" 0 || lab_cmd_show 20
	lab_assert_eq "$g: fio verify messages" "$(lab_cmd_kv fio_verify_msgs)" ""
	lab_cmd_json >"$LAB_TMP/indirect-$g-verify.json"
	if lab_fio_check "$LAB_TMP/indirect-$g-verify.json" "$g: fio verify bs=1M"; then
		lab_assert_eq "$g: fio verify bytes read back" \
			"$(jq -r '.jobs[0].read.io_bytes' "$LAB_TMP/indirect-$g-verify.json")" $((VERIFY_MIB * 1048576))
	fi
	return 0
}

LAB_SKIPPED_SEGS=0
# 1 MiB = one request with 256 indirect segments; 11 x 4 KiB = 44 KiB
# without: 1024/44 -> 24 requests for each aligned MiB.
# One guest at a time: two guests sharing the lab's one guest pCPU showed
# corrupted userspace state (a mangled command, segfaults) under TCG.
lab_guest_create ind --args "xen_blkfront.max_indirect_segments=256" \
	"$(lab_disk /dev/ram0 xvda)" || lab_end
D_IND=$LAB_DOMID
lab_guest_wait_ready ind || lab_end
check_guest ind "$D_IND" 256 1024 1048576 1 1
lab_guest_destroy ind
lab_guest_create noind --args "xen_blkfront.max_indirect_segments=0" \
	"$(lab_disk /dev/ram1 xvda)" || lab_end
D_NOIND=$LAB_DOMID
lab_guest_wait_ready noind || lab_end
check_guest noind "$D_NOIND" 11 44 44 23 32
[ "$LAB_SKIPPED_SEGS" = 1 ] &&
	lab_note "backend is xen-blkback: vbdback/max_req_segs (largest request served) does not exist there, check skipped"
lab_end
