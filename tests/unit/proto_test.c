// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the blkif wire format (drivers/block/vbdback/proto.c).
 *
 * The x86_64 layout is checked against Xen's own public header as libxen-dev
 * installs it; the x86_32 layout against a packed copy of it, which is how
 * i386 lays the same fields out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

#include "../include/expect.h"

/* struct blkif_request as a 32-bit x86 frontend lays it out. */
struct x86_32_request {
	u8 operation;
	u8 nr_segments;
	u16 handle;
	u64 id;
	u64 sector_number;
	struct {
		u32 gref;
		u8 first_sect;
		u8 last_sect;
		u16 pad;
	} __packed seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed;

struct x86_32_response {
	u64 id;
	u8 operation;
	u8 pad;
	s16 status;
} __packed;

static const struct vbd_limits disk_512 = {
	.nr_sectors = 2048, .lbs_sectors = 1, .readonly = false,
};

static void fill_native(struct blkif_request *r, u8 op, u8 nseg, u64 sector)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->operation = op;
	r->nr_segments = nseg;
	r->handle = 0x1234;
	r->id = 0x1122334455667788ULL;
	r->sector_number = sector;
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		r->seg[i].gref = 100 + i;
		r->seg[i].first_sect = 0;
		r->seg[i].last_sect = 7;
	}
}

/* Decode a native request built by Xen's header and validate it. */
static int check_native(const struct blkif_request *r,
			const struct vbd_limits *lim, struct vbd_io *io)
{
	struct vbd_seg segs[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	u8 raw[VBD_REQ_MAX_SIZE];
	struct vbd_request req;

	memcpy(raw, r, sizeof(*r));
	vbd_proto_decode(VBD_ABI_X86_64, raw, &req, segs);
	return vbd_proto_validate(&req, segs, lim, io);
}

static void test_geometry(void)
{
	struct vbd_ring_geom g;

	EXPECT(sizeof(struct blkif_request) == VBD_REQ_MAX_SIZE);
	EXPECT(sizeof(struct x86_32_request) == 108);
	EXPECT(offsetof(struct blkif_sring, ring) == VBD_SRING_HDR_SIZE);

	vbd_proto_geom(VBD_ABI_X86_64, 4096, &g);
	EXPECT(g.req_size == 112 && g.rsp_size == 16 && g.slot_size == 112);
	EXPECT(g.nr_ents == 32);
	EXPECT(g.rsp_size == sizeof(struct blkif_response));
	vbd_proto_geom(VBD_ABI_X86_32, 4096, &g);
	EXPECT(g.req_size == 108 && g.rsp_size == 12 && g.nr_ents == 32);
	vbd_proto_geom(VBD_ABI_X86_64, 16 * 4096, &g);
	EXPECT(g.nr_ents == 512);
	vbd_proto_geom(VBD_ABI_X86_32, 16 * 4096, &g);
	EXPECT(g.nr_ents == 512);
	vbd_proto_geom(VBD_ABI_X86_64, 32, &g);
	EXPECT(g.nr_ents == 0);
}

static void test_decode_native(void)
{
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST] = { 0 };
	struct blkif_request r;
	struct vbd_request req;
	u8 raw[VBD_REQ_MAX_SIZE];

	fill_native(&r, BLKIF_OP_WRITE, 3, 42);
	r.seg[2].first_sect = 2;
	r.seg[2].last_sect = 5;
	memcpy(raw, &r, sizeof(r));
	vbd_proto_decode(VBD_ABI_X86_64, raw, &req, seg);
	EXPECT(req.operation == BLKIF_OP_WRITE);
	EXPECT(req.nr_segments == 3);
	EXPECT(req.handle == 0x1234);
	EXPECT(req.id == 0x1122334455667788ULL);
	EXPECT(req.sector == 42);
	EXPECT(seg[0].gref == 100 && seg[2].gref == 102);
	EXPECT(seg[2].first_sect == 2 && seg[2].last_sect == 5);
	/* Segments past nr_segments are not read. */
	EXPECT(seg[3].gref == 0);
	EXPECT(vbd_proto_rsp_op(&req) == BLKIF_OP_WRITE);
}

