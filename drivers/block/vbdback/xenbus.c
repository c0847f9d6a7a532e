// SPDX-License-Identifier: GPL-2.0
/*
 * The xenbus side of a virtual block device: probe and remove, the hotplug
 * script's physical-device, the handshake with the frontend, and teardown.
 *
 * Every entry point (watch callbacks, frontend state changes, remove) takes
 * the backend's lock, so attach, connect and disconnect never interleave.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <xen/xenbus.h>

#include "discard.h"
#include "ring.h"
#include "vbdback.h"

/* Longest frontend string we bother to quote back in an error. */
#define VBD_QUOTE_MAX	32
/* A device in exclusive use is retried this often... */
#define VBD_BUSY_RETRY		(HZ / 2)
/* ...and for this long once the frontend waits for it. */
#define VBD_BUSY_WAIT_SECS	10
/* How often a connected device's size is compared with the published one. */
#define VBD_RESIZE_POLL		(5 * HZ)

static const char *vbd_errno_reason(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such file or directory";
	case -ENOTBLK:
		return "not a block device";
	case -ENXIO:
	case -ENODEV:
		return "no such device";
	case -EBUSY:
		return "already in exclusive use";
	case -EACCES:
	case -EROFS:
	case -EPERM:
		return "cannot be opened for writing";
	default:
		return "cannot be opened";
	}
}

/*
 * Report why the device cannot be served. Normally that ends the device:
 * the reason goes to xenstore for the toolstack and the backend closes.
 * While probe takes up rings another backend left live, the frontend must
 * stay Connected for the old backend to be bound back: only dom0's log is
 * told, and probe refuses the bind.
 */
static __printf(3, 4) void vbd_fail(struct vbd_backend *be, int err,
				    const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (be->reattach)
		dev_err(&be->xdev->dev,
			"domain %u: cannot take up the live device: %pV (%d)\n",
			be->domid, &vaf, err);
	else
		xenbus_dev_fatal(be->xdev, err, "%pV", &vaf);
	va_end(args);
}

/*
 * Report a xenbus_scanf() of @dir/@key that did not fill every field: a
 * value that does not parse as "not @what", any other failure (no memory,
 * a xenstore error) as a failed read with its errno.
 *
 * Return: the negative errno reported.
 */
static int vbd_scan_failed(struct vbd_backend *be, int n, const char *dir,
			   const char *key, const char *what)
{
	/* xenbus_scanf() says -ERANGE for a value that does not parse. */
	if (n < 0 && n != -ERANGE) {
		vbd_fail(be, n, "reading %s/%s", dir, key);
		return n;
	}
	vbd_fail(be, -EINVAL, "%s/%s is not %s", dir, key, what);
	return -EINVAL;
}

/* Resolve the path a hotplug script left without a device number. */
static int vbd_read_devt_path(struct vbd_backend *be, dev_t *devt)
{
	struct xenbus_device *xdev = be->xdev;
	char *path;
	int err;

	path = xenbus_read(XBT_NIL, xdev->nodename, "physical-device-path",
			   NULL);
	if (IS_ERR(path)) {
		err = PTR_ERR(path);
		vbd_fail(be, err,
			 "hotplug finished without physical-device or physical-device-path");
		return err;
	}
	err = lookup_bdev(path, devt);
	if (err)
		vbd_fail(be, err, "physical-device-path %s: %s",
			 path, vbd_errno_reason(err));
	kfree(path);
	return err;
}

static bool vbd_hotplug_done(struct vbd_backend *be)
{
	char *status;
	bool done;

	status = xenbus_read(XBT_NIL, be->xdev->nodename, "hotplug-status",
			     NULL);
	if (IS_ERR(status))
		return false;
	done = !strcmp(status, "connected");
	kfree(status);
	return done;
}

/*
 * The device to serve: physical-device ("major:minor" in hex) as Xen's
 * hotplug scripts write it, or, once the script has finished without it,
 * physical-device-path.
 *
 * Return: 0; -EAGAIN while the hotplug script has yet to say; or a
 * negative errno already reported to the toolstack.
 */
static int vbd_read_devt(struct vbd_backend *be, dev_t *devt)
{
	struct xenbus_device *xdev = be->xdev;
	unsigned int major, minor;
	int n;

	n = xenbus_scanf(XBT_NIL, xdev->nodename, "physical-device", "%x:%x",
			 &major, &minor);
	if (n == -ENOENT)
		return vbd_hotplug_done(be) ? vbd_read_devt_path(be, devt) :
					      -EAGAIN;
	if (n != 2)
		return vbd_scan_failed(be, n, xdev->nodename, "physical-device",
				       "a hex major:minor");
	if (major >= (1U << (32 - MINORBITS)) || minor > MINORMASK) {
		vbd_fail(be, -EINVAL, "physical-device %x:%x is out of range",
			 major, minor);
		return -EINVAL;
	}
	*devt = MKDEV(major, minor);
	return 0;
}

/*
 * Read the toolstack's mode and device-type into the info flags; *@mode is
 * the caller's to keep or free.
 */
