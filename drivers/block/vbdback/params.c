// SPDX-License-Identifier: GPL-2.0
/*
 * vbdback: the module parameters, their validation, and the copy of them
 * each new device takes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <xen/xenbus.h>

#include "vbdback.h"

/**
 * struct vbd_uint_param - a parameter that is a number in a range
 * @val: its value
 * @min: the least allowed
 * @max: the most allowed
 *
 * A value out of the range, or no number at all, is refused with -EINVAL,
 * at load (the module then does not load) and when written in
 * /sys/module/vbdback/parameters/.
 */
struct vbd_uint_param {
	unsigned int val;
	unsigned int min;
	unsigned int max;
};

static int vbd_uint_param_set(const char *s, const struct kernel_param *kp)
{
	struct vbd_uint_param *p = kp->arg;
	unsigned int v;

	if (kstrtouint(s, 0, &v) || v < p->min || v > p->max)
		return -EINVAL;
	WRITE_ONCE(p->val, v);
	return 0;
}

static int vbd_uint_param_get(char *buf, const struct kernel_param *kp)
{
	const struct vbd_uint_param *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(p->val));
}

static const struct kernel_param_ops vbd_uint_param_ops = {
	.set = vbd_uint_param_set,
	.get = vbd_uint_param_get,
};

/**
 * struct vbd_ignored_param - one of xen-blkback's parameters that means
 * nothing here
 * @val: the value given, kept only to be read back
 * @why: what the notice says
 * @noticed: the notice was given
 *
 * Accepted with the values xen-blkback accepts (any int), so that a
 * configuration written for it still loads; the first setting says once
 * that it is ignored.
 */
struct vbd_ignored_param {
	int val;
	const char *why;
	bool noticed;
};

static int vbd_ignored_param_set(const char *s, const struct kernel_param *kp)
{
	struct vbd_ignored_param *p = kp->arg;
	int v;

	if (kstrtoint(s, 0, &v))
		return -EINVAL;
	WRITE_ONCE(p->val, v);
	/* Setters run under the module's parameter lock. */
	if (!p->noticed) {
		p->noticed = true;
		pr_notice("parameter %s is xen-blkback's and is ignored: %s\n",
			  kp->name, p->why);
	}
	return 0;
}

static int vbd_ignored_param_get(char *buf, const struct kernel_param *kp)
{
	const struct vbd_ignored_param *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%d\n", READ_ONCE(p->val));
}

static const struct kernel_param_ops vbd_ignored_param_ops = {
	.set = vbd_ignored_param_set,
	.get = vbd_ignored_param_get,
};

/*
 * Every device copies the parameters when it is probed (vbd_params_get()),
 * so changing one at run time is safe: it applies to devices made later.
 * That holds for max_ring_page_order too, which xen-blkback keeps read-only
 * because it reads it again at connect time.
 */
static struct vbd_uint_param max_ring_page_order = {
	XENBUS_MAX_RING_GRANT_ORDER, 0, XENBUS_MAX_RING_GRANT_ORDER
};
module_param_cb(max_ring_page_order, &vbd_uint_param_ops,
		&max_ring_page_order, 0644);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest shared ring offered to frontends, as a page order (0-"
		 __stringify(XENBUS_MAX_RING_GRANT_ORDER) ")");

static struct vbd_uint_param max_queues = { 0, 0, UINT_MAX };
module_param_cb(max_queues, &vbd_uint_param_ops, &max_queues, 0644);
MODULE_PARM_DESC(max_queues,
		 "Most queues (rings) offered to a frontend (0: one per online CPU)");

static struct vbd_uint_param max_indirect_segments = {
	VBD_DEFAULT_INDIRECT_SEGS, 0, VBD_MAX_INDIRECT_SEGS
};
module_param_cb(max_indirect_segments, &vbd_uint_param_ops,
		&max_indirect_segments, 0644);
MODULE_PARM_DESC(max_indirect_segments,
		 "Segments of an indirect request offered to frontends (0: no indirect requests, at most "
		 __stringify(VBD_MAX_INDIRECT_SEGS) ")");

