// SPDX-License-Identifier: GPL-2.0
/*
 * vbdfront: a hostile blkif frontend, run in a guest whose xen-blkfront is
 * not loaded.
 *
 *   vbdfront [--devid N] conform
 *   vbdfront [--devid N] [--abi 32|64] [--order N] [--persistent 0|1]
 *            fuzz --seed S --count M
 *   vbdfront [--devid N] storm --count N
 *   vbdfront [--devid N] [--queues Q] fuzz ...: batches round-robin over
 *            Q rings (multi-queue-num-queues, queue-N/ keys)
 *   vbdfront [--devid N] xsabuse
 *   vbdfront [--devid N] xsgone --state S
 *   vbdfront [--devid N] xsfuzz --seed S --count M
 *   vbdfront [--devid N] crash --count M --slots K --run TAG: the crash
 *            check's barrier workload (crash.c)
 *
 * Prints "CASE name: PASS|FAIL detail" lines and a SUMMARY line; exits 0
 * only if every case passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "vbdfront.h"

static struct vf vf_state = {
	.gnt_fd = -1, .evt_fd = -1, .q = &vf_state.queues[0],
};

static void vf_usage(void)
{
	fprintf(stderr,
		"usage: vbdfront [--devid N] [--abi 32|64] [--order N] [--persistent 0|1]\n"
		"                [--queues Q]\n"
		"                conform | fuzz --seed S --count M | storm --count N |\n"
		"                xsabuse | xsgone --state S | xsfuzz --seed S --count M |\n"
		"                crash --count M --slots K --run TAG\n");
	exit(2);
}

/* The first vbd of this guest, when no --devid is given. */
static int vf_first_devid(unsigned int *devid)
{
	struct xs_handle *xs = xs_open(0);
	unsigned int n = 0;
	char **ents;

	if (!xs)
		return -1;
	ents = xs_directory(xs, XBT_NULL, "device/vbd", &n);
	if (ents && n)
		*devid = strtoul(ents[0], NULL, 10);
	free(ents);
	xs_close(xs);
	return n ? 0 : -1;
}

static u64 vf_num(const char *s)
{
	char *end;
	u64 v = strtoull(s, &end, 0);

	if (end == s || *end)
		vf_usage();
	return v;
}

int main(int argc, char **argv)
{
	/* Both ABIs, one and several ring pages, with and without persistence. */
	static const struct vf_config conform_cfgs[] = {
		{ .abi = VF_ABI_X86_64, .ring_order = 0, .persistent = true },
		{ .abi = VF_ABI_X86_32, .ring_order = 2, .persistent = false },
		{ .abi = VF_ABI_X86_64, .ring_order = 4, .persistent = false },
		{ .abi = VF_ABI_X86_32, .ring_order = 0, .persistent = true },
	};
	struct vf_config cfg = { .abi = VF_ABI_X86_64, .ring_order = 2,
				 .persistent = true };
	u64 seed = 1, count = 1000;
	unsigned int devid = 0;
	const char *state = "0", *run = "run";
	unsigned int slots = 64;
	bool have_devid = false;
	const char *mode = NULL;
	struct vf *vf = &vf_state;
	int i, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "conform") || !strcmp(a, "fuzz") ||
		    !strcmp(a, "storm") || !strcmp(a, "xsabuse") ||
		    !strcmp(a, "xsgone") || !strcmp(a, "xsfuzz") ||
		    !strcmp(a, "crash")) {
			mode = a;
			continue;
		}
		if (!v)
			vf_usage();
		if (!strcmp(a, "--devid")) {
			devid = vf_num(v);
			have_devid = true;
		} else if (!strcmp(a, "--abi")) {
			cfg.abi = vf_num(v) == 32 ? VF_ABI_X86_32 : VF_ABI_X86_64;
		} else if (!strcmp(a, "--order")) {
			cfg.ring_order = vf_num(v);
		} else if (!strcmp(a, "--persistent")) {
			cfg.persistent = vf_num(v) != 0;
		} else if (!strcmp(a, "--state")) {
			state = v;
		} else if (!strcmp(a, "--queues")) {
			cfg.nr_queues = vf_num(v);
		} else if (!strcmp(a, "--seed")) {
			seed = vf_num(v);
		} else if (!strcmp(a, "--count")) {
			count = vf_num(v);
		} else if (!strcmp(a, "--slots")) {
			slots = vf_num(v);
		} else if (!strcmp(a, "--run")) {
			run = v;
		} else {
			vf_usage();
		}
		i++;
	}
	if (!mode || cfg.ring_order > VF_MAX_RING_ORDER ||
	    cfg.nr_queues > VF_MAX_QUEUES)
		vf_usage();
	if (!have_devid && vf_first_devid(&devid)) {
		fprintf(stderr, "vbdfront: this guest has no vbd\n");
		return 1;
	}
	if (vf_xs_open(vf, devid))
		return 1;
	if (vf_plumb_open(vf)) {
		vf_xs_close(vf);
		return 1;
	}
	printf("vbdfront: device %u, backend %s\n", devid, vf->be);
	if (!strcmp(mode, "conform"))
		rc = vf_conform(vf, ARRAY_SIZE(conform_cfgs),
				conform_cfgs);
	else if (!strcmp(mode, "fuzz"))
		rc = vf_fuzz(vf, &cfg, seed, count);
	else if (!strcmp(mode, "xsabuse"))
		rc = vf_xsabuse(vf);
	else if (!strcmp(mode, "xsgone"))
		rc = vf_xsgone(vf, state);
	else if (!strcmp(mode, "xsfuzz"))
		rc = vf_xsfuzz(vf, &cfg, seed, count);
	else if (!strcmp(mode, "crash"))
		rc = vf_crash(vf, &cfg, count, slots, run);
	else
		rc = vf_storm(vf, &cfg, count);
	vf_plumb_close(vf);
	vf_xs_close(vf);
	return rc;
}
