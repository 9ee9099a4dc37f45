// SPDX-License-Identifier: GPL-2.0
/*
 * portbench: completion ports (libdisconnectex) against liburing.
 *
 * P1 runs every server variant in every round, in one boot, because the
 * machine is emulated and noisy: a figure is the median over rounds, a
 * ratio (x) the median of the per-round ratios of a variant to its base
 * (the liburing server with as many threads). The host's load drifts
 * within seconds, so a variant runs right before or right after its base,
 * which goes first in every other round (ORDER below), and each round
 * starts from another pair. P2 runs after P1.
 *
 * Output as dcxbench's: progress and tables for people; for the host,
 * "PORTBENCH-CSV: " (P1, every round and the medians), "PORTBENCH-IDLE: "
 * (P2), "PORTBENCH-TARGET: " lines and the tables between
 * PORTBENCH-TABLE-BEGIN and -END; one TAP line, not ok if any request was
 * lost or wrong, a connection ended badly, or a pending receive did not
 * report exactly once.
 *
 * The files, one header each: echo_client.c is P1's client and runs one
 * variant; echo_server.c is the server process around echo_port.c (the
 * Windows API only) and echo_uring.c (liburing only); idle.c is P2, with
 * idle_port.c its Windows side; pbstat.c reads the process's own counters,
 * pbtrace.c counts system calls (--syscalls); the clock, the guest's
 * counters, the quantiles and the option parser are bench/'s shared layer
 * (util, guest, stats, opts). No portbench header includes <liburing.h> or <winsock2.h>: each
 * .c file sees one of the two APIs at most, so neither's names can clash.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "echo_client.h"
#include "echo_server.h"
#include "guest.h"
#include "idle.h"
#include "opts.h"
#include "pbtrace.h"
#include "stats.h"
#include "util.h"

#define MAX_ROUNDS	31
#define MAX_IDLE_ROUNDS	5

/* Bases first; each variant names the index of its base. */
static const struct pb_variant variants[] = {
	{ "liburing-1thread",	PB_URING,	1, 0 },
	{ "liburing-4threads",	PB_URING,	4, 1 },
	{ "port-1thread",	PB_PORT,	1, 0 },
	{ "port-4threads",	PB_PORT,	4, 1 },
	{ "liburing-1t-batched", PB_URING_BATCH, 1, 0 },
};

#define NVARIANTS	((int)(sizeof(variants) / sizeof(variants[0])))

/*
 * The order of a round: each variant next to its base. Round r starts from
 * pair r % NPAIRS and swaps the two of each pair when r is odd.
 */
static const int order[][2] = { { 0, 2 }, { 1, 3 }, { 4, -1 } };

#define NPAIRS		((int)(sizeof(order) / sizeof(order[0])))

/* The variants of round @r in the order they run: NVARIANTS into @seq. */
static void round_order(int r, int *seq)
{
	const int *pair;
	int g, n = 0, first;

	for (g = 0; g < NPAIRS; g++) {
		pair = order[(g + r) % NPAIRS];
		first = r % 2 && pair[1] >= 0;
		seq[n++] = pair[first];
		if (pair[1] >= 0)
			seq[n++] = pair[!first];
	}
}

static struct pb_echo_result results[NVARIANTS][MAX_ROUNDS];
static struct pb_echo_result traced[NVARIANTS];
static struct pb_idle_result idle[MAX_IDLE_ROUNDS];

static int find_variant(const char *name)
{
	int i;

	for (i = 0; i < NVARIANTS; i++)
		if (!strcmp(variants[i].name, name))
			return i;
	return -1;
}

/* ---- Statistics: bench_quantile() of stats.h ---- */

#define FIELD(field) BENCH_FIELD(struct pb_echo_result, field)

/* What the ratios and targets compare. */
static const struct bench_field f_rate = FIELD(rate), f_srv_us = FIELD(srv_us);

