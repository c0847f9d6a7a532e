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

static int vf_be_state(struct vf *vf)
{
	return (int)vf_xs_read_u64(vf, vf->be, "state", 0);
}

static int vf_set_state(struct vf *vf, enum xenbus_state s)
{
	return vf_xs_write_uint(vf, vf->fe, "state", s);
}

static u64 vf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the backend to reach one of two states (polling: bounded). */
static int vf_wait_be(struct vf *vf, int want, int want2)
{
	u64 end = vf_now_ms() + VF_STATE_TIMEOUT_MS;
	int s;

	for (;;) {
		s = vf_be_state(vf);
		if (s == want || s == want2)
			return 0;
		if (vf_now_ms() > end) {
			fprintf(stderr, "vbdfront: backend %s in state %d, waited for %d\n",
				vf->be, s, want);
			return -1;
		}
		usleep(10000);
	}
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

/* Keys a previous connection may have left that would confuse this one. */
static void vf_clear_keys(struct vf *vf)
{
	static const char *const keys[] = {
		"ring-ref", "ring-page-order", "event-channel", "protocol",
		"feature-persistent", "multi-queue-num-queues",
	};
	char key[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		vf_xs_rm(vf, vf->fe, keys[i]);
	for (i = 0; i < VF_MAX_RING_PAGES; i++) {
		snprintf(key, sizeof(key), "ring-ref%u", i);
		vf_xs_rm(vf, vf->fe, key);
	}
}

/*
 * Bring the backend to InitWait: it is there on a fresh device; after an
 * earlier connection (ours or a crashed run's) close it and start over.
 */
static int vf_reset(struct vf *vf)
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

static int vf_write_ring_keys(struct vf *vf)
{
	char key[32];
	unsigned int i;
	int err = 0;

	if (vf->cfg.ring_order == 0) {
		err = vf_xs_write_uint(vf, vf->fe, "ring-ref", vf->ring.grefs[0]);
	} else {
		err = vf_xs_write_uint(vf, vf->fe, "ring-page-order", vf->cfg.ring_order);
		for (i = 0; !err && i < vf->ring.count; i++) {
			snprintf(key, sizeof(key), "ring-ref%u", i);
			err = vf_xs_write_uint(vf, vf->fe, key, vf->ring.grefs[i]);
		}
	}
	if (!err)
		err = vf_xs_write_uint(vf, vf->fe, "event-channel", vf->port);
	if (!err)
		err = vf_xs_write(vf, vf->fe, "protocol",
				  vf_abi_name(vf->cfg.abi));
	if (!err)
		err = vf_xs_write_uint(vf, vf->fe, "feature-persistent",
				       vf->cfg.persistent);
	return err;
}

static void vf_release(struct vf *vf)
{
	vf_evtchn_unbind(vf);
	vf_grant_free(vf, &vf->ro);
	vf_grant_free(vf, &vf->ind);
	vf_grant_free(vf, &vf->data);
	vf_grant_free(vf, &vf->ring);
	vf->sring = NULL;
}

int vf_connect(struct vf *vf, const struct vf_config *cfg)
{
	vf->cfg = *cfg;
	if (vf_reset(vf))
		return -1;
	vf_clear_keys(vf);
	vf_read_features(vf);
	if (vf->cfg.ring_order > vf->info.max_ring_order)
		vf->cfg.ring_order = vf->info.max_ring_order;
	if (vf_grant_alloc(vf, &vf->ring, 1U << vf->cfg.ring_order, true) ||
	    vf_grant_alloc(vf, &vf->data, VF_NR_DATA, true) ||
	    vf_grant_alloc(vf, &vf->ind, VF_MAX_IND_PAGES, true) ||
	    vf_grant_alloc(vf, &vf->ro, 1, false) || vf_evtchn_bind(vf))
		goto fail;
	/* As a page of segments it describes none that could be mapped. */
	memset(vf->ro.map, 0xff, VF_PAGE_SIZE);
	vf->sring = vf->ring.map;
	vf->nr_ents = vf_blkif_nr_ents(cfg->abi, vf->ring.count);
	vf_ring_init(vf);
	if (vf_write_ring_keys(vf) ||
	    vf_set_state(vf, XenbusStateInitialised) ||
	    vf_wait_be(vf, XenbusStateConnected, XenbusStateConnected))
		goto fail;
	vf_read_features(vf);
	if (vf_set_state(vf, XenbusStateConnected))
		goto fail;
	vf->connected = true;
	printf("connected: %s, %u ring pages (%u slots), persistent %s\n",
	       vf_abi_name(cfg->abi), vf->ring.count, vf->nr_ents,
	       cfg->persistent && vf->info.persistent ? "on" : "off");
	printf("connected: %llu sectors of %u, %u indirect segments\n",
	       vf->info.sectors, vf->info.sector_size, vf->info.max_indirect);
	printf("connected: discard %u, flush %u, barrier %u\n",
	       vf->info.discard, vf->info.flush, vf->info.barrier);
	return 0;
fail:
	vf_release(vf);
	return -1;
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
