// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vbdtop's logic (tools/vbdtop): parsing of the sysfs files,
 * rates, percentiles of log2 histograms, pairing of scans, sorting, and the
 * table and JSON output. The sysfs tree is a fake one in a temporary
 * directory, changed between scans as a guest's I/O would change it.
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "output.h"
#include "parse.h"
#include "rows.h"
#include "sample.h"
#include "stats.h"

#include "../include/expect.h"

#define EXPECT_NEAR(a, b) do {						\
	double a_ = (a), b_ = (b);					\
	if (fabs(a_ - b_) <= (fabs(b_) + 1) / 1000000000.0) {			\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s = %.9g, expected %.9g\n", \
			__FILE__, __LINE__, #a, a_, b_);		\
	}								\
} while (0)

#define EXPECT_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (!strcmp(a_, b_)) {						\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s\n  got      '%s'\n"	\
			"  expected '%s'\n", __FILE__, __LINE__, #a, a_, b_); \
	}								\
} while (0)

static void test_parse_u64(void)
{
	u64 v = 7;

	EXPECT(!vbd_parse_u64("0\n", &v) && v == 0);
	EXPECT(!vbd_parse_u64("123", &v) && v == 123);
	EXPECT(!vbd_parse_u64(" 42\n ", &v) && v == 42);
	EXPECT(!vbd_parse_u64("18446744073709551615\n", &v) &&
	       v == 18446744073709551615ULL);
	v = 7;
	EXPECT(vbd_parse_u64("18446744073709551616", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("99999999999999999999999", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("\n", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("-1", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("+1", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("12a", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("0x10", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("1 2", &v) == -EINVAL);
	EXPECT(vbd_parse_u64("1.5", &v) == -EINVAL);
	EXPECT(v == 7);
}

static void test_parse_hist(void)
{
	struct vbd_hist h;
	char buf[1024];
	unsigned int i;
	int len = 0;

	for (i = 0; i < 24; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%u",
				i ? " " : "", i * 3);
	snprintf(buf + len, sizeof(buf) - len, "\n");
	EXPECT(!vbd_parse_hist(buf, &h));
	EXPECT(h.nr == 24);
	EXPECT(h.count[0] == 0 && h.count[1] == 3 && h.count[23] == 69);

	EXPECT(!vbd_parse_hist("5", &h) && h.nr == 1 && h.count[0] == 5);
	EXPECT(vbd_parse_hist("", &h) == -EINVAL);
	EXPECT(vbd_parse_hist("1 2 x", &h) == -EINVAL);
	EXPECT(vbd_parse_hist("1,2", &h) == -EINVAL);
	/* One bucket more than vbdtop has room for. */
	for (len = 0, i = 0; i < VBD_LAT_MAX_BUCKETS + 1; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "1 ");
	EXPECT(vbd_parse_hist(buf, &h) == -EINVAL);
}

static void test_parse_inflight(void)
{
	u64 rd = 9, wr = 9;

	EXPECT(!vbd_parse_inflight("3 4\n", &rd, &wr) && rd == 3 && wr == 4);
	EXPECT(!vbd_parse_inflight("0 0", &rd, &wr) && rd == 0 && wr == 0);
	EXPECT(vbd_parse_inflight("3\n", &rd, &wr) == -EINVAL);
	EXPECT(vbd_parse_inflight("3 4 5\n", &rd, &wr) == -EINVAL);
	EXPECT(vbd_parse_inflight("R W\n", &rd, &wr) == -EINVAL);
}

static void test_parse_devdir(void)
{
	unsigned int d = 0, n = 0;

	EXPECT(!vbd_parse_devdir("vbd-1-51712", &d, &n) && d == 1 &&
	       n == 51712);
	EXPECT(!vbd_parse_devdir("vbd-0-268439552", &d, &n) && d == 0 &&
	       n == 268439552);
	EXPECT(vbd_parse_devdir("vbd-1-", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir("vbd--1", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir("vbd-x-1", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir("vbd-1-2-3", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir("vbd-1-2x", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir("vif-1-0", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir("vbd-4294967296-1", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir("vbd", &d, &n) == -EINVAL);
	EXPECT(vbd_parse_devdir(".", &d, &n) == -EINVAL);
}

static void test_sanitize(void)
{
	char buf[8];

	vbd_sanitize(buf, sizeof(buf), "a\033[2J\xc3");
	EXPECT_STR(buf, "a?[2J?");
	vbd_sanitize(buf, sizeof(buf), "0123456789");
	EXPECT_STR(buf, "0123456");
	vbd_sanitize(buf, 1, "abc");
	EXPECT_STR(buf, "");
}

static void test_rates(void)
{
	u64 d = 9;

	EXPECT(vbd_delta(10, 25, &d) && d == 15);
	EXPECT(vbd_delta(25, 25, &d) && d == 0);
	EXPECT(!vbd_delta(25, 10, &d) && d == 0);
	EXPECT_NEAR(vbd_rate(1000, 5.0), 200);
	EXPECT_NEAR(vbd_rate(3, 0.5), 6);
	EXPECT_NEAR(vbd_rate(3, 0), 0);
	/* 2048 sectors are 1 MiB = 1.048576 MB. */
	EXPECT_NEAR(vbd_mbs(2048, 1.0), 1.048576);
	EXPECT_NEAR(vbd_mbs(4096, 2.0), 1.048576);
}

static struct vbd_hist hist24(void)
{
	struct vbd_hist h = { .nr = 24 };

	return h;
}

static void test_percentile(void)
{
	struct vbd_hist h = hist24(), a = hist24(), d;

	EXPECT(vbd_hist_percentile(&h, 0.5) == -1);

	/* Ten in [16, 32): evenly spread, the median is the middle. */
	h.count[4] = 10;
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.50), 24);
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.99), 16 + 0.99 * 16);
	EXPECT_NEAR(vbd_hist_percentile(&h, 1.0), 32);

	/* Half in bucket 0 ([0, 2)), half in [1024, 2048). */
	h = hist24();
	h.count[0] = 50;
	h.count[10] = 50;
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.50), 2);
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.99), 1024 + 0.98 * 1024);
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.25), 1);

	/* 10 / 80 / 10 over [64,128), [128,256), [256,512). */
	h = hist24();
	h.count[6] = 10;
	h.count[7] = 80;
	h.count[8] = 10;
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.50), 192);
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.99), 256 + 0.9 * 256);
	EXPECT(vbd_hist_total(&h) == 100);

	/* The last bucket has no top: its lower edge, a lower bound. */
	h = hist24();
	h.count[3] = 1;
	h.count[23] = 99;
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.99), 8388608);
	EXPECT_NEAR(vbd_hist_percentile(&h, 0.005), 8 + 0.5 * 8);

	/* Deltas: what the interval added; nothing if a bucket went down. */
	a.count[7] = 5;
	h = hist24();
	h.count[7] = 25;
	h.count[9] = 1;
	EXPECT(!vbd_hist_delta(&a, &h, &d));
	EXPECT(d.nr == 24 && d.count[7] == 20 && d.count[9] == 1 &&
	       vbd_hist_total(&d) == 21);
	EXPECT(vbd_hist_delta(&h, &a, &d) == -EINVAL);
	a.nr = 23;
	EXPECT(vbd_hist_delta(&a, &h, &d) == -EINVAL);
	EXPECT(vbd_hist_add(&a, &h) == -EINVAL);
	a = hist24();
	a.count[9] = 2;
	EXPECT(!vbd_hist_add(&a, &h) && a.count[9] == 3 && a.count[7] == 25);
}