static int vbd_read_mode(struct vbd_backend *be, char **mode, bool *readonly)
{
	struct xenbus_device *xdev = be->xdev;
	char *type;

	*mode = xenbus_read(XBT_NIL, xdev->nodename, "mode", NULL);
	if (IS_ERR(*mode)) {
		vbd_fail(be, PTR_ERR(*mode), "reading mode");
		return PTR_ERR(*mode);
	}
	*readonly = (*mode)[0] != 'w';

	be->info = *readonly ? VDISK_READONLY : 0;
	type = xenbus_read(XBT_NIL, xdev->nodename, "device-type", NULL);
	if (!IS_ERR(type)) {
		/* Removable is the device's own property, as xen-blkback has it. */
		if (!strcmp(type, "cdrom"))
			be->info |= VDISK_CDROM;
		kfree(type);
	}
	return 0;
}

/* Open the device; a device held by another user fails quietly if @busy_ok. */
static int vbd_open_disk(struct vbd_backend *be, dev_t devt, bool busy_ok)
{
	struct xenbus_device *xdev = be->xdev;
	bool readonly;
	char *mode;
	int err;

	err = vbd_read_mode(be, &mode, &readonly);
	if (err)
		return err;
	err = vbd_disk_open(&be->disk, devt, readonly, be);
	if (err && !(err == -EBUSY && busy_ok))
		vbd_fail(be, err, "opening device %u:%u%s: %s",
			 MAJOR(devt), MINOR(devt),
			 readonly ? " read-only" : "",
			 vbd_errno_reason(err));
	if (err) {
		kfree(mode);
		return err;
	}
	if (be->disk.bdev->bd_disk->flags & GENHD_FL_REMOVABLE)
		be->info |= VDISK_REMOVABLE;
	/* For sysfs, which shows the mode the device was opened with. */
	be->mode = mode;
	be->disk_open = true;
	dev_info(&xdev->dev, "serving %pg (%u:%u)%s to domain %u\n",
		 be->disk.bdev, MAJOR(devt), MINOR(devt),
		 readonly ? " read-only" : "", be->domid);
	return 0;
}

static void vbd_close_disk(struct vbd_backend *be)
{
	if (!be->disk_open)
		return;
	vbd_disk_close(&be->disk, be);
	be->disk_open = false;
	kfree(be->mode);
	be->mode = NULL;
}

/* Read one unsigned frontend key; report garbage with its name. */
static int vbd_read_fe_uint(struct vbd_backend *be, const char *dir,
			    const char *key, unsigned int *val)
{
	int n;

	n = xenbus_scanf(XBT_NIL, dir, key, "%u", val);
	if (n == 1)
		return 0;
	if (n == -ENOENT)
		return -ENOENT;
	return vbd_scan_failed(be, n, dir, key, "a number");
}

static int vbd_read_ring_order(struct vbd_backend *be, unsigned int *order)
{
	const char *dir = be->xdev->otherend;
	unsigned int max = be->params.max_ring_page_order;
	int err;

	err = vbd_read_fe_uint(be, dir, "ring-page-order", order);
	if (err == -ENOENT) {
		*order = 0;
		return 0;
	}
	if (err)
		return err;
	if (*order > max) {
		vbd_fail(be, -EINVAL,
			 "ring-page-order %u exceeds max-ring-page-order %u",
			 *order, max);
		return -EINVAL;
	}
	return 0;
}

/* ring-ref for a one-page ring, ring-ref0..N-1 for a multi-page one. */
static int vbd_read_ring_refs(struct vbd_backend *be, const char *dir,
			      struct vbd_ring_config *cfg)
{
	char key[sizeof("ring-ref4294967295")];
	unsigned int i;
	int err;

	for (i = 0; i < cfg->nr_grefs; i++) {
		if (cfg->nr_grefs > 1)
			snprintf(key, sizeof(key), "ring-ref%u", i);
		else
			strscpy(key, "ring-ref", sizeof(key));
		err = vbd_read_fe_uint(be, dir, key, &cfg->grefs[i]);
		if (err == -ENOENT)
			vbd_fail(be, err, "reading %s/%s", dir, key);
		if (err)
			return err;
	}
	return 0;
}

static int vbd_read_protocol(struct vbd_backend *be, enum vbd_abi *abi)
{
	struct xenbus_device *xdev = be->xdev;
	char *protocol;
	int err;

	protocol = xenbus_read(XBT_NIL, xdev->otherend, "protocol", NULL);
	if (IS_ERR(protocol)) {
		if (PTR_ERR(protocol) != -ENOENT) {
			vbd_fail(be, PTR_ERR(protocol), "reading protocol");
			return PTR_ERR(protocol);
		}
		protocol = NULL;
	}
	err = vbd_proto_parse_abi(protocol, abi);
	if (err)
		vbd_fail(be, err, "unknown protocol \"%.*s\"",
			 VBD_QUOTE_MAX, protocol);
	kfree(protocol);
	return err;
}

