/* SPDX-License-Identifier: GPL-2.0 */
/* What vbdtop prints: a table (on a terminal or plain) or JSON lines. */
#ifndef VBDTOP_OUTPUT_H
#define VBDTOP_OUTPUT_H

#include <json-c/json.h>
#include <stdio.h>

#include "vbdtop.h"

/* One refresh: when it was taken, over how long, in which order. */
struct vbd_frame {
	double time;		/* seconds since the epoch */
	double interval;	/* seconds between the two scans */
	enum vbd_sort sort;
};

void vbd_table_title(FILE *f, const struct vbd_frame *fr, size_t nr);
void vbd_table_header(FILE *f);
void vbd_table_row(FILE *f, const struct vbd_row *r);
void vbd_print_table(FILE *f, const struct vbd_frame *fr,
		     const struct vbd_row *rows, size_t nr, size_t max_rows);
struct json_object *vbd_json_row(const struct vbd_row *r);
struct json_object *vbd_json_frame(const struct vbd_frame *fr,
				   const struct vbd_row *rows, size_t nr);
const char *vbd_json_text(struct json_object *o);
int vbd_print_json(FILE *f, const struct vbd_frame *fr,
		   const struct vbd_row *rows, size_t nr);

#endif
