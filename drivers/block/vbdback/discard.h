/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Discard (discard.c): what is offered to the frontend, and running
 * discards.
 */
#ifndef VBDBACK_DISCARD_H
#define VBDBACK_DISCARD_H

#include <xen/xenbus.h>

struct vbd_backend;
struct vbd_req;

int vbd_discard_publish(struct vbd_backend *be, struct xenbus_transaction xbt);
void vbd_discard_submit(struct vbd_req *req);

#endif /* VBDBACK_DISCARD_H */
