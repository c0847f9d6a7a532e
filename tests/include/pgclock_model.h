/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A persistent-grant cache over a plain array, swept with the module's
 * clock (drivers/block/vbdback/pgclock.c) the way vbd_pgrant_purge() in
 * persistent.c sweeps its list, for the unit tests and the fuzz target.
 *
 * persistent.c walks its list with list_for_each_entry_safe(), moving each
 * entry the hand passes over to the tail and each one it takes off the list.
 * The entry visited is then always the list's first, and the walk's saved
 * next entry is the list head exactly when the entry visited was the only
 * one left: the walk ends after that visit. The model does the same with a
 * queue, q[0] being the hand's position.
 */
#ifndef VBDBACK_TESTS_PGCLOCK_MODEL_H
#define VBDBACK_TESTS_PGCLOCK_MODEL_H

#include <string.h>

#include "pgclock.h"

#define MODEL_MAX	256

struct model_entry {
	unsigned int id;
	unsigned int users;
	bool referenced;
	unsigned long last_used;
	unsigned int visits;	/* in the current sweep */
};

struct model {
	struct model_entry q[MODEL_MAX];
	unsigned int count;
	unsigned long idle;
};

/* What one sweep did. */
struct model_sweep {
	unsigned int visits;
	unsigned int taken;
	struct model_entry gone[MODEL_MAX];	/* as the hand found them */
};

/* An entry as the last user leaves it, as vbd_pgrant_put() does. */
static inline void model_put(struct model *m, unsigned int i,
			     unsigned long now)
{
	if (--m->q[i].users)
		return;
	m->q[i].last_used = now;
	m->q[i].referenced = true;
}

/* vbd_pgrant_purge(): take up to @want entries; what it did in @s. */
static inline void model_purge(struct model *m, unsigned int want,
			       unsigned long now, bool idle_only,
			       struct model_sweep *s)
{
	struct vbd_pgclock clk;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < m->count; i++)
		m->q[i].visits = 0;
	vbd_pgclock_start(&clk, m->count, want, now, m->idle, idle_only);
	while (m->count) {
		bool last = m->count == 1;
		struct model_entry e = m->q[0], found;

		if (!vbd_pgclock_next(&clk))
			break;
		s->visits++;
		e.visits++;
		found = e;
		memmove(&m->q[0], &m->q[1], (m->count - 1) * sizeof(e));
		if (vbd_pgclock_take(&clk, e.users, &e.referenced,
				     e.last_used)) {
			s->gone[s->taken++] = found;
			m->count--;
		} else {
			m->q[m->count - 1] = e;
		}
		if (last)
			break;
	}
}

#endif /* VBDBACK_TESTS_PGCLOCK_MODEL_H */
