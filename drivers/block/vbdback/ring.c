// SPDX-License-Identifier: GPL-2.0
/*
 * The shared ring: mapping it, binding its event channel, taking requests
 * off it and putting responses on it.
 *
 * One work item per ring does all of it. It never runs concurrently with
 * itself, so the ring indices, the free list and the counters need no lock.
 * Block-layer completions only queue a request on a lockless list and kick
 * the work item, which unmaps, answers and notifies in batches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/xen.h>

#include "vbdback.h"

/* Requests taken off the ring per run of the work item, for fairness. */
#define VBD_RING_BATCH		64
/* How often teardown says it is still waiting for the device. */
#define VBD_DRAIN_WARN_SECS	30

static u8 *vbd_ring_slot(struct vbd_ring *ring, RING_IDX idx)
{
	return (u8 *)ring->sring + VBD_SRING_HDR_SIZE +
	       (idx & (ring->geom.nr_ents - 1)) * ring->geom.slot_size;
}

static struct vbd_req *vbd_ring_get_req(struct vbd_ring *ring)
{
	struct vbd_req *req;

	req = list_first_entry_or_null(&ring->free_reqs, struct vbd_req, free);
	if (req)
		list_del(&req->free);
	return req;
}

/* Answer a request and return it to the free list. */
static void vbd_ring_finish(struct vbd_ring *ring, struct vbd_req *req,
			    int err)
{
	u8 rsp[VBD_RSP_MAX_SIZE];

	vbd_proto_encode_rsp(ring->abi, rsp, req->req.id, req->req.operation,
			     vbd_proto_status(err));
	memcpy(vbd_ring_slot(ring, ring->br.rsp_prod_pvt), rsp,
	       ring->geom.rsp_size);
	ring->br.rsp_prod_pvt++;

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
	int err;

	WRITE_ONCE(ring->nr_submitted, ring->nr_submitted + 1);
	err = vbd_io_submit(req);
	if (err) {
		WRITE_ONCE(ring->nr_submitted, ring->nr_submitted - 1);
		vbd_ring_finish(ring, req, err);
	}
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
		st->rd_req++;
		st->rd_sect += io->nr_sectors;
		break;
	case VBD_IO_WRITE:
		st->wr_req++;
		st->wr_sect += io->nr_sectors;
		break;
	case VBD_IO_FLUSH:
	case VBD_IO_BARRIER:
		st->f_req++;
		st->wr_sect += io->nr_sectors;
		break;
	}
}

static void vbd_ring_dispatch(struct vbd_ring *ring, struct vbd_req *req,
			      const struct vbd_limits *lim)
{
	int err;

	err = vbd_proto_validate(&req->req, lim, &req->io);
	if (err) {
		dev_dbg_ratelimited(&ring->be->xdev->dev,
				    "bad request op %u nseg %u sector %llu: %d\n",
				    req->req.operation, req->req.nr_segments,
				    req->req.sector, err);
		vbd_ring_finish(ring, req, err);
		return;
	}
	vbd_ring_count(ring, &req->io);
	req->error = 0;
	if (req->io.kind == VBD_IO_BARRIER) {
		ring->barrier = req;
		ring->barrier_submitted = false;
		vbd_ring_issue_barrier(ring);
		return;
	}
	vbd_ring_submit(ring, req);
}

static void vbd_ring_break(struct vbd_ring *ring, RING_IDX rp)
{
	ring->broken = true;
	dev_warn_ratelimited(&ring->be->xdev->dev,
			     "frontend published req_prod %u with responses at %u on a ring of %u: ring shut\n",
			     rp, ring->br.rsp_prod_pvt, ring->geom.nr_ents);
}

/*
 * Take requests off the ring until it is empty, the budget is spent, or
 * the ring must wait (a barrier draining, or every request slot busy: a
 * completion will run the work item again). Each slot is copied once into
 * private memory and only the copy is looked at.
 *
 * Return: true if requests remain and the work item should run again.
 */
