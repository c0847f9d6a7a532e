// SPDX-License-Identifier: GPL-2.0
/*
 * The xenstore side of the handshake, abused: keys with garbage, empty,
 * out-of-range and huge values, keys deleted while the backend connects,
 * states written out of order, toggled hundreds of times, or meaningless.
 *
 * xsabuse runs named cases, each with its exact expected outcome: the
 * backend refuses (xenbus_dev_fatal: its state goes to Closing, and dom0
 * logs the reason, which the case prints as an "XSEXPECT" line for dom0 to
 * find in order), or it connects and serves when the values are valid.
 * After every case a fresh, correct handshake must work on the same device
 * and serve a checked write and read-back.
 *
 * xsgone writes a frontend state xenbus reads as Unknown (0, or a value
 * that is not a number): the backend device must go away (its state
 * Closed) and stay away whatever the frontend writes next, until the
 * toolstack creates it again.
 *
 * xsfuzz writes and deletes the frontend's keys and its state at random,
 * reproducibly from a seed, with a correct handshake and a checked write
 * and read-back on every queue every so often and at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "vbdfront.h"

/* How long the backend may take to react to one state change. */
#define VF_XS_REACT_MS		10000
/* How long a state must hold to count as settled, or as not reached. */
#define VF_XS_SETTLE_MS		300
#define VF_XS_TOGGLES		150
#define VF_XS_CYCLES		25
/* The most a guest may write into one node is about 2000 bytes. */
#define VF_XS_HUGE_LEN		1024
#define VF_XSFUZZ_CHECK_EVERY	100
/* Ring references and ports no guest has: refused when mapped or bound. */
#define VF_XS_BAD_GREF		"4294967295"
#define VF_XS_BAD_PORT		"4000"

struct vf_xs_ctx {
	char why[256];
	/* The reason dom0 must log for a refusal, or "" */
	char expect[200];
	char outcome[96];
};

static unsigned int vf_xs_passed, vf_xs_failed;
static u64 vf_xs_tag;
/* "/local/domain/DOMID": the backend names our keys by full path */
static char vf_xs_home[64];
static char vf_xs_huge[VF_XS_HUGE_LEN + 1];

static void vf_xs_result(const char *name, int err, const struct vf_xs_ctx *c)
{
	if (err) {
		vf_xs_failed++;
		printf("CASE xs/%s: FAIL %s\n", name, c->why);
	} else {
		vf_xs_passed++;
		printf("CASE xs/%s: PASS %s\n", name, c->outcome);
		if (c->expect[0])
			printf("XSEXPECT %s: %s\n", name, c->expect);
	}
	fflush(stdout);
}

static int vf_xs_fail(struct vf_xs_ctx *c, const char *fmt, int a, int b)
{
	snprintf(c->why, sizeof(c->why), fmt, a, b);
	return -1;
}

/* The full path of one of our keys, as the backend quotes it. */
static void vf_xs_key_path(struct vf *vf, char *buf, size_t len,
			   const char *key)
{
	snprintf(buf, len, "%s/%s/%s", vf_xs_home, vf->fe, key);
}

static int vf_xs_state_str(struct vf *vf, const char *s)
{
	return vf_fe_write(vf, "state", s);
}

/*
 * Wait for the backend to reach state want and stay there for a while.
 * Return: the state it settled in (want, or whatever it was at the end).
 */
static int vf_xs_settle(struct vf *vf, int want)
{
	int s = vf_wait_be_ms(vf, VF_XS_REACT_MS, want, want);

	if (s != want)
		return s;
	usleep(VF_XS_SETTLE_MS * 1000);
	return vf_be_state(vf);
}

/* A checked write and read-back on every queue. */
static int vf_xs_serves(struct vf *vf, struct vf_xs_ctx *c)
{
	unsigned int q;
	int err = 0;

	for (q = 0; q < vf->nr_queues && !err; q++) {
		vf_queue_select(vf, q);
		err = vf_check_io(vf, vf->info.sectors / 2 & ~7ULL, 8, false,
				  ++vf_xs_tag, c->why, sizeof(c->why));
	}
	vf_queue_select(vf, 0);
	return err;
}

/* The backend must refuse: Closing, with reason expect in dom0's log. */
static int vf_xs_refused(struct vf *vf, struct vf_xs_ctx *c)
{
	int s = vf_xs_settle(vf, XenbusStateClosing);

	if (s != XenbusStateClosing)
		return vf_xs_fail(c, "backend state %d, expected %d (Closing: refused)",
				  s, XenbusStateClosing);
	snprintf(c->outcome, sizeof(c->outcome), "refused (Closing)");
	return 0;
}

