/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire format of the blkif protocol: decoding requests from a private copy of
 * a ring slot, validating them against the backing device, encoding
 * responses. Pure logic with no kernel state, so that the same file is built
 * into the module and into the userspace unit tests.
 */
#ifndef VBDBACK_PROTO_H
#define VBDBACK_PROTO_H

#include <linux/types.h>
#include <xen/interface/io/blkif.h>

/*
 * Ring layouts. A 64-bit backend serves frontends that lay requests out as
 * x86_64 ("native") or as 32-bit x86 does (no padding before 64-bit fields).
 */
enum vbd_abi {
	VBD_ABI_X86_64,
	VBD_ABI_X86_32,
};

/* Size of the shared ring header (indices and padding) before the slots. */
#define VBD_SRING_HDR_SIZE		64
/* Largest request slot of any layout: x86_64's struct blkif_request. */
#define VBD_REQ_MAX_SIZE		112
#define VBD_RSP_MAX_SIZE		16

/* Sectors on the wire are always 512 bytes; segments live in 4 KiB pages. */
#define VBD_SECTOR_SHIFT		9
#define VBD_SECTORS_PER_PAGE		8
#define VBD_PAGE_SIZE			4096
/* Size of one struct blkif_request_segment, in a slot or an indirect page. */
#define VBD_SEG_SIZE			8
#define VBD_SEGS_PER_INDIRECT_PAGE	(VBD_PAGE_SIZE / VBD_SEG_SIZE)
/* The most segments an indirect request can describe at all. */
#define VBD_MAX_INDIRECT_SEGS		(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * \
					 VBD_SEGS_PER_INDIRECT_PAGE)

/**
 * struct vbd_ring_geom - byte layout of one ring for one ABI
 * @req_size: bytes of a request in a slot
 * @rsp_size: bytes of a response in a slot
 * @slot_size: distance between two slots
 * @nr_ents: number of slots, a power of two
 */
struct vbd_ring_geom {
	unsigned int req_size;
	unsigned int rsp_size;
	unsigned int slot_size;
	unsigned int nr_ents;
};

/**
 * struct vbd_seg - one data segment of a request, as the frontend sent it
 * @gref: grant reference of the guest page
 * @first_sect: first 512-byte sector in the page
 * @last_sect: last 512-byte sector in the page (inclusive)
 */
struct vbd_seg {
	u32 gref;
	u8 first_sect;
	u8 last_sect;
};

/* Where a validated segment's data starts in its page, in bytes. */
static inline unsigned int vbd_seg_offset(const struct vbd_seg *s)
{
	return s->first_sect << VBD_SECTOR_SHIFT;
}

/* How many bytes of data a validated segment carries. */
static inline unsigned int vbd_seg_len(const struct vbd_seg *s)
{
	return (s->last_sect - s->first_sect + 1) << VBD_SECTOR_SHIFT;
}

/**
 * struct vbd_request - a request decoded from the backend's private copy
 * @id: opaque identifier echoed in the response
 * @sector: first 512-byte sector on the device
 * @nr_discard: sectors to discard (BLKIF_OP_DISCARD only)
 * @operation: BLKIF_OP_* as on the wire (BLKIF_OP_INDIRECT for indirect)
 * @indirect_op: the operation an indirect request carries out
 * @discard_flags: BLKIF_DISCARD_* (BLKIF_OP_DISCARD only)
 * @nr_segments: number of segments the frontend claims
 * @handle: virtual device handle
 * @indirect_grefs: grants of the pages holding an indirect request's segments
 *
 * The segments of a direct request are decoded beside it, into an array
 * the caller owns; those of an indirect request are fetched from the guest
 * and decoded with vbd_proto_decode_indirect_segs().
 */
struct vbd_request {
	u64 id;
	u64 sector;
	u64 nr_discard;
	u8 operation;
	u8 indirect_op;
	u8 discard_flags;
	u16 nr_segments;
	u16 handle;
	u32 indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

/**
 * struct vbd_limits - what the backing device and the negotiation accept
 * @nr_sectors: capacity in 512-byte sectors
 * @lbs_sectors: logical block size in 512-byte sectors (power of two)
 * @max_indirect_segs: segments of an indirect request (0: none offered)
 * @readonly: writes are refused
 * @discard: discards were offered
 * @secure_discard: secure discards were offered
 */
struct vbd_limits {
	u64 nr_sectors;
	unsigned int lbs_sectors;
	unsigned int max_indirect_segs;
	bool readonly;
	bool discard;
	bool secure_discard;
};

/* What a validated request asks the block layer to do. */
enum vbd_io_kind {
	VBD_IO_READ,
	VBD_IO_WRITE,
	VBD_IO_FLUSH,		/* preflush, then optional data written FUA */
	VBD_IO_BARRIER,		/* as FLUSH, ordered against all others */
	VBD_IO_DISCARD,
	VBD_IO_SECURE_ERASE,
};

/**
 * struct vbd_io - a validated request, ready to execute
 * @kind: what to do
 * @rsp_op: the operation to answer with (the indirect one for indirect)
 * @nr_segments: number of data segments (0 for a pure flush or a discard)
 * @nr_indirect: pages holding the segments of an indirect request, or 0
 * @nr_sectors: total 512-byte sectors of data, or to discard
 */
struct vbd_io {
	enum vbd_io_kind kind;
	u8 rsp_op;
	unsigned int nr_segments;
	unsigned int nr_indirect;
	u64 nr_sectors;
};

int vbd_proto_parse_abi(const char *protocol, enum vbd_abi *abi);
void vbd_proto_geom(enum vbd_abi abi, unsigned int ring_bytes,
		    struct vbd_ring_geom *geom);
bool vbd_proto_prod_ok(u32 req_prod, u32 rsp_prod_pvt, unsigned int nr_ents);
void vbd_proto_decode(enum vbd_abi abi, const u8 *raw,
		      struct vbd_request *req, struct vbd_seg *segs);
void vbd_proto_decode_indirect_segs(const u8 *raw, unsigned int nr_segs,
				    struct vbd_seg *segs);
u8 vbd_proto_rsp_op(const struct vbd_request *req);
int vbd_proto_validate_op(const struct vbd_request *req,
			  const struct vbd_limits *lim, struct vbd_io *io);
int vbd_proto_validate_data(const struct vbd_request *req,
			    const struct vbd_seg *segs,
			    const struct vbd_limits *lim, struct vbd_io *io);
int vbd_proto_validate(const struct vbd_request *req,
		       const struct vbd_seg *segs,
		       const struct vbd_limits *lim, struct vbd_io *io);
s16 vbd_proto_status(int err);
void vbd_proto_encode_rsp(enum vbd_abi abi, u8 *raw, u64 id, u8 operation,
			  s16 status);

#endif /* VBDBACK_PROTO_H */
