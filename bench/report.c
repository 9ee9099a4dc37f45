// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench's report: per variant the median over rounds, and the median of
 * the per-round ratios to the baseline (fresh sockets at the same
 * concurrency; shutdown+close for W2), as a table for people and as
 * "DCXBENCH-CSV: ", "DCXBENCH-TARGET: " and "DCXBENCH-PROFILE: " lines for
 * the host to pick out of the results port (the VM shares no filesystem).
 * run-bench.sh turns the CSV into the plot.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "stats.h"
#include "tune.h"

static double median(double *v, int n)
{
	return bench_quantile(v, n, 0.5);
}

/* The repeatable mode's W2 figure where there is one (frame.h). */
static double cpu_us(const struct dcxb_result *r)
{
	return isnan(r->busy_us) ? r->user_us + r->sys_us : r->busy_us;
}

static double cpu_of(const void *r)
{
	return cpu_us(r);
}

/* The @q quantile over rounds of field @f of variant a / of variant b, by round. */
static double ratio_q(const struct dcxb_rounds *t, int a, int b,
		      const struct bench_field *f, double q)
{
	double v[DCXB_MAX_ROUNDS];
	int r;

	for (r = 0; r < t->rounds; r++) {
		const struct dcxb_result *x = &t->results[a][r];
		const struct dcxb_result *y = &t->results[b][r];

		v[r] = x->ran && y->ran ?
		       bench_field_get(x, f) / bench_field_get(y, f) : NAN;
	}
	return bench_quantile(v, t->rounds, q);
}

static double ratio(const struct dcxb_rounds *t, int a, int b, const struct bench_field *f)
{
	return ratio_q(t, a, b, f, 0.5);
}

#define FIELD(field) BENCH_FIELD(struct dcxb_result, field)

/* What the targets compare. */
static const struct bench_field f_rate = FIELD(rate), f_threads = FIELD(threads),
	f_kthreads = FIELD(kthreads), f_slab_b = FIELD(slab_b), f_obj_b = FIELD(obj_b),
	f_cpu_us = { .fn = cpu_of };

/* Every figure of a result but failures and the probes: their medians. */
static const struct bench_field median_fields[] = {
	FIELD(conns), FIELD(secs), FIELD(rate), FIELD(user_us), FIELD(sys_us),
	FIELD(p50_us), FIELD(p99_us), FIELD(threads), FIELD(kthreads),
	FIELD(slab_b), FIELD(obj_b), FIELD(kiocb_b), FIELD(dcxop_b),
	FIELD(cli_us), FIELD(srv_cpu_us), FIELD(kthr_us), FIELD(irq_us),
	FIELD(ctxt), FIELD(speed), FIELD(busy_us),
};

static double med(const struct dcxb_rounds *t, int vi,
		  const struct bench_field *f)
{
	double v[DCXB_MAX_ROUNDS];
	int r;

	for (r = 0; r < t->rounds; r++)
		v[r] = t->results[vi][r].ran ? bench_field_get(&t->results[vi][r], f) : NAN;
	return median(v, t->rounds);
}

static long total_failures(const struct dcxb_rounds *t, int vi)
{
	long n = 0;
	int r;

	for (r = 0; r < t->rounds; r++)
		n += t->results[vi][r].failures;
	return n;
}

static void csv_row(const struct dcxb_rounds *t, const char *kind, int round, int vi,
		    const struct dcxb_result *r, double xrate, double xcpu)
{
	const struct dcxb_variant *v = &t->variants[vi];

	printf("DCXBENCH-CSV: %s,%d,W%d,%s,%s,%d,%ld,%ld,%.3f,%.1f,%.2f,%.2f,%.2f,%.1f,%.1f,%ld,%ld,%.1f,%.1f,%.1f,%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.1f,%.3f,%.3f\n",
	       kind, round, v->workload,
	       v->blocking ? dcxb_way_name(v->way, false) : dcxb_variant_name(v),
	       v->blocking ? "blocking" : "ring", v->conc, r->conns,
	       r->failures, r->secs, r->rate, r->user_us, r->sys_us, cpu_us(r),
	       r->p50_us, r->p99_us, r->threads, r->kthreads, r->slab_b,
	       r->obj_b, r->kiocb_b, r->dcxop_b, r->cli_us, r->srv_cpu_us,
	       r->kthr_us, r->irq_us, r->ctxt, r->speed, xrate, xcpu);
}

