/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the backend devices' counters from sysfs. */
#ifndef VBDTOP_SAMPLE_H
#define VBDTOP_SAMPLE_H

#include "vbdtop.h"

int vbd_read_file(int dirfd, const char *path, char *buf, size_t size);
int vbd_sample_device(int rootfd, const char *name, struct vbd_sample *s);
int vbd_scan(const char *root, struct vbd_sample_set *set);
const struct vbd_sample *vbd_set_find(const struct vbd_sample_set *set,
				      unsigned int domid, unsigned int devid);
int vbd_sample_cmp(const struct vbd_sample *a, const struct vbd_sample *b);
void vbd_set_free(struct vbd_sample_set *set);

#endif
