// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench, inside the test VM: connection churn (W1) and mass disconnect
 * (W2) with a fresh socket per connection, the emulated disconnect and the
 * kernel's DCX_CMD_DISCONNECT (bench/README.md).
 *
 * This file is the options and main(); the layers below it, top down:
 * report.c (tables, CSV, targets), rounds.c (the variant table and the
 * rounds), workload.c (the client's steps), frame.c (one run's counters),
 * server.c (the echo server), then the benchmarks' shared layer: tune.c
 * (sysctls, kprobes), guest.c (read-only counters), stats.c, opts.c (the
 * option table's parser), util.c.
 *
 * Output: progress, the report, and one TAP line for the runner: not ok if
 * any connection failed or the server saw a reset.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "guest.h"
#include "opts.h"
#include "report.h"
#include "rounds.h"
#include "server.h"
#include "tune.h"
#include "util.h"
#include "workload.h"

/* What the command line asks for. */
struct dcxb_opts {
	double secs;		/* W1: seconds per variant per round */
	long conns;		/* W1: connections instead, if > 0 */
	int rounds;
	int w2_rounds;		/* W2 runs in this many of the rounds */
	int n;			/* W2 connections */
	int scale;		/* --scale: kernel disconnects in flight, or 0 */
	bool w1, w2;
	bool tune;		/* raise the guest's backlog and port range */
	bool profile;		/* count calls of kernel functions */
	bool pin;		/* client on CPU 0, server on CPU 1 */
	bool repeatable;	/* W2's repeatable mode (run-bench.sh --repeatable) */
	const char *module_b;	/* --module-b: the other build's file */
};

static void __attribute__((noreturn)) usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--time SEC | --conns N] [--rounds R] [--n N] [--w2-rounds R2]\n"
		"          [--quick] [--no-w1] [--no-w2] [--no-tune] [--profile] [--pin]\n"
		"          [--repeatable] [--module-b KO] [--scale N]\n"
		"  --time SEC      W1: measured seconds per variant per round (default 10),\n"
		"                  after a warm-up of a quarter of that (0.2 to 1 s)\n"
		"  --conns N       W1: connections per variant per round instead\n"
		"  --rounds R      rounds, each in another order (default 3, max %d)\n"
		"  --n N           W2: connections disconnected at once (default 10000)\n"
		"  --w2-rounds R2  W2 in R2 of the rounds only, spread out (default all)\n"
		"  --scale N       after the rounds, N kernel disconnects in flight at once\n"
		"                  on one ring (at most %d): memory per operation and\n"
		"                  kernel threads while all wait, then all must end\n"
		"  --quick         CI smoke preset: --time 0.4 --rounds 3 --n 1000\n"
		"  --no-w1, --no-w2  leave a workload out\n"
		"  --no-tune       leave the guest's sysctls alone\n"
		"  --profile       count kernel function calls per connection (kprobes;\n"
		"                  slows everything: not for the benchmark's figures)\n"
		"  --pin           client on CPU 0, echo server on CPU 1\n"
		"  --repeatable    W2 for a VM on one vCPU with QEMU -icount shift=0,sleep=off\n"
		"                  (run-bench.sh --repeatable): before each variant the loopback\n"
		"                  route gets quickack 1 and no TIME_WAIT or orphan is left; its\n"
		"                  CPU is counted until TCP has settled (no orphans, every FIN\n"
		"                  at the peer), as the time a SCHED_IDLE spinner did not get:\n"
		"                  k-instructions per disconnect; the kernel variant runs twice\n"
		"                  a round, an A/A ratio that must be 1.00 +- 0.02\n"
		"  --module-b KO   W2's kernel variant once more a round on the module built\n"
		"                  in file KO (kernel-b, the A/B), then back to " DCXB_MODULE_A ";\n"
		"                  not with --profile (its probes go with the module)\n",
		argv0, DCXB_MAX_ROUNDS, DCXB_SCALE_MAX_N);
	exit(2);
}

static bool set_module_b(void *ctx, const char *arg)
{
	((struct dcxb_opts *)ctx)->module_b = arg;
	return true;
}

static void parse_opts(int argc, char **argv, struct dcxb_opts *o)
{
	const struct bench_opt table[] = {
		BENCH_OPT_DOUBLE("time", 't', &o->secs),
		BENCH_OPT_LONG("conns", 'c', &o->conns),
		BENCH_OPT_INT("rounds", 'r', &o->rounds, 1, DCXB_MAX_ROUNDS),
		BENCH_OPT_INT("n", 'n', &o->n, 1, DCXB_MAX_N),
		BENCH_OPT_INT("w2-rounds", 0, &o->w2_rounds, 0, 0),
		BENCH_OPT_INT("scale", 0, &o->scale, 0, DCXB_SCALE_MAX_N),
		BENCH_OPT_PRESET("quick", 'q', "--time 0.4 --rounds 3 --n 1000"),
		BENCH_OPT_CLEAR("no-w1", &o->w1),
		BENCH_OPT_CLEAR("no-w2", &o->w2),
		BENCH_OPT_CLEAR("no-tune", &o->tune),
		BENCH_OPT_SET("profile", &o->profile),
		BENCH_OPT_SET("pin", &o->pin),
		BENCH_OPT_SET("repeatable", &o->repeatable),
		BENCH_OPT_CALL("module-b", 0, true, set_module_b, o),
		BENCH_OPT_END
	};

	*o = (struct dcxb_opts){
		.secs = 10, .rounds = 3, .n = 10000, .w1 = true, .w2 = true,
		.tune = true,
	};
	bench_opts_parse(argc, argv, table, usage);
	if ((o->secs <= 0 && o->conns <= 0) || (o->module_b && o->profile))
		usage(argv[0]);
	/* Out of range or not given: every round. */
	if (o->w2_rounds <= 0 || o->w2_rounds > o->rounds)
		o->w2_rounds = o->rounds;
}

