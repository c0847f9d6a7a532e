// SPDX-License-Identifier: GPL-2.0
/*
 * vbdtop: a live per-VBD view for dom0 operators. Every interval it reads
 * the counters of each vbd backend device in sysfs and shows, per device,
 * what the guest did over that interval: IOPS, MB/s, latency percentiles
 * (vbdback only) and the requests in flight.
 *
 * Exit status: 0 on success (also when stopped by SIGINT or SIGTERM),
 * 1 when the backend devices cannot be read or the output cannot be
 * written, 2 for a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "names.h"
#include "output.h"
#include "parse.h"
#include "rows.h"
#include "sample.h"

#define EXIT_USAGE 2
/* Bounds of -d: finer than 10 ms the rates are mostly noise. */
#define VBD_DELAY_MIN 0.01
#define VBD_DELAY_MAX 86400.0

enum vbd_mode {
	VBD_MODE_TERMINAL,
	VBD_MODE_BATCH,
	VBD_MODE_JSON,
};

struct vbd_opts {
	double delay;
	u64 count;		/* 0: until stopped */
	enum vbd_sort sort;
	enum vbd_mode mode;
	const char *root;
	bool xenstore;
};

enum {
	OPT_SYSFS = 0x100,
	OPT_NO_XENSTORE,
};

static const struct option long_opts[] = {
	{ "delay", required_argument, NULL, 'd' },
	{ "iterations", required_argument, NULL, 'i' },
	{ "sort", required_argument, NULL, 's' },
	{ "batch", no_argument, NULL, 'b' },
	{ "json", no_argument, NULL, 'j' },
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
	{ "no-xenstore", no_argument, NULL, OPT_NO_XENSTORE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: vbdtop [-b | -j] [-d SECONDS] [-i COUNT] [-s KEY]\n"
		"              [--sysfs DIR] [--no-xenstore]\n"
		"\n"
		"Per virtual block device served by this domain: guest, device,\n"
		"read and write IOPS and MB/s (MB = 10^6 bytes), p50 and p99 backend\n"
		"latency in microseconds (estimated from log2 buckets) and the\n"
		"requests in flight, over each interval. '-' where the backend\n"
		"does not tell (xen-blkback has no latency or in-flight counts).\n"
		"\n"
		"  -d, --delay SECONDS    interval between refreshes (default 1)\n"
		"  -i, --iterations COUNT stop after COUNT refreshes (-n: the same)\n"
		"  -s, --sort KEY         iops (default), mbs, p99 or name\n"
		"  -b, --batch            plain table per refresh, no escapes\n"
		"  -j, --json             one JSON object per refresh and line\n"
		"      --sysfs DIR        backend devices' directory\n"
		"                         (default " VBD_SYSFS_ROOT ")\n"
		"      --no-xenstore      name guests dom<ID>, devices by number\n"
		"  -h, --help             this text\n"
		"  -V, --version          the version\n"
		"\n"
		"Exit status: 0 ok, 1 devices unreadable or output failed,\n"
		"2 bad usage.\n");
}

static int parse_delay(const char *s, double *delay)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) ||
	    v < VBD_DELAY_MIN || v > VBD_DELAY_MAX)
		return -EINVAL;
	*delay = v;
	return 0;
}

static int parse_count(const char *s, u64 *count)
{
	if (vbd_parse_u64(s, count) || !*count)
		return -EINVAL;
	return 0;
}

static int bad_arg(const char *opt, const char *arg)
{
	fprintf(stderr, "vbdtop: bad %s '%s' (see vbdtop --help)\n", opt, arg);
	return EXIT_USAGE;
}

/*
 * The command line into @o. Returns -1 to go on, or the exit status when
 * vbdtop is to stop at once (--help, --version, a bad option).
 */
