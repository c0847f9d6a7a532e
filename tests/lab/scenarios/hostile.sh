# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 1500
# check: yes (order 250)
#
# hostile: a guest whose xen-blkfront is not loaded plays the frontend
# itself with vbdfront (tests/hostile). First an event storm, with the
# other guest idle: dom0's CPU time during it is bounded. Then, while a
# second guest runs fio verify on its own disk, which must pass: requests
# no driver would send, on both ABIs, single- and multi-page rings, with
# and without persistent grants, each with its exact expected status
# (conform); random and mutated requests on one ring per ABI and over four
# queues (fuzz: HOSTILE_FUZZ_COUNT each, the total printed in one line),
# dom0 showing the queues in vbdback/nr_queues; xenstore abuse (xsabuse):
# named cases of bad keys and states, each refused with the reason dom0
# must log, in order, or connected when valid, and a correct handshake
# that serves after each; a state read as Unknown (0, then garbage:
# xsgone), after which the device is gone until the toolstack writes its
# state Initialising again; and random xenstore writes from a seed
# (xsfuzz) with correct handshakes in between. The requests go to xvda and
# the xenstore abuse to xvdb, partly at the same time; both disks are loop
# devices over tmpfs files, so flushes and discards are offered and
# exercised too.
# dom0 must log the shut rings, its toolstack must answer throughout, and
# there must be no WARNING/BUG/Oops in dom0 (checked for the whole run by
# the lab) and nothing held by vbdback once both guests are gone (lab_end).
#
# The backend's max_queues is raised to 4 for the scenario (dom0 has one
# vCPU, so it defaults to 1) before the guests exist, and restored at the
# end; the victim, with one vCPU, still uses one ring.

FUZZ_SEED=${HOSTILE_FUZZ_SEED:-20261123}
FUZZ_COUNT=${HOSTILE_FUZZ_COUNT:-45000}
MQ_QUEUES=4
MQ_FUZZ_COUNT=${HOSTILE_MQ_FUZZ_COUNT:-10000}
XSFUZZ_SEED=${HOSTILE_XSFUZZ_SEED:-$FUZZ_SEED}
XSFUZZ_COUNT=${HOSTILE_XSFUZZ_COUNT:-500}
STORM=100000
# The victim runs fio verify passes of VICTIM_PASS_SECS each, one after
# the other, from the start of the attack until dom0 tells it the attack is
# over (the guest's repeat/repeat_stop); it fails if the attack has not
# ended within VICTIM_DEADLINE seconds. The attack takes about three times
# as long on a debug dom0 kernel (lab.sh --kernel, make lab-debug).
VICTIM_PASS_SECS=${HOSTILE_VICTIM_PASS_SECS:-30}
if [ -n "${LAB_DOM0_MODROOT:-}" ]; then
	VICTIM_DEADLINE=${HOSTILE_VICTIM_DEADLINE:-3600}
else
	VICTIM_DEADLINE=${HOSTILE_VICTIM_DEADLINE:-1200}
fi
# dom0's CPU time during the storm beyond its idle rate: at most this share
# of the storm's wall time, plus a constant for the commands around it.
STORM_CPU_PCT=25
STORM_CPU_SLACK_MS=3000
STORM_BASE_SECS=10

lab_backend_param_set max_queues "$MQ_QUEUES" || lab_fail "cannot raise max_queues to $MQ_QUEUES"
lab_loop_setup 128 || lab_end
HDISK=$LAB_LOOP_DEV
lab_loop_setup 64 || lab_end
XDISK=$LAB_LOOP_DEV
lab_brd_setup 1 160 || lab_end
lab_guest_create hostile --args "vbdtest_nomod=xen_blkfront" \
	"$(lab_disk "$HDISK" xvda)" "$(lab_disk "$XDISK" xvdb)" || lab_end
H=$LAB_DOMID
lab_guest_create victim "$(lab_disk /dev/ram0 xvda)" || lab_end
V=$LAB_DOMID
# Requests go to xvda, the xenstore abuse to xvdb, at the same time.
N=$(lab_devid xvda)
NB=$(lab_devid xvdb)
lab_guest_wait_ready hostile || lab_end
lab_guest_wait_ready victim || lab_end
lab_check_binding "$H" "$N"
lab_check_binding "$H" "$NB"
lab_check_binding "$V" "$N"
lab_check "victim sees xvda" lab_guest_cmd victim 60 'wait_disk xvda 30'
for n in "$N" "$NB"; do
	lab_wait 30 "vbd-$H-$n in InitWait" lab_be_state_is "$H" "$n" 2 ||
		lab_fail "hostile guest's backend vbd-$H-$n never reached InitWait (state $(lab_be_state "$H" "$n"))"
done

