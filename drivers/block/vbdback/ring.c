// SPDX-License-Identifier: GPL-2.0
/*
 * The shared ring: mapping it, binding its event channel, taking requests
 * off it and putting responses on it.
 *
 * One work item per ring does all of it. It never runs concurrently with
 * itself, so the ring indices, the free list and the counters need no lock.
 * Block-layer completions only queue a request on a lockless list and kick
 * the work item, which unmaps, answers and notifies in batches; those that
 * complete while the work item submits are answered in the same run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/xen.h>

#include "discard.h"
#include "io.h"
#include "lathist.h"
#include "ring.h"
#include "trace.h"

/* Requests taken off the ring per run of the work item, for fairness. */
#define VBD_RING_BATCH		64
/* How often teardown says it is still waiting for the device. */
#define VBD_DRAIN_WARN_SECS	30
/* How long a live ring's event channel is waited for: 5 s. */
#define VBD_BIND_TRIES		50
#define VBD_BIND_RETRY_MS	100

/* Bits of ring->flags. An event arrived and awaits its late EOI. */
#define VBD_RING_EOI_PENDING	0
/* The runs an owed EOI spans took a request: the event was not spurious. */
#define VBD_RING_EOI_USEFUL	1

static u8 *vbd_ring_slot(struct vbd_ring *ring, RING_IDX idx)
{
	return (u8 *)ring->sring + VBD_SRING_HDR_SIZE +
	       (idx & (ring->geom.nr_ents - 1)) * ring->geom.slot_size;
}

/* Whether the frontend has published requests not yet taken. */
static bool vbd_ring_has_requests(const struct vbd_ring *ring)
{
	/* Only compared: the request is read when consumed. */
	return READ_ONCE(ring->br.sring->req_prod) != ring->br.req_cons;
}

/*
 * Run the worker soon: an event, a completion, a quiesce, or persistent
 * grants' housekeeping (the idle check, the shrinker) wants it.
 */
static void vbd_ring_kick(struct vbd_ring *ring)
{
	queue_work(ring->be->wq, &ring->work);
}

static struct vbd_req *vbd_ring_get_req(struct vbd_ring *ring)
{
	struct vbd_req *req;

	req = list_first_entry_or_null(&ring->free_reqs, struct vbd_req, free);
	if (req)
		list_del(&req->free);
	return req;
}

/* The latency histogram a request counts in. */
static enum vbd_lat_kind vbd_ring_lat_kind(enum vbd_io_kind kind)
{
	switch (kind) {
	case VBD_IO_READ:
		return VBD_LAT_READ;
	case VBD_IO_WRITE:
		return VBD_LAT_WRITE;
	case VBD_IO_FLUSH:
	case VBD_IO_BARRIER:
		return VBD_LAT_FLUSH;
	case VBD_IO_DISCARD:
	case VBD_IO_SECURE_ERASE:
		break;
	}
	return VBD_LAT_DISCARD;
}

/* An accepted request is in flight until it is answered. */
static void vbd_ring_accept(struct vbd_ring *ring, struct vbd_req *req)
{
	unsigned int *n;

	req->lat_kind = vbd_ring_lat_kind(req->io.kind);
	n = &ring->inflight[req->lat_kind != VBD_LAT_READ];
	WRITE_ONCE(*n, *n + 1);
	vbd_debug_add(VBD_DBG_REQUESTS, 1);
}

/* Count an answered request's latency, and take it off the gauge. */
static u64 vbd_ring_retire(struct vbd_ring *ring, struct vbd_req *req)
{
	u64 ns = ktime_get_ns() - req->start_ns;
	unsigned int *n;

	if (req->lat_kind == VBD_LAT_NONE)
		return ns;
	vbd_count(&ring->stats.lat[req->lat_kind]
			 [vbd_lat_bucket(div_u64(ns, NSEC_PER_USEC),
					 VBD_LAT_BUCKETS)], 1);
	n = &ring->inflight[req->lat_kind != VBD_LAT_READ];
	WRITE_ONCE(*n, *n - 1);
	vbd_debug_add(VBD_DBG_REQUESTS, -1);
	return ns;
}

