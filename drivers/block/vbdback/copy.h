/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grant copy for small requests on rings without persistent grants
 * (copy.c).
 */
#ifndef VBDBACK_COPY_H
#define VBDBACK_COPY_H

#include <linux/types.h>

struct page;
struct vbd_req;
struct vbd_ring;

/**
 * struct vbd_copy - a ring's pages for grant copy (copy.c)
 * @max_segs: requests of at most this many segments are copied (0: none)
 * @free: pages not in use, kept for reuse
 * @nr_free: how many
 * @cap: the most kept (@max_segs for every request slot)
 */
struct vbd_copy {
	unsigned int max_segs;
	struct page **free;
	unsigned int nr_free;
	unsigned int cap;
};

int vbd_copy_init(struct vbd_ring *ring, unsigned int max_segs);
void vbd_copy_exit(struct vbd_ring *ring);
bool vbd_copy_wanted(const struct vbd_req *req);
int vbd_copy_prepare(struct vbd_req *req);
int vbd_copy_release(struct vbd_req *req);

#endif /* VBDBACK_COPY_H */
