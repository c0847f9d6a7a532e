// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance: one request (or a few) per case with the exact status the
 * protocol demands, then a good write and read-back to show the ring still
 * serves. Ring-level abuse comes last on each connection, since a backend
 * rightly stops serving a ring whose indices make no sense.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vbdfront.h"

#define VF_RSP_TIMEOUT_MS	15000
/* A grant reference far above any grant table a guest has. */
#define VF_BAD_GREF		0x7ff3e1a5U
/* A domain that is not the backend's: its grants are not dom0's to map. */
#define VF_OTHER_DOMID		0x7fefU

struct vf_case {
	const char *name;
	/* Return: 0 for pass, else the reason in why. */
	int (*run)(struct vf *vf, char *why, size_t len);
};

static struct vf_seg vf_segs[VF_MAX_IND_SEGS];
static const char *vf_cfg_name;
static unsigned int vf_passed, vf_failed;
static u64 vf_tag;

/* The sector the checks write at, clear of what the cases touch. */
static u64 vf_check_sector(struct vf *vf)
{
	return vf->info.sectors / 2 & ~7ULL;
}

static const char *vf_status_name(int s)
{
	switch (s) {
	case BLKIF_RSP_OKAY:
		return "OKAY";
	case BLKIF_RSP_ERROR:
		return "ERROR";
	case BLKIF_RSP_EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return "unknown";
	}
}

/* Send req, expect one answer to it with status want. */
static int vf_expect(struct vf *vf, const struct vf_req *req, int want,
		     char *why, size_t len)
{
	u8 op = req->op == BLKIF_OP_INDIRECT ? req->indirect_op : req->op;
	struct vf_rsp rsp;

	if (vf_submit_wait(vf, req, &rsp, VF_RSP_TIMEOUT_MS)) {
		snprintf(why, len, "no response within %d ms (expected %s)",
			 VF_RSP_TIMEOUT_MS, vf_status_name(want));
		return -1;
	}
	if (rsp.id != req->id || rsp.op != op) {
		snprintf(why, len, "response id %llu op %u, sent id %llu op %u",
			 rsp.id, rsp.op, req->id, op);
		return -1;
	}
	if (rsp.status != want) {
		snprintf(why, len, "status %d (%s), expected %d (%s)",
			 rsp.status, vf_status_name(rsp.status), want,
			 vf_status_name(want));
		return -1;
	}
	return 0;
}

static int vf_expect_rw(struct vf *vf, u8 op, unsigned int nr_segs,
			u64 sector, int want, char *why, size_t len)
{
	struct vf_req req;

	vf_req_rw(vf, &req, op, sector, 0, nr_segs);
	return vf_expect(vf, &req, want, why, len);
}

static int c_good_direct(struct vf *vf, char *why, size_t len)
{
	return vf_check_io(vf, 64, BLKIF_MAX_SEGMENTS_PER_REQUEST, false,
			   ++vf_tag, why, len);
}

static int c_good_indirect(struct vf *vf, char *why, size_t len)
{
	unsigned int n = vf->info.max_indirect;
	struct vf_req req;

	if (!n) {
		vf_req_indirect(vf, &req, BLKIF_OP_READ, 0, 0, 16, vf_segs);
		return vf_expect(vf, &req, BLKIF_RSP_EOPNOTSUPP, why, len);
	}
	return vf_check_io(vf, 1024, n > 128 ? 128 : n, true, ++vf_tag, why,
			   len);
}

static int c_rw_zero_segs(struct vf *vf, char *why, size_t len)
{
	return vf_expect_rw(vf, BLKIF_OP_READ, 0, 0, BLKIF_RSP_ERROR, why,
			    len) ?:
	       vf_expect_rw(vf, BLKIF_OP_WRITE, 0, 0, BLKIF_RSP_ERROR, why,
			    len);
}

static int c_flush(struct vf *vf, char *why, size_t len)
{
	int want = vf->info.flush ? BLKIF_RSP_OKAY : BLKIF_RSP_EOPNOTSUPP;

	return vf_expect_rw(vf, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, want, why,
			    len) ?:
	       vf_expect_rw(vf, BLKIF_OP_FLUSH_DISKCACHE, 3, 256, want, why,
			    len);
}

