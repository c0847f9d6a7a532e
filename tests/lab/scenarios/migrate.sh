# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 1500
# check: yes (order 280)
#
# migrate: a guest's disk on the destination of a migration.
# Live migration to the same host,
#   xl migrate -s "" GUEST "xl migrate-receive"
# (the empty ssh command runs the receiver locally), MIGRATE_COUNT times
# (default 2) for a guest with persistent grants (pg) and one without (np),
# under fio crc32c verify, with each destination backend's connect time
# (the new domain's frontend Initialised -> its backend Connected, from a
# xenstore watch in dom0) against xen-blkback's in the same boot. Xen needs
# log-dirty mode for a PV guest's live migration, which Debian's Xen 4.17
# lacks (no shadow paging): there the first attempt must fail with that
# reason and leave the guest running, and the migrations are skipped with a
# note.
# Then xl save and xl restore, MIGRATE_RESTORES rounds (default 1) of: save
# on vbdback and restore on vbdback, on xen-blkback, save on xen-blkback and
# restore on xen-blkback, on vbdback; each restored disk must be served by
# the backend it was restored onto, read back the marker written before the
# save (md5), and pass a fresh fio verify; the restores' connect times are
# printed, vbdback's against xen-blkback's.

# shellcheck source=tests/lab/live.sh
. "$LAB_REPO/tests/lab/live.sh"

COUNT=${MIGRATE_COUNT:-2}
STOCK_COUNT=${MIGRATE_STOCK_COUNT:-1}
RESTORES=${MIGRATE_RESTORES:-1}
WATCH_LOG=$LAB_TMP/migrate-watch.log
SAVE=$LAB_TMP/migrate.save

if [ "$LAB_BACKEND" != vbdback ]; then
	lab_note "migrate compares both modules itself: run with the vbdback lab backend"
	lab_end
fi
lab_on_end live_restore_vbdback

