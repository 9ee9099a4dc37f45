// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench: SPEC section 5, inside the test VM.
 *
 * Every variant runs in the same boot, in rounds, each round in another
 * order, because this machine is emulated (QEMU TCG) and noisy: absolute
 * figures mean little, ratios between variants of the same round do. The
 * report gives per variant the median over rounds, and the median of the
 * per-round ratios to the baseline (fresh sockets at the same concurrency;
 * shutdown+close for W2).
 *
 * Output: progress and a table for people, "DCXBENCH-CSV: " and
 * "DCXBENCH-TARGET: " lines for the host to pick out of the results port
 * (the VM shares no filesystem), and one TAP line for the runner: not ok if
 * any connection failed or the server saw a reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <linux/disconnectex.h>

#include "dcxbench.h"

#define MAX_VARIANTS	16
#define MAX_ROUNDS	31

static const int w1_concs[] = { 1, 64, 1024 };

static struct dcxb_variant variants[MAX_VARIANTS];
static int nvariants;
static struct dcxb_result results[MAX_VARIANTS][MAX_ROUNDS];

void dcxb_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *dcxb_way_name(enum dcxb_way way, bool blocking)
{
	static const char *const ring[] = {
		"fresh", "emulated", "kernel", "shutdown+close",
	};
	static const char *const blk[] = {
		"fresh-blk", "emulated-blk", "kernel-blk", "close-blk",
	};

	return blocking ? blk[way] : ring[way];
}

static int add_variant(int workload, enum dcxb_way way, bool blocking,
		       int conc, int base)
{
	struct dcxb_variant *v = &variants[nvariants];

	v->workload = workload;
	v->way = way;
	v->blocking = blocking;
	v->conc = conc;
	v->base = base < 0 ? nvariants : base;
	return nvariants++;
}

/*
 * Groups of three that run back to back; the baseline comes first in each
 * group, so it is its own base.
 */
static void build_variants(const struct dcxb_opts *o)
{
	size_t i;
	int b;

	if (o->w1) {
		for (i = 0; i < DCXB_ARRAY_SIZE(w1_concs); i++) {
			b = add_variant(1, DCXB_FRESH, false, w1_concs[i], -1);
			add_variant(1, DCXB_EMULATED, false, w1_concs[i], b);
			add_variant(1, DCXB_KERNEL, false, w1_concs[i], b);
		}
		b = add_variant(1, DCXB_FRESH, true, 1, -1);
		add_variant(1, DCXB_EMULATED, true, 1, b);
		add_variant(1, DCXB_KERNEL, true, 1, b);
	}
	if (o->w2) {
		b = add_variant(2, DCXB_CLOSE, false, o->n, -1);
		add_variant(2, DCXB_EMULATED, false, o->n, b);
		add_variant(2, DCXB_KERNEL, false, o->n, b);
	}
}

static int find_variant(int workload, enum dcxb_way way, bool blocking,
			int conc)
{
	int i;

	for (i = 0; i < nvariants; i++)
		if (variants[i].workload == workload && variants[i].way == way &&
		    variants[i].blocking == blocking && variants[i].conc == conc)
			return i;
	return -1;
}

static void result_init(struct dcxb_result *r)
{
	memset(r, 0, sizeof(*r));
	r->rate = r->user_us = r->sys_us = r->p50_us = r->p99_us = NAN;
	r->slab_b = r->obj_b = r->kiocb_b = r->dcxop_b = NAN;
	r->cli_us = r->srv_cpu_us = r->kthr_us = r->irq_us = r->ctxt = NAN;
	r->speed = NAN;
}

static void run_variant(struct dcxb_ctx *c, int vi, int round)
{
	const struct dcxb_variant *v = &variants[vi];
	struct dcxb_result *r = &results[vi][round];
	int ret;

	result_init(r);
	r->ran = true;
	r->speed = dcxb_speed();
	ret = v->workload == 1 ? dcxb_run_w1(c, v, r) : dcxb_run_w2(c, v, r);
	if (ret) {
		dcxb_log("# dcxbench: W%d %s c%d: %s", v->workload,
			 dcxb_way_name(v->way, v->blocking), v->conc,
			 strerror(-ret));
		r->failures++;
	}
	dcxb_log("# round %d W%d %-14s c%-5d %7ld conns %8.1f/s cpu %7.1f us p50 %8.1f p99 %8.1f us thr %ld kthr %ld speed %.0f%s",
		 round + 1, v->workload, dcxb_way_name(v->way, v->blocking),
		 v->conc, r->conns, r->rate, r->user_us + r->sys_us, r->p50_us,
		 r->p99_us, r->threads, r->kthreads, r->speed,
		 r->failures ? " FAILURES" : "");
	if (v->workload == 2)
		dcxb_log("#         in flight: slab %.0f B/op, slab objects %.0f B/op (io_kiocb %.0f, dcx_op %.0f)",
			 r->slab_b, r->obj_b, r->kiocb_b, r->dcxop_b);
}