/* Answer a request and return it to the free list. */
static void vbd_ring_finish(struct vbd_ring *ring, struct vbd_req *req,
			    int err)
{
	s16 status = vbd_proto_status(err);
	u8 rsp[VBD_RSP_MAX_SIZE];
	u64 ns;

	vbd_proto_encode_rsp(ring->abi, rsp, req->req.id,
			     vbd_proto_rsp_op(&req->req), status);
	memcpy(vbd_ring_slot(ring, ring->br.rsp_prod_pvt), rsp,
	       ring->geom.rsp_size);
	ring->br.rsp_prod_pvt++;
	ns = vbd_ring_retire(ring, req);
	trace_vbdback_req_answered(req, status, ns);

	if (req == ring->barrier)
		ring->barrier = NULL;
	list_add(&req->free, &ring->free_reqs);
}

/* Publish responses; the frontend asked to be told past rsp_event. */
static void vbd_ring_push(struct vbd_ring *ring)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring->br, notify);
	if (notify && !READ_ONCE(ring->stopping))
		notify_remote_via_irq(ring->irq);
}

static void vbd_ring_submit(struct vbd_ring *ring, struct vbd_req *req)
{
	int err = 0;

	WRITE_ONCE(ring->nr_submitted, ring->nr_submitted + 1);
	if (req->io.kind == VBD_IO_DISCARD ||
	    req->io.kind == VBD_IO_SECURE_ERASE)
		vbd_discard_submit(req);
	else
		err = vbd_io_submit(req);
	if (err) {
		WRITE_ONCE(ring->nr_submitted, ring->nr_submitted - 1);
		vbd_ring_finish(ring, req, err);
		return;
	}
	trace_vbdback_req_submitted(req);
}

/* A barrier waits for everything before it, and holds everything after. */
static void vbd_ring_issue_barrier(struct vbd_ring *ring)
{
	if (!ring->barrier || ring->barrier_submitted || ring->nr_submitted ||
	    READ_ONCE(ring->stopping))
		return;
	ring->barrier_submitted = true;
	vbd_ring_submit(ring, ring->barrier);
}

static void vbd_ring_count(struct vbd_ring *ring, const struct vbd_io *io)
{
	struct vbd_stats *st = &ring->stats;

	switch (io->kind) {
	case VBD_IO_READ:
		vbd_count(&st->rd_req, 1);
		vbd_count(&st->rd_sect, io->nr_sectors);
		break;
	case VBD_IO_WRITE:
		vbd_count(&st->wr_req, 1);
		vbd_count(&st->wr_sect, io->nr_sectors);
		break;
	case VBD_IO_FLUSH:
	case VBD_IO_BARRIER:
		vbd_count(&st->f_req, 1);
		vbd_count(&st->wr_sect, io->nr_sectors);
		break;
	case VBD_IO_DISCARD:
	case VBD_IO_SECURE_ERASE:
		vbd_count(&st->ds_req, 1);
		break;
	}
	if (io->nr_indirect)
		vbd_count(&st->indirect_req, 1);
	if (io->nr_segments > st->max_req_segs)
		WRITE_ONCE(st->max_req_segs, io->nr_segments);
}

/*
 * Validate the private copy; an indirect request's segments are fetched
 * from the guest in between, into private memory, once.
 */
static int vbd_ring_validate(struct vbd_req *req, const struct vbd_limits *lim)
{
	int err;

	err = vbd_proto_validate_op(&req->req, lim, &req->io);
	if (!err && req->io.nr_indirect)
		err = vbd_io_fetch_indirect(req);
	if (!err)
		err = vbd_proto_validate_data(&req->req, req->segs, lim,
					      &req->io);
	return err;
}

static void vbd_ring_dispatch(struct vbd_ring *ring, struct vbd_req *req,
			      const struct vbd_limits *lim)
{
	int err;

	err = vbd_ring_validate(req, lim);
	if (err) {
		dev_dbg_ratelimited(&ring->be->xdev->dev,
				    "bad request op %u nseg %u sector %llu: %d\n",
				    req->req.operation, req->req.nr_segments,
				    req->req.sector, err);
		vbd_ring_finish(ring, req, err);
		return;
	}
	vbd_ring_count(ring, &req->io);
	vbd_ring_accept(ring, req);
	req->error = 0;
	if (req->io.kind == VBD_IO_BARRIER) {
		ring->barrier = req;
		ring->barrier_submitted = false;
		vbd_ring_issue_barrier(ring);
		return;
	}
	vbd_ring_submit(ring, req);
}

