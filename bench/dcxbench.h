/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dcxbench: SPEC section 5 - connection churn (W1) and mass disconnect (W2)
 * with a fresh socket per connection, the emulated disconnect and the
 * kernel's DCX_CMD_DISCONNECT, measured in one VM boot.
 *
 * dcxbench.c runs the rounds and reports, workload.c drives the client side
 * (one thread, one io_uring), server.c is the echo server in its own process
 * and sysstat.c reads the guest's counters.
 */
#ifndef DCXBENCH_H
#define DCXBENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <liburing.h>

/* Request and reply size of one W1 connection. */
#define DCXB_MSG		1024

/* Most connections W2 may hold: its CQ must take one CQE per connection. */
#define DCXB_MAX_N		30000

#define DCXB_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* How a connection ends. */
enum dcxb_way {
	DCXB_FRESH,		/* shutdown, read to EOF, close: new socket */
	DCXB_EMULATED,		/* shutdown, read to EOF, connect(AF_UNSPEC) */
	DCXB_KERNEL,		/* DCX_CMD_DISCONNECT + DCX_REUSE_SOCKET */
	DCXB_CLOSE,		/* W2 only: shutdown, close, no waiting */
};

/* W1's phases: warm up, the measured window, let the slots finish. */
enum dcxb_phase {
	DCXB_WARM,
	DCXB_WINDOW,
	DCXB_DRAIN,
};

struct dcxb_variant {
	int workload;		/* 1: churn, 2: mass disconnect */
	enum dcxb_way way;
	bool blocking;		/* plain syscalls instead of the ring */
	int conc;		/* connections in flight (W2: N) */
	int base;		/* index of the baseline variant (itself if one) */
};

/* One variant in one round; NAN where a figure does not apply. */
struct dcxb_result {
	bool ran;		/* W2 may skip rounds: --w2-rounds */
	long conns;		/* connections (W1) or disconnects (W2) done */
	long failures;
	double secs;
	double rate;		/* conns per second */
	double user_us;		/* guest-wide CPU per connection */
	double sys_us;		/* system + irq + softirq */
	double p50_us;		/* disconnect step, submit to completion */
	double p99_us;
	long threads;		/* tasks created guest-wide during the run */
	long kthreads;		/* ppid-2 tasks: peak minus before */
	double slab_b;		/* W2: meminfo Slab per op in flight */
	double obj_b;		/* W2: slab objects (slabinfo) per op */
	double kiocb_b;		/* W2: of which io_kiocb */
	double dcxop_b;		/* W2: of which dcx_op */
	/* Where the CPU went, per connection: a profile from counters. */
	double cli_us;		/* this process, io-wq workers included */
	double srv_cpu_us;	/* the echo server */
	double kthr_us;		/* kernel threads (kworkers) */
	double irq_us;		/* of all the above: irq + softirq */
	double ctxt;		/* context switches, guest-wide */
	double speed;		/* spin loop iterations per us, just before */
	/* --profile: kprobe hits per connection, DCXB_PROBES of them */
	double probe[8];
};

struct dcxb_opts {
	double secs;		/* W1: seconds per variant per round */
	long conns;		/* W1: connections instead, if > 0 */
	int rounds;
	int w2_rounds;		/* W2 runs in this many of the rounds */
	int n;			/* W2 connections */
	bool w1, w2;
	bool tune;		/* raise the guest's backlog and port range */
	bool profile;		/* count calls of kernel functions */
	bool pin;		/* client on CPU 0, server on CPU 1 */
};

/* Counters of the echo server, cumulative since it started. */
struct dcxb_srv_stats {
	uint64_t accepted;
	uint64_t fins;		/* read EOF after a full exchange */
	uint64_t resets;	/* ECONNRESET at any point */
	uint64_t errors;	/* any other failure, early EOF, extra bytes */
	uint64_t held;		/* connections kept open in hold mode */
	uint64_t cpu_us;	/* getrusage(), user + system */
};

