// SPDX-License-Identifier: GPL-2.0
/*
 * Executing a validated request: give its segments pages (persistent
 * grants, grants mapped in one batch, or dom0's own pages for a copy),
 * build bios over them, and undo the mappings once the bios complete. The
 * grant operations themselves are grant.c's; the ring hears of a finished
 * request only through the request's done callback.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/minmax.h>
#include <xen/page.h>

#include "copy.h"
#include "grant.h"
#include "io.h"
#include "persistent.h"
#include "ring.h"

#define VBD_NO_HANDLE	((grant_handle_t)~0U)

/*
 * The device reads guest memory for writes: map those read-only, unless the
 * mapping may persist and serve a later read.
 */
static u32 vbd_io_map_flags(const struct vbd_req *req)
{
	if (req->ring->pgrants.enabled || req->io.kind == VBD_IO_READ)
		return GNTMAP_host_map;
	return GNTMAP_host_map | GNTMAP_readonly;
}

/*
 * Map an indirect page's grant into the persistent cache, to serve this
 * request and the frontend's later ones. NULL if the cache has no room or
 * the grant cannot be mapped writable (it may be granted read-only, which
 * a copy still reads): the caller then copies it instead. The scratch map
 * batch is free: indirect pages are read before the segments are mapped.
 */
static struct vbd_pgrant *vbd_io_map_persistent(struct vbd_ring *ring,
						grant_ref_t gref)
{
	struct gnttab_map_grant_ref *op = &ring->scratch.map[0];
	struct vbd_pgrant *pg;
	struct page *page;

	if (!vbd_pgrant_make_room(ring))
		return NULL;
	if (vbd_grant_get_page(ring, &page))
		return NULL;
	vbd_grant_queue_map(ring, 0, page, GNTMAP_host_map, gref);
	vbd_grant_map(ring, 1);
	if (op->status != GNTST_okay)
		goto put_page;
	vbd_debug_add(VBD_DBG_GRANTS, 1);
	pg = vbd_pgrant_add(ring, gref, op->handle, page);
	if (!pg)
		goto unmap;
	return pg;

unmap:
	vbd_grant_queue_unmap(ring, 0, page, op->handle);
	vbd_grant_unmap(ring, 1);
	return NULL;
put_page:
	vbd_grant_put_pages(ring, &page, 1);
	return NULL;
}

/*
 * Copy the first @len bytes of indirect page @i into the ring's private
 * page through a persistent mapping, made now if need be; false if there is
 * none to be had. xen-blkfront reuses its indirect pages as it reuses its
 * data pages, so this saves a grant-copy hypercall per request.
 */
static bool vbd_io_read_indirect(struct vbd_req *req, unsigned int i,
				 unsigned int len)
{
	struct vbd_ring *ring = req->ring;
	grant_ref_t gref = req->req.indirect_grefs[i];
	struct vbd_pgrant *pg;

	if (!ring->pgrants.enabled)
		return false;
	pg = vbd_pgrant_get(ring, gref) ?: vbd_io_map_persistent(ring, gref);
	if (!pg)
		return false;
	/* Read once: the guest may rewrite its page at any time. */
	memcpy(ring->scratch.indirect[i], page_address(pg->page), len);
	vbd_pgrant_put(ring, pg);
	return true;
}

/**
 * vbd_io_fetch_indirect() - copy an indirect request's segments privately
 * @req: the request, accepted by vbd_proto_validate_op()
 *
 * The pages the frontend filled with segment descriptors are copied into
 * the ring's private pages and decoded from there into @req->segs, so the
 * guest cannot change a descriptor after it has been read. With persistent
 * grants the copy is made from the pages' persistent mappings, as the
 * frontend reuses them; otherwise, or when one cannot be mapped, by grant
 * copy, with one hypercall for all.
 *
 * Return: 0, or -EIO if a grant could not be read.
 */
int vbd_io_fetch_indirect(struct vbd_req *req)
{
	struct vbd_ring *ring = req->ring;
	unsigned int i, nr_copy = 0, n = req->io.nr_indirect;
	unsigned int left = req->io.nr_segments * VBD_SEG_SIZE;
	int err;

	for (i = 0; i < n; i++) {
		unsigned int len = min_t(unsigned int, left, XEN_PAGE_SIZE);

		left -= len;
		if (!vbd_io_read_indirect(req, i, len))
			vbd_grant_queue_copy(ring, nr_copy++,
					     req->req.indirect_grefs[i],
					     virt_to_page(ring->scratch.indirect[i]),
					     0, len, false);
	}
	if (nr_copy) {
		err = vbd_grant_copy(ring, nr_copy);
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		unsigned int first = i * VBD_SEGS_PER_INDIRECT_PAGE;
		unsigned int nr = min_t(unsigned int, req->io.nr_segments - first,
					VBD_SEGS_PER_INDIRECT_PAGE);

		vbd_proto_decode_indirect_segs(ring->scratch.indirect[i], nr,
					       req->segs + first);
	}
	return 0;
}