static int c_barrier(struct vf *vf, char *why, size_t len)
{
	int want = vf->info.barrier ? BLKIF_RSP_OKAY : BLKIF_RSP_EOPNOTSUPP;

	return vf_expect_rw(vf, BLKIF_OP_WRITE_BARRIER, 0, 0, want, why,
			    len) ?:
	       vf_expect_rw(vf, BLKIF_OP_WRITE_BARRIER, 2, 256, want, why,
			    len);
}

static int c_direct_too_many(struct vf *vf, char *why, size_t len)
{
	return vf_expect_rw(vf, BLKIF_OP_READ, 12, 0, BLKIF_RSP_ERROR, why,
			    len) ?:
	       vf_expect_rw(vf, BLKIF_OP_WRITE, 255, 0, BLKIF_RSP_ERROR, why,
			    len);
}

static int vf_expect_ind(struct vf *vf, u8 op, unsigned int nr,
			 int want, char *why, size_t len)
{
	struct vf_req req;

	if (!vf->info.max_indirect)
		want = BLKIF_RSP_EOPNOTSUPP;
	vf_req_indirect(vf, &req, op, 0, 0, nr, vf_segs);
	return vf_expect(vf, &req, want, why, len);
}

static int c_indirect_too_many(struct vf *vf, char *why, size_t len)
{
	return vf_expect_ind(vf, BLKIF_OP_READ, vf->info.max_indirect + 1,
			     BLKIF_RSP_ERROR, why, len) ?:
	       vf_expect_ind(vf, BLKIF_OP_WRITE, 0, BLKIF_RSP_ERROR, why,
			     len) ?:
	       vf_expect_ind(vf, BLKIF_OP_READ, 65535, BLKIF_RSP_ERROR, why,
			     len);
}

static int c_indirect_bad_op(struct vf *vf, char *why, size_t len)
{
	static const u8 ops[] = {
		BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER,
		BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT, 77,
	};
	unsigned int i;

	for (i = 0; i < sizeof(ops); i++)
		if (vf_expect_ind(vf, ops[i], 4, BLKIF_RSP_ERROR, why, len))
			return -1;
	return 0;
}

static int vf_expect_seg(struct vf *vf, u8 op, u8 first,
			 u8 last, int want, char *why, size_t len)
{
	struct vf_req req;

	vf_req_rw(vf, &req, op, 0, 0, 3);
	req.segs[1].first_sect = first;
	req.segs[1].last_sect = last;
	return vf_expect(vf, &req, want, why, len);
}

static int c_first_after_last(struct vf *vf, char *why, size_t len)
{
	return vf_expect_seg(vf, BLKIF_OP_READ, 5, 2, BLKIF_RSP_ERROR, why,
			     len) ?:
	       vf_expect_seg(vf, BLKIF_OP_WRITE, 7, 0, BLKIF_RSP_ERROR, why,
			     len);
}

static int c_last_beyond_page(struct vf *vf, char *why, size_t len)
{
	return vf_expect_seg(vf, BLKIF_OP_READ, 0, 8, BLKIF_RSP_ERROR, why,
			     len) ?:
	       vf_expect_seg(vf, BLKIF_OP_WRITE, 200, 255, BLKIF_RSP_ERROR,
			     why, len);
}

static int c_partial_page(struct vf *vf, char *why, size_t len)
{
	int want = vf->info.sector_size == 512 ? BLKIF_RSP_OKAY :
						 BLKIF_RSP_ERROR;

	return vf_expect_seg(vf, BLKIF_OP_READ, 1, 6, want, why, len);
}