# The storm, before the victim starts. dom0's CPU time over the storm is
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
lab_vbdfront_run hostile "event storm" 600 "vbdfront --devid $N --abi 32 --order 0 --persistent 0 storm --count $STORM"
wall=$(($(date +%s) - t1))
c2=$(dom0_cpu)
kill "$sampler" 2>/dev/null
irqs=$(($(sort -n "$irq_log" | tail -n 1) - irq0))
lab_log "event storm: vbdback interrupts per second through both windows:" \
	"$(awk 'NR > 1 { d = $1 - prev; if (d < 0) printf "(ring gone) "; else printf "%d ", d }
		{ prev = $1 }' "$irq_log")"
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

# The victim writes and verifies for as long as the attack lasts.
lab_check "victim: fio verify started" lab_guest_cmd victim 30 \
	"bg_start fio repeat victim $VICTIM_DEADLINE fio_json --name=victim --filename=/dev/xvda \
		--rw=randwrite --bsrange=4k-64k --ioengine=libaio --iodepth=8 --direct=1 --size=128M \
		--time_based --runtime=$VICTIM_PASS_SECS \
		--verify=crc32c --verify_backlog=512 --verify_fatal=1"

shut_msgs() { dmesg | grep -c "vbd-$H-$N: frontend published req_prod .* ring shut"; }

shut0=$(shut_msgs)
lab_vbdfront_run hostile "conform" 900 "vbdfront --devid $N conform"
ncfg=$(grep -c '^CASE [^/]*/connect: PASS' "$LAB_CMD_OUT")
lab_assert_ge "conform: configurations connected" "$ncfg" 4
lab_assert_eq "conform: one 'ring shut' message in dom0 per broken ring" \
	"$(($(shut_msgs) - shut0))" "$ncfg"
lab_check "dom0 toolstack answers after conform" sh -c 'timeout 30 xl list >/dev/null'

# hostile_bg TAG COMMAND: start vbdfront in the background in the hostile
# guest; lab_vbdfront_run hostile "DESC" T "bg_wait TAG T" collects it.
hostile_bg() {
	lab_check "$1 started in the background" lab_guest_cmd hostile 30 "bg_start $1 $2"
}

# hostile_fuzz I: fuzz run I (one per layout, then several queues), each
# with a seed of its own; adds to fuzz_total and fuzz_failures.
fuzz_args=("--abi 64 --order 2 --persistent 1" "--abi 32 --order 0 --persistent 0"
	"--abi 64 --order 1 --persistent 1 --queues $MQ_QUEUES")
fuzz_counts=("$FUZZ_COUNT" "$FUZZ_COUNT" "$MQ_FUZZ_COUNT")
fuzz_total=0
fuzz_failures=0
hostile_fuzz() {
	local i=$1 seed=$((FUZZ_SEED + $1))
	lab_vbdfront_run hostile "fuzz ${fuzz_args[$i]} seed $seed" 900 \
		"vbdfront --devid $N ${fuzz_args[$i]} fuzz --seed $seed --count ${fuzz_counts[$i]}" ||
		fuzz_failures=$((fuzz_failures + 1))
	lab_assert_eq "fuzz seed $seed: requests fuzzed" "$LAB_FUZZ_SENT" "${fuzz_counts[$i]}"
	fuzz_total=$((fuzz_total + LAB_FUZZ_SENT))
	fuzz_failures=$((fuzz_failures + LAB_FUZZ_FAILURES))
}

# Xenstore abuse on xvdb while the first fuzz run goes on xvda. dom0 must
# have logged each refusal's reason, in the order of the cases: the
# XSEXPECT lines are a subsequence of its vbd-H-NB errors.
dmesg_mark=$(dmesg | wc -l)
hostile_bg xsabuse "vbdfront --devid $NB xsabuse"
hostile_fuzz 0
lab_vbdfront_run hostile "xsabuse" 660 "bg_wait xsabuse 600"
lab_assert_ge "xsabuse: cases passed" \
	"$(sed -n 's/^SUMMARY xsabuse: \([0-9]*\) passed.*/\1/p' "$LAB_CMD_OUT")" 42
