/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbdback: Xen block backend. What the module's files share: the device
 * (struct vbd_backend), module-wide limits and the control-path functions.
 * The datapath has a header per layer: ring.h, io.h, discard.h, copy.h,
 * persistent.h, grant.h, and stats.h and poll.h beside them.
 *
 * One struct vbd_backend exists per xenbus device backend/vbd/DOMID/DEVID.
 * It owns the backing device (struct vbd_disk) for as long as the toolstack
 * keeps the device, and a struct vbd_ring while a frontend is connected.
 */
#ifndef VBDBACK_H
#define VBDBACK_H

#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>

#include "params.h"
#include "proto.h"
#include "counters.h"
#include "stats.h"

/* Segments of an indirect request offered by default: 1 MiB requests. */
#define VBD_DEFAULT_INDIRECT_SEGS	256
/*
 * Persistent grants a ring keeps by default: as xen-blkback, enough for a
 * full 32-slot ring of 11-segment requests with some to spare.
 */
#define VBD_DEFAULT_PGRANTS		1056

/* The most segments a request copied may have: scratch.copy holds as many. */
#define VBD_COPY_MAX_SEGS		BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST

/* The longest polling window allowed: a CPU spinning longer would be waste. */
#define VBD_POLL_MAX_US			1000

/**
 * struct vbd_disk - the backing block device
 * @handle: what the kernel's open returned (a file on newer kernels)
 * @bdev: the block device
 * @devt: its device number
 * @readonly: opened for reading only
 */
struct vbd_disk {
	void *handle;
	struct block_device *bdev;
	dev_t devt;
	bool readonly;
};

/**
 * struct vbd_backend - one virtual block device
 * @xdev: the xenbus device
 * @domid: frontend's domain
 * @devid: frontend's device id (last component of the backend path)
 * @params: module defaults as of probe
 * @lock: serialises attach, connect, disconnect and teardown
 * @wq: runs the rings' workers
 * @phys_watch: fires when the hotplug script writes physical-device
 * @status_watch: fires when it writes hotplug-status
 * @watching: the watches are registered
 * @reattach: probe is taking up rings another backend left live: failures
 *            are logged and refuse the bind rather than close the device
 * @frontend_gone: the frontend's state read as Unknown: the device is
 *                 removed and closed, not left for a rebind
 * @open_work: retries opening a device another user holds exclusively
 * @busy_devt: that device, or 0
 * @busy_deadline: when to stop retrying (jiffies), set once the frontend
 *                 is ready; 0 until then
 * @disk: the backing device, valid while @disk_open
 * @disk_open: @disk holds an open device
 * @mode: the toolstack's "mode" key as it was when @disk was opened
 * @info: VDISK_* flags reported to the frontend
 * @discard: discards offered to the frontend
 * @secure_discard: secure discards offered to the frontend
 * @sectors: the device size last published to the frontend
 * @resize_work: publishes a new device size
 * @rings: the connected rings, or NULL
 * @nr_rings: how many
 * @retired: counters of rings already torn down
 * @blkcg: the io cgroup the device's I/O is charged to, or NULL for the
 *         workers' own (the root); RCU-protected, changed under @lock
 * @cgroup_path: the path @blkcg was set from, or NULL
 */
struct vbd_backend {
	struct xenbus_device *xdev;
	domid_t domid;
	unsigned int devid;
	struct vbd_params params;
	/* serialises watches, frontend state changes, sysfs and remove */
	struct mutex lock;
	struct workqueue_struct *wq;
	struct xenbus_watch phys_watch;
	struct xenbus_watch status_watch;
	bool watching;
	bool reattach;
	bool frontend_gone;
	struct delayed_work open_work;
	dev_t busy_devt;
	unsigned long busy_deadline;
	struct vbd_disk disk;
	bool disk_open;
	char *mode;
	unsigned int info;
	bool discard;
	bool secure_discard;
	u64 sectors;
	struct delayed_work resize_work;
	struct vbd_ring **rings;
	unsigned int nr_rings;
	struct vbd_stats retired;
	struct cgroup_subsys_state __rcu *blkcg;
	char *cgroup_path;
};

/* What the module-wide leak counters in debugfs count. */
enum vbd_debug_counter {
	VBD_DBG_BACKENDS,	/* devices probed and not removed */
	VBD_DBG_RINGS,		/* rings allocated and not freed */
	VBD_DBG_GRANTS,		/* guest grants mapped, persistent ones too */
	VBD_DBG_PGRANTS,	/* persistent grants cached */
	VBD_DBG_PAGES,		/* pages out of the rings' page caches */
	VBD_DBG_REQUESTS,	/* requests accepted and not answered */
	VBD_DBG_NR,
};

/* The kernel address of a page a grant is mapped onto. */
static inline unsigned long vbd_page_vaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/* debugfs.c */
int vbd_debug_init(void);
void vbd_debug_exit(void);
void vbd_debug_add(enum vbd_debug_counter c, s64 delta);

/* xenbus.c */
int vbd_xenbus_register(void);
void vbd_xenbus_unregister(void);

/* bdev.c */
int vbd_disk_open(struct vbd_disk *disk, dev_t devt, bool readonly,
		  void *holder);
void vbd_disk_close(struct vbd_disk *disk, void *holder);
void vbd_disk_limits(const struct vbd_disk *disk, struct vbd_limits *lim);

/* resize.c */
bool vbd_resize_due(const struct vbd_backend *be, u64 *sectors);
void vbd_resize_published(struct vbd_backend *be, u64 sectors, int err);

/* qos.c */
int vbd_qos_sysfs_add(struct vbd_backend *be);
void vbd_qos_sysfs_remove(struct vbd_backend *be);
int vbd_qos_apply(struct vbd_backend *be, const char *path);
void vbd_qos_charge_begin(struct vbd_backend *be);
void vbd_qos_charge_end(struct vbd_backend *be);
void vbd_qos_release(struct vbd_backend *be);

#endif /* VBDBACK_H */
