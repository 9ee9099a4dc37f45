/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dcxbench's workloads: the client side of W1 (churn) and W2 (mass
 * disconnect), one variant at a time, from one thread. See workload.c for
 * the steps of each way of ending a connection.
 */
#ifndef DCXBENCH_WORKLOAD_H
#define DCXBENCH_WORKLOAD_H

#include <stdbool.h>
#include <liburing.h>

#include "frame.h"
#include "server.h"

/* Most connections W2 may hold: its CQ must take one CQE per connection. */
#define DCXB_MAX_N		30000
/*
 * --scale: most operations one held pass may keep in flight on one ring,
 * beyond what its CQ holds (workload.c, w2_pass()).
 */
#define DCXB_SCALE_MAX_N	200000
/*
 * --scale: seconds over which the guest's CPU is read, with nothing in
 * flight and with all N waiting: several of the module's once-a-second
 * looks at each operation's ring (its timer).
 */
#define DCXB_HOLD_S		5

/*
 * How a connection ends (workload.c's ways[]). W2's references: graceful
 * and graceful-sys end it as the module does, waiting for the peer's FIN,
 * and lose the socket; shutdown+close and shutdown wait for nothing.
 */
enum dcxb_way {
	DCXB_FRESH,		/* W1: shutdown, read to EOF, close: new socket */
	DCXB_EMULATED,		/* shutdown(2), read to EOF, connect(AF_UNSPEC) */
	DCXB_KERNEL,		/* DCX_CMD_DISCONNECT + DCX_REUSE_SOCKET */
	DCXB_CLOSE,		/* W2: IORING_OP_SHUTDOWN, IORING_OP_CLOSE */
	DCXB_GRACEFUL,		/* W2: IORING_OP_SHUTDOWN, RECV to EOF, CLOSE */
	DCXB_GRACEFUL_SYS,	/* W2: shutdown(2), RECV to EOF, close(2) */
	DCXB_SHUTDOWN,		/* W2: shutdown(2) alone: the TCP floor */
};

struct dcxb_variant {
	int workload;		/* 1: churn, 2: mass disconnect */
	enum dcxb_way way;
	bool blocking;		/* plain syscalls instead of the ring */
	int conc;		/* connections in flight (W2: N) */
	int base;		/* index of the baseline variant (itself if one) */
	bool again;		/* --repeatable: W2 kernel's second run, the A/A */
	bool b;			/* --module-b: W2 kernel on the other build, the A/B */
};

/* What every run shares. */
struct dcxb_ctx {
	double secs;			/* W1: measured seconds per run */
	long conns;			/* W1: connections per run instead, if > 0 */
	struct dcxb_server srv;		/* the echo server */
	int devfd;			/* /dev/disconnectex */
	struct io_uring ring;		/* all of W1 runs on this one ring */
	bool repeatable;		/* W2's repeatable mode (--repeatable) */
	const char *module_b;		/* --module-b: the build to compare, or NULL */
};

/* The module file the VM's init loaded: --module-b's variants go back to it. */
#define DCXB_MODULE_A		"/disconnectex.ko"


/* "fresh", "kernel-blk", ...: the name tables and CSV use. */
const char *dcxb_way_name(enum dcxb_way way, bool blocking);
/* The same for a variant: "kernel-again" for the A/A run, "kernel-b" for the A/B. */
const char *dcxb_variant_name(const struct dcxb_variant *v);

/* One run of @v into @r: 0, or -errno if it could not run at all. */
int dcxb_run_w1(struct dcxb_ctx *c, const struct dcxb_variant *v,
		struct dcxb_result *r);
int dcxb_run_w2(struct dcxb_ctx *c, const struct dcxb_variant *v,
		struct dcxb_result *r);
/*
 * --scale: N kernel disconnects in flight at once on one ring, held until
 * the memory and the kernel threads are read (slab_b, obj_b, kiocb_b,
 * dcxop_b, kthreads), then let go: every one must end gracefully.
 */
int dcxb_run_scale(struct dcxb_ctx *c, int n, struct dcxb_result *r);

#endif /* DCXBENCH_WORKLOAD_H */
