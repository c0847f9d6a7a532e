# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016 # guest commands expand in the guest
# lab-timeout: 900
# check: no (in a full make check dom0 hit a soft lockup (dmeventd, 21 s in page allocation) while the hog ran: make lab LAB_SCENARIOS=pressure)
#
# pressure: guests with persistent grants keep doing I/O while dom0 runs
# out of memory. PRESSURE_GUESTS guests (default 2; 8 for the long run),
# PRESSURE_MEM MiB each (default 384), each with a ramdisk of its own as
# xvda, fill their caches of persistent grants with a 1 MiB verify job and
# start the lab's write/read/compare loop. Then dom0 runs out of memory: a
# tmpfs of its own (the ballast) is filled until only PRESSURE_ROOM MiB
# (default 384) of what /proc/meminfo says is available is left, and a
# memory hog grows, PRESSURE_STEP MiB at a time, into that room and beyond,
# until the persistent grants cached fall to half of what they were or
# PRESSURE_DEADLINE seconds pass (a failure, with the reason). (The ballast
# is there for speed: a PV dom0 fills page cache many times faster than it
# faults in a process's pages, each of which Xen checks; but the OOM killer
# cannot free it, so the hog, which it can, takes the last of the memory.) Only
# the shrinker can release them here: idle grants are never unmapped
# (persistent_grant_unused_seconds 0) and the caches are below their cap.
# The hog is the OOM killer's first choice (oom_score_adj 1000); if it is
# killed, that is all right, but no other process may be (xl, xenstored,
# xenconsoled above all), and xenstored and xenconsoled must still run.
# Meanwhile every device goes on serving requests; the loops end without a
# mismatch, a fio crc32c verify passes on every guest after, mapped minus
# unmapped equals cached on every device, and once the guests are gone
# vbdback holds nothing (lab_end).

GUESTS=${PRESSURE_GUESTS:-2}
MEM=${PRESSURE_MEM:-384}
STEP=${PRESSURE_STEP:-16}
ROOM=${PRESSURE_ROOM:-384}
DEADLINE=${PRESSURE_DEADLINE:-180}
N=$(lab_devid xvda)
HOG=$LAB_TMP/pressure-hog
BALLAST=$LAB_TMP/pressure-ballast
HOG_PID=
vbd_only() { [ "$LAB_BACKEND" = vbdback ]; }

# own DOMID NAME: a counter of vbdback/ in sysfs of the guest's xvda.
own() { cat "$(lab_be_sys "$1" "$N")/vbdback/$2" 2>/dev/null || echo '?'; }

# sum_own NAME: a vbdback/ counter summed over every guest's xvda.
sum_own() {
	local g v t=0
	for g in $NAMES; do
		v=$(own "${DOM[$g]}" "$1")
		lab_is_int "$v" || { echo '?'; return 1; }
		t=$((t + v))
	done
	echo "$t"
}

# meminfo FIELD: a /proc/meminfo field in MiB.
meminfo() { awk -v f="$1:" '$1 == f { print int($2 / 1024) }' /proc/meminfo; }

mem_line() {
	echo "MemFree $(meminfo MemFree) MiB, MemAvailable $(meminfo MemAvailable) MiB${HOG_PID:+, hog $(hog_mib) MiB}"
}

# ballast_fill MIB: a tmpfs of MIB MiB, full.
ballast_fill() {
	local t=$SECONDS
	mkdir -p "$BALLAST"
	timeout 30 mount -t tmpfs -o size="$1m" vbdlab-ballast "$BALLAST" ||
		{ lab_fail "cannot mount the ballast's tmpfs"; return 1; }
	lab_on_end ballast_free
	timeout 300 dd if=/dev/zero of="$BALLAST/fill" bs=1M count="$1" 2>/dev/null
	lab_log "ballast: $(($(stat -c %s "$BALLAST/fill") >> 20)) MiB in $((SECONDS - t)) s; $(mem_line)"
}

ballast_free() {
	mountpoint -q "$BALLAST" || return 0
	rm -f "$BALLAST/fill"
	timeout 30 umount "$BALLAST"
}

