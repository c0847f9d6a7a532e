/* SPDX-License-Identifier: GPL-2.0 */
/* From two scans to the rows shown: pairing, names, figures, order. */
#ifndef VBDTOP_ROWS_H
#define VBDTOP_ROWS_H

#include "vbdtop.h"

void vbd_carry_names(const struct vbd_sample_set *prev,
		     struct vbd_sample_set *cur);
int vbd_row_build(const struct vbd_sample *a, const struct vbd_sample *b,
		  double seconds, struct vbd_row *r);
size_t vbd_rows_build(const struct vbd_sample_set *prev,
		      const struct vbd_sample_set *cur, struct vbd_row *rows);
int vbd_sort_parse(const char *s, enum vbd_sort *key);
const char *vbd_sort_name(enum vbd_sort key);
void vbd_rows_sort(struct vbd_row *rows, size_t nr, enum vbd_sort key);

#endif
