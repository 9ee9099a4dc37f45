/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dcxbench's measurement of one run: a frame of counters read at its start
 * and at its end - the guest's (guest.h), the probes' (tune.h), the echo
 * server's (server.h) and the module's - and the per-connection figures
 * between two frames.
 */
#ifndef DCXBENCH_FRAME_H
#define DCXBENCH_FRAME_H

#include <stdbool.h>

#include "guest.h"
#include "server.h"
#include "tune.h"

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
	/*
	 * --scale: guest CPU in us per second (repeatable mode: from the
	 * spinner, k-instructions per second) over DCXB_HOLD_S with nothing
	 * in flight, then with all N waiting: what waiting costs.
	 */
	double idle_us, held_us;
	double held_timers;	/* --scale --profile: dcx_timer per op per s */
	/* Where the CPU went, per connection: a profile from counters. */
	double cli_us;		/* this process, io-wq workers included */
	double srv_cpu_us;	/* the echo server */
	double kthr_us;		/* kernel threads (kworkers) */
	double irq_us;		/* of all the above: irq + softirq */
	double ctxt;		/* context switches, guest-wide */
	double speed;		/* spin loop iterations per us, just before */
	/*
	 * --repeatable: CPU per connection from the spinner (guest.h), W1
	 * over its window, W2 from the first submission until TCP has
	 * settled: guest us, k-instructions under -icount shift=0. NAN
	 * otherwise.
	 */
	double busy_us;
	/* --profile: kprobe hits per connection, tune_nprobes of them */
	double probe[TUNE_MAX_PROBES];
};

/* Every figure NAN, every count 0. */
void dcxb_result_init(struct dcxb_result *r);

/* The clock, the guest's CPU, the probes and this process's own CPU. */
struct dcxb_sys {
	double t;			/* CLOCK_MONOTONIC, seconds */
	unsigned long long spins;	/* guest_spins(), read with t */
	struct guest_cpu cpu;
	unsigned long long probe[TUNE_MAX_PROBES];	/* --profile */
	double self_us;			/* getrusage(RUSAGE_SELF) */
};

/* Everything one measurement compares, read at its start and at its end. */
struct dcxb_frame {
	struct dcxb_sys sys;
	struct dcxb_srv_stats srv;
	long kthreads;
	unsigned long long kthr_ticks;
	long dcx_graceful, dcx_completed, dcx_rejected;
};

void dcxb_frame_start(struct dcxb_server *srv, struct dcxb_frame *f);
void dcxb_frame_end(struct dcxb_server *srv, struct dcxb_frame *f);
/* Per-connection figures of @conns connections between @a and @b. */
void dcxb_figures(struct dcxb_result *r, const struct dcxb_frame *a,
		  const struct dcxb_frame *b, long conns, double secs);

#endif /* DCXBENCH_FRAME_H */