# The hog: anonymous memory (freed if it is killed, unlike tmpfs), touched
# as it is taken, STEP MiB at a time, until it holds MAX MiB or the stop
# file appears; then it holds what it has until killed. Its status file says
# how much it holds.
hog_start() {
	local max=$1
	cat >"$HOG.pl" <<'EOF'
my ($step, $max, $status, $stop) = @ARGV;
my (@held, $n);
$n = 0;
while ($n < $max && !-e $stop) {
	push @held, "\x5a" x ($step << 20);
	$n += $step;
	open(my $f, '>', "$status.new") or die;
	print $f "$n\n";
	close($f);
	rename("$status.new", $status);
	select(undef, undef, undef, 0.1);
}
sleep(1) while 1;
EOF
	rm -f "$HOG.stop" "$HOG.status"
	echo 0 >"$HOG.status"
	perl "$HOG.pl" "$STEP" "$max" "$HOG.status" "$HOG.stop" &
	HOG_PID=$!
	echo 1000 >"/proc/$HOG_PID/oom_score_adj" ||
		lab_fail "cannot make the hog the OOM killer's first choice"
	lab_on_end hog_stop
	lab_log "hog $HOG_PID: up to $max MiB, $STEP MiB at a time"
}

hog_mib() { cat "$HOG.status" 2>/dev/null || echo '?'; }
hog_alive() { [ -n "$HOG_PID" ] && kill -0 "$HOG_PID" 2>/dev/null; }

hog_stop() {
	[ -n "$HOG_PID" ] || return 0
	kill "$HOG_PID" 2>/dev/null
	wait "$HOG_PID" 2>/dev/null
	HOG_PID=
	rm -f "$HOG.pl" "$HOG.stop" "$HOG.status"
	return 0
}

# released HALF: the grants cached have fallen to HALF or below.
released() {
	local p
	p=$(sum_own persistent_grants)
	lab_is_int "$p" && [ "$p" -le "$1" ]
}

# dom0_kills: the processes the OOM killer killed since the scenario's
# mark in the kernel log, one "PID NAME" a line.
dom0_kills() {
	dmesg | awk '/vbdlab pressure: mark/ { on = 1; next } on' |
		sed -n 's/.*Out of memory: Killed process \([0-9]*\) (\([^)]*\)).*/\1 \2/p'
}

# --- guests with their persistent grants cached ----------------------------
free=$(timeout 30 xl info 2>/dev/null | awk '$1 == "free_memory" { print $3 }')
lab_is_int "$free" || free=0
if [ "$free" -lt $((GUESTS * (MEM + 16))) ]; then
	lab_fail "$GUESTS guests of $MEM MiB need about $((GUESTS * (MEM + 16))) MiB, Xen has $free MiB free"
	lab_end
fi
lab_log "Xen: $free MiB free for $GUESTS guests of $MEM MiB"
# Idle grants would be unmapped after a minute: only the shrinker may here.
lab_backend_param_set persistent_grant_unused_seconds 0 ||
	{ vbd_only && lab_fail "cannot set persistent_grant_unused_seconds"; }
lab_brd_setup "$GUESTS" 32 || lab_end
NAMES=
declare -A DOM=() ST=()
for i in $(seq 0 $((GUESTS - 1))); do
	NAMES="$NAMES${NAMES:+ }pr$i"
	lab_guest_create "pr$i" --memory "$MEM" "$(lab_disk "/dev/ram$i" xvda)" || lab_end
done
for g in $NAMES; do
	lab_guest_wait_ready "$g" || lab_end
	DOM[$g]=$(lab_guest_domid "$g")
	lab_check_binding "${DOM[$g]}" "$N"
	lab_assert_eq "$g: frontend feature-persistent" "$(lab_fe_key "${DOM[$g]}" "$N" feature-persistent)" 1
done
lab_failed && lab_end

# 1 MiB writes travel as indirect requests, 33 grants each: eight in
# flight fill a cache with a few hundred.
for g in $NAMES; do
	lab_check "$g: start the 1 MiB verify job" lab_guest_cmd "$g" 60 \
		'wait_disk xvda 30 && bg_start warm fio_json --name=warm --filename=/dev/xvda \
		--rw=write --bs=1M --ioengine=libaio --iodepth=8 --direct=1 --size=16M \
		--verify=crc32c --verify_fatal=1 --do_verify=1'
done
for g in $NAMES; do
	lab_guest_cmd "$g" 300 'bg_wait warm 280 >/dev/null; rc=$?; kv warm_rc $rc'
	lab_assert_eq "$g: 1 MiB verify job" "$(lab_cmd_kv warm_rc)" 0
