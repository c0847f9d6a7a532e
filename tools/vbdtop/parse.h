/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing of the text of sysfs files and names: no I/O, no state. */
#ifndef VBDTOP_PARSE_H
#define VBDTOP_PARSE_H

#include "vbdtop.h"

int vbd_parse_u64(const char *s, u64 *v);
int vbd_parse_u64_list(const char *s, u64 *v, unsigned int max,
		       unsigned int *nr);
int vbd_parse_hist(const char *s, struct vbd_hist *h);
int vbd_parse_inflight(const char *s, u64 *rd, u64 *wr);
int vbd_parse_devdir(const char *name, unsigned int *domid,
		     unsigned int *devid);
void vbd_sanitize(char *dst, size_t size, const char *src);

#endif
