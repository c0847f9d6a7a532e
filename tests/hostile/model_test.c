// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the fuzzer's oracle: the status blkif.h demands for
 * requests whose every field is chosen by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define GREF_RW		10
#define GREF_RO		11
#define GREF_IND	12
#define GREF_BAD	0x123456

static int failures;
static u8 ind_page[VF_PAGE_SIZE];

static enum vf_gref_kind kind(void *ctx, u32 gref)
{
	(void)ctx;
	if (gref == GREF_RO)
		return VF_GREF_RO;
	return gref == GREF_RW || gref == GREF_IND ? VF_GREF_RW : VF_GREF_NONE;
}

static const u8 *page(void *ctx, u32 gref)
{
	(void)ctx;
	return gref == GREF_IND ? ind_page : NULL;
}

static struct vf_model model = {
	.sectors = 1000, .max_indirect = 32, .discard = true,
	.gref_kind = kind, .page = page,
};

static void expect(const char *what, const struct vf_req *req, int want)
{
	int got = vf_model_status(&model, req);

	if (got != want) {
		printf("FAIL %s: %d, expected %d\n", what, got, want);
		failures++;
	}
}

static struct vf_req rw(u8 op, unsigned int nr, u64 sector)
{
	struct vf_req r = { .op = op, .nr_segs = nr, .sector = sector };
	unsigned int i;

	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r.segs[i] = (struct vf_seg){ GREF_RW, 0, 7 };
	return r;
}

static void test_rw(void)
{
	struct vf_req r;

	r = rw(BLKIF_OP_READ, 1, 992);
	expect("last page", &r, BLKIF_RSP_OKAY);
	r = rw(BLKIF_OP_READ, 1, 993);
	expect("one sector past the end", &r, BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_WRITE, 11, UINT64_MAX - 7);
	expect("wrapping range", &r, BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 0, 0);
	expect("no segments", &r, BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 12, 0);
	expect("12 segments", &r, BLKIF_RSP_ERROR);
	/* One byte on the wire: 257 segments arrive as one. */
	r = rw(BLKIF_OP_READ, 257, 0);
	expect("257 segments truncated to 1", &r, BLKIF_RSP_OKAY);
	r = rw(BLKIF_OP_READ, 2, 0);
	r.segs[1].first_sect = 4;
	r.segs[1].last_sect = 3;
	expect("first after last", &r, BLKIF_RSP_ERROR);
	r.segs[1].last_sect = 8;
	expect("last past the page", &r, BLKIF_RSP_ERROR);
	r.segs[1] = (struct vf_seg){ GREF_BAD, 0, 7 };
	expect("ungranted page", &r, BLKIF_RSP_ERROR);
	r.segs[1] = (struct vf_seg){ GREF_RO, 0, 7 };
	expect("read into a read-only grant", &r, BLKIF_RSP_ERROR);
	r.op = BLKIF_OP_WRITE;
	expect("write from a read-only grant", &r, BLKIF_RSP_OKAY);
	model.persistent = true;
	expect("write from a read-only persistent grant", &r, BLKIF_RSP_ERROR);
	model.persistent = false;
}

static void test_other_ops(void)
{
	struct vf_req r;

	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, UINT64_MAX);
	expect("flush without data ignores the sector", &r, BLKIF_RSP_OKAY);
	r = rw(BLKIF_OP_WRITE_BARRIER, 1, UINT64_MAX);
	expect("barrier with data past the end", &r, BLKIF_RSP_ERROR);
	r = rw(77, 1, 0);
	expect("unknown operation", &r, BLKIF_RSP_EOPNOTSUPP);
	r = rw(BLKIF_OP_RESERVED_1, 1, 0);
	expect("reserved operation", &r, BLKIF_RSP_EOPNOTSUPP);
	r = (struct vf_req){ .op = BLKIF_OP_DISCARD, .sector = 990, .nr_discard = 10 };
	expect("discard to the end", &r, BLKIF_RSP_OKAY);
	r.nr_discard = 11;
	expect("discard past the end", &r, BLKIF_RSP_ERROR);
	r.nr_discard = 0;
	expect("empty discard", &r, BLKIF_RSP_ERROR);
	model.discard = false;
	r.nr_discard = 1;
	expect("discard not offered", &r, BLKIF_RSP_EOPNOTSUPP);
	model.discard = true;
}

static struct vf_req indirect(u8 op, unsigned int nr)
{
	struct vf_req r = { .op = BLKIF_OP_INDIRECT, .indirect_op = op,
			    .nr_segs = nr, .sector = 0 };
	struct vf_seg s = { GREF_RW, 0, 7 };
	unsigned int i;

	for (i = 0; i < VF_MAX_IND_PAGES; i++)
		r.ind_grefs[i] = GREF_IND;
	for (i = 0; i < VF_SEGS_PER_IND_PAGE; i++)
		vf_blkif_encode_ind_segs(&s, 1, ind_page + i * VF_SEG_SIZE);
	return r;
}

static void test_indirect(void)
{
	struct vf_seg bad = { GREF_RW, 3, 9 };
	struct vf_req r;

	r = indirect(BLKIF_OP_READ, 32);
	expect("indirect at the limit", &r, BLKIF_RSP_OKAY);
	r = indirect(BLKIF_OP_READ, 33);
	expect("indirect above the limit", &r, BLKIF_RSP_ERROR);
	r = indirect(BLKIF_OP_WRITE, 0);
	expect("indirect without segments", &r, BLKIF_RSP_ERROR);
	r = indirect(BLKIF_OP_FLUSH_DISKCACHE, 4);
	expect("indirect flush", &r, BLKIF_RSP_ERROR);
	r = indirect(BLKIF_OP_READ, 4);
	r.ind_grefs[0] = GREF_BAD;
	expect("page of segments not granted", &r, BLKIF_RSP_ERROR);
	r = indirect(BLKIF_OP_READ, 4);
	r.ind_grefs[1] = GREF_BAD;
	expect("unused page slot not granted", &r, BLKIF_RSP_OKAY);
	vf_blkif_encode_ind_segs(&bad, 1, ind_page + 3 * VF_SEG_SIZE);
	expect("a bad descriptor", &r, BLKIF_RSP_ERROR);
	r = indirect(BLKIF_OP_READ, 4);
	r.sector = 1000 - 31;
	expect("indirect past the end", &r, BLKIF_RSP_ERROR);
	model.max_indirect = 0;
	r = indirect(BLKIF_OP_READ, 4);
	expect("indirect not offered", &r, BLKIF_RSP_EOPNOTSUPP);
	model.max_indirect = 32;
}

int main(void)
{
	test_rw();
	test_other_ops();
	test_indirect();
	if (failures) {
		printf("model_test: %d failures\n", failures);
		return EXIT_FAILURE;
	}
	printf("model_test: PASS\n");
	return EXIT_SUCCESS;
}
