// SPDX-License-Identifier: GPL-2.0
/*
 * Discard: what is offered to the frontend, and running discards.
 *
 * A discard of a large range can take the device a long time. It runs on an
 * unbound workqueue, not on the ring's worker, so that the requests behind
 * it on the ring are served meanwhile; its response goes back through the
 * request's done callback like any other.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "discard.h"
#include "ring.h"

/**
 * vbd_discard_offer() - decide what discard the frontend is offered
 * @be: the backend, its disk open and its lock held
 * @allowed: the toolstack allows it (discard-enable=0 is xl's no-discard)
 * @offer: set to what xenbus.c publishes
 *
 * The decision is kept in @be too: requests are checked against it.
 */
void vbd_discard_offer(struct vbd_backend *be, bool allowed,
		       struct vbd_discard_offer *offer)
{
	struct block_device *bdev = be->disk.bdev;

	lockdep_assert_held(&be->lock);
	memset(offer, 0, sizeof(*offer));
	if (allowed && bdev_max_discard_sectors(bdev)) {
		offer->enabled = true;
		offer->secure = bdev_max_secure_erase_sectors(bdev) != 0;
		offer->granularity = bdev_discard_granularity(bdev);
		offer->alignment = bdev_discard_alignment(bdev);
	}
	be->discard = offer->enabled;
	be->secure_discard = offer->secure;
}

static void vbd_discard_work(struct work_struct *work)
{
	struct vbd_req *req = container_of(work, struct vbd_req, discard_work);
	struct block_device *bdev = req->ring->be->disk.bdev;
	const struct vbd_io *io = &req->io;
	int err;

	vbd_qos_charge_begin(req->ring->be);
	if (io->kind == VBD_IO_SECURE_ERASE)
		err = blkdev_issue_secure_erase(bdev, req->req.sector,
						io->nr_sectors, GFP_NOIO);
	else
		err = blkdev_issue_discard(bdev, req->req.sector,
					   io->nr_sectors, GFP_NOIO);
	vbd_qos_charge_end(req->ring->be);
	req->error = err;
	req->done(req);
}

/**
 * vbd_discard_submit() - start a validated discard
 * @req: the request; its done callback is called when it is done
 */
void vbd_discard_submit(struct vbd_req *req)
{
	INIT_WORK(&req->discard_work, vbd_discard_work);
	queue_work(system_unbound_wq, &req->discard_work);
}
