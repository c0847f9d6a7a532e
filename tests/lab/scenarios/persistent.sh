# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 600
# check: yes (order 110)
#
# persistent: persistent grants negotiated with xen-blkfront and what they
# buy. With both ends offering them (feature-persistent=1 on both sides), a
# steady 4k random read job over a working set the cache already holds maps
# and unmaps no grant (a few new ones at most, while xen-blkfront's own pool
# grows to the job's queue depth); fio verify passes. A steady job of 1 MiB
# reads, whose indirect pages the cache holds too, unmaps none and maps
# only grants new to the cache, as xen-blkfront reaches further into its
# pool (which fills the default cap exactly). A
# second disk attached with max_persistent_grants=64 runs 64k writes
# through many more grants than that: the cache never holds more than 64
# (peak <= cap), grants the clock finds unused are unmapped to make room,
# and verify passes. A guest whose blkfront has feature_persistent=0 gets
# no persistent grants: every segment of its 4k writes is copied (at most
# grant_copy_max_segs segments a request) or mapped, its 64k writes'
# segments are mapped and unmapped, and verify passes on both. Unused
# grants are unmapped when the kernel asks for memory back (drop_caches
# runs the shrinkers) and once idle for persistent_grant_unused_seconds.
# At every point, grants mapped minus grants unmapped equals the grants
# the cache holds: nothing is leaked.
#
# The map/unmap counters and the cache size are vbdback's (vbdback/ in
# sysfs); with xen-blkback only the negotiation and verify are checked.

lab_brd_setup 4 128 || lab_end
N=$(lab_devid xvda)
NB=$(lab_devid xvdb)
vbd_only() { [ "$LAB_BACKEND" = vbdback ]; }

# own DOMID DEVID NAME: a counter of vbdback/ in sysfs.
own() { cat "$(lab_be_sys "$1" "$2")/vbdback/$3" 2>/dev/null || echo '?'; }

# no_leak DOMID DEVID WHAT: map_ops - unmap_ops == persistent_grants.
no_leak() {
	local m u p
	m=$(own "$1" "$2" map_ops)
	u=$(own "$1" "$2" unmap_ops)
	p=$(own "$1" "$2" persistent_grants)
	lab_log "$3: map_ops=$m unmap_ops=$u persistent_grants=$p peak=$(own "$1" "$2" pgrant_peak)"
	lab_is_int "$m" && lab_is_int "$u" && lab_is_int "$p" ||
		{ lab_fail "$3: no vbdback/ counters"; return 1; }
	lab_assert_eq "$3: grants mapped - unmapped = grants cached" $((m - u)) "$p"
}

fio_ok() { # GUEST TIMEOUT DESC FIO-ARGS
	local g=$1 t=$2 desc=$3 json=$LAB_TMP/persistent-$RANDOM.json
	shift 3
	if ! lab_guest_cmd "$g" "$t" "fio_json $*"; then
		lab_cmd_show 20
		lab_fail "$desc (rc $LAB_CMD_RC)"
		return 1
	fi
	lab_cmd_json >"$json"
	lab_fio_check "$json" "$desc"
}

# --- on: both ends offer persistent grants --------------------------------
lab_guest_create pgon "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready pgon || lab_end
D=$LAB_DOMID
lab_check_binding "$D" "$N"
lab_assert_eq "backend feature-persistent" "$(lab_be_key "$D" "$N" feature-persistent)" 1
lab_assert_eq "frontend feature-persistent" "$(lab_fe_key "$D" "$N" feature-persistent)" 1
fio_ok pgon 300 "fio verify, persistent grants on" --name=warm --filename=/dev/xvda \
	--rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --size=16M \
	--verify=crc32c --verify_fatal=1
if vbd_only; then
	lab_assert_eq "persistent_grants_max" "$(own "$D" "$N" persistent_grants_max)" 1056
	no_leak "$D" "$N" "after warm-up"
	m0=$(own "$D" "$N" map_ops)
	u0=$(own "$D" "$N" unmap_ops)
	lab_stats "$D" "$N"
	s0=$LAB_STATS
fi
fio_ok pgon 300 "steady 4k random reads" --name=steady --filename=/dev/xvda \
	--rw=randread --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --size=16M \
	--number_ios=4000
if vbd_only; then
	lab_stats "$D" "$N"
	lab_assert_ge "steady job: rd_req delta" "$(lab_stat_delta "$s0" "$LAB_STATS" rd_req)" 4000
	# New grants appear only while xen-blkfront's own pool grows to the
	# job's queue depth; after that, none is mapped or unmapped.
	lab_assert_range "steady job: grants mapped" $(($(own "$D" "$N" map_ops) - m0)) 0 16
	lab_assert_eq "steady job: grants unmapped" $(($(own "$D" "$N" unmap_ops) - u0)) 0
	no_leak "$D" "$N" "after the steady job"
