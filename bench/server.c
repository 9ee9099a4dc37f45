// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench: the echo server, in a process of its own so that its work shows
 * up in the guest's CPU figures like any peer's would, but never in the
 * client's thread.
 *
 * One io_uring, a multishot accept, and per connection: receive the 1 KiB
 * request, send it back, receive until EOF, close. What the last receive
 * returns is the verdict on the client's disconnect: EOF is the FIN of a
 * graceful close, ECONNRESET an RST. Every variant must end with FINs only.
 *
 * The client steers it over a SOCK_SEQPACKET socketpair: counters, and a
 * hold mode that keeps connections open after their EOF, so that W2 can
 * look at its disconnects while they are all still waiting for the peer.
 *
 * The tests' peer (testlib's tst_server(), a thread of the test) judges the
 * same FIN-or-reset ending, but cannot serve here: the benchmark needs the
 * peer's CPU counted apart from the client's (a process of its own), its
 * own io_uring so that 10,000 connections cost one thread, and the hold
 * mode.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ring.h"
#include "server.h"
#include "util.h"

enum {
	SRV_ACCEPT,
	SRV_CTRL,
	SRV_REQ,	/* receiving the request */
	SRV_REPLY,	/* sending it back */
	SRV_EOF,	/* receiving until EOF */
};

struct srv_conn {
	int step;
	unsigned int done;
	char buf[DCXB_MSG];
};

struct srv {
	struct io_uring ring;
	int lfd, ctrl;
	struct srv_conn **conns;	/* by fd: one operation each at a time */
	int nconns;
	int *held;
	int nheld;
	bool hold;
	uint32_t cmd;
	struct dcxb_srv_stats st;
};

/* The user_data of an operation: what it is for and on which fd. */
static uint64_t srv_tag(int kind, int fd)
{
	return (uint64_t)kind << 32 | (uint32_t)fd;
}

static void srv_arm_accept(struct srv *s)
{
	struct io_uring_sqe *sqe = bench_sqe(&s->ring);

	io_uring_prep_multishot_accept(sqe, s->lfd, NULL, NULL, 0);
	sqe->user_data = srv_tag(SRV_ACCEPT, s->lfd);
}

static void srv_arm_ctrl(struct srv *s)
{
	struct io_uring_sqe *sqe = bench_sqe(&s->ring);

	io_uring_prep_recv(sqe, s->ctrl, &s->cmd, sizeof(s->cmd), 0);
	sqe->user_data = srv_tag(SRV_CTRL, s->ctrl);
}

static void srv_recv(struct srv *s, int fd, struct srv_conn *sc)
{
	struct io_uring_sqe *sqe = bench_sqe(&s->ring);
	unsigned int off = sc->step == SRV_REQ ? sc->done : 0;

	io_uring_prep_recv(sqe, fd, sc->buf + off, DCXB_MSG - off, 0);
	sqe->user_data = srv_tag(sc->step, fd);
}

static void srv_send(struct srv *s, int fd, struct srv_conn *sc)
{
	struct io_uring_sqe *sqe = bench_sqe(&s->ring);

	io_uring_prep_send(sqe, fd, sc->buf + sc->done, DCXB_MSG - sc->done,
			   MSG_NOSIGNAL);
	sqe->user_data = srv_tag(SRV_REPLY, fd);
}

static void srv_accepted(struct srv *s, int fd)
{
	struct srv_conn *sc;

	if (fd >= s->nconns) {
		fprintf(stderr, "dcxbench server: fd %d beyond the table\n", fd);
		close(fd);
		s->st.errors++;
		return;
	}
	sc = s->conns[fd];
	if (!sc) {
		sc = malloc(sizeof(*sc));
		if (!sc) {
			close(fd);
			s->st.errors++;
			return;
		}
		s->conns[fd] = sc;
	}
	s->st.accepted++;
	sc->step = SRV_REQ;
	sc->done = 0;
	srv_recv(s, fd, sc);
}

/* The connection is over on our side, one way or another. */
static void srv_end(struct srv *s, int fd, int res)
{
	if (res == 0) {
		s->st.fins++;
		if (s->hold) {
			s->held[s->nheld++] = fd;
			return;
		}
	} else if (res == -ECONNRESET) {
		s->st.resets++;
	} else {
		s->st.errors++;
	}
	close(fd);
}

static void srv_conn_event(struct srv *s, int fd, int step, int res)
{
	struct srv_conn *sc = s->conns[fd];

	if (res < 0) {
		srv_end(s, fd, res);
		return;
	}
	switch (step) {
	case SRV_REQ:
		if (!res) {		/* EOF before the whole request */
			srv_end(s, fd, -EPIPE);
			return;
		}
		sc->done += res;
		if (sc->done < DCXB_MSG) {
			srv_recv(s, fd, sc);
			return;
		}
		sc->step = SRV_REPLY;
		sc->done = 0;
		srv_send(s, fd, sc);
		return;
	case SRV_REPLY:
		sc->done += res;
		if (sc->done < DCXB_MSG) {
			srv_send(s, fd, sc);
			return;
		}
		sc->step = SRV_EOF;
		srv_recv(s, fd, sc);
		return;
	case SRV_EOF:
		if (res) {		/* the client sent more than it should */
			s->st.errors++;
			srv_recv(s, fd, sc);
			return;
		}
		srv_end(s, fd, 0);
		return;
	}
}

