/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Discard (discard.c): what is offered to the frontend, and running
 * discards.
 */
#ifndef VBDBACK_DISCARD_H
#define VBDBACK_DISCARD_H

#include <linux/types.h>

struct vbd_backend;
struct vbd_req;

/**
 * struct vbd_discard_offer - what the frontend is told of discard
 * @enabled: discards are offered
 * @secure: secure discards are offered too
 * @granularity: the device's discard granularity, in bytes
 * @alignment: its discard alignment, in bytes
 */
struct vbd_discard_offer {
	bool enabled;
	bool secure;
	unsigned int granularity;
	unsigned int alignment;
};

void vbd_discard_offer(struct vbd_backend *be, bool allowed,
		       struct vbd_discard_offer *offer);
void vbd_discard_submit(struct vbd_req *req);

#endif /* VBDBACK_DISCARD_H */
