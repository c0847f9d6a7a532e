// SPDX-License-Identifier: GPL-2.0
/*
 * Executing a validated request: map the guest's granted pages in one batch,
 * build bios over them, and undo the mappings once the bios complete.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <xen/page.h>

#include "vbdback.h"

#define VBD_NO_HANDLE	((grant_handle_t)~0U)

static unsigned long vbd_page_vaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/* The device reads guest memory for writes: map those read-only. */
static u32 vbd_io_map_flags(const struct vbd_io *io)
{
	return GNTMAP_host_map | (io->kind == VBD_IO_READ ? 0 : GNTMAP_readonly);
}

static void vbd_io_put_pages(struct vbd_req *req)
{
	gnttab_page_cache_put(&req->ring->pages, req->pages, req->nr_pages);
	req->nr_pages = 0;
}

static int vbd_io_get_pages(struct vbd_req *req)
{
	unsigned int i;

	for (i = 0; i < req->io.nr_segments; i++) {
		if (gnttab_page_cache_get(&req->ring->pages, &req->pages[i])) {
			vbd_io_put_pages(req);
			return -ENOMEM;
		}
		req->handles[i] = VBD_NO_HANDLE;
		req->nr_pages++;
	}
	return 0;
}

/* Map every segment's grant with one hypercall; all or nothing. */
static int vbd_io_map(struct vbd_req *req)
{
	struct vbd_backend *be = req->ring->be;
	u32 flags = vbd_io_map_flags(&req->io);
	unsigned int i, n = req->io.nr_segments;
	int err;

	err = vbd_io_get_pages(req);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		gnttab_set_map_op(&req->map[i], vbd_page_vaddr(req->pages[i]),
				  flags, req->req.seg[i].gref, be->domid);
		/* Left as is if the hypercall itself fails. */
		req->map[i].status = GNTST_general_error;
	}
	err = gnttab_map_refs(req->map, NULL, req->pages, n);

	/* Even when the call fails, each status says what got mapped. */
	for (i = 0; i < n; i++) {
		if (req->map[i].status == GNTST_okay) {
			req->handles[i] = req->map[i].handle;
			continue;
		}
		dev_dbg_ratelimited(&be->xdev->dev, "grant %u: map status %d\n",
				    req->req.seg[i].gref, req->map[i].status);
		err = -EIO;
	}
	if (err)
		vbd_io_release(req);
	return err;
}

/**
 * vbd_io_release() - undo the grant mappings of a request
 * @req: the request, its bios all completed (or never submitted)
 *
 * Pages whose unmap fails stay out of the cache: they may still alias guest
 * memory, and leaking them is safer than handing them out again.
 */
void vbd_io_release(struct vbd_req *req)
{
	struct page *pages[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	unsigned int i, n = 0;

	for (i = 0; i < req->nr_pages; i++) {
		if (req->handles[i] == VBD_NO_HANDLE)
			continue;
		gnttab_set_unmap_op(&req->unmap[n],
				    vbd_page_vaddr(req->pages[i]),
				    GNTMAP_host_map, req->handles[i]);
		req->handles[i] = VBD_NO_HANDLE;
		pages[n++] = req->pages[i];
	}
	if (n) {
		req->unmap_data.unmap_ops = req->unmap;
		req->unmap_data.kunmap_ops = NULL;
		req->unmap_data.pages = pages;
		req->unmap_data.count = n;
		if (gnttab_unmap_refs_sync(&req->unmap_data)) {
			dev_err_ratelimited(&req->ring->be->xdev->dev,
					    "unmapping %u grants failed; pages leaked\n",
					    n);
			req->nr_pages = 0;
			return;
		}
	}
	vbd_io_put_pages(req);
}

static void vbd_io_end(struct bio *bio)
{
	struct vbd_req *req = bio->bi_private;

	if (bio->bi_status)
		WRITE_ONCE(req->error, blk_status_to_errno(bio->bi_status));
	bio_put(bio);
	if (atomic_dec_and_test(&req->pending))
		vbd_ring_complete(req);
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

	bio = vbd_io_bio(req, opf, sector, n);
	bio_list_add(bios, bio);
	for (i = 0; i < n; i++) {
		const struct vbd_seg *s = &req->req.seg[i];
		unsigned int off = s->first_sect << VBD_SECTOR_SHIFT;
		unsigned int len = (s->last_sect - s->first_sect + 1)
				   << VBD_SECTOR_SHIFT;

		if (bio_add_page(bio, req->pages[i], len, off) != len) {
			/* Only the first bio carries the preflush. */
			bio = vbd_io_bio(req, opf & ~REQ_PREFLUSH, sector, n - i);
			bio_list_add(bios, bio);
			__bio_add_page(bio, req->pages[i], len, off);
		}
		sector += len >> VBD_SECTOR_SHIFT;
	}
}

/**
 * vbd_io_submit() - map a validated request's data and submit its bios
 * @req: the request; its ring's vbd_ring_complete() is called when done
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
		err = vbd_io_map(req);
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
