// SPDX-License-Identifier: GPL-2.0
/*
 * Output. The table has one row per device and '-' for what the device
 * does not have (latency and in-flight counts of a xen-blkback device) or
 * what the interval does not have (percentiles when no request completed).
 * JSON lines hold the same fields, unknown ones as null, numbers as numbers.
 * No locale is set, so decimals always use a point.
 */
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

/**
 * vbd_json_string() - a JSON string, quoted and escaped
 * @f: where to print
 * @s: the text; control characters and bytes above 0x7e become \u escapes,
 *     so the result is ASCII whatever @s holds
 */
void vbd_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_key(FILE *f, const char *key)
{
	fprintf(f, ",\"%s\":", key);
}

static void json_num(FILE *f, const char *key, bool known, double v,
		     int prec)
{
	json_key(f, key);
	if (known && isfinite(v))
		fprintf(f, "%.*f", prec, v);
	else
		fputs("null", f);
}

static void json_u64(FILE *f, const char *key, bool known, u64 v)
{
	json_key(f, key);
	if (known)
		fprintf(f, "%llu", v);
	else
		fputs("null", f);
}

/**
 * vbd_json_row() - one device as a JSON object
 * @f: where to print
 * @r: the row
 */
void vbd_json_row(FILE *f, const struct vbd_row *r)
{
	fprintf(f, "{\"domid\":%u,\"devid\":%u", r->domid, r->devid);
	json_key(f, "name");
	vbd_json_string(f, r->name);
	json_key(f, "dev");
	vbd_json_string(f, r->dev);
	json_num(f, "read_iops", true, r->rd_iops, 2);
	json_num(f, "write_iops", true, r->wr_iops, 2);
	json_num(f, "read_mbs", true, r->rd_mbs, 4);
	json_num(f, "write_mbs", true, r->wr_mbs, 4);
	json_num(f, "flush_iops", true, r->f_iops, 2);
	json_num(f, "discard_iops", true, r->ds_iops, 2);
	json_num(f, "p50_us", r->has_lat && r->p50_us >= 0, r->p50_us, 1);
	json_num(f, "p99_us", r->has_lat && r->p99_us >= 0, r->p99_us, 1);
	json_u64(f, "lat_count", r->has_lat, r->lat_count);
	json_u64(f, "inflight", r->has_inflight,
		 r->inflight_rd + r->inflight_wr);
	json_u64(f, "inflight_read", r->has_inflight, r->inflight_rd);
	json_u64(f, "inflight_write", r->has_inflight, r->inflight_wr);
	fputc('}', f);
}

/**
 * vbd_print_json() - one refresh as one line of JSON
 * @f: where to print
 * @fr: the refresh
 * @rows: the rows, sorted
 * @nr: how many
 */
void vbd_print_json(FILE *f, const struct vbd_frame *fr,
		    const struct vbd_row *rows, size_t nr)
{
	size_t i;

	fprintf(f, "{\"time\":%.3f", fr->time);
	json_num(f, "interval", true, fr->interval, 3);
	json_key(f, "sort");
	vbd_json_string(f, vbd_sort_name(fr->sort));
	json_key(f, "devices");
	fputc('[', f);
	for (i = 0; i < nr; i++) {
		if (i)
			fputc(',', f);
		vbd_json_row(f, &rows[i]);
	}
	fputs("]}\n", f);
}
