# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# vbdback lab guest script "agent": runs shell commands that dom0 writes to
# xenstore (data/vbdlab/cmd, base64-encoded, then data/vbdlab/seq) and reports each one on
# the console between "VBDTEST agent.SEQ BEGIN" and
# "VBDTEST agent.SEQ RESULT PASS|FAIL rc=N", then writes data/vbdlab/rc and
# data/vbdlab/done=SEQ. The helpers of /lab/guest/lib.sh are available.

# shellcheck source=tests/lab/guest/lib.sh
. /lab/guest/lib.sh

echo "VBDTEST agent BEGIN"
if [ ! -e /dev/xen/xenbus ]; then
	echo "VBDTEST agent RESULT FAIL no /dev/xen/xenbus"
	exit 1
fi
echo "disks: $(disks | tr '\n' ' ')"
for d in $(disks); do
	echo "disk $d: $(disk_sectors "$d") sectors, ro=$(cat "/sys/block/$d/ro")"
done
if ! xenstore-write data/vbdlab/ready 1; then
	echo "VBDTEST agent RESULT FAIL cannot write xenstore"
	exit 1
fi

# dom0 announces a command by writing seq: a watch on it wakes the agent.
# Each event is a line on a FIFO the agent reads with a time limit, so that
# it never polls xenstore while idle (starting a process takes long in a
# PV guest under TCG, and would take time from I/O a command left running
# in the background). Events that came while a command ran are waiting in
# the FIFO; if the watch is lost, the agent polls every 2.3 s.
fifo=/tmp/agent.watch
mkfifo "$fifo" 2>/dev/null
xenstore-watch data/vbdlab/seq >"$fifo" 2>/dev/null &
exec 3<"$fifo"
# shellcheck disable=SC3045 # busybox ash has read -t
read -r -t 10 _ <&3 # the first event: the watch is set up
echo "VBDTEST agent READY"

last=
while :; do
	# seq and the command it numbers, in one read (dom0 writes cmd first)
	# shellcheck disable=SC2046 # two words: seq and the base64 command
	set -- $(xenstore-read data/vbdlab/seq data/vbdlab/cmd 2>/dev/null)
	seq=${1:-}
	if [ -n "$seq" ] && [ "$seq" != "$last" ]; then
		last=$seq
		cmd=$(printf '%s' "${2:-}" | base64 -d)
		echo "VBDTEST agent.$seq BEGIN"
		(eval "$cmd")
		rc=$?
		if [ "$rc" = 0 ]; then
			echo "VBDTEST agent.$seq RESULT PASS rc=0"
		else
			echo "VBDTEST agent.$seq RESULT FAIL rc=$rc"
		fi
		xenstore-write data/vbdlab/rc "$rc" data/vbdlab/done "$seq"
		continue
	fi
	# shellcheck disable=SC3045
	read -r -t 2 _ <&3 || sleep 0.3
done
