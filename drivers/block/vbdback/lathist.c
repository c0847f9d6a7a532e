// SPDX-License-Identifier: GPL-2.0
/*
 * Latency histograms on a log2 scale: bucket i counts requests answered in
 * [2^i, 2^(i+1)) microseconds, the first also those under 1 us and the last
 * everything above. Powers of two keep 24 buckets enough for 1 us to 8 s.
 */
#include <linux/log2.h>

#include "lathist.h"

/**
 * vbd_lat_bucket() - the bucket of a latency
 * @us: the latency, in microseconds
 * @nr: buckets in the histogram
 *
 * Return: the bucket's index, below @nr (0 if @nr is); it never decreases
 * as @us grows.
 */
unsigned int vbd_lat_bucket(u64 us, unsigned int nr)
{
	unsigned int b;

	if (!us || nr <= 1)
		return 0;
	b = ilog2(us);
	return b < nr ? b : nr - 1;
}
