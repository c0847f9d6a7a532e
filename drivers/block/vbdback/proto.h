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

/**
 * struct vbd_request - a request decoded from the backend's private copy
 * @id: opaque identifier echoed in the response
 * @sector: first 512-byte sector on the device
 * @operation: BLKIF_OP_*
 * @nr_segments: number of entries of @seg the frontend claims
 * @handle: virtual device handle
 * @seg: data segments (only the first min(@nr_segments, 11) are decoded)
 */
struct vbd_request {
	u64 id;
	u64 sector;
	u8 operation;
	u8 nr_segments;
	u16 handle;
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/**
 * struct vbd_limits - what the backing device accepts
 * @nr_sectors: capacity in 512-byte sectors
 * @lbs_sectors: logical block size in 512-byte sectors (power of two)
 * @readonly: writes are refused
 */
struct vbd_limits {
	u64 nr_sectors;
	unsigned int lbs_sectors;
	bool readonly;
};

/* What a validated request asks the block layer to do. */
enum vbd_io_kind {
	VBD_IO_READ,
	VBD_IO_WRITE,
	VBD_IO_FLUSH,		/* preflush, then optional data written FUA */
	VBD_IO_BARRIER,		/* as FLUSH, ordered against all others */
};

/**
 * struct vbd_io - a validated request, ready to execute
 * @kind: what to do
 * @nr_segments: number of data segments (0 only for a pure flush)
 * @nr_sectors: total 512-byte sectors of data
 */
struct vbd_io {
	enum vbd_io_kind kind;
	unsigned int nr_segments;
	u32 nr_sectors;
};

int vbd_proto_parse_abi(const char *protocol, enum vbd_abi *abi);
void vbd_proto_geom(enum vbd_abi abi, unsigned int ring_bytes,
		    struct vbd_ring_geom *geom);
bool vbd_proto_prod_ok(u32 req_prod, u32 rsp_prod_pvt, unsigned int nr_ents);
void vbd_proto_decode(enum vbd_abi abi, const u8 *raw,
		      struct vbd_request *req);
int vbd_proto_validate(const struct vbd_request *req,
		       const struct vbd_limits *lim, struct vbd_io *io);
s16 vbd_proto_status(int err);
void vbd_proto_encode_rsp(enum vbd_abi abi, u8 *raw, u64 id, u8 operation,
			  s16 status);

#endif /* VBDBACK_PROTO_H */