static int c_past_end(struct vf *vf, char *why, size_t len)
{
	u64 n = vf->info.sectors;

	/* The last page of the disk is fine, one sector more is not. */
	return vf_expect_rw(vf, BLKIF_OP_READ, 1, n - 8, BLKIF_RSP_OKAY, why,
			    len) ?:
	       vf_expect_rw(vf, BLKIF_OP_READ, 1, n - 7, BLKIF_RSP_ERROR, why,
			    len) ?:
	       vf_expect_rw(vf, BLKIF_OP_WRITE, 1, n, BLKIF_RSP_ERROR, why,
			    len) ?:
	       vf_expect_rw(vf, BLKIF_OP_WRITE, 11, n - 80, BLKIF_RSP_ERROR,
			    why, len);
}

static int c_overflow(struct vf *vf, char *why, size_t len)
{
	return vf_expect_rw(vf, BLKIF_OP_READ, 2, UINT64_MAX - 7,
			    BLKIF_RSP_ERROR, why, len) ?:
	       vf_expect_rw(vf, BLKIF_OP_WRITE, 11, UINT64_MAX - 40,
			    BLKIF_RSP_ERROR, why, len) ?:
	       vf_expect_rw(vf, BLKIF_OP_WRITE, 1, 1ULL << 63,
			    BLKIF_RSP_ERROR, why, len);
}

static int c_unknown_op(struct vf *vf, char *why, size_t len)
{
	static const u8 ops[] = { 77, BLKIF_OP_RESERVED_1, 7, 255 };
	unsigned int i;

	for (i = 0; i < sizeof(ops); i++)
		if (vf_expect_rw(vf, ops[i], 1, 0, BLKIF_RSP_EOPNOTSUPP, why,
				 len))
			return -1;
	return 0;
}

static int vf_expect_discard(struct vf *vf, u64 sector, u64 nr,
			     u8 flags, int want, char *why, size_t len)
{
	struct vf_req req;

	memset(&req, 0, sizeof(req));
	req.op = BLKIF_OP_DISCARD;
	req.id = vf_new_id(vf);
	req.sector = sector;
	req.nr_discard = nr;
	req.discard_flags = flags;
	req.handle = vf->devid;
	if (!vf->info.discard)
		want = BLKIF_RSP_EOPNOTSUPP;
	return vf_expect(vf, &req, want, why, len);
}

static int c_discard(struct vf *vf, char *why, size_t len)
{
	u64 n = vf->info.sectors;

	return vf_expect_discard(vf, 4096, 64, 0, BLKIF_RSP_OKAY, why, len) ?:
	       vf_expect_discard(vf, n - 8, 8, 0, BLKIF_RSP_OKAY, why, len) ?:
	       vf_expect_discard(vf, n - 8, 16, 0, BLKIF_RSP_ERROR, why,
				 len) ?:
	       vf_expect_discard(vf, n + 8, 8, 0, BLKIF_RSP_ERROR, why, len) ?:
	       vf_expect_discard(vf, 8, UINT64_MAX - 3, 0, BLKIF_RSP_ERROR,
				 why, len) ?:
	       vf_expect_discard(vf, 8, 0, 0, BLKIF_RSP_ERROR, why, len) ?:
	       vf_expect_discard(vf, 4096, 64, 0xff, BLKIF_RSP_OKAY, why,
				 len);
}

static int c_ungranted(struct vf *vf, char *why, size_t len)
{
	struct vf_req req;

	vf_req_rw(vf, &req, BLKIF_OP_READ, 0, 0, 4);
	req.segs[2].gref = VF_BAD_GREF;
	if (vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len))
		return -1;
	vf_req_rw(vf, &req, BLKIF_OP_WRITE, 0, 0, 1);
	req.segs[0].gref = 0xffffffffU;
	if (vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len))
		return -1;
	if (!vf->info.max_indirect)
		return 0;
	vf_req_indirect(vf, &req, BLKIF_OP_READ, 0, 0, 20, vf_segs);
	vf_segs[17].gref = VF_BAD_GREF;
	vf_blkif_encode_ind_segs(vf_segs, 20, vf->ind.map);
	if (vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len))
		return -1;
	/* The page of segments itself not granted. */
	vf_req_indirect(vf, &req, BLKIF_OP_READ, 0, 0, 20, vf_segs);
	req.ind_grefs[0] = VF_BAD_GREF;
	return vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len);
}