/* Every figure of a result but failures and the syscalls: their medians. */
static const struct bench_field median_fields[] = {
	FIELD(requests), FIELD(secs), FIELD(rate), FIELD(srv_us),
	FIELD(srv_user_us), FIELD(srv_sys_us), FIELD(guest_us), FIELD(cli_us),
	FIELD(csw), FIELD(p50_us), FIELD(p99_us), FIELD(srv_tasks), FIELD(speed),
};

static bool usable(const struct pb_echo_result *r)
{
	return r->ran && !r->failures && r->requests > 0;
}

static double med(int vi, int rounds, const struct bench_field *f)
{
	double v[MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++)
		v[r] = usable(&results[vi][r]) ?
		       bench_field_get(&results[vi][r], f) : NAN;
	return bench_quantile(v, rounds, 0.5);
}

static double ratio_q(int a, int b, int rounds, const struct bench_field *f, double q)
{
	double v[MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++)
		v[r] = usable(&results[a][r]) && usable(&results[b][r]) ?
		       bench_field_get(&results[a][r], f) /
		       bench_field_get(&results[b][r], f) : NAN;
	return bench_quantile(v, rounds, q);
}

static double ratio(int a, int b, int rounds, const struct bench_field *f)
{
	return ratio_q(a, b, rounds, f, 0.5);
}

/* ---- P1 ---- */

/* Not left out by --variant. */
static bool wanted(const struct pb_opts *o, int vi)
{
	return !o->only || !strcmp(o->only, variants[vi].name);
}

/*
 * Variant @vi once into @x: its failures. A measured run records the
 * host's load just before it; a traced one (--syscalls) is no figure.
 */
static long run_one(const struct pb_opts *o, int vi, struct pb_echo_result *x)
{
	int ret;

	memset(x, 0, sizeof(*x));
	x->ran = true;
	if (!o->tracing)
		x->speed = guest_speed();
	ret = pb_echo_run(o, &variants[vi], x);
	if (ret) {
		bench_log("# portbench: %s%s: %s", o->tracing ? "--syscalls: " : "",
			  variants[vi].name, strerror(-ret));
		x->failures++;
	}
	return x->failures;
}

static long run_echo(const struct pb_opts *o)
{
	long failures = 0;
	int r, k, vi, seq[NVARIANTS];

	for (r = 0; r < o->rounds; r++) {
		round_order(r, seq);
		for (k = 0; k < NVARIANTS; k++) {
			struct pb_echo_result *x;

			vi = seq[k];
			if (!wanted(o, vi))
				continue;
			x = &results[vi][r];
			failures += run_one(o, vi, x);
			bench_log("# round %d P1 %-20s %8ld req %9.1f/s server %7.1f us/req (user %.1f sys %.1f) guest %7.1f us csw %5.2f rtt p50 %7.0f p99 %7.0f us tasks %ld speed %.0f%s",
			       r + 1, variants[vi].name, x->requests, x->rate,
			       x->srv_us, x->srv_user_us, x->srv_sys_us,
			       x->guest_us, x->csw, x->p50_us, x->p99_us,
			       x->srv_tasks, x->speed,
			       x->failures ? " FAILURES" : "");
		}
	}
	return failures;
}

/* --syscalls: each variant once more, with the kernel counting. */
static long run_traced(const struct pb_opts *o)
{
	struct pb_opts t = *o;
	long failures = 0;
	int vi, ret;

	ret = pb_trace_start();
	if (ret) {
		bench_log("# portbench: --syscalls: histogram trigger: %s", strerror(-ret));
		return 0;
	}
	t.tracing = true;
	for (vi = 0; vi < NVARIANTS; vi++) {
		struct pb_echo_result *x = &traced[vi];

		if (!wanted(o, vi))
			continue;
		failures += run_one(&t, vi, x);
		bench_log("# syscalls P1 %-20s %8ld req %9.1f/s (traced) %.1f syscalls/req",
		       variants[vi].name, x->requests, x->rate, x->sys.total);
	}
	pb_trace_stop();
	return failures;
}

