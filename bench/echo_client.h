/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench P1: its variants and options, and the client that runs one
 * variant against a server process (echo_client.c).
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_ECHO_CLIENT_H
#define PB_ECHO_CLIENT_H

#include <stdbool.h>

#include "echo_server.h"
#include "pbtrace.h"

struct pb_variant {
	const char *name;
	enum pb_kind kind;
	int threads;
	int base;		/* index of the variant it is compared with */
};

struct pb_opts {
	double secs;		/* P1: measured seconds per variant per round */
	int rounds;
	int idle_n;		/* P2: sockets with a receive pending */
	int idle_rounds;
	bool echo, idle;
	const char *only;	/* P1: this variant alone, if set */
	bool syscalls;		/* P1: a traced pass counting system calls */
	bool tracing;		/* this run counts them (pbtrace.c) */
};

/* One P1 variant in one round. */
struct pb_echo_result {
	bool ran;
	long failures;
	long requests;		/* completed in the window */
	double secs;		/* the window */
	double rate;		/* requests/s */
	double srv_us;		/* server process user+sys per request */
	double srv_user_us, srv_sys_us;
	double guest_us;	/* guest-wide user+sys(+irq) per request */
	double cli_us;		/* the client (this process) per request */
	double csw;		/* server context switches per request */
	double p50_us, p99_us;	/* round trip, as the client sees it */
	long srv_tasks;		/* threads of the server process */
	double speed;		/* spin-loop rate just before: host load */
	struct pb_syscalls sys;	/* --syscalls pass: the server's, per request */
};

int pb_echo_run(const struct pb_opts *o, const struct pb_variant *v,
		struct pb_echo_result *r);

#endif /* PB_ECHO_CLIENT_H */