/* The backend must connect, and serve. */
static int vf_xs_connects(struct vf *vf, struct vf_xs_ctx *c)
{
	int s = vf_wait_be_ms(vf, VF_XS_REACT_MS, XenbusStateConnected,
			      XenbusStateClosing);

	c->expect[0] = 0;
	if (s != XenbusStateConnected)
		return vf_xs_fail(c, "backend state %d, expected %d (Connected)",
				  s, XenbusStateConnected);
	vf->connected = true;
	if (vf_set_state(vf, XenbusStateConnected) || vf_xs_serves(vf, c))
		return -1;
	snprintf(c->outcome, sizeof(c->outcome), "connected and served");
	return 0;
}

/* Either outcome, as the backend's reads raced our deletes. */
static int vf_xs_connects_or_refused(struct vf *vf, struct vf_xs_ctx *c)
{
	int s = vf_wait_be_ms(vf, VF_XS_REACT_MS, XenbusStateConnected,
			      XenbusStateClosing);

	if (s == XenbusStateClosing)
		return vf_xs_refused(vf, c);
	return vf_xs_connects(vf, c);
}

/*
 * After a case: the backend back to InitWait (which disconnects it), our
 * pages taken back, and a correct handshake on fresh ones that serves.
 */
static int vf_xs_recover(struct vf *vf, const struct vf_config *good,
			 struct vf_xs_ctx *c)
{
	int err;

	if (vf_reset(vf)) {
		vf_release(vf);
		return vf_xs_fail(c, "backend did not return to InitWait (state %d)",
				  vf_be_state(vf), 0);
	}
	vf_release(vf);
	vf->connected = false;
	if (vf_connect(vf, good))
		return vf_xs_fail(c, "handshake after the case failed (backend state %d)",
				  vf_be_state(vf), 0);
	err = vf_xs_serves(vf, c);
	if (vf_disconnect(vf) && !err)
		err = vf_xs_fail(c, "teardown after the case did not reach Closed",
				 0, 0);
	return err;
}

/* One bad key value on top of a correct set of keys. */
struct vf_xs_key {
	const char *name;
	unsigned int order;
	unsigned int queues;
	/* written, or deleted when val is NULL; "HUGE" stands for 1024 x */
	const char *key;
	const char *val;
	/*
	 * The reason: "%K" is replaced by the full path of key, "%M" by
	 * the backend's maximum for the key (max-ring-page-order or
	 * multi-queue-max-queues) and "%N" by that maximum plus one.
	 */
	const char *expect;
};

