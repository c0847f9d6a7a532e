// SPDX-License-Identifier: GPL-2.0
/*
 * What the protocol (xen/io/blkif.h) demands of a backend for one request:
 * BLKIF_RSP_EOPNOTSUPP for an operation it does not know or did not offer,
 * BLKIF_RSP_ERROR for one it cannot carry out as described (segment counts,
 * sectors outside a page or the disk, grants it cannot map as it must),
 * BLKIF_RSP_OKAY otherwise. Every error but EOPNOTSUPP is the same
 * status, so the order of the checks does not matter.
 */
#include <string.h>

#include "model.h"

static bool vf_model_range(const struct vf_model *m, u64 sector, u64 len)
{
	return sector <= m->sectors && len <= m->sectors - sector;
}

/* A read writes into the guest's pages; so does anything persistent. */
static bool vf_model_grant_ok(const struct vf_model *m, u8 op, u32 gref)
{
	switch (m->gref_kind(m->ctx, gref)) {
	case VF_GREF_RW:
		return true;
	case VF_GREF_RO:
		return op != BLKIF_OP_READ && !m->persistent;
	default:
		return false;
	}
}

static int vf_model_data(const struct vf_model *m, u8 op, u64 sector,
			 const struct vf_seg *segs, unsigned int n)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (segs[i].first_sect > segs[i].last_sect ||
		    segs[i].last_sect >= VF_PAGE_SIZE / 512)
			return BLKIF_RSP_ERROR;
		if (!vf_model_grant_ok(m, op, segs[i].gref))
			return BLKIF_RSP_ERROR;
		total += segs[i].last_sect - segs[i].first_sect + 1;
	}
	/* A flush without data has no sector to check. */
	if (total && !vf_model_range(m, sector, total))
		return BLKIF_RSP_ERROR;
	return BLKIF_RSP_OKAY;
}

static void vf_model_decode_seg(const u8 *p, struct vf_seg *s)
{
	memcpy(&s->gref, p, sizeof(s->gref));
	s->first_sect = p[4];
	s->last_sect = p[5];
}

static int vf_model_indirect(const struct vf_model *m, const struct vf_req *req)
{
	static struct vf_seg segs[VF_MAX_IND_SEGS];
	unsigned int i, n = req->nr_segs;
	const u8 *page = NULL;

	if (!m->max_indirect)
		return BLKIF_RSP_EOPNOTSUPP;
	if (req->indirect_op != BLKIF_OP_READ &&
	    req->indirect_op != BLKIF_OP_WRITE)
		return BLKIF_RSP_ERROR;
	if (!n || n > m->max_indirect || n > VF_MAX_IND_SEGS)
		return BLKIF_RSP_ERROR;
	for (i = 0; i < n; i++) {
		if (i % VF_SEGS_PER_IND_PAGE == 0) {
			page = m->page(m->ctx,
				       req->ind_grefs[i / VF_SEGS_PER_IND_PAGE]);
			if (!page)
				return BLKIF_RSP_ERROR;
		}
		vf_model_decode_seg(page + (i % VF_SEGS_PER_IND_PAGE) *
				    VF_SEG_SIZE, &segs[i]);
	}
	return vf_model_data(m, req->indirect_op, req->sector, segs, n);
}

/**
 * vf_model_status() - the status a request must be answered with
 * @m: what the backend offered and what the frontend granted
 * @req: the request, as it will be encoded (counts truncated to the wire)
 *
 * Return: BLKIF_RSP_OKAY, BLKIF_RSP_ERROR or BLKIF_RSP_EOPNOTSUPP.
 */
int vf_model_status(const struct vf_model *m, const struct vf_req *req)
{
	unsigned int n = (u8)req->nr_segs;

	switch (req->op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (!n || n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		return vf_model_data(m, req->op, req->sector, req->segs, n);
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		return vf_model_data(m, req->op, req->sector, req->segs, n);
	case BLKIF_OP_DISCARD:
		if (!m->discard)
			return BLKIF_RSP_EOPNOTSUPP;
		if (!req->nr_discard ||
		    !vf_model_range(m, req->sector, req->nr_discard))
			return BLKIF_RSP_ERROR;
		return BLKIF_RSP_OKAY;
	case BLKIF_OP_INDIRECT:
		return vf_model_indirect(m, req);
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}