/* Segments an indirect request may carry on this ring, or 0 for none. */
static unsigned int vbd_ring_indirect_segs(const struct vbd_ring *ring)
{
	return ring->max_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST ?
	       ring->max_segs : 0;
}

/* What requests are checked against, read afresh for every batch. */
static void vbd_ring_limits(struct vbd_ring *ring, struct vbd_limits *lim)
{
	struct vbd_backend *be = ring->be;

	vbd_disk_limits(&be->disk, lim);
	lim->max_indirect_segs = vbd_ring_indirect_segs(ring);
	lim->discard = be->discard;
	lim->secure_discard = be->secure_discard;
}

static void vbd_ring_break(struct vbd_ring *ring, RING_IDX rp)
{
	ring->broken = true;
	dev_warn_ratelimited(&ring->be->xdev->dev,
			     "frontend published req_prod %u with responses at %u on a ring of %u: ring shut\n",
			     rp, ring->br.rsp_prod_pvt, ring->geom.nr_ents);
}

/* How a run of taking requests off the ring ended. */
enum vbd_ring_end {
	VBD_RING_EMPTY,		/* no request left */
	VBD_RING_AGAIN,		/* requests left: run the work item again */
	VBD_RING_WAIT,		/* a completion or an event will run it */
};

/*
 * Take requests off the ring until it is empty, the budget is spent, or
 * the ring must wait (a barrier draining, or every request slot busy: a
 * completion will run the work item again). Each slot is copied once into
 * private memory and only the copy is looked at. An empty ring asks the
 * frontend for an event on its next request if @rearm; otherwise the
 * caller polls it first.
 */
static enum vbd_ring_end vbd_ring_consume(struct vbd_ring *ring,
					  unsigned int *consumed, bool rearm)
{
	u8 raw[VBD_REQ_MAX_SIZE];
	unsigned int budget = VBD_RING_BATCH;
	enum vbd_ring_end end = VBD_RING_EMPTY;
	struct vbd_limits lim;
	struct blk_plug plug;
	struct vbd_req *req;
	RING_IDX rc, rp;
	int more;

	vbd_ring_limits(ring, &lim);
	blk_start_plug(&plug);
	do {
		rp = READ_ONCE(ring->br.sring->req_prod);
		virt_rmb(); /* read slots only after the index that covers them */
		if (!vbd_proto_prod_ok(rp, ring->br.rsp_prod_pvt,
				       ring->geom.nr_ents)) {
			vbd_ring_break(ring, rp);
			end = VBD_RING_WAIT;
			break;
		}
		for (rc = ring->br.req_cons; rc != rp; rc++) {
			if (ring->barrier) {
				end = VBD_RING_WAIT;
				goto out;
			}
			if (!budget) {
				end = VBD_RING_AGAIN;
				goto out;
			}
			req = vbd_ring_get_req(ring);
			if (!req) {
				vbd_count(&ring->stats.oo_req, 1);
				end = VBD_RING_WAIT;
				goto out;
			}
			memcpy(raw, vbd_ring_slot(ring, rc), ring->geom.req_size);
			ring->br.req_cons = rc + 1;
			vbd_proto_decode(ring->abi, raw, &req->req, req->segs);
			req->start_ns = ktime_get_ns();
			req->lat_kind = VBD_LAT_NONE;
			trace_vbdback_req_received(req);
			budget--;
			(*consumed)++;
			vbd_ring_dispatch(ring, req, &lim);
		}
		if (!rearm)
			break;
		/* Ask for an event on the next request, then look once more. */
		RING_FINAL_CHECK_FOR_REQUESTS(&ring->br, more);
	} while (more);
out:
	blk_finish_plug(&plug);
	return end;
}

/*
 * Unmap and answer every request whose I/O has completed.
 *
 * Return: how many were answered.
 */
