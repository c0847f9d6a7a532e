// SPDX-License-Identifier: GPL-2.0
/*
 * Online resize: when the backing device grows or shrinks (lvextend,
 * losetup -c, a resized LUN), the connected frontend is told the new size.
 *
 * The block layer has no notifier for a capacity change that a module can
 * use, so xenbus.c asks here every few seconds while a frontend is
 * connected whether the size differs from the published one, publishes a
 * new one, and says here how that went. Requests are checked against the
 * device's own size meanwhile, so nothing waits for the publication.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>

#include "vbdback.h"

/**
 * vbd_resize_due() - whether the frontend is to be told a new size
 * @be: the backend, its disk open and its lock held
 * @sectors: set to the device's size
 *
 * Return: true if it differs from the size last published.
 */
bool vbd_resize_due(const struct vbd_backend *be, u64 *sectors)
{
	lockdep_assert_held(&be->lock);
	*sectors = bdev_nr_sectors(be->disk.bdev);
	return *sectors != be->sectors;
}

/**
 * vbd_resize_published() - note how publishing a new size went
 * @be: the backend, its lock held
 * @sectors: the size vbd_resize_due() gave
 * @err: 0 if the frontend was told it, or a negative errno from xenstore
 *
 * A size that could not be published is tried again at the next check.
 */
void vbd_resize_published(struct vbd_backend *be, u64 sectors, int err)
{
	lockdep_assert_held(&be->lock);
	if (err) {
		dev_warn(&be->xdev->dev, "cannot publish new size: %d\n", err);
		return;
	}
	dev_info(&be->xdev->dev, "size changed from %llu to %llu sectors\n",
		 be->sectors, sectors);
	WRITE_ONCE(be->sectors, sectors);
}