/* multi-queue-num-queues: absent means one; never more than offered. */
static int vbd_read_nr_queues(struct vbd_backend *be, unsigned int *nr)
{
	unsigned int max = be->params.max_queues;
	int err;

	err = vbd_read_fe_uint(be, be->xdev->otherend, "multi-queue-num-queues",
			       nr);
	if (err == -ENOENT) {
		*nr = 1;
		return 0;
	}
	if (err)
		return err;
	if (!*nr || *nr > max) {
		vbd_fail(be, -EINVAL,
			 "multi-queue-num-queues %u is not in 1..%u",
			 *nr, max);
		return -EINVAL;
	}
	return 0;
}

/* feature-persistent: absent means 0; anything but 0 or 1 is refused. */
static int vbd_read_fe_persistent(struct vbd_backend *be, bool *persistent)
{
	unsigned int val = 0;
	int err;

	err = vbd_read_fe_uint(be, be->xdev->otherend, "feature-persistent",
			       &val);
	if (err && err != -ENOENT)
		return err;
	if (val > 1) {
		vbd_fail(be, -EINVAL, "feature-persistent %u is not 0 or 1",
			 val);
		return -EINVAL;
	}
	*persistent = be->params.feature_persistent && val;
	return 0;
}

/* One queue's ring references and event channel, from DIR. */
static int vbd_read_ring_config(struct vbd_backend *be, const char *dir,
				struct vbd_ring_config *cfg)
{
	int err;

	err = vbd_read_ring_refs(be, dir, cfg);
	if (err)
		return err;
	err = vbd_read_fe_uint(be, dir, "event-channel", &cfg->evtchn);
	if (err == -ENOENT)
		vbd_fail(be, err, "reading %s/event-channel", dir);
	return err;
}

static void vbd_disconnect_rings(struct vbd_backend *be)
{
	while (be->nr_rings)
		vbd_ring_disconnect(be->rings[--be->nr_rings]);
	kfree(be->rings);
	be->rings = NULL;
}

/* Say which step of connecting queue @q failed. */
static void vbd_ring_failed(struct vbd_backend *be, unsigned int q,
			    const struct vbd_ring_config *cfg,
			    enum vbd_ring_step step, int err)
{
	switch (step) {
	case VBD_RING_STEP_ALLOC:
		vbd_fail(be, err, "allocating ring %u", q);
		break;
	case VBD_RING_STEP_PGRANTS:
		vbd_fail(be, err, "setting up persistent grants");
		break;
	case VBD_RING_STEP_MAP:
		/*
		 * A grant it cannot map xenbus reports itself, returning
		 * -ENOENT; not its own allocations failing.
		 */
		if (err != -ENOENT || be->reattach)
			vbd_fail(be, err, "mapping the ring");
		break;
	case VBD_RING_STEP_INDICES:
		vbd_fail(be, err, "ring %u: more requests outstanding than slots",
			 q);
		break;
	case VBD_RING_STEP_BIND:
		vbd_fail(be, err, "binding event channel %u", cfg->evtchn);
		break;
	}
}

/*
 * Queue Q's keys live in the frontend's directory when it uses one queue,
 * and in its queue-Q/ subdirectory when it uses several.
 */
static int vbd_connect_ring(struct vbd_backend *be, unsigned int q,
			    unsigned int nr_queues, struct vbd_ring_config *cfg)
{
	const char *otherend = be->xdev->otherend;
	enum vbd_ring_step step;
	struct vbd_ring *ring;
	char *dir = NULL;
	int err;

	if (nr_queues > 1) {
		dir = kasprintf(GFP_KERNEL, "%s/queue-%u", otherend, q);
		if (!dir) {
			vbd_fail(be, -ENOMEM, "allocating");
			return -ENOMEM;
		}
	}
	err = vbd_read_ring_config(be, dir ?: otherend, cfg);
	kfree(dir);
	if (err)
		return err;
	ring = vbd_ring_connect(be, q, cfg, &step);
	if (IS_ERR(ring)) {
		vbd_ring_failed(be, q, cfg, step, PTR_ERR(ring));
		return PTR_ERR(ring);
	}
	be->rings[be->nr_rings++] = ring;
	return 0;
}

static int vbd_connect_rings(struct vbd_backend *be)
{
	struct vbd_ring_config *cfg;
	unsigned int order, nr_queues, q;
	int err;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg) {
		vbd_fail(be, -ENOMEM, "allocating");
		return -ENOMEM;
	}
	err = vbd_read_ring_order(be, &order);
	if (!err)
		err = vbd_read_nr_queues(be, &nr_queues);
	if (!err)
		err = vbd_read_protocol(be, &cfg->abi);
	if (err)
		goto free_cfg;
	err = vbd_read_fe_persistent(be, &cfg->persistent);
	if (err)
		goto free_cfg;
	cfg->nr_grefs = 1U << order;
	cfg->live = be->reattach;
	be->rings = kcalloc(nr_queues, sizeof(*be->rings), GFP_KERNEL);
	if (!be->rings) {
		err = -ENOMEM;
		vbd_fail(be, err, "allocating %u rings", nr_queues);
		goto free_cfg;
	}
	for (q = 0; q < nr_queues; q++) {
		err = vbd_connect_ring(be, q, nr_queues, cfg);
		if (err)
			goto disconnect_rings;
	}
	kfree(cfg);
	return 0;

