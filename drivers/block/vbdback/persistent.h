/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Persistent grants (persistent.c): a ring's cache of guest grants kept
 * mapped across requests.
 */
#ifndef VBDBACK_PERSISTENT_H
#define VBDBACK_PERSISTENT_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/shrinker.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>

struct page;
struct vbd_ring;

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
 * @purge_idle: bit 0 set: unused grants idle for long are to be unmapped
 * @kick: runs the ring's worker soon, for @purge_idle and @shrink
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
	unsigned long purge_idle;
	void (*kick)(struct vbd_ring *ring);
	atomic_t shrink;
	struct delayed_work idle_work;
	struct shrinker *shrinker;
#ifndef VBDBACK_HAVE_SHRINKER_ALLOC
	struct shrinker shrinker_s;
#endif
};

int vbd_pgrant_init(struct vbd_ring *ring, bool enabled, unsigned int max,
		    unsigned int idle_secs, void (*kick)(struct vbd_ring *ring));
void vbd_pgrant_stop(struct vbd_ring *ring);
void vbd_pgrant_purge_all(struct vbd_ring *ring);
struct vbd_pgrant *vbd_pgrant_get(struct vbd_ring *ring, grant_ref_t gref);
struct vbd_pgrant *vbd_pgrant_add(struct vbd_ring *ring, grant_ref_t gref,
				  grant_handle_t handle, struct page *page);
void vbd_pgrant_put(struct vbd_ring *ring, struct vbd_pgrant *pg);
bool vbd_pgrant_make_room(struct vbd_ring *ring);
void vbd_pgrant_maintain(struct vbd_ring *ring);

#endif /* VBDBACK_PERSISTENT_H */
