// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the polling window's adaptation
 * (drivers/block/vbdback/poll.h): growth while the guest's waits fit in
 * one doubling of the window, shrinking to nothing on misses by more and
 * on waits over poll_max_us.
 */
#include <stdio.h>

#include "poll.h"

#include "../include/expect.h"

#define US	1000ULL

/*
 * A wait within the first window opens it; a wait within one doubling of
 * the window doubles it, never past the most allowed.
 */
static void test_grow(void)
{
	u64 w = 0;

	EXPECT(vbd_poll_next_window(0, 8 * US, 500 * US) == VBD_POLL_START_NS);
	EXPECT(vbd_poll_next_window(0, VBD_POLL_START_NS, 500 * US) == VBD_POLL_START_NS);
	w = vbd_poll_next_window(w, 8 * US, 500 * US);
	w = vbd_poll_next_window(w, 15 * US, 500 * US);
	EXPECT(w == 2 * VBD_POLL_START_NS);
	w = vbd_poll_next_window(w, 40 * US, 500 * US);
	EXPECT(w == 4 * VBD_POLL_START_NS);
	/* never past the most allowed */
	EXPECT(vbd_poll_next_window(400 * US, 450 * US, 500 * US) == 500 * US);
	/* a wait exactly the most allowed, within a doubling, still grows */
	EXPECT(vbd_poll_next_window(320 * US, 500 * US, 500 * US) == 500 * US);
	/* a most allowed under the start is the window */
	EXPECT(vbd_poll_next_window(0, 3 * US, 5 * US) == 5 * US);
}

/* A wait the window already covered leaves it as it is. */
static void test_keep(void)
{
	EXPECT(vbd_poll_next_window(80 * US, 30 * US, 500 * US) == 80 * US);
	EXPECT(vbd_poll_next_window(80 * US, 80 * US, 500 * US) == 80 * US);
	EXPECT(vbd_poll_next_window(5 * US, 5 * US, 5 * US) == 5 * US);
}

/*
 * A poll that found nothing and missed by more than a doubling halves the
 * window, even with the wait well within the most allowed.
 */
static void test_shrink_on_miss(void)
{
	EXPECT(vbd_poll_next_window(80 * US, 161 * US, 500 * US) == 40 * US);
	EXPECT(vbd_poll_next_window(80 * US, 160 * US, 500 * US) == 160 * US);
	/* a first wait longer than the first window opens nothing */
	EXPECT(vbd_poll_next_window(0, VBD_POLL_START_NS + 1, 500 * US) == 0);
	EXPECT(vbd_poll_next_window(0, 200 * US, 500 * US) == 0);
	/* the window at the most allowed has no doubling left to catch a miss */
	EXPECT(vbd_poll_next_window(500 * US, 501 * US, 500 * US) == 250 * US);
	EXPECT(vbd_poll_next_window(5 * US, 6 * US, 5 * US) == 0);
	/* below the first window it closes */
	EXPECT(vbd_poll_next_window(VBD_POLL_START_NS, 3 * VBD_POLL_START_NS,
				    500 * US) == 0);
	EXPECT(vbd_poll_next_window(2 * VBD_POLL_START_NS - 2,
				    5 * VBD_POLL_START_NS, 500 * US) == 0);
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
 * Waits that creep up settle the window at the first doubling that covers
 * them; steady waits well past the window, though within the most allowed,
 * close it instead of growing it to spin through each one.
 */
static void test_settle(void)
{
	u64 w = 0, wait;
	unsigned int i;

	for (wait = 5 * US; wait <= 300 * US; wait += wait / 2)
		w = vbd_poll_next_window(w, wait, 500 * US);
	EXPECT(w == 320 * US);
	for (i = 0; i < 20; i++)
		w = vbd_poll_next_window(w, 300 * US, 500 * US);
	EXPECT(w == 320 * US);
	for (i = 0; i < 20; i++)
		w = vbd_poll_next_window(w, 700 * US, 500 * US);
	EXPECT(w == 0);
	for (i = 0; i < 20; i++)
		w = vbd_poll_next_window(w, 300 * US, 500 * US);
	EXPECT(w == 0);
}

/*
 * A frontend alternating short and long waits: each miss by far halves
 * the window and each short wait at most doubles it, so the window stays
 * bounded by the short waits' doubling and cannot climb to the most
 * allowed as a rule that grows on every wait within it would.
 */
static void test_alternate(void)
{
	u64 w = 0;
	unsigned int i;

	for (i = 0; i < 40; i++) {
		w = vbd_poll_next_window(w, 8 * US, 500 * US);
		EXPECT(w <= 2 * VBD_POLL_START_NS);
		w = vbd_poll_next_window(w, 400 * US, 500 * US);
		EXPECT(w <= VBD_POLL_START_NS);
	}
}

int main(void)
{
	test_grow();
	test_keep();
	test_shrink_on_miss();
	test_shrink();
	test_alternate();
	test_settle();
	printf("poll: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