static void table_traced(const struct pb_opts *o)
{
	int vi, k;

	printf("P1 --syscalls: system calls of the server process per request, counted by a\n"
	       "histogram trigger on raw_syscalls:sys_enter over one traced window per variant\n"
	       "(tracing slows every syscall: these runs' rates are not the benchmark's).\n\n");
	for (vi = 0; vi < NVARIANTS; vi++) {
		const struct pb_echo_result *x = &traced[vi];

		if (!x->ran || !wanted(o, vi))
			continue;
		printf("%-20s %6.2f total:", variants[vi].name, x->sys.total);
		for (k = 0; k < x->sys.n && k < 8; k++)
			if (x->sys.count[k] >= 0.005)
				printf(" %s %.2f", x->sys.name[k], x->sys.count[k]);
		printf("\n");
	}
	printf("\n");
}

static void csv_traced(const struct pb_opts *o)
{
	int vi, k;

	printf("PORTBENCH-SYSCALLS: variant,api,threads,requests,failures,syscall,per_request\n");
	for (vi = 0; vi < NVARIANTS; vi++)
		for (k = 0; traced[vi].ran && k < traced[vi].sys.n; k++)
			if (wanted(o, vi))
				printf("PORTBENCH-SYSCALLS: %s,%s,%d,%ld,%ld,%s,%.3f\n",
				       variants[vi].name,
				       variants[vi].kind == PB_PORT ? "port" : "liburing",
				       variants[vi].threads, traced[vi].requests,
				       traced[vi].failures, traced[vi].sys.name[k],
				       traced[vi].sys.count[k]);
}

static void csv_row(const char *kind, int round, int vi,
		    const struct pb_echo_result *r, double xrate, double xcpu)
{
	const struct pb_variant *v = &variants[vi];

	printf("PORTBENCH-CSV: %s,%d,P1,%s,%s,%d,%ld,%ld,%.3f,%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.3f,%.1f,%.1f,%ld,%.1f,%.3f,%.3f\n",
	       kind, round, v->name,
	       v->kind == PB_PORT ? "port" : "liburing", v->threads,
	       r->requests, r->failures, r->secs, r->rate, r->srv_us,
	       r->srv_user_us, r->srv_sys_us, r->guest_us, r->cli_us, r->csw,
	       r->p50_us, r->p99_us, r->srv_tasks, r->speed, xrate, xcpu);
}

static void median_result(int vi, int rounds, struct pb_echo_result *m)
{
	size_t i;
	int r;

	memset(m, 0, sizeof(*m));
	m->ran = true;
	for (r = 0; r < rounds; r++)
		m->failures += results[vi][r].failures;
	for (i = 0; i < sizeof(median_fields) / sizeof(median_fields[0]); i++)
		bench_field_set(m, &median_fields[i], med(vi, rounds, &median_fields[i]));
}

static void csv_echo(const struct pb_opts *o)
{
	struct pb_echo_result m;
	int vi, r, b;

	printf("PORTBENCH-CSV: kind,round,workload,variant,api,threads,requests,failures,secs,req_per_s,server_us_per_req,server_user_us,server_sys_us,guest_us_per_req,client_us_per_req,server_csw_per_req,rtt_p50_us,rtt_p99_us,server_tasks,speed,x_req_per_s,x_server_us\n");
	for (vi = 0; vi < NVARIANTS; vi++) {
		b = variants[vi].base;
		for (r = 0; r < o->rounds; r++) {
			const struct pb_echo_result *x = &results[vi][r];

			if (x->ran)
				csv_row("round", r + 1, vi, x,
					x->rate / results[b][r].rate,
					x->srv_us / results[b][r].srv_us);
		}
		median_result(vi, o->rounds, &m);
		csv_row("median", 0, vi, &m, ratio(vi, b, o->rounds, &f_rate),
			ratio(vi, b, o->rounds, &f_srv_us));
	}
}