static unsigned int vbd_ring_reap(struct vbd_ring *ring)
{
	struct llist_node *done = llist_del_all(&ring->done);
	struct vbd_req *req, *tmp;
	unsigned int n = 0;

	done = llist_reverse_order(done);
	llist_for_each_entry_safe(req, tmp, done, node) {
		int err = vbd_io_release(req);

		WRITE_ONCE(ring->nr_submitted, ring->nr_submitted - 1);
		vbd_ring_finish(ring, req, READ_ONCE(req->error) ?: err);
		n++;
	}
	return n;
}

/*
 * Consume requests, then answer those that completed meanwhile. null_blk,
 * brd and others complete bios inside submit_bio() or blk_finish_plug():
 * their answers go out with this run's notification rather than costing
 * the work item a second run, which at queue depth 1 is a run per I/O.
 */
static enum vbd_ring_end vbd_ring_consume_reap(struct vbd_ring *ring,
					       unsigned int *consumed,
					       bool rearm)
{
	enum vbd_ring_end end;

	WRITE_ONCE(ring->reaping, true);
	end = vbd_ring_consume(ring, consumed, rearm);
	WRITE_ONCE(ring->reaping, false);
	/* Pairs with llist_add() in vbd_ring_complete(): see it or be seen. */
	smp_mb();
	if (!vbd_ring_reap(ring) || end == VBD_RING_AGAIN)
		return end;
	/*
	 * A completion that found us reaping did not queue the work item, yet
	 * what it freed may be what the ring waits for: a barrier's
	 * predecessors, or request slots for requests still on the ring.
	 */
	if (ring->barrier || vbd_ring_has_requests(ring))
		return VBD_RING_AGAIN;
	return end;
}

/*
 * Spin until a request arrives, for at most @window_ns from @start.
 * Anything else that wants the CPU, or teardown, ends it.
 */
static bool vbd_ring_spin(struct vbd_ring *ring, u64 start, u64 window_ns)
{
	do {
		if (vbd_ring_has_requests(ring))
			return true;
		if (need_resched() || READ_ONCE(ring->stopping))
			return false;
		cpu_relax();
	} while (ktime_get_ns() - start < window_ns);
	return false;
}

/*
 * Poll a drained ring for the window poll.c gives, then ask for an event.
 * The worker consumed every request and answered every completion without
 * asking the frontend for an event. It spins only if this run @answered
 * and no request is left with the device: the frontend then has every
 * answer and its next request is what the ring waits for.
 *
 * Return: true if a request is there to take: the worker must run again.
 * False once the frontend has been asked for an event.
 */
static bool vbd_ring_drained(struct vbd_ring *ring, bool answered)
{
	u64 window = vbd_poll_window(&ring->poll);
	u64 start = ktime_get_ns();
	int more;

	answered = answered && !ring->nr_submitted;
	if (window && answered) {
		if (vbd_ring_spin(ring, start, window)) {
			vbd_count(&ring->stats.poll_hits, 1);
			return true;
		}
		vbd_count(&ring->stats.poll_misses, 1);
	}
	RING_FINAL_CHECK_FOR_REQUESTS(&ring->br, more);
	if (more)
		return true;
	if (answered)
		vbd_poll_asleep(&ring->poll, start);
	return false;
}

/*
 * Answer what has completed, take new requests, answer and notify; poll
 * the ring if it drained and polling is on.
 *
 * Return: true if the work item should run again.
 */
static bool vbd_ring_serve(struct vbd_ring *ring, bool stopping,
			   unsigned int *consumed)
{
	enum vbd_ring_end end = VBD_RING_WAIT;
	bool poll = vbd_poll_enabled(&ring->poll);
	RING_IDX rsp_prod = ring->br.rsp_prod_pvt;

	vbd_ring_reap(ring);
	/* Bios submitted from here on are charged to the device's cgroup. */
	vbd_qos_charge_begin(ring->be);
	vbd_ring_issue_barrier(ring);
	if (!stopping)
		vbd_pgrant_maintain(ring);
	if (!stopping && !ring->broken && !READ_ONCE(ring->quiescing)) {
		if (poll && vbd_ring_has_requests(ring))
			vbd_poll_woken(&ring->poll);
		end = vbd_ring_consume_reap(ring, consumed, !poll);
	}
	vbd_qos_charge_end(ring->be);
	vbd_ring_push(ring);
	/* Answered and notified: now poll, if the ring has not re-armed. */
	if (end == VBD_RING_EMPTY && poll)
		return vbd_ring_drained(ring, ring->br.rsp_prod_pvt != rsp_prod);
	return end == VBD_RING_AGAIN;
}

