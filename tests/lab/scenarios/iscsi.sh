# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 720
# check: yes (order 230)
#
# iscsi: an iSCSI LUN served to a guest, as on hosts whose guest disks live
# on a SAN. In dom0, a LIO target made with targetcli exports a ram disk as
# LUN 0, to this initiator's name only; open-iscsi (iscsid, iscsiadm)
# discovers it and logs in over loopback, and the SCSI disk that appears is
# the guest's xvda. That disk must be LIO's (vendor LIO-ORG, model the
# backstore's name) with the ram disk's size; fio verify passes in the
# guest, and what the guest writes is on the ram disk behind the target.
# Then the guest goes, the initiator logs out, the target is deleted, and
# nothing may be left: no session, no SCSI disk, no target or backstore in
# configfs, and the initiator's and the target's modules unload (each is
# held while anything of theirs remains), the ram disk too (lab_end).
#
# Needs targetcli-fb and open-iscsi in dom0 (the host's packages; open-iscsi's
# install writes /etc/iscsi/initiatorname.iscsi). dom0 has no udev, so no
# /dev/disk/by-path: the disk is found under the session in sysfs. targetcli
# is Python and slow to start under TCG: one bounded run per step. It also
# asks the system bus for tcmu-runner's backstores and stops when there is
# no bus: dom0 has none, so a private one stands in (DBUS_SYSTEM_BUS_ADDRESS).

IQN=iqn.2003-01.org.linux-iscsi.lab-dom0:vbdlab
BS=vbdlab
PORTAL=127.0.0.1:3260
SIZE_MIB=192
VERIFY_MIB=64
CFS=/sys/kernel/config/target
export TARGETCLI_HOME=$LAB_TMP/targetcli
ISCSID_PID=
DBUS_PID=
SESSION=
SD=
TORN_DOWN=0

# tcli ARGS...: one targetcli command; its output is shown when it fails.
tcli() {
	local t0 rc
	t0=$(date +%s)
	timeout 180 targetcli "$@" >"$LAB_TMP/targetcli.log" 2>&1
	rc=$?
	lab_log "targetcli $* (exit $rc, $(($(date +%s) - t0)) s)"
	[ "$rc" = 0 ] && return 0
	sed 's/^/  targetcli: /' "$LAB_TMP/targetcli.log" | tail -n 10
	return 1
}

# find_session: SESSION = the sysfs directory of the session to IQN.
find_session() {
	local s
	SESSION=
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$IQN" ] && { SESSION=$s; return 0; }
	done
	return 1
}

# find_disk: SD = the block device of LUN 0 of SESSION.
find_disk() {
	local b
	for b in "$SESSION"/device/target*/*:0/block/*; do
		[ -e "$b" ] && { SD=${b##*/}; return 0; }
	done
	return 1
}