static void table_echo(const struct pb_opts *o)
{
	struct pb_echo_result m;
	int vi, b;

	printf("P1, echo: %d connections, %d-byte request and echo, one client thread on\n"
	       "io_uring; the server in its own process. Medians over %d rounds of %.1f s;\n"
	       "x = median of the per-round ratios to the base (liburing, same threads;\n"
	       "the batched row: to liburing-1thread), x IQR their quartiles. server us:\n"
	       "the server process's user+sys (getrusage, all its threads) per request;\n"
	       "guest us: the whole guest's (/proc/stat, client and softirq included).\n\n",
	       PB_CONNS, PB_MSG, o->rounds, o->secs);
	printf("%-20s | %9s %5s %11s | %8s %5s %11s | %7s %7s | %8s %5s | %7s %7s | %3s | %s\n",
	       "variant", "req/s", "x", "x IQR", "srv us", "x", "x IQR",
	       "user", "sys", "guest us", "csw", "p50 us", "p99 us", "thr",
	       "fail");
	for (vi = 0; vi < NVARIANTS; vi++) {
		b = variants[vi].base;
		median_result(vi, o->rounds, &m);
		printf("%-20s | %9.1f %5.2f %5.2f-%5.2f | %8.1f %5.2f %5.2f-%5.2f | %7.1f %7.1f | %8.1f %5.2f | %7.0f %7.0f | %3ld | %ld\n",
		       variants[vi].name, m.rate, ratio(vi, b, o->rounds, &f_rate),
		       ratio_q(vi, b, o->rounds, &f_rate, 0.25),
		       ratio_q(vi, b, o->rounds, &f_rate, 0.75), m.srv_us,
		       ratio(vi, b, o->rounds, &f_srv_us),
		       ratio_q(vi, b, o->rounds, &f_srv_us, 0.25),
		       ratio_q(vi, b, o->rounds, &f_srv_us, 0.75),
		       m.srv_user_us, m.srv_sys_us, m.guest_us, m.csw,
		       m.p50_us, m.p99_us, m.srv_tasks, m.failures);
	}
	printf("\n");
}

/* ---- P2 ---- */

static double per(long long a, long long b, int n)
{
	return a < 0 || b < 0 ? NAN : (double)(b - a) / n;
}

static void idle_row(const char *what, const struct pb_idle_result *x,
		     int from, int to)
{
	const struct pb_idle_stage *a = &x->s[from], *b = &x->s[to];

	printf("%-22s | %5ld %5ld %5llu | %8.0f %8.0f | %8.0f %8.0f\n", what,
	       a->tasks, b->tasks, b->forks - a->forks,
	       per(a->rss, b->rss, x->n), per(a->heap, b->heap, x->n),
	       per(a->slab, b->slab, x->n), per(a->objs, b->objs, x->n));
}

static void idle_csv(int round, const char *what, const struct pb_idle_result *x,
		     int from, int to)
{
	const struct pb_idle_stage *a = &x->s[from], *b = &x->s[to];

	printf("PORTBENCH-IDLE: %d,%s,%d,%ld,%ld,%llu,%.1f,%.1f,%.1f,%.1f,%.3f,%.1f,%ld,%ld\n",
	       round, what, x->n, a->tasks, b->tasks, b->forks - a->forks,
	       per(a->rss, b->rss, x->n), per(a->heap, b->heap, x->n),
	       per(a->slab, b->slab, x->n), per(a->objs, b->objs, x->n),
	       x->setup_s, x->submit_us, x->packets, x->failures);
}

static void csv_idle(const struct pb_opts *o)
{
	int r;

	printf("PORTBENCH-IDLE: round,stage,n,tasks_before,tasks_after,guest_tasks_created,rss_B_per,heap_B_per,slab_B_per,slab_objs_B_per,setup_s,submit_us,packets,failures\n");
	for (r = 0; r < o->idle_rounds; r++) {
		idle_csv(r + 1, "liburing-recv", &idle[r], PB_IDLE_CONNECTED, PB_IDLE_URING);
		idle_csv(r + 1, "port-assoc", &idle[r], PB_IDLE_URING_GONE, PB_IDLE_ASSOC);
		idle_csv(r + 1, "port-wsarecv", &idle[r], PB_IDLE_ASSOC, PB_IDLE_PENDING);
		idle_csv(r + 1, "port-drained", &idle[r], PB_IDLE_PENDING, PB_IDLE_DONE);
	}
}

