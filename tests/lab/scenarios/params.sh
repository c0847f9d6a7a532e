# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 120
# check: yes (order 330)
#
# params: xen-blkback's module parameters on the backend under test. Every
# parameter name xen-blkback 6.1 has must exist under
# /sys/module/MODULE/parameters/ (on both backends: the list is checked
# against xen-blkback itself). vbdback only, as no guest is needed: values
# out of range or no number at all are refused at run time (the write fails,
# the value stays) and at load time (insmod fails, the kernel log names the
# parameter); xen-blkback's ignored parameters (max_buffer_pages, log_stats,
# buffer_squeeze_duration_ms) take any int, and the first setting of each
# logs one notice, at load as at run time; persistent_grant_unused_seconds
# takes 0 (never, as in xen-blkback).

NAMES="max_buffer_pages max_persistent_grants persistent_grant_unused_seconds max_queues
max_ring_page_order log_stats feature_persistent buffer_squeeze_duration_ms"
P=/sys/module/$LAB_MODNAME/parameters

for n in $NAMES; do
	lab_check "parameter $n exists in $P" test -e "$P/$n"
done
if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "validation of vbdback's parameters is vbdback's own: only the names were checked"
	lab_end
fi

# refused NAME VALUE: writing VALUE fails and leaves NAME as it was.
refused() {
	local old
	old=$(cat "$P/$1")
	if echo "$2" >"$P/$1" 2>/dev/null; then
		lab_fail "$1=$2 was accepted at run time"
	else
		lab_log "ok: $1=$2 refused at run time"
	fi
	lab_assert_eq "$1 after the refused $2" "$(cat "$P/$1")" "$old"
}
refused max_ring_page_order 5
refused max_ring_page_order -1
refused max_queues abc
refused max_indirect_segments 4097
refused poll_max_us 1001
refused grant_copy_max_segs 9
refused max_persistent_grants -1
refused persistent_grant_unused_seconds 4294967296
refused log_stats abc
lab_check "max_ring_page_order=2 at run time" lab_backend_param_set max_ring_page_order 2
lab_assert_eq "max_ring_page_order" "$(cat "$P/max_ring_page_order")" 2
lab_check "persistent_grant_unused_seconds=0 at run time" \
	lab_backend_param_set persistent_grant_unused_seconds 0

notices() { dmesg | grep -c "vbdback: parameter $1 is xen-blkback's and is ignored"; }
n0=$(notices buffer_squeeze_duration_ms)
lab_check "buffer_squeeze_duration_ms=-3 at run time" lab_backend_param_set buffer_squeeze_duration_ms -3
lab_assert_eq "buffer_squeeze_duration_ms" "$(cat "$P/buffer_squeeze_duration_ms")" -3
echo 20 >"$P/buffer_squeeze_duration_ms" || lab_fail "buffer_squeeze_duration_ms=20 at run time"
lab_assert_eq "notices for buffer_squeeze_duration_ms after two settings" \
	$(($(notices buffer_squeeze_duration_ms) - n0)) 1

# --- at load time -----------------------------------------------------------
msg=$(lab_backend_unload) || { lab_fail "unload $LAB_MODNAME: $msg"; lab_end; }
mark=$(dmesg | wc -l)
if timeout 60 insmod "$LAB_MODULE" max_ring_page_order=5 2>"$LAB_TMP/insmod.err"; then
	lab_fail "insmod with max_ring_page_order=5 loaded"
	lab_backend_unload >/dev/null
else
	lab_log "ok: insmod with max_ring_page_order=5 refused: $(head -n 1 "$LAB_TMP/insmod.err")"
fi
dmesg | tail -n +"$((mark + 1))" | grep -i vbdback | sed 's/^/  dmesg: /'
lab_check "the kernel log names max_ring_page_order" \
	sh -c "dmesg | tail -n +$((mark + 1)) | grep -q 'invalid for parameter .max_ring_page_order'"
if timeout 60 insmod "$LAB_MODULE" max_buffer_pages=64 log_stats=1 max_queues=2; then
	lab_assert_eq "log_stats after load" "$(cat "$P/log_stats")" 1
	lab_assert_eq "max_buffer_pages after load" "$(cat "$P/max_buffer_pages")" 64
	lab_assert_eq "max_queues after load" "$(cat "$P/max_queues")" 2
	lab_check "a notice for log_stats at load" \
		sh -c "dmesg | tail -n +$((mark + 1)) | grep -q 'parameter log_stats is xen-blkback.s and is ignored'"
	lab_check "a notice for max_buffer_pages at load" \
		sh -c "dmesg | tail -n +$((mark + 1)) | grep -q 'parameter max_buffer_pages is xen-blkback.s and is ignored'"
	msg=$(lab_backend_unload) || lab_fail "unload $LAB_MODNAME: $msg"
else
	lab_fail "insmod with xen-blkback's max_buffer_pages=64 log_stats=1 max_queues=2 failed"
fi
msg=$(lab_backend_load) || lab_fail "load $LAB_MODNAME again: $msg"
lab_end
