// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of what vbdtop reads. sysfs files are the kernel's, but vbdtop
 * runs as root against whatever module serves the devices, so nothing here
 * trusts a file's contents: numbers are plain decimal digits that must fit,
 * a file holds exactly what it should, and anything else is refused with
 * -EINVAL (the caller then shows the device, or the field, as unknown).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "parse.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_space(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/*
 * One decimal number at s: returns the end of its digits, or NULL when s
 * holds no digit or the number does not fit in 64 bits.
 */
static const char *scan_u64(const char *s, u64 *v)
{
	const char *p = s;
	u64 n = 0;

	while (*p >= '0' && *p <= '9') {
		unsigned int d = *p - '0';

		if (n > (~0ULL - d) / 10)
			return NULL;
		n = n * 10 + d;
		p++;
	}
	if (p == s)
		return NULL;
	*v = n;
	return p;
}

/**
 * vbd_parse_u64() - parse a file holding one counter ("123\n")
 * @s: NUL-terminated contents
 * @v: the number
 *
 * Return: 0, or -EINVAL unless @s is one unsigned decimal number with
 * optional white space around it; @v is left alone then.
 */
int vbd_parse_u64(const char *s, u64 *v)
{
	unsigned int nr;
	u64 n;

	if (vbd_parse_u64_list(s, &n, 1, &nr) || nr != 1)
		return -EINVAL;
	*v = n;
	return 0;
}

/**
 * vbd_parse_u64_list() - parse white-space separated decimal numbers
 * @s: NUL-terminated contents
 * @v: at least @max numbers
 * @max: most numbers accepted
 * @nr: how many were found
 *
 * Return: 0, or -EINVAL on anything but digits and white space, a number
 * too large, or more than @max numbers (@v may be partly written then).
 */
int vbd_parse_u64_list(const char *s, u64 *v, unsigned int max,
		       unsigned int *nr)
{
	unsigned int n = 0;

	for (s = skip_space(s); *s; s = skip_space(s)) {
		if (n == max)
			return -EINVAL;
		s = scan_u64(s, &v[n]);
		if (!s || (*s && !is_space(*s)))
			return -EINVAL;
		n++;
	}
	*nr = n;
	return 0;
}

/**
 * vbd_parse_hist() - parse a latency/ file: one count per log2 bucket
 * @s: NUL-terminated contents
 * @h: the histogram
 *
 * Return: 0, or -EINVAL if @s is not 1 to VBD_LAT_MAX_BUCKETS counts; @h
 * is left alone then.
 */
int vbd_parse_hist(const char *s, struct vbd_hist *h)
{
	struct vbd_hist t;

	if (vbd_parse_u64_list(s, t.count, VBD_LAT_MAX_BUCKETS, &t.nr) ||
	    !t.nr)
		return -EINVAL;
	*h = t;
	return 0;
}

/**
 * vbd_parse_inflight() - parse vbdback/inflight: "READS OTHERS\n"
 * @s: NUL-terminated contents
 * @rd: reads in flight
 * @wr: everything else in flight (writes, flushes, discards)
 *
 * Return: 0, or -EINVAL unless @s is exactly two numbers.
 */
int vbd_parse_inflight(const char *s, u64 *rd, u64 *wr)
{
	unsigned int nr;
	u64 v[2];

	if (vbd_parse_u64_list(s, v, 2, &nr) || nr != 2)
		return -EINVAL;
	*rd = v[0];
	*wr = v[1];
	return 0;
}

/*
 * A decimal number that fits an unsigned int, ending at the string's end or
 * at @stop. Returns the position after it, or NULL.
 */
static const char *scan_uint(const char *s, char stop, unsigned int *v)
{
	u64 n;

	s = scan_u64(s, &n);
	if (!s || n > UINT_MAX || (*s && *s != stop))
		return NULL;
	*v = n;
	return s;
}

/**
 * vbd_parse_devdir() - parse a backend device's name, "vbd-DOMID-DEVID"
 * @name: the directory entry
 * @domid: the frontend's domain
 * @devid: the virtual device number
 *
 * Return: 0, or -EINVAL for any other name (vif-..., "vbd-1-", "vbd-1-2-3").
 */
int vbd_parse_devdir(const char *name, unsigned int *domid,
		     unsigned int *devid)
{
	const char *p;

	if (strncmp(name, "vbd-", 4))
		return -EINVAL;
	p = scan_uint(name + 4, '-', domid);
	if (!p || *p != '-')
		return -EINVAL;
	p = scan_uint(p + 1, '\0', devid);
	return p ? 0 : -EINVAL;
}

/**
 * vbd_sanitize() - copy a name for display, printable ASCII only
 * @dst: destination
 * @size: its size, at least 1
 * @src: a name read from xenstore
 *
 * Other bytes become '?', so that no name can move the cursor or recolour
 * the operator's terminal, and the JSON output stays valid UTF-8. Names
 * longer than @size - 1 are cut.
 */
void vbd_sanitize(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++) {
		unsigned char c = src[i];

		dst[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	dst[i] = '\0';
}
