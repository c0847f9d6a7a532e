/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a ring's polling window adapts, with no kernel state: poll.c uses it,
 * the unit tests check it.
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

#endif /* VBDBACK_POLL_H */
