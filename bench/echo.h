/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench P1: what every echo server shares, whichever API serves it -
 * the size of the workload and the counters its threads bump. Header-only,
 * so that the servers (echo_port.c, echo_uring.c) depend on nothing above
 * them: echo_server.c, the process that runs them, includes them and reads
 * the counters.
 */
#ifndef PB_ECHO_H
#define PB_ECHO_H

#include <stdbool.h>
#include <stdint.h>

/* P1: connections, and the size of a request (and of its echo). */
#define PB_CONNS		64
#define PB_MSG			64

/*
 * The counters a server shares among its threads; the serving code bumps
 * them, the control thread reads them.
 */
struct pb_counts {
	uint64_t echoed;
	uint64_t ended;
	uint64_t errors;
};

/* A connection is over: how many are, this one included. */
static inline uint64_t pb_count_end(struct pb_counts *c, bool error)
{
	if (error)
		__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
	return __atomic_add_fetch(&c->ended, 1, __ATOMIC_ACQ_REL);
}

#endif /* PB_ECHO_H */
