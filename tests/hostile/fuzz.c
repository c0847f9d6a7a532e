// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz mode: batches of random requests, most of them valid ones with one
 * to three fields mutated, reproducible from a seed. Every response must
 * carry a known status and an id in flight, every unmutated request must
 * succeed, the ring must keep serving a checked write and read-back, and
 * every request must be answered. Nothing is sent that breaks the ring on
 * purpose, and no grant reference is used that the guest may have given
 * for something else (its console, xenstore, this ring).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "vbdfront.h"

#define VF_FUZZ_TIMEOUT_MS	30000
#define VF_FUZZ_MAX_BATCH	32
#define VF_FUZZ_CHECK_EVERY	64
/* Never granted by any guest: grant tables have far fewer entries. */
#define VF_FUZZ_BAD_GREF_MIN	0x100000U

struct vf_fuzz {
	struct vf *vf;
	struct vf_model model;
	/* The grant references of data and indirect pages, sorted. */
	u32 rw_grefs[VF_NR_DATA + VF_MAX_IND_PAGES];
	unsigned int nr_rw;
	u64 mismatches;
	u64 rng;
	u64 cases;
	u64 failures;
	u64 status[3];
	u64 mutated;
	u64 checks;
};

/* One request of a batch, as sent. */
struct vf_fuzz_req {
	struct vf_req req;
	u64 index;
	int expect;
	bool mutated;
	char what[48];
};

static int vf_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static enum vf_gref_kind vf_fuzz_gref_kind(void *ctx, u32 gref)
{
	struct vf_fuzz *f = ctx;

	if (gref == f->vf->ro.grefs[0])
		return VF_GREF_RO;
	if (bsearch(&gref, f->rw_grefs, f->nr_rw, sizeof(gref), vf_cmp_u32))
		return VF_GREF_RW;
	return VF_GREF_NONE;
}

/* The pages the fuzzer may name as pages of segments. */
static const u8 *vf_fuzz_page(void *ctx, u32 gref)
{
	struct vf_fuzz *f = ctx;
	unsigned int i;

	if (gref == f->vf->ro.grefs[0])
		return f->vf->ro.map;
	for (i = 0; i < VF_MAX_IND_PAGES; i++)
		if (gref == f->vf->ind.grefs[i])
			return f->vf->ind.map + (size_t)i * VF_PAGE_SIZE;
	return NULL;
}

static void vf_fuzz_model(struct vf_fuzz *f)
{
	struct vf *vf = f->vf;

	memcpy(f->rw_grefs, vf->data.grefs, VF_NR_DATA * sizeof(u32));
	memcpy(f->rw_grefs + VF_NR_DATA, vf->ind.grefs,
	       VF_MAX_IND_PAGES * sizeof(u32));
	f->nr_rw = VF_NR_DATA + VF_MAX_IND_PAGES;
	qsort(f->rw_grefs, f->nr_rw, sizeof(u32), vf_cmp_u32);
	f->model = (struct vf_model){
		.sectors = vf->info.sectors,
		.max_indirect = vf->info.max_indirect,
		.discard = vf->info.discard,
		.persistent = vf->cfg.persistent && vf->info.persistent,
		.gref_kind = vf_fuzz_gref_kind,
		.page = vf_fuzz_page,
		.ctx = f,
	};
}

