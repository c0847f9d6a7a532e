// SPDX-License-Identifier: GPL-2.0
/*
 * Shared pages and the event channel, through the guest kernel's
 * /dev/xen/gntalloc and /dev/xen/evtchn.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vbdfront.h"

#include <xen/xen.h>
#include <xen/evtchn.h>
#include <xen/gntalloc.h>

int vf_plumb_open(struct vf *vf)
{
	vf->gnt_fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (vf->gnt_fd < 0) {
		fprintf(stderr, "vbdfront: /dev/xen/gntalloc: %s\n",
			strerror(errno));
		return -1;
	}
	vf->evt_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (vf->evt_fd < 0) {
		fprintf(stderr, "vbdfront: /dev/xen/evtchn: %s\n",
			strerror(errno));
		close(vf->gnt_fd);
		vf->gnt_fd = -1;
		return -1;
	}
	return 0;
}

void vf_plumb_close(struct vf *vf)
{
	if (vf->evt_fd >= 0)
		close(vf->evt_fd);
	if (vf->gnt_fd >= 0)
		close(vf->gnt_fd);
	vf->evt_fd = -1;
	vf->gnt_fd = -1;
}

/*
 * Grant count fresh zeroed pages to domain domid, read-only unless
 * writable. The ioctl's argument ends in a variable array of grant
 * references.
 */
int vf_grant_alloc_to(struct vf *vf, struct vf_grant *g, unsigned int count,
		      bool writable, u16 domid)
{
	struct ioctl_gntalloc_alloc_gref *op;
	size_t sz = sizeof(*op) + count * sizeof(op->gref_ids[0]);
	void *map;

	op = calloc(1, sz);
	g->grefs = calloc(count, sizeof(*g->grefs));
	if (!op || !g->grefs)
		goto fail;
	op->domid = domid;
	op->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
	op->count = count;
	if (ioctl(vf->gnt_fd, IOCTL_GNTALLOC_ALLOC_GREF, op) < 0) {
		fprintf(stderr, "vbdfront: granting %u pages: %s\n", count,
			strerror(errno));
		goto fail;
	}
	map = mmap(NULL, (size_t)count * VF_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, vf->gnt_fd, (off_t)op->index);
	if (map == MAP_FAILED) {
		struct ioctl_gntalloc_dealloc_gref d = {
			.index = op->index, .count = count,
		};

		fprintf(stderr, "vbdfront: mapping %u granted pages: %s\n",
			count, strerror(errno));
		ioctl(vf->gnt_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
		goto fail;
	}
	memcpy(g->grefs, op->gref_ids, count * sizeof(*g->grefs));
	g->index = op->index;
	g->count = count;
	g->map = map;
	free(op);
	return 0;
fail:
	free(op);
	free(g->grefs);
	g->grefs = NULL;
	return -1;
}

/* Grant count pages to the backend, domain 0. */
int vf_grant_alloc(struct vf *vf, struct vf_grant *g, unsigned int count,
		   bool writable)
{
	return vf_grant_alloc_to(vf, g, count, writable, 0);
}

/*
 * gntalloc ends the grant only when domain 0 has unmapped it too, so a
 * backend that still holds a page keeps it, never the next user.
 */
void vf_grant_free(struct vf *vf, struct vf_grant *g)
{
	struct ioctl_gntalloc_dealloc_gref d = {
		.index = g->index, .count = g->count,
	};

	if (!g->map)
		return;
	munmap(g->map, (size_t)g->count * VF_PAGE_SIZE);
	if (ioctl(vf->gnt_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d) < 0)
		fprintf(stderr, "vbdfront: releasing grants: %s\n",
			strerror(errno));
	free(g->grefs);
	memset(g, 0, sizeof(*g));
}

int vf_evtchn_bind(struct vf *vf)
{
	struct ioctl_evtchn_bind_unbound_port op = { .remote_domain = 0 };
	int port;

	port = ioctl(vf->evt_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &op);
	if (port < 0) {
		fprintf(stderr, "vbdfront: event channel: %s\n",
			strerror(errno));
		return -1;
	}
	vf->q->port = port;
	return 0;
}

void vf_evtchn_unbind(struct vf *vf)
{
	struct ioctl_evtchn_unbind op = { .port = vf->q->port };

	if (!vf->q->port)
		return;
	if (ioctl(vf->evt_fd, IOCTL_EVTCHN_UNBIND, &op) < 0)
		fprintf(stderr, "vbdfront: unbinding port %u: %s\n", vf->q->port,
			strerror(errno));
	vf->q->port = 0;
}

int vf_evtchn_notify(struct vf *vf)
{
	struct ioctl_evtchn_notify op = { .port = vf->q->port };

	return ioctl(vf->evt_fd, IOCTL_EVTCHN_NOTIFY, &op);
}

/*
 * Wait up to timeout_ms for an event; reading it masks the port, writing it
 * back unmasks. Return: 1 for an event, 0 on timeout, -1 on error.
 */
int vf_evtchn_wait(struct vf *vf, int timeout_ms)
{
	struct pollfd pfd = { .fd = vf->evt_fd, .events = POLLIN };
	unsigned int ports[16];
	ssize_t n;
	int r;

	r = poll(&pfd, 1, timeout_ms);
	if (r <= 0)
		return r < 0 && errno != EINTR ? -1 : 0;
	n = read(vf->evt_fd, ports, sizeof(ports));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n > 0 && write(vf->evt_fd, ports, n) != n)
		return -1;
	return 1;
}
