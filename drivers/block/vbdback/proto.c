// SPDX-License-Identifier: GPL-2.0
/*
 * blkif wire format: every byte the frontend controls is read here, from a
 * private copy of the ring slot, and nowhere else.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include <xen/interface/io/protocols.h>

#include "proto.h"

/*
 * Byte offsets of the fields of one request layout. Every request starts
 * with the operation; id and sector sit at the same place in all of them.
 */
struct vbd_layout {
	unsigned int req_size;
	unsigned int rsp_size;
	unsigned int id;
	unsigned int sector;
	unsigned int seg;		/* read/write: first segment */
	unsigned int ind_handle;	/* indirect: handle */
	unsigned int ind_grefs;		/* indirect: indirect_grefs[] */
	unsigned int nr_discard;	/* discard: nr_sectors */
};

#define VBD_OFF_OPERATION	0
#define VBD_OFF_NR_SEGMENTS	1	/* read/write: u8 */
#define VBD_OFF_HANDLE		2	/* read/write, discard */
#define VBD_OFF_INDIRECT_OP	1
#define VBD_OFF_IND_NR_SEGS	2	/* indirect: u16 */
#define VBD_OFF_DISCARD_FLAGS	1
#define VBD_RSP_OFF_ID		0
#define VBD_RSP_OFF_OPERATION	8
#define VBD_RSP_OFF_STATUS	10

static const struct vbd_layout vbd_layouts[] = {
	/* 64-bit fields naturally aligned: 4 bytes of padding after handle. */
	[VBD_ABI_X86_64] = {
		.req_size = 112, .rsp_size = 16,
		.id = 8, .sector = 16, .seg = 24,
		.ind_handle = 24, .ind_grefs = 28, .nr_discard = 24,
	},
	/* i386 aligns 64-bit fields to 4 bytes: no padding before them. */
	[VBD_ABI_X86_32] = {
		.req_size = 108, .rsp_size = 12,
		.id = 4, .sector = 12, .seg = 20,
		.ind_handle = 20, .ind_grefs = 24, .nr_discard = 20,
	},
};

/* The ring is little-endian x86 memory; copy out to avoid unaligned loads. */
static u16 vbd_get16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u32 vbd_get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u64 vbd_get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/**
 * vbd_proto_parse_abi() - map the frontend's "protocol" key to a layout
 * @protocol: the key's value, or NULL when the frontend wrote none
 * @abi: where to store the layout
 *
 * Return: 0, or -EINVAL for a protocol this backend does not speak.
 */
int vbd_proto_parse_abi(const char *protocol, enum vbd_abi *abi)
{
	if (!protocol || !strcmp(protocol, XEN_IO_PROTO_ABI_X86_64))
		*abi = VBD_ABI_X86_64;
	else if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_32))
		*abi = VBD_ABI_X86_32;
	else
		return -EINVAL;
	return 0;
}

/**
 * vbd_proto_geom() - compute the slot layout of a shared ring
 * @abi: request layout
 * @ring_bytes: size of the shared ring mapping (one or more pages)
 * @geom: result
 *
 * The number of slots is rounded down to a power of two, as the frontend's
 * ring macros do, so that indices can be masked.
 */
void vbd_proto_geom(enum vbd_abi abi, unsigned int ring_bytes,
		    struct vbd_ring_geom *geom)
{
	const struct vbd_layout *l = &vbd_layouts[abi];
	unsigned int slots, pow2 = 1;

	geom->req_size = l->req_size;
	geom->rsp_size = l->rsp_size;
	geom->slot_size = l->req_size > l->rsp_size ? l->req_size : l->rsp_size;
	slots = ring_bytes > VBD_SRING_HDR_SIZE ?
		(ring_bytes - VBD_SRING_HDR_SIZE) / geom->slot_size : 0;
	while (pow2 * 2 <= slots)
		pow2 *= 2;
	geom->nr_ents = slots ? pow2 : 0;
}

