// SPDX-License-Identifier: GPL-2.0
/*
 * The clock (second-chance) approximation of least recently used, for the
 * persistent-grant cache. The last user of an entry marks it referenced; the
 * hand, visiting entries in list order, takes unused ones without the mark
 * and clears the mark of those that have it, which then get taken the next
 * time round unless used meanwhile. Entries in use are never taken. A sweep
 * is bounded, so it ends whatever the entries are.
 *
 * Only the decisions are here, over plain values: the list, the tree and
 * the unmapping stay in persistent.c, so that they can be checked in
 * userspace (tests/unit, tests/fuzz) as proto.c is.
 */
#include "pgclock.h"

/**
 * vbd_pgclock_start() - begin a sweep of the hand
 * @clk: the sweep
 * @count: entries in the cache
 * @want: most entries to take
 * @now: the time (jiffies)
 * @idle: unused this long (jiffies), an entry is idle
 * @idle_only: take only idle entries (and spare the rest their marks)
 *
 * Twice round the clock reaches every unused entry: the first visit may only
 * clear its mark.
 */
void vbd_pgclock_start(struct vbd_pgclock *clk, unsigned int count,
		       unsigned int want, unsigned long now,
		       unsigned long idle, bool idle_only)
{
	clk->steps = 2 * count;
	clk->want = want;
	clk->now = now;
	clk->idle = idle;
	clk->idle_only = idle_only;
}

/**
 * vbd_pgclock_next() - whether the hand moves on to the next entry
 * @clk: the sweep
 *
 * Return: false once the sweep took what it wanted or used up its steps;
 * otherwise true, and that visit is counted.
 */
bool vbd_pgclock_next(struct vbd_pgclock *clk)
{
	if (!clk->want || !clk->steps)
		return false;
	clk->steps--;
	return true;
}

/**
 * vbd_pgclock_take() - visit one entry: whether the hand takes it
 * @clk: the sweep
 * @users: requests using the entry now
 * @referenced: the entry's mark, set by its last user; cleared here when it
 *              spares the entry (its second chance)
 * @last_used: when its last user finished (jiffies)
 *
 * Never one in use; in an idle sweep, one unused for @clk->idle or longer
 * (jiffies wrap: compared as time_after_eq() does); otherwise one not used
 * since the hand last passed.
 *
 * Return: true if the caller is to remove the entry, which counts towards
 * what the sweep wants; false if the hand passes over it.
 */
bool vbd_pgclock_take(struct vbd_pgclock *clk, unsigned int users,
		      bool *referenced, unsigned long last_used)
{
	bool take;

	if (users)
		return false;
	if (clk->idle_only) {
		take = (long)(clk->now - (last_used + clk->idle)) >= 0;
	} else {
		take = !*referenced;
		*referenced = false;
	}
	if (take)
		clk->want--;
	return take;
}

/**
 * vbd_pgclock_room() - how many entries to take before a new one comes in
 * @count: entries in the cache
 * @max: most entries it may hold
 *
 * Room is made only when a new grant would not fit, and then for a batch
 * of them (a sixteenth of the cache, at least one), so that the hand does
 * not sweep again for each new grant.
 *
 * Return: the number to take, 0 while the cache has room.
 */
unsigned int vbd_pgclock_room(unsigned int count, unsigned int max)
{
	if (count < max)
		return 0;
	return max / 16 > 1 ? max / 16 : 1;
}