/* Group @g, starting from its way number @turn (mod 3). */
static void run_group(struct dcxb_ctx *c, int g, int round, int turn)
{
	int k;

	for (k = 0; k < 3; k++)
		run_variant(c, g * 3 + (k + turn) % 3, round);
}

/*
 * Each round walks the W1 groups from a different one and starts each group
 * from a different way, so that no variant always follows the same
 * neighbour. W2 ends every round, so that its 2N sockets and their
 * TIME_WAITs never sit under a W1 group in the middle of a round; which
 * group follows it (the next round's first) changes from round to round.
 */
static void run_rounds(struct dcxb_ctx *c, int rounds, int w2_rounds)
{
	int w1 = 0, w2_turn = 0, r, g;

	while (w1 * 3 < nvariants && variants[w1 * 3].workload == 1)
		w1++;
	for (r = 0; r < rounds; r++) {
		for (g = 0; g < w1; g++)
			run_group(c, (g + r) % w1, r, r);
		/* W2 in @w2_rounds of the rounds, spread evenly; its own turns. */
		if (w1 * 3 < nvariants && r * w2_rounds % rounds < w2_rounds)
			run_group(c, w1, r, w2_turn++);
	}
}

/* The @q quantile (0..1, interpolated) of the values of @v that are not NaN. */
static double quantile(double *v, int n, double q)
{
	double t, pos;
	int i, j, m = 0;

	for (i = 0; i < n; i++)		/* drop NaN, insertion sort */
		if (!isnan(v[i]))
			v[m++] = v[i];
	for (i = 1; i < m; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (!m)
		return NAN;
	pos = q * (m - 1);
	i = (int)pos;
	return i + 1 < m ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i];
}

static double median(double *v, int n)
{
	return quantile(v, n, 0.5);
}

static double cpu_us(const struct dcxb_result *r)
{
	return r->user_us + r->sys_us;
}

/* The @q quantile over rounds of @f(variant a) / @f(variant b), by round. */
static double ratio_q(int a, int b, int rounds,
		      double (*f)(const struct dcxb_result *), double q)
{
	double v[MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++)
		v[r] = results[a][r].ran && results[b][r].ran ?
		       f(&results[a][r]) / f(&results[b][r]) : NAN;
	return quantile(v, rounds, q);
}

static double ratio(int a, int b, int rounds,
		    double (*f)(const struct dcxb_result *))
{
	return ratio_q(a, b, rounds, f, 0.5);
}

#define FIELD_FN(field) \
	static double f_##field(const struct dcxb_result *r) \
	{ return (double)r->field; }
FIELD_FN(rate)
FIELD_FN(user_us)
FIELD_FN(sys_us)
FIELD_FN(p50_us)
FIELD_FN(p99_us)
FIELD_FN(threads)
FIELD_FN(kthreads)
FIELD_FN(slab_b)
FIELD_FN(obj_b)
FIELD_FN(kiocb_b)
FIELD_FN(dcxop_b)
FIELD_FN(srv_cpu_us)
FIELD_FN(cli_us)
FIELD_FN(kthr_us)
FIELD_FN(irq_us)
FIELD_FN(ctxt)
FIELD_FN(speed)
FIELD_FN(conns)
FIELD_FN(secs)

static double med(int vi, int rounds, double (*f)(const struct dcxb_result *))
{
	double v[MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++)
		v[r] = results[vi][r].ran ? f(&results[vi][r]) : NAN;
	return median(v, rounds);
}

static long total_failures(int vi, int rounds)
{
	long n = 0;
	int r;

	for (r = 0; r < rounds; r++)
		n += results[vi][r].failures;
	return n;
}