static int parse_args(int argc, char **argv, struct vbd_opts *o)
{
	int c;

	*o = (struct vbd_opts){ .delay = 1, .root = VBD_SYSFS_ROOT,
				.xenstore = true };
	while ((c = getopt_long(argc, argv, "d:i:n:s:bjhV", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_delay(optarg, &o->delay))
				return bad_arg("delay", optarg);
			break;
		case 'i':
		case 'n':	/* vbdtop's first name for -i */
			if (parse_count(optarg, &o->count))
				return bad_arg("count", optarg);
			break;
		case 's':
			if (vbd_sort_parse(optarg, &o->sort))
				return bad_arg("sort key", optarg);
			break;
		case 'b':
			if (o->mode != VBD_MODE_JSON)
				o->mode = VBD_MODE_BATCH;
			break;
		case 'j':
			o->mode = VBD_MODE_JSON;
			break;
		case OPT_SYSFS:
			o->root = optarg;
			break;
		case OPT_NO_XENSTORE:
			o->xenstore = false;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		case 'V':
			printf("vbdtop %s\n", VBDTOP_VERSION);
			return 0;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vbdtop: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

/*
 * SIGINT and SIGTERM are blocked and waited for while vbdtop sleeps, so that
 * they end it between refreshes, with its output whole, and no handler
 * runs in the middle of anything.
 */
static void block_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static double clock_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Sleep until CLOCK_MONOTONIC reaches @t. Returns -1 if a signal of @stop
 * came first.
 */
static int sleep_until(double t, const sigset_t *stop)
{
	struct timespec ts;
	double left;

	for (;;) {
		left = t - clock_now(CLOCK_MONOTONIC);
		if (left <= 0)
			left = 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (sigtimedwait(stop, NULL, &ts) > 0)
			return -1;
		if (errno == EAGAIN)
			return 0;
	}
}

/*
 * The next refresh: one interval after the last, so that refreshes do not
 * drift; or one interval from now, after a scan that took longer.
 */
static double next_deadline(double last, double delay)
{
	double now = clock_now(CLOCK_MONOTONIC);

	return last + delay > now ? last + delay : now + delay;
}

/* A scan of @root into @cur, named, with the names @prev already had. */
static int scan_named(const struct vbd_opts *o, struct vbd_names *names,
		      const struct vbd_sample_set *prev,
		      struct vbd_sample_set *cur)
{
	int ret = vbd_scan(o->root, cur);

	if (ret) {
		fprintf(stderr, "vbdtop: %s: %s\n", o->root, strerror(-ret));
		return ret;
	}
	if (prev)
		vbd_carry_names(prev, cur);
	vbd_names_fill(names, cur);
	return 0;
}

/* Rows that fit the terminal below the title and the column names. */
static size_t terminal_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_row < 4)
		return 0;
	return ws.ws_row - 3;
}

static int print_frame(const struct vbd_opts *o, const struct vbd_frame *fr,
		       const struct vbd_row *rows, size_t nr)
{
	switch (o->mode) {
	case VBD_MODE_JSON:
		if (vbd_print_json(stdout, fr, rows, nr)) {
			fprintf(stderr, "vbdtop: out of memory\n");
			return -ENOMEM;
		}
		break;
	case VBD_MODE_BATCH:
		vbd_print_table(stdout, fr, rows, nr, 0);
		putchar('\n');
		break;
	case VBD_MODE_TERMINAL:
		/* Cursor home, clear the screen: plain VT100. */
		fputs("\033[H\033[2J", stdout);
		vbd_print_table(stdout, fr, rows, nr, terminal_rows());
		break;
	}
	return 0;
}

/*
 * On a terminal, rates take one interval to come: say so at once rather
 * than leave the operator before a blank screen.
 */
static void print_waiting(const struct vbd_opts *o)
{
	if (o->mode != VBD_MODE_TERMINAL)
		return;
	printf("\033[H\033[2Jvbdtop: first sample taken, figures in %.2f s\n",
	       o->delay);
	fflush(stdout);
}

/* One refresh: the rows between two scans, sorted and printed. */
static int show(const struct vbd_opts *o, const struct vbd_sample_set *prev,
		const struct vbd_sample_set *cur, struct vbd_row *rows)
{
	struct vbd_frame fr = {
		.time = clock_now(CLOCK_REALTIME),
		.interval = cur->when - prev->when,
		.sort = o->sort,
	};
	size_t nr;

	nr = vbd_rows_build(prev, cur, rows);
	vbd_rows_sort(rows, nr, o->sort);
	if (print_frame(o, &fr, rows, nr))
		return -ENOMEM;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "vbdtop: cannot write output\n");
		return -EIO;
	}
	return 0;
}

static int grow_rows(struct vbd_row **rows, size_t *cap, size_t need)
{
	struct vbd_row *r;

	if (need <= *cap)
		return 0;
	r = realloc(*rows, need * sizeof(*r));
	if (!r) {
		fprintf(stderr, "vbdtop: out of memory\n");
		return -ENOMEM;
	}
	*rows = r;
	*cap = need;
	return 0;
}

static int run(const struct vbd_opts *o, const sigset_t *stop)
{
	struct vbd_sample_set sets[2] = { 0 }, *prev = &sets[0], *cur = &sets[1];
	struct vbd_sample_set *tmp;
	struct vbd_row *rows = NULL;
	struct vbd_names names;
	size_t rows_cap = 0;
	double next;
	u64 i;
	int ret;

	if (vbd_names_open(&names, o->xenstore))
		fprintf(stderr, "vbdtop: xenstore not reachable: guests are shown as dom<ID>\n");
	ret = scan_named(o, &names, NULL, prev);
	if (!ret)
		print_waiting(o);
	next = prev->when + o->delay;
	for (i = 0; !ret && (!o->count || i < o->count); i++) {
		if (sleep_until(next, stop))
			break;
		ret = scan_named(o, &names, prev, cur) ?:
		      grow_rows(&rows, &rows_cap, cur->nr) ?:
		      show(o, prev, cur, rows);
		tmp = prev;
		prev = cur;
		cur = tmp;
		next = next_deadline(next, o->delay);
	}
	free(rows);
	vbd_set_free(&sets[0]);
	vbd_set_free(&sets[1]);
	vbd_names_close(&names);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct vbd_opts o;
	sigset_t stop;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret >= 0)
		return ret;
	block_stop_signals(&stop);
	return run(&o, &stop);
}