static bool vbd_ring_consume(struct vbd_ring *ring, unsigned int *consumed)
{
	u8 raw[VBD_REQ_MAX_SIZE];
	unsigned int budget = VBD_RING_BATCH;
	struct vbd_limits lim;
	struct blk_plug plug;
	struct vbd_req *req;
	RING_IDX rc, rp;
	int more;

	vbd_disk_limits(&ring->be->disk, &lim);
	blk_start_plug(&plug);
	do {
		rp = READ_ONCE(ring->br.sring->req_prod);
		virt_rmb(); /* read slots only after the index that covers them */
		if (!vbd_proto_prod_ok(rp, ring->br.rsp_prod_pvt,
				       ring->geom.nr_ents)) {
			vbd_ring_break(ring, rp);
			more = 0;
			break;
		}
		for (rc = ring->br.req_cons; rc != rp; rc++) {
			if (ring->barrier)
				goto stalled;
			if (!budget) {
				more = 1;
				goto out;
			}
			req = vbd_ring_get_req(ring);
			if (!req) {
				ring->stats.oo_req++;
				goto stalled;
			}
			memcpy(raw, vbd_ring_slot(ring, rc), ring->geom.req_size);
			ring->br.req_cons = rc + 1;
			vbd_proto_decode(ring->abi, raw, &req->req);
			budget--;
			(*consumed)++;
			vbd_ring_dispatch(ring, req, &lim);
		}
		/* Ask for an event on the next request, then look once more. */
		RING_FINAL_CHECK_FOR_REQUESTS(&ring->br, more);
	} while (more);
	goto out;
stalled:
	more = 0;
out:
	blk_finish_plug(&plug);
	return more;
}

/* Unmap and answer every request whose I/O has completed. */
static void vbd_ring_reap(struct vbd_ring *ring)
{
	struct llist_node *done = llist_del_all(&ring->done);
	struct vbd_req *req, *tmp;

	done = llist_reverse_order(done);
	llist_for_each_entry_safe(req, tmp, done, node) {
		vbd_io_release(req);
		WRITE_ONCE(ring->nr_submitted, ring->nr_submitted - 1);
		vbd_ring_finish(ring, req, READ_ONCE(req->error));
	}
}

static void vbd_ring_work(struct work_struct *work)
{
	struct vbd_ring *ring = container_of(work, struct vbd_ring, work);
	bool eoi = test_and_clear_bit(VBD_RING_EOI_PENDING, &ring->flags);
	bool stopping = READ_ONCE(ring->stopping);
	unsigned int consumed = 0;
	bool more = false;

	vbd_ring_reap(ring);
	vbd_ring_issue_barrier(ring);
	if (!stopping && !ring->broken)
		more = vbd_ring_consume(ring, &consumed);
	vbd_ring_push(ring);

	if (stopping) {
		if (!ring->nr_submitted)
			wake_up(&ring->idle);
		return;
	}
	if (more) {
		/* Let other rings run; keep the EOI owed until we are done. */
		if (eoi)
			set_bit(VBD_RING_EOI_PENDING, &ring->flags);
		queue_work(ring->be->wq, &ring->work);
		return;
	}
	/* An event that brought no request is spurious: Xen throttles those. */
	if (eoi)
		xen_irq_lateeoi(ring->irq, consumed ? 0 : XEN_EOI_FLAG_SPURIOUS);
}

static irqreturn_t vbd_ring_interrupt(int irq, void *dev_id)
{
	struct vbd_ring *ring = dev_id;

	set_bit(VBD_RING_EOI_PENDING, &ring->flags);
	queue_work(ring->be->wq, &ring->work);
	return IRQ_HANDLED;
}

/**
 * vbd_ring_complete() - hand a request whose I/O has finished to its ring
 * @req: the request; its error field holds the outcome
 *
 * Called from bio completion, possibly in interrupt context.
 */
void vbd_ring_complete(struct vbd_req *req)
{
	struct vbd_ring *ring = req->ring;

	llist_add(&req->node, &ring->done);
	queue_work(ring->be->wq, &ring->work);
}

static struct vbd_ring *vbd_ring_alloc(struct vbd_backend *be,
				       enum vbd_abi abi, unsigned int nr_grefs)
{
	struct vbd_ring *ring;
	unsigned int i;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return NULL;
	ring->be = be;
	ring->abi = abi;
	ring->irq = -1;
	vbd_proto_geom(abi, nr_grefs * XEN_PAGE_SIZE, &ring->geom);
	ring->reqs = kvcalloc(ring->geom.nr_ents, sizeof(*ring->reqs),
			      GFP_KERNEL);
	if (!ring->reqs) {
		kfree(ring);
		return NULL;
	}
	INIT_LIST_HEAD(&ring->free_reqs);
	for (i = 0; i < ring->geom.nr_ents; i++) {
		ring->reqs[i].ring = ring;
		list_add_tail(&ring->reqs[i].free, &ring->free_reqs);
	}
	init_llist_head(&ring->done);
	init_waitqueue_head(&ring->idle);
	INIT_WORK(&ring->work, vbd_ring_work);
	gnttab_page_cache_init(&ring->pages);
	return ring;
}