# Every state change of a vbd, timestamped (bash's clock: no process per
# event), until the scenario ends.
watch_states() {
	local p
	# Line-buffered: through a pipe, its output would come in blocks, late.
	timeout 1400 stdbuf -oL xenstore-watch /local/domain 2>/dev/null | while read -r p _; do
		case $p in
		*/device/vbd/*/state | */backend/vbd/*/state)
			echo "$EPOCHREALTIME $p $(lab_xs_read "$p")" ;;
		esac
	done >"$WATCH_LOG"
}
watch_states &
WATCH_PID=$!
stop_watch() { pkill -P "$WATCH_PID" 2>/dev/null; kill "$WATCH_PID" 2>/dev/null; return 0; }
lab_on_end stop_watch

# connect_ms DOMID DEVID: frontend Initialised -> backend Connected, in ms.
connect_ms() {
	awk -v fe="/local/domain/$1/device/vbd/$2/state" \
		-v be="/local/domain/0/backend/vbd/$1/$2/state" '
		$2 == fe && $3 == 3 && !f { f = $1 }
		$2 == be && $3 == 4 && f && !b { b = $1 }
		END { if (f && b) printf "%d", (b - f) * 1000; else print "-" }' "$WATCH_LOG"
}

# The console of a migrated guest is logged under its incoming name.
follow_console() {
	local inc=$LAB_CONSOLE_DIR/guest-$1--incoming.log
	[ -e "$inc" ] && ln -sf "$inc" "$(lab_console_log "$1")"
	return 0
}

# migrate_once GUEST MODNAME DESC: sets LAST_CONNECT_MS.
migrate_once() {
	local g=$1 mod=$2 desc=$3 old new t0 n
	old=$(lab_guest_domid "$g")
	LIVE_GUESTS=("$g")
	LIVE_PAUSE_MS=0
	live_fio_start "$g" xvda
	sleep 3
	t0=$SECONDS
	lab_log "$desc: xl migrate $g (domain $old) to localhost"
	if ! timeout 600 xl migrate -s "" "$g" "xl migrate-receive" >"$LAB_TMP/migrate.log" 2>&1; then
		sed 's/^/  xl: /' "$LAB_TMP/migrate.log" | tail -n 20
		lab_fail "$desc: xl migrate $g failed"
		return 1
	fi
	follow_console "$g"
	new=$(lab_guest_domid "$g")
	lab_log "$desc: migrated in $((SECONDS - t0)) s, now domain $new"
	[ "$new" != "$old" ] || lab_fail "$desc: $g still domain $old"
	lab_wait 30 "$desc: old domain's backend gone" lab_be_dom_gone "$old" ||
		lab_fail "$desc: backend of domain $old left behind: $(lab_be_list "$old")"
	lab_wait 60 "$desc: disk served by $mod" live_served "$mod" ||
		lab_fail "$desc: disk of domain $new not served by $mod"
	sleep 3
	live_fio_stop "$g" "$desc"
	n=$(lab_devid xvda)
	LAST_CONNECT_MS=$(connect_ms "$new" "$n")
	lab_log "$desc: backend connect time $LAST_CONNECT_MS ms, longest guest I/O $LIVE_PAUSE_MS ms"
	lab_is_int "$LAST_CONNECT_MS" || lab_fail "$desc: no connect time for domain $new"
}

lab_brd_setup 2 64 || lab_end
lab_guest_create pg --memory 384 "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready pg || lab_end

# Live migration of a PV guest needs Xen's log-dirty mode for PV, which
# needs shadow paging: Debian's Xen 4.17 is built without it
# (CONFIG_SHADOW_PAGING unset), and HVM guests need hardware virtualisation
# this lab does not have. Try once; if Xen refuses log-dirty, say so and go
# on with save/restore, the destination half of a migration.
can_migrate() {
	local d
	d=$(lab_guest_domid pg)
	if timeout 300 xl migrate -s "" pg "xl migrate-receive" >"$LAB_TMP/migrate.log" 2>&1; then
		follow_console pg
		return 0
	fi
	if grep -q 'Failed to enable logdirty' "$LAB_TMP/migrate.log"; then
		lab_note "xl migrate is not possible on this Xen: $(grep -m1 'logdirty' "$LAB_TMP/migrate.log" | sed 's/^.*xc: error: //'); migrations skipped"
		lab_check "pg still runs on domain $d after the refused migration" \
			sh -c "[ \"\$(xenstore-read /local/domain/$d/name 2>/dev/null)\" = pg ]"
		return 1
	fi
	sed 's/^/  xl: /' "$LAB_TMP/migrate.log" | tail -n 20
	lab_fail "xl migrate pg failed"
	return 1
}

VBD_MS=()
STOCK_MS=()
if can_migrate; then
	LIVE_GUESTS=(pg)
	lab_wait 60 "first migration: disk served" live_served vbdback ||
		lab_fail "first migration: disk not served by vbdback"
	lab_guest_create np --memory 384 --args "xen_blkfront.feature_persistent=0" \
		"$(lab_disk /dev/ram1 xvda)" || lab_end
	lab_guest_wait_ready np || lab_end
	for i in $(seq 1 "$COUNT"); do
		for g in pg np; do
			migrate_once "$g" vbdback "vbdback $g #$i" || break 2
			VBD_MS+=("$LAST_CONNECT_MS")
		done
	done
	# The same on xen-blkback, after a live switch to it.
	LIVE_GUESTS=(pg np)
	if ! lab_failed && live_swap vbdback xen-blkback; then
		lab_wait 60 "every disk served by xen_blkback" live_served xen_blkback ||
			lab_fail "disks not served by xen_blkback after the switch"
		for i in $(seq 1 "$STOCK_COUNT"); do
			migrate_once pg xen_blkback "xen-blkback pg #$i" || break
			STOCK_MS+=("$LAST_CONNECT_MS")
		done
		live_swap xen-blkback vbdback
	fi
	lab_log "migration: connect time on the destination (ms): vbdback ${VBD_MS[*]}; xen-blkback ${STOCK_MS[*]}"
fi
med() { printf '%s\n' "$@" | grep -E '^[0-9]+$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

# --- xl save on one backend, xl restore on the other -------------------
# save_restore GUEST FROM TO: the guest is saved with FROM serving it, the
# backends are swapped (if they differ), and it is restored onto TO; sets
# LAST_CONNECT_MS to the restored disk's connect time.
save_restore() {
	local g=$1 from=$2 to=$3 md5 d n
	lab_guest_cmd "$g" 120 "write_random /dev/xvda $((40 * 1048576)) 4" || lab_fail "$g: marker write"
	md5=$(lab_cmd_kv written_md5)
	lab_log "xl save $g on $from"
	timeout 300 xl save "$g" "$SAVE" >"$LAB_TMP/migrate.save.log" 2>&1 ||
		{ lab_fail "xl save $g on $from"; return 1; }
	d=${LAB_DOMID_OF[$g]}
	lab_wait 30 "$g: saved domain's backend gone" lab_be_dom_gone "$d" ||
		lab_fail "$g: backend of saved domain $d left behind"
	if [ "$from" != "$to" ]; then
		live_swap "$from" "$to" || return 1
	fi
	lab_log "xl restore $g on $to"
	timeout 300 xl restore "$SAVE" >"$LAB_TMP/migrate.restore.log" 2>&1 ||
		{ lab_fail "xl restore $g on $to"; sed 's/^/  xl: /' "$LAB_TMP/migrate.restore.log" | tail -n 20; return 1; }
	rm -f "$SAVE"
	LIVE_GUESTS=("$g")
	lab_wait 60 "$g: restored disk served by ${to//-/_}" live_served "${to//-/_}" ||
		lab_fail "$g: restored disk not served by $to"
	d=$(lab_guest_domid "$g")
	n=$(lab_devid xvda)
	LAST_CONNECT_MS=$(connect_ms "$d" "$n")
	lab_log "$g: saved on $from, restored on $to: connect time $LAST_CONNECT_MS ms"
	lab_guest_cmd "$g" 60 "md5_region /dev/xvda $((40 * 1048576)) $((4 * 1048576))"
	lab_assert_eq "$g: saved on $from, restored on $to: marker md5" "$(tail -n 1 "$LAB_CMD_OUT")" "$md5"
	lab_fio_verify "$g" xvda 8 --offset=16M || lab_fail "$g: fio verify after the restore on $to"
}
lab_guest_alive np && lab_guest_destroy np
RVBD=()
RSTOCK=()
for i in $(seq 1 "$RESTORES"); do
	lab_failed && break
	save_restore pg vbdback vbdback && RVBD+=("$LAST_CONNECT_MS")
	save_restore pg vbdback xen-blkback
	save_restore pg xen-blkback xen-blkback && RSTOCK+=("$LAST_CONNECT_MS")
	save_restore pg xen-blkback vbdback
done
lab_log "restore: connect time (ms): vbdback ${RVBD[*]}; xen-blkback ${RSTOCK[*]}"
lab_log "median restore connect time vbdback / xen-blkback: $(med "${RVBD[@]}") / $(med "${RSTOCK[@]}") ms = $(live_ratio "$(med "${RVBD[@]}")" "$(med "${RSTOCK[@]}")")"
if [ ${#VBD_MS[@]} -gt 0 ]; then
	lab_log "median migration connect time vbdback / xen-blkback: $(med "${VBD_MS[@]}") / $(med "${STOCK_MS[@]}") ms = $(live_ratio "$(med "${VBD_MS[@]}")" "$(med "${STOCK_MS[@]}")")"
fi
lab_end