static const struct vf_xs_key vf_xs_keys[] = {
	{ "ring-ref-garbage", 0, 1, "ring-ref", "garbage", "%K is not a number" },
	{ "ring-ref-empty", 0, 1, "ring-ref", "", "%K is not a number" },
	{ "ring-ref-negative", 0, 1, "ring-ref", "-1", "%K is not a number" },
	{ "ring-ref-huge", 0, 1, "ring-ref", "HUGE", "%K is not a number" },
	{ "ring-ref-not-granted", 0, 1, "ring-ref", VF_XS_BAD_GREF,
	  "mapping in shared page" },
	{ "ring-ref-missing", 0, 1, "ring-ref", NULL, "reading %K" },
	{ "ring-refN-garbage", 2, 1, "ring-ref2", "zzz", "%K is not a number" },
	{ "ring-refN-missing", 2, 1, "ring-ref3", NULL, "reading %K" },
	{ "ring-refN-not-granted", 1, 1, "ring-ref1", VF_XS_BAD_GREF,
	  "mapping in shared page" },
	{ "ring-page-order-garbage", 2, 1, "ring-page-order", "two",
	  "%K is not a number" },
	{ "ring-page-order-above-max", 2, 1, "ring-page-order", "%N",
	  "ring-page-order %N exceeds max-ring-page-order %M" },
	{ "ring-page-order-huge", 2, 1, "ring-page-order", "4294967295",
	  "ring-page-order 4294967295 exceeds max-ring-page-order %M" },
	{ "ring-page-order-huge-string", 2, 1, "ring-page-order", "HUGE",
	  "%K is not a number" },
	{ "num-queues-zero", 0, 1, "multi-queue-num-queues", "0",
	  "multi-queue-num-queues 0 is not in 1..%M" },
	{ "num-queues-above-max", 0, 1, "multi-queue-num-queues", "%N",
	  "multi-queue-num-queues %N is not in 1..%M" },
	{ "num-queues-huge", 0, 1, "multi-queue-num-queues", "4294967295",
	  "multi-queue-num-queues 4294967295 is not in 1..%M" },
	{ "num-queues-garbage", 0, 1, "multi-queue-num-queues", "lots",
	  "%K is not a number" },
	{ "num-queues-2-keys-not-in-queue-dirs", 0, 1,
	  "multi-queue-num-queues", "2", "reading %K/../queue-0/ring-ref" },
	{ "queue-1-missing", 1, 2, "queue-1", NULL,
	  "reading %K/ring-ref0" },
	{ "queue-1-event-channel-garbage", 0, 2, "queue-1/event-channel",
	  "chan", "%K is not a number" },
	{ "event-channel-garbage", 0, 1, "event-channel", "chan",
	  "%K is not a number" },
	{ "event-channel-huge", 0, 1, "event-channel", "4294967295",
	  "binding event channel 4294967295" },
	{ "event-channel-not-offered", 0, 1, "event-channel", VF_XS_BAD_PORT,
	  "binding event channel " VF_XS_BAD_PORT },
	{ "event-channel-missing", 0, 1, "event-channel", NULL, "reading %K" },
	{ "protocol-unknown", 0, 1, "protocol", "sparc-abi",
	  "unknown protocol \"sparc-abi\"" },
	{ "protocol-empty", 0, 1, "protocol", "", "unknown protocol \"\"" },
	{ "protocol-huge", 0, 1, "protocol", "HUGE",
	  "unknown protocol \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"" },
	{ "feature-persistent-2", 0, 1, "feature-persistent", "2",
	  "feature-persistent 2 is not 0 or 1" },
};

/* Expand %K, %M and %N of a vf_xs_key pattern into out. */
static void vf_xs_expand(struct vf *vf, const char *pat, const char *key,
			 unsigned int max, char *out, size_t len)
{
	size_t o = 0;
	char path[160];

	for (; *pat && o + 1 < len; pat++) {
		if (pat[0] != '%' || !pat[1]) {
			out[o++] = *pat;
			continue;
		}
		pat++;
		if (*pat == 'K') {
			vf_xs_key_path(vf, path, sizeof(path), key);
			o += snprintf(out + o, len - o, "%s", path);
		} else if (*pat == 'M') {
			o += snprintf(out + o, len - o, "%u", max);
		} else if (*pat == 'N') {
			o += snprintf(out + o, len - o, "%u", max + 1);
		}
		if (o >= len)
			o = len - 1;
	}
	out[o] = 0;
}

/* "a/b/../c" as the backend names it: "a/c" */
static void vf_xs_dotdot(char *s)
{
	char *d = strstr(s, "/../"), *slash;

	if (!d)
		return;
	*d = 0;
	slash = strrchr(s, '/');
	if (slash)
		memmove(slash + 1, d + 4, strlen(d + 4) + 1);
}

static int vf_xs_key_case(struct vf *vf, const struct vf_xs_key *k,
			  struct vf_xs_ctx *c)
{
	struct vf_config cfg = { .abi = VF_ABI_X86_64, .ring_order = k->order,
				 .nr_queues = k->queues };
	unsigned int max;
	char val[32];

	if (vf_setup(vf, &cfg))
		return vf_xs_fail(c, "setup for the case failed", 0, 0);
	if (vf->cfg.ring_order != k->order)
		return vf_xs_fail(c, "backend offers ring-page-order up to %d, the case needs %d",
				  vf->info.max_ring_order, k->order);
	max = strstr(k->key, "order") ? vf->info.max_ring_order :
					vf->info.max_queues;
	if (vf_write_ring_keys(vf))
		return vf_xs_fail(c, "writing the correct keys failed", 0, 0);
	if (!k->val) {
		vf_fe_rm(vf, k->key);
	} else {
		vf_xs_expand(vf, k->val, k->key, max, val, sizeof(val));
		if (vf_fe_write(vf, k->key, strcmp(val, "HUGE") ? val :
					    vf_xs_huge))
			return vf_xs_fail(c, "writing the bad key failed", 0, 0);
	}
	vf_xs_expand(vf, k->expect, k->key, max, c->expect, sizeof(c->expect));
	vf_xs_dotdot(c->expect);
	if (vf_set_state(vf, XenbusStateInitialised))
		return vf_xs_fail(c, "writing Initialised failed", 0, 0);
	return vf_xs_refused(vf, c);
}

static const struct vf_config vf_xs_good = {
	.abi = VF_ABI_X86_64, .ring_order = 0, .persistent = true,
};

/* Connected written straight away, the keys all there: it connects. */
static int c_connected_first(struct vf *vf, struct vf_xs_ctx *c)
{
	if (vf_setup(vf, &vf_xs_good) || vf_write_ring_keys(vf) ||
	    vf_set_state(vf, XenbusStateConnected))
		return vf_xs_fail(c, "setup failed", 0, 0);
	return vf_xs_connects(vf, c);
}

/* Connected written with no keys at all: refused for want of ring-ref. */
static int c_connected_no_keys(struct vf *vf, struct vf_xs_ctx *c)
{
	char path[160];

	if (vf_setup(vf, &vf_xs_good) ||
	    vf_set_state(vf, XenbusStateConnected))
		return vf_xs_fail(c, "setup failed", 0, 0);
	vf_xs_key_path(vf, path, sizeof(path), "ring-ref");
	snprintf(c->expect, sizeof(c->expect), "reading %s", path);
	return vf_xs_refused(vf, c);
}

/* ring-ref deleted right after Initialised: either it was read in time. */
static int c_ring_ref_deleted(struct vf *vf, struct vf_xs_ctx *c)
{
	char path[160];

	if (vf_setup(vf, &vf_xs_good) || vf_write_ring_keys(vf) ||
	    vf_set_state(vf, XenbusStateInitialised))
		return vf_xs_fail(c, "setup failed", 0, 0);
	vf_fe_rm(vf, "ring-ref");
	vf_xs_key_path(vf, path, sizeof(path), "ring-ref");
	snprintf(c->expect, sizeof(c->expect), "reading %s", path);
	return vf_xs_connects_or_refused(vf, c);
}

/* Every key deleted right after Initialised. */
static int c_all_keys_deleted(struct vf *vf, struct vf_xs_ctx *c)
{
	char path[160];

	if (vf_setup(vf, &vf_xs_good) || vf_write_ring_keys(vf) ||
	    vf_set_state(vf, XenbusStateInitialised))
		return vf_xs_fail(c, "setup failed", 0, 0);
	vf_clear_keys(vf);
	/* ring-ref or event-channel, whichever was gone when read */
	vf_xs_key_path(vf, path, sizeof(path), "");
	snprintf(c->expect, sizeof(c->expect), "reading %s", path);
	return vf_xs_connects_or_refused(vf, c);
}

/* Hundreds of Closing/Initialising, ending on Closing: it closes. */
static int c_toggle_closing(struct vf *vf, struct vf_xs_ctx *c)
{
	unsigned int i;
	int s;

	if (vf_setup(vf, &vf_xs_good) || vf_write_ring_keys(vf))
		return vf_xs_fail(c, "setup failed", 0, 0);
	for (i = 0; i < VF_XS_TOGGLES; i++)
		if (vf_set_state(vf, XenbusStateInitialising) ||
		    vf_set_state(vf, XenbusStateClosing))
			return vf_xs_fail(c, "state write %d failed", i, 0);
	s = vf_xs_settle(vf, XenbusStateClosing);
	if (s != XenbusStateClosing)
		return vf_xs_fail(c, "backend state %d after the toggles, expected %d (Closing)",
				  s, XenbusStateClosing);
	snprintf(c->outcome, sizeof(c->outcome), "%u toggles, backend Closing",
		 VF_XS_TOGGLES);
	return 0;
}

/* Hundreds of Closed/Initialising, ending on Initialising: InitWait. */
static int c_toggle_closed(struct vf *vf, struct vf_xs_ctx *c)
{
	unsigned int i;
	int s;

	if (vf_setup(vf, &vf_xs_good))
		return vf_xs_fail(c, "setup failed", 0, 0);
	for (i = 0; i < VF_XS_TOGGLES; i++)
		if (vf_set_state(vf, XenbusStateClosed) ||
		    vf_set_state(vf, XenbusStateInitialising))
			return vf_xs_fail(c, "state write %d failed", i, 0);
	s = vf_xs_settle(vf, XenbusStateInitWait);
	if (s != XenbusStateInitWait)
		return vf_xs_fail(c, "backend state %d after the toggles, expected %d (InitWait)",
				  s, XenbusStateInitWait);
	/* And from there it connects as ever. */
	if (vf_write_ring_keys(vf) || vf_set_state(vf, XenbusStateInitialised))
		return vf_xs_fail(c, "writing the keys failed", 0, 0);
	return vf_xs_connects(vf, c);
}

/*
 * Connect and disconnect dozens of times on the same grants, as fast as
 * xenstore takes it, ending on Initialised. The backend ends Connected, or
 * Closed if it read Initialised before it had seen Initialising; never
 * anything else.
 */
static int c_connect_cycles(struct vf *vf, struct vf_xs_ctx *c)
{
	unsigned int i;
	int s;

	if (vf_setup(vf, &vf_xs_good) || vf_write_ring_keys(vf))
		return vf_xs_fail(c, "setup failed", 0, 0);
	for (i = 0; i < VF_XS_CYCLES; i++)
		if (vf_set_state(vf, XenbusStateInitialised) ||
		    vf_set_state(vf, XenbusStateClosed) ||
		    vf_set_state(vf, XenbusStateInitialising))
			return vf_xs_fail(c, "state write %d failed", i, 0);
	if (vf_set_state(vf, XenbusStateInitialised))
		return vf_xs_fail(c, "state write failed", 0, 0);
	usleep(VF_XS_SETTLE_MS * 1000);
	s = vf_wait_be_ms(vf, VF_XS_REACT_MS, XenbusStateConnected,
			  XenbusStateClosed);
	usleep(VF_XS_SETTLE_MS * 1000);
	if (vf_be_state(vf) != s)
		return vf_xs_fail(c, "backend state still moving (%d, then %d)",
				  s, vf_be_state(vf));
	if (s == XenbusStateClosed) {
		snprintf(c->outcome, sizeof(c->outcome),
			 "%u cycles, backend Closed", VF_XS_CYCLES);
		return 0;
	}
	if (vf_xs_connects(vf, c))
		return -1;
	snprintf(c->outcome, sizeof(c->outcome),
		 "%u cycles, backend Connected and served", VF_XS_CYCLES);
	return 0;
}

/* InitWait from the frontend means nothing; Initialised then connects. */
static int c_frontend_initwait(struct vf *vf, struct vf_xs_ctx *c)
{
	int s;

	if (vf_setup(vf, &vf_xs_good) || vf_write_ring_keys(vf) ||
	    vf_set_state(vf, XenbusStateInitWait))
		return vf_xs_fail(c, "setup failed", 0, 0);
	usleep(VF_XS_SETTLE_MS * 1000);
	s = vf_be_state(vf);
	if (s != XenbusStateInitWait)
		return vf_xs_fail(c, "backend state %d after the frontend's InitWait, expected %d",
				  s, XenbusStateInitWait);
	if (vf_set_state(vf, XenbusStateInitialised))
		return vf_xs_fail(c, "state write failed", 0, 0);
	return vf_xs_connects(vf, c);
}

static int vf_xs_bad_state(struct vf *vf, struct vf_xs_ctx *c,
			   const char *state, bool connected)
{
	if (vf_setup(vf, &vf_xs_good))
		return vf_xs_fail(c, "setup failed", 0, 0);
	if (connected && vf_handshake(vf))
		return vf_xs_fail(c, "handshake failed", 0, 0);
	if (vf_xs_state_str(vf, state))
		return vf_xs_fail(c, "state write failed", 0, 0);
	snprintf(c->expect, sizeof(c->expect),
		 "frontend in unexpected state %s", state);
	return vf_xs_refused(vf, c);
}

static int c_state_7(struct vf *vf, struct vf_xs_ctx *c)
{
	return vf_xs_bad_state(vf, c, "7", false);
}

static int c_state_99_connected(struct vf *vf, struct vf_xs_ctx *c)
{
	return vf_xs_bad_state(vf, c, "99", true);
}

static int c_state_negative(struct vf *vf, struct vf_xs_ctx *c)
{
	return vf_xs_bad_state(vf, c, "-5", false);
}

/* Closed from InitWait, and back: the device stays, and waits again. */
static int c_closed_from_initwait(struct vf *vf, struct vf_xs_ctx *c)
{
	int s;

	if (vf_setup(vf, &vf_xs_good) || vf_set_state(vf, XenbusStateClosed))
		return vf_xs_fail(c, "setup failed", 0, 0);
	s = vf_xs_settle(vf, XenbusStateClosed);
	if (s != XenbusStateClosed)
		return vf_xs_fail(c, "backend state %d after Closed, expected %d",
				  s, XenbusStateClosed);
	if (vf_set_state(vf, XenbusStateInitialising))
		return vf_xs_fail(c, "state write failed", 0, 0);
	s = vf_xs_settle(vf, XenbusStateInitWait);
	if (s != XenbusStateInitWait)
		return vf_xs_fail(c, "backend state %d after Initialising, expected %d",
				  s, XenbusStateInitWait);
	snprintf(c->outcome, sizeof(c->outcome), "Closed, then InitWait again");
	return 0;
}

/* Closed straight from Connected, skipping Closing. */
static int c_closed_abruptly(struct vf *vf, struct vf_xs_ctx *c)
{
	int s;

	if (vf_setup(vf, &vf_xs_good) || vf_handshake(vf) ||
	    vf_xs_serves(vf, c) || vf_set_state(vf, XenbusStateClosed))
		return vf_xs_fail(c, "setup failed", 0, 0);
	s = vf_xs_settle(vf, XenbusStateClosed);
	if (s != XenbusStateClosed)
		return vf_xs_fail(c, "backend state %d after Closed, expected %d",
				  s, XenbusStateClosed);
	snprintf(c->outcome, sizeof(c->outcome), "backend Closed");
	return 0;
}

/* Several queues, each correct: it connects and serves on every one. */
static int c_multi_queue_valid(struct vf *vf, struct vf_xs_ctx *c)
{
	struct vf_config cfg = vf_xs_good;

	cfg.ring_order = 1;
	cfg.nr_queues = 2;
	if (vf_be_read_u64(vf, "multi-queue-max-queues", 1) < 2)
		return vf_xs_fail(c, "the backend offers %d queue(s), the case needs 2",
				  (int)vf_be_read_u64(vf, "multi-queue-max-queues", 1), 0);
	if (vf_setup(vf, &cfg) || vf_write_ring_keys(vf) ||
	    vf_set_state(vf, XenbusStateInitialised))
		return vf_xs_fail(c, "setup failed", 0, 0);
	return vf_xs_connects(vf, c);
}

struct vf_xs_case {
	const char *name;
	int (*run)(struct vf *vf, struct vf_xs_ctx *c);
};

static const struct vf_xs_case vf_xs_cases[] = {
	{ "connected-before-initialised", c_connected_first },
	{ "connected-without-keys", c_connected_no_keys },
	{ "ring-ref-deleted-after-initialised", c_ring_ref_deleted },
	{ "all-keys-deleted-after-initialised", c_all_keys_deleted },
	{ "closing-initialising-toggles", c_toggle_closing },
	{ "closed-initialising-toggles", c_toggle_closed },
	{ "connect-disconnect-cycles", c_connect_cycles },
	{ "frontend-writes-initwait", c_frontend_initwait },
	{ "state-7", c_state_7 },
	{ "state-99-while-connected", c_state_99_connected },
	{ "state-negative", c_state_negative },
	{ "closed-from-initwait", c_closed_from_initwait },
	{ "closed-while-connected", c_closed_abruptly },
	{ "multi-queue-valid", c_multi_queue_valid },
};

static int vf_xs_init(struct vf *vf)
{
	char *domid;
	unsigned int len;

	memset(vf_xs_huge, 'x', VF_XS_HUGE_LEN);
	domid = xs_read(vf->xs, XBT_NULL, "domid", &len);
	if (!domid) {
		fprintf(stderr, "vbdfront: cannot read our domid\n");
		return -1;
	}
	snprintf(vf_xs_home, sizeof(vf_xs_home), "/local/domain/%s", domid);
	free(domid);
	return 0;
}

static void vf_xs_finish(struct vf *vf, const char *name, int err,
			 struct vf_xs_ctx *c)
{
	struct vf_xs_ctx r = { 0 };

	/* A case that failed to set up may have left anything behind. */
	if (vf_xs_recover(vf, &vf_xs_good, &r)) {
		if (!err)
			snprintf(c->why, sizeof(c->why), "after the case: %.200s",
				 r.why);
		err = -1;
	}
	vf_xs_result(name, err, c);
}

int vf_xsabuse(struct vf *vf)
{
	unsigned int i;

	if (vf_xs_init(vf))
		return 1;
	for (i = 0; i < ARRAY_SIZE(vf_xs_keys); i++) {
		struct vf_xs_ctx c = { 0 };

		vf_xs_finish(vf, vf_xs_keys[i].name,
			     vf_xs_key_case(vf, &vf_xs_keys[i], &c), &c);
	}
	for (i = 0; i < ARRAY_SIZE(vf_xs_cases); i++) {
		struct vf_xs_ctx c = { 0 };

		vf_xs_finish(vf, vf_xs_cases[i].name, vf_xs_cases[i].run(vf, &c),
			     &c);
	}
	printf("SUMMARY xsabuse: %u passed, %u failed\n", vf_xs_passed,
	       vf_xs_failed);
	return vf_xs_failed ? 1 : 0;
}

/*
 * A state xenbus reads as Unknown: the backend device is unregistered
 * (xenbus then writes its state Closed), and nothing the frontend writes
 * brings it back. The frontend is left Initialising, as a new one would
 * be, so that a device the toolstack creates again starts over.
 */
int vf_xsgone(struct vf *vf, const char *state)
{
	struct vf_xs_ctx c = { 0 };
	char name[64];
	int err = -1, s;

	snprintf(name, sizeof(name), "unknown-state-%s", state);
	if (vf_setup(vf, &vf_xs_good) || vf_handshake(vf) || vf_xs_serves(vf, &c)) {
		snprintf(c.why, sizeof(c.why), "setup failed");
		goto out;
	}
	if (vf_xs_state_str(vf, state))
		goto out;
	s = vf_xs_settle(vf, XenbusStateClosed);
	if (s != XenbusStateClosed) {
		vf_xs_fail(&c, "backend state %d, expected %d (Closed: device gone)",
			   s, XenbusStateClosed);
		goto out;
	}
	if (vf_set_state(vf, XenbusStateInitialising))
		goto out;
	usleep(6 * VF_XS_SETTLE_MS * 1000);
	s = vf_be_state(vf);
	if (s != XenbusStateClosed) {
		vf_xs_fail(&c, "backend state %d after Initialising, expected it to stay %d",
			   s, XenbusStateClosed);
		goto out;
	}
	snprintf(c.outcome, sizeof(c.outcome),
		 "backend Closed and gone; Initialising does not bring it back");
	err = 0;
out:
	/* The backend unmapped everything when the device went away. */
	vf_release(vf);
	vf_xs_result(name, err, &c);
	printf("SUMMARY xsgone: %u passed, %u failed\n", vf_xs_passed,
	       vf_xs_failed);
	return err ? 1 : 0;
}

/* xsfuzz */

struct vf_xsf {
	struct vf *vf;
	u64 rng;
	u64 writes, deletes, states, handshakes, failures;
};

static u64 vf_xsf_rand(struct vf_xsf *f)
{
	u64 z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int vf_xsf_below(struct vf_xsf *f, unsigned int n)
{
	return n ? vf_xsf_rand(f) % n : 0;
}

/*
 * A key of ours, in the device's directory or a queue's. Ring references
 * are only ever ours, or ones no guest has: a number the guest granted for
 * something else (its console, xenstore) must never be offered.
 */
static void vf_xsf_key(struct vf_xsf *f, char *key, size_t len)
{
	static const char *const top[] = {
		"ring-ref", "ring-ref0", "ring-ref1", "ring-ref2",
		"ring-page-order", "event-channel", "protocol",
		"feature-persistent", "multi-queue-num-queues",
	};
	static const char *const per_queue[] = {
		"ring-ref", "ring-ref0", "ring-ref1", "event-channel",
	};
	unsigned int q = vf_xsf_below(f, 3);

	if (vf_xsf_below(f, 2))
		snprintf(key, len, "%s", top[vf_xsf_below(f, ARRAY_SIZE(top))]);
	else
		snprintf(key, len, "queue-%u/%s", q,
			 per_queue[vf_xsf_below(f, ARRAY_SIZE(per_queue))]);
}

static const char *vf_xsf_value(struct vf_xsf *f, const char *key,
				char *buf, size_t len)
{
	struct vf *vf = f->vf;
	struct vf_queue *q = &vf->queues[vf_xsf_below(f, vf->nr_queues)];
	unsigned int r = vf_xsf_below(f, 8);

	if (r == 0)
		return "";
	if (r == 1)
		return "garbage";
	if (r == 2)
		return vf_xs_huge;
	if (strstr(key, "ring-ref")) {
		if (r == 3)
			return VF_XS_BAD_GREF;
		snprintf(buf, len, "%u", q->ring.grefs[vf_xsf_below(f, q->ring.count)]);
	} else if (strstr(key, "event-channel")) {
		if (r == 3)
			return VF_XS_BAD_PORT;
		snprintf(buf, len, "%u", q->port);
	} else if (!strcmp(key, "protocol")) {
		snprintf(buf, len, "%s", r & 1 ? "x86_32-abi" : "x86_64-abi");
	} else {
		/* orders, queue counts, feature flags: around the limits */
		snprintf(buf, len, "%u", r == 3 ? 4294967295U : vf_xsf_below(f, 6));
	}
	return buf;
}

static void vf_xsf_step(struct vf_xsf *f)
{
	static const char *const states[] = {
		"1", "2", "3", "4", "5", "6", "7", "8", "99", "-1",
	};
	struct vf *vf = f->vf;
	unsigned int r = vf_xsf_below(f, 100);
	char key[48], buf[32];

	if (r < 45) {
		vf_xsf_key(f, key, sizeof(key));
		vf_fe_write(vf, key, vf_xsf_value(f, key, buf, sizeof(buf)));
		f->writes++;
	} else if (r < 60) {
		vf_xsf_key(f, key, sizeof(key));
		vf_fe_rm(vf, key);
		f->deletes++;
	} else if (r < 92) {
		/* Mostly the states of the protocol, sometimes not. */
		vf_xs_state_str(vf, states[vf_xsf_below(f, vf_xsf_below(f, 4) ?
							6 : ARRAY_SIZE(states))]);
		f->states++;
	} else {
		usleep(1000 * vf_xsf_below(f, 30));
	}
}

/* A correct handshake from wherever the backend is, and I/O on it. */
static int vf_xsf_handshake(struct vf_xsf *f, u64 step)
{
	struct vf *vf = f->vf;
	struct vf_xs_ctx c = { 0 };

	f->handshakes++;
	/*
	 * Closed first, whatever the backend's state: it may still be
	 * acting on a state the fuzz wrote, with the fuzz's keys. Only once
	 * it is Closed are the keys cleared and the rings zeroed.
	 */
	if (vf_set_state(vf, XenbusStateClosed) ||
	    vf_xs_settle(vf, XenbusStateClosed) != XenbusStateClosed) {
		vf_xs_fail(&c, "backend did not close (state %d)",
			   vf_be_state(vf), 0);
	} else if (vf_clear_keys(vf), vf_set_state(vf, XenbusStateInitialising) ||
		   vf_xs_settle(vf, XenbusStateInitWait) != XenbusStateInitWait) {
		vf_xs_fail(&c, "backend did not return to InitWait (state %d)",
			   vf_be_state(vf), 0);
	} else {
		vf_rings_init(vf);
		if (vf_handshake(vf))
			vf_xs_fail(&c, "handshake failed (backend state %d)",
				   vf_be_state(vf), 0);
		else
			vf_xs_serves(vf, &c);
	}
	if (!c.why[0])
		return 0;
	f->failures++;
	printf("CASE xsfuzz-%llu: FAIL %s\n", step, c.why);
	fflush(stdout);
	return -1;
}

int vf_xsfuzz(struct vf *vf, const struct vf_config *cfg, u64 seed,
	      u64 count)
{
	struct vf_xsf f = { .vf = vf, .rng = seed };
	u64 i;

	printf("xsfuzz: seed %llu, %llu xenstore steps, %u queue(s)\n", seed,
	       count, cfg->nr_queues ? cfg->nr_queues : 1);
	if (vf_xs_init(vf))
		return 1;
	if (vf_setup(vf, cfg)) {
		printf("CASE xsfuzz-setup: FAIL setup failed\n");
		return 1;
	}
	for (i = 0; i < count; i++) {
		vf_xsf_step(&f);
		if ((i + 1) % VF_XSFUZZ_CHECK_EVERY == 0 &&
		    vf_xsf_handshake(&f, i + 1))
			break;
	}
	if (!f.failures)
		vf_xsf_handshake(&f, count);
	if (vf_disconnect(vf)) {
		f.failures++;
		printf("CASE xsfuzz-teardown: FAIL did not reach Closed\n");
	}
	printf("xsfuzz: %llu writes, %llu deletes, %llu states\n", f.writes,
	       f.deletes, f.states);
	printf("CASE xsfuzz: %s seed %llu: %llu steps, %llu handshakes\n",
	       f.failures ? "FAIL" : "PASS", seed, i, f.handshakes);
	printf("SUMMARY xsfuzz: %llu steps, %llu handshakes, %llu failures\n",
	       i, f.handshakes, f.failures);
	return f.failures ? 1 : 0;
}