static void test_decode_x86_32(void)
{
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct x86_32_request r;
	struct vbd_request req;
	u8 raw[VBD_REQ_MAX_SIZE];

	memset(&r, 0, sizeof(r));
	memset(raw, 0xee, sizeof(raw));
	r.operation = BLKIF_OP_READ;
	r.nr_segments = 11;
	r.handle = 51712;
	r.id = 0xdeadbeefcafef00dULL;
	r.sector_number = 1ULL << 40;
	r.seg[10].gref = 77;
	r.seg[10].first_sect = 1;
	r.seg[10].last_sect = 6;
	memcpy(raw, &r, sizeof(r));
	vbd_proto_decode(VBD_ABI_X86_32, raw, &req, seg);
	EXPECT(req.operation == BLKIF_OP_READ && req.nr_segments == 11);
	EXPECT(req.handle == 51712);
	EXPECT(req.id == 0xdeadbeefcafef00dULL);
	EXPECT(req.sector == 1ULL << 40);
	EXPECT(seg[10].gref == 77);
	EXPECT(seg[10].first_sect == 1 && seg[10].last_sect == 6);
}

static void test_validate_ok(void)
{
	struct blkif_request r;
	struct vbd_io io;

	fill_native(&r, BLKIF_OP_READ, 11, 0);
	EXPECT(check_native(&r, &disk_512, &io) == 0);
	EXPECT(io.kind == VBD_IO_READ && io.nr_segments == 11);
	EXPECT(io.nr_sectors == 88);

	fill_native(&r, BLKIF_OP_WRITE, 1, 2040);	/* ends exactly at the end */
	EXPECT(check_native(&r, &disk_512, &io) == 0);
	EXPECT(io.kind == VBD_IO_WRITE && io.nr_sectors == 8);

	fill_native(&r, BLKIF_OP_FLUSH_DISKCACHE, 0, ~0ULL);
	EXPECT(check_native(&r, &disk_512, &io) == 0);
	EXPECT(io.kind == VBD_IO_FLUSH && io.nr_segments == 0);

	fill_native(&r, BLKIF_OP_FLUSH_DISKCACHE, 2, 0);
	EXPECT(check_native(&r, &disk_512, &io) == 0);
	EXPECT(io.kind == VBD_IO_FLUSH && io.nr_sectors == 16);

	fill_native(&r, BLKIF_OP_WRITE_BARRIER, 0, 0);
	EXPECT(check_native(&r, &disk_512, &io) == 0);
	EXPECT(io.kind == VBD_IO_BARRIER);
}

static void test_validate_segments(void)
{
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct blkif_request r;
	struct vbd_request req;
	u8 raw[VBD_REQ_MAX_SIZE];
	struct vbd_io io;

	fill_native(&r, BLKIF_OP_READ, 0, 0);
	EXPECT(check_native(&r, &disk_512, &io) == -EINVAL);
	fill_native(&r, BLKIF_OP_WRITE, 0, 0);
	EXPECT(check_native(&r, &disk_512, &io) == -EINVAL);

	fill_native(&r, BLKIF_OP_READ, 12, 0);
	EXPECT(check_native(&r, &disk_512, &io) == -EINVAL);
	fill_native(&r, BLKIF_OP_READ, 255, 0);
	memcpy(raw, &r, sizeof(r));
	vbd_proto_decode(VBD_ABI_X86_64, raw, &req, seg);
	EXPECT(req.nr_segments == 255);
	EXPECT(vbd_proto_validate(&req, seg, &disk_512, &io) == -EINVAL);
	fill_native(&r, BLKIF_OP_FLUSH_DISKCACHE, 12, 0);
	EXPECT(check_native(&r, &disk_512, &io) == -EINVAL);

	fill_native(&r, BLKIF_OP_READ, 2, 0);
	r.seg[1].first_sect = 5;
	r.seg[1].last_sect = 4;
	EXPECT(check_native(&r, &disk_512, &io) == -EINVAL);
	fill_native(&r, BLKIF_OP_READ, 2, 0);
	r.seg[1].last_sect = 8;
	EXPECT(check_native(&r, &disk_512, &io) == -EINVAL);
	fill_native(&r, BLKIF_OP_READ, 2, 0);
	r.seg[0].first_sect = 255;
	r.seg[0].last_sect = 255;
	EXPECT(check_native(&r, &disk_512, &io) == -EINVAL);
}

