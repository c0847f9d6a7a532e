// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the persistent-grant clock
 * (drivers/block/vbdback/pgclock.c) and the latency buckets (lathist.c).
 *
 * The input builds a cache and then drives it: requests taking and leaving
 * entries, time passing, and sweeps of either kind, each swept as
 * persistent.c sweeps its list (tests/include/pgclock_model.h). After every
 * sweep the target traps unless the clock kept its promises: no entry in
 * use taken, none taken in its first visit while marked, none taken by an
 * idle sweep before it was idle, no more taken than wanted, at most twice
 * round the cache, no entry lost or made up, and a sweep that takes nothing
 * from a cache with unused entries followed by one that takes some (which
 * vbd_pgrant_purge_all() relies on to end). Every 8 bytes are also a latency
 * whose bucket must be in range, at the right power of two, and no lower
 * than that of a shorter one.
 *
 * Input layout (missing bytes read as zero):
 *   byte 0         how long unused makes an entry idle
 *   byte 1         entries in the cache (mod MODEL_MAX + 1)
 *   next 2 each    an entry: bit 0 in use, bit 1 referenced; last use
 *   the rest       operations, 2 bytes each (fuzz_op())
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lathist.h"

#include "../include/pgclock_model.h"

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		__builtin_trap();					\
	}								\
} while (0)

/* The input, read byte by byte; past its end, zeroes. */
struct fuzz_in {
	const unsigned char *p;
	size_t len, pos;
};

static unsigned int fuzz_byte(struct fuzz_in *in)
{
	return in->pos < in->len ? in->p[in->pos++] : 0;
}

static struct model m, before, again;
static struct model_sweep s, s2;
static unsigned long now;

static const struct model_entry *find(const struct model *c, unsigned int id)
{
	unsigned int i;

	for (i = 0; i < c->count; i++)
		if (c->q[i].id == id)
			return &c->q[i];
	return NULL;
}

/* Each entry before the sweep is in the cache after it or was taken. */
static void check_kept(const struct model_sweep *sw, bool idle_only)
{
	unsigned int i, j, found;

	FUZZ_ASSERT(m.count + sw->taken == before.count);
	for (i = 0; i < before.count; i++) {
		const struct model_entry *b = &before.q[i], *a = find(&m, b->id);

		for (found = a ? 1 : 0, j = 0; j < sw->taken; j++)
			found += sw->gone[j].id == b->id;
		FUZZ_ASSERT(found == 1);
		if (a) {
			FUZZ_ASSERT(a->users == b->users);
			FUZZ_ASSERT(a->last_used == b->last_used);
			/* idle sweeps leave marks; others may only clear them */
			FUZZ_ASSERT(idle_only ? a->referenced == b->referenced :
				    !a->referenced || b->referenced);
		}
	}
}

static void check_sweep(unsigned int want, bool idle_only)
{
	unsigned int i, unused = 0;

	FUZZ_ASSERT(s.taken <= want);
	FUZZ_ASSERT(s.visits <= 2 * before.count);
	for (i = 0; i < s.taken; i++) {
		const struct model_entry *g = &s.gone[i];

		FUZZ_ASSERT(g->users == 0);
		if (idle_only)
			FUZZ_ASSERT(now - g->last_used >= m.idle);
		else
			FUZZ_ASSERT(!g->referenced);
		/* one marked at the start was passed over once first */
		if (!idle_only && find(&before, g->id)->referenced)
			FUZZ_ASSERT(g->visits >= 2);
	}
	check_kept(&s, idle_only);
	for (i = 0; i < before.count; i++)
		unused += !before.q[i].users;
	if (idle_only || !want || !unused || s.taken)
		return;
	again = m;
	model_purge(&again, want, now, false, &s2);
	FUZZ_ASSERT(s2.taken > 0);
}

static void fuzz_sweep(unsigned int want, bool idle_only)
{
	before = m;
	model_purge(&m, want, now, idle_only, &s);
	check_sweep(want, idle_only);
}

/*
 * Two bytes: the top two bits of the first choose, the rest say how much
 * or which entry.
 */
static void fuzz_op(struct fuzz_in *in)
{
	unsigned int op = fuzz_byte(in), arg = op << 8 | fuzz_byte(in);
	struct model_entry *e = m.count ? &m.q[arg % m.count] : NULL;

	switch (op >> 6) {
	case 0:
		fuzz_sweep(arg & 0x1ff, false);
		break;
	case 1:
		fuzz_sweep(arg & 0x1ff, true);
		break;
	case 2:
		now += arg & 0x3fff;
		break;
	default:
		if (!e)
			break;
		if (arg & 0x2000 && e->users)
			model_put(&m, e - m.q, now);
		else if (e->users < 8)
			e->users++;
		break;
	}
}

static void fuzz_bucket(const unsigned char *p, unsigned int nr)
{
	unsigned long long us;
	unsigned int b;

	memcpy(&us, p, sizeof(us));
	b = vbd_lat_bucket(us, nr);
	FUZZ_ASSERT(nr ? b < nr : b == 0);
	if (us && nr) {
		FUZZ_ASSERT(us >= 1ULL << b);
		if (b + 1 < nr && b < 63)
			FUZZ_ASSERT(us < 2ULL << b);
	}
	if (us != ~0ULL)
		FUZZ_ASSERT(vbd_lat_bucket(us + 1, nr) >= b);
	if (us)
		FUZZ_ASSERT(vbd_lat_bucket(us - 1, nr) <= b);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	unsigned int i, n, idle;

	for (i = 0; i + 8 <= size; i += 8)
		fuzz_bucket(data + i, data[i] % 66);
	memset(&m, 0, sizeof(m));
	now = 1000;
	m.idle = 1 + fuzz_byte(&in) * 37;
	n = fuzz_byte(&in) % (MODEL_MAX + 1);
	for (i = 0; i < n; i++) {
		unsigned int b = fuzz_byte(&in);

		m.q[i].id = i;
		m.q[i].users = b & 1;
		m.q[i].referenced = b & 2;
		m.q[i].last_used = now - fuzz_byte(&in) * 17;
	}
	m.count = n;
	while (in.pos < in.len)
		fuzz_op(&in);
	/*
	 * Teardown, as vbd_pgrant_purge_all(): two sweeps in a row taking
	 * nothing end it, and must leave only entries in use.
	 */
	for (idle = 0; idle < 2 && m.count; idle = s.taken ? 0 : idle + 1)
		fuzz_sweep(MODEL_MAX, false);
	for (i = 0; i < m.count; i++)
		FUZZ_ASSERT(m.q[i].users);
	return 0;
}
