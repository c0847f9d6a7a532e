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
#include <linux/workqueue.h>
#include <xen/xenbus.h>

#include "discard.h"
#include "ring.h"

static int vbd_discard_write_keys(struct vbd_backend *be,
				  struct xenbus_transaction xbt)
{
	const char *dir = be->xdev->nodename;
	struct block_device *bdev = be->disk.bdev;
	int err;

	err = xenbus_printf(xbt, dir, "discard-granularity", "%u",
			    bdev_discard_granularity(bdev));
	if (!err)
		err = xenbus_printf(xbt, dir, "discard-alignment", "%u",
				    bdev_discard_alignment(bdev));
	if (!err && be->secure_discard)
		err = xenbus_printf(xbt, dir, "discard-secure", "%u", 1);
	if (!err)
		err = xenbus_printf(xbt, dir, "feature-discard", "%u", 1);
	return err;
}

/**
 * vbd_discard_publish() - offer discard if the device and toolstack allow
 * @be: the backend, its disk open and its lock held
 * @xbt: the transaction publishing the disk's details
 *
 * The toolstack's discard-enable=0 (xl's no-discard) withholds the offer.
 *
 * Return: 0 or a negative errno from xenstore.
 */
int vbd_discard_publish(struct vbd_backend *be, struct xenbus_transaction xbt)
{
	struct block_device *bdev = be->disk.bdev;

	be->discard = false;
	be->secure_discard = false;
	if (!xenbus_read_unsigned(be->xdev->nodename, "discard-enable", 1) ||
	    !bdev_max_discard_sectors(bdev))
		return xenbus_printf(xbt, be->xdev->nodename, "feature-discard",
				     "%u", 0);
	be->discard = true;
	be->secure_discard = bdev_max_secure_erase_sectors(bdev) != 0;
	return vbd_discard_write_keys(be, xbt);
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
