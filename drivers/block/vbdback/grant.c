// SPDX-License-Identifier: GPL-2.0
/*
 * Batched grant operations: the lowest layer of the datapath. Map, unmap
 * and copy operations are queued in a ring's scratch space and carried out
 * with one hypercall per batch. Only the ring's worker uses the scratch
 * space, one request at a time, so it needs no lock. Nothing here knows
 * what a request is.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "grant.h"
#include "ring.h"

/**
 * vbd_grant_queue_map() - queue map operation @k of the ring's batch
 * @ring: the ring; called only from its worker
 * @k: entry of the scratch map batch to fill
 * @page: the page to map the grant onto
 * @flags: GNTMAP_* flags
 * @gref: the guest's grant
 */
void vbd_grant_queue_map(struct vbd_ring *ring, unsigned int k,
			 struct page *page, u32 flags, grant_ref_t gref)
{
	struct vbd_grant_scratch *sc = &ring->scratch;

	gnttab_set_map_op(&sc->map[k], vbd_page_vaddr(page), flags, gref,
			  ring->be->domid);
	/* Left as is if the hypercall itself fails. */
	sc->map[k].status = GNTST_general_error;
	sc->map_pages[k] = page;
}

/**
 * vbd_grant_map() - carry out the first @n queued map operations with one
 * hypercall
 * @ring: the ring; called only from its worker
 * @n: entries to carry out
 *
 * Each operation's status says whether it took.
 *
 * Return: 0, or -EIO if the hypercall itself failed.
 */
int vbd_grant_map(struct vbd_ring *ring, unsigned int n)
{
	struct vbd_grant_scratch *sc = &ring->scratch;
	int err = 0;

	if (gnttab_map_refs(sc->map, NULL, sc->map_pages, n))
		err = -EIO;
	vbd_count(&ring->stats.map_ops, n);
	return err;
}

/**
 * vbd_grant_queue_unmap() - queue the unmap of one grant for
 * vbd_grant_unmap()
 * @ring: the ring; called only from its worker (or with the worker stopped)
 * @k: entry of the scratch unmap batch to fill
 * @page: the page the grant is mapped onto
 * @handle: the mapping's handle
 */
void vbd_grant_queue_unmap(struct vbd_ring *ring, unsigned int k,
			   struct page *page, grant_handle_t handle)
{
	gnttab_set_unmap_op(&ring->scratch.unmap[k], vbd_page_vaddr(page),
			    GNTMAP_host_map, handle);
	ring->scratch.unmap_pages[k] = page;
}

/**
 * vbd_grant_unmap() - unmap the grants queued in the ring's scratch space
 * @ring: the ring; called only from its worker (or with the worker stopped)
 * @n: entries of the scratch unmap batch to undo
 *
 * The pages go back to the ring's page cache, unless the unmap failed: a
 * page that may still alias guest memory is leaked rather than reused.
 */
void vbd_grant_unmap(struct vbd_ring *ring, unsigned int n)
{
	struct vbd_grant_scratch *sc = &ring->scratch;

	sc->unmap_data.unmap_ops = sc->unmap;
	sc->unmap_data.kunmap_ops = NULL;
	sc->unmap_data.pages = sc->unmap_pages;
	sc->unmap_data.count = n;
	vbd_count(&ring->stats.unmap_ops, n);
	if (gnttab_unmap_refs_sync(&sc->unmap_data)) {
		dev_err_ratelimited(&ring->be->xdev->dev,
				    "unmapping %u grants failed; pages leaked\n",
				    n);
		return;
	}
	vbd_debug_add(VBD_DBG_GRANTS, -(s64)n);
	vbd_grant_put_pages(ring, sc->unmap_pages, n);
}

/**
 * vbd_grant_get_page() - a page of the ring's cache to map a grant onto
 * @ring: the ring; called only from its worker
 * @page: set to the page
 *
 * Return: 0, or -ENOMEM.
 */
int vbd_grant_get_page(struct vbd_ring *ring, struct page **page)
{
	if (gnttab_page_cache_get(&ring->pages, page))
		return -ENOMEM;
	vbd_debug_add(VBD_DBG_PAGES, 1);
	return 0;
}

/**
 * vbd_grant_put_pages() - give pages no grant is mapped onto back to the
 * ring's cache
 * @ring: the ring; called only from its worker (or with the worker stopped)
 * @pages: the pages
 * @n: how many
 */
