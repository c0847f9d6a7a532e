// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of vbdfront's request encoding: every field lands at the byte
 * the protocol puts it at, in both ABIs, checked against offsets written
 * out by hand from xen/io/blkif.h (x86_64: 8-byte alignment of 64-bit
 * fields; i386: 4-byte).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u16 get16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Offsets of id, sector and the first segment / indirect handle. */
struct offs {
	enum vf_abi abi;
	unsigned int size, id, sector, seg, ind_grefs;
};

static const struct offs offs[] = {
	{ VF_ABI_X86_64, 112, 8, 16, 24, 28 },
	{ VF_ABI_X86_32, 108, 4, 12, 20, 24 },
};

static void test_rw(const struct offs *o)
{
	struct vf_req req = {
		.op = BLKIF_OP_WRITE, .nr_segs = 11, .handle = 0xca5e,
		.id = 0x1122334455667788ULL, .sector = 0x0102030405060708ULL,
	};
	u8 raw[VF_MAX_SLOT];
	unsigned int i;

	for (i = 0; i < 11; i++)
		req.segs[i] = (struct vf_seg){ 0xa0000 + i, i % 8, 7 };
	memset(raw, 0xee, sizeof(raw));
	vf_blkif_encode(o->abi, &req, raw);
	CHECK(vf_blkif_req_size(o->abi) == o->size);
	CHECK(raw[0] == BLKIF_OP_WRITE);
	CHECK(raw[1] == 11);
	CHECK(get16(raw + 2) == 0xca5e);
	CHECK(get64(raw + o->id) == req.id);
	CHECK(get64(raw + o->sector) == req.sector);
	for (i = 0; i < 11; i++) {
		const u8 *s = raw + o->seg + 8 * i;

		CHECK(get32(s) == 0xa0000 + i);
		CHECK(s[4] == i % 8 && s[5] == 7 && s[6] == 0 && s[7] == 0);
	}
	CHECK(o->seg + 88 == o->size);
	/* x86_64 pads after the handle; nothing of ours may land there. */
	if (o->abi == VF_ABI_X86_64)
		CHECK(get32(raw + 4) == 0);
	/* A claimed count above 11 still encodes only 11 segments. */
	req.nr_segs = 200;
	vf_blkif_encode(o->abi, &req, raw);
	CHECK(raw[1] == 200);
}

static void test_indirect(const struct offs *o)
{
	struct vf_req req = {
		.op = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
		.nr_segs = 0x1234, .handle = 0xbeef, .id = 42, .sector = 99,
	};
	u8 raw[VF_MAX_SLOT];
	unsigned int i;

	for (i = 0; i < VF_MAX_IND_PAGES; i++)
		req.ind_grefs[i] = 0x300 + i;
	vf_blkif_encode(o->abi, &req, raw);
	CHECK(raw[0] == BLKIF_OP_INDIRECT && raw[1] == BLKIF_OP_READ);
	CHECK(get16(raw + 2) == 0x1234);
	CHECK(get64(raw + o->id) == 42);
	CHECK(get64(raw + o->sector) == 99);
	CHECK(get16(raw + o->seg) == 0xbeef);
	for (i = 0; i < VF_MAX_IND_PAGES; i++)
		CHECK(get32(raw + o->ind_grefs + 4 * i) == 0x300 + i);
}

static void test_discard(const struct offs *o)
{
	struct vf_req req = {
		.op = BLKIF_OP_DISCARD, .discard_flags = BLKIF_DISCARD_SECURE,
		.handle = 7, .id = 5, .sector = 4096, .nr_discard = 1ULL << 40,
	};
	u8 raw[VF_MAX_SLOT];

	vf_blkif_encode(o->abi, &req, raw);
	CHECK(raw[0] == BLKIF_OP_DISCARD && raw[1] == BLKIF_DISCARD_SECURE);
	CHECK(get16(raw + 2) == 7);
	CHECK(get64(raw + o->sector) == 4096);
	/* nr_sectors follows sector_number directly in both layouts. */
	CHECK(get64(raw + o->sector + 8) == 1ULL << 40);
}

static void test_rsp(enum vf_abi abi, unsigned int size)
{
	struct vf_rsp in = { .id = 0xfeedfacecafebeefULL, .op = 6,
			     .status = BLKIF_RSP_EOPNOTSUPP }, out;
	u8 raw[16];

	memset(raw, 0xee, sizeof(raw));
	vf_blkif_encode_rsp(abi, &in, raw);
	CHECK(vf_blkif_rsp_size(abi) == size);
	CHECK(raw[size - 1] == 0 || size == 12);
	CHECK(raw[8] == 6 && (s16)get16(raw + 10) == -2);
	vf_blkif_decode_rsp(abi, raw, &out);
	CHECK(out.id == in.id && out.op == in.op && out.status == in.status);
}

static void test_geometry(void)
{
	/* (4096 - 64) / 112 = 36 slots, (4096 - 64) / 108 = 37: 32 each. */
	CHECK(vf_blkif_nr_ents(VF_ABI_X86_64, 1) == 32);
	CHECK(vf_blkif_nr_ents(VF_ABI_X86_32, 1) == 32);
	/* 16 pages: 584 and 606 slots, 512 each. */
	CHECK(vf_blkif_nr_ents(VF_ABI_X86_64, 16) == 512);
	CHECK(vf_blkif_nr_ents(VF_ABI_X86_32, 16) == 512);
	CHECK(vf_blkif_nr_ents(VF_ABI_X86_32, 4) == 128);
}

static void test_ind_segs(void)
{
	static u8 page[VF_PAGE_SIZE];
	struct vf_seg segs[VF_SEGS_PER_IND_PAGE];
	unsigned int i;

	for (i = 0; i < VF_SEGS_PER_IND_PAGE; i++)
		segs[i] = (struct vf_seg){ i * 3, 1, 6 };
	vf_blkif_encode_ind_segs(segs, VF_SEGS_PER_IND_PAGE, page);
	for (i = 0; i < VF_SEGS_PER_IND_PAGE; i++) {
		CHECK(get32(page + 8 * i) == i * 3);
		CHECK(page[8 * i + 4] == 1 && page[8 * i + 5] == 6);
	}
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		test_rw(&offs[i]);
		test_indirect(&offs[i]);
		test_discard(&offs[i]);
	}
	test_rsp(VF_ABI_X86_64, 16);
	test_rsp(VF_ABI_X86_32, 12);
	test_geometry();
	test_ind_segs();
	if (failures) {
		printf("wire_test: %d failures\n", failures);
		return EXIT_FAILURE;
	}
	printf("wire_test: PASS\n");
	return EXIT_SUCCESS;
}
