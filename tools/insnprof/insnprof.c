// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: a QEMU TCG plugin that counts the instructions each vCPU
 * executes, per translated block, and writes them out on request. It is how
 * make bench shows where the instructions of an I/O go: under -icount,
 * virtual time is instructions, so a backend is faster exactly where it
 * executes fewer of them.
 *
 * In the lab, Xen runs dom0 pinned to the machine's CPU 0 and the guest on
 * CPU 1, so the vCPU an instruction ran on says which domain (or Xen on its
 * behalf) spent it.
 *
 * Requests come through files, so that dom0 can make them over 9p: a file
 * DIR/request holding a NAME makes the plugin write DIR/NAME.tsv and then
 * remove the request. NAME.tsv holds what each block executed since the
 * previous request, one line per block that executed at all:
 *
 *	vaddr(hex) insns-per-run insns-on-vcpu0 insns-on-vcpu1 ...
 *
 * usage: qemu-system-x86_64 -plugin path/to/insnprof.so,dir=DIR ...
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define PROF_MAX_VCPUS 8
#define PROF_NAME_MAX 128
/* How often the request file is looked for, in microseconds. */
#define PROF_POLL_US 20000

/* One translated block, told apart by where it starts and its length. */
struct prof_block {
	uint64_t vaddr;
	uint64_t n_insns;
	uint64_t insns[PROF_MAX_VCPUS];
	/* what the previous request wrote out */
	uint64_t done[PROF_MAX_VCPUS];
	struct prof_block *next;
};

/*
 * The plugin's state: QEMU's callbacks carry no context of their own. The
 * block table is changed only under lock; the counters are written by the
 * vCPU thread alone (the lab runs TCG single-threaded) and read by the
 * request thread, for which a count a few blocks stale is good enough.
 */
struct prof {
	pthread_mutex_t lock;
	struct prof_block **buckets;
	size_t n_buckets;
	size_t n_blocks;
	unsigned int n_vcpus;
	const char *dir;
	pthread_t thread;
	atomic_bool stop;
};

static struct prof prof = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t prof_hash(uint64_t vaddr, uint64_t n_insns, size_t n_buckets)
{
	uint64_t h = (vaddr ^ (n_insns << 56)) * 0x9e3779b97f4a7c15ULL;

	return (h >> 20) & (n_buckets - 1);
}

/* Double the table when it is full on average; blocks stay where they are. */
static void prof_grow(void)
{
	size_t n = prof.n_buckets * 2, i, h;
	struct prof_block **b, *blk, *next;

	b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (i = 0; i < prof.n_buckets; i++) {
		for (blk = prof.buckets[i]; blk; blk = next) {
			next = blk->next;
			h = prof_hash(blk->vaddr, blk->n_insns, n);
			blk->next = b[h];
			b[h] = blk;
		}
	}
	free(prof.buckets);
	prof.buckets = b;
	prof.n_buckets = n;
}

/* The block for (vaddr, n_insns), made on first sight; NULL without memory. */
static struct prof_block *prof_block_get(uint64_t vaddr, uint64_t n_insns)
{
	struct prof_block *blk;
	size_t h;

	pthread_mutex_lock(&prof.lock);
	h = prof_hash(vaddr, n_insns, prof.n_buckets);
	for (blk = prof.buckets[h]; blk; blk = blk->next)
		if (blk->vaddr == vaddr && blk->n_insns == n_insns)
			goto out_unlock;
	blk = calloc(1, sizeof(*blk));
	if (!blk)
		goto out_unlock;
	blk->vaddr = vaddr;
	blk->n_insns = n_insns;
	blk->next = prof.buckets[h];
	prof.buckets[h] = blk;
	if (++prof.n_blocks > prof.n_buckets)
		prof_grow();
out_unlock:
	pthread_mutex_unlock(&prof.lock);
	return blk;
}

static void prof_exec(unsigned int vcpu, void *udata)
{
	struct prof_block *blk = udata;

	if (vcpu < PROF_MAX_VCPUS)
		blk->insns[vcpu] += blk->n_insns;
}