enum dcxb_srv_cmd {
	DCXB_SRV_STATS,
	DCXB_SRV_HOLD,		/* keep connections open after their EOF */
	DCXB_SRV_RELEASE,	/* close the held ones, stop holding */
	DCXB_SRV_QUIT,
};

struct dcxb_ctx {
	const struct dcxb_opts *o;
	struct sockaddr_in addr;	/* the echo server */
	int devfd;			/* /dev/disconnectex */
	int ctrl;			/* control socket to the server */
	pid_t srv_pid;
	struct io_uring ring;		/* all of W1 runs on this one ring */
};

/* Samples of one run, in microseconds. */
struct dcxb_lat {
	double *v;
	size_t n, cap;
};

/* server.c */
int dcxb_server_start(struct dcxb_ctx *c);
int dcxb_server_cmd(struct dcxb_ctx *c, enum dcxb_srv_cmd cmd,
		    struct dcxb_srv_stats *st);
void dcxb_server_stop(struct dcxb_ctx *c);

/* sysstat.c */
struct dcxb_sys {
	double t;			/* CLOCK_MONOTONIC, seconds */
	unsigned long long user;	/* ticks: user + nice */
	unsigned long long sys;		/* ticks: system + irq + softirq */
	unsigned long long irq;		/* ticks: irq + softirq */
	unsigned long long forks;	/* "processes" */
	unsigned long long ctxt;	/* context switches */
	unsigned long long probe[8];	/* --profile: kprobe hits */
	double self_us;			/* getrusage(RUSAGE_SELF) */
};

#define DCXB_MAX_CACHES		512

/* Everything one measurement compares, read at its start and at its end. */
struct dcxb_frame {
	struct dcxb_sys sys;
	struct dcxb_srv_stats srv;
	long kthreads;
	unsigned long long kthr_ticks;
	long dcx_graceful, dcx_completed, dcx_rejected;
};

void dcxb_frame_start(struct dcxb_ctx *c, struct dcxb_frame *f);
void dcxb_frame_end(struct dcxb_ctx *c, struct dcxb_frame *f);
void dcxb_figures(struct dcxb_result *r, const struct dcxb_frame *a,
		  const struct dcxb_frame *b, long conns, double secs);

struct dcxb_mem {
	long long slab;		/* meminfo Slab, bytes */
	long long objs;		/* sum of active_objs * objsize */
	long long kiocb;	/* io_kiocb cache, active bytes */
	long long dcxop;	/* dcx_op cache, active bytes */
	bool slabinfo;
	int ncaches;
	struct {
		char name[32];
		long long bytes;
	} cache[DCXB_MAX_CACHES];
};

double dcxb_now(void);
int dcxb_sys_read(struct dcxb_sys *s);
double dcxb_tick_us(void);
double dcxb_speed(void);
long dcxb_kthreads(unsigned long long *ticks);
void dcxb_mem_read(struct dcxb_mem *m);
void dcxb_mem_top(const struct dcxb_mem *a, const struct dcxb_mem *b,
		  long per, char *buf, size_t len);
long dcxb_dcx_stat(const char *name);
void dcxb_tune(void);
int dcxb_probes_setup(void);
extern int dcxb_nprobes;
extern const char *const dcxb_probe_funcs[];
void dcxb_lat_add(struct dcxb_lat *l, double us);
double dcxb_lat_pct(struct dcxb_lat *l, double pct);
void dcxb_lat_free(struct dcxb_lat *l);

/* workload.c */
int dcxb_run_w1(struct dcxb_ctx *c, const struct dcxb_variant *v,
		struct dcxb_result *r);
int dcxb_run_w2(struct dcxb_ctx *c, const struct dcxb_variant *v,
		struct dcxb_result *r);

/* dcxbench.c */
const char *dcxb_way_name(enum dcxb_way way, bool blocking);
void dcxb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* DCXBENCH_H */