/*
 * Pages granted, but to another domain: as data segments of a read and of
 * a write, and as an indirect request's page of segments.
 */
static int vf_foreign_cases(struct vf *vf, const struct vf_grant *g,
			    char *why, size_t len)
{
	struct vf_req req;

	vf_req_rw(vf, &req, BLKIF_OP_READ, 0, 0, 2);
	req.segs[1].gref = g->grefs[0];
	if (vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len))
		return -1;
	vf_req_rw(vf, &req, BLKIF_OP_WRITE, 0, 0, 1);
	req.segs[0].gref = g->grefs[0];
	if (vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len))
		return -1;
	if (!vf->info.max_indirect)
		return 0;
	vf_req_indirect(vf, &req, BLKIF_OP_READ, 0, 0, 20, vf_segs);
	vf_blkif_encode_ind_segs(vf_segs, 20, g->map);
	req.ind_grefs[0] = g->grefs[0];
	return vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len);
}

static int c_foreign_grant(struct vf *vf, char *why, size_t len)
{
	struct vf_grant g = { 0 };
	int err;

	if (vf_grant_alloc_to(vf, &g, 1, true, VF_OTHER_DOMID)) {
		snprintf(why, len, "cannot grant a page to domain %u",
			 VF_OTHER_DOMID);
		return -1;
	}
	err = vf_foreign_cases(vf, &g, why, len);
	vf_grant_free(vf, &g);
	return err;
}

/*
 * A page granted read-only cannot receive a read. It can be the source of
 * a write, unless persistent grants are in use: those are mapped writable
 * once to serve both directions.
 */
static int c_readonly_grant(struct vf *vf, char *why, size_t len)
{
	bool pers = vf->cfg.persistent && vf->info.persistent;
	struct vf_req req;

	vf_req_rw(vf, &req, BLKIF_OP_READ, 0, 0, 2);
	req.segs[1].gref = vf->ro.grefs[0];
	if (vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len))
		return -1;
	vf_req_rw(vf, &req, BLKIF_OP_WRITE, 0, 0, 1);
	req.segs[0].gref = vf->ro.grefs[0];
	return vf_expect(vf, &req, pers ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY,
			 why, len);
}

static int c_indirect_garbage(struct vf *vf, char *why, size_t len)
{
	struct vf_req req;
	unsigned int i;

	if (!vf->info.max_indirect)
		return 0;
	/* Descriptors with sectors outside the page. */
	vf_req_indirect(vf, &req, BLKIF_OP_WRITE, 0, 0, 40, vf_segs);
	vf_segs[39].first_sect = 9;
	vf_segs[39].last_sect = 12;
	vf_blkif_encode_ind_segs(vf_segs, 40, vf->ind.map);
	if (vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len))
		return -1;
	/* Noise: every descriptor with its last sector past 7. */
	vf_req_indirect(vf, &req, BLKIF_OP_READ, 0, 0, 64, vf_segs);
	vf_fill_pattern(vf->ind.map, VF_PAGE_SIZE, ++vf_tag);
	for (i = 0; i < VF_SEGS_PER_IND_PAGE; i++)
		vf->ind.map[i * VF_SEG_SIZE + 5] |= 0x08;
	return vf_expect(vf, &req, BLKIF_RSP_ERROR, why, len);
}

/* Ids are the frontend's: two requests with one id both get answered. */
static int c_duplicate_ids(struct vf *vf, char *why, size_t len)
{
	struct vf_req a, b;
	struct vf_rsp rsp[2];
	int n;

	vf_req_rw(vf, &a, BLKIF_OP_READ, 0, 0, 4);
	vf_req_rw(vf, &b, BLKIF_OP_WRITE, 512, 4, 4);
	b.id = a.id;
	vf_ring_put(vf, &a);
	vf_ring_put(vf, &b);
	vf_ring_push(vf);
	n = vf_ring_collect(vf, rsp, 2, VF_RSP_TIMEOUT_MS);
	if (n != 2) {
		snprintf(why, len, "%d responses to two requests with one id", n);
		return -1;
	}
	if (rsp[0].id != a.id || rsp[1].id != a.id ||
	    rsp[0].status != BLKIF_RSP_OKAY || rsp[1].status != BLKIF_RSP_OKAY) {
		snprintf(why, len, "responses id %llu/%llu status %d/%d, sent id %llu twice",
			 rsp[0].id, rsp[1].id, rsp[0].status, rsp[1].status,
			 a.id);
		return -1;
	}
	return 0;
}