/*
 * Give segment I its page: a persistent grant already mapping it, or a page
 * from the cache with a map operation queued in the scratch batch.
 */
static int vbd_io_prepare_seg(struct vbd_req *req, unsigned int i,
			      unsigned int *nr_map, u32 flags)
{
	struct vbd_ring *ring = req->ring;
	struct vbd_grant_scratch *sc = &ring->scratch;
	grant_ref_t gref = req->segs[i].gref;
	unsigned int k = *nr_map;

	req->handles[i] = VBD_NO_HANDLE;
	req->pgrants[i] = ring->pgrants.enabled ? vbd_pgrant_get(ring, gref) :
						   NULL;
	if (req->pgrants[i]) {
		req->pages[i] = req->pgrants[i]->page;
		req->nr_pages++;
		return 0;
	}
	if (vbd_grant_get_page(ring, &req->pages[i]))
		return -ENOMEM;
	req->nr_pages++;
	vbd_grant_queue_map(ring, k, req->pages[i], flags, gref);
	sc->map_seg[k] = i;
	*nr_map = k + 1;
	return 0;
}

/* Take the results of the batch: keep what may persist, note the rest. */
static int vbd_io_map_done(struct vbd_req *req, unsigned int nr_map)
{
	struct vbd_ring *ring = req->ring;
	struct vbd_grant_scratch *sc = &ring->scratch;
	unsigned int k, i, nr_ok = 0;
	int err = 0;

	for (k = 0; k < nr_map; k++) {
		struct gnttab_map_grant_ref *op = &sc->map[k];

		i = sc->map_seg[k];
		if (op->status != GNTST_okay) {
			dev_dbg_ratelimited(&ring->be->xdev->dev,
					    "grant %u: map status %d\n",
					    req->segs[i].gref, op->status);
			err = -EIO;
			continue;
		}
		nr_ok++;
		req->pgrants[i] = vbd_pgrant_add(ring, req->segs[i].gref,
						 op->handle, req->pages[i]);
		if (!req->pgrants[i])
			req->handles[i] = op->handle;
	}
	vbd_debug_add(VBD_DBG_GRANTS, nr_ok);
	return err;
}

/*
 * Map every segment's grant not already persistently mapped, with one
 * hypercall; all or nothing.
 */
static int vbd_io_map(struct vbd_req *req)
{
	struct vbd_ring *ring = req->ring;
	u32 flags = vbd_io_map_flags(req);
	unsigned int i, nr_map = 0;
	int err = 0;

	for (i = 0; i < req->io.nr_segments && !err; i++)
		err = vbd_io_prepare_seg(req, i, &nr_map, flags);
	if (!err && nr_map) {
		/*
		 * Only a request that brings new grants makes room for them:
		 * a frontend whose grants all fit (xen-blkfront's pool is
		 * sized like the default cap) is then never made to remap.
		 */
		vbd_pgrant_make_room(ring);
		err = vbd_grant_map(ring, nr_map);
		err = vbd_io_map_done(req, nr_map) ?: err;
	}
	if (err)
		vbd_io_release(req);
	return err;
}

/**
 * vbd_io_release() - undo the grant mappings of a request
 * @req: the request, its bios all completed (or never submitted)
 *
 * Called only from the ring's worker, whose scratch space it uses.
 * Persistent grants stay mapped for the next request; a copied read's data
 * is copied out to the guest.
 *
 * Return: 0, or -EIO if a copied read's data could not reach the guest.
 */
int vbd_io_release(struct vbd_req *req)
{
	struct vbd_ring *ring = req->ring;
	struct vbd_grant_scratch *sc = &ring->scratch;
	unsigned int i, nr_unmap = 0, nr_put = 0;

	if (req->copy)
		return vbd_copy_release(req);

	for (i = 0; i < req->nr_pages; i++) {
		if (req->pgrants[i]) {
			vbd_pgrant_put(ring, req->pgrants[i]);
			req->pgrants[i] = NULL;
		} else if (req->handles[i] != VBD_NO_HANDLE) {
			vbd_grant_queue_unmap(ring, nr_unmap++, req->pages[i],
					      req->handles[i]);
			req->handles[i] = VBD_NO_HANDLE;
		} else {
			sc->put_pages[nr_put++] = req->pages[i];
		}
	}
	req->nr_pages = 0;
	if (nr_unmap)
		vbd_grant_unmap(ring, nr_unmap);
	if (nr_put)
		vbd_grant_put_pages(ring, sc->put_pages, nr_put);
	return 0;
}

