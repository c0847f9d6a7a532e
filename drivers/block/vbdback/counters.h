/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A ring's counters, which stats.c shows in sysfs. Every counter has one
 * writer, the ring's worker, and is read locklessly: see vbd_count().
 */
#ifndef VBDBACK_COUNTERS_H
#define VBDBACK_COUNTERS_H

#include <linux/compiler.h>
#include <linux/types.h>

/*
 * Latency histograms: bucket i counts requests answered within
 * [2^i, 2^(i+1)) microseconds; the first also takes those under 1 us, the
 * last everything from 2^23 us (8 s) up.
 */
#define VBD_LAT_BUCKETS			24

/* What a latency histogram is kept for. */
enum vbd_lat_kind {
	VBD_LAT_READ,
	VBD_LAT_WRITE,
	VBD_LAT_FLUSH,
	VBD_LAT_DISCARD,
	VBD_LAT_KINDS,
	VBD_LAT_NONE = VBD_LAT_KINDS,	/* not counted: refused unread */
};

/**
 * struct vbd_stats - per-ring counters
 * @oo_req: times the ring waited for a free request slot
 * @rd_req: read requests
 * @wr_req: write requests
 * @f_req: flush and barrier requests
 * @ds_req: discard requests
 * @rd_sect: sectors read
 * @wr_sect: sectors written
 * @indirect_req: indirect read and write requests
 * @max_req_segs: most segments any one request carried
 * @map_ops: grants mapped
 * @unmap_ops: grants unmapped
 * @pgrant_peak: most persistent grants cached at once
 * @poll_hits: polls of a drained ring that found a request
 * @poll_misses: polls that found nothing and ended in asking for an event
 * @copy_ops: segments copied to or from the guest instead of mapped
 * @lat: latency histograms, by enum vbd_lat_kind, from taking a request off
 *       the ring to answering it
 *
 * The first seven carry xen-blkback's names for xentop. Written only by the
 * ring's worker; read locklessly by sysfs.
 */
struct vbd_stats {
	u64 oo_req;
	u64 rd_req;
	u64 wr_req;
	u64 f_req;
	u64 ds_req;
	u64 rd_sect;
	u64 wr_sect;
	u64 indirect_req;
	u64 max_req_segs;
	u64 map_ops;
	u64 unmap_ops;
	u64 pgrant_peak;
	u64 poll_hits;
	u64 poll_misses;
	u64 copy_ops;
	u64 lat[VBD_LAT_KINDS][VBD_LAT_BUCKETS];
};

/**
 * vbd_count() - add to a counter read locklessly
 * @c: the counter; only the ring's worker writes it
 * @n: how much
 *
 * The one way every counter of struct vbd_stats (and every other field
 * that sysfs or a shrinker reads without a lock) is written: the single
 * writer needs no atomic operation, but its store must not be torn or
 * repeated; readers use READ_ONCE().
 */
static inline void vbd_count(u64 *c, u64 n)
{
	WRITE_ONCE(*c, *c + n);
}

#endif /* VBDBACK_COUNTERS_H */
