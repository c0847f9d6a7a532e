/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Executing a decoded, validated request (io.c): its data mapped or
 * copied, bios over it, and their completion handed back through the
 * request's done callback.
 */
#ifndef VBDBACK_IO_H
#define VBDBACK_IO_H

#include <linux/types.h>

struct vbd_req;

int vbd_io_fetch_indirect(struct vbd_req *req);
int vbd_io_submit(struct vbd_req *req);
int vbd_io_release(struct vbd_req *req);
void vbd_io_report(const struct vbd_req *req, int err);

#endif /* VBDBACK_IO_H */
