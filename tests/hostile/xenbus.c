// SPDX-License-Identifier: GPL-2.0
/*
 * The frontend half of the xenbus handshake, through libxenstore: read what
 * the backend offers, share the ring and the event channel, walk the states
 * (Initialising, Initialised, Connected; Closing, Closed), and start over
 * on the same device for the next configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "vbdfront.h"

#define VF_STATE_TIMEOUT_MS	30000

static char *vf_xs_read(struct vf *vf, const char *dir, const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(vf->xs, XBT_NULL, path, &len);
}

/* Return: the key as a number, or def if it is absent or not a number. */
static u64 vf_xs_read_u64(struct vf *vf, const char *dir, const char *key,
			  u64 def)
{
	char *s = vf_xs_read(vf, dir, key), *end;
	u64 v;

	if (!s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		v = def;
	free(s);
	return v;
}

static int vf_xs_write(struct vf *vf, const char *dir, const char *key,
		       const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (!xs_write(vf->xs, XBT_NULL, path, val, strlen(val))) {
		fprintf(stderr, "vbdfront: writing %s=%s: %s\n", path, val,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int vf_xs_write_uint(struct vf *vf, const char *dir, const char *key,
			    unsigned int v)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", v);
	return vf_xs_write(vf, dir, key, val);
}

static void vf_xs_rm(struct vf *vf, const char *dir, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	xs_rm(vf->xs, XBT_NULL, path);
}

u64 vf_be_read_u64(struct vf *vf, const char *key, u64 def)
{
	return vf_xs_read_u64(vf, vf->be, key, def);
}

int vf_be_state(struct vf *vf)
{
	return (int)vf_xs_read_u64(vf, vf->be, "state", 0);
}

int vf_set_state(struct vf *vf, enum xenbus_state s)
{
	return vf_xs_write_uint(vf, vf->fe, "state", s);
}

int vf_fe_write(struct vf *vf, const char *key, const char *val)
{
	return vf_xs_write(vf, vf->fe, key, val);
}

void vf_fe_rm(struct vf *vf, const char *key)
{
	vf_xs_rm(vf, vf->fe, key);
}

static u64 vf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait up to ms for the backend to reach one of two states (polling).
 * Return: the state it was last seen in.
 */
int vf_wait_be_ms(struct vf *vf, int ms, int want, int want2)
{
	u64 end = vf_now_ms() + ms;
	int s;

	for (;;) {
		s = vf_be_state(vf);
		if (s == want || s == want2 || vf_now_ms() > end)
			return s;
		usleep(10000);
	}
}

static int vf_wait_be(struct vf *vf, int want, int want2)
{
	int s = vf_wait_be_ms(vf, VF_STATE_TIMEOUT_MS, want, want2);

	if (s == want || s == want2)
		return 0;
	fprintf(stderr, "vbdfront: backend %s in state %d, waited for %d\n",
		vf->be, s, want);
	return -1;
}

int vf_xs_open(struct vf *vf, unsigned int devid)
{
	char *be;

	vf->xs = xs_open(0);
	if (!vf->xs) {
		fprintf(stderr, "vbdfront: xs_open: %s\n", strerror(errno));
		return -1;
	}
	vf->devid = devid;
	/* Relative paths are the guest's own /local/domain/DOMID. */
	snprintf(vf->fe, sizeof(vf->fe), "device/vbd/%u", devid);
	be = vf_xs_read(vf, vf->fe, "backend");
	if (!be) {
		fprintf(stderr, "vbdfront: no %s/backend\n", vf->fe);
		xs_close(vf->xs);
		vf->xs = NULL;
		return -1;
	}
	snprintf(vf->be, sizeof(vf->be), "%s", be);
	free(be);
	return 0;
}

void vf_xs_close(struct vf *vf)
{
	if (vf->xs)
		xs_close(vf->xs);
	vf->xs = NULL;
}

/*
 * Keys a previous connection (or abuse) may have left that would confuse
 * this one. Only those present are removed: each xenstore operation costs
 * a guest milliseconds.
 */
void vf_clear_keys(struct vf *vf)
{
	static const char *const keys[] = {
		"ring-page-order", "event-channel", "protocol",
		"feature-persistent", "multi-queue-num-queues",
	};
	unsigned int i, j, n = 0;
	char **ents;

	ents = xs_directory(vf->xs, XBT_NULL, vf->fe, &n);
	for (i = 0; ents && i < n; i++) {
		bool ours = !strncmp(ents[i], "ring-ref", 8) ||
			    !strncmp(ents[i], "queue-", 6);

		for (j = 0; j < ARRAY_SIZE(keys) && !ours; j++)
			ours = !strcmp(ents[i], keys[j]);
		if (ours)
			vf_xs_rm(vf, vf->fe, ents[i]);
	}
	free(ents);
}

/*
 * Bring the backend to InitWait: it is there on a fresh device; after an
 * earlier connection (ours or a crashed run's) close it and start over.
 */
int vf_reset(struct vf *vf)
{
	int s = vf_be_state(vf);

	if (s == XenbusStateInitWait)
		return 0;
	if (s != XenbusStateClosed) {
		if (vf_set_state(vf, XenbusStateClosing) ||
		    vf_wait_be(vf, XenbusStateClosing, XenbusStateClosed))
			return -1;
		if (vf_set_state(vf, XenbusStateClosed) ||
		    vf_wait_be(vf, XenbusStateClosed, XenbusStateClosed))
			return -1;
	}
	if (vf_set_state(vf, XenbusStateInitialising))
		return -1;
	return vf_wait_be(vf, XenbusStateInitWait, XenbusStateInitWait);
}

static void vf_read_features(struct vf *vf)
{
	struct vf_backend_info *i = &vf->info;

	i->max_ring_order = vf_xs_read_u64(vf, vf->be, "max-ring-page-order", 0);
	i->max_queues = vf_xs_read_u64(vf, vf->be, "multi-queue-max-queues", 1);
	i->max_indirect = vf_xs_read_u64(vf, vf->be,
					 "feature-max-indirect-segments", 0);
	i->persistent = vf_xs_read_u64(vf, vf->be, "feature-persistent", 0);
	i->discard = vf_xs_read_u64(vf, vf->be, "feature-discard", 0);
	i->flush = vf_xs_read_u64(vf, vf->be, "feature-flush-cache", 0);
	i->barrier = vf_xs_read_u64(vf, vf->be, "feature-barrier", 0);
	i->sectors = vf_xs_read_u64(vf, vf->be, "sectors", 0);
	i->sector_size = vf_xs_read_u64(vf, vf->be, "sector-size", 512);
}

void vf_queue_select(struct vf *vf, unsigned int q)
{
	vf->q = &vf->queues[q < VF_MAX_QUEUES ? q : 0];
}

/* This queue's ring references and event channel, into dir. */
static int vf_write_queue_keys(struct vf *vf, const char *dir)
{
	struct vf_queue *q = vf->q;
	char key[32];
	unsigned int i;
	int err;

	if (vf->cfg.ring_order == 0) {
		err = vf_xs_write_uint(vf, dir, "ring-ref", q->ring.grefs[0]);
	} else {
		err = 0;
		for (i = 0; !err && i < q->ring.count; i++) {
			snprintf(key, sizeof(key), "ring-ref%u", i);
			err = vf_xs_write_uint(vf, dir, key, q->ring.grefs[i]);
		}
	}
	if (!err)
		err = vf_xs_write_uint(vf, dir, "event-channel", q->port);
	return err;
}

/*
 * As xen-blkfront writes them: ring-page-order, protocol and the features
 * in the device's directory, and with several queues their number there
 * and each queue's ring and event channel in queue-N/.
 */
int vf_write_ring_keys(struct vf *vf)
{
	char dir[96];
	unsigned int i;
	int err = 0;

	if (vf->cfg.ring_order)
		err = vf_xs_write_uint(vf, vf->fe, "ring-page-order",
				       vf->cfg.ring_order);
	if (!err && vf->nr_queues > 1)
		err = vf_xs_write_uint(vf, vf->fe, "multi-queue-num-queues",
				       vf->nr_queues);
	for (i = 0; !err && i < vf->nr_queues; i++) {
		vf_queue_select(vf, i);
		if (vf->nr_queues > 1) {
			snprintf(dir, sizeof(dir), "%s/queue-%u", vf->fe, i);
			err = vf_write_queue_keys(vf, dir);
		} else {
			err = vf_write_queue_keys(vf, vf->fe);
		}
	}
	vf_queue_select(vf, 0);
	if (!err)
		err = vf_xs_write(vf, vf->fe, "protocol",
				  vf_abi_name(vf->cfg.abi));
	if (!err)
		err = vf_xs_write_uint(vf, vf->fe, "feature-persistent",
				       vf->cfg.persistent);
	return err;
}

void vf_release(struct vf *vf)
{
	unsigned int i;

	for (i = 0; i < VF_MAX_QUEUES; i++) {
		vf_queue_select(vf, i);
		vf_evtchn_unbind(vf);
		vf_grant_free(vf, &vf->q->ring);
		vf->q->sring = NULL;
	}
	vf_queue_select(vf, 0);
	vf_grant_free(vf, &vf->ro);
	vf_grant_free(vf, &vf->ind);
	vf_grant_free(vf, &vf->data);
}

/* Zero every ring and forget what was in flight: before each handshake. */
void vf_rings_init(struct vf *vf)
{
	unsigned int i;

	for (i = 0; i < vf->nr_queues; i++) {
		vf_queue_select(vf, i);
		vf_ring_init(vf);
	}
	vf_queue_select(vf, 0);
}

/*
 * Everything up to the frontend's keys: the backend in InitWait, its
 * offer read, and the rings, pages and event channels set up.
 */
int vf_setup(struct vf *vf, const struct vf_config *cfg)
{
	unsigned int i;

	vf->cfg = *cfg;
	vf->nr_queues = cfg->nr_queues ? cfg->nr_queues : 1;
	vf_queue_select(vf, 0);
	if (vf->nr_queues > VF_MAX_QUEUES)
		return -1;
	if (vf_reset(vf))
		return -1;
	vf_clear_keys(vf);
	vf_read_features(vf);
	if (vf->cfg.ring_order > vf->info.max_ring_order)
		vf->cfg.ring_order = vf->info.max_ring_order;
	if (vf->nr_queues > vf->info.max_queues) {
		fprintf(stderr, "vbdfront: %u queues asked for, the backend offers %u\n",
			vf->nr_queues, vf->info.max_queues);
		return -1;
	}
	if (vf_grant_alloc(vf, &vf->data, VF_NR_DATA, true) ||
	    vf_grant_alloc(vf, &vf->ind, VF_MAX_IND_PAGES, true) ||
	    vf_grant_alloc(vf, &vf->ro, 1, false))
		goto fail;
	for (i = 0; i < vf->nr_queues; i++) {
		vf_queue_select(vf, i);
		if (vf_grant_alloc(vf, &vf->q->ring, 1U << vf->cfg.ring_order, true) ||
		    vf_evtchn_bind(vf))
			goto fail;
		vf->q->sring = vf->q->ring.map;
	}
	vf_queue_select(vf, 0);
	/* As a page of segments it describes none that could be mapped. */
	memset(vf->ro.map, 0xff, VF_PAGE_SIZE);
	vf->nr_ents = vf_blkif_nr_ents(cfg->abi, vf->q->ring.count);
	vf_rings_init(vf);
	return 0;
fail:
	vf_release(vf);
	return -1;
}

/* Initialised, the backend Connected, then Connected ourselves. */
int vf_handshake(struct vf *vf)
{
	const struct vf_config *cfg = &vf->cfg;

	if (vf_write_ring_keys(vf) ||
	    vf_set_state(vf, XenbusStateInitialised) ||
	    vf_wait_be(vf, XenbusStateConnected, XenbusStateConnected))
		return -1;
	vf_read_features(vf);
	if (vf_set_state(vf, XenbusStateConnected))
		return -1;
	vf->connected = true;
	printf("connected: %s, %u ring pages (%u slots) x %u queue%s, persistent %s\n",
	       vf_abi_name(cfg->abi), vf->q->ring.count, vf->nr_ents,
	       vf->nr_queues, vf->nr_queues > 1 ? "s" : "",
	       cfg->persistent && vf->info.persistent ? "on" : "off");
	printf("connected: %llu sectors of %u, %u indirect segments\n",
	       vf->info.sectors, vf->info.sector_size, vf->info.max_indirect);
	printf("connected: discard %u, flush %u, barrier %u\n",
	       vf->info.discard, vf->info.flush, vf->info.barrier);
	return 0;
}

int vf_connect(struct vf *vf, const struct vf_config *cfg)
{
	if (vf_setup(vf, cfg))
		return -1;
	if (vf_handshake(vf)) {
		vf_release(vf);
		return -1;
	}
	return 0;
}

/*
 * Close, wait for the backend to close (it has then unmapped the ring and
 * every grant), and only then take the pages back.
 */
int vf_disconnect(struct vf *vf)
{
	int err = 0;

	if (vf_set_state(vf, XenbusStateClosing) ||
	    vf_wait_be(vf, XenbusStateClosing, XenbusStateClosed) ||
	    vf_set_state(vf, XenbusStateClosed) ||
	    vf_wait_be(vf, XenbusStateClosed, XenbusStateClosed))
		err = -1;
	vf_release(vf);
	vf->connected = false;
	return err;
}