/* One page as every segment of a request (and of an indirect one). */
static int c_same_gref(struct vf *vf, char *why, size_t len)
{
	struct vf_req req;
	unsigned int i;

	vf_req_rw(vf, &req, BLKIF_OP_READ, 0, 0, 11);
	for (i = 0; i < 11; i++)
		req.segs[i].gref = vf->data.grefs[200];
	if (vf_expect(vf, &req, BLKIF_RSP_OKAY, why, len))
		return -1;
	if (!vf->info.max_indirect)
		return 0;
	vf_req_indirect(vf, &req, BLKIF_OP_WRITE, 2048, 0, 32, vf_segs);
	for (i = 0; i < 32; i++)
		vf_segs[i].gref = vf->data.grefs[3];
	vf_blkif_encode_ind_segs(vf_segs, 32, vf->ind.map);
	return vf_expect(vf, &req, BLKIF_RSP_OKAY, why, len);
}

/* Every slot of the ring in use at once. */
static int vf_fill_ring(struct vf *vf, char *why, size_t len, bool consume)
{
	static struct vf_rsp rsps[VF_MAX_INFLIGHT];
	u32 start = vf->q->rsp_cons, rp;
	unsigned int i, n = vf->nr_ents;
	struct vf_req req;
	int got;

	for (i = 0; i < n; i++) {
		vf_req_rw(vf, &req, i & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ,
			  (u64)i * 8, i % 64, 1);
		vf_ring_put(vf, &req);
	}
	vf_ring_push(vf);
	if (!consume) {
		/* Answers stop when the ring is full of them. */
		for (i = 0; i < VF_RSP_TIMEOUT_MS / 100; i++) {
			if (vf_ring_rsp_prod(vf) - start >= n)
				break;
			usleep(100000);
		}
		sleep(1);
		vf_evtchn_notify(vf);
		sleep(1);
		rp = vf_ring_rsp_prod(vf);
		if (rp - start != n) {
			snprintf(why, len, "%u responses on a full ring of %u",
				 rp - start, n);
			return -1;
		}
	}
	got = vf_ring_collect(vf, rsps, n, VF_RSP_TIMEOUT_MS);
	if (got != (int)n) {
		snprintf(why, len, "%d responses to %u requests", got, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rsps[i].status != BLKIF_RSP_OKAY) {
			snprintf(why, len, "response %u: id %llu status %d",
				 i, rsps[i].id, rsps[i].status);
			return -1;
		}
	}
	return 0;
}

static int c_ring_full(struct vf *vf, char *why, size_t len)
{
	return vf_fill_ring(vf, why, len, true);
}

static int c_responses_unconsumed(struct vf *vf, char *why, size_t len)
{
	return vf_fill_ring(vf, why, len, false);
}

static const struct vf_case vf_cases[] = {
	{ "good-direct-rw", c_good_direct },
	{ "good-indirect-rw", c_good_indirect },
	{ "rw-zero-segments", c_rw_zero_segs },
	{ "flush", c_flush },
	{ "barrier", c_barrier },
	{ "direct-too-many-segments", c_direct_too_many },
	{ "indirect-too-many-segments", c_indirect_too_many },
	{ "indirect-bad-op", c_indirect_bad_op },
	{ "first-sect-after-last", c_first_after_last },
	{ "last-sect-beyond-page", c_last_beyond_page },
	{ "partial-page-segment", c_partial_page },
	{ "sector-past-end", c_past_end },
	{ "sector-length-overflow", c_overflow },
	{ "unknown-operation", c_unknown_op },
	{ "discard-ranges", c_discard },
	{ "ungranted-grefs", c_ungranted },
	{ "readonly-grant", c_readonly_grant },
	{ "granted-to-another-domain", c_foreign_grant },
	{ "indirect-garbage-descriptors", c_indirect_garbage },
	{ "duplicate-ids-in-flight", c_duplicate_ids },
	{ "same-gref-every-segment", c_same_gref },
	{ "ring-full-of-requests", c_ring_full },
	{ "responses-never-consumed", c_responses_unconsumed },
};