/* ---- a fake /sys/bus/xen-backend/devices ---- */

static char root[64];

static void put(const char *dev, const char *file, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, dev, file);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* A plain file where a device directory would be. */
static void put_file(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	EXPECT(f);
}

static void put_u64(const char *dev, const char *file, u64 v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu\n", v);
	put(dev, file, buf);
}

/* statistics/ as both backends have it. */
static void put_stats(const char *dev, u64 rd_req, u64 wr_req, u64 rd_sect,
		      u64 wr_sect, u64 f_req, u64 ds_req)
{
	put_u64(dev, "statistics/oo_req", 0);
	put_u64(dev, "statistics/rd_req", rd_req);
	put_u64(dev, "statistics/wr_req", wr_req);
	put_u64(dev, "statistics/rd_sect", rd_sect);
	put_u64(dev, "statistics/wr_sect", wr_sect);
	put_u64(dev, "statistics/f_req", f_req);
	put_u64(dev, "statistics/ds_req", ds_req);
}

/* A 24-bucket histogram, empty but for one or two buckets. */
static void put_hist(const char *dev, const char *file, int b1, u64 n1,
		     int b2, u64 n2)
{
	char buf[256];
	int i, len = 0;

	for (i = 0; i < 24; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%llu",
				i ? " " : "",
				i == b1 ? n1 : i == b2 ? n2 : 0ULL);
	snprintf(buf + len, sizeof(buf) - len, "\n");
	put(dev, file, buf);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_dev(const char *dev)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, dev);
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define VBDBACK_DEV "vbd-1-51712"
#define BLKBACK_DEV "vbd-2-51728"
#define NEW_DEV "vbd-5-51712"

