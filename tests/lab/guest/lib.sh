# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# vbdback lab: helpers for guest scripts and for commands the dom0 scenarios
# send to the guest agent. Busybox sh.

kv() { echo "VBDTEST-KV $1=$2"; }

# Xen virtual disks present, one per line.
disks() {
	local d
	for d in /sys/block/xvd*; do
		[ -e "$d" ] && basename "$d"
	done
}

# wait_disk NAME TIMEOUT: /dev/NAME appears and has a non-zero size.
wait_disk() {
	local i=0 n=$(($2 * 2))
	while [ $i -lt $n ]; do
		if [ -b "/dev/$1" ] && [ "$(cat "/sys/block/$1/size" 2>/dev/null || echo 0)" -gt 0 ]; then
			return 0
		fi
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

# wait_disk_gone NAME TIMEOUT
wait_disk_gone() {
	local i=0 n=$(($2 * 2))
	while [ $i -lt $n ]; do
		[ -e "/sys/block/$1" ] || return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

disk_sectors() { cat "/sys/block/$1/size" 2>/dev/null || echo 0; }

# fio_json ARGS...: run fio with JSON output; print fio's messages, then the
# JSON between VBDTEST-JSON-BEGIN/END lines. Returns fio's exit status.
fio_json() {
	local out=/tmp/fio.$$.json err=/tmp/fio.$$.err rc
	fio --eta=never --output-format=json --output="$out" "$@" 2>"$err"
	rc=$?
	sed 's/^/fio: /' "$err"
	echo
	echo "VBDTEST-JSON-BEGIN"
	cat "$out" 2>/dev/null
	echo "VBDTEST-JSON-END"
	kv fio_rc "$rc"
	if grep -qiE 'verify|bad magic|crc32c' "$err"; then
		kv fio_verify_msgs "$(grep -ciE 'verify|bad magic|crc32c' "$err")"
	fi
	rm -f "$out" "$err"
	return $rc
}

# bg_start TAG CMD...: run CMD in the background, output in /tmp/bg-TAG.out,
# exit status in /tmp/bg-TAG.rc when it ends.
bg_start() {
	local tag=$1
	shift
	rm -f "/tmp/bg-$tag.rc" "/tmp/bg-$tag.out"
	( "$@" >"/tmp/bg-$tag.out" 2>&1; echo $? >"/tmp/bg-$tag.rc" ) &
	echo $! >"/tmp/bg-$tag.pid"
}

# bg_wait TAG TIMEOUT: wait for it, print its output, return its status.
bg_wait() {
	local i=0 n=$(($2 * 2))
	while [ ! -f "/tmp/bg-$1.rc" ] && [ $i -lt $n ]; do
		sleep 0.5
		i=$((i + 1))
	done
	cat "/tmp/bg-$1.out" 2>/dev/null
	[ -f "/tmp/bg-$1.rc" ] || { echo "bg $1 still running after $2 s"; return 124; }
	return "$(cat "/tmp/bg-$1.rc")"
}

# io_loop DEV SECONDS: write, read back and compare 64 KiB blocks at rotating
# offsets of DEV (direct I/O) for SECONDS, or until io_loop_stop; prints
# io_loop_ok/io_loop_errors.
io_loop() {
	local dev=$1 secs=$2 end ok=0 errs=0 off=0 blocks
	rm -f /tmp/io_loop.stop
	blocks=$(($(disk_sectors "${dev#/dev/}") / 128))
	[ "$blocks" -gt 256 ] && blocks=256
	[ "$blocks" -gt 0 ] || { kv io_loop_errors 1; return 1; }
	end=$(($(date +%s) + secs))
	while [ "$(date +%s)" -lt "$end" ] && [ ! -e /tmp/io_loop.stop ]; do
		head -c 65536 /dev/urandom >/tmp/io_loop.w
		if dd if=/tmp/io_loop.w of="$dev" bs=65536 seek=$off count=1 oflag=direct conv=notrunc 2>/dev/null &&
			dd if="$dev" of=/tmp/io_loop.r bs=65536 skip=$off count=1 iflag=direct 2>/dev/null &&
			cmp -s /tmp/io_loop.w /tmp/io_loop.r; then
			ok=$((ok + 1))
		else
			errs=$((errs + 1))
		fi
		off=$(((off + 1) % blocks))
	done
	kv io_loop_ok "$ok"
	kv io_loop_errors "$errs"
	[ "$errs" = 0 ] && [ "$ok" -gt 0 ]
}

# io_loop_stop: make a running io_loop end after its current block.
io_loop_stop() { : >/tmp/io_loop.stop; }

# md5_region DEV OFFSET LEN: md5 of LEN bytes at byte OFFSET (direct I/O;
# OFFSET a multiple of 512, LEN a multiple of 64 KiB).
md5_region() {
	dd if="$1" bs=65536 skip="$2" count="$3" iflag=skip_bytes,count_bytes,direct 2>/dev/null |
		md5sum | cut -d' ' -f1
}

# write_random DEV OFFSET MIB: write MIB MiB of random data at byte OFFSET
# (direct I/O) and print its md5 as VBDTEST-KV written_md5.
write_random() {
	head -c $(($3 * 1048576)) /dev/urandom >/tmp/write_random.bin || return 1
	dd if=/tmp/write_random.bin of="$1" bs=1048576 seek="$2" oflag=seek_bytes,direct conv=notrunc 2>&1 ||
		return 1
	kv written_md5 "$(md5sum </tmp/write_random.bin | cut -d' ' -f1)"
	rm -f /tmp/write_random.bin
}

# uptime_cs: time since boot in centiseconds (busybox date has no %N).
uptime_cs() {
	local u
	read -r u _ </proc/uptime
	echo "${u%.*}${u#*.}" | sed 's/^0*//; s/^$/0/'
}

# irq_counts NAME: one line per interrupt of /proc/interrupts whose name is
# NAME (e.g. blkif: one per xen-blkfront ring), "IRQ TOTAL" summed over CPUs.
irq_counts() {
	awk -v n="$1" '$NF == n { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break
		sub(":", "", $1); print $1, s }' /proc/interrupts
}

# repeat TAG DEADLINE CMD...: run CMD again and again until repeat_stop TAG,
# for at most DEADLINE seconds (then VBDTEST-KV TAG_deadline=DEADLINE). The
# stop is looked at between runs. Prints the output of each failed run and
# of the last one, then TAG_runs and TAG_failed; returns 0 when every run
# passed and the stop came before the deadline.
repeat() {
	local tag=$1 secs=$2 end runs=0 failed=0 late=0 rc=0 out=/tmp/repeat-$1.out
	shift 2
	rm -f "/tmp/repeat-$tag.stop"
	end=$(($(date +%s) + secs))
	while [ ! -e "/tmp/repeat-$tag.stop" ]; do
		if [ "$(date +%s)" -ge "$end" ]; then
			kv "${tag}_deadline" "$secs"
			late=1
			break
		fi
		"$@" >"$out" 2>&1
		rc=$?
		runs=$((runs + 1))
		if [ "$rc" != 0 ]; then
			failed=$((failed + 1))
			cat "$out"
		fi
	done
	[ "$rc" = 0 ] && cat "$out" 2>/dev/null
	kv "${tag}_runs" "$runs"
	kv "${tag}_failed" "$failed"
	[ "$failed" = 0 ] && [ "$late" = 0 ] && [ "$runs" -gt 0 ]
}

# repeat_stop TAG: make a running repeat TAG end after its current run.
repeat_stop() { : >"/tmp/repeat-$1.stop"; }

# faulty_loop TAG DEV SECONDS: for a disk made to fail for a while: write,
# read back and compare 64 KiB blocks 256..511 of DEV (bytes 16 to 32 MiB,
# direct I/O) until faulty_loop_stop TAG or SECONDS. A write or read failing
# with EIO counts in TAG_eio (the block is then not compared), any other
# failure or a short read in TAG_other, a read of other data than was
# written in TAG_bad, a block that went through in TAG_ok. After each block
# /tmp/faulty-TAG.state has "OK EIO OTHER BAD". Fails on any TAG_bad.
faulty_loop() {
	local tag=$1 dev=$2 secs=$3 end ok=0 eio=0 other=0 bad=0 blk=256
	local w=/tmp/faulty-$1.w r=/tmp/faulty-$1.r e=/tmp/faulty-$1.err
	rm -f "/tmp/faulty-$tag.stop"
	echo "0 0 0 0" >"/tmp/faulty-$tag.state"
	end=$(($(date +%s) + secs))
	while [ "$(date +%s)" -lt "$end" ] && [ ! -e "/tmp/faulty-$tag.stop" ]; do
		head -c 65536 /dev/urandom >"$w"
		rm -f "$r"
		if dd if="$w" of="$dev" bs=65536 seek=$blk count=1 oflag=direct conv=notrunc 2>"$e" &&
			dd if="$dev" of="$r" bs=65536 skip=$blk count=1 iflag=direct 2>"$e"; then
			if [ "$(wc -c <"$r")" != 65536 ]; then
				other=$((other + 1))
			elif cmp -s "$w" "$r"; then
				ok=$((ok + 1))
			else
				bad=$((bad + 1))
			fi
		elif grep -q 'Input/output error' "$e"; then
			eio=$((eio + 1))
		else
			other=$((other + 1))
			[ "$other" -le 3 ] && sed "s/^/$tag: /" "$e"
		fi
		echo "$ok $eio $other $bad" >"/tmp/faulty-$tag.state"
		blk=$((blk == 511 ? 256 : blk + 1))
	done
	kv "${tag}_ok" "$ok"
	kv "${tag}_eio" "$eio"
	kv "${tag}_other" "$other"
	kv "${tag}_bad" "$bad"
	[ "$bad" = 0 ]
}

# faulty_loop_stop TAG: make a running faulty_loop TAG end after its block.
faulty_loop_stop() { : >"/tmp/faulty-$1.stop"; }

# crash_writer DEV COUNT SLOTS RUN: COUNT records written one at a time to
# 4 KiB slots of DEV, record I to slot I*37 mod SLOTS, each a direct write
# followed by fsync (a flush of the disk's cache). After each fsync returns
# it prints "CRASH-DURABLE I SLOT": what the disk promised to keep. A record
# is the line "vbdcrash RUN seq=%010d slot=%04d" repeated over the slot
# (tests/lab/crash/replay.py builds the same bytes).
crash_writer() {
	local dev=$1 n=$2 slots=$3 run=$4 i=1 slot
	while [ "$i" -le "$n" ]; do
		slot=$((i * 37 % slots))
		yes "$(printf 'vbdcrash %s seq=%010d slot=%04d' "$run" "$i" "$slot")" |
			head -c 4096 >/tmp/crash.blk
		if ! dd if=/tmp/crash.blk of="$dev" bs=4096 seek="$slot" count=1 \
			oflag=direct conv=notrunc,fsync 2>/tmp/crash.err; then
			echo "CRASH-FAIL $i $slot: $(cat /tmp/crash.err)"
			return 1
		fi
		echo "CRASH-DURABLE $i $slot"
		i=$((i + 1))
	done
}
