// SPDX-License-Identifier: GPL-2.0
/*
 * The frontend side of the shared ring: requests into slots, the producer
 * index published (or, on purpose, a wrong one), responses collected and
 * matched against what is in flight.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vbdfront.h"

/* Shared ring header: four 32-bit indices, then padding to 64 bytes. */
#define VF_REQ_PROD	0
#define VF_REQ_EVENT	4
#define VF_RSP_PROD	8
#define VF_RSP_EVENT	12

/* The indices are shared with the backend: one access each, atomically. */
static u32 vf_idx_get(struct vf *vf, unsigned int off)
{
	return __atomic_load_n((u32 *)(vf->q->sring + off), __ATOMIC_SEQ_CST);
}

static void vf_idx_set(struct vf *vf, unsigned int off, u32 v)
{
	__atomic_store_n((u32 *)(vf->q->sring + off), v, __ATOMIC_SEQ_CST);
}

static u8 *vf_slot(struct vf *vf, u32 idx)
{
	unsigned int slot = vf_blkif_req_size(vf->cfg.abi);

	return vf->q->sring + VF_SRING_HDR + (idx & (vf->nr_ents - 1)) * slot;
}

void vf_ring_init(struct vf *vf)
{
	memset(vf->q->sring, 0, (size_t)vf->q->ring.count * VF_PAGE_SIZE);
	vf_idx_set(vf, VF_REQ_EVENT, 1);
	vf_idx_set(vf, VF_RSP_EVENT, 1);
	vf->q->req_prod_pvt = 0;
	vf->q->rsp_cons = 0;
	vf->q->nr_inflight = 0;
	vf->q->nr_answered = 0;
}

/* Slots free for requests, counting responses not yet consumed. */
unsigned int vf_ring_free_slots(struct vf *vf)
{
	return vf->nr_ents - (vf->q->req_prod_pvt - vf->q->rsp_cons);
}

static void vf_inflight_add(struct vf *vf, u64 id)
{
	if (vf->q->nr_inflight < VF_MAX_INFLIGHT)
		vf->q->inflight[vf->q->nr_inflight++] = id;
	vf->nr_sent++;
}

/* Return: true if id was in flight (one instance of it is taken). */
bool vf_inflight_take(struct vf *vf, u64 id)
{
	unsigned int i;

	for (i = 0; i < vf->q->nr_inflight; i++) {
		if (vf->q->inflight[i] == id) {
			vf->q->inflight[i] = vf->q->inflight[--vf->q->nr_inflight];
			return true;
		}
	}
	return false;
}

void vf_ring_put_raw(struct vf *vf, const u8 *raw)
{
	u64 id;

	/* The id is at 8 in the x86_64 layout, at 4 in the x86_32 one. */
	memcpy(&id, raw + (vf->cfg.abi == VF_ABI_X86_32 ? 4 : 8), sizeof(id));
	memcpy(vf_slot(vf, vf->q->req_prod_pvt), raw,
	       vf_blkif_req_size(vf->cfg.abi));
	vf->q->req_prod_pvt++;
	vf_inflight_add(vf, id);
}

void vf_ring_put(struct vf *vf, const struct vf_req *req)
{
	u8 raw[VF_MAX_SLOT];

	vf_blkif_encode(vf->cfg.abi, req, raw);
	vf_ring_put_raw(vf, raw);
}

/* Publish req_prod_pvt and kick the backend (always: no event check). */
void vf_ring_push(struct vf *vf)
{
	vf_idx_set(vf, VF_REQ_PROD, vf->q->req_prod_pvt);
	vf_evtchn_notify(vf);
}

/* Publish any producer index at all, e.g. one beyond the ring. */
void vf_ring_set_prod(struct vf *vf, u32 prod)
{
	vf_idx_set(vf, VF_REQ_PROD, prod);
	vf_evtchn_notify(vf);
}

u32 vf_ring_rsp_prod(struct vf *vf)
{
	return vf_idx_get(vf, VF_RSP_PROD);
}

static u64 vf_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Collect up to n responses, waiting at most timeout_ms in all. Ids are
 * taken off the in-flight list; one never sent is reported, and answered
 * with a status of its own so callers see it.
 *
 * Return: the number collected.
 */
int vf_ring_collect(struct vf *vf, struct vf_rsp *rsps, unsigned int n,
		    int timeout_ms)
{
	u64 end = vf_ms() + timeout_ms;
	unsigned int got = 0;
	u32 rp;
	s64 left;

	while (got < n) {
		rp = vf_ring_rsp_prod(vf);
		while (vf->q->rsp_cons != rp && got < n) {
			struct vf_rsp *r = &rsps[got++];

			vf_blkif_decode_rsp(vf->cfg.abi,
					    vf_slot(vf, vf->q->rsp_cons), r);
			vf->q->rsp_cons++;
			vf->nr_answered++;
			vf->q->nr_answered++;
			if (!vf_inflight_take(vf, r->id)) {
				printf("response with id %llu that is not in flight (status %d)\n",
				       r->id, r->status);
				r->status = INT16_MIN;
			}
		}
		if (got >= n)
			break;
		/* Ask for an event at the next response, then look again. */
		vf_idx_set(vf, VF_RSP_EVENT, vf->q->rsp_cons + 1);
		if (vf_ring_rsp_prod(vf) != vf->q->rsp_cons)
			continue;
		left = (s64)(end - vf_ms());
		if (left <= 0)
			break;
		vf_evtchn_wait(vf, left > 100 ? 100 : (int)left);
	}
	return got;
}