static void make_tree(void)
{
	snprintf(root, sizeof(root), "/tmp/vbdtop-test.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	/* A vbdback device: statistics, latency, inflight, nodename. */
	put_stats(VBDBACK_DEV, 1000, 500, 8000, 4000, 3, 0);
	put_hist(VBDBACK_DEV, "latency/read", 7, 900, -1, 0);
	put_hist(VBDBACK_DEV, "latency/write", 9, 500, -1, 0);
	put_hist(VBDBACK_DEV, "latency/flush", 12, 3, -1, 0);
	put_hist(VBDBACK_DEV, "latency/discard", -1, 0, -1, 0);
	put(VBDBACK_DEV, "vbdback/inflight", "2 1\n");
	put(VBDBACK_DEV, "nodename", "/local/domain/0/backend/vbd/1/51712\n");
	/* A xen-blkback device: statistics only. */
	put_stats(BLKBACK_DEV, 0, 0, 0, 0, 0, 0);
	/* Not devices of interest, or not readable as one. */
	put_stats("vbd-3-51712", 0, 0, 0, 0, 0, 0);
	put("vbd-3-51712", "statistics/rd_sect", "lots\n");
	put_stats("vif-1-0", 0, 0, 0, 0, 0, 0);
	put_stats("vbd-junk", 0, 0, 0, 0, 0, 0);
	put_file("vbd-4-1");
}

static void test_scan(void)
{
	struct vbd_sample_set set = { 0 };
	const struct vbd_sample *s;

	EXPECT(!vbd_scan(root, &set));
	EXPECT(set.nr == 2);
	if (set.nr != 2)
		goto out;
	s = &set.v[0];
	EXPECT(s->domid == 1 && s->devid == 51712);
	EXPECT(s->stat[VBD_RD_REQ] == 1000 && s->stat[VBD_WR_REQ] == 500);
	EXPECT(s->stat[VBD_RD_SECT] == 8000 && s->stat[VBD_WR_SECT] == 4000);
	EXPECT(s->stat[VBD_F_REQ] == 3 && s->stat[VBD_DS_REQ] == 0);
	EXPECT(s->has_lat && s->lat_rd.nr == 24 && s->lat_rd.count[7] == 900);
	EXPECT(s->lat_wr.count[9] == 500);
	EXPECT(s->has_inflight && s->inflight_rd == 2 && s->inflight_wr == 1);
	EXPECT_STR(s->nodename, "/local/domain/0/backend/vbd/1/51712");
	s = &set.v[1];
	EXPECT(s->domid == 2 && s->devid == 51728);
	EXPECT(!s->has_lat && !s->has_inflight && !s->nodename[0]);
	EXPECT(vbd_set_find(&set, 2, 51728) == s);
	EXPECT(!vbd_set_find(&set, 3, 51712));

	/* Unexpected contents make a field unknown, not the device. */
	put(VBDBACK_DEV, "latency/write", "1 2 3\n");
	put(VBDBACK_DEV, "vbdback/inflight", "\n");
	EXPECT(!vbd_scan(root, &set) && set.nr == 2);
	EXPECT(!set.v[0].has_lat && !set.v[0].has_inflight);
	EXPECT(set.v[0].stat[VBD_RD_REQ] == 1000);

	EXPECT(vbd_scan("/nonexistent/vbdtop", &set) == -ENOENT);
out:
	vbd_set_free(&set);
	put_hist(VBDBACK_DEV, "latency/write", 9, 500, -1, 0);
	put(VBDBACK_DEV, "vbdback/inflight", "2 1\n");
}

static const struct vbd_row *find_row(const struct vbd_row *rows, size_t nr,
				      unsigned int domid)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (rows[i].domid == domid)
			return &rows[i];
	return NULL;
}

/*
 * Three scans 2 s apart: the guest of domain 1 reads and writes, domain 2's
 * device goes away, domain 5's appears and shows from its second scan.
 */