static void table_idle(const struct pb_opts *o)
{
	int r;

	for (r = 0; r < o->idle_rounds; r++) {
		const struct pb_idle_result *x = &idle[r];

		printf("P2, idle (round %d of %d): %d connected, silent sockets in one process; per socket,\n"
		       "bytes (stage delta / %d). thr: this process's threads before/after, +task:\n"
		       "tasks the guest created meanwhile. RSS: VmRSS; heap: malloc'd bytes in use\n"
		       "(mallinfo2: the library's allocations); Slab: meminfo; objs: slabinfo\n"
		       "active_objs x objsize. The program's OVERLAPPED + buffer per socket and the\n"
		       "rings are allocated before the baselines and not counted.\n\n",
		       r + 1, o->idle_rounds, x->n, x->n);
		printf("%-22s | %5s %5s %5s | %8s %8s | %8s %8s\n", "stage (per socket)",
		       "thr<", "thr>", "+task", "RSS", "heap", "Slab", "objs");
		idle_row("liburing recv pending", x, PB_IDLE_CONNECTED, PB_IDLE_URING);
		idle_row("port association", x, PB_IDLE_URING_GONE, PB_IDLE_ASSOC);
		idle_row("port WSARecv pending", x, PB_IDLE_ASSOC, PB_IDLE_PENDING);
		idle_row("peers reset, drained", x, PB_IDLE_PENDING, PB_IDLE_DONE);
		printf("\n  slab caches, liburing recv: %s\n", x->uring_top[0] ? x->uring_top : "-");
		printf("  slab caches, WSARecv:       %s\n", x->port_top[0] ? x->port_top : "-");
		printf("  connecting %d pairs: %.1f s; WSARecv call: %.1f us each; packets after the resets: %ld of %d\n",
		       x->n, x->setup_s, x->submit_us, x->packets, x->n);
		printf("  liburing recv: prep + io_uring_submit %.1f us each (one submit per recv, as WSARecv)\n",
		       x->uring_submit_us);
		printf("  RLIMIT_NOFILE was %ld/%ld (soft/hard), raised to %ld (fs.nr_open %ld, fs.file-max %ld)\n\n",
		       x->nofile_soft, x->nofile_hard, x->nofile_now, x->nr_open,
		       x->file_max);
	}
}

/* ---- Targets ---- */

static void target(const char *name, double value, const char *op, double goal)
{
	bool met = !isnan(value) &&
		   (op[0] == '>' ? value >= goal : value <= goal);

	printf("PORTBENCH-TARGET: %s,%.3f,%s%g,%s\n", name, value, op, goal,
	       isnan(value) ? "n/a" : met ? "met" : "MISSED");
}

static void target_ratio(const char *name, int a, int b, int rounds,
			 const struct bench_field *f, const char *op, double goal)
{
	char full[160];

	snprintf(full, sizeof(full), "%s (IQR %.2f-%.2f)", name,
		 ratio_q(a, b, rounds, f, 0.25), ratio_q(a, b, rounds, f, 0.75));
	target(full, ratio(a, b, rounds, f), op, goal);
}

