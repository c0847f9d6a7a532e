# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 360
#
# ringpages: multi-page rings. The backend advertises max-ring-page-order
# 4; a guest whose xen-blkfront has max_ring_page_order=4 writes
# ring-page-order=4 and ring-ref0..ring-ref15 (no ring-ref), and a fio
# verify job deep enough to need more than a one-page ring's 32 slots
# passes. With the backend's max_ring_page_order lowered to 1, the same
# guest settles for ring-page-order=1 (ring-ref0, ring-ref1). A frontend
# asking for more than advertised is refused (badkeys).

lab_brd_setup 2 64 || lab_end
N=$(lab_devid xvda)

# ring GUEST ORDER: the frontend's keys show a ring of 2^ORDER pages, and
# fio verify passes on it.
ring() {
	local g=$1 order=$2 pages=$((1 << $2)) i missing=0 json=$LAB_TMP/ringpages-$1.json
	lab_guest_cmd "$g" 30 'cat /sys/module/xen_blkfront/parameters/max_ring_page_order'
	lab_assert_eq "$g: guest blkfront max_ring_page_order" "$(tail -n 1 "$LAB_CMD_OUT")" 4
	lab_assert_eq "$g: frontend ring-page-order" "$(lab_fe_key "$D" "$N" ring-page-order)" "$order"
	for i in $(seq 0 $((pages - 1))); do
		lab_is_int "$(lab_fe_key "$D" "$N" "ring-ref$i")" || missing=$((missing + 1))
	done
	lab_assert_eq "$g: ring-ref0..ring-ref$((pages - 1)) missing" "$missing" 0
	lab_check "$g: no ring-ref$pages" sh -c "! timeout 10 xenstore-exists $(lab_fe_xs "$D" "$N")/ring-ref$pages"
	lab_check "$g: no single-page ring-ref" sh -c "! timeout 10 xenstore-exists $(lab_fe_xs "$D" "$N")/ring-ref"
	lab_assert_eq "$g: backend state" "$(lab_be_state "$D" "$N")" 4
	if lab_guest_cmd "$g" 300 'fio_json --name=deep --filename=/dev/xvda --rw=randwrite --bs=4k \
			--ioengine=libaio --iodepth=128 --direct=1 --size=32M --verify=crc32c --verify_fatal=1'; then
		lab_cmd_json >"$json"
		lab_fio_check "$json" "$g: fio verify at queue depth 128"
	else
		lab_cmd_show 20
		lab_fail "$g: fio verify at queue depth 128 (rc $LAB_CMD_RC)"
	fi
}

lab_guest_create rp16 --args "xen_blkfront.max_ring_page_order=4" "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready rp16 || lab_end
D=$LAB_DOMID
lab_check_binding "$D" "$N"
lab_assert_eq "backend max-ring-page-order" "$(lab_be_key "$D" "$N" max-ring-page-order)" 4
ring rp16 4
lab_guest_destroy rp16

# xen-blkback's max_ring_page_order cannot change at run time.
if ! lab_backend_param_set max_ring_page_order 1; then
	[ "$LAB_BACKEND" = vbdback ] && lab_fail "cannot set max_ring_page_order"
	lab_note "backend $LAB_MODNAME: max_ring_page_order is read-only, capped ring not tried"
	lab_end
fi
lab_guest_create rp2 --args "xen_blkfront.max_ring_page_order=4" "$(lab_disk /dev/ram1 xvda)" || lab_end
lab_guest_wait_ready rp2 || lab_end
D=$LAB_DOMID
lab_assert_eq "backend max-ring-page-order (capped)" "$(lab_be_key "$D" "$N" max-ring-page-order)" 1
ring rp2 1
lab_end
lab_guest_wait_ready rp2 || lab_end
D=$LAB_DOMID
lab_assert_eq "backend max-ring-page-order (capped)" "$(lab_be_key "$D" "$N" max-ring-page-order)" 1
ring rp2 1
lab_end