static void test_intervals(void)
{
	struct vbd_sample_set s0 = { 0 }, s1 = { 0 }, s2 = { 0 };
	struct vbd_names names = { .xs = NULL };
	struct vbd_row rows[8];
	const struct vbd_row *r;
	size_t nr;

	EXPECT(!vbd_scan(root, &s0));
	s0.when = 100;
	vbd_names_fill(&names, &s0);
	EXPECT_STR(s0.v[0].name, "dom1");
	EXPECT_STR(s0.v[0].dev, "51712");
	EXPECT(s0.v[0].named);

	/* 400 reads of 4 KiB, 100 writes of 64 KiB, 2 flushes in 2 s. */
	put_stats(VBDBACK_DEV, 1400, 600, 8000 + 400 * 8, 4000 + 100 * 128,
		  5, 0);
	put_hist(VBDBACK_DEV, "latency/read", 7, 900 + 300, 8, 100);
	put_hist(VBDBACK_DEV, "latency/write", 9, 500 + 100, -1, 0);
	put(VBDBACK_DEV, "vbdback/inflight", "4 0\n");
	rm_dev(BLKBACK_DEV);
	put_stats(NEW_DEV, 50, 0, 400, 0, 0, 0);
	EXPECT(!vbd_scan(root, &s1));
	s1.when = 102;
	/* A name given once is kept, not looked up again. */
	snprintf(s0.v[0].name, sizeof(s0.v[0].name), "guest-one");
	vbd_carry_names(&s0, &s1);
	vbd_names_fill(&names, &s1);
	EXPECT(s1.nr == 2);
	EXPECT_STR(s1.v[0].name, "guest-one");
	EXPECT_STR(s1.v[1].name, "dom5");

	nr = vbd_rows_build(&s0, &s1, rows);
	EXPECT(nr == 1);
	r = find_row(rows, nr, 1);
	EXPECT(r);
	if (r) {
		EXPECT_STR(r->name, "guest-one");
		EXPECT_NEAR(r->rd_iops, 200);
		EXPECT_NEAR(r->wr_iops, 50);
		EXPECT_NEAR(r->rd_mbs, 400 * 4096 / 2 / 1e6);
		EXPECT_NEAR(r->wr_mbs, 100 * 65536 / 2 / 1e6);
		EXPECT_NEAR(r->f_iops, 1);
		EXPECT_NEAR(r->ds_iops, 0);
		/*
		 * 500 requests: 300 reads in [128,256), 100 in [256,512),
		 * 100 writes in [512,1024). The 250th is in the first bucket,
		 * the 495th is the 95th of the last.
		 */
		EXPECT(r->has_lat && r->lat_count == 500);
		EXPECT_NEAR(r->p50_us, 128 + 250.0 / 300 * 128);
		EXPECT_NEAR(r->p99_us, 512 + 95.0 / 100 * 512);
		EXPECT(r->has_inflight && r->inflight_rd == 4 &&
		       r->inflight_wr == 0);
	}

	/* Domain 1's device is made anew: counters restart, no row. */
	put_stats(VBDBACK_DEV, 10, 0, 80, 0, 0, 0);
	put_stats(NEW_DEV, 150, 0, 1200, 0, 0, 0);
	EXPECT(!vbd_scan(root, &s2));
	s2.when = 104;
	vbd_carry_names(&s1, &s2);
	nr = vbd_rows_build(&s1, &s2, rows);
	EXPECT(nr == 1);
	r = find_row(rows, nr, 5);
	EXPECT(r);
	if (r) {
		EXPECT_NEAR(r->rd_iops, 50);
		EXPECT_NEAR(r->rd_mbs, 800 * 512 / 2 / 1e6);
		EXPECT(!r->has_lat && !r->has_inflight);
		EXPECT_STR(r->name, "dom5");
		EXPECT_STR(r->dev, "51712");
	}
	vbd_set_free(&s0);
	vbd_set_free(&s1);
	vbd_set_free(&s2);
}

static struct vbd_row row(unsigned int domid, const char *name, double rd,
			  double wr, double mbs, bool has_lat, double p99)
{
	struct vbd_row r = {
		.domid = domid, .devid = 51712, .rd_iops = rd, .wr_iops = wr,
		.rd_mbs = mbs, .has_lat = has_lat, .p50_us = 10,
		.p99_us = p99, .lat_count = has_lat ? 100 : 0,
	};

	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.dev, sizeof(r.dev), "xvda");
	return r;
}

