/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench P1: the echo server process and its control channel
 * (echo_server.c); what its servers share is echo.h.
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_ECHO_SERVER_H
#define PB_ECHO_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "echo.h"

/* P1's server variants. */
enum pb_kind {
	PB_PORT,		/* completion port, GetQueuedCompletionStatus */
	PB_URING,		/* one io_uring shared as the port shares it */
	PB_URING_BATCH,		/* one io_uring, one thread, batched: idiomatic */
};

/*
 * What the server process reports at a mark: its rusage (all its threads,
 * io_uring's workers included) and its own counts.
 */
struct pb_srv_stats {
	uint64_t user_us, sys_us;
	uint64_t nvcsw, nivcsw;
	uint64_t echoed;	/* requests echoed (send completed) */
	uint64_t ended;		/* connections over (EOF or error) */
	uint64_t errors;	/* anything but EOF ended a connection */
	int64_t tasks;		/* /proc/self/task entries */
	int64_t ready;		/* 1: every connection accepted, armed */
};

enum pb_srv_cmd {
	PB_SRV_READY,		/* send nothing: wait for the first report */
	PB_SRV_MARK,		/* reply with the current stats */
	PB_SRV_END,		/* wait for the connections to end, reply, exit */
};

pid_t pb_server_spawn(enum pb_kind kind, int threads, int lfd, int *ctrl);
int pb_server_cmd(int ctrl, enum pb_srv_cmd cmd, struct pb_srv_stats *st,
		  int timeout_ms);

#endif /* PB_ECHO_SERVER_H */
