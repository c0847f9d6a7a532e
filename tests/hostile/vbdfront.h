/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbdfront: a userspace blkif frontend that drives a vbd backend through
 * xenstore, gntalloc and evtchn, to send it requests no well-behaved
 * frontend would.
 */
#ifndef VBDFRONT_H
#define VBDFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "blkif.h"

#define VF_MAX_RING_ORDER	4
#define VF_MAX_RING_PAGES	(1U << VF_MAX_RING_ORDER)
/* Data pages: enough for one indirect request of the most segments. */
#define VF_NR_DATA		256
/* In-flight bookkeeping: at most a ring's worth, doubled for abuse. */
#define VF_MAX_INFLIGHT		2048

/* A run of pages granted to domain 0 through gntalloc. */
struct vf_grant {
	uint64_t index;
	unsigned int count;
	uint32_t *grefs;
	uint8_t *map;
};

/* What the frontend asks for when it connects. */
struct vf_config {
	enum vf_abi abi;
	unsigned int ring_order;
	bool persistent;
};

/* What the backend offers (read at InitWait and at Connected). */
struct vf_backend_info {
	unsigned int max_ring_order;
	unsigned int max_queues;
	unsigned int max_indirect;
	bool persistent;
	bool discard;
	bool flush;
	bool barrier;
	uint64_t sectors;
	unsigned int sector_size;
};

struct vf {
	/* xenbus */
	struct xs_handle *xs;
	unsigned int devid;
	char fe[64];
	char be[128];
	struct vf_config cfg;
	struct vf_backend_info info;
	bool connected;
	/* plumbing */
	int gnt_fd;
	int evt_fd;
	unsigned int port;
	struct vf_grant ring;
	struct vf_grant data;
	struct vf_grant ind;
	struct vf_grant ro;
	/* ring */
	uint8_t *sring;
	unsigned int nr_ents;
	uint32_t req_prod_pvt;
	uint32_t rsp_cons;
	/* requests sent and not answered, by id (ids may repeat) */
	uint64_t inflight[VF_MAX_INFLIGHT];
	unsigned int nr_inflight;
	uint64_t next_id;
	uint64_t nr_sent;
	uint64_t nr_answered;
	unsigned int verbose;
};

/* xenbus.c */
int vf_xs_open(struct vf *vf, unsigned int devid);
void vf_xs_close(struct vf *vf);
int vf_connect(struct vf *vf, const struct vf_config *cfg);
int vf_disconnect(struct vf *vf);

/* plumb.c */
int vf_plumb_open(struct vf *vf);
void vf_plumb_close(struct vf *vf);
int vf_grant_alloc(struct vf *vf, struct vf_grant *g, unsigned int count,
		   bool writable);
void vf_grant_free(struct vf *vf, struct vf_grant *g);
int vf_evtchn_bind(struct vf *vf);
void vf_evtchn_unbind(struct vf *vf);
int vf_evtchn_notify(struct vf *vf);
int vf_evtchn_wait(struct vf *vf, int timeout_ms);

/* ring.c */
void vf_ring_init(struct vf *vf);
void vf_ring_put(struct vf *vf, const struct vf_req *req);
void vf_ring_put_raw(struct vf *vf, const uint8_t *raw);
void vf_ring_push(struct vf *vf);
void vf_ring_set_prod(struct vf *vf, uint32_t prod);
uint32_t vf_ring_rsp_prod(struct vf *vf);
int vf_ring_collect(struct vf *vf, struct vf_rsp *rsps, unsigned int n,
		    int timeout_ms);
unsigned int vf_ring_free_slots(struct vf *vf);
bool vf_inflight_take(struct vf *vf, uint64_t id);

/* io.c: requests built from the data pages, and a checked write/read */
uint64_t vf_new_id(struct vf *vf);
void vf_req_rw(struct vf *vf, struct vf_req *req, uint8_t op, uint64_t sector,
	       unsigned int first_page, unsigned int nr_segs);
void vf_req_indirect(struct vf *vf, struct vf_req *req, uint8_t op,
		     uint64_t sector, unsigned int first_page,
		     unsigned int nr_segs, struct vf_seg *segs);
void vf_fill_pattern(uint8_t *buf, size_t len, uint64_t tag);
int vf_submit_wait(struct vf *vf, const struct vf_req *req,
		   struct vf_rsp *rsp, int timeout_ms);
int vf_check_io(struct vf *vf, uint64_t sector, unsigned int nr_segs,
		bool indirect, uint64_t tag, char *why, size_t len);

/* conform.c, fuzz.c */
int vf_conform(struct vf *vf, int nr_cfgs, const struct vf_config *cfgs);
int vf_fuzz(struct vf *vf, const struct vf_config *cfg, uint64_t seed,
	    uint64_t count);
int vf_storm(struct vf *vf, const struct vf_config *cfg, unsigned int count);

#endif /* VBDFRONT_H */