discover() {
	timeout 60 iscsiadm -m discovery -t sendtargets -p "$PORTAL" >"$LAB_TMP/iscsi-discovery.log" 2>&1 &&
		grep -q " $IQN\$" "$LAB_TMP/iscsi-discovery.log"
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# stop_daemon NAME PID: end a daemon this scenario started.
stop_daemon() {
	kill "$2" 2>/dev/null
	lab_wait 30 "$1 (pid $2) exits" pid_gone "$2" || lab_fail "$1 does not exit"
	rm -f "$LAB_TMP/$1.pid"
}

# iscsi_teardown: log out, delete the target, stop iscsid, unload the
# modules, and check that nothing is left. Also run by lab_end (after the
# guest is destroyed) when the scenario stopped early: each step runs only
# for what exists.
iscsi_teardown() {
	local m rc
	[ "$TORN_DOWN" = 1 ] && return 0
	TORN_DOWN=1
	if find_session; then
		timeout 120 iscsiadm -m node -T "$IQN" -p "$PORTAL" --logout >"$LAB_TMP/iscsi-logout.log" 2>&1 ||
			{ sed 's/^/  iscsiadm: /' "$LAB_TMP/iscsi-logout.log"; lab_fail "iscsiadm --logout"; }
	fi
	if [ -n "$SD" ]; then
		if lab_wait 30 "/sys/block/$SD gone" test ! -e "/sys/block/$SD"; then
			lab_log "ok: SCSI disk $SD gone after logout"
		else
			lab_fail "SCSI disk $SD still present after logout"
		fi
	fi
	if find_session; then
		lab_fail "iSCSI session left after logout: ${SESSION##*/}"
	elif [ -n "$ISCSID_PID" ]; then
		timeout 30 iscsiadm -m session >"$LAB_TMP/iscsi-session.log" 2>&1
		rc=$?
		lab_assert_eq "iscsiadm -m session exit status (21: no session)" "$rc" 21 ||
			sed 's/^/  iscsiadm: /' "$LAB_TMP/iscsi-session.log"
		timeout 30 iscsiadm -m node -o delete -T "$IQN" -p "$PORTAL" >/dev/null 2>&1
	fi
	if [ -d "$CFS/iscsi/$IQN" ]; then
		tcli /iscsi delete "$IQN" || lab_fail "targetcli: delete target $IQN"
	fi
	if compgen -G "$CFS/core/*/$BS" >/dev/null; then
		tcli /backstores/block delete "$BS" || lab_fail "targetcli: delete backstore $BS"
	fi
	lab_check "target $IQN gone from configfs" test ! -e "$CFS/iscsi/$IQN"
	lab_check "backstore $BS gone from configfs" sh -c "! ls -d $CFS/core/*/$BS 2>/dev/null"
	[ -n "$ISCSID_PID" ] && stop_daemon iscsid "$ISCSID_PID"
	[ -n "$DBUS_PID" ] && stop_daemon dbus "$DBUS_PID"
	# The fabric's configfs directory (made by targetcli) holds its module.
	[ -d "$CFS/iscsi" ] && { rmdir "$CFS/iscsi" || lab_fail "rmdir $CFS/iscsi"; }
	for m in iscsi_tcp libiscsi_tcp libiscsi scsi_transport_iscsi iscsi_target_mod target_core_iblock; do
		lab_check "module $m unloads" lab_rmmod_retry $m
	done
	# targetcli may load other backstore modules; they hold target_core_mod.
	for m in target_core_file target_core_pscsi target_core_user; do
		lab_rmmod_retry $m
	done
	lab_check "module target_core_mod unloads" lab_rmmod_retry target_core_mod
}

for c in targetcli iscsiadm iscsid dbus-daemon; do
	command -v $c >/dev/null || { lab_fail "$c is not installed (scripts/lab/deps.sh)"; lab_end; }
done
INITIATOR=$(sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi 2>/dev/null)
[ -n "$INITIATOR" ] || { lab_fail "no InitiatorName in /etc/iscsi/initiatorname.iscsi"; lab_end; }
lab_log "initiator $INITIATOR"
# LIO keeps its persistent state (reservations, ALUA) under /etc/target,
# in the overlay here; the module looks for it as it loads.
mkdir -p /etc/target
for m in target_core_mod target_core_iblock iscsi_target_mod iscsi_tcp sd_mod; do
	timeout 30 modprobe $m || { lab_fail "modprobe $m"; lab_end; }
done
lab_on_end iscsi_teardown
lab_brd_setup 1 $SIZE_MIB || lab_end
mkdir -p "$TARGETCLI_HOME"
if ! timeout 30 dbus-daemon --session --address="unix:path=$LAB_TMP/dbus.sock" --fork --print-pid \
	>"$LAB_TMP/dbus.pid"; then
	lab_fail "cannot start a D-Bus daemon for targetcli"
	lab_end
fi
DBUS_PID=$(cat "$LAB_TMP/dbus.pid")
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_TMP/dbus.sock

# --- target ------------------------------------------------------------
# The default portal listens on 0.0.0.0:3260; dom0 has no network but lo.
if ! { tcli /backstores/block create name=$BS dev=/dev/ram0 &&
	tcli /iscsi create $IQN &&
	tcli /iscsi/$IQN/tpg1/luns create /backstores/block/$BS &&
	tcli /iscsi/$IQN/tpg1/acls create "$INITIATOR" &&
	tcli /iscsi/$IQN/tpg1 set attribute authentication=0; }; then
	lab_fail "targetcli could not make the target"
	lab_end
fi
TPG=$CFS/iscsi/$IQN/tpgt_1
lab_assert_eq "target portal group enabled" "$(cat "$TPG/enable" 2>/dev/null)" 1
lab_check "LUN 0 exported" test -d "$TPG/lun/lun_0"
lab_check "LUN 0 mapped for $INITIATOR only" test -d "$TPG/acls/$INITIATOR/lun_0"
lab_check "portal on port 3260" compgen -G "$TPG/np/*:3260"

# --- initiator ---------------------------------------------------------
# iscsid ends by sending SIGTERM to its whole process group (to end its
# helpers); in the foreground that group would be this scenario's: setsid.
setsid iscsid -f >"$LAB_TMP/iscsid.log" 2>&1 &
ISCSID_PID=$!
echo "$ISCSID_PID" >"$LAB_TMP/iscsid.pid"
if ! lab_wait 120 "sendtargets discovery of $IQN at $PORTAL" discover; then
	sed 's/^/  iscsiadm: /' "$LAB_TMP/iscsi-discovery.log" | tail -n 10
	sed 's/^/  iscsid: /' "$LAB_TMP/iscsid.log" | tail -n 10
	lab_fail "discovery of $IQN"
	lab_end
fi
if ! timeout 120 iscsiadm -m node -T $IQN -p $PORTAL --login >"$LAB_TMP/iscsi-login.log" 2>&1; then
	sed 's/^/  iscsiadm: /' "$LAB_TMP/iscsi-login.log" | tail -n 10
	lab_fail "login to $IQN"
	lab_end
fi
lab_wait 30 "session to $IQN" find_session || { lab_fail "no session to $IQN after login"; lab_end; }
lab_wait 30 "LUN 0's disk under ${SESSION##*/}" find_disk || { lab_fail "no disk of LUN 0"; lab_end; }
lab_wait 10 "/dev/$SD" test -b "/dev/$SD" || { lab_fail "no /dev/$SD"; lab_end; }
lab_log "${SESSION##*/}: LUN 0 is /dev/$SD"
lab_assert_eq "session state" "$(cat "$SESSION/state" 2>/dev/null)" LOGGED_IN
lab_assert_eq "$SD vendor" "$(tr -d ' ' <"/sys/block/$SD/device/vendor")" LIO-ORG
lab_assert_eq "$SD model" "$(tr -d ' ' <"/sys/block/$SD/device/model")" $BS
lab_assert_eq "$SD size (bytes)" "$(blockdev --getsize64 "/dev/$SD")" $((SIZE_MIB * 1048576))

# --- guest -------------------------------------------------------------
lab_guest_create iscsi "$(lab_disk "/dev/$SD" xvda)" || lab_end
lab_guest_wait_ready iscsi || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
BE=$(lab_be_xs "$D" "$N")
lab_check "guest sees xvda" lab_guest_cmd iscsi 60 'wait_disk xvda 30'
lab_check_binding "$D" "$N"
lab_assert_eq "backend physical-device" "$(lab_xs_read "$BE/physical-device")" "$(lab_dev_majmin "/dev/$SD")"
lab_assert_eq "backend sectors" "$(lab_xs_read "$BE/sectors")" $((SIZE_MIB * 2048))

lab_stats "$D" "$N"
before=$LAB_STATS
lab_fio_verify iscsi xvda $VERIFY_MIB
lab_stats "$D" "$N"
lab_assert_ge "backend wr_sect delta" "$(lab_stat_delta "$before" "$LAB_STATS" wr_sect)" $((VERIFY_MIB * 2048))

# Through vbdback, the SCSI disk, iSCSI and LIO down to the ram disk.
OFF=$(((VERIFY_MIB + 16) * 1048576 + 3584))
if lab_guest_cmd iscsi 120 "write_random /dev/xvda $OFF 2"; then
	lab_assert_eq "guest data at offset $OFF found on the target's ram disk" \
		"$(lab_md5_region /dev/ram0 "$OFF" $((2 * 1048576)))" "$(lab_cmd_kv written_md5)"
else
	lab_cmd_show 10
	lab_fail "guest write_random (rc $LAB_CMD_RC)"
fi

# --- teardown ----------------------------------------------------------
lab_guest_destroy iscsi
iscsi_teardown
lab_end
