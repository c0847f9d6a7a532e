# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 1500
#
# hostile: a guest whose xen-blkfront is not loaded plays the frontend
# itself with vbdfront (tests/hostile): requests no driver would send, on
# both ABIs, single- and multi-page rings, with and without persistent
# grants, each with its exact expected status (conform); then thousands of
# random and mutated requests (fuzz); then an event storm. Its disk is a
# loop device over a tmpfs file, so flushes and discards are offered and
# exercised too. Meanwhile a second guest runs fio verify on its own disk,
# which must pass. dom0 must log the shut rings, and its CPU time during
# the storm is bounded. No WARNING/BUG/Oops in dom0 (checked for the whole
# run by the lab), and nothing held by vbdback once both guests are gone
# (lab_end).

FUZZ_SEED=${HOSTILE_FUZZ_SEED:-20261123}
FUZZ_COUNT=${HOSTILE_FUZZ_COUNT:-20000}
STORM=100000
# The victim's fio verify runs this long from the start of the attack.
VICTIM_SECS=${HOSTILE_VICTIM_SECS:-150}
# dom0's CPU time during the storm beyond its idle rate: at most this share
# of the storm's wall time, plus a constant for the commands around it.
STORM_CPU_PCT=25
STORM_CPU_SLACK_MS=3000
STORM_BASE_SECS=10

lab_loop_setup 128 || lab_end
HDISK=$LAB_LOOP_DEV
lab_brd_setup 1 160 || lab_end
lab_guest_create hostile --args "vbdtest_nomod=xen_blkfront" "$(lab_disk "$HDISK" xvda)" || lab_end
H=$LAB_DOMID
lab_guest_create victim "$(lab_disk /dev/ram0 xvda)" || lab_end
V=$LAB_DOMID
N=$(lab_devid xvda)
lab_guest_wait_ready hostile || lab_end
lab_guest_wait_ready victim || lab_end
lab_check_binding "$H" "$N"
lab_check_binding "$V" "$N"
lab_check "victim sees xvda" lab_guest_cmd victim 60 'wait_disk xvda 30'
lab_wait 30 "vbd-$H-$N in InitWait" lab_be_state_is "$H" "$N" 2 ||
	lab_fail "hostile guest's backend never reached InitWait (state $(lab_be_state "$H" "$N"))"

# The victim writes and verifies for as long as the attack lasts.
lab_check "victim: fio verify started" lab_guest_cmd victim 30 \
	"bg_start fio fio_json --name=victim --filename=/dev/xvda --rw=randwrite --bsrange=4k-64k \
		--ioengine=libaio --iodepth=8 --direct=1 --size=128M --time_based --runtime=$VICTIM_SECS \
		--verify=crc32c --verify_backlog=512 --verify_fatal=1"

# hostile_run DESC TIMEOUT COMMAND: run vbdfront in the hostile guest; its
# CASE lines go to the log, a FAIL line or a non-zero exit fails the scenario.
hostile_run() {
	local desc=$1 t=$2 cmd=$3 fails
	lab_guest_cmd hostile "$t" "$cmd"
	grep -E '^(CASE|SUMMARY|fuzz:|connected:)' "$LAB_CMD_OUT" | sed "s/^/[$LAB_SCENARIO] /"
	fails=$(grep -c '^CASE .*: FAIL' "$LAB_CMD_OUT")
	if [ "$LAB_CMD_RC" != 0 ] || [ "$fails" != 0 ]; then
		lab_cmd_show 40
		lab_fail "$desc: exit status $LAB_CMD_RC, $fails failed cases"
		return 1
	fi
	if ! grep -q '^SUMMARY' "$LAB_CMD_OUT"; then
		lab_fail "$desc: no SUMMARY line"
		return 1
	fi
	lab_log "ok: $desc: $(grep '^SUMMARY' "$LAB_CMD_OUT" | tail -n 1)"
}

shut_msgs() { dmesg | grep -c "vbd-$H-$N: frontend published req_prod .* ring shut"; }

shut0=$(shut_msgs)
hostile_run "conform" 900 "vbdfront conform"
ncfg=$(grep -c '^CASE [^/]*/connect: PASS' "$LAB_CMD_OUT")
lab_assert_ge "conform: configurations connected" "$ncfg" 4
lab_assert_eq "conform: one 'ring shut' message in dom0 per broken ring" \
	"$(($(shut_msgs) - shut0))" "$ncfg"
lab_check "dom0 toolstack answers after conform" sh -c 'timeout 30 xl list >/dev/null'

