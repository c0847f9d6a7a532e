/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a ring's polling window adapts (poll.c). vbd_poll_next_window() has
 * no kernel state: the unit tests check it. The ring's worker (ring.c)
 * spins; poll.c only says for how long.
 */
#ifndef VBDBACK_POLL_H
#define VBDBACK_POLL_H

#include <linux/types.h>

/* The first window (ns), when a wait shows that polling would pay. */
#define VBD_POLL_START_NS	10000ULL

/**
 * vbd_poll_next_window() - the window after a ring's wait for a request
 * @window: the current window (ns), 0 for none
 * @wait: how long the ring waited, from having answered everything (ns)
 * @max: the longest window allowed (ns)
 *
 * Called when a ring slept and a request came. With a window, the ring
 * polled that long first: a wait the window covered leaves it as it is,
 * a longer one means the poll found nothing (a miss) and the window
 * halves, to none below VBD_POLL_START_NS: polls that miss cost dom0 the
 * whole window and save nothing. Without a window, a wait within @max
 * opens one just long enough to have caught it (VBD_POLL_START_NS doubled
 * until it covers the wait, at most @max); a longer wait opens none.
 *
 * Return: the new window.
 */
static inline u64 vbd_poll_next_window(u64 window, u64 wait, u64 max)
{
	if (wait <= window)
		return window;
	if (window)
		return window / 2 < VBD_POLL_START_NS ? 0 : window / 2;
	if (wait > max)
		return 0;
	window = VBD_POLL_START_NS;
	while (window < wait)
		window *= 2;
	return window < max ? window : max;
}

/**
 * struct vbd_poll - a ring's polling for requests (poll.c)
 * @max_ns: longest window, 0 for no polling
 * @window_ns: the current window, 0 while polling does not pay
 * @idle_since: when the ring last went to sleep on an event, 0 if it is
 *              not waiting
 */
struct vbd_poll {
	u64 max_ns;
	u64 window_ns;
	u64 idle_since;
};

/* Whether the ring polls at all (poll_max_us). */
static inline bool vbd_poll_enabled(const struct vbd_poll *p)
{
	return p->max_ns;
}

/* How long a drained ring spins now, 0 while polling does not pay. */
static inline u64 vbd_poll_window(const struct vbd_poll *p)
{
	return p->window_ns;
}

void vbd_poll_init(struct vbd_poll *p, unsigned int max_us);
void vbd_poll_asleep(struct vbd_poll *p, u64 since);
void vbd_poll_woken(struct vbd_poll *p);

#endif /* VBDBACK_POLL_H */