static void test_validate_range(void)
{
	struct blkif_request r;
	struct vbd_io io;

	fill_native(&r, BLKIF_OP_READ, 1, 2041);	/* one sector past */
	EXPECT(check_native(&r, &disk_512, &io) == -ERANGE);
	fill_native(&r, BLKIF_OP_READ, 1, 2048);
	EXPECT(check_native(&r, &disk_512, &io) == -ERANGE);
	/* sector + length wraps around 2^64 */
	fill_native(&r, BLKIF_OP_WRITE, 1, ~0ULL - 3);
	EXPECT(check_native(&r, &disk_512, &io) == -ERANGE);
	fill_native(&r, BLKIF_OP_WRITE, 11, ~0ULL);
	EXPECT(check_native(&r, &disk_512, &io) == -ERANGE);
}

static void test_validate_alignment(void)
{
	const struct vbd_limits disk_4k = {
		.nr_sectors = 4096, .lbs_sectors = 8, .readonly = false,
	};
	struct blkif_request r;
	struct vbd_io io;

	fill_native(&r, BLKIF_OP_READ, 2, 8);
	EXPECT(check_native(&r, &disk_4k, &io) == 0);
	fill_native(&r, BLKIF_OP_READ, 2, 4);
	EXPECT(check_native(&r, &disk_4k, &io) == -EINVAL);
	fill_native(&r, BLKIF_OP_READ, 2, 8);
	r.seg[1].first_sect = 1;
	EXPECT(check_native(&r, &disk_4k, &io) == -EINVAL);
	fill_native(&r, BLKIF_OP_READ, 2, 8);
	r.seg[0].last_sect = 6;
	EXPECT(check_native(&r, &disk_4k, &io) == -EINVAL);
}

static void test_validate_ops(void)
{
	const struct vbd_limits ro = {
		.nr_sectors = 2048, .lbs_sectors = 1, .readonly = true,
	};
	/* Discard and indirect too, where they were not offered. */
	static const u8 unsupported[] = { 4, BLKIF_OP_DISCARD,
					  BLKIF_OP_INDIRECT, 7, 128, 255 };
	struct blkif_request r;
	struct vbd_io io;
	unsigned int i;

	for (i = 0; i < sizeof(unsupported); i++) {
		fill_native(&r, unsupported[i], 1, 0);
		EXPECT(check_native(&r, &disk_512, &io) == -EOPNOTSUPP);
	}
	fill_native(&r, BLKIF_OP_READ, 1, 0);
	EXPECT(check_native(&r, &ro, &io) == 0);
	fill_native(&r, BLKIF_OP_WRITE, 1, 0);
	EXPECT(check_native(&r, &ro, &io) == -EROFS);
	fill_native(&r, BLKIF_OP_FLUSH_DISKCACHE, 1, 0);
	EXPECT(check_native(&r, &ro, &io) == -EROFS);
	fill_native(&r, BLKIF_OP_WRITE_BARRIER, 0, 0);
	EXPECT(check_native(&r, &ro, &io) == -EROFS);
}

/* struct blkif_request_indirect as a 32-bit x86 frontend lays it out. */
struct x86_32_indirect {
	u8 operation;
	u8 indirect_op;
	u16 nr_segments;
	u64 id;
	u64 sector_number;
	u16 handle;
	u16 pad;
	u32 indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	u64 pad2;
} __packed;

/* struct blkif_request_discard as a 32-bit x86 frontend lays it out. */
struct x86_32_discard {
	u8 operation;
	u8 flag;
	u16 handle;
	u64 id;
	u64 sector_number;
	u64 nr_sectors;
} __packed;