# Both layouts: one fuzz run each, with seeds of their own.
fuzz_args=("--abi 64 --order 2 --persistent 1" "--abi 32 --order 0 --persistent 0")
for i in 0 1; do
	seed=$((FUZZ_SEED + i))
	hostile_run "fuzz ${fuzz_args[$i]} seed $seed" 900 \
		"vbdfront ${fuzz_args[$i]} fuzz --seed $seed --count $FUZZ_COUNT"
	sent=$(sed -n 's/^SUMMARY fuzz: \([0-9]*\) fuzzed requests.*/\1/p' "$LAB_CMD_OUT")
	lab_assert_eq "fuzz seed $seed: requests fuzzed" "${sent:-0}" "$FUZZ_COUNT"
done

# The victim's verify pass must have overlapped all of the above.
if lab_guest_cmd victim 30 'test ! -f /tmp/bg-fio.rc'; then
	lab_log "ok: victim's fio still running after conform and fuzz"
else
	lab_fail "victim's fio ended before the attack did: raise VICTIM_SECS"
fi
lab_guest_cmd victim $((VICTIM_SECS + 120)) "bg_wait fio $((VICTIM_SECS + 60))"
json=$LAB_TMP/hostile-victim.json
lab_cmd_json >"$json"
lab_assert_eq "victim: fio verify during the attack: fio_rc" "$(lab_cmd_kv fio_rc)" 0
lab_assert_eq "victim: fio verify messages" "$(lab_cmd_kv fio_verify_msgs)" ""
if lab_fio_check "$json" "victim: fio verify during the attack"; then
	lab_fio_summary "$json" | sed "s/^/[$LAB_SCENARIO] victim fio /"
	lab_assert_ge "victim: MiB written during the attack" \
		"$(jq -r '[.jobs[].write.io_bytes] | add / 1048576 | floor' "$json")" 16
fi

# The storm, with the victim idle. dom0's CPU time over the storm is
# compared with its time over a guest command that only sleeps, which costs
# dom0 the same polling of xenstore; and the interrupts dom0 takes for
# vbdback's rings are counted by a sampler (the storm's ring goes away with
# it), running through both windows alike.
dom0_cpu() { timeout 30 xl list 0 | awk 'NR == 2 { printf "%d\n", $6 * 1000 }'; }
vbd_irqs() {
	awk '$NF == "vbdback" { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break }
		END { print s + 0 }' /proc/interrupts
}
irq_log=$LAB_TMP/hostile-irqs.txt
(while :; do vbd_irqs; sleep 1; done) >"$irq_log" 2>/dev/null &
sampler=$!
lab_on_end sh -c "kill $sampler 2>/dev/null || true"
sleep 2
irq0=$(vbd_irqs)
c0=$(dom0_cpu)
t0=$(date +%s)
lab_guest_cmd hostile 60 "sleep $STORM_BASE_SECS"
base_wall=$(($(date +%s) - t0))
c1=$(dom0_cpu)
t1=$(date +%s)
hostile_run "event storm" 600 "vbdfront --abi 32 --order 0 --persistent 0 storm --count $STORM"
wall=$(($(date +%s) - t1))
c2=$(dom0_cpu)
kill "$sampler" 2>/dev/null
irqs=$(($(sort -n "$irq_log" | tail -n 1) - irq0))
lab_log "event storm: vbdback interrupts per second through both windows:" \
	"$(awk 'NR > 1 { printf "%d ", $1 - prev } { prev = $1 }' "$irq_log")"
base=$(((c1 - c0) * wall / (base_wall > 0 ? base_wall : 1)))
extra=$((c2 - c1 - base))
lab_log "event storm: $(lab_cmd_kv storm_notifies) notifications in $(lab_cmd_kv storm_seconds) s;" \
	"dom0 took $irqs vbdback interrupts and $((c2 - c1)) ms of CPU in ${wall} s;" \
	"a sleeping guest command cost it $((c1 - c0)) ms in ${base_wall} s; extra ${extra} ms"
lab_assert_eq "event storm: notifications sent" "$(lab_cmd_kv storm_notifies)" "$STORM"
lab_assert_range "event storm: dom0 vbdback interrupts" "$irqs" 1 $((STORM / 10))
lab_assert_range "event storm: dom0 CPU ms beyond a sleeping command's" "$extra" -100000 \
	$((wall * 10 * STORM_CPU_PCT + STORM_CPU_SLACK_MS))
lab_check "dom0 toolstack answers after the storm" sh -c 'timeout 30 xl list >/dev/null'

lab_guest_destroy hostile
lab_check "victim still runs" lab_guest_alive victim
lab_end
