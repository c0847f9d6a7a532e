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
 * Called when a ring slept and a request came: either it did not poll or
 * its poll found nothing (a miss). A wait the window covered leaves it as
 * it is. A wait that one doubling of the window (from VBD_POLL_START_NS,
 * up to @max) would have caught doubles it. Any other wait, a miss by more
 * than that or a wait over @max, halves it, to none below
 * VBD_POLL_START_NS: spinning that far short of the frontend's next
 * request costs dom0 the whole window and saves nothing, and a window
 * grown to cover such waits would spin through each of them.
 *
 * Return: the new window.
 */
static inline u64 vbd_poll_next_window(u64 window, u64 wait, u64 max)
{
	u64 grown;

	if (wait <= window)
		return window;
	grown = window * 2 > VBD_POLL_START_NS ? window * 2 : VBD_POLL_START_NS;
	if (grown > max)
		grown = max;
	if (wait <= grown && grown > window)
		return grown;
	return window / 2 < VBD_POLL_START_NS ? 0 : window / 2;
}

#endif /* VBDBACK_POLL_H */
