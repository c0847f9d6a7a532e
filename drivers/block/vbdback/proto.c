// SPDX-License-Identifier: GPL-2.0
/*
 * blkif wire format: every byte the frontend controls is read here, from a
 * private copy of the ring slot, and nowhere else.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include <xen/interface/io/protocols.h>

#include "proto.h"

/* Byte offsets of the fields of one request layout. */
struct vbd_layout {
	unsigned int req_size;
	unsigned int rsp_size;
	unsigned int id;
	unsigned int sector;
	unsigned int seg;
};

#define VBD_SEG_SIZE		8	/* struct blkif_request_segment */
#define VBD_OFF_OPERATION	0
#define VBD_OFF_NR_SEGMENTS	1
#define VBD_OFF_HANDLE		2
#define VBD_RSP_OFF_ID		0
#define VBD_RSP_OFF_OPERATION	8
#define VBD_RSP_OFF_STATUS	10

static const struct vbd_layout vbd_layouts[] = {
	/* 64-bit fields naturally aligned: 4 bytes of padding after handle. */
	[VBD_ABI_X86_64] = {
		.req_size = 112, .rsp_size = 16,
		.id = 8, .sector = 16, .seg = 24,
	},
	/* i386 aligns 64-bit fields to 4 bytes: no padding. */
	[VBD_ABI_X86_32] = {
		.req_size = 108, .rsp_size = 12,
		.id = 4, .sector = 12, .seg = 20,
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

/**
 * vbd_proto_decode() - decode a request from a private copy of its slot
 * @abi: layout of the slot
 * @raw: the private copy (at least the layout's request size)
 * @req: decoded request
 *
 * Decoding never fails: validation is a separate step, so that a bad request
 * still yields the id and operation to answer with.
 */
void vbd_proto_decode(enum vbd_abi abi, const u8 *raw, struct vbd_request *req)
{
	const struct vbd_layout *l = &vbd_layouts[abi];
	unsigned int i, n;

	memset(req, 0, sizeof(*req));
	req->operation = raw[VBD_OFF_OPERATION];
	req->nr_segments = raw[VBD_OFF_NR_SEGMENTS];
	req->handle = vbd_get16(raw + VBD_OFF_HANDLE);
	req->id = vbd_get64(raw + l->id);
	req->sector = vbd_get64(raw + l->sector);

	n = req->nr_segments;
	if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	for (i = 0; i < n; i++) {
		const u8 *s = raw + l->seg + i * VBD_SEG_SIZE;

		req->seg[i].gref = vbd_get32(s);
		req->seg[i].first_sect = s[4];
		req->seg[i].last_sect = s[5];
	}
}

static int vbd_proto_kind(u8 operation, enum vbd_io_kind *kind,
			  unsigned int *min_segs)
{
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
		*min_segs = 0;
		return 0;
	case BLKIF_OP_WRITE_BARRIER:
		*kind = VBD_IO_BARRIER;
		*min_segs = 0;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* Sum the segments' sectors; each must lie in its page and be aligned. */
static int vbd_proto_check_segs(const struct vbd_request *req,
				unsigned int lbs_sectors, u32 *nr_sectors)
{
	unsigned int mask, i;
	u32 total = 0;

	mask = (lbs_sectors < VBD_SECTORS_PER_PAGE ?
		lbs_sectors : VBD_SECTORS_PER_PAGE) - 1;
	for (i = 0; i < req->nr_segments; i++) {
		const struct vbd_seg *s = &req->seg[i];

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
 * vbd_proto_validate() - check a decoded request against the device
 * @req: decoded request
 * @lim: what the backing device accepts
 * @io: on success, what to execute
 *
 * Return: 0; -EOPNOTSUPP for an operation this backend does not offer;
 * -EINVAL for a malformed request; -EROFS for a write to a read-only disk;
 * -ERANGE for data outside the device.
 */
int vbd_proto_validate(const struct vbd_request *req,
		       const struct vbd_limits *lim, struct vbd_io *io)
{
	unsigned int min_segs, lbs = lim->lbs_sectors;
	u32 nr_sectors;
	int err;

	err = vbd_proto_kind(req->operation, &io->kind, &min_segs);
	if (err)
		return err;
	if (req->nr_segments < min_segs ||
	    req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return -EINVAL;
	if (io->kind != VBD_IO_READ && lim->readonly)
		return -EROFS;
	err = vbd_proto_check_segs(req, lbs, &nr_sectors);
	if (err)
		return err;
	io->nr_segments = req->nr_segments;
	io->nr_sectors = nr_sectors;
	/* A pure flush carries no data, so its sector is meaningless. */
	if (!nr_sectors)
		return 0;
	if ((req->sector | nr_sectors) & (lbs - 1))
		return -EINVAL;
	if (req->sector > lim->nr_sectors ||
	    nr_sectors > lim->nr_sectors - req->sector)
		return -ERANGE;
	return 0;
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