/* The medians, as a result of their own. */
static void median_result(const struct dcxb_rounds *t, int vi,
			  struct dcxb_result *m)
{
	size_t i;

	dcxb_result_init(m);
	for (i = 0; i < sizeof(median_fields) / sizeof(median_fields[0]); i++)
		bench_field_set(m, &median_fields[i], med(t, vi, &median_fields[i]));
	m->failures = total_failures(t, vi);
}

static double probe_med(const struct dcxb_rounds *t, int vi, int k)
{
	double v[DCXB_MAX_ROUNDS];
	int r;

	for (r = 0; r < t->rounds; r++)
		v[r] = t->results[vi][r].ran ? t->results[vi][r].probe[k] : NAN;
	return median(v, t->rounds);
}

/* --profile: calls per connection of each probed kernel function. */
static int w2_find(const struct dcxb_rounds *t, enum dcxb_way way);

static void report_probes(const struct dcxb_rounds *t)
{
	int vi, k, wake, kick, own, arms;

	printf("\n--profile: kernel function calls per connection (kprobe hits, medians;\n"
	       "the probes slow everything, so this run's rates are not the benchmark's):\n\n");
	printf("%-2s %-14s %5s |", "W", "variant", "conc");
	for (k = 0; k < tune_nprobes; k++)
		printf(" %6d", k + 1);
	printf("\n");
	for (vi = 0; vi < t->nvariants; vi++) {
		const struct dcxb_variant *v = &t->variants[vi];

		printf("%-2d %-14s %5d |", v->workload,
		       dcxb_variant_name(v), v->conc);
		for (k = 0; k < tune_nprobes; k++)
			printf(" %6.2f", probe_med(t, vi, k));
		printf("\n");
	}
	for (k = 0; k < tune_nprobes; k++)
		printf("  %2d: %-20s %s\n", k + 1, tune_probes[k].func, tune_probes[k].what);
	/* A wake-up that found work kicked; the others did nothing. */
	wake = tune_probe_index("dcx_wake");
	kick = tune_probe_index("dcx_kick");
	vi = w2_find(t, DCXB_KERNEL);
	own = tune_probe_index("dcx_own");
	arms = tune_probe_index("mod_timer");
	if (wake >= 0 && kick >= 0 && own >= 0 && arms >= 0 && vi >= 0)
		printf("\nW2 kernel, per disconnect: %.2f wake-ups, of which at least %.2f found nothing to\n"
		       "do (dcx_wake - dcx_kick), %.2f owner passes, %.2f timer arms guest-wide.\n",
		       probe_med(t, vi, wake), probe_med(t, vi, wake) - probe_med(t, vi, kick),
		       probe_med(t, vi, own), probe_med(t, vi, arms));
}

static void csv_probes(const struct dcxb_rounds *t)
{
	int vi, k;

	for (vi = 0; vi < t->nvariants; vi++)
		for (k = 0; k < tune_nprobes; k++)
			printf("DCXBENCH-PROFILE: W%d,%s,%d,%s,%.3f\n",
			       t->variants[vi].workload,
			       dcxb_variant_name(&t->variants[vi]),
			       t->variants[vi].conc, tune_probes[k].func,
			       probe_med(t, vi, k));
}

static const struct bench_field f_busy_us = FIELD(busy_us);

/* The @q quantile over rounds of field @f of variant @vi. */
static double quantile(const struct dcxb_rounds *t, int vi,
		       const struct bench_field *f, double q)
{
	double v[DCXB_MAX_ROUNDS];
	int r;

	for (r = 0; r < t->rounds; r++)
		v[r] = t->results[vi][r].ran ? bench_field_get(&t->results[vi][r], f) : NAN;
	return bench_quantile(v, t->rounds, q);
}

/*
 * --repeatable: W2's kernel variant, and in @second its run again (the A/A)
 * or on --module-b's build (@b, the A/B); -1 if there is no such pair.
 */
static int w2_pair(const struct dcxb_rounds *t, bool b, int *second)
{
	int vi;

	*second = -1;
	for (vi = 0; vi < t->nvariants; vi++) {
		const struct dcxb_variant *v = &t->variants[vi];

		if (v->workload == 2 && v->way == DCXB_KERNEL && (b ? v->b : v->again))
			*second = vi;
	}
	return *second < 0 ? -1 : w2_find(t, DCXB_KERNEL);
}

