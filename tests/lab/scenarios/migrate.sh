# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 1500
#
# migrate: live migration to the same host,
#   xl migrate -s "" GUEST "xl migrate-receive"
# (the empty ssh command runs the receiver locally), MIGRATE_COUNT times
# (default 2) for a guest with persistent grants (pg) and one without (np),
# each under fio crc32c verify through every migration, which must end with
# no error and no verify message, the new domain's disk served by vbdback
# with both ends Connected, the old domain's backend gone. The backend's
# connect time on the destination (the new domain's frontend Initialised ->
# its backend Connected, from a xenstore watch in dom0) is printed for each,
# and the same is measured for xen-blkback in the same boot
# (MIGRATE_STOCK_COUNT migrations of pg, default 1) after a live switch to
# it. Then xl save on one backend and xl restore on the other, both ways:
# the restored guest's disk reads back what was written before the save
# (md5) and a fresh fio verify passes.

# shellcheck source=tests/lab/live.sh
. "$LAB_REPO/tests/lab/live.sh"

COUNT=${MIGRATE_COUNT:-2}
STOCK_COUNT=${MIGRATE_STOCK_COUNT:-1}
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
	timeout 1400 xenstore-watch /local/domain 2>/dev/null | while read -r p _; do
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
lab_guest_create np --memory 384 --args "xen_blkfront.feature_persistent=0" \
	"$(lab_disk /dev/ram1 xvda)" || lab_end
lab_guest_wait_ready pg || lab_end
lab_guest_wait_ready np || lab_end

VBD_MS=()
for i in $(seq 1 "$COUNT"); do
	for g in pg np; do
		migrate_once "$g" vbdback "vbdback $g #$i" || break 2
		VBD_MS+=("$LAST_CONNECT_MS")
	done
done

# The same on xen-blkback, after a live switch to it.
STOCK_MS=()
LIVE_GUESTS=(pg np)
if ! lab_failed && live_swap vbdback xen-blkback; then
	lab_wait 60 "every disk served by xen_blkback" live_served xen_blkback ||
		lab_fail "disks not served by xen_blkback after the switch"
	for i in $(seq 1 "$STOCK_COUNT"); do
		migrate_once pg xen_blkback "xen-blkback pg #$i" || break
		STOCK_MS+=("$LAST_CONNECT_MS")
	done
fi
lab_log "connect time on the destination (ms): vbdback ${VBD_MS[*]}; xen-blkback ${STOCK_MS[*]}"
med() { printf '%s\n' "$@" | grep -E '^[0-9]+$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
lab_log "median connect time vbdback / xen-blkback: $(med "${VBD_MS[@]}") / $(med "${STOCK_MS[@]}") ms = $(live_ratio "$(med "${VBD_MS[@]}")" "$(med "${STOCK_MS[@]}")")"

# --- xl save on one backend, xl restore on the other -------------------
# save_restore GUEST FROM TO: pg is saved with FROM serving it, the
# backends are swapped, and it is restored onto TO.
save_restore() {
	local g=$1 from=$2 to=$3 md5 d
	lab_guest_cmd "$g" 120 "write_random /dev/xvda $((40 * 1048576)) 4" || lab_fail "$g: marker write"
	md5=$(lab_cmd_kv written_md5)
	lab_log "xl save $g on $from"
	timeout 300 xl save "$g" "$SAVE" >"$LAB_TMP/migrate.save.log" 2>&1 ||
		{ lab_fail "xl save $g on $from"; return 1; }
	d=${LAB_DOMID_OF[$g]}
	lab_wait 30 "$g: saved domain's backend gone" lab_be_dom_gone "$d" ||
		lab_fail "$g: backend of saved domain $d left behind"
	live_swap "$from" "$to" || return 1
	lab_log "xl restore $g on $to"
	timeout 300 xl restore "$SAVE" >"$LAB_TMP/migrate.restore.log" 2>&1 ||
		{ lab_fail "xl restore $g on $to"; sed 's/^/  xl: /' "$LAB_TMP/migrate.restore.log" | tail -n 20; return 1; }
	rm -f "$SAVE"
	LIVE_GUESTS=("$g")
	lab_wait 60 "$g: restored disk served by ${to//-/_}" live_served "${to//-/_}" ||
		lab_fail "$g: restored disk not served by $to"
	lab_guest_cmd "$g" 60 "md5_region /dev/xvda $((40 * 1048576)) $((4 * 1048576))"
	lab_assert_eq "$g: saved on $from, restored on $to: marker md5" "$(tail -n 1 "$LAB_CMD_OUT")" "$md5"
	lab_fio_verify "$g" xvda 8 --offset=16M || lab_fail "$g: fio verify after the restore on $to"
}
lab_guest_destroy np
if ! lab_failed; then
	save_restore pg xen-blkback vbdback
	save_restore pg vbdback xen-blkback
	live_swap xen-blkback vbdback
fi
lab_end