disconnect_rings:
	vbd_disconnect_rings(be);
free_cfg:
	kfree(cfg);
	return err;
}

/*
 * Run @write in one transaction, from the start again for as long as
 * xenstore says another transaction changed what it read (-EAGAIN): the
 * frontend sees all of @write's keys or none.
 */
static int vbd_transact(struct vbd_backend *be,
			int (*write)(struct vbd_backend *be,
				     struct xenbus_transaction xbt,
				     const void *data),
			const void *data)
{
	struct xenbus_transaction xbt;
	int err;

	do {
		err = xenbus_transaction_start(&xbt);
		if (err)
			return err;
		err = write(be, xbt, data);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			return err;
		}
		err = xenbus_transaction_end(xbt, 0);
	} while (err == -EAGAIN);
	return err;
}

static int vbd_write_discard_keys(struct xenbus_transaction xbt,
				  const char *dir,
				  const struct vbd_discard_offer *offer)
{
	int err;

	if (!offer->enabled)
		return xenbus_printf(xbt, dir, "feature-discard", "%u", 0);
	err = xenbus_printf(xbt, dir, "discard-granularity", "%u",
			    offer->granularity);
	if (!err)
		err = xenbus_printf(xbt, dir, "discard-alignment", "%u",
				    offer->alignment);
	if (!err && offer->secure)
		err = xenbus_printf(xbt, dir, "discard-secure", "%u", 1);
	if (!err)
		err = xenbus_printf(xbt, dir, "feature-discard", "%u", 1);
	return err;
}

/* @data is the struct vbd_discard_offer to publish with the disk. */
static int vbd_write_disk_keys(struct vbd_backend *be,
			       struct xenbus_transaction xbt, const void *data)
{
	const char *dir = be->xdev->nodename;
	struct block_device *bdev = be->disk.bdev;
	int err;

	err = xenbus_printf(xbt, dir, "sectors", "%llu", be->sectors);
	if (!err)
		err = xenbus_printf(xbt, dir, "info", "%u", be->info);
	if (!err)
		err = xenbus_printf(xbt, dir, "sector-size", "%u",
				    bdev_logical_block_size(bdev));
	if (!err)
		err = xenbus_printf(xbt, dir, "physical-sector-size", "%u",
				    bdev_physical_block_size(bdev));
	/*
	 * Flushes are offered whatever the device's cache: on a device
	 * without one they cost nothing, and the guest's fsync stays honest.
	 */
	if (!err)
		err = xenbus_printf(xbt, dir, "feature-flush-cache", "%u", 1);
	if (!err)
		err = xenbus_printf(xbt, dir, "feature-barrier", "%u", 1);
	if (!err)
		err = xenbus_printf(xbt, dir, "feature-persistent", "%u",
				    be->params.feature_persistent);
	if (!err && be->params.max_indirect_segs)
		err = xenbus_printf(xbt, dir, "feature-max-indirect-segments",
				    "%u", be->params.max_indirect_segs);
	if (!err)
		err = vbd_write_discard_keys(xbt, dir, data);
	return err;
}

/* Tell the frontend about the disk, all keys at once. */
static int vbd_publish_disk(struct vbd_backend *be)
{
	struct vbd_discard_offer offer;
	bool allowed;
	int err;

	be->sectors = bdev_nr_sectors(be->disk.bdev);
	allowed = xenbus_read_unsigned(be->xdev->nodename, "discard-enable", 1);
	vbd_discard_offer(be, allowed, &offer);
	err = vbd_transact(be, vbd_write_disk_keys, &offer);
	if (err)
		vbd_fail(be, err, "publishing disk details");
	return err;
}

/*
 * A new size is "sectors" and then "state" rewritten in one transaction:
 * xen-blkfront reads the size again when it sees the state node written
 * while it is connected. @data is the size.
 */
static int vbd_write_size(struct vbd_backend *be,
			  struct xenbus_transaction xbt, const void *data)
{
	const u64 *sectors = data;
	struct xenbus_device *xdev = be->xdev;
	int err;

	err = xenbus_printf(xbt, xdev->nodename, "sectors", "%llu",
			    (unsigned long long)*sectors);
	if (!err)
		err = xenbus_printf(xbt, xdev->nodename, "state", "%d",
				    xdev->state);
	return err;
}

/*
 * Every VBD_RESIZE_POLL while a frontend is connected, publish the device's
 * size if it changed (resize.c); a guest that does no I/O learns it too.
 */
static void vbd_resize_work(struct work_struct *work)
{
	struct vbd_backend *be = container_of(to_delayed_work(work),
					      struct vbd_backend, resize_work);
	u64 sectors;

	mutex_lock(&be->lock);
	/* Only a connected frontend has a size to be told; stop otherwise. */
	if (be->nr_rings && be->xdev->state == XenbusStateConnected) {
		if (vbd_resize_due(be, &sectors))
			vbd_resize_published(be, sectors,
					     vbd_transact(be, vbd_write_size,
							  &sectors));
		queue_delayed_work(system_wq, &be->resize_work,
				   VBD_RESIZE_POLL);
	}
	mutex_unlock(&be->lock);
}

