// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device QoS through the kernel's own blk-cgroup controllers.
 *
 * The administrator names a cgroup v2 directory for a device, in sysfs
 * (vbdback/cgroup) or in xenstore (the backend's "cgroup" key, read when a
 * frontend connects); every bio the device submits from then on is charged
 * to that cgroup's io controller, so its io.max, io.weight and io.latency
 * apply to the guest's disk. vbdback limits nothing itself.
 *
 * The bios are built by work items on shared kernel workers, so the charge
 * is made per run of a work item, with kthread_associate_blkcg(), as the
 * loop driver does for its workers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-cgroup.h>
#include <linux/cgroup.h>
#include <linux/device.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vbdback.h"

/* A cgroup path longer than this is refused. */
#define VBD_QOS_PATH_MAX	256

#ifdef CONFIG_BLK_CGROUP
/* The io controller's state for a cgroup v2 path ("/" is the root). */
static struct cgroup_subsys_state *vbd_qos_lookup(const char *path)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp;

	cgrp = cgroup_get_from_path(path);
	if (IS_ERR(cgrp))
		return ERR_CAST(cgrp);
	css = cgroup_get_e_css(cgrp, &io_cgrp_subsys);
	cgroup_put(cgrp);
	return css;
}
#else
static struct cgroup_subsys_state *vbd_qos_lookup(const char *path)
{
	return ERR_PTR(-EOPNOTSUPP);
}
#endif

/* Swap in a new cgroup (or none); the old one is put once no worker uses it. */
static void vbd_qos_replace(struct vbd_backend *be,
			    struct cgroup_subsys_state *css, char *path)
{
	struct cgroup_subsys_state *old;

	lockdep_assert_held(&be->lock);
	old = rcu_replace_pointer(be->blkcg, css, lockdep_is_held(&be->lock));
	kfree(be->cgroup_path);
	be->cgroup_path = path;
	if (old) {
		synchronize_rcu();
		css_put(old);
	}
}

/*
 * Charge the device's I/O to the cgroup at @path, or to nobody's but the
 * workers' own (the root) for "/" or "".
 */
static int vbd_qos_set(struct vbd_backend *be, const char *path)
{
	struct cgroup_subsys_state *css = NULL;
	char *copy = NULL;

	lockdep_assert_held(&be->lock);
	if (path[0] && strcmp(path, "/")) {
		copy = kstrdup(path, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
		css = vbd_qos_lookup(path);
		if (IS_ERR(css)) {
			kfree(copy);
			return PTR_ERR(css);
		}
	}
	vbd_qos_replace(be, css, copy);
	return 0;
}

/**
 * vbd_qos_charge_begin() - charge the caller's bios to the device's cgroup
 * @be: the backend
 *
 * For kernel workers only (work items); pair with vbd_qos_charge_end()
 * before the work item returns, as the worker serves other devices next.
 */
void vbd_qos_charge_begin(struct vbd_backend *be)
{
	struct cgroup_subsys_state *css;

	if (!rcu_access_pointer(be->blkcg))
		return;
	rcu_read_lock();
	css = rcu_dereference(be->blkcg);
	if (css)
		kthread_associate_blkcg(css);
	rcu_read_unlock();
}

/**
 * vbd_qos_charge_end() - stop charging the caller's bios to any cgroup
 * @be: the backend
 */
void vbd_qos_charge_end(struct vbd_backend *be)
{
	/* Harmless if nothing was charged: it only drops what begin took. */
	kthread_associate_blkcg(NULL);
}

/**
 * vbd_qos_apply() - charge the device's I/O to the toolstack's cgroup
 * @be: the backend, its lock held, a frontend about to connect
 * @path: the backend's "cgroup" key
 *
 * Return: 0, or a negative errno with the device's cgroup left as it was.
 */
int vbd_qos_apply(struct vbd_backend *be, const char *path)
{
	if (strnlen(path, VBD_QOS_PATH_MAX) >= VBD_QOS_PATH_MAX)
		return -ENAMETOOLONG;
	return vbd_qos_set(be, path);
}

/**
 * vbd_qos_release() - drop the device's cgroup
 * @be: the backend, no longer submitting I/O
 */
void vbd_qos_release(struct vbd_backend *be)
{
	mutex_lock(&be->lock);
	vbd_qos_replace(be, NULL, NULL);
	mutex_unlock(&be->lock);
}

static ssize_t cgroup_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	ssize_t len;

	mutex_lock(&be->lock);
	len = sysfs_emit(buf, "%s\n", be->cgroup_path ?: "/");
	mutex_unlock(&be->lock);
	return len;
}

static ssize_t cgroup_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	char *path;
	int err;

	if (count >= VBD_QOS_PATH_MAX)
		return -ENAMETOOLONG;
	path = kstrndup(buf, count, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	mutex_lock(&be->lock);
	err = vbd_qos_set(be, strim(path));
	mutex_unlock(&be->lock);
	kfree(path);
	return err ?: count;
}
static DEVICE_ATTR_RW(cgroup);

static struct attribute *vbd_qos_attrs[] = {
	&dev_attr_cgroup.attr,
	NULL
};

/* Merged into the vbdback/ directory that stats.c creates. */
static const struct attribute_group vbd_qos_group = {
	.name = "vbdback",
	.attrs = vbd_qos_attrs,
};

/**
 * vbd_qos_sysfs_add() - add vbdback/cgroup to a device's sysfs directory
 * @be: the backend, after vbd_stats_sysfs_add()
 *
 * Return: 0 or a negative errno.
 */
int vbd_qos_sysfs_add(struct vbd_backend *be)
{
	return sysfs_merge_group(&be->xdev->dev.kobj, &vbd_qos_group);
}

/**
 * vbd_qos_sysfs_remove() - remove it, waiting for writers
 * @be: the backend; its lock must not be held
 */
void vbd_qos_sysfs_remove(struct vbd_backend *be)
{
	sysfs_unmerge_group(&be->xdev->dev.kobj, &vbd_qos_group);
}
