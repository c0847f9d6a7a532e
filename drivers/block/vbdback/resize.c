// SPDX-License-Identifier: GPL-2.0
/*
 * Online resize: when the backing device grows or shrinks (lvextend,
 * losetup -c, a resized LUN), the connected frontend is told the new size.
 *
 * The block layer has no notifier for a capacity change that a module can
 * use, so the size is compared with the published one whenever a ring's
 * worker reads the device limits, and every few seconds while connected in
 * case the guest is idle. A change is published by rewriting "sectors" and
 * then "state" in one transaction: xen-blkfront re-reads the size when it
 * sees the state node written while connected.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>

#include "vbdback.h"

#define VBD_RESIZE_POLL		(5 * HZ)

static int vbd_resize_write(struct vbd_backend *be, u64 sectors)
{
	struct xenbus_device *xdev = be->xdev;
	struct xenbus_transaction xbt;
	int err;

	do {
		err = xenbus_transaction_start(&xbt);
		if (err)
			return err;
		err = xenbus_printf(xbt, xdev->nodename, "sectors", "%llu",
				    (unsigned long long)sectors);
		if (!err)
			err = xenbus_printf(xbt, xdev->nodename, "state", "%d",
					    xdev->state);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			return err;
		}
		err = xenbus_transaction_end(xbt, 0);
	} while (err == -EAGAIN);
	return err;
}

static void vbd_resize_publish(struct vbd_backend *be)
{
	u64 sectors = bdev_nr_sectors(be->disk.bdev);
	int err;

	if (sectors == be->sectors)
		return;
	err = vbd_resize_write(be, sectors);
	if (err) {
		dev_warn(&be->xdev->dev, "cannot publish new size: %d\n", err);
		return;
	}
	dev_info(&be->xdev->dev, "size changed from %llu to %llu sectors\n",
		 be->sectors, sectors);
	WRITE_ONCE(be->sectors, sectors);
}

static void vbd_resize_work(struct work_struct *work)
{
	struct vbd_backend *be = container_of(to_delayed_work(work),
					      struct vbd_backend, resize_work);

	mutex_lock(&be->lock);
	/* Only a connected frontend has a size to be told; stop otherwise. */
	if (be->nr_rings && be->xdev->state == XenbusStateConnected) {
		vbd_resize_publish(be);
		queue_delayed_work(system_wq, &be->resize_work,
				   VBD_RESIZE_POLL);
	}
	mutex_unlock(&be->lock);
}

/**
 * vbd_resize_init() - prepare a backend for resize checks
 * @be: the backend being probed
 */
void vbd_resize_init(struct vbd_backend *be)
{
	INIT_DELAYED_WORK(&be->resize_work, vbd_resize_work);
}

/**
 * vbd_resize_start() - watch the size while a frontend is connected
 * @be: the backend, just connected, with its size published in @be->sectors
 */
void vbd_resize_start(struct vbd_backend *be)
{
	queue_delayed_work(system_wq, &be->resize_work, VBD_RESIZE_POLL);
}

/**
 * vbd_resize_stop() - wait for a resize check in progress and cancel more
 * @be: the backend, disconnected, its lock not held
 */
void vbd_resize_stop(struct vbd_backend *be)
{
	cancel_delayed_work_sync(&be->resize_work);
}

/**
 * vbd_resize_check() - note the device's current size
 * @be: the backend
 * @nr_sectors: the size just read
 *
 * Cheap enough for every batch of requests: it publishes from a work item
 * only when the size differs from the published one.
 */
void vbd_resize_check(struct vbd_backend *be, u64 nr_sectors)
{
	if (nr_sectors != READ_ONCE(be->sectors))
		mod_delayed_work(system_wq, &be->resize_work, 0);
}