/**
 * vbd_proto_prod_ok() - check a producer index published by the frontend
 * @req_prod: the frontend's req_prod, read once
 * @rsp_prod_pvt: responses the backend has produced
 * @nr_ents: slots in the ring
 *
 * A frontend can never have more requests outstanding than the ring holds;
 * an index beyond that is a broken or hostile frontend.
 *
 * Return: true if @req_prod is plausible.
 */
bool vbd_proto_prod_ok(u32 req_prod, u32 rsp_prod_pvt, unsigned int nr_ents)
{
	return (u32)(req_prod - rsp_prod_pvt) <= nr_ents;
}

static void vbd_proto_decode_seg(const u8 *s, struct vbd_seg *seg)
{
	seg->gref = vbd_get32(s);
	seg->first_sect = s[4];
	seg->last_sect = s[5];
}

static void vbd_proto_decode_indirect(const struct vbd_layout *l,
				      const u8 *raw, struct vbd_request *req)
{
	unsigned int i;

	req->indirect_op = raw[VBD_OFF_INDIRECT_OP];
	req->nr_segments = vbd_get16(raw + VBD_OFF_IND_NR_SEGS);
	req->handle = vbd_get16(raw + l->ind_handle);
	for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		req->indirect_grefs[i] = vbd_get32(raw + l->ind_grefs + 4 * i);
}

/**
 * vbd_proto_decode() - decode a request from a private copy of its slot
 * @abi: layout of the slot
 * @raw: the private copy (at least the layout's request size)
 * @req: decoded request
 * @segs: room for BLKIF_MAX_SEGMENTS_PER_REQUEST segments; a direct read
 *        or write request's segments (at most that many) are decoded here
 *
 * Decoding never fails: validation is a separate step, so that a bad request
 * still yields the id and operation to answer with.
 */
void vbd_proto_decode(enum vbd_abi abi, const u8 *raw, struct vbd_request *req,
		      struct vbd_seg *segs)
{
	const struct vbd_layout *l = &vbd_layouts[abi];
	unsigned int i, n;

	memset(req, 0, sizeof(*req));
	req->operation = raw[VBD_OFF_OPERATION];
	req->id = vbd_get64(raw + l->id);
	req->sector = vbd_get64(raw + l->sector);

	switch (req->operation) {
	case BLKIF_OP_INDIRECT:
		vbd_proto_decode_indirect(l, raw, req);
		return;
	case BLKIF_OP_DISCARD:
		req->discard_flags = raw[VBD_OFF_DISCARD_FLAGS];
		req->handle = vbd_get16(raw + VBD_OFF_HANDLE);
		req->nr_discard = vbd_get64(raw + l->nr_discard);
		return;
	default:
		break;
	}
	req->nr_segments = raw[VBD_OFF_NR_SEGMENTS];
	req->handle = vbd_get16(raw + VBD_OFF_HANDLE);
	n = req->nr_segments;
	if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	for (i = 0; i < n; i++)
		vbd_proto_decode_seg(raw + l->seg + i * VBD_SEG_SIZE, &segs[i]);
}

/**
 * vbd_proto_decode_indirect_segs() - decode an indirect request's segments
 * @raw: private copy of the indirect pages' contents, laid end to end
 * @nr_segs: segments to decode (already validated against the limit)
 * @segs: result
 */
void vbd_proto_decode_indirect_segs(const u8 *raw, unsigned int nr_segs,
				    struct vbd_seg *segs)
{
	unsigned int i;

	for (i = 0; i < nr_segs; i++)
		vbd_proto_decode_seg(raw + i * VBD_SEG_SIZE, &segs[i]);
}

/**
 * vbd_proto_rsp_op() - the operation a response to this request carries
 * @req: decoded request
 *
 * The frontend matches a response to an indirect request against the
 * operation the indirect request carried out, not against BLKIF_OP_INDIRECT.
 *
 * Return: the operation to echo.
 */
u8 vbd_proto_rsp_op(const struct vbd_request *req)
{
	return req->operation == BLKIF_OP_INDIRECT ? req->indirect_op :
						     req->operation;
}

