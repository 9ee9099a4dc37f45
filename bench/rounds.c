// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench's rounds. Every variant runs in the same boot, in rounds, each
 * round in another order, because this machine is emulated (QEMU TCG) and
 * noisy: absolute figures mean little, ratios between variants of the same
 * round do (report.c takes them).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <linux/disconnectex.h>

#include "guest.h"
#include "rounds.h"
#include "tune.h"
#include "util.h"

const int dcxb_w1_concs[DCXB_W1_CONCS] = { 1, 64, 1024 };

static int add_variant(struct dcxb_rounds *t, int workload, enum dcxb_way way,
		       bool blocking, int conc, int base)
{
	struct dcxb_variant *v = &t->variants[t->nvariants];

	v->workload = workload;
	v->way = way;
	v->blocking = blocking;
	v->conc = conc;
	v->base = base < 0 ? t->nvariants : base;
	v->again = false;
	v->b = false;
	return t->nvariants++;
}

void dcxb_rounds_build(struct dcxb_rounds *t, bool w1, bool w2, int n)
{
	int i, b;

	t->nvariants = 0;
	t->floor_n = n;
	for (i = 0; i < DCXB_MAX_ROUNDS; i++)
		dcxb_floor_init(&t->floor[i]);
	if (w1) {
		for (i = 0; i < DCXB_W1_CONCS; i++) {
			b = add_variant(t, 1, DCXB_FRESH, false, dcxb_w1_concs[i], -1);
			add_variant(t, 1, DCXB_EMULATED, false, dcxb_w1_concs[i], b);
			add_variant(t, 1, DCXB_KERNEL, false, dcxb_w1_concs[i], b);
		}
		b = add_variant(t, 1, DCXB_FRESH, true, 1, -1);
		add_variant(t, 1, DCXB_EMULATED, true, 1, b);
		add_variant(t, 1, DCXB_KERNEL, true, 1, b);
	}
	if (w2) {
		/*
		 * Graceful ends as the module does and loses the socket; the
		 * other references wait for less: graceful-sys skips
		 * IORING_OP_SHUTDOWN's io-wq punt, shutdown+close does not
		 * wait for the peer, shutdown alone is TCP's part (bench/README).
		 */
		b = add_variant(t, 2, DCXB_GRACEFUL, false, n, -1);
		add_variant(t, 2, DCXB_GRACEFUL_SYS, false, n, b);
		add_variant(t, 2, DCXB_CLOSE, false, n, b);
		add_variant(t, 2, DCXB_SHUTDOWN, false, n, b);
		add_variant(t, 2, DCXB_EMULATED, false, n, b);
		add_variant(t, 2, DCXB_KERNEL, false, n, b);
		/*
		 * The repeatable mode's A/A: the kernel variant once more in
		 * every round; the ratio of the two says how repeatable a
		 * figure is within a boot.
		 */
		if (t->repeatable)
			t->variants[add_variant(t, 2, DCXB_KERNEL, false, n, b)].again = true;
		/* --module-b: the other build, between the two A runs. */
		if (t->module_b)
			t->variants[add_variant(t, 2, DCXB_KERNEL, false, n, b)].b = true;
	}
}

int dcxb_rounds_find(const struct dcxb_rounds *t, int workload,
		     enum dcxb_way way, bool blocking, int conc)
{
	const struct dcxb_variant *v;
	int i;

	for (i = 0; i < t->nvariants; i++) {
		v = &t->variants[i];
		if (v->workload == workload && v->way == way &&
		    v->blocking == blocking && v->conc == conc)
			return i;
	}
	return -1;
}