static void test_sort(void)
{
	struct vbd_row r[4];
	enum vbd_sort key;

	r[0] = row(1, "web", 10, 10, 5, true, 300);
	r[1] = row(2, "db", 100, 50, 1, true, 900);
	r[2] = row(3, "backup", 0, 0, 9, false, 0);
	r[3] = row(4, "idle", 0, 0, 0, true, -1);

	vbd_rows_sort(r, 4, VBD_SORT_IOPS);
	EXPECT(r[0].domid == 2 && r[1].domid == 1 && r[2].domid == 3 &&
	       r[3].domid == 4);
	vbd_rows_sort(r, 4, VBD_SORT_MBS);
	EXPECT(r[0].domid == 3 && r[1].domid == 1 && r[2].domid == 2 &&
	       r[3].domid == 4);
	/* Without a p99 (no request, no latency/) goes last. */
	vbd_rows_sort(r, 4, VBD_SORT_P99);
	EXPECT(r[0].domid == 2 && r[1].domid == 1 && r[2].domid == 4 &&
	       r[3].domid == 3);
	vbd_rows_sort(r, 4, VBD_SORT_NAME);
	EXPECT_STR(r[0].name, "backup");
	EXPECT_STR(r[3].name, "web");

	EXPECT(!vbd_sort_parse("p99", &key) && key == VBD_SORT_P99);
	EXPECT(!vbd_sort_parse("name", &key) && key == VBD_SORT_NAME);
	EXPECT(vbd_sort_parse("IOPS", &key) == -EINVAL);
	EXPECT(vbd_sort_parse("", &key) == -EINVAL);
	EXPECT_STR(vbd_sort_name(VBD_SORT_MBS), "mbs");
}

/* What a print function writes, as a string to free(). */
#define CAPTURE(buf, call) do {						\
	size_t len_;							\
	FILE *f = open_memstream(&(buf), &len_);			\
	call;								\
	fclose(f);							\
} while (0)

