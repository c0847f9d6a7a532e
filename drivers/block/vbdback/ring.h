/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared ring and its requests (ring.c): the top of the datapath. A
 * ring owns its requests, its indices and its worker; the layers below it
 * (io, discard, copy, persistent, grant) get a request or the ring's
 * per-layer state and hand completions back through the request's done
 * callback.
 */
#ifndef VBDBACK_RING_H
#define VBDBACK_RING_H

#include <linux/blkdev.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>
#include <xen/interface/io/ring.h>
#include <xen/xenbus.h>

#include "copy.h"
#include "counters.h"
#include "grant.h"
#include "persistent.h"
#include "poll.h"
#include "proto.h"
#include "stats.h"
#include "vbdback.h"

struct vbd_ring;

/**
 * struct vbd_req - one request from receipt to response
 * @ring: the ring it came from
 * @req: decoded private copy of the frontend's request
 * @io: what validation decided to execute
 * @segs: its segments (room for the ring's @max_segs)
 * @pages: pages the guest's grants are mapped onto (as many)
 * @handles: grant handles of mappings to undo after the request (as many)
 * @pgrants: the persistent grant behind each page, or NULL (as many)
 * @start_ns: when it was taken off the ring
 * @lat_kind: the histogram it counts in, or VBD_LAT_NONE
 * @error: first error seen, as a negative errno
 * @pending: bios not yet completed
 * @nr_pages: segments given a page (from the page cache, a persistent
 *            grant or the ring's copy pages)
 * @copy: the data goes by grant copy through pages of dom0's own
 * @discard_work: runs a discard away from the ring's worker
 * @done: called by whoever finishes the request's I/O (any context): set
 *        by ring.c, which owns what happens next
 * @node: link in the completion list
 * @free: link in the ring's free list
 */
struct vbd_req {
	struct vbd_ring *ring;
	struct vbd_request req;
	struct vbd_io io;
	struct vbd_seg *segs;
	struct page **pages;
	grant_handle_t *handles;
	struct vbd_pgrant **pgrants;
	u64 start_ns;
	enum vbd_lat_kind lat_kind;
	int error;
	atomic_t pending;
	unsigned int nr_pages;
	bool copy;
	struct work_struct discard_work;
	void (*done)(struct vbd_req *req);
	struct llist_node node;
	struct list_head free;
};

/**
 * struct vbd_ring - one shared ring (hardware queue) and its event channel
 * @be: owning backend
 * @index: queue number
 * @abi: request layout the frontend uses
 * @geom: slot layout
 * @max_segs: most segments a request on this ring may carry
 * @sring: mapping of the shared ring pages
 * @br: index bookkeeping (only indices; slots are addressed through @geom)
 * @irq: bound event channel
 * @work: consumes requests and answers completions; never runs concurrently
 *        with itself, so it alone touches @br, @free_reqs, @scratch and the
 *        counters
 * @flags: ring.c's VBD_RING_* bits
 * @reqs: preallocated requests, @geom.nr_ents of them
 * @free_reqs: requests not in use
 * @done: requests whose I/O completed, awaiting unmap and response
 * @nr_submitted: requests handed to the block layer and not yet answered
 * @inflight: accepted requests not yet answered: reads, and all others
 * @barrier: a barrier request holding the ring until it has completed
 * @barrier_submitted: @barrier has been handed to the block layer
 * @quiescing: the ring is being handed over: consume nothing more, but
 *             answer, and tell the frontend of, everything already taken
 * @stopping: teardown has begun; consume nothing more
 * @reaping: the work item is submitting and will reap @done once more
 *           before it answers, so a completion need not queue it
 * @broken: the frontend broke the protocol; consume nothing more
 * @idle: woken when a quiescing ring has answered all it took
 * @pages: cache of pages to map grants onto
 * @pgrants: persistent grants kept mapped
 * @poll: polling for requests before asking for an event
 * @copy: pages for requests copied rather than mapped
 * @scratch: per-request working space of the worker
 * @stats: counters for sysfs, read through vbd_ring_stats_add()
 *
 * Only ring.c touches @br, @flags and @work; other files go through the
 * functions below.
 */
struct vbd_ring {
	struct vbd_backend *be;
	unsigned int index;
	enum vbd_abi abi;
	struct vbd_ring_geom geom;
	unsigned int max_segs;
	void *sring;
	struct blkif_back_ring br;
	int irq;
	struct work_struct work;
	unsigned long flags;
	struct vbd_req *reqs;
	struct list_head free_reqs;
	struct llist_head done;
	unsigned int nr_submitted;
	unsigned int inflight[2];
	struct vbd_req *barrier;
	bool barrier_submitted;
	bool quiescing;
	bool stopping;
	bool reaping;
	bool broken;
	wait_queue_head_t idle;
	struct gnttab_page_cache pages;
	struct vbd_pgrants pgrants;
	struct vbd_poll poll;
	struct vbd_copy copy;
	struct vbd_grant_scratch scratch;
	struct vbd_stats stats;
};

/**
 * struct vbd_ring_config - what the frontend negotiated for one ring
 * @abi: request layout
 * @nr_grefs: ring pages (a power of two)
 * @grefs: their grant references
 * @evtchn: the ring's event channel port
 * @persistent: both ends offered persistent grants
 * @live: the ring is taken over from another backend, which may still be
 *        letting go of it
 */
struct vbd_ring_config {
	enum vbd_abi abi;
	bool persistent;
	bool live;
	unsigned int nr_grefs;
	grant_ref_t grefs[XENBUS_MAX_RING_GRANTS];
	evtchn_port_t evtchn;
};

/* The step of vbd_ring_connect() that failed, for the caller to report. */
enum vbd_ring_step {
	VBD_RING_STEP_ALLOC,	/* allocating the ring's memory */
	VBD_RING_STEP_PGRANTS,	/* setting up persistent grants */
	VBD_RING_STEP_MAP,	/* mapping the ring's pages */
	VBD_RING_STEP_INDICES,	/* the ring's indices are impossible */
	VBD_RING_STEP_BIND,	/* binding the event channel */
};

struct vbd_ring *vbd_ring_connect(struct vbd_backend *be, unsigned int index,
				  struct vbd_ring_config *cfg,
				  enum vbd_ring_step *step);
void vbd_ring_disconnect(struct vbd_ring *ring);

/**
 * struct vbd_ring_info - a snapshot of a ring, for sysfs and the log
 * @nr_ents: request slots
 * @abi: request layout the frontend uses
 * @persistent: persistent grants are on
 * @pgrants_max: most persistent grants kept
 * @pgrants: persistent grants kept now
 * @inflight: accepted requests not yet answered: reads, and all others
 */
struct vbd_ring_info {
	unsigned int nr_ents;
	enum vbd_abi abi;
	bool persistent;
	unsigned int pgrants_max;
	unsigned int pgrants;
	unsigned int inflight[2];
};

void vbd_ring_info(const struct vbd_ring *ring, struct vbd_ring_info *info);
void vbd_ring_stats_add(const struct vbd_ring *ring, struct vbd_stats *sum);

#endif /* VBDBACK_RING_H */
