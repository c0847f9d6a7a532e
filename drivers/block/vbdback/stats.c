// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device statistics in sysfs. Those xen-blkback also has keep its names,
 * place and format, so that xentop and existing scripts read them unchanged:
 * /sys/bus/xen-backend/devices/vbd-DOMID-DEVID/{physical_device,mode} and
 * statistics/. vbdback's own are beside them, in vbdback/, and latency
 * histograms in latency/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>

#include "ring.h"
#include "stats.h"
#include "vbdback.h"

/* A sysfs attribute for one field of struct vbd_stats. */
struct vbd_stat_attr {
	struct device_attribute dev_attr;
	size_t offset;
};

/* A sysfs attribute for one latency histogram. */
struct vbd_lat_attr {
	struct device_attribute dev_attr;
	enum vbd_lat_kind kind;
};

/* Counters of the rings torn down so far plus those of the live ones. */
static struct vbd_stats *vbd_stats_sum(struct vbd_backend *be)
{
	struct vbd_stats *sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	unsigned int i;

	if (!sum)
		return NULL;
	mutex_lock(&be->lock);
	*sum = be->retired;
	for (i = 0; i < be->nr_rings; i++)
		vbd_ring_stats_add(be->rings[i], sum);
	mutex_unlock(&be->lock);
	return sum;
}

static ssize_t vbd_stat_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct vbd_stat_attr *sa = container_of(attr, struct vbd_stat_attr,
						dev_attr);
	struct vbd_stats *sum = vbd_stats_sum(dev_get_drvdata(dev));
	ssize_t len;

	if (!sum)
		return -ENOMEM;
	len = sysfs_emit(buf, "%llu\n", *(u64 *)((u8 *)sum + sa->offset));
	kfree(sum);
	return len;
}

/* A histogram's buckets on one line, fastest first. */
static ssize_t vbd_lat_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct vbd_lat_attr *la = container_of(attr, struct vbd_lat_attr,
					       dev_attr);
	struct vbd_stats *sum = vbd_stats_sum(dev_get_drvdata(dev));
	const u64 *lat;
	ssize_t len = 0;
	unsigned int b;

	if (!sum)
		return -ENOMEM;
	lat = sum->lat[la->kind];
	for (b = 0; b < VBD_LAT_BUCKETS; b++)
		len += sysfs_emit_at(buf, len, "%llu%c", lat[b],
				     b + 1 < VBD_LAT_BUCKETS ? ' ' : '\n');
	kfree(sum);
	return len;
}

/* Requests accepted and not yet answered: reads, then all others. */
static ssize_t inflight_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	unsigned int i, rd = 0, other = 0;
	struct vbd_ring_info info;

	mutex_lock(&be->lock);
	for (i = 0; i < be->nr_rings; i++) {
		vbd_ring_info(be->rings[i], &info);
		rd += info.inflight[0];
		other += info.inflight[1];
	}
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%u %u\n", rd, other);
}
static DEVICE_ATTR_RO(inflight);

static ssize_t nr_queues_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	unsigned int n;

	mutex_lock(&be->lock);
	n = be->nr_rings;
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(nr_queues);

/* Grants cached now, over all queues: zero whenever no frontend is. */
static ssize_t persistent_grants_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	struct vbd_ring_info info;
	unsigned int i, n = 0;

	mutex_lock(&be->lock);
	for (i = 0; i < be->nr_rings; i++) {
		vbd_ring_info(be->rings[i], &info);
		n += info.pgrants;
	}
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(persistent_grants);

/* The cap on each queue's cache, or 0 where persistent grants are off. */
static ssize_t persistent_grants_max_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	struct vbd_ring_info info;
	unsigned int max = 0;

	mutex_lock(&be->lock);
	if (be->nr_rings) {
		vbd_ring_info(be->rings[0], &info);
		if (info.persistent)
			max = info.pgrants_max;
	}
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%u\n", max);
}
static DEVICE_ATTR_RO(persistent_grants_max);

/*
 * The device served, as xen-blkback prints it: "major:minor" in hex. No
 * device is open before the hotplug script has named one (or after it could
 * not be opened): xen-blkback has no file then, vbdback says -ENODEV.
 */
static ssize_t physical_device_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	dev_t devt = 0;
	bool open;

	mutex_lock(&be->lock);
	open = be->disk_open;
	if (open)
		devt = be->disk.devt;
	mutex_unlock(&be->lock);
	if (!open)
		return -ENODEV;
	return sysfs_emit(buf, "%x:%x\n", MAJOR(devt), MINOR(devt));
}
static DEVICE_ATTR_RO(physical_device);

/*
 * The toolstack's "mode" key ("r", "w"), as xen-blkback prints it, while a
 * device is open; -ENODEV otherwise, as physical_device. xenbus.c keeps the
 * key as it was read to open the device.
 */
