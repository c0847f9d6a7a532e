// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the blkif wire format (drivers/block/vbdback/proto.c).
 *
 * Every byte of a request comes from the guest, so decoding and validation
 * must keep their promises for any bytes at all: a request they accept
 * describes I/O inside the device, in well-formed segments, of a kind the
 * negotiation allows. Requests go through the same calls, in the same order,
 * as in ring.c and io.c, and the target traps as soon as a promise is broken;
 * ASan sees every buffer at its exact size, so a read past one is caught too.
 *
 * Input layout (missing bytes read as zero):
 *   byte 0         configuration, see fuzz_limits()
 *   bytes 1..8     device size in 512-byte sectors, u64 little-endian
 *   next 112       the private copy of one ring slot (VBD_REQ_MAX_SIZE)
 *   the rest       an indirect request's segments, as its pages hold them
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include <xen/interface/io/protocols.h>

#include "proto.h"

#define FUZZ_CFG_SIZE		1
#define FUZZ_HDR_SIZE		(FUZZ_CFG_SIZE + 8)
#define FUZZ_FIXED_SIZE		(FUZZ_HDR_SIZE + VBD_REQ_MAX_SIZE)

/* Bits of the configuration byte. */
#define FUZZ_CFG_X86_32		0x01	/* else x86_64 */
#define FUZZ_CFG_LBS_4K		0x02	/* 4 KiB logical blocks, else 512 */
#define FUZZ_CFG_INDIRECT	0x0c	/* index into fuzz_indirect_limits[] */
#define FUZZ_CFG_INDIRECT_SHIFT	2
#define FUZZ_CFG_DISCARD	0x10
#define FUZZ_CFG_SECURE		0x20
#define FUZZ_CFG_READONLY	0x40

/* None offered, a typical value, and everything one request can hold. */
static const unsigned int fuzz_indirect_limits[] = {
	0, 256, VBD_MAX_INDIRECT_SEGS, VBD_MAX_INDIRECT_SEGS,
};

/* Room past a response, to see that encoding writes nothing there. */
#define FUZZ_CANARY		0xa5
#define FUZZ_CANARY_SIZE	16

/*
 * An assertion that survives any build flags, and that names what broke:
 * libFuzzer takes the trap for a crash and keeps the input.
 */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		__builtin_trap();					\
	}								\
} while (0)

static u64 fuzz_get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void fuzz_limits(const u8 *hdr, enum vbd_abi *abi,
			struct vbd_limits *lim)
{
	u8 cfg = hdr[0];

	*abi = cfg & FUZZ_CFG_X86_32 ? VBD_ABI_X86_32 : VBD_ABI_X86_64;
	memset(lim, 0, sizeof(*lim));
	/* Any size: the range check must not wrap even near U64_MAX. */
	lim->nr_sectors = fuzz_get64(hdr + FUZZ_CFG_SIZE);
	lim->lbs_sectors = cfg & FUZZ_CFG_LBS_4K ? VBD_SECTORS_PER_PAGE : 1;
	lim->max_indirect_segs = fuzz_indirect_limits[(cfg & FUZZ_CFG_INDIRECT) >>
						      FUZZ_CFG_INDIRECT_SHIFT];
	lim->discard = cfg & FUZZ_CFG_DISCARD;
	lim->secure_discard = cfg & FUZZ_CFG_SECURE;
	lim->readonly = cfg & FUZZ_CFG_READONLY;
}

/* Only these errors are documented, and each maps to one blkif status. */
static void fuzz_check_err(int err)
{
	s16 status = vbd_proto_status(err);

	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -EOPNOTSUPP ||
		    err == -EROFS || err == -ERANGE);
	if (!err)
		FUZZ_ASSERT(status == BLKIF_RSP_OKAY);
	else if (err == -EOPNOTSUPP)
		FUZZ_ASSERT(status == BLKIF_RSP_EOPNOTSUPP);
	else
		FUZZ_ASSERT(status == BLKIF_RSP_ERROR);
}