#define FLOOR_FIELD(field) BENCH_FIELD(struct dcxb_floor, field)

/* floor.h's micro-benchmarks, in the order the report prints them. */
static const struct {
	const char *name;
	struct bench_field f;
} floor_parts[] = {
	{ "socket() + close()", FLOOR_FIELD(socket_close_us) },
	{ "uring_cmd turned down (fd -1)", FLOOR_FIELD(rejected_cmd_us) },
	{ "IORING_OP_NOP", FLOOR_FIELD(nop_us) },
	{ "tcp_disconnect (connect AF_UNSPEC)", FLOOR_FIELD(unconnect_us) },
};

/* The @q quantile over rounds of floor part @f. */
static double floor_q(const struct dcxb_rounds *t, const struct bench_field *f, double q)
{
	double v[DCXB_MAX_ROUNDS];
	int r;

	for (r = 0; r < t->rounds; r++)
		v[r] = bench_field_get(&t->floor[r], f);
	return bench_quantile(v, t->rounds, q);
}

/*
 * --repeatable: round @r's floor of a reusable asynchronous disconnect,
 * what none can do without: TCP's part (W2's shutdown alone, variant @sh,
 * peer included), one tcp_disconnect() and one request to the module.
 */
static double floor_of(const struct dcxb_rounds *t, int sh, int r)
{
	const struct dcxb_result *x = &t->results[sh][r];
	const struct dcxb_floor *f = &t->floor[r];

	return x->ran ? x->busy_us + f->unconnect_us + f->rejected_cmd_us : NAN;
}

#define FLOOR	-1	/* floor_ratio()'s stand-in for the floor itself */

/* The @q quantile of the per-round ratios @a / @b: variants, or FLOOR. */
static double floor_ratio(const struct dcxb_rounds *t, int sh, int a, int b, double q)
{
	double v[DCXB_MAX_ROUNDS], x, y;
	int r;

	for (r = 0; r < t->rounds; r++) {
		x = a == FLOOR ? floor_of(t, sh, r) :
		    t->results[a][r].ran ? t->results[a][r].busy_us : NAN;
		y = b == FLOOR ? floor_of(t, sh, r) :
		    t->results[b][r].ran ? t->results[b][r].busy_us : NAN;
		v[r] = x / y;
	}
	return bench_quantile(v, t->rounds, q);
}

/* The W2 variant of @way, or -1. */
static int w2_find(const struct dcxb_rounds *t, enum dcxb_way way)
{
	int vi;

	for (vi = 0; vi < t->nvariants; vi++)
		if (t->variants[vi].workload == 2 && t->variants[vi].way == way &&
		    !t->variants[vi].again && !t->variants[vi].b)
			return vi;
	return -1;
}

static void report_floor(const struct dcxb_rounds *t)
{
	double fl[DCXB_MAX_ROUNDS];
	int i, sh, k, e;

	if (isnan(floor_q(t, &floor_parts[0].f, 0.5)))
		return;
	printf("\nThe floor's parts, per op (median, min, max over the W2 rounds; guest us, in the\n"
	       "repeatable mode k-instructions), each as many times as W2 disconnects:\n\n");
	for (i = 0; i < (int)(sizeof(floor_parts) / sizeof(floor_parts[0])); i++)
		printf("%-36s | %8.2f %8.2f %8.2f\n", floor_parts[i].name,
		       floor_q(t, &floor_parts[i].f, 0.5), floor_q(t, &floor_parts[i].f, 0),
		       floor_q(t, &floor_parts[i].f, 1));

	sh = w2_find(t, DCXB_SHUTDOWN);
	k = w2_find(t, DCXB_KERNEL);
	e = w2_find(t, DCXB_EMULATED);
	if (!t->repeatable || sh < 0 || k < 0 || e < 0)
		return;
	for (i = 0; i < t->rounds; i++)
		fl[i] = floor_of(t, sh, i);
	printf("\nFloor of a reusable asynchronous disconnect = shutdown alone (TCP, peer included)\n"
	       "+ tcp_disconnect + one uring_cmd turned down (a request and its CQE; the module's\n"
	       "wake-up and task_work pass come on top): %.1f k-instructions per disconnect, %.3f x\n"
	       "graceful. kernel %.3f x the floor (%.3f-%.3f), emulated %.3f x (medians of the\n"
	       "per-round ratios, min-max).\n",
	       bench_quantile(fl, t->rounds, 0.5),
	       floor_ratio(t, sh, FLOOR, t->variants[k].base, 0.5),
	       floor_ratio(t, sh, k, FLOOR, 0.5), floor_ratio(t, sh, k, FLOOR, 0),
	       floor_ratio(t, sh, k, FLOOR, 1), floor_ratio(t, sh, e, FLOOR, 0.5));
	if (w2_pair(t, true, &k) >= 0)
		printf("kernel-b (--module-b) %.3f x the floor (%.3f-%.3f).\n",
		       floor_ratio(t, sh, k, FLOOR, 0.5), floor_ratio(t, sh, k, FLOOR, 0),
		       floor_ratio(t, sh, k, FLOOR, 1));
}

