/* SPDX-License-Identifier: GPL-2.0 */
/* Guest and device names from xenstore. */
#ifndef VBDTOP_NAMES_H
#define VBDTOP_NAMES_H

#include "vbdtop.h"

struct xs_handle;

struct vbd_names {
	struct xs_handle *xs;	/* NULL: no xenstore, fallback names */
};

int vbd_names_open(struct vbd_names *n, bool use_xenstore);
void vbd_names_close(struct vbd_names *n);
void vbd_names_fallback(struct vbd_sample *s);
void vbd_names_lookup(struct vbd_names *n, struct vbd_sample *s);
void vbd_names_fill(struct vbd_names *n, struct vbd_sample_set *set);

#endif
