// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide counts of what vbdback holds, in debugfs, for leak checks:
 * /sys/kernel/debug/vbdback/{backends,rings,grants,persistent_grants,pages,
 * requests}. Once every device is gone, each must read 0; anything else is
 * a leak (or a grant whose unmap Xen refused, kept out of reuse on purpose).
 *
 * Per-CPU counters: the hot path only adds to this CPU's share.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/percpu_counter.h>

#include "vbdback.h"

static const char * const vbd_debug_names[VBD_DBG_NR] = {
	[VBD_DBG_BACKENDS] = "backends",
	[VBD_DBG_RINGS] = "rings",
	[VBD_DBG_GRANTS] = "grants",
	[VBD_DBG_PGRANTS] = "persistent_grants",
	[VBD_DBG_PAGES] = "pages",
	[VBD_DBG_REQUESTS] = "requests",
};

/**
 * struct vbd_debug - the module's debugfs directory and its counters
 * @dir: vbdback/ in debugfs (an error pointer if debugfs is absent)
 * @count: one counter per enum vbd_debug_counter
 */
static struct vbd_debug {
	struct dentry *dir;
	struct percpu_counter count[VBD_DBG_NR];
} vbd_debug;

/**
 * vbd_debug_add() - count objects vbdback takes (positive) or releases
 * @c: which
 * @delta: how many
 */
void vbd_debug_add(enum vbd_debug_counter c, s64 delta)
{
	percpu_counter_add(&vbd_debug.count[c], delta);
}

static int vbd_debug_get(void *data, u64 *val)
{
	*val = percpu_counter_sum((struct percpu_counter *)data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vbd_debug_fops, vbd_debug_get, NULL, "%lld\n");

/**
 * vbd_debug_init() - set up the counters and their debugfs files
 *
 * A missing debugfs is no error: the counters still count.
 *
 * Return: 0 or a negative errno.
 */
int vbd_debug_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < VBD_DBG_NR; i++) {
		err = percpu_counter_init(&vbd_debug.count[i], 0, GFP_KERNEL);
		if (err)
			goto destroy_counters;
	}
	vbd_debug.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for (i = 0; i < VBD_DBG_NR; i++)
		debugfs_create_file_unsafe(vbd_debug_names[i], 0444,
					   vbd_debug.dir, &vbd_debug.count[i],
					   &vbd_debug_fops);
	return 0;

destroy_counters:
	while (i--)
		percpu_counter_destroy(&vbd_debug.count[i]);
	return err;
}

/**
 * vbd_debug_exit() - remove the files, then the counters
 */
void vbd_debug_exit(void)
{
	unsigned int i;

	debugfs_remove_recursive(vbd_debug.dir);
	for (i = 0; i < VBD_DBG_NR; i++)
		percpu_counter_destroy(&vbd_debug.count[i]);
}