sed -n 's/^XSEXPECT [^:]*: //p' "$LAB_CMD_OUT" >"$LAB_TMP/hostile-xsexpect.txt"
lab_assert_ge "xsabuse: refusals with a reason" "$(wc -l <"$LAB_TMP/hostile-xsexpect.txt")" 32
dmesg | tail -n +"$((dmesg_mark + 1))" | grep -F "vbd-$H-$NB: " >"$LAB_TMP/hostile-xserrors.txt"
missing=$(awk 'NR == FNR { want[n++] = $0; next }
	i < n && index($0, want[i]) { i++ }
	END { if (i < n) print "#" i + 1 " of " n ": " want[i] }' \
	"$LAB_TMP/hostile-xsexpect.txt" "$LAB_TMP/hostile-xserrors.txt")
if [ -z "$missing" ]; then
	lab_log "ok: xsabuse: dom0 logged all $(wc -l <"$LAB_TMP/hostile-xsexpect.txt") reasons, in order"
else
	sed "s/^/[$LAB_SCENARIO] dom0: /" "$LAB_TMP/hostile-xserrors.txt" | tail -n 20
	lab_fail "xsabuse: dom0 never logged, in order, reason $missing"
fi
lab_check "dom0 toolstack answers after xsabuse" sh -c 'timeout 30 xl list >/dev/null'

# Random xenstore writes on xvdb, correct handshakes in between and at the
# end, while the second fuzz run goes on xvda.
hostile_bg xsfuzz "vbdfront --devid $NB --queues 2 --order 1 xsfuzz --seed $XSFUZZ_SEED --count $XSFUZZ_COUNT"
hostile_fuzz 1
lab_vbdfront_run hostile "xsfuzz seed $XSFUZZ_SEED" 660 "bg_wait xsfuzz 600"
lab_assert_ge "xsfuzz: correct handshakes that served" \
	"$(sed -n 's/^SUMMARY xsfuzz: .* \([0-9]*\) handshakes.*/\1/p' "$LAB_CMD_OUT")" \
	"$((XSFUZZ_COUNT / 100 + 1))"
lab_check "dom0 toolstack answers after xsfuzz" sh -c 'timeout 30 xl list >/dev/null'

# Several queues, while dom0 samples how many rings the device has.
nrq_log=$LAB_TMP/hostile-nr-queues.txt
(while :; do cat "$(lab_be_sys "$H" "$N")/vbdback/nr_queues"; sleep 0.5; done) >"$nrq_log" 2>/dev/null &
nrq_sampler=$!
lab_on_end sh -c "kill $nrq_sampler 2>/dev/null || true"
hostile_fuzz 2
kill "$nrq_sampler" 2>/dev/null
lab_assert_eq "multi-queue fuzz: most rings dom0 saw in vbdback/nr_queues" \
	"$(sort -n "$nrq_log" | tail -n 1)" "$MQ_QUEUES"
lab_log "hostile: $fuzz_total fuzzed requests, $fuzz_failures failures"
lab_assert_ge "fuzzed requests in all" "$fuzz_total" 100000
lab_assert_eq "fuzz failures in all" "$fuzz_failures" 0
lab_check "dom0 toolstack answers after fuzz" sh -c 'timeout 30 xl list >/dev/null'

# A state read as Unknown unregisters the device: xenbus writes its state
# Closed and it stays gone until the toolstack writes Initialising again
# (as it does when it creates a device), after which it must serve again.
BE=$(lab_be_xs "$H" "$NB")
for st in 0 garbage; do
	lab_vbdfront_run hostile "xsgone state $st" 120 "vbdfront --devid $NB xsgone --state $st"
	lab_check "state $st: vbd-$H-$NB gone from dom0" sh -c "! test -e $(lab_be_sys "$H" "$NB")"
	lab_assert_eq "state $st: backend state" "$(lab_be_state "$H" "$NB")" 6
	lab_xs_write "$BE/state" 1
	lab_wait 30 "vbd-$H-$NB back in InitWait" lab_be_state_is "$H" "$NB" 2 ||
		lab_fail "state $st: backend not back after the toolstack's Initialising (state $(lab_be_state "$H" "$NB"))"
	lab_check_binding "$H" "$NB"
done
lab_vbdfront_run hostile "recreated device serves" 120 "vbdfront --devid $NB --abi 64 --order 0 fuzz --seed $FUZZ_SEED --count 1000"

# The victim's verify passes must have overlapped all of the attack: they
# are still going now, and end after the one under way.
if lab_guest_cmd victim 30 'test ! -f /tmp/bg-fio.rc && repeat_stop victim'; then
	lab_log "ok: victim's fio still running after the attack"
else
	lab_fail "victim's fio ended before the attack did (its deadline: see below)"
fi
lab_guest_cmd victim $((VICTIM_PASS_SECS + 180)) "bg_wait fio $((VICTIM_PASS_SECS + 120))"
json=$LAB_TMP/hostile-victim.json
lab_cmd_json >"$json"
lab_log "victim: $(lab_cmd_kv victim_runs) fio verify passes of ${VICTIM_PASS_SECS} s during the attack"
lab_assert_eq "victim: the attack ended before the victim's deadline (${VICTIM_DEADLINE} s)" \
	"$(lab_cmd_kv victim_deadline)" ""
lab_assert_ge "victim: fio verify passes during the attack" "$(lab_cmd_kv victim_runs)" 2
lab_assert_eq "victim: failed fio verify passes" "$(lab_cmd_kv victim_failed)" 0
lab_assert_eq "victim: fio verify during the attack: fio_rc" "$(lab_cmd_kv fio_rc)" 0
lab_assert_eq "victim: fio verify messages" "$(lab_cmd_kv fio_verify_msgs)" ""
if lab_fio_check "$json" "victim: fio verify during the attack (last pass)"; then
	lab_fio_summary "$json" | sed "s/^/[$LAB_SCENARIO] victim fio (last pass) /"
	lab_assert_ge "victim: MiB written in the last pass" \
		"$(jq -r '[.jobs[].write.io_bytes] | add / 1048576 | floor' "$json")" 4
fi

lab_guest_destroy hostile
lab_check "victim still runs" lab_guest_alive victim
lab_end