/* The module of file @path in place of the loaded one, and its device. */
static int swap_module(struct dcxb_ctx *c, const char *path)
{
	int ret;

	close(c->devfd);
	ret = tune_module_replace("disconnectex", path);
	c->devfd = open("/dev/" DCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (c->devfd < 0 && !ret) {
		ret = -errno;
		bench_log("# dcxbench: /dev/" DCX_DEVICE_NAME " after %s: %s", path,
			  strerror(errno));
	}
	return ret;
}

static void run_variant(struct dcxb_ctx *c, struct dcxb_rounds *t, int vi,
			int round)
{
	const struct dcxb_variant *v = &t->variants[vi];
	struct dcxb_result *r = &t->results[vi][round];
	int ret;

	dcxb_result_init(r);
	r->ran = true;
	r->speed = guest_speed();
	ret = v->b ? swap_module(c, c->module_b) : 0;
	if (!ret)
		ret = v->workload == 1 ? dcxb_run_w1(c, v, r) : dcxb_run_w2(c, v, r);
	if (v->b && swap_module(c, DCXB_MODULE_A))
		r->failures++;
	if (ret) {
		bench_log("# dcxbench: W%d %s c%d: %s", v->workload,
			  dcxb_variant_name(v), v->conc,
			  strerror(-ret));
		r->failures++;
	}
	bench_log("# round %d W%d %-14s c%-5d %7ld conns %8.1f/s cpu %7.1f us p50 %8.1f p99 %8.1f us thr %ld kthr %ld speed %.0f%s",
		  round + 1, v->workload, dcxb_variant_name(v),
		  v->conc, r->conns, r->rate,
		  isnan(r->busy_us) ? r->user_us + r->sys_us : r->busy_us, r->p50_us,
		  r->p99_us, r->threads, r->kthreads, r->speed,
		  r->failures ? " FAILURES" : "");
	if (v->workload == 2)
		bench_log("#         in flight: slab %.0f B/op, slab objects %.0f B/op (io_kiocb %.0f, dcx_op %.0f)",
			  r->slab_b, r->obj_b, r->kiocb_b, r->dcxop_b);
}

/*
 * The @size variants from @first (a group: three, or W2's six, seven with
 * the A/A), starting from its variant number @turn (mod @size).
 */
static void run_group(struct dcxb_ctx *c, struct dcxb_rounds *t, int first,
		      int size, int round, int turn)
{
	int k;

	for (k = 0; k < size; k++)
		run_variant(c, t, first + (k + turn) % size, round);
}

/*
 * The repeatable mode: one W2 pass of variant @vi, unmeasured, before the
 * rounds. The boot's first W2 run is the first to need 2N sockets at once:
 * it grows the slab caches and the socket tables, and so cost 10 % more
 * than the same variant in the later rounds (shutdown+close at N=2000:
 * 58.2 k-instructions per disconnect, then 52.9 and 52.4).
 */
static void w2_warmup(struct dcxb_ctx *c, struct dcxb_rounds *t, int vi)
{
	const struct dcxb_variant *v = &t->variants[vi];
	struct dcxb_result r;
	int ret;

	dcxb_result_init(&r);
	ret = dcxb_run_w2(c, v, &r);
	if (ret)
		bench_log("# dcxbench: W2 warm-up %s: %s", dcxb_variant_name(v),
			  strerror(-ret));
	t->warmup_failures = r.failures + (ret != 0);
	bench_log("# warm-up W2 %-14s c%-5d %7ld conns, not measured%s",
		  dcxb_variant_name(v), v->conc, r.conns,
		  t->warmup_failures ? " FAILURES" : "");
}

/*
 * Each round walks the W1 groups from a different one and starts each group
 * from a different way, so that no variant always follows the same
 * neighbour. W2 ends every round, so that its 2N sockets and their
 * TIME_WAITs never sit under a W1 group in the middle of a round; which
 * group follows it (the next round's first) changes from round to round.
 */
void dcxb_rounds_run(struct dcxb_ctx *c, struct dcxb_rounds *t)
{
	int w1 = 0, w2_turn = 0, r, g;

	while (w1 * 3 < t->nvariants && t->variants[w1 * 3].workload == 1)
		w1++;
	if (t->repeatable && w1 * 3 < t->nvariants)
		w2_warmup(c, t, w1 * 3);
	for (r = 0; r < t->rounds; r++) {
		for (g = 0; g < w1; g++)
			run_group(c, t, (g + r) % w1 * 3, 3, r, r);
		/* W2 in w2_rounds of the rounds, spread evenly; its own turns. */
		if (w1 * 3 < t->nvariants &&
		    r * t->w2_rounds % t->rounds < t->w2_rounds)
			run_group(c, t, w1 * 3, t->nvariants - w1 * 3, r, w2_turn++);
		else if (w1 * 3 < t->nvariants)
			continue;
		/* The floor's parts, as many of each as W2 disconnects. */
		if (dcxb_floor_measure(c, t->floor_n, &t->floor[r]))
			t->floor_failures++;
	}
}

long dcxb_rounds_failures(const struct dcxb_rounds *t)
{
	long n = t->warmup_failures + t->floor_failures;
	int vi, r;

	for (vi = 0; vi < t->nvariants; vi++)
		for (r = 0; r < t->rounds; r++)
			n += t->results[vi][r].failures;
	return n;
}
