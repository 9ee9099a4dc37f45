// SPDX-License-Identifier: GPL-2.0
/*
 * portbench P1: the echo server's process, whichever API serves.
 *
 * The server is a process of its own so that getrusage(RUSAGE_SELF) there
 * is exactly its CPU: every thread of it, io_uring's io-wq workers included
 * (they belong to the process that owns the ring). Its main thread only
 * answers the client over a SOCK_SEQPACKET socketpair - a report when
 * serving starts, one at each end of the measured window, one at the end -
 * and sleeps in recv() the rest of the time, so it costs nothing.
 *
 * Bounded: the process dies with its parent (PR_SET_PDEATHSIG) and after
 * PB_SRV_ALARM seconds whatever happens (alarm()).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "echo_port.h"
#include "echo_server.h"
#include "echo_uring.h"
#include "pbstat.h"

#define PB_SRV_ALARM	600

static void srv_stats(const struct pb_counts *c, bool ready,
		      struct pb_srv_stats *st)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	memset(st, 0, sizeof(*st));
	st->user_us = ru.ru_utime.tv_sec * 1000000ULL + ru.ru_utime.tv_usec;
	st->sys_us = ru.ru_stime.tv_sec * 1000000ULL + ru.ru_stime.tv_usec;
	st->nvcsw = ru.ru_nvcsw;
	st->nivcsw = ru.ru_nivcsw;
	st->echoed = __atomic_load_n(&c->echoed, __ATOMIC_RELAXED);
	st->ended = __atomic_load_n(&c->ended, __ATOMIC_ACQUIRE);
	st->errors = __atomic_load_n(&c->errors, __ATOMIC_RELAXED);
	st->tasks = pb_tasks();
	st->ready = ready;
}

static int srv_reply(int ctrl, const struct pb_counts *c, bool ready)
{
	struct pb_srv_stats st;

	srv_stats(c, ready, &st);
	return send(ctrl, &st, sizeof(st), MSG_NOSIGNAL) == sizeof(st) ? 0 : -1;
}

static int srv_main(enum pb_kind kind, int threads, int lfd, int ctrl)
{
	struct pb_counts counts = { 0 };
	uint32_t cmd;
	void *srv;
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(PB_SRV_ALARM);
	if (kind == PB_PORT)
		srv = pb_port_start(lfd, PB_CONNS, threads, &counts);
	else
		srv = pb_uring_start(lfd, PB_CONNS, threads,
				     kind == PB_URING_BATCH, &counts);
	close(lfd);
	if (srv_reply(ctrl, &counts, srv != NULL) || !srv)
		return 1;
	for (;;) {
		n = recv(ctrl, &cmd, sizeof(cmd), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(cmd))
			return 1;	/* the client is gone */
		if (cmd == PB_SRV_END)
			break;
		if (srv_reply(ctrl, &counts, true))
			return 1;
	}
	/* The client has closed its connections: the threads finish. */
	if (kind == PB_PORT)
		pb_port_wait(srv);
	else
		pb_uring_wait(srv);
	return srv_reply(ctrl, &counts, true) ? 1 : 0;
}

pid_t pb_server_spawn(enum pb_kind kind, int threads, int lfd, int *ctrl)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		close(sv[0]);
		close(sv[1]);
		return pid;
	}
	if (!pid) {
		close(sv[0]);
		_exit(srv_main(kind, threads, lfd, sv[1]));
	}
	close(sv[1]);
	*ctrl = sv[0];
	return pid;
}

/* Ask (unless READY) and wait up to @timeout_ms for the report: 0 or -errno. */
int pb_server_cmd(int ctrl, enum pb_srv_cmd cmd, struct pb_srv_stats *st,
		  int timeout_ms)
{
	struct pollfd pfd = { .fd = ctrl, .events = POLLIN };
	uint32_t word = cmd;
	ssize_t n;
	int ret;

	if (cmd != PB_SRV_READY &&
	    send(ctrl, &word, sizeof(word), MSG_NOSIGNAL) != sizeof(word))
		return -EPIPE;
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	n = recv(ctrl, st, sizeof(*st), 0);
	if (n != sizeof(*st))
		return n < 0 ? -errno : -EPIPE;
	return 0;
}
