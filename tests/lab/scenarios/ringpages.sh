# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# lab-timeout: 360
# check: yes (order 80)
#
# ringpages: multi-page rings. The backend advertises max-ring-page-order
# 4; a guest whose xen-blkfront has max_ring_page_order=4 writes
# ring-page-order=4 and ring-ref0..ring-ref15 (no ring-ref), and a fio
# verify job deep enough to need more than a one-page ring's 32 slots
# passes. With the backend's max_ring_page_order lowered to 1, a disk then
# attached to the same guest settles for ring-page-order=1 (ring-ref0,
# ring-ref1). A frontend asking for more than advertised is refused
# (badkeys).

lab_brd_setup 2 64 || lab_end

# ring GUEST VDEV ORDER: the frontend's keys of VDEV show a ring of 2^ORDER
# pages, and fio verify passes on it.
ring() {
	local g=$1 vdev=$2 order=$3 pages=$((1 << $3)) i missing=0 n json=$LAB_TMP/ringpages-$2.json
	n=$(lab_devid "$vdev")
	lab_guest_cmd "$g" 30 'cat /sys/module/xen_blkfront/parameters/max_ring_page_order'
	lab_assert_eq "$g: guest blkfront max_ring_page_order" "$(tail -n 1 "$LAB_CMD_OUT")" 4
	lab_assert_eq "$vdev: frontend ring-page-order" "$(lab_fe_key "$D" "$n" ring-page-order)" "$order"
	for i in $(seq 0 $((pages - 1))); do
		lab_is_int "$(lab_fe_key "$D" "$n" "ring-ref$i")" || missing=$((missing + 1))
	done
	lab_assert_eq "$vdev: ring-ref0..ring-ref$((pages - 1)) missing" "$missing" 0
	lab_check "$vdev: no ring-ref$pages" sh -c "! timeout 10 xenstore-exists $(lab_fe_xs "$D" "$n")/ring-ref$pages"
	lab_check "$vdev: no single-page ring-ref" sh -c "! timeout 10 xenstore-exists $(lab_fe_xs "$D" "$n")/ring-ref"
	lab_assert_eq "$vdev: backend state" "$(lab_be_state "$D" "$n")" 4
	if lab_guest_cmd "$g" 300 "fio_json --name=deep --filename=/dev/$vdev --rw=randwrite --bs=4k \
			--ioengine=libaio --iodepth=128 --direct=1 --size=16M --verify=crc32c --verify_fatal=1"; then
		lab_cmd_json >"$json"
		lab_fio_check "$json" "$vdev: fio verify at queue depth 128"
	else
		lab_cmd_show 20
		lab_fail "$vdev: fio verify at queue depth 128 (rc $LAB_CMD_RC)"
	fi
}

lab_guest_create rp16 --args "xen_blkfront.max_ring_page_order=4" "$(lab_disk /dev/ram0 xvda)" || lab_end
lab_guest_wait_ready rp16 || lab_end
D=$LAB_DOMID
N=$(lab_devid xvda)
lab_check_binding "$D" "$N"
lab_assert_eq "backend max-ring-page-order" "$(lab_be_key "$D" "$N" max-ring-page-order)" 4
ring rp16 xvda 4

# xen-blkback's max_ring_page_order cannot change at run time.
if ! lab_backend_param_set max_ring_page_order 1; then
	[ "$LAB_BACKEND" = vbdback ] && lab_fail "cannot set max_ring_page_order"
	lab_note "backend $LAB_MODNAME: max_ring_page_order is read-only, capped ring not tried"
	lab_end
fi
# The backend reads the parameter when a device is made: a new disk.
N=$(lab_devid xvdb)
lab_block_attach rp16 "$(lab_disk /dev/ram1 xvdb)" || { lab_fail "xl block-attach xvdb"; lab_end; }
lab_check "guest sees xvdb" lab_guest_cmd rp16 90 'wait_disk xvdb 60'
lab_check_binding "$D" "$N"
lab_assert_eq "backend max-ring-page-order (capped)" "$(lab_be_key "$D" "$N" max-ring-page-order)" 1
ring rp16 xvdb 1
lab_end