/*
 * Each segment lies in its page and, as the block layer needs, covers whole
 * logical blocks; together they make up @io->nr_sectors.
 */
static void fuzz_check_segs(const struct vbd_seg *segs,
			    const struct vbd_limits *lim,
			    const struct vbd_io *io)
{
	unsigned int i, blk = lim->lbs_sectors < VBD_SECTORS_PER_PAGE ?
			      lim->lbs_sectors : VBD_SECTORS_PER_PAGE;
	u64 total = 0;

	for (i = 0; i < io->nr_segments; i++) {
		FUZZ_ASSERT(segs[i].first_sect <= segs[i].last_sect);
		FUZZ_ASSERT(segs[i].last_sect < VBD_SECTORS_PER_PAGE);
		FUZZ_ASSERT(segs[i].first_sect % blk == 0);
		FUZZ_ASSERT((segs[i].last_sect + 1U) % blk == 0);
		total += segs[i].last_sect - segs[i].first_sect + 1U;
	}
	FUZZ_ASSERT(io->nr_sectors == total);
}

/* A read or a write: direct up to 11 segments, indirect up to the limit. */
static void fuzz_check_data(const struct vbd_request *req,
			    const struct vbd_limits *lim,
			    const struct vbd_io *io, u8 op)
{
	FUZZ_ASSERT(io->nr_segments >= 1);
	FUZZ_ASSERT(io->nr_segments == req->nr_segments);
	FUZZ_ASSERT(io->nr_sectors >= 1);
	FUZZ_ASSERT(io->nr_sectors <=
		    (u64)io->nr_segments * VBD_SECTORS_PER_PAGE);
	if (req->operation != BLKIF_OP_INDIRECT) {
		FUZZ_ASSERT(req->operation == op);
		FUZZ_ASSERT(io->nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
		FUZZ_ASSERT(!io->nr_indirect);
		return;
	}
	FUZZ_ASSERT(req->indirect_op == op);
	FUZZ_ASSERT(lim->max_indirect_segs);
	FUZZ_ASSERT(io->nr_segments <= lim->max_indirect_segs);
	FUZZ_ASSERT(io->nr_indirect >= 1);
	FUZZ_ASSERT(io->nr_indirect <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	/* Enough pages to hold the segments, and not one more to fetch. */
	FUZZ_ASSERT(io->nr_indirect * VBD_SEGS_PER_INDIRECT_PAGE >=
		    io->nr_segments);
	FUZZ_ASSERT((io->nr_indirect - 1) * VBD_SEGS_PER_INDIRECT_PAGE <
		    io->nr_segments);
}

static void fuzz_check_accepted(const struct vbd_request *req,
				const struct vbd_seg *segs,
				const struct vbd_limits *lim,
				const struct vbd_io *io)
{
	u64 end;

	FUZZ_ASSERT(io->rsp_op == vbd_proto_rsp_op(req));
	/* A read-only disk is never written, flushed or discarded. */
	if (lim->readonly)
		FUZZ_ASSERT(io->kind == VBD_IO_READ);

	switch (io->kind) {
	case VBD_IO_READ:
		fuzz_check_data(req, lim, io, BLKIF_OP_READ);
		break;
	case VBD_IO_WRITE:
		fuzz_check_data(req, lim, io, BLKIF_OP_WRITE);
		break;
	case VBD_IO_FLUSH:
	case VBD_IO_BARRIER:
		/* Optional data, never indirect. */
		FUZZ_ASSERT(req->operation == (io->kind == VBD_IO_FLUSH ?
					       BLKIF_OP_FLUSH_DISKCACHE :
					       BLKIF_OP_WRITE_BARRIER));
		FUZZ_ASSERT(io->nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
		FUZZ_ASSERT(!io->nr_indirect);
		break;
	case VBD_IO_DISCARD:
	case VBD_IO_SECURE_ERASE:
		FUZZ_ASSERT(req->operation == BLKIF_OP_DISCARD);
		FUZZ_ASSERT(lim->discard);
		FUZZ_ASSERT(!io->nr_segments && !io->nr_indirect);
		FUZZ_ASSERT(io->nr_sectors && io->nr_sectors == req->nr_discard);
		/* Secure exactly when asked for and offered. */
		FUZZ_ASSERT((io->kind == VBD_IO_SECURE_ERASE) ==
			    ((req->discard_flags & BLKIF_DISCARD_SECURE) &&
			     lim->secure_discard));
		break;
	default:
		FUZZ_ASSERT(!"unknown io kind");
	}

	if (io->kind != VBD_IO_DISCARD && io->kind != VBD_IO_SECURE_ERASE)
		fuzz_check_segs(segs, lim, io);

	/* Whatever touches the disk stays inside it, in whole blocks. */
	if (io->nr_sectors) {
		FUZZ_ASSERT(!__builtin_add_overflow(req->sector, io->nr_sectors,
						    &end));
		FUZZ_ASSERT(end <= lim->nr_sectors);
		FUZZ_ASSERT(req->sector % lim->lbs_sectors == 0);
		FUZZ_ASSERT(io->nr_sectors % lim->lbs_sectors == 0);
	}
}

/*
 * The indirect pages as io.c leaves them: exactly @len bytes of segment
 * descriptors. Input bytes beyond the fixed part are repeated to fill them,
 * so that a short input can still describe thousands of valid segments.
 */
static u8 *fuzz_indirect_pages(const u8 *data, size_t size, size_t len)
{
	u8 *pages = malloc(len);
	size_t i;

	FUZZ_ASSERT(pages);
	if (!size) {
		memset(pages, 0, len);
		return pages;
	}
	for (i = 0; i < len; i++)
		pages[i] = data[i % size];
	return pages;
}

/* Decode an indirect request's segments page by page, as io.c does. */
static struct vbd_seg *fuzz_fetch_indirect(const struct vbd_io *io,
					   const u8 *data, size_t size)
{
	unsigned int i, n = io->nr_segments;
	struct vbd_seg *segs;
	u8 *pages;

	/* What io.c can copy: nr_indirect pages, one grant copy each. */
	FUZZ_ASSERT(io->nr_indirect <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	FUZZ_ASSERT(n <= io->nr_indirect * VBD_SEGS_PER_INDIRECT_PAGE);
	pages = fuzz_indirect_pages(data, size, (size_t)n * VBD_SEG_SIZE);
	segs = malloc(n * sizeof(*segs));
	FUZZ_ASSERT(segs);
	for (i = 0; i < io->nr_indirect; i++) {
		unsigned int first = i * VBD_SEGS_PER_INDIRECT_PAGE;
		unsigned int nr = n - first < VBD_SEGS_PER_INDIRECT_PAGE ?
				  n - first : VBD_SEGS_PER_INDIRECT_PAGE;

		vbd_proto_decode_indirect_segs(pages + first * VBD_SEG_SIZE, nr,
					       segs + first);
	}
	free(pages);
	return segs;
}

/*
 * Every byte of the response is written, the padding zeroed, and not one
 * byte more than the layout's response size.
 */
static void fuzz_check_rsp(enum vbd_abi abi, const struct vbd_ring_geom *geom,
			   const struct vbd_request *req, int err)
{
	u8 rsp[VBD_RSP_MAX_SIZE + FUZZ_CANARY_SIZE];
	s16 status = vbd_proto_status(err), st;
	u8 op = vbd_proto_rsp_op(req);
	unsigned int i;
	u64 id;

	FUZZ_ASSERT(geom->rsp_size >= 12 && geom->rsp_size <= VBD_RSP_MAX_SIZE);
	memset(rsp, FUZZ_CANARY, sizeof(rsp));
	vbd_proto_encode_rsp(abi, rsp, req->id, op, status);
	memcpy(&id, rsp, sizeof(id));
	memcpy(&st, rsp + 10, sizeof(st));
	FUZZ_ASSERT(id == req->id);
	FUZZ_ASSERT(rsp[8] == op);
	FUZZ_ASSERT(rsp[9] == 0);
	FUZZ_ASSERT(st == status);
	for (i = 12; i < geom->rsp_size; i++)
		FUZZ_ASSERT(rsp[i] == 0);
	for (i = geom->rsp_size; i < sizeof(rsp); i++)
		FUZZ_ASSERT(rsp[i] == FUZZ_CANARY);
}

/*
 * Ring geometry and producer index, from arbitrary numbers: here the
 * request's id and sector, which are as arbitrary as anything.
 */
static void fuzz_check_ring(enum vbd_abi abi, const struct vbd_request *req)
{
	u32 ring_bytes = (u32)req->sector;
	u32 req_prod = (u32)req->id, rsp_prod = (u32)(req->id >> 32);
	struct vbd_ring_geom geom;
	u64 used;
	bool ok;

	vbd_proto_geom(abi, ring_bytes, &geom);
	FUZZ_ASSERT(geom.req_size <= VBD_REQ_MAX_SIZE);
	FUZZ_ASSERT(geom.rsp_size <= VBD_RSP_MAX_SIZE);
	FUZZ_ASSERT(geom.slot_size >= geom.req_size &&
		    geom.slot_size >= geom.rsp_size);
	/* A power of two that fits, and the largest one. */
	FUZZ_ASSERT(!(geom.nr_ents & (geom.nr_ents - 1)));
	used = VBD_SRING_HDR_SIZE + (u64)geom.nr_ents * geom.slot_size;
	if (geom.nr_ents)
		FUZZ_ASSERT(used <= ring_bytes);
	FUZZ_ASSERT(used + (u64)(geom.nr_ents ? geom.nr_ents : 1) *
		    geom.slot_size > ring_bytes);

	/* Never more outstanding than the ring holds; never refuse fewer. */
	ok = vbd_proto_prod_ok(req_prod, rsp_prod, geom.nr_ents);
	FUZZ_ASSERT(ok == ((u32)(req_prod - rsp_prod) <= geom.nr_ents));
	ok = vbd_proto_prod_ok(req_prod, rsp_prod, req->handle);
	FUZZ_ASSERT(ok == ((u32)(req_prod - rsp_prod) <= req->handle));
}

/* The "protocol" key: the slot's bytes as a string, mostly garbage. */
static void fuzz_check_abi(const u8 *slot)
{
	char protocol[VBD_REQ_MAX_SIZE + 1];
	enum vbd_abi abi = (enum vbd_abi)-1;
	int err;

	memcpy(protocol, slot, VBD_REQ_MAX_SIZE);
	protocol[VBD_REQ_MAX_SIZE] = '\0';
	err = vbd_proto_parse_abi(protocol, &abi);
	if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_64))
		FUZZ_ASSERT(!err && abi == VBD_ABI_X86_64);
	else if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_32))
		FUZZ_ASSERT(!err && abi == VBD_ABI_X86_32);
	else
		FUZZ_ASSERT(err == -EINVAL);
	/* A frontend that writes no protocol is native. */
	FUZZ_ASSERT(!vbd_proto_parse_abi(NULL, &abi) && abi == VBD_ABI_X86_64);
}