/*
 * End an event's handling, once the runs it started are over. An event
 * that brought no request is spurious: Xen throttles those.
 */
static void vbd_ring_eoi(struct vbd_ring *ring, unsigned int consumed)
{
	bool useful = test_and_clear_bit(VBD_RING_EOI_USEFUL, &ring->flags) ||
		      consumed;

	xen_irq_lateeoi(ring->irq, useful ? 0 : XEN_EOI_FLAG_SPURIOUS);
}

/* A quiescing ring has answered everything it took off the ring. */
static bool vbd_ring_quiet(struct vbd_ring *ring)
{
	return !READ_ONCE(ring->nr_submitted) && !READ_ONCE(ring->barrier);
}

static void vbd_ring_work(struct work_struct *work)
{
	struct vbd_ring *ring = container_of(work, struct vbd_ring, work);
	bool eoi = test_and_clear_bit(VBD_RING_EOI_PENDING, &ring->flags);
	bool stopping = READ_ONCE(ring->stopping);
	unsigned int consumed = 0;
	bool more;

	more = vbd_ring_serve(ring, stopping, &consumed);
	if (READ_ONCE(ring->quiescing) && vbd_ring_quiet(ring))
		wake_up(&ring->idle);
	if (stopping)
		return;
	if (more) {
		/* Let other rings run; keep the EOI owed until we are done. */
		if (eoi) {
			if (consumed)
				set_bit(VBD_RING_EOI_USEFUL, &ring->flags);
			set_bit(VBD_RING_EOI_PENDING, &ring->flags);
		}
		vbd_ring_kick(ring);
		return;
	}
	if (eoi)
		vbd_ring_eoi(ring, consumed);
}

static irqreturn_t vbd_ring_interrupt(int irq, void *dev_id)
{
	struct vbd_ring *ring = dev_id;

	set_bit(VBD_RING_EOI_PENDING, &ring->flags);
	vbd_ring_kick(ring);
	return IRQ_HANDLED;
}

/*
 * Every request's done callback: its I/O has finished and its error field
 * holds the outcome. Called from bio completion, possibly in interrupt
 * context, or from a discard's work item. A failure is logged here, once
 * per request, whatever layer ran it.
 */
static void vbd_ring_complete(struct vbd_req *req)
{
	struct vbd_ring *ring = req->ring;
	int err = READ_ONCE(req->error);

	if (err)
		vbd_io_report(req, err);
	trace_vbdback_req_completed(req, err);
	/*
	 * Whoever makes the list non-empty queues the work item, unless it is
	 * about to reap anyway. llist_add() is a full barrier, pairing with
	 * the one in vbd_ring_consume_reap().
	 */
	if (llist_add(&req->node, &ring->done) && !READ_ONCE(ring->reaping))
		vbd_ring_kick(ring);
}

/* Give each request its share of the ring's segment arrays. */
static int vbd_ring_alloc_reqs(struct vbd_ring *ring)
{
	unsigned int i, n = ring->geom.nr_ents, m = ring->max_segs;
	struct vbd_pgrant **pgrants;
	grant_handle_t *handles;
	struct vbd_seg *segs;
	struct page **pages;

	ring->reqs = kvcalloc(n, sizeof(*ring->reqs), GFP_KERNEL);
	segs = kvcalloc(n * m, sizeof(*segs), GFP_KERNEL);
	pages = kvcalloc(n * m, sizeof(*pages), GFP_KERNEL);
	handles = kvcalloc(n * m, sizeof(*handles), GFP_KERNEL);
	pgrants = kvcalloc(n * m, sizeof(*pgrants), GFP_KERNEL);
	if (!ring->reqs || !segs || !pages || !handles || !pgrants) {
		kvfree(pgrants);
		kvfree(handles);
		kvfree(pages);
		kvfree(segs);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&ring->free_reqs);
	for (i = 0; i < n; i++) {
		struct vbd_req *req = &ring->reqs[i];

		req->ring = ring;
		req->done = vbd_ring_complete;
		req->segs = segs + i * m;
		req->pages = pages + i * m;
		req->handles = handles + i * m;
		req->pgrants = pgrants + i * m;
		list_add_tail(&req->free, &ring->free_reqs);
	}
	return 0;
}