static u64 vf_rand(struct vf_fuzz *f)
{
	u64 z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 vf_below(struct vf_fuzz *f, u64 n)
{
	return n ? vf_rand(f) % n : 0;
}

/* A grant reference that is safe to hand the backend. */
static u32 vf_fuzz_gref(struct vf_fuzz *f)
{
	struct vf *vf = f->vf;

	switch (vf_below(f, 8)) {
	case 0:
		return vf->ro.grefs[0];
	case 1:
		return VF_FUZZ_BAD_GREF_MIN +
		       (u32)vf_below(f, 0xffffffffULL - VF_FUZZ_BAD_GREF_MIN);
	case 2:
		return 0xffffffffU;
	default:
		return vf->data.grefs[vf_below(f, VF_NR_DATA)];
	}
}

/*
 * A page to stand for a page of segments: never a data page, whose bytes
 * (zeros, or disk contents) could describe a valid segment of any page the
 * guest has granted.
 */
static u32 vf_fuzz_ind_gref(struct vf_fuzz *f)
{
	struct vf *vf = f->vf;

	switch (vf_below(f, 4)) {
	case 0:
		return vf->ro.grefs[0];
	case 1:
		return VF_FUZZ_BAD_GREF_MIN + (u32)vf_below(f, 1U << 24);
	default:
		return vf->ind.grefs[vf_below(f, VF_MAX_IND_PAGES)];
	}
}

static void vf_fuzz_seg(struct vf_fuzz *f, struct vf_seg *s)
{
	u8 a = vf_below(f, 8), b = vf_below(f, 8);

	s->gref = f->vf->data.grefs[vf_below(f, VF_NR_DATA)];
	s->first_sect = a < b ? a : b;
	s->last_sect = a < b ? b : a;
}

/*
 * Fill one indirect page with valid descriptors of data pages, so that a
 * request claiming more segments than it was given still names only pages
 * of ours.
 */
static void vf_fuzz_ind_page(struct vf_fuzz *f, unsigned int page,
			     unsigned int nr, bool garbage)
{
	u8 *p = f->vf->ind.map + (size_t)page * VF_PAGE_SIZE;
	struct vf_seg s;
	unsigned int i;

	for (i = 0; i < VF_SEGS_PER_IND_PAGE; i++) {
		vf_fuzz_seg(f, &s);
		if (garbage && i < nr && !vf_below(f, 8)) {
			s.gref = vf_fuzz_gref(f);
			s.first_sect = vf_rand(f);
			s.last_sect = vf_rand(f);
		}
		vf_blkif_encode_ind_segs(&s, 1, p + i * VF_SEG_SIZE);
	}
}

static u64 vf_fuzz_sector(struct vf_fuzz *f, u64 nr_sectors)
{
	u64 n = f->vf->info.sectors;

	if (nr_sectors >= n)
		return 0;
	return vf_below(f, (n - nr_sectors) / 8 + 1) * 8;
}

/* A valid request; ind_page is the indirect page it may use. */
static void vf_fuzz_valid(struct vf_fuzz *f, struct vf_req *req,
			  unsigned int ind_page, char *what, size_t len)
{
	struct vf *vf = f->vf;
	unsigned int r = vf_below(f, 100), i, nr;
	u64 sectors = 0;

	memset(req, 0, sizeof(*req));
	req->id = vf_new_id(vf);
	req->handle = vf->devid;
	/* Every direct slot names a page of ours, used or not. */
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		vf_fuzz_seg(f, &req->segs[i]);
	for (i = 0; i < VF_MAX_IND_PAGES; i++)
		req->ind_grefs[i] = vf->ind.grefs[ind_page % VF_MAX_IND_PAGES];
	if (r < 20 && vf->info.max_indirect && ind_page < VF_MAX_IND_PAGES) {
		nr = 1 + vf_below(f, vf->info.max_indirect < VF_SEGS_PER_IND_PAGE ?
				  vf->info.max_indirect : VF_SEGS_PER_IND_PAGE);
		req->op = BLKIF_OP_INDIRECT;
		req->indirect_op = vf_below(f, 2) ? BLKIF_OP_WRITE : BLKIF_OP_READ;
		req->nr_segs = nr;
		vf_fuzz_ind_page(f, ind_page, 0, false);
		sectors = (u64)nr * 8;
		req->sector = vf_fuzz_sector(f, sectors);
		snprintf(what, len, "indirect-%s", req->indirect_op ? "write" : "read");
		return;
	}
	if (r < 30 && vf->info.discard) {
		req->op = BLKIF_OP_DISCARD;
		req->nr_discard = 8 * (1 + vf_below(f, 256));
		req->sector = vf_fuzz_sector(f, req->nr_discard);
		snprintf(what, len, "discard");
		return;
	}
	if (r < 35 && vf->info.flush) {
		req->op = BLKIF_OP_FLUSH_DISKCACHE;
		req->nr_segs = vf_below(f, 3);
	} else if (r < 38 && vf->info.barrier) {
		req->op = BLKIF_OP_WRITE_BARRIER;
		req->nr_segs = vf_below(f, 3);
	} else {
		req->op = r & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ;
		req->nr_segs = 1 + vf_below(f, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	}
	for (i = 0; i < req->nr_segs; i++)
		sectors += req->segs[i].last_sect - req->segs[i].first_sect + 1;
	req->sector = vf_fuzz_sector(f, sectors);
	snprintf(what, len, "op%u", req->op);
}

static const u64 vf_fuzz_sectors[] = {
	0, 1, 7, 8, UINT64_MAX, UINT64_MAX - 7, 1ULL << 63, 1ULL << 32,
};

/* Change one field of a valid request to a value chosen to hurt. */
static void vf_fuzz_mutate(struct vf_fuzz *f, struct vf_req *req,
			   unsigned int ind_page, char *what, size_t len)
{
	static const u8 ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 77, 255 };
	struct vf *vf = f->vf;
	u64 n = vf->info.sectors;
	unsigned int field = vf_below(f, 12), i = vf_below(f, 11);
	size_t l = strlen(what);

	switch (field) {
	case 0:
		req->op = vf_below(f, 2) ? ops[vf_below(f, sizeof(ops))] :
					   (u8)vf_rand(f);
		break;
	case 1:
		req->nr_segs = vf_below(f, 2) ? (u16)vf_rand(f) :
			       (u16)(vf->info.max_indirect + vf_below(f, 3) - 1);
		break;
	case 2:
		req->sector = vf_below(f, 2) ? vf_rand(f) :
			      vf_fuzz_sectors[vf_below(f, 8)] + n - 8 * vf_below(f, 2);
		break;
	case 3:
		req->sector = n - vf_below(f, 16);
		break;
	case 4:
		req->segs[i].first_sect = vf_rand(f);
		break;
	case 5:
		req->segs[i].last_sect = vf_rand(f);
		break;
	case 6:
		req->segs[i].gref = vf_fuzz_gref(f);
		break;
	case 7:
		req->indirect_op = vf_below(f, 2) ? vf_below(f, 8) : vf_rand(f);
		break;
	case 8:
		req->ind_grefs[vf_below(f, VF_MAX_IND_PAGES)] =
			vf_fuzz_ind_gref(f);
		break;
	case 9:
		req->nr_discard = vf_below(f, 2) ? vf_rand(f) : vf_below(f, 4) * n;
		break;
	case 10:
		req->discard_flags = vf_rand(f);
		req->handle = vf_rand(f);
		break;
	default:
		if (ind_page < VF_MAX_IND_PAGES)
			vf_fuzz_ind_page(f, ind_page, req->nr_segs, true);
		break;
	}
	snprintf(what + l, len - l, "+f%u", field);
}

static void vf_fuzz_describe(const struct vf_fuzz_req *s, int status,
			     char *buf, size_t len)
{
	const struct vf_req *q = &s->req;

	snprintf(buf, len, "got %d, expected %d (%s: op %u/%u nseg %u sector %llu ndiscard %llu)",
		 status, s->expect, s->what, q->op, q->indirect_op, q->nr_segs,
		 q->sector, q->nr_discard);
}

static void vf_fuzz_fail(struct vf_fuzz *f, u64 index, const char *fmt,
			 const char *detail)
{
	f->failures++;
	printf("CASE fuzz-%llu: FAIL %s%s\n", index, fmt, detail);
	fflush(stdout);
}

/* Send one batch and check its answers. Return: -1 if the ring died. */
static int vf_fuzz_batch(struct vf_fuzz *f, u64 first, unsigned int nr)
{
	static struct vf_fuzz_req sent[VF_FUZZ_MAX_BATCH];
	static struct vf_rsp rsps[VF_FUZZ_MAX_BATCH];
	struct vf *vf = f->vf;
	unsigned int i, j, ind = 0, own, mut;
	char detail[160];
	struct vf_req req;
	int got;

	for (i = 0; i < nr; i++) {
		struct vf_fuzz_req *s = &sent[i];

		vf_fuzz_valid(f, &req, ind, s->what, sizeof(s->what));
		/*
		 * Only the page this request was given may be garbled: a
		 * request mutated into an indirect one must not garble the
		 * page of a valid one before it.
		 */
		own = VF_MAX_IND_PAGES;
		if (req.op == BLKIF_OP_INDIRECT)
			own = ind++;
		s->mutated = vf_below(f, 4) != 0;
		mut = s->mutated ? 1 + vf_below(f, 3) : 0;
		for (j = 0; j < mut; j++)
			vf_fuzz_mutate(f, &req, own, s->what, sizeof(s->what));
		f->mutated += s->mutated;
		s->req = req;
		s->index = first + i;
		vf_ring_put(vf, &req);
	}
	/* Once every page of the batch is written, as the backend sees it. */
	for (i = 0; i < nr; i++)
		sent[i].expect = vf_model_status(&f->model, &sent[i].req);
	vf_ring_push(vf);
	got = vf_ring_collect(vf, rsps, nr, VF_FUZZ_TIMEOUT_MS);
	for (i = 0; i < (unsigned int)got; i++) {
		const struct vf_rsp *r = &rsps[i];
		struct vf_fuzz_req *s = NULL;

		for (j = 0; j < nr; j++)
			if (sent[j].req.id == r->id)
				s = &sent[j];
		if (!s || r->status == INT16_MIN) {
			snprintf(detail, sizeof(detail), "id %llu", r->id);
			vf_fuzz_fail(f, first, "response to an id not in flight: ", detail);
			continue;
		}
		if (r->status > 0 || r->status < BLKIF_RSP_EOPNOTSUPP) {
			snprintf(detail, sizeof(detail), "%d (%s)", r->status, s->what);
			vf_fuzz_fail(f, s->index, "unknown status ", detail);
			continue;
		}
		f->status[-r->status]++;
		if (!s->mutated && r->status != BLKIF_RSP_OKAY) {
			snprintf(detail, sizeof(detail), "%d (%s)", r->status, s->what);
			vf_fuzz_fail(f, s->index, "valid request answered ", detail);
		} else if (r->status != s->expect) {
			f->mismatches++;
			vf_fuzz_describe(s, r->status, detail, sizeof(detail));
			vf_fuzz_fail(f, s->index, "status differs from the protocol's: ", detail);
		}
	}
	if (got != (int)nr) {
		snprintf(detail, sizeof(detail), "%d of %u answered within %d ms",
			 got, nr, VF_FUZZ_TIMEOUT_MS);
		vf_fuzz_fail(f, first, "batch: ", detail);
		return -1;
	}
	return 0;
}

/* A checked write and read-back on every queue. Return: -1 on failure. */
static int vf_fuzz_check(struct vf_fuzz *f, u64 done)
{
	struct vf *vf = f->vf;
	struct vf_queue *cur = vf->q;
	unsigned int q;
	char why[256];

	for (q = 0; q < vf->nr_queues; q++) {
		vf_queue_select(vf, q);
		f->checks++;
		if (vf_check_io(vf, vf->info.sectors / 2 & ~7ULL, 1 + vf_below(f, 11),
				false, vf_rand(f), why, sizeof(why))) {
			vf->q = cur;
			vf_fuzz_fail(f, done, "ring no longer serves: ", why);
			return -1;
		}
	}
	vf->q = cur;
	return 0;
}

int vf_fuzz(struct vf *vf, const struct vf_config *cfg, u64 seed,
	    u64 count)
{
	struct vf_fuzz f = { .vf = vf, .rng = seed };
	u64 done = 0, batches = 0;
	unsigned int nr, max, i;
	char why[256];
	time_t t0;

	printf("fuzz: seed %llu, %llu requests, %u queue(s)\n", seed, count,
	       cfg->nr_queues ? cfg->nr_queues : 1);
	if (vf_connect(vf, cfg)) {
		printf("CASE fuzz-connect: FAIL handshake failed\n");
		return 1;
	}
	for (i = 0; i < VF_MAX_IND_PAGES; i++)
		vf_fuzz_ind_page(&f, i, 0, false);
	vf_fuzz_model(&f);
	t0 = time(NULL);
	max = vf->nr_ents < VF_FUZZ_MAX_BATCH ? vf->nr_ents : VF_FUZZ_MAX_BATCH;
	while (done < count) {
		/* With several queues, each batch goes to the next one. */
		vf_queue_select(vf, batches % vf->nr_queues);
		nr = 1 + vf_below(&f, max);
		if (nr > count - done)
			nr = count - done;
		if (vf_fuzz_batch(&f, done, nr))
			break;
		done += nr;
		if (++batches % VF_FUZZ_CHECK_EVERY == 0 || done == count) {
			if (vf_fuzz_check(&f, done))
				break;
		}
		if (batches % 250 == 0)
			printf("fuzz: %llu fuzzed requests\n", done);
	}
	for (i = 0; i < vf->nr_queues && vf->nr_queues > 1; i++) {
		printf("fuzz: queue %u: %llu requests answered\n", i,
		       vf->queues[i].nr_answered);
		/* Round-robin batches: every queue must have had its share. */
		if (vf->queues[i].nr_answered < done / vf->nr_queues / 2) {
			snprintf(why, sizeof(why), "queue %u answered %llu of %llu",
				 i, vf->queues[i].nr_answered, done);
			vf_fuzz_fail(&f, done, "multi-queue: ", why);
		}
	}
	vf_queue_select(vf, 0);
	if (vf->nr_sent != vf->nr_answered) {
		snprintf(why, sizeof(why), "%llu sent, %llu answered",
			 vf->nr_sent, vf->nr_answered);
		vf_fuzz_fail(&f, done, "responses: ", why);
	}
	if (vf_disconnect(vf))
		vf_fuzz_fail(&f, done, "teardown: ", "did not reach Closed");
	printf("fuzz: %llu mutated; okay %llu, error %llu, eopnotsupp %llu\n",
	       f.mutated, f.status[0], f.status[1], f.status[2]);
	printf("CASE fuzz: %s seed %llu: %llu fuzzed requests, %llu checks, %ld s\n",
	       f.failures ? "FAIL" : "PASS", seed, done, f.checks,
	       (long)(time(NULL) - t0));
	printf("SUMMARY fuzz: %llu fuzzed requests, %llu sent, %llu answered, %llu failures\n",
	       done, vf->nr_sent, vf->nr_answered, f.failures);
	return f.failures ? 1 : 0;
}

/*
 * Event storm: notifications with no request behind them. The backend
 * must shrug them off (dom0 measures its own CPU time meanwhile), and the
 * ring must serve as before.
 */
int vf_storm(struct vf *vf, const struct vf_config *cfg, unsigned int count)
{
	struct timespec a, b;
	unsigned int i, failed = 0;
	char why[256] = "";
	double secs;

	if (vf_connect(vf, cfg)) {
		printf("CASE event-storm: FAIL handshake failed\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < count; i++) {
		if (vf_evtchn_notify(vf) < 0) {
			snprintf(why, sizeof(why), "notify %u failed", i);
			failed = 1;
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("VBDTEST-KV storm_notifies=%u\n", i);
	printf("VBDTEST-KV storm_seconds=%.1f\n", secs);
	if (!failed && vf_check_io(vf, 4096, 11, false, 99, why, sizeof(why)))
		failed = 1;
	if (!failed && vf->nr_sent != vf->nr_answered) {
		snprintf(why, sizeof(why), "responses without requests");
		failed = 1;
	}
	if (vf_disconnect(vf) && !failed) {
		snprintf(why, sizeof(why), "teardown did not reach Closed");
		failed = 1;
	}
	printf("CASE event-storm: %s %u notifications in %.1f s%s%s\n",
	       failed ? "FAIL" : "PASS", i, secs, failed ? ": " : "", why);
	printf("SUMMARY storm: %u passed, %u failed\n", !failed, failed);
	return failed;
}