/*
 * The toolstack's "cgroup" key, if any. A key naming no usable cgroup is
 * reported in xenstore and the device keeps its current cgroup: a disk is
 * served even if its limits are wrong.
 */
static void vbd_read_cgroup(struct vbd_backend *be)
{
	char *path;
	int err;

	path = xenbus_read(XBT_NIL, be->xdev->nodename, "cgroup", NULL);
	if (IS_ERR(path))
		return;
	err = vbd_qos_apply(be, path);
	if (err)
		xenbus_dev_error(be->xdev, err, "charging I/O to cgroup %.64s",
				 path);
	kfree(path);
}

/*
 * Whether the frontend has published its rings.  xenbus_read_driver_state()
 * would turn a failed read (ENOMEM, say) into Unknown, which looks like "not
 * ready yet" and would leave the device in InitWait for good: only a missing
 * key means that, any other failure ends the device with its reason.
 */
static bool vbd_frontend_ready(struct vbd_backend *be)
{
	unsigned int fe;

	if (vbd_read_fe_uint(be, be->xdev->otherend, "state", &fe))
		return false;
	return fe == XenbusStateInitialised || fe == XenbusStateConnected;
}

/*
 * Map the rings, publish the disk and say Connected; used for a new
 * frontend and for one another backend left live alike.
 */
static int vbd_connect(struct vbd_backend *be)
{
	struct xenbus_device *xdev = be->xdev;
	struct vbd_ring_info info;
	int err;

	lockdep_assert_held(&be->lock);
	vbd_read_cgroup(be);
	err = vbd_connect_rings(be);
	if (err)
		return err;
	err = vbd_publish_disk(be);
	if (!err)
		err = xenbus_switch_state(xdev, XenbusStateConnected);
	if (err) {
		vbd_disconnect_rings(be);
		return err;
	}
	queue_delayed_work(system_wq, &be->resize_work, VBD_RESIZE_POLL);
	vbd_ring_info(be->rings[0], &info);
	dev_info(&xdev->dev, "%s: %u queue%s of %u slots, protocol %s, %u indirect segments%s%s\n",
		 be->reattach ? "took up the live rings" : "connected",
		 be->nr_rings, be->nr_rings > 1 ? "s" : "",
		 info.nr_ents,
		 info.abi == VBD_ABI_X86_32 ? "x86_32-abi" : "x86_64-abi",
		 be->params.max_indirect_segs,
		 info.persistent ? ", persistent grants" : "",
		 be->discard ? ", discard" : "");
	return 0;
}

/* Connect once both the disk is open and the frontend has its rings ready. */
static void vbd_try_connect(struct vbd_backend *be)
{
	if (!be->disk_open || be->nr_rings ||
	    be->xdev->state != XenbusStateInitWait)
		return;
	if (!vbd_frontend_ready(be))
		return;
	vbd_connect(be);
}

/*
 * A device held exclusively by another user is typically still served to
 * the same guest's previous domain: a migration on one host, or a restore
 * while the saved domain's backend is going. The new domain's frontend does
 * not connect before that domain is gone, so retry until it is ready, then
 * give the other user VBD_BUSY_WAIT_SECS more before failing.
 */
static void vbd_open_work(struct work_struct *work)
{
	struct vbd_backend *be = container_of(to_delayed_work(work),
					      struct vbd_backend, open_work);
	bool last;
	int err;

	mutex_lock(&be->lock);
	if (be->disk_open || be->xdev->state != XenbusStateInitWait)
		goto unlock;
	if (!be->busy_deadline && vbd_frontend_ready(be))
		be->busy_deadline = jiffies + VBD_BUSY_WAIT_SECS * HZ;
	last = be->busy_deadline && time_after(jiffies, be->busy_deadline);
	err = vbd_open_disk(be, be->busy_devt, !last);
	if (!err)
		vbd_try_connect(be);
	else if (err == -EBUSY && !last)
		queue_delayed_work(system_wq, &be->open_work, VBD_BUSY_RETRY);
unlock:
	mutex_unlock(&be->lock);
}

static void vbd_open_later(struct vbd_backend *be, dev_t devt)
{
	lockdep_assert_held(&be->lock);
	if (!be->busy_devt)
		dev_info(&be->xdev->dev,
			 "%u:%u is in exclusive use: waiting for it to be released\n",
			 MAJOR(devt), MINOR(devt));
	be->busy_devt = devt;
	queue_delayed_work(system_wq, &be->open_work, VBD_BUSY_RETRY);
}