static void vbd_ring_free_reqs(struct vbd_ring *ring)
{
	if (!ring->reqs)
		return;
	kvfree(ring->reqs[0].pgrants);
	kvfree(ring->reqs[0].handles);
	kvfree(ring->reqs[0].pages);
	kvfree(ring->reqs[0].segs);
	kvfree(ring->reqs);
}

/*
 * Free a ring that no longer serves, or never did: nothing of it may be
 * in flight, queued or mapped by then.
 */
static void vbd_ring_free(struct vbd_ring *ring)
{
	WARN_ON_ONCE(ring->nr_submitted || ring->barrier);
	WARN_ON_ONCE(ring->inflight[0] || ring->inflight[1]);
	WARN_ON_ONCE(!llist_empty(&ring->done));
	WARN_ON_ONCE(work_pending(&ring->work));
	WARN_ON_ONCE(ring->pgrants.count);
	vbd_copy_exit(ring);
	gnttab_page_cache_shrink(&ring->pages, 0);
	vbd_grant_scratch_free(&ring->scratch);
	vbd_ring_free_reqs(ring);
	kfree(ring);
	vbd_debug_add(VBD_DBG_RINGS, -1);
}

static struct vbd_ring *vbd_ring_alloc(struct vbd_backend *be,
				       unsigned int index,
				       struct vbd_ring_config *cfg)
{
	struct vbd_ring *ring;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return NULL;
	vbd_debug_add(VBD_DBG_RINGS, 1);
	ring->be = be;
	ring->index = index;
	ring->abi = cfg->abi;
	ring->irq = -1;
	ring->max_segs = max_t(unsigned int, be->params.max_indirect_segs,
			       BLKIF_MAX_SEGMENTS_PER_REQUEST);
	vbd_proto_geom(cfg->abi, cfg->nr_grefs * XEN_PAGE_SIZE, &ring->geom);
	init_llist_head(&ring->done);
	init_waitqueue_head(&ring->idle);
	INIT_WORK(&ring->work, vbd_ring_work);
	gnttab_page_cache_init(&ring->pages);
	if (vbd_ring_alloc_reqs(ring) ||
	    vbd_grant_scratch_alloc(&ring->scratch, ring->max_segs,
				    DIV_ROUND_UP(vbd_ring_indirect_segs(ring),
						 VBD_SEGS_PER_INDIRECT_PAGE)) ||
	    vbd_copy_init(ring, be->params.copy_max_segs)) {
		vbd_ring_free(ring);
		return NULL;
	}
	return ring;
}

/*
 * Take up the ring where its indices stand: a new ring has both at 0, one
 * another backend served (a rebind) has every request it took answered, so
 * the next request to serve is the first without a response. A live ring
 * with more requests outstanding than slots is one no backend left: refuse
 * it. On a new ring the first look at the ring shuts it instead, as for any
 * impossible index a frontend publishes.
 */
static int vbd_ring_attach(struct vbd_ring *ring,
			   const struct vbd_ring_config *cfg)
{
	struct blkif_sring *sring = ring->sring;
	RING_IDX rsp_prod = READ_ONCE(sring->rsp_prod);
	RING_IDX req_prod = READ_ONCE(sring->req_prod);

	if (cfg->live &&
	    !vbd_proto_prod_ok(req_prod, rsp_prod, ring->geom.nr_ents))
		return -EIO;
	ring->br.sring = sring;
	ring->br.nr_ents = ring->geom.nr_ents;
	ring->br.rsp_prod_pvt = rsp_prod;
	ring->br.req_cons = rsp_prod;
	return 0;
}