fi
# 1 MiB requests travel as indirect requests of 32 segments (blkfront's
# default), whose page of descriptors the cache keeps mapped like the data
# pages. xen-blkfront's pool of persistent grants (32 slots x 33) fills the
# default cap exactly: once warm, a steady job remaps no grant. It maps
# only grants new to the cache (blkfront reaches further into its pool
# when the guest gets further ahead: once 264 after warm-up, 528 after the
# steady job) and unmaps none. A full cache makes room only for a request
# that brings a new grant.
fio_ok pgon 300 "1 MiB warm-up" --name=warm1m --filename=/dev/xvda \
	--rw=randread --bs=1M --ioengine=libaio --iodepth=8 --direct=1 --size=16M
if vbd_only; then
	m0=$(own "$D" "$N" map_ops)
	u0=$(own "$D" "$N" unmap_ops)
	i0=$(own "$D" "$N" indirect_req)
	c0=$(own "$D" "$N" persistent_grants)
fi
fio_ok pgon 300 "steady 1 MiB reads" --name=steady1m --filename=/dev/xvda \
	--rw=read --bs=1M --ioengine=libaio --iodepth=8 --direct=1 --size=16M --loops=4
if vbd_only; then
	lab_assert_ge "steady 1 MiB job: indirect requests" $(($(own "$D" "$N" indirect_req) - i0)) 512
	lab_assert_eq "steady 1 MiB job: grants mapped, all new to the cache" \
		$(($(own "$D" "$N" map_ops) - m0)) $(($(own "$D" "$N" persistent_grants) - c0))
	lab_assert_eq "steady 1 MiB job: grants unmapped" $(($(own "$D" "$N" unmap_ops) - u0)) 0
	lab_assert_range "cache after 1 MiB jobs" "$(own "$D" "$N" persistent_grants)" 1 1056
	no_leak "$D" "$N" "after the steady 1 MiB job"
fi
if vbd_only; then
	# Memory pressure: the shrinker has the worker unmap unused grants
	# (drop_caches runs every shrinker); the disk goes on working after.
	cached=$(own "$D" "$N" persistent_grants)
	u0=$(own "$D" "$N" unmap_ops)
	echo 2 >/proc/sys/vm/drop_caches
	lab_wait 15 "persistent grants released" sh -c "[ \"\$(cat $(lab_be_sys "$D" "$N")/vbdback/persistent_grants)\" = 0 ]" ||
		lab_fail "persistent grants not released under memory pressure: $(own "$D" "$N" persistent_grants) of $cached left"
	lab_assert_eq "grants unmapped for the shrinker" $(($(own "$D" "$N" unmap_ops) - u0)) "$cached"
	no_leak "$D" "$N" "after the shrinker"
fi
fio_ok pgon 300 "fio verify after the shrinker" --name=after-shrink --filename=/dev/xvda \
	--rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --size=4M \
	--verify=crc32c --verify_fatal=1

# --- a small cap: LRU purging keeps the cache within it -------------------
# 1 MiB writes travel as requests of 32 segments (blkfront's default), so
# even a few in flight need far more than 64 grants.
lab_backend_param_set max_persistent_grants 64 || { vbd_only && lab_fail "cannot set max_persistent_grants"; }
if lab_block_attach pgon "$(lab_disk /dev/ram1 xvdb)"; then
	lab_check "guest sees xvdb" lab_guest_cmd pgon 90 'wait_disk xvdb 60'
	fio_ok pgon 300 "fio verify through a 64-grant cache" --name=capped --filename=/dev/xvdb \
		--rw=randwrite --bs=1M --ioengine=libaio --iodepth=4 --direct=1 --size=48M \
		--verify=crc32c --verify_fatal=1
	if vbd_only; then
		lab_assert_eq "xvdb persistent_grants_max" "$(own "$D" "$NB" persistent_grants_max)" 64
		lab_assert_range "xvdb persistent_grants" "$(own "$D" "$NB" persistent_grants)" 1 64
		lab_assert_eq "xvdb cache peak (filled to its cap, never past it)" \
			"$(own "$D" "$NB" pgrant_peak)" 64
		lab_assert_ge "xvdb grants mapped (working set beyond the cap)" \
			"$(own "$D" "$NB" map_ops)" 128
		# Idle grants go only after a minute: these made room.
		lab_assert_ge "xvdb grants unmapped to make room" "$(own "$D" "$NB" unmap_ops)" 4
		no_leak "$D" "$NB" "xvdb after the capped job"
	fi
	lab_check "xl block-detach xvdb" lab_block_detach pgon xvdb
	lab_wait 30 "vbd-$D-$NB gone" lab_be_gone "$D" "$NB" ||
		lab_fail "backend device vbd-$D-$NB still present after detach"