/* Returns false on QUIT. */
static bool srv_ctrl_event(struct srv *s, int res)
{
	struct rusage ru;

	if (res <= 0)
		return false;	/* the client is gone */
	switch (s->cmd) {
	case DCXB_SRV_HOLD:
		s->hold = true;
		break;
	case DCXB_SRV_RELEASE:
		s->hold = false;
		while (s->nheld)
			close(s->held[--s->nheld]);
		break;
	case DCXB_SRV_QUIT:
		return false;
	}
	getrusage(RUSAGE_SELF, &ru);
	s->st.cpu_us = ru.ru_utime.tv_sec * 1000000ULL + ru.ru_utime.tv_usec +
		       ru.ru_stime.tv_sec * 1000000ULL + ru.ru_stime.tv_usec;
	s->st.held = s->nheld;
	/* A blocking send: the client waits for this answer and nothing else. */
	if (send(s->ctrl, &s->st, sizeof(s->st), MSG_NOSIGNAL) != sizeof(s->st))
		return false;
	srv_arm_ctrl(s);
	return true;
}

static int srv_loop(struct srv *s)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen;

	srv_arm_accept(s);
	srv_arm_ctrl(s);
	for (;;) {
		int ret = io_uring_submit_and_wait(&s->ring, 1);

		if (ret < 0 && ret != -EINTR && ret != -EBUSY) {
			fprintf(stderr, "dcxbench server: io_uring_enter: %s\n",
				strerror(-ret));
			return 1;
		}
		seen = 0;
		io_uring_for_each_cqe(&s->ring, head, cqe) {
			int kind = cqe->user_data >> 32;
			int fd = (int)(uint32_t)cqe->user_data;

			seen++;
			switch (kind) {
			case SRV_ACCEPT:
				if (cqe->res >= 0)
					srv_accepted(s, cqe->res);
				else
					s->st.errors++;
				if (!(cqe->flags & IORING_CQE_F_MORE))
					srv_arm_accept(s);
				break;
			case SRV_CTRL:
				if (!srv_ctrl_event(s, cqe->res))
					return 0;
				break;
			default:
				srv_conn_event(s, fd, kind, cqe->res);
				break;
			}
		}
		io_uring_cq_advance(&s->ring, seen);
	}
}

static int srv_main(int lfd, int ctrl)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_CQSIZE,
		.cq_entries = 65536,
	};
	struct rlimit rl;
	struct srv s = { .lfd = lfd, .ctrl = ctrl };
	int ret;

	/* Never outlive the client, whatever happens to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	getrlimit(RLIMIT_NOFILE, &rl);
	s.nconns = rl.rlim_cur;
	s.conns = calloc(s.nconns, sizeof(*s.conns));
	s.held = calloc(s.nconns, sizeof(*s.held));
	if (!s.conns || !s.held)
		return 1;
	ret = io_uring_queue_init_params(4096, &s.ring, &p);
	if (ret) {
		fprintf(stderr, "dcxbench server: io_uring: %s\n", strerror(-ret));
		return 1;
	}
	return srv_loop(&s);
}

/*
 * --pin: the scheduler otherwise places client and server on one vCPU or on
 * two as it sees fit, and moves them, which changes where softirq and the
 * kworkers run; pinning takes that choice out of the figures.
 */
static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		bench_log("# dcxbench: pin to CPU %d: %s", cpu, strerror(errno));
}

/*
 * The server keeps stdio, @lfd and @ctl and nothing else of the client's:
 * not its /dev/disconnectex, which would hold the module (--module-b
 * unloads it). A range with first > last is EINVAL and closes nothing.
 */
static void close_others(int lfd, int ctl)
{
	int lo = lfd < ctl ? lfd : ctl, hi = lfd < ctl ? ctl : lfd;

	close_range(3, lo - 1, 0);
	close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

int dcxb_server_start(struct dcxb_server *srv, bool pin)
{
	socklen_t len = sizeof(srv->addr);
	int one = 1, sv[2], lfd;
	pid_t pid;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&srv->addr, 0, sizeof(srv->addr));
	srv->addr.sin_family = AF_INET;
	srv->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* W2 connects N at once: the accept queue must hold them all. */
	if (bind(lfd, (struct sockaddr *)&srv->addr, sizeof(srv->addr)) ||
	    listen(lfd, 65535) ||
	    getsockname(lfd, (struct sockaddr *)&srv->addr, &len))
		goto err_lfd;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		goto err_lfd;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto err_sv;
	if (!pid) {
		close_others(lfd, sv[1]);
		if (pin)
			pin_cpu(1);
		_exit(srv_main(lfd, sv[1]));
	}
	if (pin)
		pin_cpu(0);
	close(sv[1]);
	close(lfd);
	srv->ctrl = sv[0];
	srv->pid = pid;
	return 0;

err_sv:
	close(sv[0]);
	close(sv[1]);
err_lfd:
	close(lfd);
	return -errno;
}

int dcxb_server_cmd(struct dcxb_server *srv, enum dcxb_srv_cmd cmd,
		    struct dcxb_srv_stats *st)
{
	uint32_t word = cmd;
	ssize_t n;

	if (send(srv->ctrl, &word, sizeof(word), MSG_NOSIGNAL) != sizeof(word))
		return -EPIPE;
	n = recv(srv->ctrl, st, sizeof(*st), 0);
	if (n != sizeof(*st))
		return n < 0 ? -errno : -EPIPE;
	return 0;
}

void dcxb_server_stop(struct dcxb_server *srv)
{
	uint32_t word = DCXB_SRV_QUIT;
	int status;

	if (srv->pid <= 0)
		return;
	send(srv->ctrl, &word, sizeof(word), MSG_NOSIGNAL);
	close(srv->ctrl);
	waitpid(srv->pid, &status, 0);
	srv->pid = 0;
}