/*
 * --repeatable, W1: the @q quantile of the per-round ratios of variant @k
 * to its floor, fresh (@f) less what reuse saves, socket() and close().
 */
static double w1_floor_ratio(const struct dcxb_rounds *t, int k, int f, double q)
{
	double v[DCXB_MAX_ROUNDS];
	int r;

	for (r = 0; r < t->rounds; r++)
		v[r] = t->results[k][r].ran && t->results[f][r].ran ?
		       t->results[k][r].busy_us /
		       (t->results[f][r].busy_us - t->floor[r].socket_close_us) : NAN;
	return bench_quantile(v, t->rounds, q);
}

/* --repeatable: W2's k-instructions per disconnect, their spread, ratios. */
static void report_repeatable(const struct dcxb_rounds *t)
{
	int vi, k, a, b;

	printf("\nRepeatable mode, W2 (one vCPU, -icount shift=0,sleep=off): CPU per disconnect from\n"
	       "the first submission until TCP has settled (no orphan, every FIN at the peer), as the\n"
	       "time a SCHED_IDLE spinner did not get; a guest us is 1000 instructions. This is W2's\n"
	       "cpu us above; its user and client figures include the spinner.\n\n");
	printf("%-14s | %10s %10s %10s | %10s\n", "variant", "kinstr/op", "min", "max",
	       "x graceful");
	for (vi = 0; vi < t->nvariants; vi++) {
		const struct dcxb_variant *v = &t->variants[vi];

		if (v->workload != 2)
			continue;
		printf("%-14s | %10.1f %10.1f %10.1f | %10.2f\n",
		       dcxb_variant_name(v), quantile(t, vi, &f_busy_us, 0.5),
		       quantile(t, vi, &f_busy_us, 0), quantile(t, vi, &f_busy_us, 1),
		       ratio(t, vi, v->base, &f_busy_us));
	}
	for (b = 0; b < 2; b++) {
		k = w2_pair(t, b, &a);
		if (k < 0)
			continue;
		printf("\n%s, %s / kernel in the same round (median of the per-round ratios,\n"
		       "min-max): k-instructions per disconnect %.3f (%.3f-%.3f), disconnects/s %.3f (%.3f-%.3f)\n",
		       b ? "A/B" : "A/A", dcxb_variant_name(&t->variants[a]),
		       ratio(t, a, k, &f_busy_us), ratio_q(t, a, k, &f_busy_us, 0),
		       ratio_q(t, a, k, &f_busy_us, 1), ratio(t, a, k, &f_rate),
		       ratio_q(t, a, k, &f_rate, 0), ratio_q(t, a, k, &f_rate, 1));
	}
}

