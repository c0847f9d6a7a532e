// SPDX-License-Identifier: GPL-2.0
/*
 * Sampling of /sys/bus/xen-backend/devices/vbd-DOMID-DEVID/: statistics/
 * (both vbdback and xen-blkback), latency/ and vbdback/inflight (vbdback
 * only), and the sysfs attribute nodename, the backend's xenstore path.
 *
 * Devices come and go while a scan runs: a device whose statistics cannot
 * all be read is left out of the scan, as if it had gone a moment earlier.
 * Its optional files only make their fields unknown.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "sample.h"

static const char * const vbd_stat_files[VBD_NR_STATS] = {
	[VBD_OO_REQ] = "statistics/oo_req",
	[VBD_RD_REQ] = "statistics/rd_req",
	[VBD_WR_REQ] = "statistics/wr_req",
	[VBD_F_REQ] = "statistics/f_req",
	[VBD_DS_REQ] = "statistics/ds_req",
	[VBD_RD_SECT] = "statistics/rd_sect",
	[VBD_WR_SECT] = "statistics/wr_sect",
};

/* Enough for 32 buckets of 20 digits and their separators. */
#define VBD_FILE_MAX 1024

/**
 * vbd_read_file() - read a small file whole, as a string
 * @dirfd: directory @path is relative to
 * @path: the file
 * @buf: where its contents go, NUL-terminated
 * @size: size of @buf
 *
 * Return: the length read, or a negative errno; -EFBIG when the file does
 * not fit (what vbdtop reads is never that long).
 */
int vbd_read_file(int dirfd, const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (len < size) {
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	if (err)
		return err;
	if (len == size)
		return -EFBIG;
	buf[len] = '\0';
	return len;
}

static int sample_stats(int dfd, struct vbd_sample *s)
{
	char buf[VBD_FILE_MAX];
	unsigned int i;
	int ret;

	for (i = 0; i < VBD_NR_STATS; i++) {
		ret = vbd_read_file(dfd, vbd_stat_files[i], buf, sizeof(buf));
		if (ret < 0)
			return ret;
		if (vbd_parse_u64(buf, &s->stat[i]))
			return -EINVAL;
	}
	return 0;
}

static int read_hist(int dfd, const char *path, struct vbd_hist *h)
{
	char buf[VBD_FILE_MAX];
	int ret;

	ret = vbd_read_file(dfd, path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return vbd_parse_hist(buf, h);
}

/* Both histograms, with as many buckets each, or none. */
static void sample_latency(int dfd, struct vbd_sample *s)
{
	s->has_lat = !read_hist(dfd, "latency/read", &s->lat_rd) &&
		     !read_hist(dfd, "latency/write", &s->lat_wr) &&
		     s->lat_rd.nr == s->lat_wr.nr;
}

static void sample_inflight(int dfd, struct vbd_sample *s)
{
	char buf[VBD_FILE_MAX];

	s->has_inflight =
		vbd_read_file(dfd, "vbdback/inflight", buf, sizeof(buf)) >= 0 &&
		!vbd_parse_inflight(buf, &s->inflight_rd, &s->inflight_wr);
}

/* The backend's xenstore directory, trailing newline removed; or "". */
static void sample_nodename(int dfd, struct vbd_sample *s)
{
	char buf[VBD_PATH_LEN];
	size_t len;

	s->nodename[0] = '\0';
	if (vbd_read_file(dfd, "nodename", buf, sizeof(buf)) < 0)
		return;
	len = strcspn(buf, "\n");
	if (buf[len] == '\n' && buf[len + 1])
		return;
	buf[len] = '\0';
	vbd_sanitize(s->nodename, sizeof(s->nodename), buf);
}

/**
 * vbd_sample_device() - read one backend device
 * @rootfd: the directory holding the vbd-* entries
 * @name: the entry, "vbd-DOMID-DEVID"
 * @s: the sample; its names are left empty
 *
 * Return: 0, -EINVAL for an entry that is not a vbd, or the error that kept
 * the statistics from being read.
 */
int vbd_sample_device(int rootfd, const char *name, struct vbd_sample *s)
{
	int dfd, ret;

	memset(s, 0, sizeof(*s));
	if (vbd_parse_devdir(name, &s->domid, &s->devid))
		return -EINVAL;
	dfd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = sample_stats(dfd, s);
	if (!ret) {
		sample_latency(dfd, s);
		sample_inflight(dfd, s);
		sample_nodename(dfd, s);
	}
	close(dfd);
	return ret;
}

static int set_grow(struct vbd_sample_set *set)
{
	size_t cap = set->cap ? set->cap * 2 : 16;
	struct vbd_sample *v;

	v = realloc(set->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	set->v = v;
	set->cap = cap;
	return 0;
}

/**
 * vbd_sample_cmp() - order of samples: by domain, then device
 * @a: one sample
 * @b: another
 *
 * Return: <0, 0 or >0 as for qsort().
 */
int vbd_sample_cmp(const struct vbd_sample *a, const struct vbd_sample *b)
{
	if (a->domid != b->domid)
		return a->domid < b->domid ? -1 : 1;
	if (a->devid != b->devid)
		return a->devid < b->devid ? -1 : 1;
	return 0;
}

static int sample_qsort_cmp(const void *a, const void *b)
{
	return vbd_sample_cmp(a, b);
}

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int scan_dir(DIR *dir, struct vbd_sample_set *set)
{
	struct dirent *de;
	int ret;

	for (errno = 0; (de = readdir(dir)); errno = 0) {
		if (set->nr == set->cap) {
			ret = set_grow(set);
			if (ret)
				return ret;
		}
		if (!vbd_sample_device(dirfd(dir), de->d_name,
				       &set->v[set->nr]))
			set->nr++;
	}
	return -errno;
}

/**
 * vbd_scan() - sample every vbd backend device
 * @root: the directory of backend devices (/sys/bus/xen-backend/devices)
 * @set: the result, sorted by domain and device; its array is reused
 *
 * Return: 0, or a negative errno when @root cannot be read.
 */
int vbd_scan(const char *root, struct vbd_sample_set *set)
{
	DIR *dir;
	int ret;

	set->nr = 0;
	set->when = monotonic_now();
	dir = opendir(root);
	if (!dir)
		return -errno;
	ret = scan_dir(dir, set);
	closedir(dir);
	if (ret)
		return ret;
	qsort(set->v, set->nr, sizeof(*set->v), sample_qsort_cmp);
	return 0;
}

/**
 * vbd_set_find() - a device of a sorted set
 * @set: the set
 * @domid: its domain
 * @devid: its device
 *
 * Return: the sample, or NULL.
 */
const struct vbd_sample *vbd_set_find(const struct vbd_sample_set *set,
				      unsigned int domid, unsigned int devid)
{
	struct vbd_sample key = { .domid = domid, .devid = devid };

	if (!set->nr)
		return NULL;
	return bsearch(&key, set->v, set->nr, sizeof(*set->v),
		       sample_qsort_cmp);
}

/**
 * vbd_set_free() - free a set's array
 * @set: the set, empty afterwards
 */
void vbd_set_free(struct vbd_sample_set *set)
{
	free(set->v);
	set->v = NULL;
	set->nr = 0;
	set->cap = 0;
}