static void csv_row(const char *kind, int round, int vi,
		    const struct dcxb_result *r, double xrate, double xcpu)
{
	const struct dcxb_variant *v = &variants[vi];

	printf("DCXBENCH-CSV: %s,%d,W%d,%s,%s,%d,%ld,%ld,%.3f,%.1f,%.2f,%.2f,%.2f,%.1f,%.1f,%ld,%ld,%.1f,%.1f,%.1f,%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.1f,%.3f,%.3f\n",
	       kind, round, v->workload, dcxb_way_name(v->way, false),
	       v->blocking ? "blocking" : "ring", v->conc, r->conns,
	       r->failures, r->secs, r->rate, r->user_us, r->sys_us, cpu_us(r),
	       r->p50_us, r->p99_us, r->threads, r->kthreads, r->slab_b,
	       r->obj_b, r->kiocb_b, r->dcxop_b, r->cli_us, r->srv_cpu_us,
	       r->kthr_us, r->irq_us, r->ctxt, r->speed, xrate, xcpu);
}

/* The medians, as a result of their own. */
static void median_result(int vi, int rounds, struct dcxb_result *m)
{
	result_init(m);
	m->conns = lround(med(vi, rounds, f_conns));
	m->failures = total_failures(vi, rounds);
	m->secs = med(vi, rounds, f_secs);
	m->rate = med(vi, rounds, f_rate);
	m->user_us = med(vi, rounds, f_user_us);
	m->sys_us = med(vi, rounds, f_sys_us);
	m->p50_us = med(vi, rounds, f_p50_us);
	m->p99_us = med(vi, rounds, f_p99_us);
	m->threads = lround(med(vi, rounds, f_threads));
	m->kthreads = lround(med(vi, rounds, f_kthreads));
	m->slab_b = med(vi, rounds, f_slab_b);
	m->obj_b = med(vi, rounds, f_obj_b);
	m->kiocb_b = med(vi, rounds, f_kiocb_b);
	m->dcxop_b = med(vi, rounds, f_dcxop_b);
	m->cli_us = med(vi, rounds, f_cli_us);
	m->srv_cpu_us = med(vi, rounds, f_srv_cpu_us);
	m->kthr_us = med(vi, rounds, f_kthr_us);
	m->irq_us = med(vi, rounds, f_irq_us);
	m->ctxt = med(vi, rounds, f_ctxt);
	m->speed = med(vi, rounds, f_speed);
}

static double probe_med(int vi, int rounds, int k)
{
	double v[MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++)
		v[r] = results[vi][r].ran ? results[vi][r].probe[k] : NAN;
	return median(v, rounds);
}

/* --profile: calls per connection of each probed kernel function. */
static void report_probes(int rounds)
{
	int vi, k;

	printf("\n--profile: kernel function calls per connection (kprobe hits, medians;\n"
	       "the probes slow everything, so this run's rates are not the benchmark's):\n\n");
	printf("%-2s %-14s %5s |", "W", "variant", "conc");
	for (k = 0; k < dcxb_nprobes; k++)
		printf(" %6d", k + 1);
	printf("\n");
	for (vi = 0; vi < nvariants; vi++) {
		const struct dcxb_variant *v = &variants[vi];

		printf("%-2d %-14s %5d |", v->workload,
		       dcxb_way_name(v->way, v->blocking), v->conc);
		for (k = 0; k < dcxb_nprobes; k++)
			printf(" %6.2f", probe_med(vi, rounds, k));
		printf("\n");
	}
	for (k = 0; k < dcxb_nprobes; k++)
		printf("  %d: %s\n", k + 1, dcxb_probe_funcs[k]);
}

static void csv_probes(int rounds)
{
	int vi, k;

	for (vi = 0; vi < nvariants; vi++)
		for (k = 0; k < dcxb_nprobes; k++)
			printf("DCXBENCH-PROFILE: W%d,%s,%d,%s,%.3f\n",
			       variants[vi].workload,
			       dcxb_way_name(variants[vi].way, variants[vi].blocking),
			       variants[vi].conc, dcxb_probe_funcs[k],
			       probe_med(vi, rounds, k));
}

