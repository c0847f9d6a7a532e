// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent grants: a frontend that negotiated feature-persistent reuses
 * the same granted pages for its I/O, so a grant mapped once can stay mapped
 * and save a map and an unmap hypercall per segment thereafter.
 *
 * Each ring keeps its own cache, touched only by the ring's worker: an
 * rbtree by grant reference, and every entry on a list in the order a clock
 * hand visits them. The cache is bounded (max_persistent_grants): when it
 * is full, unused entries not used since the hand last passed are unmapped
 * to make room (the clock, or second-chance, approximation of least
 * recently used). A request's use of an entry touches no list: with 256
 * segments to a request, moving each one on and off an LRU list cost as
 * much as the tree lookups.
 * Entries unused for a while (persistent_grant_unused_seconds, a minute by
 * default) are unmapped too, and so are unused ones
 * when the kernel's shrinker asks for memory back. Disconnect unmaps all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/rbtree.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "grant.h"
#include "persistent.h"
#include "pgclock.h"
#include "ring.h"

/* Idle grants are looked for at least this often. */
#define VBD_PGRANT_IDLE_CHECK	(10 * HZ)

/**
 * vbd_pgrant_get() - look a grant up in the cache and take a use of it
 * @ring: the ring
 * @gref: the frontend's grant reference
 *
 * Return: the cache entry, whose page already maps @gref, or NULL.
 */
struct vbd_pgrant *vbd_pgrant_get(struct vbd_ring *ring, grant_ref_t gref)
{
	struct vbd_pgrants *pc = &ring->pgrants;
	struct rb_node *n = pc->tree.rb_node;

	while (n) {
		struct vbd_pgrant *pg = rb_entry(n, struct vbd_pgrant, node);

		if (gref < pg->gref) {
			n = n->rb_left;
		} else if (gref > pg->gref) {
			n = n->rb_right;
		} else {
			if (!pg->users++)
				WRITE_ONCE(pc->nr_unused, pc->nr_unused - 1);
			return pg;
		}
	}
	return NULL;
}

/**
 * vbd_pgrant_add() - keep a freshly mapped grant, if there is room
 * @ring: the ring
 * @gref: the grant reference
 * @handle: its mapping
 * @page: the page it is mapped on
 *
 * Return: the new entry, in use once; or NULL when persistent grants are
 * off, the cache is full, or @gref is cached already (a request naming one
 * grant twice): the caller then unmaps it after the request as usual.
 */
struct vbd_pgrant *vbd_pgrant_add(struct vbd_ring *ring, grant_ref_t gref,
				  grant_handle_t handle, struct page *page)
{
	struct vbd_pgrants *pc = &ring->pgrants;
	struct rb_node **link = &pc->tree.rb_node, *parent = NULL;
	struct vbd_pgrant *pg;

	if (!pc->enabled || pc->count >= pc->max)
		return NULL;
	while (*link) {
		pg = rb_entry(*link, struct vbd_pgrant, node);
		parent = *link;
		if (gref < pg->gref)
			link = &(*link)->rb_left;
		else if (gref > pg->gref)
			link = &(*link)->rb_right;
		else
			return NULL;
	}
	pg = kzalloc(sizeof(*pg), GFP_NOIO);
	if (!pg)
		return NULL;
	pg->gref = gref;
	pg->handle = handle;
	pg->page = page;
	pg->users = 1;
	rb_link_node(&pg->node, parent, link);
	rb_insert_color(&pg->node, &pc->tree);
	/* Behind the hand: the last to be looked at. */
	list_add_tail(&pg->lru, &pc->lru);
	WRITE_ONCE(pc->count, pc->count + 1);
	vbd_debug_add(VBD_DBG_PGRANTS, 1);
	if (pc->count > ring->stats.pgrant_peak)
		vbd_count(&ring->stats.pgrant_peak,
			  pc->count - ring->stats.pgrant_peak);
	return pg;
}

/**
 * vbd_pgrant_put() - a request is done with a cached grant
 * @ring: the ring
 * @pg: the entry
 */
void vbd_pgrant_put(struct vbd_ring *ring, struct vbd_pgrant *pg)
{
	struct vbd_pgrants *pc = &ring->pgrants;

	if (--pg->users)
		return;
	pg->last_used = jiffies;
	pg->referenced = true;
	WRITE_ONCE(pc->nr_unused, pc->nr_unused + 1);
}

/*
 * Unmap up to @nr unused entries the hand takes; only idle ones if asked.
 * Returns how many it unmapped.
 */
