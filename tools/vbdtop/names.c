// SPDX-License-Identifier: GPL-2.0
/*
 * Names for the rows: the guest's from /local/domain/DOMID/name and the
 * device's from the key "dev" of the backend directory (the nodename sysfs
 * gives; /local/domain/0/backend/vbd/DOMID/DEVID where it has none).
 * Without xenstore, a guest is "dom<DOMID>" and a device its number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "names.h"
#include "parse.h"

/**
 * vbd_names_open() - connect to xenstore, read-only
 * @n: the connection
 * @use_xenstore: false for fallback names only
 *
 * Return: 0, or -ENOENT when xenstore was wanted but is not reachable;
 * fallback names are used then.
 */
int vbd_names_open(struct vbd_names *n, bool use_xenstore)
{
	n->xs = use_xenstore ? xs_open(XS_OPEN_READONLY) : NULL;
	return use_xenstore && !n->xs ? -ENOENT : 0;
}

/**
 * vbd_names_close() - disconnect from xenstore
 * @n: the connection
 */
void vbd_names_close(struct vbd_names *n)
{
	if (n->xs)
		xs_close(n->xs);
	n->xs = NULL;
}

/* A key's value, made printable; false if it cannot be read. */
static bool xs_get(struct xs_handle *xs, const char *path, char *buf,
		   size_t size)
{
	unsigned int len;
	char *v;

	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v)
		return false;
	vbd_sanitize(buf, size, v);
	free(v);
	return buf[0] != '\0';
}

/**
 * vbd_names_fallback() - the names used without xenstore
 * @s: the sample: "dom<DOMID>" and the device number
 */
void vbd_names_fallback(struct vbd_sample *s)
{
	snprintf(s->name, sizeof(s->name), "dom%u", s->domid);
	snprintf(s->dev, sizeof(s->dev), "%u", s->devid);
}

/**
 * vbd_names_lookup() - name one device
 * @n: the xenstore connection
 * @s: the sample, named afterwards
 *
 * A key xenstore does not have yet (a guest being built) gets its fallback
 * name for now, and @s->named stays false so that the next scan asks again.
 */
void vbd_names_lookup(struct vbd_names *n, struct vbd_sample *s)
{
	char path[VBD_PATH_LEN + 16];
	bool name_ok, dev_ok;

	vbd_names_fallback(s);
	s->named = !n->xs;
	if (!n->xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/name", s->domid);
	name_ok = xs_get(n->xs, path, s->name, sizeof(s->name));
	if (s->nodename[0])
		snprintf(path, sizeof(path), "%s/dev", s->nodename);
	else
		snprintf(path, sizeof(path),
			 "/local/domain/0/backend/vbd/%u/%u/dev",
			 s->domid, s->devid);
	dev_ok = xs_get(n->xs, path, s->dev, sizeof(s->dev));
	if (!name_ok)
		snprintf(s->name, sizeof(s->name), "dom%u", s->domid);
	if (!dev_ok)
		snprintf(s->dev, sizeof(s->dev), "%u", s->devid);
	s->named = name_ok && dev_ok;
}

/**
 * vbd_names_fill() - name the devices of a scan that are not named yet
 * @n: the xenstore connection
 * @set: the scan, after vbd_carry_names()
 */
void vbd_names_fill(struct vbd_names *n, struct vbd_sample_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (!set->v[i].named)
			vbd_names_lookup(n, &set->v[i]);
}
