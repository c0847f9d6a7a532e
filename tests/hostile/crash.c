// SPDX-License-Identifier: GPL-2.0
/*
 * The crash check's barrier workload (tests/lab/scenarios/crash.sh): records
 * written with BLKIF_OP_WRITE_BARRIER, which xen-blkfront never sends to a
 * backend that also offers flushes. Record I goes to 4 KiB slot I * 37 mod
 * SLOTS, filled with the line "vbdcrash RUN seq=%010d slot=%04d" repeated
 * (tests/lab/crash/replay.py builds the same bytes). An odd record is a
 * plain write pushed together with a barrier without data, so that the
 * backend sees the barrier while the write is in flight; an even record is
 * a barrier carrying the record. Once every answer of a record is in, it
 * prints "CRASH-DURABLE I SLOT write" or "CRASH-DURABLE I SLOT barrier":
 * a barrier completes only after the writes before it (blkif.h), and a
 * backend that offers barriers through a flush of the disk's cache makes
 * them stable; whether a barrier's own data is stable when it is answered
 * is what the "barrier" claims ask.
 */
#include <stdio.h>
#include <string.h>

#include "vbdfront.h"

#define VF_CRASH_TIMEOUT_MS	30000

static void vf_crash_record(u8 *page, const char *run, u64 seq,
			    unsigned int slot)
{
	char line[128];
	size_t n, off;

	n = snprintf(line, sizeof(line), "vbdcrash %s seq=%010llu slot=%04u\n",
		     run, seq, slot);
	for (off = 0; off < VF_PAGE_SIZE; off += n)
		memcpy(page + off, line,
		       off + n > VF_PAGE_SIZE ? VF_PAGE_SIZE - off : n);
}

/* Send the requests together, collect every answer; 0 if all are OKAY. */
static int vf_crash_send(struct vf *vf, struct vf_req *reqs, unsigned int n,
			 char *why, size_t len)
{
	struct vf_rsp rsps[2];
	unsigned int i;

	for (i = 0; i < n; i++)
		vf_ring_put(vf, &reqs[i]);
	vf_ring_push(vf);
	if (vf_ring_collect(vf, rsps, n, VF_CRASH_TIMEOUT_MS) != (int)n) {
		snprintf(why, len, "no answer within %d ms", VF_CRASH_TIMEOUT_MS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rsps[i].status != BLKIF_RSP_OKAY) {
			snprintf(why, len, "id %llu op %u answered status %d",
				 rsps[i].id, rsps[i].op, rsps[i].status);
			return -1;
		}
	}
	return 0;
}

int vf_crash(struct vf *vf, const struct vf_config *cfg, u64 count,
	     unsigned int slots, const char *run)
{
	struct vf_req reqs[2];
	char why[256] = "";
	unsigned int slot;
	u64 i, done = 0;
	int failed = 0;

	if (!slots || strlen(run) > 64) {
		printf("CASE crash-barrier: FAIL bad arguments\n");
		return 1;
	}
	if (vf_connect(vf, cfg)) {
		printf("CASE crash-barrier: FAIL handshake failed\n");
		return 1;
	}
	if (!vf->info.barrier) {
		printf("CASE crash-barrier: FAIL the backend offers no feature-barrier\n");
		vf_disconnect(vf);
		return 1;
	}
	for (i = 1; i <= count && !failed; i++) {
		slot = i * 37 % slots;
		vf_crash_record(vf->data.map, run, i, slot);
		if (i % 2) {
			vf_req_rw(vf, &reqs[0], BLKIF_OP_WRITE, (u64)slot * 8, 0, 1);
			vf_req_rw(vf, &reqs[1], BLKIF_OP_WRITE_BARRIER, 0, 0, 0);
			failed = vf_crash_send(vf, reqs, 2, why, sizeof(why));
		} else {
			vf_req_rw(vf, &reqs[0], BLKIF_OP_WRITE_BARRIER,
				  (u64)slot * 8, 0, 1);
			failed = vf_crash_send(vf, reqs, 1, why, sizeof(why));
		}
		if (failed)
			printf("CRASH-FAIL %llu %u: %s\n", i, slot, why);
		else
			printf("CRASH-DURABLE %llu %u %s\n", ++done, slot,
			       i % 2 ? "write" : "barrier");
	}
	if (vf_disconnect(vf) && !failed) {
		snprintf(why, sizeof(why), "teardown did not reach Closed");
		failed = 1;
	}
	printf("CASE crash-barrier: %s %llu records%s%s\n",
	       failed ? "FAIL" : "PASS", done, failed ? ": " : "", why);
	printf("SUMMARY crash: %d passed, %d failed\n", !failed, !!failed);
	return failed;
}