static unsigned int vbd_pgrant_purge(struct vbd_ring *ring,
				     unsigned int nr, bool idle_only)
{
	struct vbd_pgrants *pc = &ring->pgrants;
	struct vbd_pgrant *pg, *tmp;
	struct vbd_pgclock clk;
	unsigned int n = 0;
	LIST_HEAD(victims);

	vbd_pgclock_start(&clk, pc->count, min(nr, ring->max_segs), jiffies,
			  pc->idle, idle_only);
	list_for_each_entry_safe(pg, tmp, &pc->lru, lru) {
		if (!vbd_pgclock_next(&clk))
			break;
		if (!vbd_pgclock_take(&clk, pg->users, &pg->referenced,
				      pg->last_used)) {
			/* Passed over: the hand moves on past it. */
			list_move_tail(&pg->lru, &pc->lru);
			continue;
		}
		vbd_grant_queue_unmap(ring, n++, pg->page, pg->handle);
		rb_erase(&pg->node, &pc->tree);
		list_move_tail(&pg->lru, &victims);
	}
	if (!n)
		return 0;
	WRITE_ONCE(pc->count, pc->count - n);
	WRITE_ONCE(pc->nr_unused, pc->nr_unused - n);
	vbd_debug_add(VBD_DBG_PGRANTS, -(s64)n);
	vbd_grant_unmap(ring, n);
	list_for_each_entry_safe(pg, tmp, &victims, lru)
		kfree(pg);
	/* Entries past the batch stay for the next round. */
	if (idle_only && nr > n && n == ring->max_segs)
		set_bit(0, &ring->pgrants.purge_idle);
	return n;
}

/**
 * vbd_pgrant_make_room() - before mapping, unmap unused grants of a full
 * cache, the least recently used as the clock finds them, so that new
 * grants can become persistent
 * @ring: the ring
 *
 * Return: whether the cache now has room for another grant.
 */
bool vbd_pgrant_make_room(struct vbd_ring *ring)
{
	struct vbd_pgrants *pc = &ring->pgrants;
	unsigned int nr;

	if (!pc->enabled)
		return false;
	nr = vbd_pgclock_room(pc->count, pc->max);
	if (nr)
		vbd_pgrant_purge(ring, nr, false);
	return pc->count < pc->max;
}

/**
 * vbd_pgrant_maintain() - the worker's housekeeping: idle grants, and what
 * the shrinker asked for
 * @ring: the ring
 */
void vbd_pgrant_maintain(struct vbd_ring *ring)
{
	unsigned int nr = atomic_xchg(&ring->pgrants.shrink, 0);

	/* A purge that filled its batch asks for another round. */
	while (test_and_clear_bit(0, &ring->pgrants.purge_idle))
		vbd_pgrant_purge(ring, UINT_MAX, true);
	while (nr && ring->pgrants.nr_unused) {
		unsigned int batch = min(nr, ring->max_segs);

		if (!vbd_pgrant_purge(ring, batch, false))
			break;
		nr -= batch;
	}
}

static void vbd_pgrant_idle_work(struct work_struct *work)
{
	struct vbd_pgrants *pc = container_of(to_delayed_work(work),
					      struct vbd_pgrants, idle_work);
	struct vbd_ring *ring = container_of(pc, struct vbd_ring, pgrants);

	if (READ_ONCE(pc->nr_unused)) {
		set_bit(0, &pc->purge_idle);
		pc->kick(ring);
	}
	queue_delayed_work(system_wq, &pc->idle_work, pc->idle_check);
}

#ifdef VBDBACK_HAVE_SHRINKER_ALLOC
static struct vbd_pgrants *vbd_pgrant_shrinker_owner(struct shrinker *s)
{
	return s->private_data;
}
#else
static struct vbd_pgrants *vbd_pgrant_shrinker_owner(struct shrinker *s)
{
	return container_of(s, struct vbd_pgrants, shrinker_s);
}
#endif

static unsigned long vbd_pgrant_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long n = READ_ONCE(vbd_pgrant_shrinker_owner(s)->nr_unused);

	return n ?: SHRINK_EMPTY;
}

/*
 * Reclaim cannot wait for the ring's worker, which owns the cache: ask it
 * to unmap that many unused grants. Nothing is freed here and now, hence 0;
 * reclaim goes on asking for the rest of what it wants in further batches.
 */
static unsigned long vbd_pgrant_scan(struct shrinker *s,
				     struct shrink_control *sc)
{
	struct vbd_pgrants *pc = vbd_pgrant_shrinker_owner(s);
	struct vbd_ring *ring = container_of(pc, struct vbd_ring, pgrants);

	atomic_add(sc->nr_to_scan, &pc->shrink);
	pc->kick(ring);
	return 0;
}

