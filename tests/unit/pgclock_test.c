// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the persistent-grant clock
 * (drivers/block/vbdback/pgclock.c), swept as persistent.c sweeps its list
 * (tests/include/pgclock_model.h): entries in use stay, a referenced entry
 * gets one second chance, sweeps are bounded, idle sweeps take idle entries
 * only, and room is made only when the cache is full.
 */
#include <limits.h>
#include <stdio.h>

#include "../include/expect.h"
#include "../include/pgclock_model.h"

static struct model m;
static struct model_sweep s;

/* A cache of @n entries, ids 0..n-1 from the hand on, unused and unmarked. */
static void fill(unsigned int n)
{
	unsigned int i;

	memset(&m, 0, sizeof(m));
	m.idle = 100;
	for (i = 0; i < n; i++)
		m.q[i].id = i;
	m.count = n;
}

/* Whatever is asked, an entry with users is never taken. */
static void test_in_use(void)
{
	unsigned int i;

	fill(4);
	for (i = 0; i < 4; i++)
		m.q[i].users = 1;
	model_purge(&m, 4, 0, false, &s);
	EXPECT(s.taken == 0 && m.count == 4);
	/* twice round, and no further */
	EXPECT(s.visits == 8);
	model_purge(&m, 4, 1000, true, &s);
	EXPECT(s.taken == 0 && m.count == 4);

	/* the one unused entry among them is the one taken */
	m.q[2].users = 0;
	i = m.q[2].id;
	model_purge(&m, 4, 0, false, &s);
	EXPECT(s.taken == 1 && s.gone[0].id == i && s.gone[0].users == 0);
	EXPECT(m.count == 3);
}

/* A referenced entry survives one sweep, losing its mark, then goes. */
static void test_second_chance(void)
{
	fill(1);
	m.q[0].referenced = true;
	model_purge(&m, 1, 0, false, &s);
	EXPECT(s.taken == 0 && m.count == 1 && !m.q[0].referenced);
	model_purge(&m, 1, 0, false, &s);
	EXPECT(s.taken == 1 && m.count == 0);

	/* used again meanwhile, it gets a second chance again */
	fill(1);
	m.q[0].referenced = true;
	model_purge(&m, 1, 0, false, &s);
	m.q[0].users = 1;
	model_put(&m, 0, 5);
	EXPECT(m.q[0].referenced && m.q[0].last_used == 5);
	model_purge(&m, 1, 0, false, &s);
	EXPECT(s.taken == 0 && m.count == 1);
}

/* The hand passes referenced entries for the first unmarked one. */
static void test_order(void)
{
	fill(3);
	m.q[0].referenced = true;
	m.q[2].referenced = true;
	model_purge(&m, 1, 0, false, &s);
	EXPECT(s.taken == 1 && s.gone[0].id == 1 && s.visits == 2);
	/* the passed one went behind the hand; the unvisited one kept its mark */
	EXPECT(m.count == 2 && m.q[0].id == 2 && m.q[1].id == 0);
	EXPECT(m.q[0].referenced && !m.q[1].referenced);
	model_purge(&m, 3, 0, false, &s);
	EXPECT(s.taken == 2 && m.count == 0);
	EXPECT(s.gone[0].id == 0 && s.gone[1].id == 2);
}

/* A sweep takes no more than it wants, and stops when it has them. */
static void test_want(void)
{
	fill(10);
	model_purge(&m, 3, 0, false, &s);
	EXPECT(s.taken == 3 && s.visits == 3 && m.count == 7);
	model_purge(&m, 0, 0, false, &s);
	EXPECT(s.taken == 0 && s.visits == 0 && m.count == 7);
}

/* Every entry marked: the first round clears, the second takes them all. */
static void test_all_marked(void)
{
	unsigned int i;

	fill(5);
	for (i = 0; i < 5; i++)
		m.q[i].referenced = true;
	model_purge(&m, 10, 0, false, &s);
	EXPECT(s.taken == 5 && s.visits == 10 && m.count == 0);
}

/* Idle sweeps: unused idle ones only, marks untouched, across a wrap. */
static void test_idle(void)
{
	fill(4);
	m.q[0].last_used = 900;		/* idle exactly m.idle: goes */
	m.q[1].last_used = 901;		/* not quite */
	m.q[1].referenced = true;
	m.q[2].last_used = 0;
	m.q[2].users = 1;		/* idle, but in use */
	m.q[3].last_used = 0;
	model_purge(&m, 4, 1000, true, &s);
	EXPECT(s.taken == 2 && s.gone[0].id == 0 && s.gone[1].id == 3);
	EXPECT(m.count == 2 && m.q[0].id == 1 && m.q[0].referenced);

	/* jiffies wrapped since the last use */
	fill(2);
	m.q[0].last_used = ULONG_MAX - 60;	/* 111 ago */
	m.q[1].last_used = ULONG_MAX - 40;	/* 91 ago */
	model_purge(&m, 2, 50, true, &s);
	EXPECT(s.taken == 1 && s.gone[0].id == 0);
}

/* Room is made only for a grant that would not fit, a batch at a time. */
static void test_room(void)
{
	EXPECT(vbd_pgclock_room(0, 1024) == 0);
	EXPECT(vbd_pgclock_room(1023, 1024) == 0);
	EXPECT(vbd_pgclock_room(1024, 1024) == 64);
	EXPECT(vbd_pgclock_room(5, 5) == 1);
	EXPECT(vbd_pgclock_room(31, 31) == 1);
	EXPECT(vbd_pgclock_room(32, 32) == 2);
}

int main(void)
{
	test_in_use();
	test_second_chance();
	test_order();
	test_want();
	test_all_marked();
	test_idle();
	test_room();
	printf("pgclock: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