static void vbd_ring_free(struct vbd_ring *ring)
{
	gnttab_page_cache_shrink(&ring->pages, 0);
	kvfree(ring->reqs);
	kfree(ring);
}

/**
 * vbd_ring_connect() - map a frontend's ring and start serving it
 * @be: the backend, with its disk open and its lock held
 * @abi: request layout the frontend announced
 * @grefs: grant references of the ring pages
 * @nr_grefs: number of ring pages (a power of two)
 * @evtchn: the frontend's event channel port
 *
 * Failures are reported to the toolstack with xenbus_dev_fatal().
 *
 * Return: 0 or a negative errno; on failure nothing is left mapped or bound.
 */
int vbd_ring_connect(struct vbd_backend *be, enum vbd_abi abi,
		     grant_ref_t *grefs, unsigned int nr_grefs,
		     evtchn_port_t evtchn)
{
	struct xenbus_device *xdev = be->xdev;
	struct vbd_ring *ring;
	RING_IDX rsp_prod;
	int err;

	ring = vbd_ring_alloc(be, abi, nr_grefs);
	if (!ring) {
		xenbus_dev_fatal(xdev, -ENOMEM, "allocating ring");
		return -ENOMEM;
	}
	/* Reports its own failure to the toolstack. */
	err = xenbus_map_ring_valloc(xdev, grefs, nr_grefs, &ring->sring);
	if (err)
		goto free_ring;

	ring->br.sring = ring->sring;
	ring->br.nr_ents = ring->geom.nr_ents;
	rsp_prod = READ_ONCE(ring->br.sring->rsp_prod);
	ring->br.rsp_prod_pvt = rsp_prod;
	ring->br.req_cons = rsp_prod;

	/*
	 * Bound disabled: an event already pending would otherwise run the
	 * work item before ring->irq is known, and its late EOI would be
	 * lost, leaving the channel masked for good.
	 */
	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(xdev, evtchn,
							    vbd_ring_interrupt,
							    IRQF_NO_AUTOEN,
							    "vbdback", ring);
	if (err < 0) {
		xenbus_dev_fatal(xdev, err, "binding event channel %u", evtchn);
		goto unmap_ring;
	}
	ring->irq = err;
	be->ring = ring;
	enable_irq(ring->irq);
	/* Serve whatever the frontend queued before the channel was bound. */
	queue_work(be->wq, &ring->work);
	return 0;

unmap_ring:
	xenbus_unmap_ring_vfree(xdev, ring->sring);
free_ring:
	vbd_ring_free(ring);
	return err;
}

/* Wait for the block layer to finish every request already submitted. */
static void vbd_ring_drain(struct vbd_ring *ring)
{
	while (!wait_event_timeout(ring->idle, !READ_ONCE(ring->nr_submitted),
				   VBD_DRAIN_WARN_SECS * HZ))
		dev_warn(&ring->be->xdev->dev,
			 "still waiting for %u requests on the backing device\n",
			 READ_ONCE(ring->nr_submitted));
}

/**
 * vbd_ring_disconnect() - stop serving the ring and release all of it
 * @be: the backend, with its lock held
 *
 * Waits for in-flight I/O, then unbinds, unmaps and frees. Safe to call
 * when no ring is connected.
 */
void vbd_ring_disconnect(struct vbd_backend *be)
{
	struct vbd_ring *ring = be->ring;

	if (!ring)
		return;
	/*
	 * After this flush every run of the work item sees the flag: it
	 * submits nothing new and neither notifies nor EOIs the event
	 * channel, which may then be unbound.
	 */
	WRITE_ONCE(ring->stopping, true);
	flush_work(&ring->work);
	unbind_from_irqhandler(ring->irq, ring);
	vbd_ring_drain(ring);
	/* Completions queue the work before they are counted off. */
	cancel_work_sync(&ring->work);

	vbd_stats_add(&be->retired, &ring->stats);
	be->ring = NULL;
	xenbus_unmap_ring_vfree(be->xdev, ring->sring);
	vbd_ring_free(ring);
}
