/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The status the blkif protocol demands for a request, computed from what
 * the frontend knows: the request as encoded, what the backend offered, and
 * which of its grant references are writable, read-only or not granted.
 * Pure code: unit-tested on the host.
 */
#ifndef VBDFRONT_MODEL_H
#define VBDFRONT_MODEL_H

#include "wire.h"

enum vf_gref_kind {
	VF_GREF_RW,
	VF_GREF_RO,
	VF_GREF_NONE,
};

struct vf_model {
	u64 sectors;
	unsigned int max_indirect;
	bool discard;
	/* Persistent grants are mapped writable, even to be written from. */
	bool persistent;
	enum vf_gref_kind (*gref_kind)(void *ctx, u32 gref);
	/* The bytes of a granted page, or NULL if it is not granted. */
	const u8 *(*page)(void *ctx, u32 gref);
	void *ctx;
};

int vf_model_status(const struct vf_model *m, const struct vf_req *req);

#endif /* VBDFRONT_MODEL_H */