static void prof_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct prof_block *blk;

	blk = prof_block_get(qemu_plugin_tb_vaddr(tb),
			     qemu_plugin_tb_n_insns(tb));
	if (blk)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, prof_exec,
						     QEMU_PLUGIN_CB_NO_REGS, blk);
}

/* Write one block's counts since the last request; false if none. */
static bool prof_write_block(FILE *f, struct prof_block *blk)
{
	uint64_t d[PROF_MAX_VCPUS];
	bool any = false;
	unsigned int v;

	for (v = 0; v < prof.n_vcpus; v++) {
		d[v] = blk->insns[v] - blk->done[v];
		blk->done[v] += d[v];
		any |= d[v] != 0;
	}
	if (!any)
		return false;
	fprintf(f, "%016" PRIx64 "\t%" PRIu64, blk->vaddr, blk->n_insns);
	for (v = 0; v < prof.n_vcpus; v++)
		fprintf(f, "\t%" PRIu64, d[v]);
	fputc('\n', f);
	return true;
}

static int prof_write(const char *path)
{
	struct prof_block *blk;
	size_t i;
	FILE *f;
	int err;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	pthread_mutex_lock(&prof.lock);
	for (i = 0; i < prof.n_buckets; i++)
		for (blk = prof.buckets[i]; blk; blk = blk->next)
			prof_write_block(f, blk);
	pthread_mutex_unlock(&prof.lock);
	err = ferror(f) ? -EIO : 0;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* A request's name is used as a file name: letters, digits, . _ - only. */
static bool prof_name_ok(const char *name)
{
	const char *c;

	for (c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
			return false;
	return name[0] && name[0] != '.';
}

static void prof_serve(void)
{
	char req[PATH_MAX], tmp[PATH_MAX], out[PATH_MAX], name[PROF_NAME_MAX];
	FILE *f;
	int err;

	snprintf(req, sizeof(req), "%s/request", prof.dir);
	f = fopen(req, "r");
	if (!f)
		return;
	if (!fgets(name, sizeof(name), f))
		name[0] = '\0';
	fclose(f);
	name[strcspn(name, "\n")] = '\0';
	if (!prof_name_ok(name)) {
		fprintf(stderr, "insnprof: bad request name '%s'\n", name);
		unlink(req);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", prof.dir, name);
	snprintf(out, sizeof(out), "%s/%s.tsv", prof.dir, name);
	err = prof_write(tmp);
	if (!err && rename(tmp, out))
		err = -errno;
	if (err)
		fprintf(stderr, "insnprof: %s: %s\n", out, strerror(-err));
	/* the requester waits for this: the answer is complete by now */
	unlink(req);
}

static void *prof_poll(void *arg)
{
	while (!atomic_load(&prof.stop)) {
		usleep(PROF_POLL_US);
		prof_serve();
	}
	return NULL;
}

static void prof_exit(qemu_plugin_id_t id, void *udata)
{
	atomic_store(&prof.stop, true);
	pthread_join(prof.thread, NULL);
}

static int prof_parse_args(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "dir=", 4) && argv[i][4]) {
			prof.dir = argv[i] + 4;
			continue;
		}
		fprintf(stderr, "insnprof: unknown argument '%s'\n", argv[i]);
		return -EINVAL;
	}
	if (!prof.dir) {
		fprintf(stderr, "insnprof: needs dir=DIR\n");
		return -EINVAL;
	}
	return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	if (prof_parse_args(argc, argv))
		return -1;
	prof.n_vcpus = info->system_emulation ? info->system.max_vcpus : 1;
	if (prof.n_vcpus > PROF_MAX_VCPUS) {
		fprintf(stderr, "insnprof: at most %d vCPUs\n", PROF_MAX_VCPUS);
		return -1;
	}
	prof.n_buckets = 1 << 16;
	prof.buckets = calloc(prof.n_buckets, sizeof(*prof.buckets));
	if (!prof.buckets)
		return -1;
	if (pthread_create(&prof.thread, NULL, prof_poll, NULL)) {
		free(prof.buckets);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, prof_translate);
	qemu_plugin_register_atexit_cb(id, prof_exit, NULL);
	return 0;
}
