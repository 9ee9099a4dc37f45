// SPDX-License-Identifier: GPL-2.0
/*
 * portbench P1: the client, and one run of one server variant.
 *
 * The client is this process, one thread, one io_uring: 64 connections,
 * each sending a 64-byte request (a serial number and a pattern) and
 * receiving its echo, checked byte for byte, then the next request. It is
 * the same for every variant, so the variants differ only in the server.
 *
 * A run: a listener, the server process forked on it, the 64 connections,
 * the server's "ready" (every connection accepted and its first receive
 * posted), a warm-up (a quarter of the window, 0.2 to 1 s), the measured
 * window, then no new request starts, the client closes its connections
 * once every reply is in, and the server must end all 64 with a FIN and
 * report as many echoes as the client received replies.
 *
 * The server reports its own CPU (getrusage(RUSAGE_SELF), every thread)
 * at both ends of the window; the guest's /proc/stat and this process's
 * rusage are read there too. Bounded: every wait has a deadline, and a
 * server that does not finish is killed.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <liburing.h>

#include "echo_client.h"
#include "echo_server.h"
#include "guest.h"
#include "pbstat.h"
#include "pbtrace.h"
#include "ring.h"
#include "stats.h"
#include "util.h"

#define CTRL_MS		10000	/* a report from the server */
#define END_MS		20000	/* the server's end, threads joined */
#define STALL_S		10.0	/* no reply at all for this long: failed */

enum { C_SEND, C_RECV, C_IDLE };

struct cslot {
	int fd;
	int step;
	unsigned int done;
	double t0;		/* request sent */
	unsigned char tx[PB_MSG];
	unsigned char rx[PB_MSG];
};

struct client {
	struct io_uring ring;
	struct cslot slots[PB_CONNS];
	int active;
	int phase;		/* 0 warm-up, 1 window, 2 draining */
	uint64_t serial;
	long replies;		/* all of them */
	long counted;		/* in the window */
	long failures;
	double now, t_progress;
	struct bench_samples lat;	/* us, of those in the window */
};

static void cl_queue(struct client *cl, int i)
{
	struct cslot *s = &cl->slots[i];
	struct io_uring_sqe *sqe = bench_sqe(&cl->ring);

	if (s->step == C_SEND)
		io_uring_prep_send(sqe, s->fd, s->tx + s->done, PB_MSG - s->done,
				   MSG_NOSIGNAL);
	else
		io_uring_prep_recv(sqe, s->fd, s->rx + s->done, PB_MSG - s->done, 0);
	io_uring_sqe_set_data64(sqe, i);
}

static void cl_request(struct client *cl, int i)
{
	struct cslot *s = &cl->slots[i];

	if (cl->phase == 2 || cl->failures) {
		s->step = C_IDLE;
		cl->active--;
		return;
	}
	memcpy(s->tx, &cl->serial, sizeof(cl->serial));
	cl->serial++;
	s->step = C_SEND;
	s->done = 0;
	s->t0 = cl->now;
	cl_queue(cl, i);
}

static void cl_fail(struct client *cl, int i, const char *what, int err)
{
	if (++cl->failures <= 5)
		bench_log("# portbench: client: connection %d: %s: %s", i, what,
		       strerror(err));
	cl->slots[i].step = C_IDLE;
	cl->active--;
}

static void cl_event(struct client *cl, int i, int res)
{
	struct cslot *s = &cl->slots[i];

	if (res <= 0) {
		cl_fail(cl, i, s->step == C_SEND ? "send" : "recv",
			res ? -res : EPIPE);
		return;
	}
	s->done += res;
	if (s->done < PB_MSG) {
		cl_queue(cl, i);
		return;
	}
	if (s->step == C_SEND) {
		s->step = C_RECV;
		s->done = 0;
		cl_queue(cl, i);
		return;
	}
	if (memcmp(s->rx, s->tx, PB_MSG)) {
		cl_fail(cl, i, "echo", EBADMSG);
		return;
	}
	cl->replies++;
	cl->t_progress = cl->now;
	if (cl->phase == 1) {
		cl->counted++;
		bench_samples_add(&cl->lat, (cl->now - s->t0) * 1e6);
	}
	cl_request(cl, i);
}

static int cl_poll(struct client *cl)
{
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 200000000 };
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int ret;

	ret = io_uring_submit_and_wait_timeout(&cl->ring, &cqe, 1, &ts, NULL);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY)
		return ret;
	cl->now = bench_now();
	io_uring_for_each_cqe(&cl->ring, head, cqe) {
		cl_event(cl, (int)cqe->user_data, cqe->res);
		seen++;
	}
	io_uring_cq_advance(&cl->ring, seen);
	return 0;
}

static int cl_connect(struct client *cl, const struct sockaddr_in *addr)
{
	int i, j, one = 1;

	for (i = 0; i < PB_CONNS; i++) {
		struct cslot *s = &cl->slots[i];

		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0 ||
		    connect(s->fd, (const struct sockaddr *)addr, sizeof(*addr)))
			return -errno;
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (j = 0; j < PB_MSG; j++)
			s->tx[j] = (unsigned char)(i * 31 + j);
	}
	return 0;
}