/*
 * Bind the ring's event channel, disabled: an event already pending would
 * otherwise run the work item before ring->irq is known, and its late EOI
 * would be lost, leaving the channel masked for good.
 *
 * The channel is what a previous backend lets go of last, once it has
 * answered everything: until then binding fails. Taking a live ring over,
 * wait for it a little, as that backend may still be finishing requests.
 */
static int vbd_ring_bind(struct vbd_ring *ring,
			 const struct vbd_ring_config *cfg)
{
	unsigned int tries = cfg->live ? VBD_BIND_TRIES : 1;
	int irq;

	for (;;) {
		irq = bind_interdomain_evtchn_to_irqhandler_lateeoi(ring->be->xdev,
								    cfg->evtchn,
								    vbd_ring_interrupt,
								    IRQF_NO_AUTOEN,
								    "vbdback",
								    ring);
		if (irq >= 0 || !--tries)
			return irq;
		msleep(VBD_BIND_RETRY_MS);
	}
}

/**
 * vbd_ring_connect() - map a frontend's ring and start serving it
 * @be: the backend, with its disk open and its lock held
 * @index: queue number
 * @cfg: what the frontend negotiated for this ring
 * @step: set to the step that failed, on failure
 *
 * A ring that is already live (its previous backend unbound) is taken up
 * at the indices it was left at, read once its event channel is ours, that
 * is once the previous backend has answered all it took. Failures are not
 * reported here: the caller knows whether they end the device or only
 * refuse a rebind.
 *
 * Return: the ring, or an ERR_PTR(); on failure nothing is left mapped or
 * bound.
 */
struct vbd_ring *vbd_ring_connect(struct vbd_backend *be, unsigned int index,
				  struct vbd_ring_config *cfg,
				  enum vbd_ring_step *step)
{
	struct xenbus_device *xdev = be->xdev;
	struct vbd_ring *ring;
	int err;

	lockdep_assert_held(&be->lock);
	*step = VBD_RING_STEP_ALLOC;
	ring = vbd_ring_alloc(be, index, cfg);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	vbd_poll_init(&ring->poll, be->params.poll_max_us);
	*step = VBD_RING_STEP_PGRANTS;
	err = vbd_pgrant_init(ring, cfg->persistent, be->params.max_pgrants,
			      be->params.pgrant_idle_secs, vbd_ring_kick);
	if (err)
		goto free_ring;
	*step = VBD_RING_STEP_MAP;
	err = xenbus_map_ring_valloc(xdev, cfg->grefs,
				     cfg->nr_grefs, &ring->sring);
	if (err)
		goto stop_pgrants;
	*step = VBD_RING_STEP_BIND;
	err = vbd_ring_bind(ring, cfg);
	if (err < 0)
		goto unmap_ring;
	ring->irq = err;
	*step = VBD_RING_STEP_INDICES;
	err = vbd_ring_attach(ring, cfg);
	if (err)
		goto unbind;
	enable_irq(ring->irq);
	/*
	 * Serve whatever the frontend queued before the channel was bound:
	 * after a rebind, requests it queued while no backend was there
	 * raised no event this channel saw.
	 */
	vbd_ring_kick(ring);
	return ring;

unbind:
	unbind_from_irqhandler(ring->irq, ring);
unmap_ring:
	xenbus_unmap_ring_vfree(xdev, ring->sring);
stop_pgrants:
	vbd_pgrant_stop(ring);
free_ring:
	vbd_ring_free(ring);
	return ERR_PTR(err);
}

/*
 * Stop taking requests and answer every request already taken, barriers
 * included, telling the frontend as usual. A frontend that stays Connected
 * (the device is unbound for another backend to take the ring up) then
 * finds every request answered or still on the ring, none half-done, and
 * it signals its next request: whoever binds the channel next sees it.
 */