static const char *const vbd_io_kind_names[] = {
	[VBD_IO_READ] = "read",
	[VBD_IO_WRITE] = "write",
	[VBD_IO_FLUSH] = "flush",
	[VBD_IO_BARRIER] = "barrier",
	[VBD_IO_DISCARD] = "discard",
	[VBD_IO_SECURE_ERASE] = "secure erase",
};

/**
 * vbd_io_report() - log a request the backing device failed
 * @req: the request
 * @err: the device's error
 *
 * One line per failed request, not per bio, and a few a second at most:
 * a failing disk fails every request the guest sends it. The ring's
 * completion calls it, for discards too.
 */
void vbd_io_report(const struct vbd_req *req, int err)
{
	unsigned int kind = req->io.kind;

	dev_err_ratelimited(&req->ring->be->xdev->dev,
			    "%s of %llu sectors at sector %llu failed on the backing device: %d\n",
			    kind < ARRAY_SIZE(vbd_io_kind_names) ?
			    vbd_io_kind_names[kind] : "request",
			    req->io.nr_sectors, req->req.sector, err);
}

static void vbd_io_end(struct bio *bio)
{
	struct vbd_req *req = bio->bi_private;

	if (bio->bi_status)
		WRITE_ONCE(req->error, blk_status_to_errno(bio->bi_status));
	bio_put(bio);
	if (atomic_dec_and_test(&req->pending))
		req->done(req);
}

static blk_opf_t vbd_io_opf(const struct vbd_io *io)
{
	switch (io->kind) {
	case VBD_IO_READ:
		return REQ_OP_READ;
	case VBD_IO_WRITE:
		return REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
	case VBD_IO_FLUSH:
	case VBD_IO_BARRIER:
	case VBD_IO_DISCARD:
	case VBD_IO_SECURE_ERASE:
		break;
	}
	/*
	 * The frontend sends FUA writes as flushes with data: the data must
	 * be stable when the response says so.
	 */
	return REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH |
	       (io->nr_segments ? REQ_FUA : 0);
}

static struct bio *vbd_io_bio(struct vbd_req *req, blk_opf_t opf,
			      sector_t sector, unsigned int nr_vecs)
{
	struct bio *bio;

	/* GFP_NOIO allocations from the bio mempool do not fail. */
	bio = bio_alloc(req->ring->be->disk.bdev, nr_vecs, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = sector;
	bio->bi_private = req;
	bio->bi_end_io = vbd_io_end;
	return bio;
}

/* Lay the segments end to end on the device, in as few bios as fit. */
static void vbd_io_build(struct vbd_req *req, struct bio_list *bios)
{
	unsigned int i, n = req->io.nr_segments;
	blk_opf_t opf = vbd_io_opf(&req->io);
	sector_t sector = req->req.sector;
	struct bio *bio;

	bio = vbd_io_bio(req, opf, sector, min(n, BIO_MAX_VECS));
	bio_list_add(bios, bio);
	for (i = 0; i < n; i++) {
		unsigned int off = vbd_seg_offset(&req->segs[i]);
		unsigned int len = vbd_seg_len(&req->segs[i]);

		if (bio_add_page(bio, req->pages[i], len, off) != len) {
			/* Only the first bio carries the preflush. */
			bio = vbd_io_bio(req, opf & ~REQ_PREFLUSH, sector,
					 min(n - i, BIO_MAX_VECS));
			bio_list_add(bios, bio);
			__bio_add_page(bio, req->pages[i], len, off);
		}
		sector += len >> VBD_SECTOR_SHIFT;
	}
}

/* Give the data pages: copied through dom0's own, or the guest's mapped. */
static int vbd_io_prepare(struct vbd_req *req)
{
	int err;

	if (vbd_copy_wanted(req)) {
		err = vbd_copy_prepare(req);
		/* Without a page to copy through, map as always. */
		if (err != -ENOMEM)
			return err;
	}
	return vbd_io_map(req);
}

/**
 * vbd_io_submit() - map a validated request's data and submit its bios
 * @req: the request; its done callback is called when its bios complete
 *
 * Return: 0 once submitted, or a negative errno if nothing was submitted
 * (and nothing is left mapped).
 */
int vbd_io_submit(struct vbd_req *req)
{
	struct bio_list bios;
	struct bio *bio;
	int err;

	if (req->io.nr_segments) {
		err = vbd_io_prepare(req);
		if (err)
			return err;
	}
	bio_list_init(&bios);
	vbd_io_build(req, &bios);
	/* Count before submitting: a bio may complete at once. */
	atomic_set(&req->pending, bio_list_size(&bios));
	while ((bio = bio_list_pop(&bios)))
		submit_bio(bio);
	return 0;
}