static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct vbd_backend *be = dev_get_drvdata(dev);
	ssize_t len = -ENODEV;

	mutex_lock(&be->lock);
	if (be->disk_open)
		len = sysfs_emit(buf, "%s\n", be->mode);
	mutex_unlock(&be->lock);
	return len;
}
static DEVICE_ATTR_RO(mode);

#define VBD_STAT_ATTR(field)						\
static struct vbd_stat_attr vbd_stat_##field = {			\
	.dev_attr = {							\
		.attr = { .name = #field, .mode = 0444 },		\
		.show = vbd_stat_show,					\
	},								\
	.offset = offsetof(struct vbd_stats, field),			\
}

#define VBD_LAT_ATTR(file, lat_kind)					\
static struct vbd_lat_attr vbd_lat_##file = {				\
	.dev_attr = {							\
		.attr = { .name = #file, .mode = 0444 },		\
		.show = vbd_lat_show,					\
	},								\
	.kind = lat_kind,						\
}

VBD_STAT_ATTR(oo_req);
VBD_STAT_ATTR(rd_req);
VBD_STAT_ATTR(wr_req);
VBD_STAT_ATTR(f_req);
VBD_STAT_ATTR(ds_req);
VBD_STAT_ATTR(rd_sect);
VBD_STAT_ATTR(wr_sect);
VBD_STAT_ATTR(indirect_req);
VBD_STAT_ATTR(max_req_segs);
VBD_STAT_ATTR(map_ops);
VBD_STAT_ATTR(unmap_ops);
VBD_STAT_ATTR(pgrant_peak);
VBD_STAT_ATTR(poll_hits);
VBD_STAT_ATTR(poll_misses);
VBD_STAT_ATTR(copy_ops);
VBD_LAT_ATTR(read, VBD_LAT_READ);
VBD_LAT_ATTR(write, VBD_LAT_WRITE);
VBD_LAT_ATTR(flush, VBD_LAT_FLUSH);
VBD_LAT_ATTR(discard, VBD_LAT_DISCARD);

static struct attribute *vbd_dev_attrs[] = {
	&dev_attr_physical_device.attr,
	&dev_attr_mode.attr,
	NULL
};

static const struct attribute_group vbd_dev_group = {
	.attrs = vbd_dev_attrs,
};

static struct attribute *vbd_stats_attrs[] = {
	&vbd_stat_oo_req.dev_attr.attr,
	&vbd_stat_rd_req.dev_attr.attr,
	&vbd_stat_wr_req.dev_attr.attr,
	&vbd_stat_f_req.dev_attr.attr,
	&vbd_stat_ds_req.dev_attr.attr,
	&vbd_stat_rd_sect.dev_attr.attr,
	&vbd_stat_wr_sect.dev_attr.attr,
	NULL
};

static const struct attribute_group vbd_stats_group = {
	.name = "statistics",
	.attrs = vbd_stats_attrs,
};

static struct attribute *vbd_own_attrs[] = {
	&dev_attr_nr_queues.attr,
	&vbd_stat_indirect_req.dev_attr.attr,
	&vbd_stat_max_req_segs.dev_attr.attr,
	&vbd_stat_map_ops.dev_attr.attr,
	&vbd_stat_unmap_ops.dev_attr.attr,
	&vbd_stat_pgrant_peak.dev_attr.attr,
	&vbd_stat_poll_hits.dev_attr.attr,
	&vbd_stat_poll_misses.dev_attr.attr,
	&vbd_stat_copy_ops.dev_attr.attr,
	&dev_attr_persistent_grants.attr,
	&dev_attr_persistent_grants_max.attr,
	&dev_attr_inflight.attr,
	NULL
};

static const struct attribute_group vbd_own_group = {
	.name = "vbdback",
	.attrs = vbd_own_attrs,
};

static struct attribute *vbd_lat_attrs[] = {
	&vbd_lat_read.dev_attr.attr,
	&vbd_lat_write.dev_attr.attr,
	&vbd_lat_flush.dev_attr.attr,
	&vbd_lat_discard.dev_attr.attr,
	NULL
};

static const struct attribute_group vbd_lat_group = {
	.name = "latency",
	.attrs = vbd_lat_attrs,
};

static const struct attribute_group *vbd_groups[] = {
	&vbd_dev_group,
	&vbd_stats_group,
	&vbd_own_group,
	&vbd_lat_group,
	NULL
};

/**
 * vbd_stats_sysfs_add() - create the statistics directories of a device
 * @be: the backend, already set as the xenbus device's driver data
 *
 * Return: 0 or a negative errno.
 */
int vbd_stats_sysfs_add(struct vbd_backend *be)
{
	return sysfs_create_groups(&be->xdev->dev.kobj, vbd_groups);
}

/**
 * vbd_stats_sysfs_remove() - remove it, waiting for readers
 * @be: the backend; its lock must not be held
 */
void vbd_stats_sysfs_remove(struct vbd_backend *be)
{
	sysfs_remove_groups(&be->xdev->dev.kobj, vbd_groups);
}