#ifdef VBDBACK_HAVE_SHRINKER_ALLOC
static int vbd_pgrant_shrinker_add(struct vbd_ring *ring)
{
	struct vbd_pgrants *pc = &ring->pgrants;
	struct vbd_backend *be = ring->be;

	pc->shrinker = shrinker_alloc(0, "vbdback-%u-%u-%u", be->domid,
				      be->devid, ring->index);
	if (!pc->shrinker)
		return -ENOMEM;
	pc->shrinker->count_objects = vbd_pgrant_count;
	pc->shrinker->scan_objects = vbd_pgrant_scan;
	pc->shrinker->private_data = pc;
	shrinker_register(pc->shrinker);
	return 0;
}

static void vbd_pgrant_shrinker_del(struct vbd_pgrants *pc)
{
	shrinker_free(pc->shrinker);
}
#else
static int vbd_pgrant_shrinker_add(struct vbd_ring *ring)
{
	struct vbd_pgrants *pc = &ring->pgrants;
	struct vbd_backend *be = ring->be;
	int err;

	pc->shrinker_s.count_objects = vbd_pgrant_count;
	pc->shrinker_s.scan_objects = vbd_pgrant_scan;
	pc->shrinker_s.seeks = DEFAULT_SEEKS;
	err = register_shrinker(&pc->shrinker_s, "vbdback-%u-%u-%u",
				be->domid, be->devid, ring->index);
	if (!err)
		pc->shrinker = &pc->shrinker_s;
	return err;
}

static void vbd_pgrant_shrinker_del(struct vbd_pgrants *pc)
{
	unregister_shrinker(pc->shrinker);
}
#endif

/**
 * vbd_pgrant_init() - set up a ring's cache
 * @ring: the ring being connected
 * @enabled: both ends negotiated persistent grants
 * @max: most grants to keep mapped
 * @idle_secs: unused this long, a grant is unmapped
 * @kick: runs the ring's worker soon, which does what the cache's idle
 *        check and shrinker ask for (vbd_pgrant_maintain())
 *
 * Return: 0 or a negative errno.
 */
int vbd_pgrant_init(struct vbd_ring *ring, bool enabled, unsigned int max,
		    unsigned int idle_secs, void (*kick)(struct vbd_ring *ring))
{
	struct vbd_pgrants *pc = &ring->pgrants;
	int err;

	pc->tree = RB_ROOT;
	pc->purge_idle = 0;
	pc->kick = kick;
	INIT_LIST_HEAD(&pc->lru);
	INIT_DELAYED_WORK(&pc->idle_work, vbd_pgrant_idle_work);
	pc->max = max;
	pc->idle = max_t(unsigned long, idle_secs, 1) * HZ;
	/* Look twice per idle period, so a grant goes within 1.5 of them. */
	pc->idle_check = clamp_t(unsigned long, pc->idle / 2, HZ,
				 VBD_PGRANT_IDLE_CHECK);
	pc->enabled = enabled && max;
	if (!pc->enabled)
		return 0;
	err = vbd_pgrant_shrinker_add(ring);
	if (err)
		return err;
	queue_delayed_work(system_wq, &pc->idle_work, pc->idle_check);
	return 0;
}

/**
 * vbd_pgrant_stop() - no more housekeeping requests for a ring going away
 * @ring: the ring, before its worker is stopped
 */
void vbd_pgrant_stop(struct vbd_ring *ring)
{
	struct vbd_pgrants *pc = &ring->pgrants;

	if (!pc->enabled)
		return;
	vbd_pgrant_shrinker_del(pc);
	cancel_delayed_work_sync(&pc->idle_work);
}

/**
 * vbd_pgrant_purge_all() - unmap every cached grant
 * @ring: the ring, its worker stopped and no request in flight
 *
 * With no request in flight no grant is in use, so every one is unmapped;
 * with vbd_pgrant_stop() done, no housekeeping is queued.
 */
void vbd_pgrant_purge_all(struct vbd_ring *ring)
{
	struct vbd_pgrants *pc = &ring->pgrants;

	WARN_ON_ONCE(pc->nr_unused != pc->count);
	WARN_ON_ONCE(pc->enabled && delayed_work_pending(&pc->idle_work));
	while (ring->pgrants.nr_unused) {
		/*
		 * A pass may free nothing yet clear the marks that spared its
		 * entries (the walk ends at the list's last entry, so a cache
		 * of one referenced grant gets no second look): only a second
		 * pass in a row that frees nothing means none can be freed.
		 */
		if (!vbd_pgrant_purge(ring, ring->max_segs, false) &&
		    !vbd_pgrant_purge(ring, ring->max_segs, false))
			break;
	}
	WARN_ON_ONCE(pc->count);
}
