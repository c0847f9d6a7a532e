// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the latency histograms' buckets
 * (drivers/block/vbdback/lathist.c): the edges of the log2 buckets, the
 * first and last taking what is below and above, and the order kept.
 */
#include <stdint.h>
#include <stdio.h>

#include "lathist.h"

#include "../include/expect.h"

/* The module's histograms: 1 us to 8 s (counters.h, VBD_LAT_BUCKETS). */
#define NR	24

static void test_edges(void)
{
	unsigned int b;

	EXPECT(vbd_lat_bucket(0, NR) == 0);
	EXPECT(vbd_lat_bucket(1, NR) == 0);
	EXPECT(vbd_lat_bucket(2, NR) == 1);
	EXPECT(vbd_lat_bucket(3, NR) == 1);
	EXPECT(vbd_lat_bucket(4, NR) == 2);
	EXPECT(vbd_lat_bucket(1000, NR) == 9);
	EXPECT(vbd_lat_bucket(1024, NR) == 10);
	/* bucket b is [2^b, 2^(b+1)) */
	for (b = 1; b < NR - 1; b++) {
		EXPECT(vbd_lat_bucket((1ULL << b) - 1, NR) == b - 1);
		EXPECT(vbd_lat_bucket(1ULL << b, NR) == b);
		EXPECT(vbd_lat_bucket((2ULL << b) - 1, NR) == b);
	}
}

/* The last bucket takes everything from 2^(NR-1) us (8 s) up. */
static void test_last(void)
{
	EXPECT(vbd_lat_bucket((1ULL << 23) - 1, NR) == 22);
	EXPECT(vbd_lat_bucket(1ULL << 23, NR) == 23);
	EXPECT(vbd_lat_bucket(1ULL << 40, NR) == 23);
	EXPECT(vbd_lat_bucket(UINT64_MAX, NR) == 23);
	EXPECT(vbd_lat_bucket(UINT64_MAX, 64) == 63);
	EXPECT(vbd_lat_bucket(UINT64_MAX, 1) == 0);
	EXPECT(vbd_lat_bucket(UINT64_MAX, 0) == 0);
}

/* Longer never lands lower, and always inside the histogram. */
static void test_monotonic(void)
{
	unsigned int prev = 0, b, i;
	u64 us, next = 0;

	/* around each power of two, in increasing order */
	for (i = 0; i < 64; i++) {
		us = i ? (1ULL << i) - 1 : 0;
		for (us = us > next ? us : next; us <= (1ULL << i) + 1; us++) {
			next = us + 1;
			b = vbd_lat_bucket(us, NR);
			EXPECT(b >= prev && b < NR);
			prev = b;
		}
	}
}

int main(void)
{
	test_edges();
	test_last();
	test_monotonic();
	printf("lathist: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
