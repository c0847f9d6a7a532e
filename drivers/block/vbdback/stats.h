/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The statistics files of a device in sysfs (stats.c), over the counters
 * of counters.h.
 */
#ifndef VBDBACK_STATS_H
#define VBDBACK_STATS_H

struct vbd_backend;

/* stats.c */
int vbd_stats_sysfs_add(struct vbd_backend *be);
void vbd_stats_sysfs_remove(struct vbd_backend *be);

#endif /* VBDBACK_STATS_H */
