/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbdtop: a live per-VBD view of a Xen dom0's block backends, read from
 * /sys/bus/xen-backend/devices/vbd-DOMID-DEVID/. The types every part of
 * the tool shares.
 */
#ifndef VBDTOP_H
#define VBDTOP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

typedef __u64 u64;

/* The project's version, from its file VERSION (tools/vbdtop/Makefile). */
#ifndef VBDTOP_VERSION
#error "VBDTOP_VERSION is not defined: build with tools/vbdtop/Makefile"
#endif

#define VBD_SYSFS_ROOT "/sys/bus/xen-backend/devices"
/* The statistics count 512-byte sectors, whatever the disk's block size. */
#define VBD_SECTOR_SIZE 512
/* latency/ has 24 buckets today; room for a module that adds a few. */
#define VBD_LAT_MAX_BUCKETS 32
#define VBD_NAME_LEN 64
#define VBD_DEV_LEN 32
#define VBD_PATH_LEN 256

/* The counters of statistics/, in the order of vbd_stat_names[]. */
enum vbd_stat {
	VBD_OO_REQ,
	VBD_RD_REQ,
	VBD_WR_REQ,
	VBD_F_REQ,
	VBD_DS_REQ,
	VBD_RD_SECT,
	VBD_WR_SECT,
	VBD_NR_STATS
};

/* A log2 latency histogram: count[i] is for [2^i, 2^(i+1)) microseconds. */
struct vbd_hist {
	unsigned int nr;
	u64 count[VBD_LAT_MAX_BUCKETS];
};

/* What one scan read of one backend device, plus the names shown for it. */
struct vbd_sample {
	unsigned int domid;
	unsigned int devid;
	u64 stat[VBD_NR_STATS];
	bool has_lat;		/* latency/read and latency/write (vbdback) */
	struct vbd_hist lat_rd;
	struct vbd_hist lat_wr;
	bool has_inflight;	/* vbdback/inflight (vbdback) */
	u64 inflight_rd;
	u64 inflight_wr;
	char nodename[VBD_PATH_LEN];	/* backend's xenstore path, or "" */
	bool named;		/* name and dev are final (no retry) */
	char name[VBD_NAME_LEN];
	char dev[VBD_DEV_LEN];
};

/* All devices of one scan, sorted by (domid, devid). */
struct vbd_sample_set {
	struct vbd_sample *v;
	size_t nr;
	size_t cap;
	double when;		/* CLOCK_MONOTONIC seconds of the scan */
};

/* One line of output: a device seen in two consecutive scans. */
struct vbd_row {
	unsigned int domid;
	unsigned int devid;
	char name[VBD_NAME_LEN];
	char dev[VBD_DEV_LEN];
	double rd_iops;
	double wr_iops;
	double rd_mbs;		/* 10^6 bytes per second */
	double wr_mbs;
	double f_iops;
	double ds_iops;
	bool has_lat;
	u64 lat_count;		/* requests the percentiles are over */
	double p50_us;		/* < 0: no request completed */
	double p99_us;
	bool has_inflight;
	u64 inflight_rd;
	u64 inflight_wr;
};

enum vbd_sort {
	VBD_SORT_IOPS,
	VBD_SORT_MBS,
	VBD_SORT_P99,
	VBD_SORT_NAME,
};

#endif
