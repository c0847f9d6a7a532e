/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbdback: the module parameters (params.c), as each device copies them.
 */
#ifndef VBDBACK_PARAMS_H
#define VBDBACK_PARAMS_H

#include <linux/types.h>

/**
 * struct vbd_params - module-wide defaults, copied at probe time
 * @max_ring_page_order: largest ring the backend offers, as a page order
 * @max_queues: most rings (hardware queues) a frontend may use
 * @max_indirect_segs: segments of an indirect request (0: no indirect)
 * @feature_persistent: offer persistent grants
 * @max_pgrants: most persistent grants one ring keeps mapped
 * @pgrant_idle_secs: unused this long, a persistent grant is unmapped
 * @poll_max_us: longest a drained ring is polled for its next request
 * @copy_max_segs: requests of at most this many segments are copied, not
 *                 mapped, on rings without persistent grants
 */
struct vbd_params {
	unsigned int max_ring_page_order;
	unsigned int max_queues;
	unsigned int max_indirect_segs;
	bool feature_persistent;
	unsigned int max_pgrants;
	unsigned int pgrant_idle_secs;
	unsigned int poll_max_us;
	unsigned int copy_max_segs;
};

void vbd_params_get(struct vbd_params *params);
bool vbd_params_handover(void);

#endif /* VBDBACK_PARAMS_H */
