// SPDX-License-Identifier: GPL-2.0
/*
 * The backing block device: opening it, closing it, and the limits requests
 * are validated against. A device served writable is opened exclusively, so
 * that no second writer (another vbd, a mount, LVM or md) can claim it; one
 * served read-only is opened shared, as xen-blkback opens it, so that several
 * guests can read it at once. The kernel's open interface changed shape
 * between the kernels we support; Kbuild probes which one this kernel has
 * (VBDBACK_HAVE_BDEV_FILE) and only this file cares.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>

#include "vbdback.h"

#ifdef VBDBACK_HAVE_BDEV_FILE

static int vbd_disk_do_open(struct vbd_disk *disk, dev_t devt, bool readonly,
			    void *holder)
{
	blk_mode_t mode = BLK_OPEN_READ | (readonly ? 0 : BLK_OPEN_WRITE);
	struct file *file;

	/* Without a holder the open is shared. */
	file = bdev_file_open_by_dev(devt, mode, readonly ? NULL : holder,
				     NULL);
	if (IS_ERR(file))
		return PTR_ERR(file);
	disk->handle = file;
	disk->bdev = file_bdev(file);
	return 0;
}

static void vbd_disk_do_close(struct vbd_disk *disk, void *holder)
{
	/*
	 * bdev_fput() drops an exclusive claim now, not at a deferred fput; a
	 * shared open has none.
	 */
	bdev_fput(disk->handle);
}

#else /* !VBDBACK_HAVE_BDEV_FILE */

/* Exclusive (FMODE_EXCL, with a holder) only when writable. */
static fmode_t vbd_disk_mode(bool readonly)
{
	return FMODE_READ | (readonly ? 0 : FMODE_WRITE | FMODE_EXCL);
}

static int vbd_disk_do_open(struct vbd_disk *disk, dev_t devt, bool readonly,
			    void *holder)
{
	struct block_device *bdev;

	bdev = blkdev_get_by_dev(devt, vbd_disk_mode(readonly),
				 readonly ? NULL : holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	disk->handle = bdev;
	disk->bdev = bdev;
	return 0;
}

static void vbd_disk_do_close(struct vbd_disk *disk, void *holder)
{
	blkdev_put(disk->bdev, vbd_disk_mode(disk->readonly));
}

#endif /* VBDBACK_HAVE_BDEV_FILE */

/**
 * vbd_disk_open() - open the backing device
 * @disk: filled in on success
 * @devt: device number the hotplug script named
 * @readonly: open for reading only, shared with any other opener; otherwise
 *            for writing too, exclusively
 * @holder: exclusive owner of a writable open; a second exclusive owner is
 *          refused with -EBUSY (shared openers, such as read-only vbds, do
 *          not count)
 *
 * Return: 0 or a negative errno (-ENXIO: no such device; -EBUSY: already in
 * exclusive use; -EACCES/-EROFS: cannot be opened for writing).
 */
int vbd_disk_open(struct vbd_disk *disk, dev_t devt, bool readonly,
		  void *holder)
{
	int err;

	err = vbd_disk_do_open(disk, devt, readonly, holder);
	if (err)
		return err;
	disk->devt = devt;
	disk->readonly = readonly;
	return 0;
}

/**
 * vbd_disk_close() - release the device opened by vbd_disk_open()
 * @disk: the open device
 * @holder: the holder it was opened with
 */
void vbd_disk_close(struct vbd_disk *disk, void *holder)
{
	vbd_disk_do_close(disk, holder);
	disk->handle = NULL;
	disk->bdev = NULL;
}

/**
 * vbd_disk_limits() - what requests are validated against, read now
 * @disk: the open device
 * @lim: result
 *
 * Read afresh for every batch so that a device that grows is honoured.
 */
void vbd_disk_limits(const struct vbd_disk *disk, struct vbd_limits *lim)
{
	lim->nr_sectors = bdev_nr_sectors(disk->bdev);
	lim->lbs_sectors = bdev_logical_block_size(disk->bdev) >> SECTOR_SHIFT;
	lim->readonly = disk->readonly;
}
