/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The persistent-grant cache's clock (second chance), with no kernel state:
 * persistent.c walks its list with it, the unit tests and the fuzz target
 * check it over plain arrays.
 */
#ifndef VBDBACK_PGCLOCK_H
#define VBDBACK_PGCLOCK_H

#include <linux/types.h>

/**
 * struct vbd_pgclock - one sweep of the clock hand over a cache
 * @steps: entries the hand may still visit
 * @want: entries still to take
 * @now: when the sweep runs (jiffies)
 * @idle: unused this long (jiffies), an entry is idle
 * @idle_only: take idle entries only, and leave the marks alone
 */
struct vbd_pgclock {
	unsigned int steps;
	unsigned int want;
	unsigned long now;
	unsigned long idle;
	bool idle_only;
};

void vbd_pgclock_start(struct vbd_pgclock *clk, unsigned int count,
		       unsigned int want, unsigned long now,
		       unsigned long idle, bool idle_only);
bool vbd_pgclock_next(struct vbd_pgclock *clk);
bool vbd_pgclock_take(struct vbd_pgclock *clk, unsigned int users,
		      bool *referenced, unsigned long last_used);
unsigned int vbd_pgclock_room(unsigned int count, unsigned int max);

#endif /* VBDBACK_PGCLOCK_H */
