# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 300
# check: yes (order 30)
#
# stats: the backend's sysfs statistics count what the guest did. The disk is
# a loop device over a tmpfs file (it has a volatile write cache, so the
# backend can offer flushes). The guest reads exactly 16 MiB (64 KiB direct
# reads), then writes exactly 8 MiB (64 KiB direct writes, fsync every 16
# writes); the rd_sect/wr_sect deltas must match to a small slack, rd_req and
# wr_req must be at least the number of 64 KiB requests, and f_req must grow.

RD_MIB=16
WR_MIB=8
SLACK=128
lab_loop_setup 64 || lab_end
lab_guest_create stats "$(lab_disk "$LAB_LOOP_DEV" xvda)" || lab_end
lab_guest_wait_ready stats || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
lab_check_binding "$D" "$N"
lab_check "guest sees xvda" lab_guest_cmd stats 60 'wait_disk xvda 30'
lab_assert_eq "backend advertises feature-flush-cache on a loop device" \
	"$(lab_xs_read "$(lab_be_xs "$D" "$N")/feature-flush-cache")" 1

lab_stats "$D" "$N" || lab_end
s0=$LAB_STATS
lab_log "statistics before: $s0"

lab_guest_cmd stats 180 "fio_json --name=rd --filename=/dev/xvda --rw=read --bs=64k --size=${RD_MIB}M \
	--ioengine=psync --direct=1" || { lab_cmd_show 20; lab_fail "fio read job (rc $LAB_CMD_RC)"; }
lab_cmd_json >"$LAB_TMP/stats-rd.json"
lab_fio_check "$LAB_TMP/stats-rd.json" "fio read job"
lab_assert_eq "fio read bytes" "$(jq -r '.jobs[0].read.io_bytes' "$LAB_TMP/stats-rd.json")" $((RD_MIB * 1048576))
lab_stats "$D" "$N"
s1=$LAB_STATS
lab_log "statistics after reads: $s1"

lab_guest_cmd stats 180 "fio_json --name=wr --filename=/dev/xvda --rw=write --bs=64k --size=${WR_MIB}M \
	--ioengine=psync --direct=1 --fsync=16" || { lab_cmd_show 20; lab_fail "fio write job (rc $LAB_CMD_RC)"; }
lab_cmd_json >"$LAB_TMP/stats-wr.json"
lab_fio_check "$LAB_TMP/stats-wr.json" "fio write job"
lab_assert_eq "fio write bytes" "$(jq -r '.jobs[0].write.io_bytes' "$LAB_TMP/stats-wr.json")" $((WR_MIB * 1048576))
lab_stats "$D" "$N"
s2=$LAB_STATS
lab_log "statistics after writes: $s2"

RD_REQS=$((RD_MIB * 16))
WR_REQS=$((WR_MIB * 16))
# Read phase
lab_assert_range "read phase rd_sect delta" "$(lab_stat_delta "$s0" "$s1" rd_sect)" \
	$((RD_MIB * 2048)) $((RD_MIB * 2048 + SLACK))
lab_assert_range "read phase rd_req delta" "$(lab_stat_delta "$s0" "$s1" rd_req)" \
	"$RD_REQS" $((RD_REQS * 2 + 16))
lab_assert_eq "read phase wr_sect delta" "$(lab_stat_delta "$s0" "$s1" wr_sect)" 0
lab_assert_eq "read phase wr_req delta" "$(lab_stat_delta "$s0" "$s1" wr_req)" 0
# Write phase
lab_assert_range "write phase wr_sect delta" "$(lab_stat_delta "$s1" "$s2" wr_sect)" \
	$((WR_MIB * 2048)) $((WR_MIB * 2048 + SLACK))
lab_assert_range "write phase wr_req delta" "$(lab_stat_delta "$s1" "$s2" wr_req)" \
	"$WR_REQS" $((WR_REQS * 2 + 16))
lab_assert_range "write phase rd_sect delta" "$(lab_stat_delta "$s1" "$s2" rd_sect)" 0 "$SLACK"
lab_assert_ge "write phase f_req delta (fsync every 16 writes)" "$(lab_stat_delta "$s1" "$s2" f_req)" 1
lab_log "write phase f_req delta: $(lab_stat_delta "$s1" "$s2" f_req)" \
	"(fio fsyncs: $(jq -r '.jobs[0].sync.total_ios // "?"' "$LAB_TMP/stats-wr.json"))"
lab_assert_eq "oo_req (no request had to wait for resources)" "$(lab_stat_get "$s2" oo_req)" 0
lab_assert_eq "ds_req (no discard was sent)" "$(lab_stat_delta "$s0" "$s2" ds_req)" 0
lab_end