static const struct vbd_limits disk_ind = {
	.nr_sectors = 1 << 20, .lbs_sectors = 1, .max_indirect_segs = 256,
};

static void fill_indirect(struct blkif_request_indirect *r, u8 op,
			  u16 nseg, u64 sector)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->operation = BLKIF_OP_INDIRECT;
	r->indirect_op = op;
	r->nr_segments = nseg;
	r->id = 0xa5a5a5a55a5a5a5aULL;
	r->sector_number = sector;
	r->handle = 51728;
	for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		r->indirect_grefs[i] = 1000 + i;
}

static int decode_indirect(const struct blkif_request_indirect *r,
			   const struct vbd_limits *lim,
			   struct vbd_request *req, struct vbd_io *io)
{
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	u8 raw[VBD_REQ_MAX_SIZE] = { 0 };

	memcpy(raw, r, sizeof(*r));
	vbd_proto_decode(VBD_ABI_X86_64, raw, req, seg);
	return vbd_proto_validate_op(req, lim, io);
}

static void test_decode_indirect(void)
{
	struct blkif_request_indirect r;
	struct x86_32_indirect r32;
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct vbd_request req;
	struct vbd_io io;
	u8 raw[VBD_REQ_MAX_SIZE] = { 0 };

	EXPECT(sizeof(r) <= VBD_REQ_MAX_SIZE);
	fill_indirect(&r, BLKIF_OP_WRITE, 256, 4096);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == 0);
	EXPECT(req.operation == BLKIF_OP_INDIRECT);
	EXPECT(req.indirect_op == BLKIF_OP_WRITE && req.nr_segments == 256);
	EXPECT(req.id == 0xa5a5a5a55a5a5a5aULL && req.sector == 4096);
	EXPECT(req.handle == 51728);
	EXPECT(req.indirect_grefs[0] == 1000 && req.indirect_grefs[7] == 1007);
	EXPECT(io.kind == VBD_IO_WRITE && io.nr_segments == 256);
	EXPECT(io.nr_indirect == 1);
	/* The response names the operation carried out. */
	EXPECT(vbd_proto_rsp_op(&req) == BLKIF_OP_WRITE);
	EXPECT(io.rsp_op == BLKIF_OP_WRITE);

	EXPECT(sizeof(r32) == 64);
	memset(&r32, 0, sizeof(r32));
	r32.operation = BLKIF_OP_INDIRECT;
	r32.indirect_op = BLKIF_OP_READ;
	r32.nr_segments = 513;
	r32.id = 9;
	r32.sector_number = 1ULL << 33;
	r32.handle = 7;
	r32.indirect_grefs[1] = 4242;
	memcpy(raw, &r32, sizeof(r32));
	vbd_proto_decode(VBD_ABI_X86_32, raw, &req, seg);
	EXPECT(req.indirect_op == BLKIF_OP_READ && req.nr_segments == 513);
	EXPECT(req.id == 9 && req.sector == 1ULL << 33 && req.handle == 7);
	EXPECT(req.indirect_grefs[1] == 4242);
}

