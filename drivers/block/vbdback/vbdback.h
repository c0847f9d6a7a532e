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
#include <linux/rbtree.h>
#include <linux/shrinker.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>

#include "params.h"
#include "proto.h"

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

/*
 * Latency histograms: bucket i counts requests answered within
 * [2^i, 2^(i+1)) microseconds; the first also takes those under 1 us, the
 * last everything from 2^23 us (8 s) up.
 */
#define VBD_LAT_BUCKETS			24

/* What a latency histogram is kept for. */
enum vbd_lat_kind {
	VBD_LAT_READ,
	VBD_LAT_WRITE,
	VBD_LAT_FLUSH,
	VBD_LAT_DISCARD,
	VBD_LAT_KINDS,
	VBD_LAT_NONE = VBD_LAT_KINDS,	/* not counted: refused unread */
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
 * struct vbd_stats - per-ring counters
 * @oo_req: times the ring waited for a free request slot
 * @rd_req: read requests
 * @wr_req: write requests
 * @f_req: flush and barrier requests
 * @ds_req: discard requests
 * @rd_sect: sectors read
 * @wr_sect: sectors written
 * @indirect_req: indirect read and write requests
 * @max_req_segs: most segments any one request carried
 * @map_ops: grants mapped
 * @unmap_ops: grants unmapped
 * @pgrant_peak: most persistent grants cached at once
 * @poll_hits: polls of a drained ring that found a request
 * @poll_misses: polls that found nothing and ended in asking for an event
 * @copy_ops: segments copied to or from the guest instead of mapped
 * @lat: latency histograms, by enum vbd_lat_kind, from taking a request off
 *       the ring to answering it
 *
 * The first seven carry xen-blkback's names for xentop. Written only by the
 * ring's worker; read locklessly by sysfs.
 */
struct vbd_stats {
	u64 oo_req;
	u64 rd_req;
	u64 wr_req;
	u64 f_req;
	u64 ds_req;
	u64 rd_sect;
	u64 wr_sect;
	u64 indirect_req;
	u64 max_req_segs;
	u64 map_ops;
	u64 unmap_ops;
	u64 pgrant_peak;
	u64 poll_hits;
	u64 poll_misses;
	u64 copy_ops;
	u64 lat[VBD_LAT_KINDS][VBD_LAT_BUCKETS];
};

/**
 * struct vbd_pgrant - a guest grant kept mapped across requests
 * @node: link in the cache's tree, by @gref
 * @lru: link in the cache's clock list
 * @page: the page the grant is mapped on
 * @last_used: when the last request using it finished (jiffies)
 * @gref: the frontend's grant reference
 * @handle: the mapping
 * @users: requests in flight using it
 * @referenced: used since the clock hand last passed it
 */
struct vbd_pgrant {
	struct rb_node node;
	struct list_head lru;
	struct page *page;
	unsigned long last_used;
	grant_ref_t gref;
	grant_handle_t handle;
	unsigned int users;
	bool referenced;
};

/**
 * struct vbd_pgrants - a ring's cache of persistent grants
 * @tree: every cached grant, by reference
 * @lru: every cached grant, from the clock hand onwards
 * @count: cached grants
 * @nr_unused: cached grants no request uses
 * @max: most grants to cache
 * @idle: unused this long (jiffies), a grant is unmapped
 * @idle_check: how often idle grants are looked for (jiffies)
 * @enabled: both ends negotiated persistent grants
 * @shrink: unused grants the shrinker asked the worker to unmap
 * @idle_work: asks the worker now and then to unmap idle grants
 * @shrinker: releases unused grants under memory pressure
 * @shrinker_s: @shrinker, on kernels where drivers embed it
 *
 * Only the ring's worker changes it; the counts are read locklessly.
 */
struct vbd_pgrants {
	struct rb_root tree;
	struct list_head lru;
	unsigned int count;
	unsigned int nr_unused;
	unsigned int max;
	unsigned long idle;
	unsigned long idle_check;
	bool enabled;
	atomic_t shrink;
	struct delayed_work idle_work;
	struct shrinker *shrinker;
#ifndef VBDBACK_HAVE_SHRINKER_ALLOC
	struct shrinker shrinker_s;
#endif
};

/**
 * struct vbd_poll - a ring's polling for requests (poll.c)
 * @max_ns: longest window, 0 for no polling
 * @window_ns: the current window, 0 while polling does not pay
 * @idle_since: when the ring last went to sleep on an event, 0 if it is
 *              not waiting
 */
struct vbd_poll {
	u64 max_ns;
	u64 window_ns;
	u64 idle_since;
};

/**
 * struct vbd_copy - a ring's pages for grant copy (copy.c)
 * @max_segs: requests of at most this many segments are copied (0: none)
 * @free: pages not in use, kept for reuse
 * @nr_free: how many
 * @cap: the most kept (@max_segs for every request slot)
 */
struct vbd_copy {
	unsigned int max_segs;
	struct page **free;
	unsigned int nr_free;
	unsigned int cap;
};

struct vbd_ring;

/**
 * struct vbd_req - one request from receipt to response
 * @ring: the ring it came from
 * @req: decoded private copy of the frontend's request
 * @io: what validation decided to execute
 * @segs: its segments (room for the ring's @max_segs)
 * @pages: pages the guest's grants are mapped onto (as many)
 * @handles: grant handles of mappings to undo after the request (as many)
 * @pgrants: the persistent grant behind each page, or NULL (as many)
 * @start_ns: when it was taken off the ring
 * @lat_kind: the histogram it counts in, or VBD_LAT_NONE
 * @error: first error seen, as a negative errno
 * @pending: bios not yet completed
 * @nr_pages: segments given a page (from the page cache, a persistent
 *            grant or the ring's copy pages)
 * @copy: the data goes by grant copy through pages of dom0's own
 * @discard_work: runs a discard away from the ring's worker
 * @node: link in the completion list
 * @free: link in the ring's free list
 */
struct vbd_req {
	struct vbd_ring *ring;
	struct vbd_request req;
	struct vbd_io io;
	struct vbd_seg *segs;
	struct page **pages;
	grant_handle_t *handles;
	struct vbd_pgrant **pgrants;
	u64 start_ns;
	enum vbd_lat_kind lat_kind;
	int error;
	atomic_t pending;
	unsigned int nr_pages;
	bool copy;
	struct work_struct discard_work;
	struct llist_node node;
	struct list_head free;
};

/**
 * struct vbd_scratch - what the ring's worker needs while handling one
 * request; only the worker uses it, one request at a time
 * @map: grant map operations
 * @map_pages: the pages of @map
 * @map_seg: the segment of each entry of @map
 * @unmap: grant unmap operations
 * @unmap_pages: the pages of @unmap
 * @put_pages: pages going back to the page cache
 * @unmap_data: argument of the synchronous unmap
 * @copy: grant copy operations: indirect pages, or a copied request's data
 * @indirect: private copies of an indirect request's segment pages
 */
struct vbd_scratch {
	struct gnttab_map_grant_ref *map;
	struct page **map_pages;
	unsigned int *map_seg;
	struct gnttab_unmap_grant_ref *unmap;
	struct page **unmap_pages;
	struct page **put_pages;
	struct gntab_unmap_queue_data unmap_data;
	struct gnttab_copy copy[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	void *indirect[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

/**
 * struct vbd_ring - one shared ring (hardware queue) and its event channel
 * @be: owning backend
 * @index: queue number
 * @abi: request layout the frontend uses
 * @geom: slot layout
 * @max_segs: most segments a request on this ring may carry
 * @sring: mapping of the shared ring pages
 * @br: index bookkeeping (only indices; slots are addressed through @geom)
 * @irq: bound event channel
 * @work: consumes requests and answers completions; never runs concurrently
 *        with itself, so it alone touches @br, @free_reqs, @scratch and the
 *        counters
 * @flags: VBD_RING_* bits
 * @reqs: preallocated requests, @geom.nr_ents of them
 * @free_reqs: requests not in use
 * @done: requests whose I/O completed, awaiting unmap and response
 * @nr_submitted: requests handed to the block layer and not yet answered
 * @inflight: accepted requests not yet answered: reads, and all others
 * @barrier: a barrier request holding the ring until it has completed
 * @barrier_submitted: @barrier has been handed to the block layer
 * @quiescing: the ring is being handed over: consume nothing more, but
 *             answer, and tell the frontend of, everything already taken
 * @stopping: teardown has begun; consume nothing more
 * @reaping: the work item is submitting and will reap @done once more
 *           before it answers, so a completion need not queue it
 * @broken: the frontend broke the protocol; consume nothing more
 * @idle: woken when a quiescing ring has answered all it took
 * @pages: cache of pages to map grants onto
 * @pgrants: persistent grants kept mapped
 * @poll: polling for requests before asking for an event
 * @copy: pages for requests copied rather than mapped
 * @scratch: per-request working space of the worker
 * @stats: counters for sysfs
 */
struct vbd_ring {
	struct vbd_backend *be;
	unsigned int index;
	enum vbd_abi abi;
	struct vbd_ring_geom geom;
	unsigned int max_segs;
	void *sring;
	struct blkif_back_ring br;
	int irq;
	struct work_struct work;
	unsigned long flags;
	struct vbd_req *reqs;
	struct list_head free_reqs;
	struct llist_head done;
	unsigned int nr_submitted;
	unsigned int inflight[2];
	struct vbd_req *barrier;
	bool barrier_submitted;
	bool quiescing;
	bool stopping;
	bool reaping;
	bool broken;
	wait_queue_head_t idle;
	struct gnttab_page_cache pages;
	struct vbd_pgrants pgrants;
	struct vbd_poll poll;
	struct vbd_copy copy;
	struct vbd_scratch scratch;
	struct vbd_stats stats;
};

/* An event arrived and awaits its late EOI. */
#define VBD_RING_EOI_PENDING	0
/* Persistent grants unused for a while are to be unmapped. */
#define VBD_RING_PURGE_IDLE	1
/* The runs an owed EOI spans took a request: the event was not spurious. */
#define VBD_RING_EOI_USEFUL	2

/**
 * struct vbd_ring_config - what the frontend negotiated for one ring
 * @abi: request layout
 * @nr_grefs: ring pages (a power of two)
 * @grefs: their grant references
 * @evtchn: the ring's event channel port
 * @persistent: both ends offered persistent grants
 * @live: the ring is taken over from another backend, which may still be
 *        letting go of it
 */
struct vbd_ring_config {
	enum vbd_abi abi;
	bool persistent;
	bool live;
	unsigned int nr_grefs;
	grant_ref_t grefs[XENBUS_MAX_RING_GRANTS];
	evtchn_port_t evtchn;
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

/* ring.c */

/* The step of vbd_ring_connect() that failed, for the caller to report. */
enum vbd_ring_step {
	VBD_RING_STEP_ALLOC,	/* allocating the ring's memory */
	VBD_RING_STEP_PGRANTS,	/* setting up persistent grants */
	VBD_RING_STEP_MAP,	/* mapping the ring's pages */
	VBD_RING_STEP_INDICES,	/* the ring's indices are impossible */
	VBD_RING_STEP_BIND,	/* binding the event channel */
};

struct vbd_ring *vbd_ring_connect(struct vbd_backend *be, unsigned int index,
				  struct vbd_ring_config *cfg,
				  enum vbd_ring_step *step);
void vbd_ring_disconnect(struct vbd_ring *ring);
void vbd_ring_complete(struct vbd_req *req);

/* io.c */
int vbd_io_fetch_indirect(struct vbd_req *req);
void vbd_io_queue_copy(struct vbd_ring *ring, unsigned int k,
		       grant_ref_t gref, struct page *page, unsigned int off,
		       unsigned int len, bool to_guest);
int vbd_io_copy(struct vbd_ring *ring, unsigned int n);
int vbd_io_submit(struct vbd_req *req);
int vbd_io_release(struct vbd_req *req);
void vbd_io_report(const struct vbd_req *req, int err);
void vbd_io_queue_unmap(struct vbd_ring *ring, unsigned int k,
			struct page *page, grant_handle_t handle);
void vbd_io_unmap(struct vbd_ring *ring, unsigned int n);

/* copy.c */
int vbd_copy_init(struct vbd_ring *ring, unsigned int max_segs);
void vbd_copy_exit(struct vbd_ring *ring);
bool vbd_copy_wanted(const struct vbd_req *req);
int vbd_copy_prepare(struct vbd_req *req);
int vbd_copy_release(struct vbd_req *req);

/* discard.c */

/**
 * struct vbd_discard_offer - what the frontend is told of discard
 * @enabled: discards are offered
 * @secure: secure discards are offered too
 * @granularity: the device's discard granularity, in bytes
 * @alignment: its discard alignment, in bytes
 */
struct vbd_discard_offer {
	bool enabled;
	bool secure;
	unsigned int granularity;
	unsigned int alignment;
};

void vbd_discard_offer(struct vbd_backend *be, bool allowed,
		       struct vbd_discard_offer *offer);
void vbd_discard_submit(struct vbd_req *req);

/* persistent.c */
int vbd_pgrant_init(struct vbd_ring *ring, bool enabled, unsigned int max,
		    unsigned int idle_secs);
void vbd_pgrant_stop(struct vbd_ring *ring);
void vbd_pgrant_purge_all(struct vbd_ring *ring);
struct vbd_pgrant *vbd_pgrant_get(struct vbd_ring *ring, grant_ref_t gref);
struct vbd_pgrant *vbd_pgrant_add(struct vbd_ring *ring, grant_ref_t gref,
				  grant_handle_t handle, struct page *page);
void vbd_pgrant_put(struct vbd_ring *ring, struct vbd_pgrant *pg);
bool vbd_pgrant_make_room(struct vbd_ring *ring);
void vbd_pgrant_maintain(struct vbd_ring *ring);

/* poll.c */
void vbd_poll_init(struct vbd_ring *ring, unsigned int max_us);
bool vbd_poll_drained(struct vbd_ring *ring, bool answered);
void vbd_poll_woken(struct vbd_ring *ring);

/* resize.c */
bool vbd_resize_due(const struct vbd_backend *be, u64 *sectors);
void vbd_resize_published(struct vbd_backend *be, u64 sectors, int err);

/* stats.c */
int vbd_stats_sysfs_add(struct vbd_backend *be);
void vbd_stats_sysfs_remove(struct vbd_backend *be);
void vbd_stats_add(struct vbd_stats *sum, const struct vbd_stats *s);
enum vbd_lat_kind vbd_stats_lat_kind(enum vbd_io_kind kind);
void vbd_stats_lat_add(struct vbd_stats *st, enum vbd_lat_kind kind, u64 ns);

/* qos.c */
int vbd_qos_sysfs_add(struct vbd_backend *be);
void vbd_qos_sysfs_remove(struct vbd_backend *be);
int vbd_qos_apply(struct vbd_backend *be, const char *path);
void vbd_qos_charge_begin(struct vbd_backend *be);
void vbd_qos_charge_end(struct vbd_backend *be);
void vbd_qos_release(struct vbd_backend *be);

#endif /* VBDBACK_H */