void dcxb_report(const struct dcxb_rounds *t)
{
	struct dcxb_result m;
	int vi, r;

	printf("DCXBENCH-CSV: kind,round,workload,variant,drive,conc,conns,failures,secs,conn_per_s,user_us,sys_us,cpu_us,p50_us,p99_us,threads,kthreads,slab_B_per_op,obj_B_per_op,kiocb_B_per_op,dcxop_B_per_op,client_us,server_us,kthreads_us,irq_us,ctxt_per_conn,speed,x_conn_per_s,x_cpu_us\n");
	for (vi = 0; vi < t->nvariants; vi++) {
		int b = t->variants[vi].base;

		for (r = 0; r < t->rounds; r++) {
			const struct dcxb_result *x = &t->results[vi][r];

			if (!x->ran)
				continue;
			csv_row(t, "round", r + 1, vi, x, x->rate / t->results[b][r].rate,
				cpu_us(x) / cpu_us(&t->results[b][r]));
		}
		median_result(t, vi, &m);
		csv_row(t, "median", 0, vi, &m, ratio(t, vi, b, &f_rate),
			ratio(t, vi, b, &f_cpu_us));
	}

	printf("DCXBENCH-TABLE-BEGIN\n");
	printf("Medians over %d rounds (W2: %d). x = median of the per-round ratios to the first\n"
	       "row of each group (fresh socket; graceful for W2), x IQR their quartiles.\n"
	       "CPU: guest-wide user+sys (softirq and the echo server included) per connection.\n"
	       "Latency: the disconnect step alone.\n\n", t->rounds, t->w2_rounds);
	printf("%-2s %-14s %5s | %8s %5s %11s | %8s %5s | %8s %8s | %3s %4s | %s\n",
	       "W", "variant", "conc", "conn/s", "x", "x IQR", "cpu us", "x",
	       "p50 us", "p99 us", "thr", "kthr", "fail");
	for (vi = 0; vi < t->nvariants; vi++) {
		const struct dcxb_variant *v = &t->variants[vi];
		int b = v->base;

		if (vi && b != t->variants[vi - 1].base)
			printf("\n");
		median_result(t, vi, &m);
		printf("%-2d %-14s %5d | %8.1f %5.2f %5.2f-%5.2f | %8.1f %5.2f | %8.0f %8.0f | %3ld %4ld | %ld\n",
		       v->workload, dcxb_variant_name(v), v->conc,
		       m.rate, ratio(t, vi, b, &f_rate),
		       ratio_q(t, vi, b, &f_rate, 0.25),
		       ratio_q(t, vi, b, &f_rate, 0.75), cpu_us(&m),
		       ratio(t, vi, b, &f_cpu_us), m.p50_us, m.p99_us,
		       m.threads, m.kthreads, m.failures);
	}

	printf("\nWhere the CPU goes, us per connection (medians; client includes its io-wq workers,\n"
	       "irq is irq+softirq, which also shows inside whichever task it interrupted):\n\n");
	printf("%-2s %-14s %5s | %8s %8s | %8s %8s %8s %8s | %6s\n", "W",
	       "variant", "conc", "user", "sys", "client", "server", "kthreads",
	       "irq", "ctxsw");
	for (vi = 0; vi < t->nvariants; vi++) {
		const struct dcxb_variant *v = &t->variants[vi];

		median_result(t, vi, &m);
		printf("%-2d %-14s %5d | %8.1f %8.1f | %8.1f %8.1f %8.1f %8.1f | %6.1f\n",
		       v->workload, dcxb_variant_name(v), v->conc,
		       m.user_us, m.sys_us, m.cli_us, m.srv_cpu_us, m.kthr_us,
		       m.irq_us, m.ctxt);
	}

	if (t->repeatable)
		report_repeatable(t);
	report_floor(t);

	for (vi = 0; vi < t->nvariants && t->variants[vi].workload != 2; vi++)
		;
	if (vi < t->nvariants) {
		printf("\nW2, N operations in flight at once, kernel memory in bytes per operation (medians):\n\n"
		       "%-14s | %10s %12s | %8s %8s\n", "variant",
		       "meminfo", "slab objects", "io_kiocb", "dcx_op");
		for (; vi < t->nvariants; vi++) {
			median_result(t, vi, &m);
			printf("%-14s | %10.0f %12.0f | %8.0f %8.0f\n",
			       dcxb_variant_name(&t->variants[vi]), m.slab_b,
			       m.obj_b, m.kiocb_b, m.dcxop_b);
		}
		printf("(shutdown+close and shutdown hold no operation while the peer waits: their\n"
		       "last CQE comes first. Their figures are what closing freed, and noise.)\n");
	}
	if (tune_nprobes)
		report_probes(t);
	printf("DCXBENCH-TABLE-END\n");
	if (tune_nprobes)
		csv_probes(t);
	fflush(stdout);
}