static void describe(const struct dcxb_opts *o)
{
	char cmdline[1024] = "";
	struct guest_mem m;
	struct utsname u;
	FILE *f = fopen("/proc/cmdline", "re");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	uname(&u);
	guest_mem_read(&m);
	bench_log("# dcxbench: kernel %s, %ld CPUs, slab_nomerge %s, /proc/slabinfo %s",
		 u.release, sysconf(_SC_NPROCESSORS_ONLN),
		 strstr(cmdline, "slab_nomerge") ? "yes" : "NO (dcx_op may share a cache)",
		 m.slabinfo ? "yes" : "no");
	if (o->pin)
		bench_log("# dcxbench: client pinned to CPU 0, echo server to CPU 1");
	if (o->repeatable)
		bench_log("# dcxbench: repeatable mode: W2 settles before and after each variant, CPU from a SCHED_IDLE spinner");
	if (o->scale)
		bench_log("# dcxbench: after the rounds, %d kernel disconnects in flight at once (--scale)",
			  o->scale);
	if (o->w1 && o->conns > 0)
		bench_log("# dcxbench: W1 %ld connections per variant per round, %d rounds",
			  o->conns, o->rounds);
	else if (o->w1)
		bench_log("# dcxbench: W1 %.1f s per variant per round, %d rounds",
			  o->secs, o->rounds);
	if (o->w2)
		bench_log("# dcxbench: W2 N=%d in %d of %d rounds", o->n,
			  o->w2_rounds, o->rounds);
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 8192 };
	struct rlimit rl = { 131072, 131072 };
	static struct dcxb_rounds t;
	struct dcxb_result scale;
	struct dcxb_opts o;
	struct dcxb_ctx c = { .devfd = -1 };
	long failures;
	double t0 = bench_now();
	int ret;

	parse_opts(argc, argv, &o);
	c.secs = o.secs;
	c.conns = o.conns;
	c.repeatable = o.repeatable;
	c.module_b = t.module_b = o.module_b;
	t.rounds = o.rounds;
	t.w2_rounds = o.w2_rounds;
	t.repeatable = o.repeatable;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	printf("1..1\n");

	/* W2 holds 2N sockets between the two processes. */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		bench_log("# dcxbench: RLIMIT_NOFILE: %s", strerror(errno));
	c.devfd = open("/dev/" DCX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (c.devfd < 0) {
		bench_log("# dcxbench: /dev/" DCX_DEVICE_NAME ": %s (is the module loaded?)",
			 strerror(errno));
		printf("not ok 1 dcxbench\n");
		return 1;
	}
	/* Only where the module is: that is the test VM, never a host. */
	if (o.tune)
		tune_sysctls();
	describe(&o);
	if (o.profile) {
		ret = tune_probes_setup();
		if (ret)
			bench_log("# dcxbench: --profile: tracefs: %s", strerror(-ret));
	}
	ret = dcxb_server_start(&c.srv, o.pin);
	if (!ret)
		ret = io_uring_queue_init_params(2048, &c.ring, &p);
	if (ret) {
		bench_log("# dcxbench: setup: %s", strerror(-ret));
		printf("not ok 1 dcxbench\n");
		return 1;
	}

	dcxb_rounds_build(&t, o.w1, o.w2, o.n);
	dcxb_rounds_run(&c, &t);
	if (o.scale) {
		ret = dcxb_run_scale(&c, o.scale, &scale);
		if (ret)
			bench_log("# dcxbench: --scale %d: %s", o.scale, strerror(-ret));
	}
	if (t.nvariants) {
		dcxb_report(&t);
		dcxb_targets(&t);
	}
	if (o.scale)
		dcxb_scale_report(o.scale, DCXB_HOLD_S, o.repeatable, ret, &scale);

	failures = dcxb_rounds_failures(&t);
	if (o.scale && (ret || scale.failures))
		failures += ret ? 1 : scale.failures;
	dcxb_server_stop(&c.srv);
	io_uring_queue_exit(&c.ring);
	close(c.devfd);
	bench_log("# dcxbench: %.0f s, %ld failures", bench_now() - t0, failures);
	printf("%sok 1 dcxbench\n", failures ? "not " : "");
	return failures ? 1 : 0;
}