static void vf_result(const char *name, int err, const char *why)
{
	if (err) {
		vf_failed++;
		printf("CASE %s/%s: FAIL %s\n", vf_cfg_name, name, why);
	} else {
		vf_passed++;
		printf("CASE %s/%s: PASS\n", vf_cfg_name, name);
	}
	fflush(stdout);
}

static void vf_run_case(struct vf *vf, const struct vf_case *c)
{
	char why[256] = "", why2[256] = "";
	int err;

	err = c->run(vf, why, sizeof(why));
	if (!err && vf->q->nr_inflight) {
		snprintf(why, sizeof(why), "%u requests left unanswered",
			 vf->q->nr_inflight);
		err = -1;
	}
	/* The ring must still serve good I/O after every case. */
	if (vf_check_io(vf, vf_check_sector(vf), 8, false, ++vf_tag, why2,
			sizeof(why2))) {
		if (!err)
			snprintf(why, sizeof(why), "after the case: %s", why2);
		err = -1;
	}
	vf_result(c->name, err, why);
}

/*
 * A producer index the backend cannot accept: it must shut the ring
 * (a message in dom0's log), answer nothing more, and still let the
 * frontend close.
 */
static void vf_ring_break(struct vf *vf, u32 prod, const char *name)
{
	u32 rp = vf_ring_rsp_prod(vf);
	char why[128] = "";
	int err = 0;

	vf_ring_set_prod(vf, prod);
	sleep(3);
	vf_evtchn_notify(vf);
	sleep(1);
	if (vf_ring_rsp_prod(vf) != rp) {
		snprintf(why, sizeof(why), "%u answers after req_prod %u (rsp_prod was %u)",
			 vf_ring_rsp_prod(vf) - rp, prod, rp);
		err = -1;
	}
	vf_result(name, err, why);
}

static const char *const vf_break_names[] = {
	"ring-break-prod-beyond-ring",
	"ring-break-prod-backwards",
	"ring-break-prod-far",
};

static u32 vf_break_prod(struct vf *vf, unsigned int kind)
{
	u32 rp = vf_ring_rsp_prod(vf);

	switch (kind % 3) {
	case 0:
		return rp + vf->nr_ents + 1;
	case 1:
		return rp - 5;
	default:
		return rp + 0x80000000U;
	}
}

int vf_conform(struct vf *vf, int nr_cfgs, const struct vf_config *cfgs)
{
	char name[64];
	unsigned int i;
	int c;

	for (c = 0; c < nr_cfgs; c++) {
		snprintf(name, sizeof(name), "%s-order%u-%s",
			 cfgs[c].abi == VF_ABI_X86_32 ? "x86_32" : "x86_64",
			 cfgs[c].ring_order,
			 cfgs[c].persistent ? "persistent" : "mapped");
		vf_cfg_name = name;
		if (vf_connect(vf, &cfgs[c])) {
			vf_result("connect", -1, "handshake failed");
			continue;
		}
		vf_result("connect", 0, "");
		for (i = 0; i < ARRAY_SIZE(vf_cases); i++)
			vf_run_case(vf, &vf_cases[i]);
		vf_ring_break(vf, vf_break_prod(vf, c), vf_break_names[c % 3]);
		vf_result("disconnect", vf_disconnect(vf), "teardown did not reach Closed");
	}
	printf("SUMMARY conform: %u passed, %u failed\n", vf_passed, vf_failed);
	return vf_failed ? 1 : 0;
}
