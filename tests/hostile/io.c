// SPDX-License-Identifier: GPL-2.0
/*
 * Well-formed requests over the granted data pages, and the check that the
 * ring still serves: a pattern written, read back into other pages, and
 * compared.
 */
#include <stdio.h>
#include <string.h>

#include "vbdfront.h"

/* Pages [0, VF_RD_BASE) are written from, [VF_RD_BASE, 256) read into. */
#define VF_RD_BASE	(VF_NR_DATA / 2)
#define VF_IO_TIMEOUT_MS	30000

u64 vf_new_id(struct vf *vf)
{
	return ++vf->next_id;
}

/* A read or write of nr_segs whole pages, from data page first_page on. */
void vf_req_rw(struct vf *vf, struct vf_req *req, u8 op, u64 sector,
	       unsigned int first_page, unsigned int nr_segs)
{
	unsigned int i;

	memset(req, 0, sizeof(*req));
	req->op = op;
	req->id = vf_new_id(vf);
	req->sector = sector;
	req->nr_segs = nr_segs;
	req->handle = vf->devid;
	for (i = 0; i < nr_segs && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		req->segs[i].gref = vf->data.grefs[(first_page + i) % VF_NR_DATA];
		req->segs[i].first_sect = 0;
		req->segs[i].last_sect = 7;
	}
}

/*
 * An indirect read or write of nr_segs whole pages; segs (room for
 * VF_MAX_IND_SEGS) receives the segments, which are also written into the
 * indirect pages, so callers may change them and encode again.
 */
void vf_req_indirect(struct vf *vf, struct vf_req *req, u8 op,
		     u64 sector, unsigned int first_page,
		     unsigned int nr_segs, struct vf_seg *segs)
{
	unsigned int i, n = nr_segs > VF_MAX_IND_SEGS ? VF_MAX_IND_SEGS : nr_segs;

	memset(req, 0, sizeof(*req));
	req->op = BLKIF_OP_INDIRECT;
	req->indirect_op = op;
	req->id = vf_new_id(vf);
	req->sector = sector;
	req->nr_segs = nr_segs;
	req->handle = vf->devid;
	for (i = 0; i < n; i++) {
		segs[i].gref = vf->data.grefs[(first_page + i) % VF_NR_DATA];
		segs[i].first_sect = 0;
		segs[i].last_sect = 7;
	}
	for (i = 0; i < VF_MAX_IND_PAGES; i++)
		req->ind_grefs[i] = vf->ind.grefs[i];
	memset(vf->ind.map, 0, (size_t)VF_MAX_IND_PAGES * VF_PAGE_SIZE);
	vf_blkif_encode_ind_segs(segs, n, vf->ind.map);
}

/* Bytes that differ for every tag and every offset. */
void vf_fill_pattern(u8 *buf, size_t len, u64 tag)
{
	u64 x = tag * 0x9e3779b97f4a7c15ULL + 1;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
}

/* Send one request and wait for its answer. Return: 0, or -1 for none. */
int vf_submit_wait(struct vf *vf, const struct vf_req *req,
		   struct vf_rsp *rsp, int timeout_ms)
{
	vf_ring_put(vf, req);
	vf_ring_push(vf);
	if (vf_ring_collect(vf, rsp, 1, timeout_ms) != 1)
		return -1;
	return 0;
}

static int vf_rw(struct vf *vf, u8 op, u64 sector,
		 unsigned int first_page, unsigned int nr_segs, bool indirect,
		 char *why, size_t len)
{
	static struct vf_seg segs[VF_MAX_IND_SEGS];
	struct vf_rsp rsp;
	struct vf_req req;

	if (indirect)
		vf_req_indirect(vf, &req, op, sector, first_page, nr_segs, segs);
	else
		vf_req_rw(vf, &req, op, sector, first_page, nr_segs);
	if (vf_submit_wait(vf, &req, &rsp, VF_IO_TIMEOUT_MS)) {
		snprintf(why, len, "no answer to a good %s", op ? "write" : "read");
		return -1;
	}
	if (rsp.status != BLKIF_RSP_OKAY || rsp.id != req.id || rsp.op != op) {
		snprintf(why, len, "good %s answered id %llu op %u status %d (sent id %llu)",
			 op ? "write" : "read", rsp.id, rsp.op, rsp.status,
			 req.id);
		return -1;
	}
	return 0;
}

/*
 * Write nr_segs pages of a pattern at sector, read them back into other
 * pages, compare. Return: 0, or -1 with the reason in why.
 */
int vf_check_io(struct vf *vf, u64 sector, unsigned int nr_segs,
		bool indirect, u64 tag, char *why, size_t len)
{
	size_t bytes = (size_t)nr_segs * VF_PAGE_SIZE;
	u8 *wr = vf->data.map, *rd = vf->data.map + VF_RD_BASE * VF_PAGE_SIZE;
	size_t i;

	if (nr_segs > VF_RD_BASE)
		nr_segs = VF_RD_BASE;
	vf_fill_pattern(wr, bytes, tag);
	memset(rd, 0xa5, bytes);
	if (vf_rw(vf, BLKIF_OP_WRITE, sector, 0, nr_segs, indirect, why, len) ||
	    vf_rw(vf, BLKIF_OP_READ, sector, VF_RD_BASE, nr_segs, indirect,
		  why, len))
		return -1;
	if (memcmp(wr, rd, bytes)) {
		for (i = 0; i < bytes && wr[i] == rd[i]; i++)
			;
		snprintf(why, len, "data read back differs at byte %zu of %zu (sector %llu)",
			 i, bytes, sector);
		return -1;
	}
	return 0;
}
