/* SPDX-License-Identifier: GPL-2.0 */
/* Arithmetic on counters: deltas, rates, percentiles of log2 histograms. */
#ifndef VBDTOP_STATS_H
#define VBDTOP_STATS_H

#include "vbdtop.h"

bool vbd_delta(u64 before, u64 after, u64 *delta);
double vbd_rate(u64 delta, double seconds);
double vbd_mbs(u64 sectors, double seconds);
int vbd_hist_delta(const struct vbd_hist *before,
		   const struct vbd_hist *after, struct vbd_hist *delta);
int vbd_hist_add(struct vbd_hist *sum, const struct vbd_hist *h);
u64 vbd_hist_total(const struct vbd_hist *h);
double vbd_hist_percentile(const struct vbd_hist *h, double p);

#endif