static void report(int rounds, int w2_rounds)
{
	struct dcxb_result m;
	int vi, r;

	printf("DCXBENCH-CSV: kind,round,workload,variant,drive,conc,conns,failures,secs,conn_per_s,user_us,sys_us,cpu_us,p50_us,p99_us,threads,kthreads,slab_B_per_op,obj_B_per_op,kiocb_B_per_op,dcxop_B_per_op,client_us,server_us,kthreads_us,irq_us,ctxt_per_conn,speed,x_conn_per_s,x_cpu_us\n");
	for (vi = 0; vi < nvariants; vi++) {
		int b = variants[vi].base;

		for (r = 0; r < rounds; r++) {
			const struct dcxb_result *x = &results[vi][r];

			if (!x->ran)
				continue;
			csv_row("round", r + 1, vi, x, x->rate / results[b][r].rate,
				cpu_us(x) / cpu_us(&results[b][r]));
		}
		median_result(vi, rounds, &m);
		csv_row("median", 0, vi, &m, ratio(vi, b, rounds, f_rate),
			ratio(vi, b, rounds, cpu_us));
	}

	printf("DCXBENCH-TABLE-BEGIN\n");
	printf("Medians over %d rounds (W2: %d). x = median of the per-round ratios to the first\n"
	       "row of each group (fresh socket; shutdown+close for W2), x IQR their quartiles.\n"
	       "CPU: guest-wide user+sys (softirq and the echo server included) per connection.\n"
	       "Latency: the disconnect step alone.\n\n", rounds, w2_rounds);
	printf("%-2s %-14s %5s | %8s %5s %11s | %8s %5s | %8s %8s | %3s %4s | %s\n",
	       "W", "variant", "conc", "conn/s", "x", "x IQR", "cpu us", "x",
	       "p50 us", "p99 us", "thr", "kthr", "fail");
	for (vi = 0; vi < nvariants; vi++) {
		const struct dcxb_variant *v = &variants[vi];
		int b = v->base;

		if (vi && vi % 3 == 0)
			printf("\n");
		median_result(vi, rounds, &m);
		printf("%-2d %-14s %5d | %8.1f %5.2f %5.2f-%5.2f | %8.1f %5.2f | %8.0f %8.0f | %3ld %4ld | %ld\n",
		       v->workload, dcxb_way_name(v->way, v->blocking), v->conc,
		       m.rate, ratio(vi, b, rounds, f_rate),
		       ratio_q(vi, b, rounds, f_rate, 0.25),
		       ratio_q(vi, b, rounds, f_rate, 0.75), cpu_us(&m),
		       ratio(vi, b, rounds, cpu_us), m.p50_us, m.p99_us,
		       m.threads, m.kthreads, m.failures);
	}

	printf("\nWhere the CPU goes, us per connection (medians; client includes its io-wq workers,\n"
	       "irq is irq+softirq, which also shows inside whichever task it interrupted):\n\n");
	printf("%-2s %-14s %5s | %8s %8s | %8s %8s %8s %8s | %6s\n", "W",
	       "variant", "conc", "user", "sys", "client", "server", "kthreads",
	       "irq", "ctxsw");
	for (vi = 0; vi < nvariants; vi++) {
		const struct dcxb_variant *v = &variants[vi];

		median_result(vi, rounds, &m);
		printf("%-2d %-14s %5d | %8.1f %8.1f | %8.1f %8.1f %8.1f %8.1f | %6.1f\n",
		       v->workload, dcxb_way_name(v->way, v->blocking), v->conc,
		       m.user_us, m.sys_us, m.cli_us, m.srv_cpu_us, m.kthr_us,
		       m.irq_us, m.ctxt);
	}

	for (vi = 0; vi < nvariants && variants[vi].workload != 2; vi++)
		;
	if (vi < nvariants)
		printf("\nW2, N operations in flight at once, kernel memory in bytes per operation (medians):\n\n"
		       "%-14s | %10s %12s | %8s %8s\n", "variant",
		       "meminfo", "slab objects", "io_kiocb", "dcx_op");
	for (; vi < nvariants; vi++) {
		median_result(vi, rounds, &m);
		printf("%-14s | %10.0f %12.0f | %8.0f %8.0f\n",
		       dcxb_way_name(variants[vi].way, false), m.slab_b, m.obj_b,
		       m.kiocb_b, m.dcxop_b);
	}
	if (dcxb_nprobes)
		report_probes(rounds);
	printf("DCXBENCH-TABLE-END\n");
	if (dcxb_nprobes)
		csv_probes(rounds);
	fflush(stdout);
}

static void target(const char *name, double value, const char *op, double goal)
{
	bool met = !isnan(value) &&
		   (op[0] == '>' ? value >= goal : value <= goal);

	printf("DCXBENCH-TARGET: %s,%.3f,%s%g,%s\n", name, value, op, goal,
	       isnan(value) ? "n/a" : met ? "met" : "MISSED");
}

/* A ratio target: the median of the per-round ratios, and their quartiles. */
static void target_ratio(const char *name, int a, int b, int rounds,
			 double (*f)(const struct dcxb_result *),
			 const char *op, double goal)
{
	char full[128];

	snprintf(full, sizeof(full), "%s (IQR %.2f-%.2f)", name,
		 ratio_q(a, b, rounds, f, 0.25), ratio_q(a, b, rounds, f, 0.75));
	target(full, ratio(a, b, rounds, f), op, goal);
}