/* Wait up to @ms for @pid; kill it if it is still there. 0 if it exited 0. */
static int reap_server(pid_t pid, int ms)
{
	int status, waited;

	for (waited = 0; waited < ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

/* The snapshot at one end of the window: the server's first, then ours. */
struct mark {
	struct pb_srv_stats srv;
	struct guest_cpu cpu;
	struct pb_syscalls sys;
	uint64_t self_us;
	double t;
};

static int take_mark(const struct pb_opts *o, int ctrl, pid_t pid,
		     struct mark *m, bool start)
{
	int ret = 0;

	if (!start) {
		m->t = bench_now();
		guest_cpu_read(&m->cpu);
		m->self_us = pb_self_cpu_us();
	}
	if (o->tracing && !start)
		pb_trace_read(pid, &m->sys);
	ret = pb_server_cmd(ctrl, PB_SRV_MARK, &m->srv, CTRL_MS);
	if (o->tracing && start)
		pb_trace_read(pid, &m->sys);
	if (start) {
		m->self_us = pb_self_cpu_us();
		guest_cpu_read(&m->cpu);
		m->t = bench_now();
	}
	return ret;
}

static void figures(struct pb_echo_result *r, const struct mark *a,
		    const struct mark *b, struct client *cl)
{
	double n = (double)cl->counted;

	r->requests = cl->counted;
	r->secs = b->t - a->t;
	if (!cl->counted || r->secs <= 0)
		return;
	r->rate = n / r->secs;
	r->srv_user_us = (double)(b->srv.user_us - a->srv.user_us) / n;
	r->srv_sys_us = (double)(b->srv.sys_us - a->srv.sys_us) / n;
	r->srv_us = r->srv_user_us + r->srv_sys_us;
	r->csw = (double)(b->srv.nvcsw - a->srv.nvcsw +
			  b->srv.nivcsw - a->srv.nivcsw) / n;
	r->guest_us = (double)(b->cpu.user + b->cpu.sys - a->cpu.user - a->cpu.sys) *
		      guest_tick_us() / n;
	r->cli_us = (double)(b->self_us - a->self_us) / n;
	r->srv_tasks = (long)b->srv.tasks;
	r->p50_us = bench_quantile(cl->lat.v, cl->lat.n, 0.50);
	r->p99_us = bench_quantile(cl->lat.v, cl->lat.n, 0.99);
	pb_syscalls_delta(&a->sys, &b->sys, n, &r->sys);
}

static int run(const struct pb_opts *o, struct client *cl, int ctrl,
	       pid_t pid, struct pb_echo_result *r)
{
	double warm = fmin(fmax(o->secs / 4, 0.2), 1.0), t_start, t_end = 0;
	static struct mark a, b;
	int i, ret;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	cl->now = t_start = bench_now();
	cl->t_progress = t_start;
	cl->active = PB_CONNS;
	for (i = 0; i < PB_CONNS; i++)
		cl_request(cl, i);
	while (cl->active > 0) {
		ret = cl_poll(cl);
		if (ret)
			return ret;
		if (cl->phase == 0 && cl->now - t_start >= warm) {
			ret = take_mark(o, ctrl, pid, &a, true);
			if (ret)
				return ret;
			cl->phase = 1;
			t_end = a.t + o->secs;
		} else if (cl->phase == 1 && cl->now >= t_end) {
			ret = take_mark(o, ctrl, pid, &b, false);
			if (ret)
				return ret;
			cl->phase = 2;
		}
		if (cl->now - cl->t_progress > STALL_S) {
			bench_log("# portbench: client: no reply for %.0f s (%d connections waiting)",
			       STALL_S, cl->active);
			return -ETIMEDOUT;
		}
	}
	if (cl->phase < 2)
		return -EPIPE;	/* every connection failed */
	figures(r, &a, &b, cl);
	return 0;
}

int pb_echo_run(const struct pb_opts *o, const struct pb_variant *v,
		struct pb_echo_result *r)
{
	struct client *cl;
	struct pb_srv_stats st;
	struct sockaddr_in addr;
	int lfd, ctrl = -1, i, ret;
	pid_t pid;

	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	for (i = 0; i < PB_CONNS; i++)
		cl->slots[i].fd = -1;
	lfd = pb_listen(&addr, 256);
	if (lfd < 0) {
		free(cl);
		return lfd;
	}
	pid = pb_server_spawn(v->kind, v->threads, lfd, &ctrl);
	if (pid < 0) {
		close(lfd);
		free(cl);
		return pid;
	}
	ret = cl_connect(cl, &addr);
	close(lfd);
	if (!ret)
		ret = pb_server_cmd(ctrl, PB_SRV_READY, &st, CTRL_MS);
	if (!ret && !st.ready)
		ret = -EPROTO;
	if (!ret)
		ret = io_uring_queue_init(2 * PB_CONNS, &cl->ring, 0);
	if (!ret) {
		ret = run(o, cl, ctrl, pid, r);
		io_uring_queue_exit(&cl->ring);
	}
	r->failures += cl->failures;

	/* Every reply is in (or the run failed): the FINs end the server. */
	for (i = 0; i < PB_CONNS; i++)
		if (cl->slots[i].fd >= 0)
			close(cl->slots[i].fd);
	if (!ret) {
		ret = pb_server_cmd(ctrl, PB_SRV_END, &st, END_MS);
		if (!ret && (st.ended != PB_CONNS || st.errors ||
			     (long)st.echoed != cl->replies)) {
			bench_log("# portbench: %s: server ended %llu of %d connections, %llu with an error, echoed %llu of %ld",
			       v->name, (unsigned long long)st.ended, PB_CONNS,
			       (unsigned long long)st.errors,
			       (unsigned long long)st.echoed, cl->replies);
			r->failures++;
		}
	}
	close(ctrl);
	if (reap_server(pid, ret ? 0 : 5000) && !ret)
		ret = -ECHILD;
	bench_samples_free(&cl->lat);
	free(cl);
	return ret;
}
