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

#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "vbdback.h"
#include "poll.h"

/**
 * vbd_poll_init() - set up a ring's polling
 * @ring: the ring, not yet serving
 * @max_us: the longest window (poll_max_us), 0 for no polling
 */
void vbd_poll_init(struct vbd_ring *ring, unsigned int max_us)
{
	ring->poll.max_ns = (u64)max_us * NSEC_PER_USEC;
	ring->poll.window_ns = 0;
	ring->poll.idle_since = 0;
}

/*
 * Spin until a request arrives, for at most @window_ns from @start.
 * Anything else that wants the CPU, or teardown, ends it.
 */
static bool vbd_poll_spin(struct vbd_ring *ring, u64 start, u64 window_ns)
{
	do {
		/* Only compared: the request is read when consumed. */
		if (READ_ONCE(ring->br.sring->req_prod) != ring->br.req_cons)
			return true;
		if (need_resched() || READ_ONCE(ring->stopping))
			return false;
		cpu_relax();
	} while (ktime_get_ns() - start < window_ns);
	return false;
}

/**
 * vbd_poll_drained() - poll a drained ring, then ask for an event
 * @ring: the ring, its worker having consumed every request and answered
 *        every completion, without asking the frontend for an event
 * @answered: this run of the worker answered requests
 *
 * The ring spins only if @answered and no request is left with the device:
 * the frontend then has every answer and its next request is what the ring
 * waits for.
 *
 * Return: true if a request is there to take: the worker must run again.
 * False once the frontend has been asked for an event.
 */
bool vbd_poll_drained(struct vbd_ring *ring, bool answered)
{
	struct vbd_poll *p = &ring->poll;
	u64 start = ktime_get_ns();
	int more;

	answered = answered && !ring->nr_submitted;

	if (p->window_ns && answered) {
		if (vbd_poll_spin(ring, start, p->window_ns)) {
			ring->stats.poll_hits++;
			return true;
		}
		ring->stats.poll_misses++;
	}
	RING_FINAL_CHECK_FOR_REQUESTS(&ring->br, more);
	if (more)
		return true;
	/* The frontend's pace is measured from when it had every answer. */
	if (answered)
		p->idle_since = start;
	return false;
}

/**
 * vbd_poll_woken() - adapt the window to how long the ring waited
 * @ring: the ring; called by its worker before it consumes
 *
 * Counts only when the ring went to sleep on an event and a request has
 * come since.
 */
void vbd_poll_woken(struct vbd_ring *ring)
{
	struct vbd_poll *p = &ring->poll;
	u64 wait;

	if (!p->idle_since ||
	    READ_ONCE(ring->br.sring->req_prod) == ring->br.req_cons)
		return;
	wait = ktime_get_ns() - p->idle_since;
	p->idle_since = 0;
	p->window_ns = vbd_poll_next_window(p->window_ns, wait, p->max_ns);
}
