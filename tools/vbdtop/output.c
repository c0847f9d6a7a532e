// SPDX-License-Identifier: GPL-2.0
/*
 * Output. The table has one row per device and '-' for what the device
 * does not have (latency and in-flight counts of a xen-blkback device) or
 * what the interval does not have (percentiles when no request completed).
 * JSON lines hold the same fields, unknown ones as null, numbers as numbers,
 * made and escaped by json-c.
 * No locale is set, so decimals always use a point.
 */
#include <errno.h>
#include <math.h>
#include <time.h>

#include "output.h"
#include "rows.h"

#define VBD_COL_NAME 16
#define VBD_COL_DEV 8

/**
 * vbd_table_title() - the line above the table
 * @f: where to print
 * @fr: the refresh
 * @nr: devices shown
 */
void vbd_table_title(FILE *f, const struct vbd_frame *fr, size_t nr)
{
	time_t t = fr->time;
	char when[32] = "?";
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "vbdtop %s  interval %.2f s  %zu devices  sorted by %s\n",
		when, fr->interval, nr, vbd_sort_name(fr->sort));
}

/**
 * vbd_table_header() - the column names
 * @f: where to print
 */
void vbd_table_header(FILE *f)
{
	fprintf(f, "%5s %-*s %-*s %8s %8s %8s %8s %8s %8s %6s\n", "DOMID",
		VBD_COL_NAME, "NAME", VBD_COL_DEV, "DEV", "R_IOPS", "W_IOPS",
		"R_MB/s", "W_MB/s", "P50_US", "P99_US", "INFL");
}

static void put_num(FILE *f, bool known, double v, int width, int prec)
{
	if (known && isfinite(v))
		fprintf(f, " %*.*f", width, prec, v);
	else
		fprintf(f, " %*s", width, "-");
}

/**
 * vbd_table_row() - one device's line
 * @f: where to print
 * @r: the row; names longer than their column are cut
 */
void vbd_table_row(FILE *f, const struct vbd_row *r)
{
	fprintf(f, "%5u %-*.*s %-*.*s", r->domid, VBD_COL_NAME, VBD_COL_NAME,
		r->name, VBD_COL_DEV, VBD_COL_DEV, r->dev);
	put_num(f, true, r->rd_iops, 8, 1);
	put_num(f, true, r->wr_iops, 8, 1);
	put_num(f, true, r->rd_mbs, 8, 2);
	put_num(f, true, r->wr_mbs, 8, 2);
	put_num(f, r->has_lat && r->p50_us >= 0, r->p50_us, 8, 0);
	put_num(f, r->has_lat && r->p99_us >= 0, r->p99_us, 8, 0);
	if (r->has_inflight)
		fprintf(f, " %6llu\n", r->inflight_rd + r->inflight_wr);
	else
		fprintf(f, " %6s\n", "-");
}

/**
 * vbd_print_table() - title, column names and rows
 * @f: where to print
 * @fr: the refresh
 * @rows: the rows, sorted
 * @nr: how many
 * @max_rows: most rows to print (what fits the terminal), 0 for all
 */
void vbd_print_table(FILE *f, const struct vbd_frame *fr,
		     const struct vbd_row *rows, size_t nr, size_t max_rows)
{
	size_t i;

	vbd_table_title(f, fr, nr);
	vbd_table_header(f);
	for (i = 0; i < nr && (!max_rows || i < max_rows); i++)
		vbd_table_row(f, &rows[i]);
}

/* A number with @prec decimals, as the table shows it. */
static struct json_object *json_fixed(double v, int prec)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", prec, v);
	return json_object_new_double_s(v, buf);
}

/*
 * Add @key to @o, in the order of the calls: @val if @known, else null.
 * Returns false when json-c could not allocate (@val NULL while known).
 */
static bool json_put(struct json_object *o, const char *key, bool known,
		     struct json_object *val)
{
	if (!known) {
		json_object_put(val);
		val = NULL;
	} else if (!val) {
		return false;
	}
	if (json_object_object_add(o, key, val)) {
		json_object_put(val);
		return false;
	}
	return true;
}

static bool json_put_num(struct json_object *o, const char *key, bool known,
			 double v, int prec)
{
	known = known && isfinite(v);
	return json_put(o, key, known, known ? json_fixed(v, prec) : NULL);
}