static void test_validate_indirect(void)
{
	const struct vbd_limits big = {
		.nr_sectors = 1 << 20, .lbs_sectors = 1,
		.max_indirect_segs = VBD_MAX_INDIRECT_SEGS,
	};
	const struct vbd_limits none = {
		.nr_sectors = 1 << 20, .lbs_sectors = 1,
	};
	struct blkif_request_indirect r;
	struct vbd_request req;
	struct vbd_io io;

	fill_indirect(&r, BLKIF_OP_READ, 257, 0);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == -EINVAL);
	fill_indirect(&r, BLKIF_OP_READ, 0, 0);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == -EINVAL);
	fill_indirect(&r, BLKIF_OP_FLUSH_DISKCACHE, 8, 0);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == -EINVAL);
	fill_indirect(&r, BLKIF_OP_INDIRECT, 8, 0);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == -EINVAL);
	fill_indirect(&r, BLKIF_OP_DISCARD, 8, 0);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == -EINVAL);
	/* Not offered: not recognised. */
	fill_indirect(&r, BLKIF_OP_READ, 8, 0);
	EXPECT(decode_indirect(&r, &none, &req, &io) == -EOPNOTSUPP);
	/* Page counts for the segment descriptors. */
	fill_indirect(&r, BLKIF_OP_READ, 512, 0);
	EXPECT(decode_indirect(&r, &big, &req, &io) == 0 &&
	       io.nr_indirect == 1);
	fill_indirect(&r, BLKIF_OP_READ, 513, 0);
	EXPECT(decode_indirect(&r, &big, &req, &io) == 0 &&
	       io.nr_indirect == 2);
	fill_indirect(&r, BLKIF_OP_READ, VBD_MAX_INDIRECT_SEGS, 0);
	EXPECT(decode_indirect(&r, &big, &req, &io) == 0 &&
	       io.nr_indirect == BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	fill_indirect(&r, BLKIF_OP_READ, VBD_MAX_INDIRECT_SEGS + 1, 0);
	EXPECT(decode_indirect(&r, &big, &req, &io) == -EINVAL);
	/* A direct-request checker refuses an indirect request outright. */
	fill_indirect(&r, BLKIF_OP_WRITE, 3, 0);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == 0);
	EXPECT(vbd_proto_validate(&req, NULL, &disk_ind, &io) == -EINVAL);
	/* Writes to a read-only disk, indirect or not. */
	{
		struct vbd_limits ro = disk_ind;

		ro.readonly = true;
		fill_indirect(&r, BLKIF_OP_WRITE, 8, 0);
		EXPECT(decode_indirect(&r, &ro, &req, &io) == -EROFS);
		fill_indirect(&r, BLKIF_OP_READ, 8, 0);
		EXPECT(decode_indirect(&r, &ro, &req, &io) == 0);
	}
}

/* Segment descriptors as the frontend writes them into indirect pages. */
static void test_indirect_segs(void)
{
	static struct blkif_request_segment page[VBD_SEGS_PER_INDIRECT_PAGE];
	static struct vbd_seg seg[VBD_SEGS_PER_INDIRECT_PAGE];
	struct blkif_request_indirect r;
	struct vbd_request req;
	struct vbd_io io;
	unsigned int i;

	EXPECT(sizeof(page[0]) == VBD_SEG_SIZE);
	for (i = 0; i < 256; i++) {
		page[i].gref = 5000 + i;
		page[i].first_sect = 0;
		page[i].last_sect = 7;
	}
	page[3].first_sect = 2;
	page[3].last_sect = 3;
	fill_indirect(&r, BLKIF_OP_READ, 256, 1000);
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == 0);
	vbd_proto_decode_indirect_segs((const u8 *)page, 256, seg);
	EXPECT(seg[0].gref == 5000 && seg[255].gref == 5255);
	EXPECT(seg[3].first_sect == 2 && seg[3].last_sect == 3);
	EXPECT(vbd_proto_validate_data(&req, seg, &disk_ind, &io) == 0);
	EXPECT(io.nr_sectors == 255 * 8 + 2);

	/* The same rules as for direct segments, on every one of them. */
	page[200].last_sect = 8;
	vbd_proto_decode_indirect_segs((const u8 *)page, 256, seg);
	EXPECT(vbd_proto_validate_data(&req, seg, &disk_ind, &io) == -EINVAL);
	page[200].last_sect = 7;
	page[255].first_sect = 7;
	page[255].last_sect = 6;
	vbd_proto_decode_indirect_segs((const u8 *)page, 256, seg);
	EXPECT(vbd_proto_validate_data(&req, seg, &disk_ind, &io) == -EINVAL);
	page[255].first_sect = 0;
	page[255].last_sect = 7;
	/* 1 MiB that ends one sector past the device. */
	fill_indirect(&r, BLKIF_OP_READ, 256, (1 << 20) - 2047);
	page[3].first_sect = 0;
	page[3].last_sect = 7;
	EXPECT(decode_indirect(&r, &disk_ind, &req, &io) == 0);
	vbd_proto_decode_indirect_segs((const u8 *)page, 256, seg);
	EXPECT(vbd_proto_validate_data(&req, seg, &disk_ind, &io) == -ERANGE);
}