static double worst(int vi, int rounds, double (*f)(const struct dcxb_result *))
{
	double w = NAN;
	int r;

	for (r = 0; r < rounds; r++)
		if (results[vi][r].ran && (isnan(w) || f(&results[vi][r]) > w))
			w = f(&results[vi][r]);
	return w;
}

/* The targets, each from paired per-round ratios. */
static void targets(int rounds)
{
	static const char *const w1_names[] = { "c1", "c64", "c1024" };
	int k, e, f, i;
	char name[64];

	printf("DCXBENCH-TARGET: target,value,goal,verdict\n");
	f = find_variant(1, DCXB_FRESH, false, 64);
	k = find_variant(1, DCXB_KERNEL, false, 64);
	if (f >= 0 && k >= 0) {
		target_ratio("W1 c64 kernel/fresh conn/s", k, f, rounds, f_rate, ">=", 1.25);
		target_ratio("W1 c64 kernel/fresh CPU per conn", k, f, rounds, cpu_us, "<=", 0.8);
	}
	for (i = 0; i < 3; i++) {
		k = find_variant(1, DCXB_KERNEL, false, w1_concs[i]);
		e = find_variant(1, DCXB_EMULATED, false, w1_concs[i]);
		if (k < 0 || e < 0)
			continue;
		snprintf(name, sizeof(name), "W1 %s kernel/emulated conn/s", w1_names[i]);
		target_ratio(name, k, e, rounds, f_rate, ">=", 1.5);
	}
	k = find_variant(1, DCXB_KERNEL, true, 1);
	e = find_variant(1, DCXB_EMULATED, true, 1);
	if (k >= 0 && e >= 0)
		target_ratio("W1 blocking kernel/emulated conn/s", k, e, rounds, f_rate, ">=", 1.5);
	for (k = 0; k < nvariants; k++)
		if (variants[k].workload == 2 && variants[k].way == DCXB_KERNEL)
			break;
	e = k < nvariants ? find_variant(2, DCXB_EMULATED, false, variants[k].conc) : -1;
	if (k < nvariants && e >= 0)
		target_ratio("W2 kernel/emulated disconnects/s", k, e, rounds, f_rate, ">=", 1.5);
	if (k < nvariants) {
		double thr = worst(k, rounds, f_threads);
		double kthr = worst(k, rounds, f_kthreads);

		target("W2 kernel threads created (worst round)", fmax(thr, kthr), "<=", 2);
		target("W2 kernel memory per op in flight (meminfo Slab)", med(k, rounds, f_slab_b), "<=", 512);
		target("W2 kernel memory per op in flight (slab objects)", med(k, rounds, f_obj_b), "<=", 512);
	}
	fflush(stdout);
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--time SEC | --conns N] [--rounds R] [--n N] [--w2-rounds R2]\n"
		"          [--quick] [--no-w1] [--no-w2] [--no-tune] [--profile] [--pin]\n"
		"  --time SEC      W1: measured seconds per variant per round (default 10),\n"
		"                  after a warm-up of a quarter of that (0.2 to 1 s)\n"
		"  --conns N       W1: connections per variant per round instead\n"
		"  --rounds R      rounds, each in another order (default 3, max %d)\n"
		"  --n N           W2: connections disconnected at once (default 10000)\n"
		"  --w2-rounds R2  W2 in R2 of the rounds only, spread out (default all)\n"
		"  --quick         CI smoke preset: --time 0.4 --rounds 3 --n 1000\n"
		"  --no-w1, --no-w2  leave a workload out\n"
		"  --no-tune       leave the guest's sysctls alone\n"
		"  --profile       count kernel function calls per connection (kprobes;\n"
		"                  slows everything: not for the benchmark's figures)\n"
		"  --pin           client on CPU 0, echo server on CPU 1\n",
		argv0, MAX_ROUNDS);
	exit(2);
}

