// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the polling window's adaptation
 * (drivers/block/vbdback/poll.h): a window opened to cover a wait within
 * poll_max_us, kept while its polls find requests, halved to nothing by
 * polls that find none.
 */
#include <stdio.h>

#include "poll.h"

#include "../include/expect.h"

#define US	1000ULL

/*
 * Without a window, a wait within the most allowed opens one just long
 * enough to have caught it: the first window doubled until it covers it.
 */
static void test_open(void)
{
	EXPECT(vbd_poll_next_window(0, 8 * US, 500 * US) == VBD_POLL_START_NS);
	EXPECT(vbd_poll_next_window(0, VBD_POLL_START_NS, 500 * US) == VBD_POLL_START_NS);
	EXPECT(vbd_poll_next_window(0, VBD_POLL_START_NS + 1, 500 * US) ==
	       2 * VBD_POLL_START_NS);
	EXPECT(vbd_poll_next_window(0, 200 * US, 500 * US) == 320 * US);
	/* never past the most allowed; a wait exactly that long still opens */
	EXPECT(vbd_poll_next_window(0, 450 * US, 500 * US) == 500 * US);
	EXPECT(vbd_poll_next_window(0, 500 * US, 500 * US) == 500 * US);
	/* a wait over it opens none */
	EXPECT(vbd_poll_next_window(0, 500 * US + 1, 500 * US) == 0);
	/* a most allowed under the start is the window */
	EXPECT(vbd_poll_next_window(0, 3 * US, 5 * US) == 5 * US);
}

/* A wait the window covered (its poll found the request) leaves it. */
static void test_keep(void)
{
	EXPECT(vbd_poll_next_window(80 * US, 30 * US, 500 * US) == 80 * US);
	EXPECT(vbd_poll_next_window(80 * US, 80 * US, 500 * US) == 80 * US);
	EXPECT(vbd_poll_next_window(5 * US, 5 * US, 5 * US) == 5 * US);
}

/*
 * A poll that found nothing halves the window, however little it missed
 * by and even with the wait well within the most allowed.
 */
static void test_shrink_on_miss(void)
{
	EXPECT(vbd_poll_next_window(80 * US, 80 * US + 1, 500 * US) == 40 * US);
	EXPECT(vbd_poll_next_window(80 * US, 161 * US, 500 * US) == 40 * US);
	EXPECT(vbd_poll_next_window(500 * US, 501 * US, 500 * US) == 250 * US);
	/* below the first window it closes */
	EXPECT(vbd_poll_next_window(VBD_POLL_START_NS, VBD_POLL_START_NS + 1,
				    500 * US) == 0);
	EXPECT(vbd_poll_next_window(2 * VBD_POLL_START_NS - 2,
				    2 * VBD_POLL_START_NS, 500 * US) == 0);
	EXPECT(vbd_poll_next_window(5 * US, 6 * US, 5 * US) == 0);
}

/* Long waits halve it, to nothing, in as many steps as the poll scenario allows. */
static void test_shrink(void)
{
	u64 w = 1000 * US;
	unsigned int steps = 0;

	EXPECT(vbd_poll_next_window(w, 5000 * US, 1000 * US) == 500 * US);
	while (w && steps < 20) {
		w = vbd_poll_next_window(w, 5000 * US, 1000 * US);
		steps++;
	}
	EXPECT(steps == 7);
	EXPECT(vbd_poll_next_window(0, 5000 * US, 1000 * US) == 0);
	EXPECT(vbd_poll_next_window(VBD_POLL_START_NS, 5000 * US, 1000 * US) == 0);
}

/*
 * Steady waits of 300 us: the window opens at 320 us and stays while its
 * polls find the requests; waits over the most allowed then close it, and
 * the next wait within it opens it again.
 */
static void test_settle(void)
{
	u64 w = 0;
	unsigned int i;

	for (i = 0; i < 20; i++)
		w = vbd_poll_next_window(w, 300 * US, 500 * US);
	EXPECT(w == 320 * US);
	for (i = 0; i < 20; i++)
		w = vbd_poll_next_window(w, 900 * US, 500 * US);
	EXPECT(w == 0);
	EXPECT(vbd_poll_next_window(w, 300 * US, 500 * US) == 320 * US);
}

/*
 * A frontend that slows down from 100 us to 400 us between requests: its
 * polls miss, and the window closes within log2 steps instead of growing
 * to spin 400 us before each request as it would if misses within the
 * most allowed grew it. Closed, it opens to cover the new pace.
 */
static void test_slow_down(void)
{
	u64 w = vbd_poll_next_window(0, 100 * US, 500 * US);
	unsigned int misses = 0;

	EXPECT(w == 160 * US);
	while (w && misses < 20) {
		w = vbd_poll_next_window(w, 400 * US, 500 * US);
		EXPECT(w <= 80 * US);
		misses++;
	}
	EXPECT(misses == 5);
	EXPECT(vbd_poll_next_window(w, 400 * US, 500 * US) == 500 * US);
}

int main(void)
{
	test_open();
	test_keep();
	test_shrink_on_miss();
	test_shrink();
	test_slow_down();
	test_settle();
	printf("poll: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