static void vbd_attach(struct vbd_backend *be)
{
	dev_t devt;
	int err;

	if (be->xdev->state != XenbusStateInitWait &&
	    be->xdev->state != XenbusStateConnected)
		return;
	if (vbd_read_devt(be, &devt))
		return;
	if (be->disk_open) {
		if (devt != be->disk.devt)
			xenbus_dev_error(be->xdev, -EINVAL,
					 "physical-device changed from %u:%u to %u:%u: not supported",
					 MAJOR(be->disk.devt),
					 MINOR(be->disk.devt),
					 MAJOR(devt), MINOR(devt));
		return;
	}
	err = vbd_open_disk(be, devt, true);
	if (err == -EBUSY)
		vbd_open_later(be, devt);
	else if (!err)
		vbd_try_connect(be);
}

static void vbd_attach_locked(struct vbd_backend *be)
{
	mutex_lock(&be->lock);
	vbd_attach(be);
	mutex_unlock(&be->lock);
}

static void vbd_physical_device_changed(struct xenbus_watch *watch,
					const char *path, const char *token)
{
	vbd_attach_locked(container_of(watch, struct vbd_backend, phys_watch));
}

static void vbd_hotplug_status_changed(struct xenbus_watch *watch,
				       const char *path, const char *token)
{
	vbd_attach_locked(container_of(watch, struct vbd_backend,
				       status_watch));
}

static int vbd_watch_start(struct vbd_backend *be)
{
	struct xenbus_device *xdev = be->xdev;
	int err;

	err = xenbus_watch_pathfmt(xdev, &be->phys_watch, NULL,
				   vbd_physical_device_changed,
				   "%s/%s",
				   xdev->nodename, "physical-device");
	if (err)
		return err;
	err = xenbus_watch_pathfmt(xdev, &be->status_watch, NULL,
				   vbd_hotplug_status_changed, "%s/%s",
				   xdev->nodename, "hotplug-status");
	if (err)
		goto unwatch_phys;
	be->watching = true;
	return 0;

unwatch_phys:
	unregister_xenbus_watch(&be->phys_watch);
	kfree(be->phys_watch.node);
	return err;
}

/* Waits for a running callback, so call it without the backend's lock. */
static void vbd_watch_stop(struct vbd_backend *be)
{
	if (!be->watching)
		return;
	unregister_xenbus_watch(&be->status_watch);
	kfree(be->status_watch.node);
	unregister_xenbus_watch(&be->phys_watch);
	kfree(be->phys_watch.node);
	be->watching = false;
}

/* What the frontend must know before it sets up its rings. */
static int vbd_advertise(struct vbd_backend *be)
{
	struct xenbus_device *xdev = be->xdev;
	int err;

	err = xenbus_printf(XBT_NIL, xdev->nodename, "max-ring-page-order",
			    "%u", be->params.max_ring_page_order);
	if (!err)
		err = xenbus_printf(XBT_NIL, xdev->nodename,
				    "multi-queue-max-queues", "%u",
				    be->params.max_queues);
	return err;
}

/*
 * Whether another backend left the device Connected to a running frontend:
 * it was unbound (allow_rebind), and its rings are to be taken up where
 * they stand, with no new handshake.
 */
static bool vbd_is_live(struct xenbus_device *xdev)
{
	return xenbus_read_driver_state(xdev->nodename) ==
		       XenbusStateConnected &&
	       xenbus_read_driver_state(xdev->otherend) ==
		       XenbusStateConnected;
}

/*
 * The frontend sized its rings and requests by what the previous backend
 * offered, and kept or revoked its grants by whether both offered
 * persistent ones: serve what it negotiated, as far as vbdback can at all.
 */