static int check_discard(u64 sector, u64 nr, u8 flag,
			 const struct vbd_limits *lim, struct vbd_io *io)
{
	struct blkif_request_discard d;
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct vbd_request req;
	u8 raw[VBD_REQ_MAX_SIZE] = { 0 };

	memset(&d, 0, sizeof(d));
	d.operation = BLKIF_OP_DISCARD;
	d.flag = flag;
	d.handle = 3;
	d.id = 0x77;
	d.sector_number = sector;
	d.nr_sectors = nr;
	memcpy(raw, &d, sizeof(d));
	vbd_proto_decode(VBD_ABI_X86_64, raw, &req, seg);
	if (req.nr_discard != nr || req.sector != sector || req.id != 0x77 ||
	    req.discard_flags != flag || req.handle != 3)
		return -1000;
	return vbd_proto_validate(&req, seg, lim, io);
}

static void test_discard(void)
{
	struct vbd_limits lim = {
		.nr_sectors = 2048, .lbs_sectors = 1, .discard = true,
	};
	struct x86_32_discard d32;
	struct vbd_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct vbd_request req;
	struct vbd_io io;
	u8 raw[VBD_REQ_MAX_SIZE] = { 0 };

	EXPECT(check_discard(0, 2048, 0, &lim, &io) == 0);
	EXPECT(io.kind == VBD_IO_DISCARD && io.nr_sectors == 2048);
	EXPECT(io.nr_segments == 0 && io.rsp_op == BLKIF_OP_DISCARD);
	EXPECT(check_discard(8, 2041, 0, &lim, &io) == -ERANGE);
	EXPECT(check_discard(2049, 1, 0, &lim, &io) == -ERANGE);
	EXPECT(check_discard(8, ~0ULL - 3, 0, &lim, &io) == -ERANGE);
	EXPECT(check_discard(~0ULL, 2, 0, &lim, &io) == -ERANGE);
	EXPECT(check_discard(8, 0, 0, &lim, &io) == -EINVAL);
	/* Secure only where offered; the flag is ignored otherwise. */
	EXPECT(check_discard(0, 8, BLKIF_DISCARD_SECURE, &lim, &io) == 0);
	EXPECT(io.kind == VBD_IO_DISCARD);
	lim.secure_discard = true;
	EXPECT(check_discard(0, 8, BLKIF_DISCARD_SECURE, &lim, &io) == 0);
	EXPECT(io.kind == VBD_IO_SECURE_ERASE);
	EXPECT(check_discard(0, 8, 0, &lim, &io) == 0);
	EXPECT(io.kind == VBD_IO_DISCARD);
	lim.lbs_sectors = 8;
	EXPECT(check_discard(8, 16, 0, &lim, &io) == 0);
	EXPECT(check_discard(4, 16, 0, &lim, &io) == -EINVAL);
	EXPECT(check_discard(8, 12, 0, &lim, &io) == -EINVAL);
	lim.lbs_sectors = 1;
	lim.readonly = true;
	EXPECT(check_discard(0, 8, 0, &lim, &io) == -EROFS);
	lim.readonly = false;
	lim.discard = false;
	EXPECT(check_discard(0, 8, 0, &lim, &io) == -EOPNOTSUPP);

	EXPECT(sizeof(d32) == 28);
	memset(&d32, 0, sizeof(d32));
	d32.operation = BLKIF_OP_DISCARD;
	d32.flag = BLKIF_DISCARD_SECURE;
	d32.id = 0x1234;
	d32.sector_number = 64;
	d32.nr_sectors = 1ULL << 35;
	memcpy(raw, &d32, sizeof(d32));
	vbd_proto_decode(VBD_ABI_X86_32, raw, &req, seg);
	EXPECT(req.id == 0x1234 && req.sector == 64);
	EXPECT(req.nr_discard == 1ULL << 35);
	EXPECT(req.discard_flags == BLKIF_DISCARD_SECURE);
}

