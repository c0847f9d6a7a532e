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
 * A wait within @max would have been caught by a window that long: the
 * window doubles (from VBD_POLL_START_NS, up to @max) unless it already
 * covered the wait. A longer wait means polling did not pay: the window
 * halves, to none below VBD_POLL_START_NS. This is KVM's halt polling rule.
 *
 * Return: the new window.
 */
static inline u64 vbd_poll_next_window(u64 window, u64 wait, u64 max)
{
	if (wait > max)
		return window / 2 < VBD_POLL_START_NS ? 0 : window / 2;
	if (wait <= window)
		return window;
	window = window * 2 > VBD_POLL_START_NS ? window * 2 : VBD_POLL_START_NS;
	return window < max ? window : max;
}

#endif /* VBDBACK_POLL_H */