static void target(const char *name, double value, const char *op, double goal)
{
	bool met = !isnan(value) &&
		   (op[0] == '>' ? value >= goal : value <= goal);

	printf("DCXBENCH-TARGET: %s,%.3f,%s%g,%s\n", name, value, op, goal,
	       isnan(value) ? "n/a" : met ? "met" : "MISSED");
}

/* A target that @value be within @tol of @centre. */
static void target_near(const char *name, double value, double centre, double tol)
{
	bool met = !isnan(value) && fabs(value - centre) <= tol;

	printf("DCXBENCH-TARGET: %s,%.3f,%.2f+-%.2f,%s\n", name, value, centre, tol,
	       isnan(value) ? "n/a" : met ? "met" : "MISSED");
}

/* A ratio target: the median of the per-round ratios, and their quartiles. */
static void target_ratio(const struct dcxb_rounds *t, const char *name, int a, int b,
			 const struct bench_field *f, const char *op, double goal)
{
	char full[128];

	snprintf(full, sizeof(full), "%s (IQR %.2f-%.2f)", name,
		 ratio_q(t, a, b, f, 0.25), ratio_q(t, a, b, f, 0.75));
	target(full, ratio(t, a, b, f), op, goal);
}

static double worst(const struct dcxb_rounds *t, int vi,
		    const struct bench_field *f)
{
	double w = NAN, x;
	int r;

	for (r = 0; r < t->rounds; r++) {
		if (!t->results[vi][r].ran)
			continue;
		x = bench_field_get(&t->results[vi][r], f);
		if (isnan(w) || x > w)
			w = x;
	}
	return w;
}

/* The targets, each from paired per-round ratios. */
void dcxb_targets(const struct dcxb_rounds *t)
{
	static const char *const w1_names[] = { "c1", "c64", "c1024" };
	int k, e, f, i;
	char name[128];

	printf("DCXBENCH-TARGET: target,value,goal,verdict\n");
	f = dcxb_rounds_find(t, 1, DCXB_FRESH, false, 64);
	k = dcxb_rounds_find(t, 1, DCXB_KERNEL, false, 64);
	if (f >= 0 && k >= 0) {
		target_ratio(t, "W1 c64 kernel/fresh conn/s", k, f, &f_rate, ">=", 1.25);
		target_ratio(t, "W1 c64 kernel/fresh CPU per conn", k, f, &f_cpu_us, "<=", 0.8);
		if (t->repeatable) {
			snprintf(name, sizeof(name), "W1 c64 kernel/its floor (fresh less socket+close) k-instructions per conn (range %.3f-%.3f)",
				 w1_floor_ratio(t, k, f, 0), w1_floor_ratio(t, k, f, 1));
			target(name, w1_floor_ratio(t, k, f, 0.5), "<=", 1.03);
		}
	}
	for (i = 0; i < 3; i++) {
		k = dcxb_rounds_find(t, 1, DCXB_KERNEL, false, dcxb_w1_concs[i]);
		e = dcxb_rounds_find(t, 1, DCXB_EMULATED, false, dcxb_w1_concs[i]);
		if (k < 0 || e < 0)
			continue;
		snprintf(name, sizeof(name), "W1 %s kernel/emulated conn/s", w1_names[i]);
		target_ratio(t, name, k, e, &f_rate, ">=", 1.5);
	}
	k = dcxb_rounds_find(t, 1, DCXB_KERNEL, true, 1);
	e = dcxb_rounds_find(t, 1, DCXB_EMULATED, true, 1);
	if (k >= 0 && e >= 0)
		target_ratio(t, "W1 blocking kernel/emulated conn/s", k, e, &f_rate, ">=", 1.5);
	for (k = 0; k < t->nvariants; k++)
		if (t->variants[k].workload == 2 && t->variants[k].way == DCXB_KERNEL)
			break;
	e = k < t->nvariants ? dcxb_rounds_find(t, 2, DCXB_EMULATED, false, t->variants[k].conc) : -1;
	if (k < t->nvariants && e >= 0)
		target_ratio(t, "W2 kernel/emulated disconnects/s", k, e, &f_rate, ">=", 1.5);
	if (k < t->nvariants) {
		double thr = worst(t, k, &f_threads);
		double kthr = worst(t, k, &f_kthreads);

		target("W2 kernel threads created (worst round)", fmax(thr, kthr), "<=", 2);
		target("W2 kernel memory per op in flight (meminfo Slab)", med(t, k, &f_slab_b), "<=", 512);
		target("W2 kernel memory per op in flight (slab objects)", med(t, k, &f_obj_b), "<=", 512);
	}
	/* --repeatable: two runs of one build must give the same figure. */
	k = w2_pair(t, false, &e);
	if (k >= 0) {
		snprintf(name, sizeof(name), "W2 A/A kernel-again/kernel k-instructions per disconnect (range %.3f-%.3f)",
			 ratio_q(t, e, k, &f_busy_us, 0), ratio_q(t, e, k, &f_busy_us, 1));
		target_near(name, ratio(t, e, k, &f_busy_us), 1.0, 0.02);
		/* Both backends against the graceful baseline, its own base. */
		f = t->variants[k].base;
		e = dcxb_rounds_find(t, 2, DCXB_EMULATED, false, t->variants[k].conc);
		target_ratio(t, "W2 kernel/graceful k-instructions per disconnect",
			     k, f, &f_busy_us, "<=", 0.77);
		if (e >= 0)
			target_ratio(t, "W2 emulated/graceful k-instructions per disconnect",
				     e, f, &f_busy_us, "<=", 0.81);
		/* Within 2 % of what no reusable disconnect can do without. */
		f = w2_find(t, DCXB_SHUTDOWN);
		if (f >= 0) {
			snprintf(name, sizeof(name), "W2 kernel/floor k-instructions per disconnect (range %.3f-%.3f)",
				 floor_ratio(t, f, k, FLOOR, 0), floor_ratio(t, f, k, FLOOR, 1));
			target(name, floor_ratio(t, f, k, FLOOR, 0.5), "<=", 1.02);
		}
	}
	fflush(stdout);
}