static void targets(const struct pb_opts *o)
{
	static const char *const pairs[][2] = {
		{ "port-1thread", "liburing-1thread" },
		{ "port-4threads", "liburing-4threads" },
	};
	char name[128];
	size_t i;
	int a, b, r;

	if (o->echo)
		for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			a = find_variant(pairs[i][0]);
			b = find_variant(pairs[i][1]);
			snprintf(name, sizeof(name), "P1 %s/%s requests/s",
				 pairs[i][0], pairs[i][1]);
			target_ratio(name, a, b, o->rounds, &f_rate, ">=", 0.9);
			snprintf(name, sizeof(name), "P1 %s/%s server CPU per request",
				 pairs[i][0], pairs[i][1]);
			target_ratio(name, a, b, o->rounds, &f_srv_us, "<=", 1.1);
		}
	for (r = 0; o->idle && r < o->idle_rounds; r++) {
		const struct pb_idle_result *x = &idle[r];
		const struct pb_idle_stage *s = x->s;
		long added = s[PB_IDLE_PENDING].tasks - s[PB_IDLE_CONNECTED].tasks;

		snprintf(name, sizeof(name),
			 "P2 round %d: threads added with %d WSARecv pending", r + 1, x->n);
		target(name, (double)added, "<=", 0);
		snprintf(name, sizeof(name),
			 "P2 round %d: library heap + kernel slab objects per pending WSARecv (B; no goal set)",
			 r + 1);
		printf("PORTBENCH-TARGET: %s,%.1f,-,n/a\n", name,
		       per(s[PB_IDLE_ASSOC].heap, s[PB_IDLE_PENDING].heap, x->n) +
		       per(s[PB_IDLE_ASSOC].objs, s[PB_IDLE_PENDING].objs, x->n));
	}
	fflush(stdout);
}

/* ---- Setup ---- */

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* 2N sockets and some: raise RLIMIT_NOFILE (root may pass the hard limit). */
static void raise_nofile(int n, struct pb_idle_result *x)
{
	struct rlimit rl;
	rlim_t need = 2 * (rlim_t)n + 1024;
	long nr_open = read_long("/proc/sys/fs/nr_open");

	getrlimit(RLIMIT_NOFILE, &rl);
	x->nofile_soft = (long)rl.rlim_cur;
	x->nofile_hard = (long)rl.rlim_max;
	x->nr_open = nr_open;
	x->file_max = read_long("/proc/sys/fs/file-max");
	if (rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (rl.rlim_max < need)
			rl.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			bench_log("# portbench: RLIMIT_NOFILE to %lu: %s (nr_open %ld)",
			       (unsigned long)need, strerror(errno), nr_open);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	x->nofile_now = (long)rl.rlim_cur;
}

static void __attribute__((noreturn)) usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--time SEC] [--rounds R] [--idle-n N] [--idle-rounds R2]\n"
		"          [--quick] [--no-echo] [--no-idle] [--variant NAME] [--syscalls]\n"
		"  --time SEC       P1: measured seconds per variant per round (default 2),\n"
		"                   after a warm-up of a quarter of that (0.2 to 1 s)\n"
		"  --rounds R       P1 rounds, each from another variant (default 5, max %d)\n"
		"  --idle-n N       P2: sockets with a WSARecv pending (default 10000)\n"
		"  --idle-rounds R2 P2 runs (default 1, max %d)\n"
		"  --quick          CI smoke preset: --time 0.5 --rounds 3\n"
		"  --no-echo, --no-idle  leave a workload out\n"
		"  --variant NAME   P1: run only this server variant (for strace -ff)\n"
		"  --syscalls       P1: then one traced run per variant counting the server's\n"
		"                   system calls per request (tracefs; slows every syscall)\n",
		argv0, MAX_ROUNDS, MAX_IDLE_ROUNDS);
	exit(2);
}

/* --variant NAME: one of variants[] alone. */
static bool only(void *ctx, const char *arg)
{
	struct pb_opts *o = ctx;

	o->only = arg;
	return find_variant(arg) >= 0;
}

static void parse_opts(int argc, char **argv, struct pb_opts *o)
{
	const struct bench_opt table[] = {
		BENCH_OPT_DOUBLE("time", 't', &o->secs),
		BENCH_OPT_INT("rounds", 'r', &o->rounds, 1, MAX_ROUNDS),
		BENCH_OPT_INT("idle-n", 'n', &o->idle_n, 1, 100000),
		BENCH_OPT_INT("idle-rounds", 0, &o->idle_rounds, 1, MAX_IDLE_ROUNDS),
		BENCH_OPT_PRESET("quick", 'q', "--time 0.5 --rounds 3"),
		BENCH_OPT_CLEAR("no-echo", &o->echo),
		BENCH_OPT_CLEAR("no-idle", &o->idle),
		BENCH_OPT_CALL("variant", 0, true, only, o),
		BENCH_OPT_SET("syscalls", &o->syscalls),
		BENCH_OPT_END
	};

	*o = (struct pb_opts){
		.secs = 2, .rounds = 5, .idle_n = 10000, .idle_rounds = 1,
		.echo = true, .idle = true,
	};
	bench_opts_parse(argc, argv, table, usage);
	if (o->secs <= 0)
		usage(argv[0]);
}

