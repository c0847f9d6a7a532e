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
echo "VBDTEST agent READY"

last=
while :; do
	seq=$(xenstore-read data/vbdlab/seq 2>/dev/null)
	if [ -n "$seq" ] && [ "$seq" != "$last" ]; then
		last=$seq
		cmd=$(xenstore-read data/vbdlab/cmd 2>/dev/null | base64 -d)
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
	sleep 0.3
done