/* How many segments vbd_proto_decode() fills in beside a request. */
static unsigned int fuzz_direct_segs(const struct vbd_request *req)
{
	if (req->operation == BLKIF_OP_INDIRECT ||
	    req->operation == BLKIF_OP_DISCARD)
		return 0;
	return req->nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST ?
	       req->nr_segments : BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

/*
 * Decoding depends on the slot alone: decoded again over an array full of
 * other bytes, the request and its segments come out the same. This is
 * what shows that each segment validation may look at was written.
 */
static void fuzz_check_decode(enum vbd_abi abi, const u8 *raw,
			      const struct vbd_request *req,
			      const struct vbd_seg *segs)
{
	struct vbd_seg again[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct vbd_request req2;
	unsigned int i;

	memset(again, 0xff, sizeof(again));
	vbd_proto_decode(abi, raw, &req2, again);
	FUZZ_ASSERT(!memcmp(req, &req2, sizeof(req2)));
	for (i = 0; i < fuzz_direct_segs(req); i++)
		FUZZ_ASSERT(segs[i].gref == again[i].gref &&
			    segs[i].first_sect == again[i].first_sect &&
			    segs[i].last_sect == again[i].last_sect);
}

/*
 * A direct request's segments beyond those vbd_proto_decode() filled in hold
 * whatever the array held before: make ASan report any read of them.
 */
static void fuzz_poison_segs(struct vbd_seg *segs,
			     const struct vbd_request *req)
{
	unsigned int n = fuzz_direct_segs(req);

	ASAN_POISON_MEMORY_REGION(segs + n, (BLKIF_MAX_SEGMENTS_PER_REQUEST - n) *
				  sizeof(*segs));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 fixed[FUZZ_FIXED_SIZE] = { 0 };
	struct vbd_seg *segs, *ind = NULL;
	struct vbd_ring_geom geom;
	struct vbd_limits lim;
	struct vbd_request req;
	struct vbd_io io, io1;
	int err, err_op, err1;
	enum vbd_abi abi;
	u8 *raw;

	memcpy(fixed, data, size < sizeof(fixed) ? size : sizeof(fixed));
	fuzz_limits(fixed, &abi, &lim);
	vbd_proto_geom(abi, VBD_PAGE_SIZE, &geom);

	/* ring.c copies the layout's request size, and no more is read. */
	raw = malloc(geom.req_size);
	segs = malloc(BLKIF_MAX_SEGMENTS_PER_REQUEST * sizeof(*segs));
	FUZZ_ASSERT(raw && segs);
	memcpy(raw, fixed + FUZZ_HDR_SIZE, geom.req_size);
	memset(segs, 0, BLKIF_MAX_SEGMENTS_PER_REQUEST * sizeof(*segs));
	vbd_proto_decode(abi, raw, &req, segs);
	fuzz_check_decode(abi, raw, &req, segs);
	free(raw);
	/* A segment decoding did not fill in must never be looked at. */
	fuzz_poison_segs(segs, &req);

	/* vbd_ring_validate(): the operation, the pages, then the data. */
	err_op = vbd_proto_validate_op(&req, &lim, &io);
	err = err_op;
	fuzz_check_err(err);
	FUZZ_ASSERT(io.rsp_op == vbd_proto_rsp_op(&req));
	if (!err && io.nr_indirect)
		ind = fuzz_fetch_indirect(&io, data + FUZZ_FIXED_SIZE,
					  size > FUZZ_FIXED_SIZE ?
					  size - FUZZ_FIXED_SIZE : 0);
	if (!err)
		err = vbd_proto_validate_data(&req, ind ? ind : segs, &lim,
					      &io);
	fuzz_check_err(err);
	if (!err)
		fuzz_check_accepted(&req, ind ? ind : segs, &lim, &io);

	/* The one-call check of a direct request must agree. */
	err1 = vbd_proto_validate(&req, segs, &lim, &io1);
	fuzz_check_err(err1);
	if (req.operation == BLKIF_OP_INDIRECT) {
		FUZZ_ASSERT(err1 == (err_op ? err_op : -EINVAL));
	} else {
		FUZZ_ASSERT(err1 == err);
		if (!err)
			FUZZ_ASSERT(io1.kind == io.kind &&
				    io1.rsp_op == io.rsp_op &&
				    io1.nr_segments == io.nr_segments &&
				    io1.nr_indirect == io.nr_indirect &&
				    io1.nr_sectors == io.nr_sectors);
	}
	free(ind);
	ASAN_UNPOISON_MEMORY_REGION(segs, BLKIF_MAX_SEGMENTS_PER_REQUEST *
				    sizeof(*segs));
	free(segs);

	fuzz_check_rsp(abi, &geom, &req, err);
	fuzz_check_ring(abi, &req);
	fuzz_check_abi(fixed + FUZZ_HDR_SIZE);
	return 0;
}