static int vbd_proto_kind(u8 operation, enum vbd_io_kind *kind,
			  unsigned int *min_segs)
{
	*min_segs = 0;
	switch (operation) {
	case BLKIF_OP_READ:
		*kind = VBD_IO_READ;
		*min_segs = 1;
		return 0;
	case BLKIF_OP_WRITE:
		*kind = VBD_IO_WRITE;
		*min_segs = 1;
		return 0;
	case BLKIF_OP_FLUSH_DISKCACHE:
		*kind = VBD_IO_FLUSH;
		return 0;
	case BLKIF_OP_WRITE_BARRIER:
		*kind = VBD_IO_BARRIER;
		return 0;
	case BLKIF_OP_DISCARD:
		*kind = VBD_IO_DISCARD;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* Only reads and writes may be indirect, up to what was advertised. */
static int vbd_proto_check_indirect(const struct vbd_request *req,
				    const struct vbd_limits *lim,
				    struct vbd_io *io)
{
	if (!lim->max_indirect_segs)
		return -EOPNOTSUPP;
	if (req->indirect_op != BLKIF_OP_READ &&
	    req->indirect_op != BLKIF_OP_WRITE)
		return -EINVAL;
	if (!req->nr_segments || req->nr_segments > lim->max_indirect_segs)
		return -EINVAL;
	io->kind = req->indirect_op == BLKIF_OP_READ ? VBD_IO_READ :
						       VBD_IO_WRITE;
	io->nr_indirect = (req->nr_segments + VBD_SEGS_PER_INDIRECT_PAGE - 1) /
			  VBD_SEGS_PER_INDIRECT_PAGE;
	return 0;
}

/* sector..sector+len must lie inside the device, and wraps are refused. */
static int vbd_proto_check_range(u64 sector, u64 len,
				 const struct vbd_limits *lim)
{
	if ((sector | len) & (lim->lbs_sectors - 1))
		return -EINVAL;
	if (sector > lim->nr_sectors || len > lim->nr_sectors - sector)
		return -ERANGE;
	return 0;
}

static int vbd_proto_check_discard(const struct vbd_request *req,
				   const struct vbd_limits *lim,
				   struct vbd_io *io)
{
	if (!lim->discard)
		return -EOPNOTSUPP;
	if (!req->nr_discard)
		return -EINVAL;
	/* The flag is to be ignored where secure discard was not offered. */
	if ((req->discard_flags & BLKIF_DISCARD_SECURE) && lim->secure_discard)
		io->kind = VBD_IO_SECURE_ERASE;
	io->nr_sectors = req->nr_discard;
	return vbd_proto_check_range(req->sector, req->nr_discard, lim);
}

/**
 * vbd_proto_validate_op() - check a decoded request's operation and counts
 * @req: decoded request
 * @lim: what the backing device and the negotiation accept
 * @io: what to execute, filled in as far as the request alone tells
 *
 * A discard is validated completely here. For reads and writes the segments
 * are checked by vbd_proto_validate_data(), once an indirect request's have
 * been fetched (@io->nr_indirect pages of them).
 *
 * Return: 0; -EOPNOTSUPP for an operation this backend does not offer;
 * -EINVAL for a malformed request; -EROFS for a write to a read-only disk;
 * -ERANGE for a discard outside the device.
 */
int vbd_proto_validate_op(const struct vbd_request *req,
			  const struct vbd_limits *lim, struct vbd_io *io)
{
	unsigned int min_segs;
	int err;

	memset(io, 0, sizeof(*io));
	io->rsp_op = vbd_proto_rsp_op(req);
	if (req->operation == BLKIF_OP_INDIRECT) {
		err = vbd_proto_check_indirect(req, lim, io);
		if (err)
			return err;
	} else {
		err = vbd_proto_kind(req->operation, &io->kind, &min_segs);
		if (err)
			return err;
		if (req->nr_segments < min_segs ||
		    req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return -EINVAL;
	}
	if (io->kind != VBD_IO_READ && lim->readonly)
		return -EROFS;
	if (io->kind == VBD_IO_DISCARD)
		return vbd_proto_check_discard(req, lim, io);
	io->nr_segments = req->nr_segments;
	return 0;
}

/* Sum the segments' sectors; each must lie in its page and be aligned. */
static int vbd_proto_check_segs(const struct vbd_seg *segs, unsigned int n,
				unsigned int lbs_sectors, u64 *nr_sectors)
{
	unsigned int mask, i;
	u64 total = 0;

	mask = (lbs_sectors < VBD_SECTORS_PER_PAGE ?
		lbs_sectors : VBD_SECTORS_PER_PAGE) - 1;
	for (i = 0; i < n; i++) {
		const struct vbd_seg *s = &segs[i];

		if (s->first_sect > s->last_sect ||
		    s->last_sect >= VBD_SECTORS_PER_PAGE)
			return -EINVAL;
		if ((s->first_sect | (s->last_sect + 1U)) & mask)
			return -EINVAL;
		total += s->last_sect - s->first_sect + 1U;
	}
	*nr_sectors = total;
	return 0;
}

/**
 * vbd_proto_validate_data() - check the segments of a read or write
 * @req: decoded request, accepted by vbd_proto_validate_op()
 * @segs: its @io->nr_segments segments
 * @lim: what the backing device accepts
 * @io: completed with the number of sectors
 *
 * Return: 0; -EINVAL for a malformed segment or misaligned data; -ERANGE
 * for data outside the device.
 */
int vbd_proto_validate_data(const struct vbd_request *req,
			    const struct vbd_seg *segs,
			    const struct vbd_limits *lim, struct vbd_io *io)
{
	u64 nr_sectors;
	int err;

	if (io->kind == VBD_IO_DISCARD || io->kind == VBD_IO_SECURE_ERASE)
		return 0;
	err = vbd_proto_check_segs(segs, io->nr_segments, lim->lbs_sectors,
				   &nr_sectors);
	if (err)
		return err;
	io->nr_sectors = nr_sectors;
	/* A pure flush carries no data, so its sector is meaningless. */
	if (!nr_sectors)
		return 0;
	return vbd_proto_check_range(req->sector, nr_sectors, lim);
}

/**
 * vbd_proto_validate() - check a decoded direct request completely
 * @req: decoded request
 * @segs: the segments vbd_proto_decode() decoded beside it
 * @lim: what the backing device accepts
 * @io: on success, what to execute
 *
 * Return: as vbd_proto_validate_op(), then vbd_proto_validate_data(); an
 * indirect request is refused with -EINVAL (its segments are not in @segs).
 */
int vbd_proto_validate(const struct vbd_request *req,
		       const struct vbd_seg *segs,
		       const struct vbd_limits *lim, struct vbd_io *io)
{
	int err;

	err = vbd_proto_validate_op(req, lim, io);
	if (err)
		return err;
	if (io->nr_indirect)
		return -EINVAL;
	return vbd_proto_validate_data(req, segs, lim, io);
}

/**
 * vbd_proto_status() - the one mapping from an errno to a blkif status
 * @err: 0 or a negative errno from validation or from the block layer
 *
 * Return: BLKIF_RSP_OKAY, BLKIF_RSP_EOPNOTSUPP or BLKIF_RSP_ERROR.
 */
s16 vbd_proto_status(int err)
{
	if (!err)
		return BLKIF_RSP_OKAY;
	if (err == -EOPNOTSUPP)
		return BLKIF_RSP_EOPNOTSUPP;
	return BLKIF_RSP_ERROR;
}

/**
 * vbd_proto_encode_rsp() - lay out a response for the frontend
 * @abi: layout of the slot
 * @raw: buffer of the layout's response size
 * @id: the request's id
 * @operation: the request's operation
 * @status: BLKIF_RSP_*
 *
 * Every byte is written, padding included, so no backend memory leaks into
 * the guest.
 */
void vbd_proto_encode_rsp(enum vbd_abi abi, u8 *raw, u64 id, u8 operation,
			  s16 status)
{
	memset(raw, 0, vbd_layouts[abi].rsp_size);
	memcpy(raw + VBD_RSP_OFF_ID, &id, sizeof(id));
	raw[VBD_RSP_OFF_OPERATION] = operation;
	memcpy(raw + VBD_RSP_OFF_STATUS, &status, sizeof(status));
}