static void parse_opts(int argc, char **argv, struct dcxb_opts *o)
{
	static const struct option longopts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "conns", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "n", required_argument, NULL, 'n' },
		{ "w2-rounds", required_argument, NULL, 'w' },
		{ "quick", no_argument, NULL, 'q' },
		{ "no-w1", no_argument, NULL, '1' },
		{ "no-w2", no_argument, NULL, '2' },
		{ "no-tune", no_argument, NULL, 'T' },
		{ "profile", no_argument, NULL, 'P' },
		{ "pin", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int ch;

	*o = (struct dcxb_opts){
		.secs = 10, .rounds = 3, .n = 10000, .w1 = true, .w2 = true,
		.tune = true,
	};
	while ((ch = getopt_long(argc, argv, "t:c:r:n:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			o->secs = atof(optarg);
			break;
		case 'c':
			o->conns = atol(optarg);
			break;
		case 'r':
			o->rounds = atoi(optarg);
			break;
		case 'n':
			o->n = atoi(optarg);
			break;
		case 'w':
			o->w2_rounds = atoi(optarg);
			break;
		case 'q':
			o->secs = 0.4;
			o->rounds = 3;
			o->n = 1000;
			break;
		case '1':
			o->w1 = false;
			break;
		case '2':
			o->w2 = false;
			break;
		case 'T':
			o->tune = false;
			break;
		case 'P':
			o->profile = true;
			break;
		case 'p':
			o->pin = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (o->w2_rounds <= 0 || o->w2_rounds > o->rounds)
		o->w2_rounds = o->rounds;
	if (optind != argc || o->rounds < 1 || o->rounds > MAX_ROUNDS ||
	    o->n < 1 || o->n > DCXB_MAX_N || (o->secs <= 0 && o->conns <= 0))
		usage(argv[0]);
}

static void describe(const struct dcxb_opts *o)
{
	char cmdline[1024] = "";
	struct dcxb_mem m;
	struct utsname u;
	FILE *f = fopen("/proc/cmdline", "re");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	uname(&u);
	dcxb_mem_read(&m);
	dcxb_log("# dcxbench: kernel %s, %ld CPUs, slab_nomerge %s, /proc/slabinfo %s",
		 u.release, sysconf(_SC_NPROCESSORS_ONLN),
		 strstr(cmdline, "slab_nomerge") ? "yes" : "NO (dcx_op may share a cache)",
		 m.slabinfo ? "yes" : "no");
	if (o->pin)
		dcxb_log("# dcxbench: client pinned to CPU 0, echo server to CPU 1");
	if (o->conns > 0)
		dcxb_log("# dcxbench: W1 %ld connections per variant per round, %d rounds, W2 N=%d",
			 o->conns, o->rounds, o->n);
	else
		dcxb_log("# dcxbench: W1 %.1f s per variant per round, %d rounds, W2 N=%d",
			 o->secs, o->rounds, o->n);
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 8192 };
	struct rlimit rl = { 131072, 131072 };
	struct dcxb_opts o;
	struct dcxb_ctx c = { .o = &o, .devfd = -1 };
	long failures = 0;
	double t0 = dcxb_now();
	int vi, r, ret;

	parse_opts(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	printf("1..1\n");

	/* W2 holds 2N sockets between the two processes. */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		dcxb_log("# dcxbench: RLIMIT_NOFILE: %s", strerror(errno));
	c.devfd = open("/dev/" DCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (c.devfd < 0) {
		dcxb_log("# dcxbench: /dev/" DCX_DEVICE_NAME ": %s (is the module loaded?)",
			 strerror(errno));
		printf("not ok 1 dcxbench\n");
		return 1;
	}
	/* Only where the module is: that is the test VM, never a host. */
	if (o.tune)
		dcxb_tune();
	describe(&o);
	if (o.profile) {
		ret = dcxb_probes_setup();
		if (ret)
			dcxb_log("# dcxbench: --profile: tracefs: %s", strerror(-ret));
	}
	ret = dcxb_server_start(&c);
	if (!ret)
		ret = io_uring_queue_init_params(2048, &c.ring, &p);
	if (ret) {
		dcxb_log("# dcxbench: setup: %s", strerror(-ret));
		printf("not ok 1 dcxbench\n");
		return 1;
	}

	build_variants(&o);
	run_rounds(&c, o.rounds, o.w2_rounds);
	report(o.rounds, o.w2_rounds);
	targets(o.rounds);

	for (vi = 0; vi < nvariants; vi++)
		for (r = 0; r < o.rounds; r++)
			failures += results[vi][r].failures;
	dcxb_server_stop(&c);
	io_uring_queue_exit(&c.ring);
	close(c.devfd);
	dcxb_log("# dcxbench: %.0f s, %ld failures", dcxb_now() - t0, failures);
	printf("%sok 1 dcxbench\n", failures ? "not " : "");
	return failures ? 1 : 0;
}