static void vbd_ring_quiesce(struct vbd_ring *ring)
{
	WRITE_ONCE(ring->quiescing, true);
	vbd_ring_kick(ring);
	while (!wait_event_timeout(ring->idle, vbd_ring_quiet(ring),
				   VBD_DRAIN_WARN_SECS * HZ))
		dev_warn(&ring->be->xdev->dev,
			 "queue %u: still waiting for %u requests on the backing device\n",
			 ring->index, READ_ONCE(ring->nr_submitted));
	/* The run that answered the last one also notified the frontend. */
	flush_work(&ring->work);
	WRITE_ONCE(ring->br.sring->req_event, ring->br.req_cons + 1);
	virt_mb(); /* req_event before the channel is unbound */
}

/**
 * vbd_ring_disconnect() - stop serving a ring and release all of it
 * @ring: the ring; its backend's lock is held
 *
 * Answers every request taken off the ring, then unbinds, unmaps and frees,
 * leaving the ring's indices for another backend to take up. The ring's
 * counters are added to the backend's retired ones.
 */
void vbd_ring_disconnect(struct vbd_ring *ring)
{
	struct vbd_backend *be = ring->be;

	lockdep_assert_held(&be->lock);
	vbd_ring_quiesce(ring);

	/*
	 * Nothing is in flight any more. After this flush every run of the
	 * work item sees the flag: it submits nothing new and neither
	 * notifies nor EOIs the event channel, which may then be unbound.
	 */
	vbd_pgrant_stop(ring);
	WRITE_ONCE(ring->stopping, true);
	flush_work(&ring->work);
	unbind_from_irqhandler(ring->irq, ring);
	cancel_work_sync(&ring->work);
	vbd_pgrant_purge_all(ring);

	vbd_ring_stats_add(ring, &be->retired);
	xenbus_unmap_ring_vfree(be->xdev, ring->sring);
	vbd_ring_free(ring);
}

/**
 * vbd_ring_info() - a snapshot of a ring for sysfs and the log
 * @ring: the ring; its backend's lock is held, so it stays connected
 * @info: filled in; the counts may be changing as they are read
 */
void vbd_ring_info(const struct vbd_ring *ring, struct vbd_ring_info *info)
{
	lockdep_assert_held(&ring->be->lock);
	info->nr_ents = ring->geom.nr_ents;
	info->abi = ring->abi;
	info->persistent = ring->pgrants.enabled;
	info->pgrants_max = ring->pgrants.max;
	info->pgrants = READ_ONCE(ring->pgrants.count);
	info->inflight[0] = READ_ONCE(ring->inflight[0]);
	info->inflight[1] = READ_ONCE(ring->inflight[1]);
}

/**
 * vbd_ring_stats_add() - add a ring's counters to a sum
 * @ring: the ring; its backend's lock is held, so it stays connected
 * @sum: accumulator
 *
 * The ring's worker may be counting meanwhile: each counter is read once,
 * with READ_ONCE(), as vbd_count() writes it.
 */
void vbd_ring_stats_add(const struct vbd_ring *ring, struct vbd_stats *sum)
{
	const struct vbd_stats *s = &ring->stats;
	unsigned int k, b;

	lockdep_assert_held(&ring->be->lock);
	sum->oo_req += READ_ONCE(s->oo_req);
	sum->rd_req += READ_ONCE(s->rd_req);
	sum->wr_req += READ_ONCE(s->wr_req);
	sum->f_req += READ_ONCE(s->f_req);
	sum->ds_req += READ_ONCE(s->ds_req);
	sum->rd_sect += READ_ONCE(s->rd_sect);
	sum->wr_sect += READ_ONCE(s->wr_sect);
	sum->indirect_req += READ_ONCE(s->indirect_req);
	sum->max_req_segs = max(sum->max_req_segs, READ_ONCE(s->max_req_segs));
	sum->map_ops += READ_ONCE(s->map_ops);
	sum->unmap_ops += READ_ONCE(s->unmap_ops);
	sum->pgrant_peak = max(sum->pgrant_peak, READ_ONCE(s->pgrant_peak));
	sum->poll_hits += READ_ONCE(s->poll_hits);
	sum->poll_misses += READ_ONCE(s->poll_misses);
	sum->copy_ops += READ_ONCE(s->copy_ops);
	for (k = 0; k < VBD_LAT_KINDS; k++)
		for (b = 0; b < VBD_LAT_BUCKETS; b++)
			sum->lat[k][b] += READ_ONCE(s->lat[k][b]);
}
