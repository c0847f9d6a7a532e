// SPDX-License-Identifier: GPL-2.0
/*
 * blkif wire layouts, written byte by byte so that one binary speaks both
 * ABIs whatever it was compiled for: x86_64 aligns 64-bit fields to 8 bytes
 * (4 bytes of padding after the handle), i386 to 4 (none).
 */
#include <string.h>

#include "wire.h"

struct vf_layout {
	unsigned int req_size;
	unsigned int rsp_size;
	unsigned int id;
	unsigned int sector;
	unsigned int seg;	/* read/write: seg[0] */
	unsigned int ind_handle;
	unsigned int ind_grefs;
	unsigned int nr_discard;
};

static const struct vf_layout vf_layouts[] = {
	[VF_ABI_X86_64] = {
		.req_size = 112, .rsp_size = 16, .id = 8, .sector = 16,
		.seg = 24, .ind_handle = 24, .ind_grefs = 28, .nr_discard = 24,
	},
	[VF_ABI_X86_32] = {
		.req_size = 108, .rsp_size = 12, .id = 4, .sector = 12,
		.seg = 20, .ind_handle = 20, .ind_grefs = 24, .nr_discard = 20,
	},
};

/* Response: id, then operation at 8 and status at 10 in both ABIs. */
#define VF_RSP_OP	8
#define VF_RSP_STATUS	10

/* Little-endian stores and loads that need no alignment. */
static void put16(u8 *p, u16 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, sizeof(v));
}

const char *vf_abi_name(enum vf_abi abi)
{
	return abi == VF_ABI_X86_32 ? "x86_32-abi" : "x86_64-abi";
}

unsigned int vf_blkif_req_size(enum vf_abi abi)
{
	return vf_layouts[abi].req_size;
}

unsigned int vf_blkif_rsp_size(enum vf_abi abi)
{
	return vf_layouts[abi].rsp_size;
}

/* Slots of a ring of nr_pages pages: rounded down to a power of two. */
unsigned int vf_blkif_nr_ents(enum vf_abi abi, unsigned int nr_pages)
{
	unsigned int slot = vf_layouts[abi].req_size, n, p = 1;

	n = (nr_pages * VF_PAGE_SIZE - VF_SRING_HDR) / slot;
	while (p * 2 <= n)
		p *= 2;
	return p;
}

static void vf_encode_seg(u8 *s, const struct vf_seg *seg)
{
	put32(s, seg->gref);
	s[4] = seg->first_sect;
	s[5] = seg->last_sect;
	s[6] = 0;
	s[7] = 0;
}

/*
 * Encode req into raw (the layout's request size). The layout is chosen by
 * the operation byte, as the backend decodes it: an unknown operation is
 * laid out as a read/write request.
 */
void vf_blkif_encode(enum vf_abi abi, const struct vf_req *req, u8 *raw)
{
	const struct vf_layout *l = &vf_layouts[abi];
	unsigned int i, n;

	memset(raw, 0, l->req_size);
	raw[0] = req->op;
	put64(raw + l->id, req->id);
	put64(raw + l->sector, req->sector);
	switch (req->op) {
	case BLKIF_OP_INDIRECT:
		raw[1] = req->indirect_op;
		put16(raw + 2, req->nr_segs);
		put16(raw + l->ind_handle, req->handle);
		for (i = 0; i < VF_MAX_IND_PAGES; i++)
			put32(raw + l->ind_grefs + 4 * i, req->ind_grefs[i]);
		return;
	case BLKIF_OP_DISCARD:
		raw[1] = req->discard_flags;
		put16(raw + 2, req->handle);
		put64(raw + l->nr_discard, req->nr_discard);
		return;
	default:
		break;
	}
	raw[1] = (u8)req->nr_segs;
	put16(raw + 2, req->handle);
	n = req->nr_segs;
	if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	for (i = 0; i < n; i++)
		vf_encode_seg(raw + l->seg + i * VF_SEG_SIZE, &req->segs[i]);
}

/* n segments, end to end over consecutive indirect pages. */
void vf_blkif_encode_ind_segs(const struct vf_seg *segs, unsigned int n,
			      u8 *pages)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		vf_encode_seg(pages + i * VF_SEG_SIZE, &segs[i]);
}

void vf_blkif_decode_rsp(enum vf_abi abi, const u8 *raw,
			 struct vf_rsp *rsp)
{
	(void)abi;
	memcpy(&rsp->id, raw, sizeof(rsp->id));
	rsp->op = raw[VF_RSP_OP];
	memcpy(&rsp->status, raw + VF_RSP_STATUS, sizeof(rsp->status));
}

void vf_blkif_encode_rsp(enum vf_abi abi, const struct vf_rsp *rsp,
			 u8 *raw)
{
	memset(raw, 0, vf_layouts[abi].rsp_size);
	put64(raw, rsp->id);
	raw[VF_RSP_OP] = rsp->op;
	memcpy(raw + VF_RSP_STATUS, &rsp->status, sizeof(rsp->status));
}