static int vbd_adopt_live_limits(struct vbd_backend *be)
{
	const char *dir = be->xdev->nodename;
	struct vbd_params *p = &be->params;
	unsigned int v;

	v = xenbus_read_unsigned(dir, "max-ring-page-order", 0);
	if (v > XENBUS_MAX_RING_GRANT_ORDER) {
		vbd_fail(be, -EINVAL, "max-ring-page-order %u exceeds %u", v,
			 XENBUS_MAX_RING_GRANT_ORDER);
		return -EINVAL;
	}
	p->max_ring_page_order = max(p->max_ring_page_order, v);
	v = xenbus_read_unsigned(dir, "multi-queue-max-queues", 1);
	p->max_queues = max(p->max_queues, v);
	v = xenbus_read_unsigned(dir, "feature-max-indirect-segments", 0);
	if (v > VBD_MAX_INDIRECT_SEGS) {
		vbd_fail(be, -EINVAL,
			 "feature-max-indirect-segments %u exceeds %u", v,
			 VBD_MAX_INDIRECT_SEGS);
		return -EINVAL;
	}
	if (v > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		p->max_indirect_segs = max(p->max_indirect_segs, v);
	/* A frontend that revokes its grants must not find them kept. */
	if (!xenbus_read_unsigned(dir, "feature-persistent", 0))
		p->feature_persistent = false;
	return 0;
}

/*
 * Serve a device another backend left live: open its disk and take up its
 * rings. Every failure is logged, and leaves the device as it was found for
 * the previous backend to be bound back.
 */
static int vbd_reattach(struct vbd_backend *be)
{
	dev_t devt;
	int err;

	lockdep_assert_held(&be->lock);
	err = vbd_adopt_live_limits(be);
	if (err)
		return err;
	err = vbd_read_devt(be, &devt);
	if (err == -EAGAIN) {
		err = -ENODEV;
		vbd_fail(be, err, "no physical-device in xenstore");
	}
	if (err)
		return err;
	err = vbd_open_disk(be, devt, false);
	if (err)
		return err;
	err = vbd_connect(be);
	if (err)
		vbd_close_disk(be);
	return err;
}

/*
 * A device whose frontend is live is taken up as it is; any other starts
 * the handshake: features first, as the frontend reads them when it sees
 * InitWait.
 */
static int vbd_start(struct vbd_backend *be)
{
	struct xenbus_device *xdev = be->xdev;
	int err;

	if (vbd_is_live(xdev)) {
		mutex_lock(&be->lock);
		be->reattach = true;
		err = vbd_reattach(be);
		be->reattach = false;
		mutex_unlock(&be->lock);
		if (err) {
			dev_err(&xdev->dev,
				"domain %u: refusing the bind; its frontend stays connected for the previous backend to be bound again\n",
				be->domid);
			return err;
		}
		return vbd_advertise(be);
	}
	err = vbd_advertise(be);
	if (!err)
		err = xenbus_switch_state(xdev, XenbusStateInitWait);
	return err;
}

static int vbd_parse_devid(struct xenbus_device *xdev, unsigned int *devid)
{
	const char *last = strrchr(xdev->nodename, '/');

	return last ? kstrtouint(last + 1, 10, devid) : -EINVAL;
}

/* The backend's memory, workqueue and sysfs files; nothing talks yet. */
static struct vbd_backend *vbd_alloc(struct xenbus_device *xdev)
{
	struct vbd_backend *be;
	int err = -ENOMEM;

	be = kzalloc(sizeof(*be), GFP_KERNEL);
	if (!be)
		return ERR_PTR(err);
	be->xdev = xdev;
	be->domid = xdev->otherend_id;
	err = vbd_parse_devid(xdev, &be->devid);
	if (err)
		goto free_be;
	vbd_params_get(&be->params);
	mutex_init(&be->lock);
	INIT_DELAYED_WORK(&be->open_work, vbd_open_work);
	INIT_DELAYED_WORK(&be->resize_work, vbd_resize_work);
	dev_set_drvdata(&xdev->dev, be);
	be->wq = alloc_workqueue("vbdback-%u-%u", WQ_MEM_RECLAIM | WQ_HIGHPRI,
				 0, be->domid, be->devid);
	err = -ENOMEM;
	if (!be->wq)
		goto free_be;
	err = vbd_stats_sysfs_add(be);
	if (err)
		goto destroy_wq;
	err = vbd_qos_sysfs_add(be);
	if (err)
		goto remove_stats;
	return be;

remove_stats:
	vbd_stats_sysfs_remove(be);
destroy_wq:
	destroy_workqueue(be->wq);
free_be:
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(be);
	return ERR_PTR(err);
}

/*
 * Stop serving and free everything; the watches are stopped, so nothing
 * queues the open work again.
 */
static void vbd_free(struct vbd_backend *be)
{
	cancel_delayed_work_sync(&be->open_work);
	mutex_lock(&be->lock);
	vbd_disconnect_rings(be);
	vbd_close_disk(be);
	mutex_unlock(&be->lock);
	/* Waits for a check in progress, which takes the lock. */
	cancel_delayed_work_sync(&be->resize_work);
	vbd_qos_sysfs_remove(be);
	vbd_stats_sysfs_remove(be);
	vbd_qos_release(be);
	WARN_ON_ONCE(be->nr_rings || be->disk_open);
	destroy_workqueue(be->wq);
	dev_set_drvdata(&be->xdev->dev, NULL);
	kfree(be);
}

static int vbd_probe(struct xenbus_device *xdev,
		     const struct xenbus_device_id *id)
{
	bool live = vbd_is_live(xdev);
	struct vbd_backend *be;
	int err;

	be = vbd_alloc(xdev);
	err = PTR_ERR_OR_ZERO(be);
	if (err)
		goto report;
	err = vbd_start(be);
	/* Fires at once if the hotplug script has already run. */
	if (!err)
		err = vbd_watch_start(be);
	if (err) {
		vbd_free(be);
		goto report;
	}
	vbd_debug_add(VBD_DBG_BACKENDS, 1);
	return 0;

report:
	/*
	 * The device stays unbound: without Closing and a reason, the
	 * toolstack and the frontend would wait on Initialising for ever.
	 * A live frontend is left Connected instead, for the backend it had
	 * to be bound again.
	 */
	if (!live)
		xenbus_dev_fatal(xdev, err, "setting up the backend");
	return err;
}

static void vbd_remove(struct xenbus_device *xdev)
{
	struct vbd_backend *be = dev_get_drvdata(&xdev->dev);
	bool gone = be->frontend_gone;

	vbd_watch_stop(be);
	vbd_free(be);
	vbd_debug_add(VBD_DBG_BACKENDS, -1);
	/*
	 * allow_rebind keeps xenbus from closing a device it removes; one
	 * removed because its frontend is gone is closed, for the toolstack
	 * to see and start it over.
	 */
	if (gone)
		xenbus_switch_state(xdev, XenbusStateClosed);
}

/* Return: true if the device should now be unregistered. */
static bool vbd_frontend_state(struct vbd_backend *be, enum xenbus_state fe)
{
	struct xenbus_device *xdev = be->xdev;

	switch (fe) {
	case XenbusStateInitialising:
		/* A frontend that closed and starts over (reboot, kexec). */
		if (xdev->state == XenbusStateClosed) {
			dev_info(&xdev->dev, "frontend reconnecting\n");
			xenbus_switch_state(xdev, XenbusStateInitWait);
		}
		return false;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		vbd_try_connect(be);
		return false;
	case XenbusStateClosing:
		xenbus_switch_state(xdev, XenbusStateClosing);
		return false;
	case XenbusStateClosed:
		vbd_disconnect_rings(be);
		xenbus_switch_state(xdev, XenbusStateClosed);
		return !xenbus_dev_is_online(xdev);
	case XenbusStateUnknown:
		be->frontend_gone = true;
		return true;
	case XenbusStateInitWait:
		return false;
	default:
		xenbus_dev_fatal(xdev, -EINVAL, "frontend in unexpected state %d",
				 fe);
		return false;
	}
}

static void vbd_frontend_changed(struct xenbus_device *xdev,
				 enum xenbus_state fe)
{
	struct vbd_backend *be = dev_get_drvdata(&xdev->dev);
	bool unregister;

	dev_dbg(&xdev->dev, "frontend %s\n", xenbus_strstate(fe));
	mutex_lock(&be->lock);
	unregister = vbd_frontend_state(be, fe);
	mutex_unlock(&be->lock);
	/* Calls vbd_remove(), which takes the lock itself. */
	if (unregister)
		device_unregister(&xdev->dev);
}

static const struct xenbus_device_id vbd_ids[] = {
	{ "vbd" },
	{ "" }
};

/*
 * The driver is named "vbdback", not after the "vbd" devices it serves
 * (xen-blkback's name), so that both can be loaded at once while an admin
 * moves devices from one to the other with unbind and bind: a guest's disk
 * then waits only for its own device's move, not for a module to unload
 * and load. allow_rebind: unbinding (or unloading) leaves a connected
 * frontend Connected, its rings answered and idle, for the next backend
 * bound to the device to take up (vbd_start()).
 */
static struct xenbus_driver vbd_driver = {
	.name = KBUILD_MODNAME,
	.ids = vbd_ids,
	.probe = vbd_probe,
	.remove = vbd_remove,
	.otherend_changed = vbd_frontend_changed,
	.allow_rebind = true,
};

static int vbd_name_device(struct device *dev, void *data)
{
	unsigned int *n = data;

	pr_err("  %s is bound to it\n", dev_name(dev));
	(*n)++;
	return 0;
}

/*
 * Another "vbd" backend (xen-blkback) is loaded. Without handover=1 that
 * is a mistake that would leave new devices to whichever driver the bus
 * tries first: name it, its devices and how to move them, and refuse.
 *
 * Return: 0 to go on, or -EBUSY.
 */
static int vbd_check_other_backend(void)
{
	struct device_driver *other;
	unsigned int n = 0;

	other = driver_find("vbd", vbd_driver.driver.bus);
	if (!other)
		return 0;
	if (vbd_params_handover()) {
		pr_info("loaded next to %s for a handover: move each device with unbind and bind\n",
			other->owner ? other->owner->name : "another vbd backend");
		return 0;
	}
	pr_err("the xenbus backend \"vbd\" is served by %s\n",
	       other->owner ? other->owner->name : "another module");
	if (driver_for_each_device(other, NULL, &n, vbd_name_device))
		pr_err("  (its devices cannot be listed)\n");
	pr_err("%u device%s; to move them with their guests running: modprobe vbdback handover=1, then for each D-N: echo vbd-D-N > /sys/bus/xen-backend/drivers/vbd/unbind; echo vbd-D-N > /sys/bus/xen-backend/drivers/vbdback/bind; finally rmmod xen-blkback\n",
	       n, n == 1 ? "" : "s");
	return -EBUSY;
}

/**
 * vbd_xenbus_register() - register the "vbd" xenbus backend driver
 *
 * Return: 0 or a negative errno (-EBUSY while xen-blkback serves "vbd"
 * devices and handover is not set).
 */
int vbd_xenbus_register(void)
{
	int err = xenbus_register_backend(&vbd_driver);

	if (err)
		return err;
	/* The bus is known once registered; devices bound elsewhere stay. */
	err = vbd_check_other_backend();
	if (err)
		xenbus_unregister_driver(&vbd_driver);
	return err;
}

/**
 * vbd_xenbus_unregister() - unregister it, removing every device
 */
void vbd_xenbus_unregister(void)
{
	xenbus_unregister_driver(&vbd_driver);
}
