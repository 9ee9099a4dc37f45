/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dcxbench's echo server: a process of its own, steered over a socketpair.
 * See server.c for what it does with a connection and why it is not
 * testlib's tst_server().
 */
#ifndef DCXBENCH_SERVER_H
#define DCXBENCH_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

/* Request and reply size of one W1 connection. */
#define DCXB_MSG		1024

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

struct dcxb_server {
	struct sockaddr_in addr;	/* where it listens: 127.0.0.1 */
	int ctrl;			/* control socket */
	pid_t pid;
};

/* @pin: the server on CPU 1, this process on CPU 0. 0 or -errno. */
int dcxb_server_start(struct dcxb_server *srv, bool pin);
/* One command, and the counters after it: 0 or -errno. */
int dcxb_server_cmd(struct dcxb_server *srv, enum dcxb_srv_cmd cmd,
		    struct dcxb_srv_stats *st);
void dcxb_server_stop(struct dcxb_server *srv);

#endif /* DCXBENCH_SERVER_H */
