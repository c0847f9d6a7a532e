/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched grant operations (grant.c), the lowest layer of the datapath:
 * map, unmap and copy queued in a ring's scratch space and carried out
 * with one hypercall per batch.
 */
#ifndef VBDBACK_GRANT_H
#define VBDBACK_GRANT_H

#include <linux/types.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>

struct page;
struct vbd_ring;

/**
 * struct vbd_grant_scratch - what the ring's worker needs while handling one
 * request; only the worker uses it, one request at a time
 * @map: grant map operations
 * @map_pages: the pages of @map
 * @map_seg: the segment of each entry of @map
 * @unmap: grant unmap operations
 * @unmap_pages: the pages of @unmap
 * @put_pages: pages going back to the page cache
 * @unmap_data: argument of the synchronous unmap
 * @copy: grant copy operations: indirect pages, or a copied request's data
 * @indirect: private copies of an indirect request's segment pages
 */
struct vbd_grant_scratch {
	struct gnttab_map_grant_ref *map;
	struct page **map_pages;
	unsigned int *map_seg;
	struct gnttab_unmap_grant_ref *unmap;
	struct page **unmap_pages;
	struct page **put_pages;
	struct gntab_unmap_queue_data unmap_data;
	struct gnttab_copy copy[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	void *indirect[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

void vbd_grant_queue_map(struct vbd_ring *ring, unsigned int k,
			 struct page *page, u32 flags, grant_ref_t gref);
int vbd_grant_map(struct vbd_ring *ring, unsigned int n);
void vbd_grant_queue_unmap(struct vbd_ring *ring, unsigned int k,
			   struct page *page, grant_handle_t handle);
void vbd_grant_unmap(struct vbd_ring *ring, unsigned int n);
int vbd_grant_get_page(struct vbd_ring *ring, struct page **page);
void vbd_grant_put_pages(struct vbd_ring *ring, struct page **pages,
			 unsigned int n);
void vbd_grant_queue_copy(struct vbd_ring *ring, unsigned int k,
			  grant_ref_t gref, struct page *page, unsigned int off,
			  unsigned int len, bool to_guest);
int vbd_grant_copy(struct vbd_ring *ring, unsigned int n);
int vbd_grant_scratch_alloc(struct vbd_grant_scratch *sc,
			    unsigned int max_segs, unsigned int nr_indirect);
void vbd_grant_scratch_free(struct vbd_grant_scratch *sc);

#endif /* VBDBACK_GRANT_H */
