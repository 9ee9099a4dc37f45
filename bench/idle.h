/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench P2: 10,000 silent sockets with a receive pending on each, on
 * io_uring and on one completion port (idle.c).
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_IDLE_H
#define PB_IDLE_H

struct pb_idle_stage {
	double t;		/* CLOCK_MONOTONIC */
	long tasks;		/* /proc/self/task */
	unsigned long long forks;	/* guest-wide "processes" */
	long long rss;		/* VmRSS, bytes */
	long long heap;		/* malloc'd bytes in use (mallinfo2) */
	long long slab;		/* meminfo Slab, bytes */
	long long objs;		/* slabinfo: active_objs * objsize, summed */
};

struct pb_idle_result {
	int n;
	long failures;
	long nofile_soft, nofile_hard;	/* RLIMIT_NOFILE before raising */
	long nofile_now;
	/* The stages: connected, liburing recvs pending, ring gone again,
	 * associated with the port, WSARecv pending, all completed. */
	struct pb_idle_stage s[6];
	char uring_top[256];	/* caches that grew most, liburing */
	char port_top[256];	/* the same, WSARecv */
	long packets;		/* completions drained after the resets */
	double submit_us;	/* WSARecv call, mean */
	double uring_submit_us;	/* prep + io_uring_submit of one recv, mean */
	long nr_open, file_max;
	double setup_s;		/* connecting the N pairs */
};

enum {
	PB_IDLE_CONNECTED,
	PB_IDLE_URING,
	PB_IDLE_URING_GONE,
	PB_IDLE_ASSOC,
	PB_IDLE_PENDING,
	PB_IDLE_DONE,
};

int pb_idle_run(int n, struct pb_idle_result *r);

#endif /* PB_IDLE_H */