/* The report's parts, in their order: first all CSV lines, then the tables. */
enum { PART_ECHO, PART_TRACED, PART_IDLE, NPARTS };

static const struct {
	void (*csv)(const struct pb_opts *o);
	void (*table)(const struct pb_opts *o);
} parts[NPARTS] = {
	[PART_ECHO] = { csv_echo, table_echo },
	[PART_TRACED] = { csv_traced, table_traced },
	[PART_IDLE] = { csv_idle, table_idle },
};

static bool part_on(const struct pb_opts *o, int k)
{
	switch (k) {
	case PART_ECHO:
		return o->echo;
	case PART_TRACED:
		return o->echo && o->syscalls;
	default:
		return o->idle;
	}
}

/* Without a vDSO-capable one (TCG: hpet, not tsc) clock_gettime() is a syscall. */
static const char *clocksource(void)
{
	static char name[32] = "?";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");

	if (f) {
		if (!fgets(name, sizeof(name), f))
			strcpy(name, "?");
		name[strcspn(name, "\n")] = '\0';
		fclose(f);
	}
	return name;
}

int main(int argc, char **argv)
{
	struct pb_opts o;
	struct utsname u;
	long failures = 0;
	double t0 = bench_now();
	int r, k;

	parse_opts(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	printf("1..1\n");
	uname(&u);
	bench_log("# portbench: kernel %s, %ld CPUs, clocksource %s; P1 %d rounds of %.1f s, P2 N=%d x %d",
	       u.release, sysconf(_SC_NPROCESSORS_ONLN), clocksource(), o.rounds,
	       o.secs, o.idle_n, o.idle_rounds);

	if (part_on(&o, PART_ECHO))
		failures += run_echo(&o);
	if (part_on(&o, PART_TRACED))
		failures += run_traced(&o);
	for (r = 0; part_on(&o, PART_IDLE) && r < o.idle_rounds; r++) {
		struct pb_idle_result *x = &idle[r];
		struct pb_idle_result lim;

		raise_nofile(o.idle_n, &lim);
		if (pb_idle_run(o.idle_n, x))
			bench_log("# portbench: P2 round %d failed", r + 1);
		x->nofile_soft = lim.nofile_soft;
		x->nofile_hard = lim.nofile_hard;
		x->nofile_now = lim.nofile_now;
		x->nr_open = lim.nr_open;
		x->file_max = lim.file_max;
		failures += x->failures;
		bench_log("# round %d P2 N=%d: threads %ld -> %ld, WSARecv: heap %.0f B, slab objs %.0f B per op; packets %ld; setup %.1f s",
		       r + 1, x->n, x->s[PB_IDLE_CONNECTED].tasks,
		       x->s[PB_IDLE_PENDING].tasks,
		       per(x->s[PB_IDLE_ASSOC].heap, x->s[PB_IDLE_PENDING].heap, x->n),
		       per(x->s[PB_IDLE_ASSOC].objs, x->s[PB_IDLE_PENDING].objs, x->n),
		       x->packets, x->setup_s);
	}

	for (k = 0; k < NPARTS; k++)
		if (part_on(&o, k))
			parts[k].csv(&o);
	printf("PORTBENCH-TABLE-BEGIN\n");
	for (k = 0; k < NPARTS; k++)
		if (part_on(&o, k))
			parts[k].table(&o);
	printf("PORTBENCH-TABLE-END\n");
	printf("PORTBENCH-TARGET: target,value,goal,verdict\n");
	targets(&o);

	bench_log("# portbench: %.0f s, %ld failures", bench_now() - t0, failures);
	printf("%sok 1 portbench\n", failures ? "not " : "");
	return failures ? 1 : 0;
}
