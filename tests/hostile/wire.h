/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blkif request and response byte layouts for the x86_64 and x86_32 ABIs,
 * as a frontend lays them out on the shared ring. Pure code, no Xen
 * interface: unit-tested on the host.
 */
#ifndef VBDFRONT_WIRE_H
#define VBDFRONT_WIRE_H

#include "kernel.h"

#include <xen/io/blkif.h>

enum vf_abi {
	VF_ABI_X86_64,
	VF_ABI_X86_32,
};

#define VF_PAGE_SIZE		4096
#define VF_SRING_HDR		64
#define VF_SEG_SIZE		8
#define VF_SEGS_PER_IND_PAGE	(VF_PAGE_SIZE / VF_SEG_SIZE)
#define VF_MAX_IND_PAGES	BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST
#define VF_MAX_IND_SEGS		(VF_MAX_IND_PAGES * VF_SEGS_PER_IND_PAGE)
#define VF_MAX_SLOT		112

struct vf_seg {
	u32 gref;
	u8 first_sect;
	u8 last_sect;
};

/*
 * A request before encoding. Fields are wider than on the wire where a
 * hostile value must be representable (nr_segs of a direct request is one
 * byte on the wire, of an indirect one two bytes); encoding truncates.
 * Direct segments: segs[0..10]; indirect ones are written to the indirect
 * pages by vf_blkif_encode_ind_segs().
 */
struct vf_req {
	u8 op;
	u8 indirect_op;
	u8 discard_flags;
	u16 nr_segs;
	u16 handle;
	u64 id;
	u64 sector;
	u64 nr_discard;
	struct vf_seg segs[BLKIF_MAX_SEGMENTS_PER_REQUEST];
	u32 ind_grefs[VF_MAX_IND_PAGES];
};

struct vf_rsp {
	u64 id;
	u8 op;
	s16 status;
};

const char *vf_abi_name(enum vf_abi abi);
unsigned int vf_blkif_req_size(enum vf_abi abi);
unsigned int vf_blkif_rsp_size(enum vf_abi abi);
unsigned int vf_blkif_nr_ents(enum vf_abi abi, unsigned int nr_pages);
void vf_blkif_encode(enum vf_abi abi, const struct vf_req *req, u8 *raw);
void vf_blkif_encode_ind_segs(const struct vf_seg *segs, unsigned int n,
			      u8 *pages);
void vf_blkif_decode_rsp(enum vf_abi abi, const u8 *raw,
			 struct vf_rsp *rsp);
void vf_blkif_encode_rsp(enum vf_abi abi, const struct vf_rsp *rsp,
			 u8 *raw);

#endif /* VBDFRONT_WIRE_H */
