// SPDX-License-Identifier: GPL-2.0
/*
 * Polling a drained ring for its next request before asking the frontend
 * for an event (poll_max_us). While the ring's worker polls, the frontend's
 * requests need no event: it sends none, and dom0's CPU is not put to sleep
 * and woken again for each. The price is a CPU spinning for the window.
 * A ring is polled only by the run that gave the frontend its last answers:
 * what it waits for is then the frontend, not a device that may take
 * milliseconds, and runs started by anything else (the cache's idle check,
 * reclaim, an event whose request a poll already took) do not spin.
 *
 * The window adapts to how long the ring waits for its next request. Off
 * to begin with, it opens, just long enough, when a wait shows that a poll
 * would have caught the request (a wait within poll_max_us), and stays as
 * long as its polls find requests. Each poll that finds nothing halves it,
 * down to no polling at all, before a later wait may open it again: a
 * window is only paid for while it pays, instead of staying open through
 * a frontend's changes of pace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "poll.h"

/**
 * vbd_poll_init() - set up a ring's polling
 * @p: the ring's polling, not yet used
 * @max_us: the longest window (poll_max_us), 0 for no polling
 */
void vbd_poll_init(struct vbd_poll *p, unsigned int max_us)
{
	p->max_ns = (u64)max_us * NSEC_PER_USEC;
	p->window_ns = 0;
	p->idle_since = 0;
}

/**
 * vbd_poll_asleep() - the ring asked for an event, having given the
 * frontend every answer
 * @p: the ring's polling; called only by its worker
 * @since: when the frontend had every answer (ns): its pace is measured
 *         from then
 */
void vbd_poll_asleep(struct vbd_poll *p, u64 since)
{
	p->idle_since = since;
}

/**
 * vbd_poll_woken() - adapt the window to how long the ring waited
 * @p: the ring's polling; called by its worker when a request is on the
 *     ring, before it consumes
 *
 * Counts only when the ring went to sleep on an event.
 */
void vbd_poll_woken(struct vbd_poll *p)
{
	u64 wait;

	if (!p->idle_since)
		return;
	wait = ktime_get_ns() - p->idle_since;
	p->idle_since = 0;
	p->window_ns = vbd_poll_next_window(p->window_ns, wait, p->max_ns);
}