else
	lab_fail "xl block-attach xvdb"
fi
# The parameter goes back before the next disk is made.
echo 1056 >"$(lab_backend_param max_persistent_grants)" 2>/dev/null

# --- idle grants are unmapped after persistent_grant_unused_seconds -------
lab_backend_param_set persistent_grant_unused_seconds 2 ||
	{ vbd_only && lab_fail "cannot set persistent_grant_unused_seconds"; }
if lab_block_attach pgon "$(lab_disk /dev/ram3 xvdc)"; then
	NC=$(lab_devid xvdc)
	fio_ok pgon 120 "fio verify on xvdc" --name=idle --filename=/dev/xvdc \
		--rw=randwrite --bs=4k --ioengine=libaio --iodepth=8 --direct=1 --size=4M \
		--verify=crc32c --verify_fatal=1
	if vbd_only; then
		# They may be gone already: the peak says they were cached.
		lab_assert_ge "xvdc grants cached during the job" "$(own "$D" "$NC" pgrant_peak)" 1
		lab_wait 20 "idle persistent grants unmapped" sh -c \
			"[ \"\$(cat $(lab_be_sys "$D" "$NC")/vbdback/persistent_grants)\" = 0 ]" ||
			lab_fail "idle persistent grants still mapped: $(own "$D" "$NC" persistent_grants)"
		no_leak "$D" "$NC" "xvdc idle"
	fi
	lab_check "xl block-detach xvdc" lab_block_detach pgon xvdc
else
	lab_fail "xl block-attach xvdc"
fi

# --- off from the guest side: blkfront's feature_persistent=0 --------------
lab_guest_create pgoff --args "xen_blkfront.feature_persistent=0" "$(lab_disk /dev/ram2 xvda)" || lab_end
lab_guest_wait_ready pgoff || lab_end
D2=$LAB_DOMID
lab_guest_cmd pgoff 30 'cat /sys/module/xen_blkfront/parameters/feature_persistent'
lab_assert_eq "guest blkfront feature_persistent" "$(tail -n 1 "$LAB_CMD_OUT")" N
lab_assert_eq "frontend feature-persistent (off)" "$(lab_fe_key "$D2" "$N" feature-persistent)" 0
# off_job DESC BS: a verify job of BS writes; sets REQS to the requests it
# made, MAPS and COPIES to the segments mapped and copied meanwhile.
off_job() {
	local s0 m0 c0
	if vbd_only; then
		lab_stats "$D2" "$N"
		s0=$LAB_STATS
		m0=$(own "$D2" "$N" map_ops)
		c0=$(own "$D2" "$N" copy_ops)
	fi
	fio_ok pgoff 300 "fio verify, persistent grants off, $2" --name=off --filename=/dev/xvda \
		--rw=randwrite --bs="$2" --ioengine=libaio --iodepth=16 --direct=1 --size=8M \
		--verify=crc32c --verify_fatal=1
	vbd_only || return 0
	lab_stats "$D2" "$N"
	REQS=$(($(lab_stat_delta "$s0" "$LAB_STATS" rd_req) + $(lab_stat_delta "$s0" "$LAB_STATS" wr_req)))
	MAPS=$(($(own "$D2" "$N" map_ops) - m0))
	COPIES=$(($(own "$D2" "$N" copy_ops) - c0))
	lab_log "$1: $REQS requests, $MAPS segments mapped, $COPIES copied"
}

COPY_MAX=$(cat "$(lab_backend_param grant_copy_max_segs)" 2>/dev/null || echo 0)
off_job "off, 4k" 4k
if vbd_only; then
	lab_assert_eq "off: persistent_grants_max" "$(own "$D2" "$N" persistent_grants_max)" 0
	lab_assert_eq "off: persistent_grants" "$(own "$D2" "$N" persistent_grants)" 0
	lab_assert_ge "off, 4k: a grant copied or mapped per request" $((MAPS + COPIES)) "$REQS"
	if [ "$COPY_MAX" -ge 1 ]; then
		# (the guest may merge a few neighbours into a bigger request)
		lab_assert_ge "off, 4k: mostly copied (grant_copy_max_segs $COPY_MAX)" "$COPIES" $((REQS / 2))
	else
		lab_assert_eq "off, 4k: nothing copied (grant_copy_max_segs 0)" "$COPIES" 0
	fi
	no_leak "$D2" "$N" "off, 4k"
fi
off_job "off, 64k" 64k
if vbd_only; then
	lab_assert_ge "off, 64k: 16 segments mapped per request" "$MAPS" $((REQS * 16))
	lab_assert_eq "off, 64k: nothing copied" "$COPIES" 0
	no_leak "$D2" "$N" "off, 64k"
fi
vbd_only || lab_note "backend is xen-blkback: map/unmap and cache checks are vbdback-specific and were skipped"
lab_end
