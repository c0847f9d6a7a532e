/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which bucket of a latency histogram a request counts in, with no kernel
 * state: ring.c uses it, the unit tests and the fuzz target check it.
 */
#ifndef VBDBACK_LATHIST_H
#define VBDBACK_LATHIST_H

#include <linux/types.h>

unsigned int vbd_lat_bucket(u64 us, unsigned int nr);

#endif /* VBDBACK_LATHIST_H */
