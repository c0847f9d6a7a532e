/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbdback: Xen block backend. Objects shared between the files of the module.
 *
 * One struct vbd_backend exists per xenbus device backend/vbd/DOMID/DEVID.
 * It owns the backing device (struct vbd_disk) for as long as the toolstack
 * keeps the device, and a struct vbd_ring while a frontend is connected.
 */
#ifndef VBDBACK_H
#define VBDBACK_H

#include <linux/blkdev.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>

#include "proto.h"

/**
 * struct vbd_params - module-wide defaults, copied at probe time
 * @max_ring_page_order: largest ring the backend offers, as a page order
 */
struct vbd_params {
	unsigned int max_ring_page_order;
};

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
 * struct vbd_stats - counters with xen-blkback's names, for xentop
 * @oo_req: times the ring waited for a free request slot
 * @rd_req: read requests
 * @wr_req: write requests
 * @f_req: flush and barrier requests
 * @ds_req: discard requests
 * @rd_sect: sectors read
 * @wr_sect: sectors written
 *
 * Written only by the ring's worker; read locklessly by sysfs.
 */
struct vbd_stats {
	u64 oo_req;
	u64 rd_req;
	u64 wr_req;
	u64 f_req;
	u64 ds_req;
	u64 rd_sect;
	u64 wr_sect;
};

struct vbd_ring;

/**
 * struct vbd_req - one request from receipt to response
 * @ring: the ring it came from
 * @req: decoded private copy of the frontend's request
 * @io: what validation decided to execute
 * @error: first error seen, as a negative errno
 * @pending: bios not yet completed
 * @nr_pages: pages taken from the ring's page cache
 * @nr_mapped: grant mappings to undo
 * @pages: pages the guest's grants are mapped onto
 * @handles: grant handles, one per mapped page
 * @map: grant map operations (scratch)
 * @unmap: grant unmap operations (scratch)
 * @unmap_data: argument of the synchronous unmap
 * @node: link in the free list or the completion list
 * @free: link in the ring's free list
 */
struct vbd_req {
	struct vbd_ring *ring;
	struct vbd_request req;
	struct vbd_io io;
	int error;
	atomic_t pending;
	unsigned int nr_pages;
	unsigned int nr_mapped;
	struct page *pages[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	grant_handle_t handles[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct gnttab_map_grant_ref map[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct gnttab_unmap_grant_ref unmap[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct gntab_unmap_queue_data unmap_data;
	struct llist_node node;
	struct list_head free;
};

/**
 * struct vbd_ring - one shared ring and its event channel
 * @be: owning backend
 * @abi: request layout the frontend uses
 * @geom: slot layout
 * @sring: mapping of the shared ring pages
 * @br: index bookkeeping (only indices; slots are addressed through @geom)
 * @irq: bound event channel
 * @work: consumes requests and answers completions; never runs concurrently
 *        with itself, so it alone touches @br, @free_reqs and the counters
 * @flags: VBD_RING_* bits
 * @reqs: preallocated requests, @geom.nr_ents of them
 * @free_reqs: requests not in use
 * @done: requests whose I/O completed, awaiting unmap and response
 * @nr_submitted: requests handed to the block layer and not yet answered
 * @barrier: a barrier request holding the ring until it has completed
 * @barrier_submitted: @barrier has been handed to the block layer
 * @stopping: teardown has begun; consume nothing more
 * @broken: the frontend broke the protocol; consume nothing more
 * @idle: woken when @nr_submitted drops to zero during teardown
 * @pages: cache of pages to map grants onto
 * @stats: counters for sysfs
 */
struct vbd_ring {
	struct vbd_backend *be;
	enum vbd_abi abi;
	struct vbd_ring_geom geom;
	void *sring;
	struct blkif_back_ring br;
	int irq;
	struct work_struct work;
	unsigned long flags;
	struct vbd_req *reqs;
	struct list_head free_reqs;
	struct llist_head done;
	unsigned int nr_submitted;
	struct vbd_req *barrier;
	bool barrier_submitted;
	bool stopping;
	bool broken;
	wait_queue_head_t idle;
	struct gnttab_page_cache pages;
	struct vbd_stats stats;
};

/* An event arrived and awaits its late EOI. */
#define VBD_RING_EOI_PENDING	0

/**
 * struct vbd_backend - one virtual block device
 * @xdev: the xenbus device
 * @domid: frontend's domain
 * @devid: frontend's device id (last component of the backend path)
 * @params: module defaults as of probe
 * @lock: serialises attach, connect, disconnect and teardown
 * @wq: runs the ring's worker
 * @phys_watch: fires when the hotplug script writes physical-device
 * @status_watch: fires when it writes hotplug-status
 * @watching: the watches are registered
 * @disk: the backing device, valid while @disk_open
 * @disk_open: @disk holds an open device
 * @info: VDISK_* flags reported to the frontend
 * @ring: the connected ring, or NULL
 * @retired: counters of rings already torn down
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
	struct vbd_disk disk;
	bool disk_open;
	unsigned int info;
	struct vbd_ring *ring;
	struct vbd_stats retired;
};

/* main.c */
void vbd_params_get(struct vbd_params *params);

/* xenbus.c */
int vbd_xenbus_register(void);
void vbd_xenbus_unregister(void);

/* bdev.c */
int vbd_disk_open(struct vbd_disk *disk, dev_t devt, bool readonly,
		  void *holder);
void vbd_disk_close(struct vbd_disk *disk, void *holder);
void vbd_disk_limits(const struct vbd_disk *disk, struct vbd_limits *lim);

/* ring.c */
int vbd_ring_connect(struct vbd_backend *be, enum vbd_abi abi,
		     grant_ref_t *grefs, unsigned int nr_grefs,
		     evtchn_port_t evtchn);
void vbd_ring_disconnect(struct vbd_backend *be);
void vbd_ring_complete(struct vbd_req *req);

/* io.c */
int vbd_io_submit(struct vbd_req *req);
void vbd_io_release(struct vbd_req *req);

/* stats.c */
int vbd_stats_sysfs_add(struct vbd_backend *be);
void vbd_stats_sysfs_remove(struct vbd_backend *be);
void vbd_stats_add(struct vbd_stats *sum, const struct vbd_stats *s);

#endif /* VBDBACK_H */