done
vbd_only || { lab_note "backend is xen-blkback: its grants are not counted, nothing to release"; lab_end; }
for g in $NAMES; do
	lab_assert_ge "$g: persistent grants cached" "$(own "${DOM[$g]}" persistent_grants)" 64
done
lab_failed && lab_end

# --- pressure, with I/O going on -------------------------------------------
for g in $NAMES; do
	lab_check "$g: start the write/read/compare loop" lab_guest_cmd "$g" 30 \
		'bg_start io io_loop /dev/xvda 600'
done
P0=$(sum_own persistent_grants)
U0=$(sum_own unmap_ops)
AVAIL=$(meminfo MemAvailable)
lab_log "before: $P0 persistent grants cached, $U0 unmapped; MemTotal $(meminfo MemTotal) MiB, $(mem_line)"
pids0=$(pidof xenstored xenconsoled)
echo "vbdlab pressure: mark" >/dev/kmsg
for g in $NAMES; do
	lab_stats "${DOM[$g]}" "$N"
	ST[$g]=$LAB_STATS
done
T0=$SECONDS
[ "$AVAIL" -gt $((ROOM + 64)) ] && ballast_fill $((AVAIL - ROOM))
hog_start $(($(meminfo MemAvailable) + 256))
HOG0=$HOG_PID
if lab_wait "$DEADLINE" "persistent grants released" released $((P0 / 2)); then
	: >"$HOG.stop"
	lab_log "released after $((SECONDS - T0)) s: $(sum_own persistent_grants) of $P0 cached; $(mem_line)"
else
	lab_fail "persistent grants not released under pressure: $(sum_own persistent_grants) of $P0 cached after $((SECONDS - T0)) s; $(mem_line)$(hog_alive || echo ', the hog is gone')"
fi
P1=$(sum_own persistent_grants)
U1=$(sum_own unmap_ops)
lab_assert_ge "grants unmapped under pressure" $((U1 - U0)) $((P0 - P1))
for g in $NAMES; do
	lab_stats "${DOM[$g]}" "$N"
	lab_assert_ge "$g: requests served under pressure" \
		"$(lab_stat_delta "${ST[$g]}" "$LAB_STATS" wr_req)" 1
done
hog_alive || lab_log "the hog was killed: $(dom0_kills | tr '\n' ' ')"
hog_stop
ballast_free || lab_fail "cannot remove the ballast"
lab_log "after the hog and the ballast: $(mem_line)"

# --- nothing else killed, the toolstack still there ------------------------
while read -r pid name; do
	[ -n "$pid" ] || continue
	if [ "$pid" = "$HOG0" ]; then
		lab_log "the OOM killer took the hog ($pid)"
	else
		lab_fail "the OOM killer killed $name ($pid)"
	fi
done <<<"$(dom0_kills)"
for p in $pids0; do
	[ -d "/proc/$p" ] || lab_fail "toolstack process $p is gone"
done
lab_check "xl list answers" timeout 30 xl list

# --- I/O went on and read back what it wrote --------------------------------
for g in $NAMES; do
	if lab_guest_cmd "$g" 120 'io_loop_stop; bg_wait io 90'; then
		lab_log "$g: $(lab_cmd_kv io_loop_ok) verified 64 KiB writes, $(lab_cmd_kv io_loop_errors) errors"
		lab_assert_ge "$g: loop's verified writes" "$(lab_cmd_kv io_loop_ok)" 1
	else
		lab_fail "$g: write/read/compare loop (rc $LAB_CMD_RC, errors $(lab_cmd_kv io_loop_errors))"
	fi
done
for g in $NAMES; do
	lab_fio_verify "$g" xvda 8
	m=$(own "${DOM[$g]}" map_ops)
	u=$(own "${DOM[$g]}" unmap_ops)
	p=$(own "${DOM[$g]}" persistent_grants)
	lab_log "$g: map_ops=$m unmap_ops=$u persistent_grants=$p peak=$(own "${DOM[$g]}" pgrant_peak)"
	lab_assert_eq "$g: grants mapped - unmapped = grants cached" $((m - u)) "$p"
done
for g in $NAMES; do
	lab_guest_destroy "$g"
done
lab_end
