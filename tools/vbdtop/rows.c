// SPDX-License-Identifier: GPL-2.0
/*
 * Rows from two consecutive scans. A device is shown when both scans have
 * it and its counters did not go down: one that appeared shows from its
 * second scan, one that went away is dropped, and one removed and made
 * again between the scans (same name, counters from zero) waits one more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "sample.h"
#include "stats.h"

/**
 * vbd_carry_names() - keep the names found for devices already known
 * @prev: the previous scan
 * @cur: the new scan, both sorted
 *
 * Names are looked up once per device, not once per refresh.
 */
void vbd_carry_names(const struct vbd_sample_set *prev,
		     struct vbd_sample_set *cur)
{
	const struct vbd_sample *p;
	size_t i;

	for (i = 0; i < cur->nr; i++) {
		struct vbd_sample *c = &cur->v[i];

		p = vbd_set_find(prev, c->domid, c->devid);
		if (!p || !p->name[0])
			continue;
		memcpy(c->name, p->name, sizeof(c->name));
		memcpy(c->dev, p->dev, sizeof(c->dev));
		c->named = p->named;
	}
}

/* p50 and p99 of reads and writes together, over the interval. */
static void row_latency(const struct vbd_sample *a,
			const struct vbd_sample *b, struct vbd_row *r)
{
	struct vbd_hist rd, wr;

	r->has_lat = a->has_lat && b->has_lat &&
		     !vbd_hist_delta(&a->lat_rd, &b->lat_rd, &rd) &&
		     !vbd_hist_delta(&a->lat_wr, &b->lat_wr, &wr) &&
		     !vbd_hist_add(&rd, &wr);
	if (!r->has_lat)
		return;
	r->lat_count = vbd_hist_total(&rd);
	r->p50_us = vbd_hist_percentile(&rd, 0.50);
	r->p99_us = vbd_hist_percentile(&rd, 0.99);
}

/**
 * vbd_row_build() - the figures of one device over one interval
 * @a: its earlier sample
 * @b: its later sample
 * @seconds: time between them
 * @r: the row
 *
 * Return: 0, or -EINVAL if a counter went down (the device is new).
 */
int vbd_row_build(const struct vbd_sample *a, const struct vbd_sample *b,
		  double seconds, struct vbd_row *r)
{
	u64 d[VBD_NR_STATS];
	unsigned int i;

	for (i = 0; i < VBD_NR_STATS; i++)
		if (!vbd_delta(a->stat[i], b->stat[i], &d[i]))
			return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->domid = b->domid;
	r->devid = b->devid;
	memcpy(r->name, b->name, sizeof(r->name));
	memcpy(r->dev, b->dev, sizeof(r->dev));
	r->rd_iops = vbd_rate(d[VBD_RD_REQ], seconds);
	r->wr_iops = vbd_rate(d[VBD_WR_REQ], seconds);
	r->rd_mbs = vbd_mbs(d[VBD_RD_SECT], seconds);
	r->wr_mbs = vbd_mbs(d[VBD_WR_SECT], seconds);
	r->f_iops = vbd_rate(d[VBD_F_REQ], seconds);
	r->ds_iops = vbd_rate(d[VBD_DS_REQ], seconds);
	row_latency(a, b, r);
	r->has_inflight = b->has_inflight;
	r->inflight_rd = b->inflight_rd;
	r->inflight_wr = b->inflight_wr;
	return 0;
}

/**
 * vbd_rows_build() - rows for the devices in both scans
 * @prev: the earlier scan
 * @cur: the later scan, both sorted
 * @rows: room for @cur->nr rows
 *
 * Return: the number of rows, in (domid, devid) order.
 */
size_t vbd_rows_build(const struct vbd_sample_set *prev,
		      const struct vbd_sample_set *cur, struct vbd_row *rows)
{
	double seconds = cur->when - prev->when;
	const struct vbd_sample *p;
	size_t i, nr = 0;

	for (i = 0; i < cur->nr; i++) {
		p = vbd_set_find(prev, cur->v[i].domid, cur->v[i].devid);
		if (p && !vbd_row_build(p, &cur->v[i], seconds, &rows[nr]))
			nr++;
	}
	return nr;
}

static const char * const vbd_sort_names[] = {
	[VBD_SORT_IOPS] = "iops",
	[VBD_SORT_MBS] = "mbs",
	[VBD_SORT_P99] = "p99",
	[VBD_SORT_NAME] = "name",
};

/**
 * vbd_sort_parse() - the sort key named on the command line
 * @s: "iops", "mbs", "p99" or "name"
 * @key: the key
 *
 * Return: 0, or -EINVAL for any other word.
 */
int vbd_sort_parse(const char *s, enum vbd_sort *key)
{
	unsigned int i;

	for (i = 0; i < sizeof(vbd_sort_names) / sizeof(*vbd_sort_names); i++) {
		if (!strcmp(s, vbd_sort_names[i])) {
			*key = i;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * vbd_sort_name() - the word for a sort key
 * @key: the key
 *
 * Return: its name.
 */
const char *vbd_sort_name(enum vbd_sort key)
{
	return vbd_sort_names[key];
}

static int cmp_desc(double a, double b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

/* Largest p99 first; devices without one (no latency/, no request) last. */
static double row_p99(const struct vbd_row *r)
{
	return r->has_lat ? r->p99_us : -2;
}

static int cmp_ids(const struct vbd_row *a, const struct vbd_row *b)
{
	if (a->domid != b->domid)
		return a->domid < b->domid ? -1 : 1;
	if (a->devid != b->devid)
		return a->devid < b->devid ? -1 : 1;
	return 0;
}

static int cmp_key(const struct vbd_row *a, const struct vbd_row *b,
		   enum vbd_sort key)
{
	switch (key) {
	case VBD_SORT_MBS:
		return cmp_desc(a->rd_mbs + a->wr_mbs, b->rd_mbs + b->wr_mbs);
	case VBD_SORT_P99:
		return cmp_desc(row_p99(a), row_p99(b));
	case VBD_SORT_NAME:
		return strcmp(a->name, b->name);
	case VBD_SORT_IOPS:
	default:
		return cmp_desc(a->rd_iops + a->wr_iops, b->rd_iops + b->wr_iops);
	}
}

static int row_cmp(const void *x, const void *y, void *key)
{
	const struct vbd_row *a = x, *b = y;

	return cmp_key(a, b, *(enum vbd_sort *)key) ?: cmp_ids(a, b);
}

/**
 * vbd_rows_sort() - order rows for display
 * @rows: the rows
 * @nr: how many
 * @key: busiest first by IOPS, MB/s or p99, or by name; ties by domain,
 *       then device, so that equal rows keep their places
 */
void vbd_rows_sort(struct vbd_row *rows, size_t nr, enum vbd_sort key)
{
	qsort_r(rows, nr, sizeof(*rows), row_cmp, &key);
}
