// SPDX-License-Identifier: GPL-2.0
/*
 * Grant copy for small requests on rings without persistent grants
 * (grant_copy_max_segs). Mapping a segment's grant for its bio costs a map
 * and an unmap, each with page-table work, and a TLB flush. Instead, the
 * data of a request of at most grant_copy_max_segs segments goes through
 * pages of dom0's own: a write's is copied in from the guest with one
 * grant-copy hypercall before the bios, a read's copied out with one after
 * they complete. The guest's pages are never mapped in dom0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "copy.h"
#include "grant.h"
#include "ring.h"

/**
 * vbd_copy_init() - set up a ring's grant copy
 * @ring: the ring, not yet serving; its geometry is known
 * @max_segs: the most segments a request copied may have (0: never copy)
 *
 * Return: 0, or -ENOMEM.
 */
int vbd_copy_init(struct vbd_ring *ring, unsigned int max_segs)
{
	struct vbd_copy *c = &ring->copy;

	c->max_segs = min_t(unsigned int, max_segs, VBD_COPY_MAX_SEGS);
	c->nr_free = 0;
	c->cap = ring->geom.nr_ents * c->max_segs;
	if (!c->cap)
		return 0;
	c->free = kvcalloc(c->cap, sizeof(*c->free), GFP_KERNEL);
	return c->free ? 0 : -ENOMEM;
}

/**
 * vbd_copy_exit() - free a ring's copy pages
 * @ring: the ring, no longer serving
 */
void vbd_copy_exit(struct vbd_ring *ring)
{
	struct vbd_copy *c = &ring->copy;

	while (c->nr_free)
		__free_page(c->free[--c->nr_free]);
	kvfree(c->free);
	c->free = NULL;
}

/**
 * vbd_copy_wanted() - whether a request's data goes by grant copy
 * @req: a validated request with data
 *
 * Return: true on a ring without persistent grants, for a request of at
 * most the ring's grant_copy_max_segs segments.
 */
bool vbd_copy_wanted(const struct vbd_req *req)
{
	const struct vbd_ring *ring = req->ring;

	return !ring->pgrants.enabled &&
	       req->io.nr_segments <= ring->copy.max_segs;
}

/* A page of dom0's own to copy through, kept for reuse once freed. */
static struct page *vbd_copy_page_get(struct vbd_copy *c)
{
	if (c->nr_free)
		return c->free[--c->nr_free];
	/* No I/O may be waited for here: the worker is the I/O path. */
	return alloc_page(GFP_NOIO);
}

static void vbd_copy_page_put(struct vbd_copy *c, struct page *page)
{
	if (c->nr_free < c->cap)
		c->free[c->nr_free++] = page;
	else
		__free_page(page);
}

/*
 * Copy every segment one way with one hypercall; all must succeed. The
 * data sits at the same offset in dom0's page as in the guest's, so the
 * bio covers what the guest gave. @to_guest: a read's data going out.
 */
static int vbd_copy_segs(struct vbd_req *req, bool to_guest)
{
	struct vbd_ring *ring = req->ring;
	unsigned int i, n = req->io.nr_segments;

	for (i = 0; i < n; i++) {
		const struct vbd_seg *s = &req->segs[i];

		vbd_grant_queue_copy(ring, i, s->gref, req->pages[i],
				     vbd_seg_offset(s), vbd_seg_len(s),
				     to_guest);
	}
	vbd_count(&ring->stats.copy_ops, n);
	return vbd_grant_copy(ring, n);
}

/* Give the pages back; the request holds none after. */
static void vbd_copy_put_pages(struct vbd_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr_pages; i++)
		vbd_copy_page_put(&req->ring->copy, req->pages[i]);
	req->nr_pages = 0;
	req->copy = false;
}

/**
 * vbd_copy_prepare() - give a request pages of dom0's own, and copy a
 * write's data into them
 * @req: a request vbd_copy_wanted() chose
 *
 * Return: 0; -ENOMEM if no page could be had (the caller may map instead)
 * or -EIO if a write's data could not be copied, with nothing held.
 */
int vbd_copy_prepare(struct vbd_req *req)
{
	unsigned int i, n = req->io.nr_segments;
	int err;

	req->copy = true;
	for (i = 0; i < n; i++) {
		req->pages[i] = vbd_copy_page_get(&req->ring->copy);
		if (!req->pages[i]) {
			err = -ENOMEM;
			goto put_pages;
		}
		req->nr_pages++;
	}
	if (req->io.kind == VBD_IO_READ)
		return 0;
	err = vbd_copy_segs(req, false);
	if (err)
		goto put_pages;
	return 0;

put_pages:
	vbd_copy_put_pages(req);
	return err;
}

/**
 * vbd_copy_release() - copy a read's data out to the guest and give the
 * pages back
 * @req: a request vbd_copy_prepare() set up, its bios all completed
 *
 * Return: 0, or -EIO if the data could not reach the guest.
 */
int vbd_copy_release(struct vbd_req *req)
{
	int err = 0;

	if (req->io.kind == VBD_IO_READ && !READ_ONCE(req->error))
		err = vbd_copy_segs(req, true);
	vbd_copy_put_pages(req);
	return err;
}
