// SPDX-License-Identifier: GPL-2.0
/*
 * vbdback: a Xen block backend. Module parameters and registration.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include "vbdback.h"

static unsigned int max_ring_page_order = XENBUS_MAX_RING_GRANT_ORDER;
module_param(max_ring_page_order, uint, 0644);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest shared ring offered to frontends, as a page order (0-"
		 __stringify(XENBUS_MAX_RING_GRANT_ORDER) ")");

static unsigned int max_queues;
module_param(max_queues, uint, 0644);
MODULE_PARM_DESC(max_queues,
		 "Most queues (rings) offered to a frontend (0: one per online CPU)");

static unsigned int max_indirect_segments = VBD_DEFAULT_INDIRECT_SEGS;
module_param(max_indirect_segments, uint, 0644);
MODULE_PARM_DESC(max_indirect_segments,
		 "Segments of an indirect request offered to frontends (0: no indirect requests, at most "
		 __stringify(VBD_MAX_INDIRECT_SEGS) ")");

static bool feature_persistent = true;
module_param(feature_persistent, bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants to frontends");

static unsigned int max_persistent_grants = VBD_DEFAULT_PGRANTS;
module_param(max_persistent_grants, uint, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Most persistent grants one queue keeps mapped");

static unsigned int persistent_grant_unused_seconds = 60;
module_param(persistent_grant_unused_seconds, uint, 0644);
MODULE_PARM_DESC(persistent_grant_unused_seconds,
		 "Seconds a persistent grant may stay unused before it is unmapped");

static unsigned int poll_max_us;
module_param(poll_max_us, uint, 0644);
MODULE_PARM_DESC(poll_max_us,
		 "Longest a drained ring is polled for its next request before the frontend is asked for an event, in microseconds (0: never poll; at most "
		 __stringify(VBD_POLL_MAX_US) ")");

static unsigned int grant_copy_max_segs = 1;
module_param(grant_copy_max_segs, uint, 0644);
MODULE_PARM_DESC(grant_copy_max_segs,
		 "Without persistent grants, requests of at most this many segments are copied rather than mapped (0: map all; at most "
		 __stringify(VBD_COPY_MAX_SEGS) ")");

/**
 * vbd_params_get() - the module parameters, sanitised, for a new device
 * @params: result
 *
 * Parameters are writable at run time; each device keeps the values it was
 * probed with.
 */
void vbd_params_get(struct vbd_params *params)
{
	unsigned int segs = READ_ONCE(max_indirect_segments);

	params->max_ring_page_order = min_t(unsigned int,
					    READ_ONCE(max_ring_page_order),
					    XENBUS_MAX_RING_GRANT_ORDER);
	params->max_queues = READ_ONCE(max_queues) ?: num_online_cpus();
	params->feature_persistent = READ_ONCE(feature_persistent);
	params->max_pgrants = READ_ONCE(max_persistent_grants);
	params->pgrant_idle_secs = READ_ONCE(persistent_grant_unused_seconds);
	params->poll_max_us = min_t(unsigned int, READ_ONCE(poll_max_us),
				    VBD_POLL_MAX_US);
	params->copy_max_segs = min_t(unsigned int,
				      READ_ONCE(grant_copy_max_segs),
				      VBD_COPY_MAX_SEGS);
	/* Fewer than a direct request carries would gain nothing. */
	params->max_indirect_segs = segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST ?
				    0 : min_t(unsigned int, segs,
					      VBD_MAX_INDIRECT_SEGS);
}

static int __init vbd_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	err = vbd_debug_init();
	if (err)
		return err;
	err = vbd_xenbus_register();
	if (err) {
		pr_err("cannot register the \"vbd\" backend (%d); is xen-blkback loaded?\n",
		       err);
		goto exit_debug;
	}
	return 0;

exit_debug:
	vbd_debug_exit();
	return err;
}
module_init(vbd_init);

static void __exit vbd_exit(void)
{
	vbd_xenbus_unregister();
	vbd_debug_exit();
}
module_exit(vbd_exit);

MODULE_DESCRIPTION("Xen block backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:vbd");
