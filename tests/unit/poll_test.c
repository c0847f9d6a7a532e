// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the polling window's adaptation
 * (drivers/block/vbdback/poll.h): growth while the guest's waits fit in
 * poll_max_us, shrinking to nothing while they do not.
 */
#include <stdio.h>

#include "poll.h"

#include "../include/expect.h"

#define US	1000ULL

/* A first short wait opens the window at its start; longer ones double it. */
static void test_grow(void)
{
	u64 w = 0;

	EXPECT(vbd_poll_next_window(0, 200 * US, 500 * US) == VBD_POLL_START_NS);
	w = vbd_poll_next_window(w, 200 * US, 500 * US);
	w = vbd_poll_next_window(w, 200 * US, 500 * US);
	EXPECT(w == 2 * VBD_POLL_START_NS);
	/* never past the most allowed */
	w = vbd_poll_next_window(400 * US, 450 * US, 500 * US);
	EXPECT(w == 500 * US);
	/* a wait exactly the most allowed still counts as short */
	EXPECT(vbd_poll_next_window(0, 500 * US, 500 * US) == VBD_POLL_START_NS);
	/* a most allowed under the start is the window */
	EXPECT(vbd_poll_next_window(0, 3 * US, 5 * US) == 5 * US);
}

/* A wait the window already covered leaves it as it is. */
static void test_keep(void)
{
	EXPECT(vbd_poll_next_window(80 * US, 30 * US, 500 * US) == 80 * US);
	EXPECT(vbd_poll_next_window(80 * US, 80 * US, 500 * US) == 80 * US);
}

/* Long waits halve it, to nothing, in as many steps as the poll scenario allows. */
static void test_shrink(void)
{
	u64 w = 1000 * US;
	unsigned int steps = 0;

	EXPECT(vbd_poll_next_window(w, 5000 * US, 1000 * US) == 500 * US);
	while (w) {
		w = vbd_poll_next_window(w, 5000 * US, 1000 * US);
		steps++;
	}
	EXPECT(steps == 7);
	EXPECT(vbd_poll_next_window(0, 5000 * US, 1000 * US) == 0);
	EXPECT(vbd_poll_next_window(VBD_POLL_START_NS, 5000 * US, 1000 * US) == 0);
}

/*
 * Steady waits of 300 us settle the window at the first doubling that
 * covers them (10 us x 32); waits over the most allowed then close it.
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
}

int main(void)
{
	test_grow();
	test_keep();
	test_shrink();
	test_settle();
	printf("poll: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