static bool json_put_u64(struct json_object *o, const char *key, bool known,
			 u64 v)
{
	return json_put(o, key, known,
			known ? json_object_new_uint64(v) : NULL);
}

static bool json_put_str(struct json_object *o, const char *key,
			 const char *s)
{
	return json_put(o, key, true, json_object_new_string(s));
}

/**
 * vbd_json_row() - one device as a JSON object
 * @r: the row
 *
 * Return: a new object (json_object_put() it), or NULL when out of memory.
 */
struct json_object *vbd_json_row(const struct vbd_row *r)
{
	struct json_object *o = json_object_new_object();
	bool lat = r->has_lat, infl = r->has_inflight;
	bool ok;

	if (!o)
		return NULL;
	ok = json_put_u64(o, "domid", true, r->domid) &&
	     json_put_u64(o, "devid", true, r->devid) &&
	     json_put_str(o, "name", r->name) &&
	     json_put_str(o, "dev", r->dev) &&
	     json_put_num(o, "read_iops", true, r->rd_iops, 2) &&
	     json_put_num(o, "write_iops", true, r->wr_iops, 2) &&
	     json_put_num(o, "read_mbs", true, r->rd_mbs, 4) &&
	     json_put_num(o, "write_mbs", true, r->wr_mbs, 4) &&
	     json_put_num(o, "flush_iops", true, r->f_iops, 2) &&
	     json_put_num(o, "discard_iops", true, r->ds_iops, 2) &&
	     json_put_num(o, "p50_us", lat && r->p50_us >= 0, r->p50_us, 1) &&
	     json_put_num(o, "p99_us", lat && r->p99_us >= 0, r->p99_us, 1) &&
	     json_put_u64(o, "lat_count", lat, r->lat_count) &&
	     json_put_u64(o, "inflight", infl,
			  r->inflight_rd + r->inflight_wr) &&
	     json_put_u64(o, "inflight_read", infl, r->inflight_rd) &&
	     json_put_u64(o, "inflight_write", infl, r->inflight_wr);
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/**
 * vbd_json_frame() - one refresh as a JSON object
 * @fr: the refresh
 * @rows: the rows, sorted
 * @nr: how many
 *
 * Return: a new object (json_object_put() it), or NULL when out of memory.
 */
struct json_object *vbd_json_frame(const struct vbd_frame *fr,
				   const struct vbd_row *rows, size_t nr)
{
	struct json_object *o = json_object_new_object();
	struct json_object *devs = json_object_new_array_ext(nr ? nr : 1);
	struct json_object *row;
	size_t i;

	if (!o || !devs)
		goto fail;
	if (!json_put_num(o, "time", true, fr->time, 3) ||
	    !json_put_num(o, "interval", true, fr->interval, 3) ||
	    !json_put_str(o, "sort", vbd_sort_name(fr->sort)))
		goto fail;
	for (i = 0; i < nr; i++) {
		row = vbd_json_row(&rows[i]);
		if (!row || json_object_array_add(devs, row)) {
			json_object_put(row);
			goto fail;
		}
	}
	if (json_put(o, "devices", true, devs))
		return o;
	devs = NULL;		/* json_put() freed it */
fail:
	json_object_put(devs);
	json_object_put(o);
	return NULL;
}

/**
 * vbd_json_text() - an object as one line of JSON text
 * @o: the object
 *
 * No spaces, '/' not escaped; strings are escaped as JSON wants (control
 * characters as \u escapes). Return: text owned by @o.
 */
const char *vbd_json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
}

/**
 * vbd_print_json() - one refresh as one line of JSON
 * @f: where to print
 * @fr: the refresh
 * @rows: the rows, sorted
 * @nr: how many
 *
 * Return: 0, or -ENOMEM.
 */
int vbd_print_json(FILE *f, const struct vbd_frame *fr,
		   const struct vbd_row *rows, size_t nr)
{
	struct json_object *o = vbd_json_frame(fr, rows, nr);
	const char *text = o ? vbd_json_text(o) : NULL;

	if (!text) {
		json_object_put(o);
		return -ENOMEM;
	}
	fprintf(f, "%s\n", text);
	json_object_put(o);
	return 0;
}