void vbd_grant_put_pages(struct vbd_ring *ring, struct page **pages,
			 unsigned int n)
{
	vbd_debug_add(VBD_DBG_PAGES, -(s64)n);
	gnttab_page_cache_put(&ring->pages, pages, n);
}

/**
 * vbd_grant_queue_copy() - queue a grant copy for vbd_grant_copy(), between
 * a grant of the ring's guest and a page of dom0's own
 * @ring: the ring; called only from its worker
 * @k: entry of the scratch copy batch to fill
 * @gref: the guest's grant
 * @page: dom0's page
 * @off: where the data is, in both pages
 * @len: how many bytes
 * @to_guest: copy from @page to the guest's, else from the guest's to @page
 */
void vbd_grant_queue_copy(struct vbd_ring *ring, unsigned int k,
			  grant_ref_t gref, struct page *page, unsigned int off,
			  unsigned int len, bool to_guest)
{
	struct gnttab_copy *op = &ring->scratch.copy[k];
	struct gnttab_copy_ptr *guest = to_guest ? &op->dest : &op->source;
	struct gnttab_copy_ptr *own = to_guest ? &op->source : &op->dest;

	memset(op, 0, sizeof(*op));
	guest->u.ref = gref;
	guest->domid = ring->be->domid;
	guest->offset = off;
	own->u.gmfn = xen_page_to_gfn(page);
	own->domid = DOMID_SELF;
	own->offset = off;
	op->len = len;
	op->flags = to_guest ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
}

/**
 * vbd_grant_copy() - carry out the grant copies queued in the ring's
 * scratch space, with one hypercall
 * @ring: the ring; called only from its worker
 * @n: entries of the scratch copy batch to carry out
 *
 * Return: 0 if all succeeded, else -EIO.
 */
int vbd_grant_copy(struct vbd_ring *ring, unsigned int n)
{
	struct gnttab_copy *copy = ring->scratch.copy;
	unsigned int k;

	gnttab_batch_copy(copy, n);
	for (k = 0; k < n; k++) {
		if (copy[k].status != GNTST_okay) {
			dev_dbg_ratelimited(&ring->be->xdev->dev,
					    "grant %u: copy status %d\n",
					    copy[k].flags & GNTCOPY_source_gref ?
					    copy[k].source.u.ref :
					    copy[k].dest.u.ref,
					    copy[k].status);
			return -EIO;
		}
	}
	return 0;
}

/**
 * vbd_grant_scratch_free() - free a ring's scratch space
 * @sc: the scratch space, wholly or partly allocated, or zeroed
 */
void vbd_grant_scratch_free(struct vbd_grant_scratch *sc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sc->indirect); i++)
		free_page((unsigned long)sc->indirect[i]);
	kvfree(sc->put_pages);
	kvfree(sc->unmap_pages);
	kvfree(sc->unmap);
	kvfree(sc->map_seg);
	kvfree(sc->map_pages);
	kvfree(sc->map);
}

/**
 * vbd_grant_scratch_alloc() - allocate a ring's scratch space
 * @sc: the scratch space, zeroed
 * @max_segs: the most segments a request may carry
 * @nr_indirect: indirect pages a request may carry
 *
 * Return: 0, or -ENOMEM with what was allocated left for
 * vbd_grant_scratch_free().
 */
int vbd_grant_scratch_alloc(struct vbd_grant_scratch *sc,
			    unsigned int max_segs, unsigned int nr_indirect)
{
	unsigned int i, m = max_segs;

	sc->map = kvcalloc(m, sizeof(*sc->map), GFP_KERNEL);
	sc->map_pages = kvcalloc(m, sizeof(*sc->map_pages), GFP_KERNEL);
	sc->map_seg = kvcalloc(m, sizeof(*sc->map_seg), GFP_KERNEL);
	sc->unmap = kvcalloc(m, sizeof(*sc->unmap), GFP_KERNEL);
	sc->unmap_pages = kvcalloc(m, sizeof(*sc->unmap_pages), GFP_KERNEL);
	sc->put_pages = kvcalloc(m, sizeof(*sc->put_pages), GFP_KERNEL);
	if (!sc->map || !sc->map_pages || !sc->map_seg || !sc->unmap ||
	    !sc->unmap_pages || !sc->put_pages)
		return -ENOMEM;
	for (i = 0; i < nr_indirect && i < ARRAY_SIZE(sc->indirect); i++) {
		sc->indirect[i] = (void *)__get_free_page(GFP_KERNEL);
		if (!sc->indirect[i])
			return -ENOMEM;
	}
	return 0;
}
