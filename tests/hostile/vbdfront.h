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

#include <xen/io/xenbus.h>

#include "wire.h"

#define VF_MAX_RING_ORDER	4
#define VF_MAX_RING_PAGES	16	/* 1 << VF_MAX_RING_ORDER */
/* Data pages: enough for one indirect request of the most segments. */
#define VF_NR_DATA		256
/* In-flight bookkeeping: at most a ring's worth, doubled for abuse. */
#define VF_MAX_INFLIGHT		2048

/* A run of pages granted to domain 0 through gntalloc. */
struct vf_grant {
	u64 index;
	unsigned int count;
	u32 *grefs;
	u8 *map;
};

/* Queues (rings) one frontend may ask for. */
#define VF_MAX_QUEUES		8

/* What the frontend asks for when it connects. */
struct vf_config {
	enum vf_abi abi;
	unsigned int ring_order;
	bool persistent;
	/* 0 or 1: one ring, keys in the device's directory; else queue-N/ */
	unsigned int nr_queues;
};

/* One shared ring with its event channel, and what is in flight on it. */
struct vf_queue {
	struct vf_grant ring;
	unsigned int port;
	u8 *sring;
	u32 req_prod_pvt;
	u32 rsp_cons;
	/* requests sent and not answered, by id (ids may repeat) */
	u64 inflight[VF_MAX_INFLIGHT];
	unsigned int nr_inflight;
	u64 nr_answered;
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
	u64 sectors;
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
	struct vf_grant data;
	struct vf_grant ind;
	struct vf_grant ro;
	/* rings: the one requests go to now, and all of them */
	struct vf_queue *q;
	struct vf_queue queues[VF_MAX_QUEUES];
	unsigned int nr_queues;
	unsigned int nr_ents;
	u64 next_id;
	u64 nr_sent;
	u64 nr_answered;
	unsigned int verbose;
};

/* xenbus.c */
int vf_xs_open(struct vf *vf, unsigned int devid);
void vf_xs_close(struct vf *vf);
int vf_connect(struct vf *vf, const struct vf_config *cfg);
int vf_disconnect(struct vf *vf);
int vf_setup(struct vf *vf, const struct vf_config *cfg);
int vf_handshake(struct vf *vf);
int vf_reset(struct vf *vf);
void vf_release(struct vf *vf);
void vf_clear_keys(struct vf *vf);
int vf_write_ring_keys(struct vf *vf);
void vf_rings_init(struct vf *vf);
void vf_queue_select(struct vf *vf, unsigned int q);
int vf_be_state(struct vf *vf);
u64 vf_be_read_u64(struct vf *vf, const char *key, u64 def);
int vf_set_state(struct vf *vf, enum xenbus_state s);
int vf_fe_write(struct vf *vf, const char *key, const char *val);
void vf_fe_rm(struct vf *vf, const char *key);
int vf_wait_be_ms(struct vf *vf, int ms, int want, int want2);

/* plumb.c */
int vf_plumb_open(struct vf *vf);
void vf_plumb_close(struct vf *vf);
int vf_grant_alloc_to(struct vf *vf, struct vf_grant *g, unsigned int count,
		      bool writable, u16 domid);
int vf_grant_alloc(struct vf *vf, struct vf_grant *g, unsigned int count,
		   bool writable);
void vf_grant_free(struct vf *vf, struct vf_grant *g);
int vf_evtchn_bind(struct vf *vf);
void vf_evtchn_unbind(struct vf *vf);
int vf_evtchn_notify(struct vf *vf);
int vf_evtchn_wait(struct vf *vf, int timeout_ms);

/* sring.c */
void vf_ring_init(struct vf *vf);
void vf_ring_put(struct vf *vf, const struct vf_req *req);
void vf_ring_put_raw(struct vf *vf, const u8 *raw);
void vf_ring_push(struct vf *vf);
void vf_ring_set_prod(struct vf *vf, u32 prod);
u32 vf_ring_rsp_prod(struct vf *vf);
int vf_ring_collect(struct vf *vf, struct vf_rsp *rsps, unsigned int n,
		    int timeout_ms);
unsigned int vf_ring_free_slots(struct vf *vf);
bool vf_inflight_take(struct vf *vf, u64 id);

/* io.c: requests built from the data pages, and a checked write/read */
u64 vf_new_id(struct vf *vf);
void vf_req_rw(struct vf *vf, struct vf_req *req, u8 op, u64 sector,
	       unsigned int first_page, unsigned int nr_segs);
void vf_req_indirect(struct vf *vf, struct vf_req *req, u8 op,
		     u64 sector, unsigned int first_page,
		     unsigned int nr_segs, struct vf_seg *segs);
void vf_fill_pattern(u8 *buf, size_t len, u64 tag);
int vf_submit_wait(struct vf *vf, const struct vf_req *req,
		   struct vf_rsp *rsp, int timeout_ms);
int vf_check_io(struct vf *vf, u64 sector, unsigned int nr_segs,
		bool indirect, u64 tag, char *why, size_t len);

/* conform.c, fuzz.c */
int vf_conform(struct vf *vf, int nr_cfgs, const struct vf_config *cfgs);
int vf_fuzz(struct vf *vf, const struct vf_config *cfg, u64 seed,
	    u64 count);
int vf_storm(struct vf *vf, const struct vf_config *cfg, unsigned int count);

/* crash.c: the crash check's barrier workload */
int vf_crash(struct vf *vf, const struct vf_config *cfg, u64 count,
	     unsigned int slots, const char *run);

/* xsabuse.c: the xenstore side abused, one case at a time or at random */
int vf_xsabuse(struct vf *vf);
int vf_xsgone(struct vf *vf, const char *state);
int vf_xsfuzz(struct vf *vf, const struct vf_config *cfg, u64 seed,
	      u64 count);

#endif /* VBDFRONT_H */