static bool feature_persistent = true;
module_param(feature_persistent, bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants to frontends");

static struct vbd_uint_param max_persistent_grants = {
	VBD_DEFAULT_PGRANTS, 0, INT_MAX
};
module_param_cb(max_persistent_grants, &vbd_uint_param_ops,
		&max_persistent_grants, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Most persistent grants one queue keeps mapped");

static struct vbd_uint_param persistent_grant_unused_seconds = {
	60, 0, UINT_MAX
};
module_param_cb(persistent_grant_unused_seconds, &vbd_uint_param_ops,
		&persistent_grant_unused_seconds, 0644);
MODULE_PARM_DESC(persistent_grant_unused_seconds,
		 "Seconds a persistent grant may stay unused before it is unmapped (0: never)");

static struct vbd_uint_param poll_max_us = { 0, 0, VBD_POLL_MAX_US };
module_param_cb(poll_max_us, &vbd_uint_param_ops, &poll_max_us, 0644);
MODULE_PARM_DESC(poll_max_us,
		 "Longest a drained ring is polled for its next request before the frontend is asked for an event, in microseconds (0: never poll; at most "
		 __stringify(VBD_POLL_MAX_US) ")");

static struct vbd_uint_param grant_copy_max_segs = {
	1, 0, VBD_COPY_MAX_SEGS
};
module_param_cb(grant_copy_max_segs, &vbd_uint_param_ops,
		&grant_copy_max_segs, 0644);
MODULE_PARM_DESC(grant_copy_max_segs,
		 "Without persistent grants, requests of at most this many segments are copied rather than mapped (0: map all; at most "
		 __stringify(VBD_COPY_MAX_SEGS) ")");

static struct vbd_ignored_param max_buffer_pages = {
	1024, "each queue keeps only the pages its requests need"
};
module_param_cb(max_buffer_pages, &vbd_ignored_param_ops, &max_buffer_pages,
		0644);
MODULE_PARM_DESC(max_buffer_pages,
		 "xen-blkback's; accepted and ignored");

static struct vbd_ignored_param log_stats = {
	0, "read statistics/ in sysfs, or run vbdtop"
};
module_param_cb(log_stats, &vbd_ignored_param_ops, &log_stats, 0644);
MODULE_PARM_DESC(log_stats, "xen-blkback's; accepted and ignored");

static struct vbd_ignored_param buffer_squeeze_duration_ms = {
	10, "under memory pressure, a shrinker releases persistent grants"
};
module_param_cb(buffer_squeeze_duration_ms, &vbd_ignored_param_ops,
		&buffer_squeeze_duration_ms, 0644);
MODULE_PARM_DESC(buffer_squeeze_duration_ms,
		 "xen-blkback's; accepted and ignored");

/**
 * vbd_params_get() - the module parameters, sanitised, for a new device
 * @params: result
 *
 * Parameters are writable at run time; each device keeps the values it was
 * probed with.
 */
void vbd_params_get(struct vbd_params *params)
{
	unsigned int segs = READ_ONCE(max_indirect_segments.val);

	/* The setters keep each value in its range. */
	params->max_ring_page_order = READ_ONCE(max_ring_page_order.val);
	params->max_queues = READ_ONCE(max_queues.val) ?: num_online_cpus();
	params->feature_persistent = READ_ONCE(feature_persistent);
	params->max_pgrants = READ_ONCE(max_persistent_grants.val);
	/*
	 * 0 means never, as in xen-blkback: the longest time the cache can
	 * count in jiffies (as any longer one).
	 */
	params->pgrant_idle_secs =
		min_t(unsigned long,
		      READ_ONCE(persistent_grant_unused_seconds.val) ?: UINT_MAX,
		      LONG_MAX / HZ / 2);
	params->poll_max_us = READ_ONCE(poll_max_us.val);
	params->copy_max_segs = READ_ONCE(grant_copy_max_segs.val);
	/* Fewer than a direct request carries would gain nothing. */
	params->max_indirect_segs = segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST ?
				    0 : segs;
}

static bool handover;
module_param(handover, bool, 0444);
MODULE_PARM_DESC(handover,
		 "Load next to another \"vbd\" backend (xen-blkback) to take its devices over one at a time, live");

/**
 * vbd_params_handover() - whether the module was loaded with handover=1
 *
 * Return: true to load next to another "vbd" backend.
 */
bool vbd_params_handover(void)
{
	return handover;
}