static void test_status(void)
{
	EXPECT(vbd_proto_status(0) == BLKIF_RSP_OKAY);
	EXPECT(vbd_proto_status(-EOPNOTSUPP) == BLKIF_RSP_EOPNOTSUPP);
	EXPECT(vbd_proto_status(-EINVAL) == BLKIF_RSP_ERROR);
	EXPECT(vbd_proto_status(-EIO) == BLKIF_RSP_ERROR);
	EXPECT(vbd_proto_status(-ERANGE) == BLKIF_RSP_ERROR);
	EXPECT(vbd_proto_status(-EROFS) == BLKIF_RSP_ERROR);
}

static void test_encode(void)
{
	struct blkif_response rsp;
	struct x86_32_response rsp32;
	u8 raw[VBD_RSP_MAX_SIZE + 4];
	unsigned int i, dirty = 0;

	memset(raw, 0xaa, sizeof(raw));
	vbd_proto_encode_rsp(VBD_ABI_X86_64, raw, 0x0102030405060708ULL,
			     BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
	memcpy(&rsp, raw, sizeof(rsp));
	EXPECT(rsp.id == 0x0102030405060708ULL);
	EXPECT(rsp.operation == BLKIF_OP_WRITE);
	EXPECT(rsp.status == BLKIF_RSP_ERROR);
	/* Padding is zeroed: nothing of the backend's leaks. */
	EXPECT(raw[9] == 0 && raw[12] == 0 && raw[15] == 0);
	/* Nothing written past the response. */
	for (i = VBD_RSP_MAX_SIZE; i < sizeof(raw); i++)
		dirty |= raw[i] != 0xaa;
	EXPECT(!dirty);

	memset(raw, 0xaa, sizeof(raw));
	vbd_proto_encode_rsp(VBD_ABI_X86_32, raw, 7, BLKIF_OP_READ,
			     BLKIF_RSP_EOPNOTSUPP);
	memcpy(&rsp32, raw, sizeof(rsp32));
	EXPECT(sizeof(rsp32) == 12);
	EXPECT(rsp32.id == 7 && rsp32.operation == BLKIF_OP_READ);
	EXPECT(rsp32.status == BLKIF_RSP_EOPNOTSUPP && rsp32.pad == 0);
	EXPECT(raw[12] == 0xaa);
}

static void test_prod(void)
{
	EXPECT(vbd_proto_prod_ok(0, 0, 32));
	EXPECT(vbd_proto_prod_ok(32, 0, 32));
	EXPECT(!vbd_proto_prod_ok(33, 0, 32));
	/* Indices wrap around 2^32. */
	EXPECT(vbd_proto_prod_ok(0x10, 0xfffffff0U, 32));
	EXPECT(!vbd_proto_prod_ok(0x11, 0xfffffff0U, 32));
	/* A producer behind the responses is as bogus as one far ahead. */
	EXPECT(!vbd_proto_prod_ok(5, 6, 32));
}

static void test_abi(void)
{
	enum vbd_abi abi = VBD_ABI_X86_32;

	EXPECT(vbd_proto_parse_abi(NULL, &abi) == 0 && abi == VBD_ABI_X86_64);
	EXPECT(vbd_proto_parse_abi("x86_32-abi", &abi) == 0 &&
	       abi == VBD_ABI_X86_32);
	EXPECT(vbd_proto_parse_abi("x86_64-abi", &abi) == 0 &&
	       abi == VBD_ABI_X86_64);
	EXPECT(vbd_proto_parse_abi("arm-abi", &abi) == -EINVAL);
	EXPECT(vbd_proto_parse_abi("", &abi) == -EINVAL);
}

int main(void)
{
	test_geometry();
	test_decode_native();
	test_decode_x86_32();
	test_validate_ok();
	test_validate_segments();
	test_validate_range();
	test_validate_alignment();
	test_validate_ops();
	test_decode_indirect();
	test_validate_indirect();
	test_indirect_segs();
	test_discard();
	test_status();
	test_encode();
	test_prod();
	test_abi();
	printf("proto: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