/* Expected text too long for one line, given as an array of parts. */
static const char *join(const char * const *parts)
{
	static char buf[2048];
	size_t len = 0;

	for (buf[0] = '\0'; *parts && len < sizeof(buf); parts++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s", *parts);
	return buf;
}

static const char * const json_two_rows[] = {
	"{\"time\":1700000000.250,\"interval\":5.000,\"sort\":\"iops\",",
	"\"devices\":[{\"domid\":1,\"devid\":51712,",
	"\"name\":\"web \\\"1\\\"\",\"dev\":\"xvda\",",
	"\"read_iops\":200.00,\"write_iops\":0.50,",
	"\"read_mbs\":0.8192,\"write_mbs\":0.0313,",
	"\"flush_iops\":1.00,\"discard_iops\":0.00,",
	"\"p50_us\":192.0,\"p99_us\":486.4,\"lat_count\":100,",
	"\"inflight\":4,\"inflight_read\":3,\"inflight_write\":1},",
	"{\"domid\":2,\"devid\":51728,\"name\":\"old\",\"dev\":\"xvdb\",",
	"\"read_iops\":1.25,\"write_iops\":0.00,",
	"\"read_mbs\":0.0050,\"write_mbs\":0.0000,",
	"\"flush_iops\":0.00,\"discard_iops\":0.00,",
	"\"p50_us\":null,\"p99_us\":null,\"lat_count\":null,",
	"\"inflight\":null,\"inflight_read\":null,",
	"\"inflight_write\":null}]}\n",
	NULL
};

static const char * const json_no_rows[] = {
	"{\"time\":1700000000.250,\"interval\":5.000,",
	"\"sort\":\"iops\",\"devices\":[]}\n",
	NULL
};

/* @o as text, freed with it: a copy to free(). */
static char *json_take(struct json_object *o)
{
	char *text;

	EXPECT(o);
	if (!o)
		return strdup("");
	text = strdup(vbd_json_text(o));
	json_object_put(o);
	return text;
}

static void test_json(void)
{
	struct vbd_row r[2];
	struct vbd_frame fr = { .time = 1700000000.25, .interval = 5.0004,
				.sort = VBD_SORT_IOPS };
	struct json_object *back, *v;
	char *out;

	r[0] = row(1, "web \"1\"", 200, 0.5, 0.8192, true, 486.4);
	r[0].wr_mbs = 0.03126;
	r[0].f_iops = 1;
	r[0].p50_us = 192;
	r[0].has_inflight = true;
	r[0].inflight_rd = 3;
	r[0].inflight_wr = 1;
	r[1] = row(2, "old", 1.25, 0, 0.005, false, 0);
	r[1].devid = 51728;
	snprintf(r[1].dev, sizeof(r[1].dev), "xvdb");

	CAPTURE(out, EXPECT(!vbd_print_json(f, &fr, r, 2)));
	EXPECT_STR(out, join(json_two_rows));
	free(out);

	/* Latency known, but no request completed: counts 0, no percentile. */
	r[1].has_lat = true;
	r[1].lat_count = 0;
	r[1].p50_us = -1;
	r[1].p99_us = -1;
	out = json_take(vbd_json_row(&r[1]));
	EXPECT(strstr(out, "\"p50_us\":null,\"p99_us\":null,\"lat_count\":0,"));
	free(out);

	CAPTURE(out, EXPECT(!vbd_print_json(f, &fr, r, 0)));
	EXPECT_STR(out, join(json_no_rows));
	free(out);

	/*
	 * Names with quotes, backslashes, control characters and a slash are
	 * escaped (the slash need not be), and parse back to themselves.
	 */
	snprintf(r[0].name, sizeof(r[0].name), "a\"b\\c\x01/d\te");
	out = json_take(vbd_json_row(&r[0]));
	EXPECT(strstr(out, "\"name\":\"a\\\"b\\\\c\\u0001/d\\te\","));
	back = json_tokener_parse(out);
	EXPECT(back && json_object_object_get_ex(back, "name", &v) &&
	       !strcmp(json_object_get_string(v), r[0].name));
	/* Numbers are numbers, with the decimals shown. */
	EXPECT(back && json_object_object_get_ex(back, "read_mbs", &v) &&
	       json_object_is_type(v, json_type_double) &&
	       json_object_get_double(v) == 0.8192);
	EXPECT(back && json_object_object_get_ex(back, "inflight", &v) &&
	       json_object_is_type(v, json_type_int) &&
	       json_object_get_int64(v) == 4);
	json_object_put(back);
	free(out);

	/* A counter above 2^63 stays exact. */
	r[0].lat_count = 18446744073709551615ULL;
	out = json_take(vbd_json_row(&r[0]));
	EXPECT(strstr(out, "\"lat_count\":18446744073709551615,"));
	free(out);

	/* Not a number (a 0/0 rate) is null, not "nan". */
	r[0].rd_iops = NAN;
	out = json_take(vbd_json_row(&r[0]));
	EXPECT(strstr(out, "\"read_iops\":null,"));
	free(out);
}

static const char * const table_row[] = {
	"    7 a-guest-with-a-l xvda       1234.6      0.0",
	"     5.50     0.00        -        -      -\n",
	NULL
};

static const char * const table_header[] = {
	"DOMID NAME             DEV        R_IOPS   W_IOPS",
	"   R_MB/s   W_MB/s   P50_US   P99_US   INFL\n",
	NULL
};

static void test_table(void)
{
	struct vbd_row r = row(7, "a-guest-with-a-long-name", 1234.56, 0, 5.5,
			       false, 0);
	struct vbd_frame fr = { .interval = 1, .sort = VBD_SORT_P99 };
	char *out;

	CAPTURE(out, vbd_table_row(f, &r));
	EXPECT_STR(out, join(table_row));
	free(out);

	r.has_lat = true;
	r.p50_us = 95.4;
	r.p99_us = 1500.5;
	r.has_inflight = true;
	r.inflight_rd = 12;
	r.inflight_wr = 20;
	CAPTURE(out, vbd_table_row(f, &r));
	EXPECT(strstr(out, "       95     1500     32\n"));
	free(out);

	CAPTURE(out, vbd_table_header(f));
	EXPECT_STR(out, join(table_header));
	free(out);

	/* A terminal with room for 2 rows of 3: title, header, 2 rows. */
	{
		struct vbd_row three[3] = { r, r, r };
		int lines = 0;
		char *p;

		CAPTURE(out, vbd_print_table(f, &fr, three, 3, 2));
		for (p = out; *p; p++)
			lines += *p == '\n';
		EXPECT(lines == 4);
		EXPECT(strstr(out, "3 devices  sorted by p99\n"));
		EXPECT(!strchr(out, '\033'));
		free(out);
	}
}

int main(void)
{
	test_parse_u64();
	test_parse_hist();
	test_parse_inflight();
	test_parse_devdir();
	test_sanitize();
	test_rates();
	test_percentile();
	make_tree();
	test_scan();
	test_intervals();
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	test_sort();
	test_json();
	test_table();
	printf("vbdtop_test: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