/*
 * --scale: one held pass of N kernel disconnects, all in flight on one
 * ring; the memory and threads while all wait, then whether all ended.
 */
void dcxb_scale_report(int n, int hold_s, bool repeatable, int err,
		       const struct dcxb_result *r)
{
	char name[128];

	printf("DCXBENCH-TABLE-BEGIN\n");
	printf("Scale: %d kernel disconnects in flight at once on one ring, held until\n"
	       "all wait for the peer, then let go.\n", n);
	printf("  completed %ld, failures %ld%s%s\n", r->conns, r->failures,
	       err ? ", stopped: " : "", err ? strerror(-err) : "");
	printf("  kernel memory per op in flight: %.0f B (meminfo Slab), %.0f B (slab objects; io_kiocb %.0f, dcx_op %.0f)\n",
	       r->slab_b, r->obj_b, r->kiocb_b, r->dcxop_b);
	printf("  created while in flight: %ld tasks, %ld kernel threads\n",
	       r->threads, r->kthreads);
	if (repeatable)
		printf("  waiting, over %d s: %.0f k-instructions per second more than with nothing\n"
		       "  in flight (a SCHED_IDLE spinner against its own rate then): %.0f per op per second\n",
		       hold_s, r->held_us, r->held_us * 1e3 / n);
	else
		printf("  guest CPU over %d s (/proc/stat ticks): %.1f ms/s with nothing in flight, %.1f ms/s while all wait\n",
		       hold_s, r->idle_us / 1e3, r->held_us / 1e3);
	if (!isnan(r->held_timers))
		printf("  the module's timers while all wait (--profile): %.2f firings per op per second\n",
		       r->held_timers);
	printf("DCXBENCH-TABLE-END\n");
	/* Its own header: run-bench.sh keeps one, and with --no-w2 it is this. */
	printf("DCXBENCH-TARGET: target,value,goal,verdict\n");
	snprintf(name, sizeof(name), "W2 scale: disconnects completed of %d in flight on one ring", n);
	target(name, err ? NAN : (double)r->conns, ">=", n);
	target("W2 scale: failures (not graceful or not seen by the peer)",
	       err ? NAN : (double)r->failures, "<=", 0);
	target("W2 scale: threads created (tasks and kernel threads)",
	       err ? NAN : fmax(r->threads, r->kthreads), "<=", 0);
	target("W2 scale: kernel memory per op in flight (meminfo Slab)", r->slab_b, "<=", 512);
	target("W2 scale: kernel memory per op in flight (slab objects)", r->obj_b, "<=", 512);
	fflush(stdout);
}
