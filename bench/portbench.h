/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench: the library's completion ports against liburing, in the test
 * VM (or on any Linux host: it needs neither the module nor root, except
 * for P2's file limit and /proc/slabinfo).
 *
 *   P1, echo   64 connections, a 64-byte request and its echo in a loop;
 *              the server on one completion port (WSARecv / WSASend /
 *              GetQueuedCompletionStatus) or on one io_uring, with 1 and 4
 *              threads; requests/s and the server's CPU per request.
 *   P2, idle   10,000 connected, silent sockets on one port, a WSARecv
 *              pending on each: the threads and the memory that costs.
 *
 * portbench.c runs the rounds and reports; echo_client.c is P1's client
 * and runs one variant; echo_server.c is the server process around
 * echo_port.c (the Windows API only) and echo_uring.c (liburing only);
 * idle.c is P2, with idle_port.c its Windows side; pbstat.c reads /proc,
 * pbtrace.c counts system calls (--syscalls).
 *
 * This header includes neither <liburing.h> nor <winsock2.h>: each .c file
 * sees one of the two APIs at most, so neither's names can clash.
 */
#ifndef PORTBENCH_H
#define PORTBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

/* P1: connections, and the size of a request (and of its echo). */
#define PB_CONNS		64
#define PB_MSG			64

/* P1's server variants. */
enum pb_kind {
	PB_PORT,		/* completion port, GetQueuedCompletionStatus */
	PB_URING,		/* one io_uring shared as the port shares it */
	PB_URING_BATCH,		/* one io_uring, one thread, batched: idiomatic */
};

struct pb_variant {
	const char *name;
	enum pb_kind kind;
	int threads;
	int base;		/* index of the variant it is compared with */
};

/* --syscalls: system calls by name, per request. */
#define PB_MAX_SYSCALLS		64

struct pb_syscalls {
	int n;
	double total;
	double dropped;		/* hits of names beyond the table */
	char name[PB_MAX_SYSCALLS][32];
	double count[PB_MAX_SYSCALLS];
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

/*
 * The counters a server shares among its threads; the serving code bumps
 * them, the control thread reads them.
 */
struct pb_counts {
	uint64_t echoed;
	uint64_t ended;
	uint64_t errors;
};

/* echo_server.c: the server process. */
enum pb_srv_cmd {
	PB_SRV_READY,		/* send nothing: wait for the first report */
	PB_SRV_MARK,		/* reply with the current stats */
	PB_SRV_END,		/* wait for the connections to end, reply, exit */
};

pid_t pb_server_spawn(enum pb_kind kind, int threads, int lfd, int *ctrl);
int pb_server_cmd(int ctrl, enum pb_srv_cmd cmd, struct pb_srv_stats *st,
		  int timeout_ms);
uint64_t pb_count_end(struct pb_counts *c, bool error);

/*
 * echo_port.c and echo_uring.c: each serves @n accepted connections of
 * @lfd with @threads threads until every one has ended. start returns an
 * opaque server (NULL on failure, with a message), wait joins its threads
 * and frees it.
 */
void *pb_port_start(int lfd, int n, int threads, struct pb_counts *c);
void pb_port_wait(void *srv);
void *pb_uring_start(int lfd, int n, int threads, bool batch,
		     struct pb_counts *c);
void pb_uring_wait(void *srv);

/* echo_client.c: one run of one variant. */
int pb_echo_run(const struct pb_opts *o, const struct pb_variant *v,
		struct pb_echo_result *r);

/* idle.c: P2. */
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

/* idle_port.c: the Windows side of P2, on the n accepted sockets. */
struct pb_idle_port;
struct pb_idle_port *pb_idle_port_new(int n);
int pb_idle_port_accept(struct pb_idle_port *ip, int i, int lfd);
int pb_idle_port_assoc(struct pb_idle_port *ip);
int pb_idle_port_recv(struct pb_idle_port *ip);
long pb_idle_port_drain(struct pb_idle_port *ip, int timeout_ms);
int pb_idle_port_fd(const struct pb_idle_port *ip, int i);
void *pb_idle_port_buf(struct pb_idle_port *ip, int i, size_t *len);
void pb_idle_port_free(struct pb_idle_port *ip);

/* pbtrace.c: --syscalls, a histogram trigger on raw_syscalls:sys_enter. */
int pb_trace_start(void);
void pb_trace_stop(void);
int pb_trace_read(pid_t tgid, struct pb_syscalls *sc);
void pb_syscalls_delta(const struct pb_syscalls *a, const struct pb_syscalls *b,
		       double per, struct pb_syscalls *out);

/* pbstat.c: clocks and /proc. */
struct pb_cpu {
	unsigned long long busy;	/* ticks: user nice system irq softirq */
	unsigned long long forks;	/* "processes" */
};

#define PB_MAX_CACHES		512

struct pb_slab {
	long long slab;			/* meminfo Slab, bytes */
	long long objs;
	int ncaches;
	struct {
		char name[32];
		long long bytes;
	} cache[PB_MAX_CACHES];
};

double pb_now(void);
double pb_speed(void);
double pb_tick_us(void);
int pb_cpu_read(struct pb_cpu *c);
long pb_tasks(void);
long long pb_rss(void);
long long pb_heap(void);
void pb_slab_read(struct pb_slab *s);
void pb_slab_top(const struct pb_slab *a, const struct pb_slab *b, long per,
		 char *buf, size_t len);
uint64_t pb_self_cpu_us(void);
int pb_listen(struct sockaddr_in *addr, int backlog);
void pb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* PORTBENCH_H */
