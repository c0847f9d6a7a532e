// SPDX-License-Identifier: GPL-2.0
/*
 * What vbdtop computes from two samples of cumulative counters. Counters
 * only grow while a backend device lives; one that went down belongs to a
 * device that was removed and made again between the samples, and its
 * delta means nothing.
 */
#include <errno.h>

#include "stats.h"

/**
 * vbd_delta() - growth of a cumulative counter
 * @before: earlier value
 * @after: later value
 * @delta: @after - @before
 *
 * Return: false if the counter went down (a new device of the same name).
 */
bool vbd_delta(u64 before, u64 after, u64 *delta)
{
	if (after < before)
		return false;
	*delta = after - before;
	return true;
}

/**
 * vbd_rate() - events per second
 * @delta: events in the interval
 * @seconds: the interval's length
 *
 * Return: the rate, 0 for an empty interval.
 */
double vbd_rate(u64 delta, double seconds)
{
	return seconds > 0 ? delta / seconds : 0;
}

/**
 * vbd_mbs() - throughput in MB/s (10^6 bytes per second)
 * @sectors: 512-byte sectors moved in the interval
 * @seconds: the interval's length
 *
 * Return: the throughput, 0 for an empty interval.
 */
double vbd_mbs(u64 sectors, double seconds)
{
	return vbd_rate(sectors, seconds) * VBD_SECTOR_SIZE / 1e6;
}

/**
 * vbd_hist_delta() - what a histogram counted between two samples
 * @before: earlier histogram
 * @after: later histogram
 * @delta: bucket by bucket difference
 *
 * Return: 0, or -EINVAL if the bucket counts differ or a bucket went down.
 */
int vbd_hist_delta(const struct vbd_hist *before,
		   const struct vbd_hist *after, struct vbd_hist *delta)
{
	unsigned int i;

	if (before->nr != after->nr)
		return -EINVAL;
	for (i = 0; i < after->nr; i++)
		if (!vbd_delta(before->count[i], after->count[i],
			       &delta->count[i]))
			return -EINVAL;
	delta->nr = after->nr;
	return 0;
}

/**
 * vbd_hist_add() - add one histogram to another
 * @sum: accumulator
 * @h: histogram with as many buckets
 *
 * Return: 0, or -EINVAL if the bucket counts differ.
 */
int vbd_hist_add(struct vbd_hist *sum, const struct vbd_hist *h)
{
	unsigned int i;

	if (sum->nr != h->nr)
		return -EINVAL;
	for (i = 0; i < h->nr; i++)
		sum->count[i] += h->count[i];
	return 0;
}

/**
 * vbd_hist_total() - number of events in a histogram
 * @h: the histogram
 *
 * Return: the sum of its buckets.
 */
u64 vbd_hist_total(const struct vbd_hist *h)
{
	unsigned int i;
	u64 n = 0;

	for (i = 0; i < h->nr; i++)
		n += h->count[i];
	return n;
}

/* Lower edge of a bucket in microseconds; bucket 0 also holds [0, 1). */
static double bucket_low(unsigned int i)
{
	return i ? (double)(1ULL << i) : 0;
}

/**
 * vbd_hist_percentile() - estimate a percentile of a log2 histogram
 * @h: bucket i counts latencies in [2^i, 2^(i+1)) us; the last bucket
 *     has everything from its lower edge up
 * @p: the percentile as a fraction, in (0, 1]
 *
 * The histogram only says which bucket the percentile falls in; within it,
 * its events are taken as spread evenly, so the estimate interpolates
 * linearly between the bucket's edges. It can be off by up to the bucket's
 * width, a factor of two. The last bucket has no upper edge: a percentile
 * that falls there is reported as its lower edge, a lower bound.
 *
 * Return: the estimate in microseconds, or -1 for an empty histogram.
 */
double vbd_hist_percentile(const struct vbd_hist *h, double p)
{
	double total = vbd_hist_total(h), below = 0, rank, frac;
	unsigned int i;

	if (!total)
		return -1;
	rank = (p < 0 ? 0 : p > 1 ? 1 : p) * total;
	for (i = 0; i < h->nr; i++) {
		double lo = bucket_low(i), n = h->count[i];

		/*
		 * The last non-empty bucket ends the search, whatever
		 * rounding did to rank.
		 */
		if (!n || (below + n < rank && below + n < total)) {
			below += n;
			continue;
		}
		if (i == h->nr - 1)
			return lo;
		frac = (rank - below) / n;
		return lo + (frac > 1 ? 1 : frac) * ((double)(2ULL << i) - lo);
	}
	return -1;
}
