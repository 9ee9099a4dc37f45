/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dcxbench's floor: micro-benchmarks of the parts a reusable asynchronous
 * disconnect cannot do without, each op timed over a loop of its own. In
 * the repeatable mode (one vCPU, -icount shift=0) a guest us is 1000
 * instructions, as in W2's figures, so that they add up.
 */
#ifndef DCXBENCH_FLOOR_H
#define DCXBENCH_FLOOR_H

#include "workload.h"

struct dcxb_floor {
	double socket_close_us;	/* socket() + close(): what reuse saves */
	double rejected_cmd_us;	/* one uring_cmd the module turns down: a request */
	double nop_us;		/* one IORING_OP_NOP: io_uring's least request */
	double unconnect_us;	/* connect(AF_UNSPEC) on a closed socket: tcp_disconnect() */
};

/* Every field NAN. */
void dcxb_floor_init(struct dcxb_floor *f);
/* All four, @n ops each: 0, or -errno if one could not run (logged). */
int dcxb_floor_measure(struct dcxb_ctx *c, int n, struct dcxb_floor *f);

#endif /* DCXBENCH_FLOOR_H */
