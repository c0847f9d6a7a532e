/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of a request's life in vbdback: taken off the ring, handed to
 * the block layer, completed by it, answered on the ring. Every event names
 * the device (domid, devid), the queue and the frontend's request id, so
 * one request can be followed through all four.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vbdback

#if !defined(VBDBACK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VBDBACK_TRACE_H

#include <linux/tracepoint.h>

#include "ring.h"

/* The request as the frontend sent it. */
DECLARE_EVENT_CLASS(vbdback_req,
		    TP_PROTO(const struct vbd_req *req),
		    TP_ARGS(req),
		    TP_STRUCT__entry(__field(u16, domid)
				     __field(u32, devid)
				     __field(u32, queue)
				     __field(u64, id)
				     __field(u8, op)
				     __field(u16, nr_segments)
				     __field(u64, sector)),
		    TP_fast_assign(__entry->domid = req->ring->be->domid;
				   __entry->devid = req->ring->be->devid;
				   __entry->queue = req->ring->index;
				   __entry->id = req->req.id;
				   __entry->op = req->req.operation;
				   __entry->nr_segments = req->req.nr_segments;
				   __entry->sector = req->req.sector;),
		    TP_printk("vbd-%u-%u q%u id=%llu op=%u nseg=%u sector=%llu",
			      __entry->domid,
			      __entry->devid,
			      __entry->queue,
			      __entry->id,
			      __entry->op,
			      __entry->nr_segments,
			      __entry->sector));

/* Copied off the shared ring, before validation. */
DEFINE_EVENT(vbdback_req, vbdback_req_received,
	     TP_PROTO(const struct vbd_req *req),
	     TP_ARGS(req));

/* Validated, mapped and handed to the block layer (or the discard worker). */
DEFINE_EVENT(vbdback_req, vbdback_req_submitted,
	     TP_PROTO(const struct vbd_req *req),
	     TP_ARGS(req));

/* Its last bio completed; may fire in interrupt context. */
TRACE_EVENT(vbdback_req_completed,
	    TP_PROTO(const struct vbd_req *req, int error),
	    TP_ARGS(req, error),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u32, devid)
			     __field(u32, queue)
			     __field(u64, id)
			     __field(int, error)),
	    TP_fast_assign(__entry->domid = req->ring->be->domid;
			   __entry->devid = req->ring->be->devid;
			   __entry->queue = req->ring->index;
			   __entry->id = req->req.id;
			   __entry->error = error;),
	    TP_printk("vbd-%u-%u q%u id=%llu error=%d",
		      __entry->domid,
		      __entry->devid,
		      __entry->queue,
		      __entry->id,
		      __entry->error));

/* The response is on the ring; latency counts from vbdback_req_received. */
TRACE_EVENT(vbdback_req_answered,
	    TP_PROTO(const struct vbd_req *req, s16 status, u64 latency_ns),
	    TP_ARGS(req, status, latency_ns),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u32, devid)
			     __field(u32, queue)
			     __field(u64, id)
			     __field(s16, status)
			     __field(u64, latency_ns)),
	    TP_fast_assign(__entry->domid = req->ring->be->domid;
			   __entry->devid = req->ring->be->devid;
			   __entry->queue = req->ring->index;
			   __entry->id = req->req.id;
			   __entry->status = status;
			   __entry->latency_ns = latency_ns;),
	    TP_printk("vbd-%u-%u q%u id=%llu status=%d latency_ns=%llu",
		      __entry->domid,
		      __entry->devid,
		      __entry->queue,
		      __entry->id,
		      __entry->status,
		      __entry->latency_ns));

#endif /* VBDBACK_TRACE_H */

/* The header lives beside the sources, not in include/trace/events/. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
