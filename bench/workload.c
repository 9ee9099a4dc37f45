// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench: the client side of W1 and W2, from one thread.
 *
 * Through io_uring, every connection slot is a small state machine with one
 * operation in flight at a time; the slots share one ring, so concurrency 1,
 * 64 or 1024 is only the number of slots. A step is submitted when the CQE
 * of the one before it comes in, for every variant alike, so that the
 * variants differ in how a connection ends and in nothing else:
 *
 *   fresh     SOCKET CONNECT SEND RECV | SHUTDOWN RECV..EOF CLOSE
 *   emulated         CONNECT SEND RECV | SHUTDOWN RECV..EOF CONNECT(AF_UNSPEC)
 *   kernel           CONNECT SEND RECV | URING_CMD(DCX_CMD_DISCONNECT, REUSE)
 *   close (W2)                         | SHUTDOWN CLOSE
 *
 * The disconnect latency is from the submission of the first step after
 * "|" to the completion of the last. The blocking forms do the same with
 * plain syscalls (the kernel one with DCX_IOC_DISCONNECT).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/disconnectex.h>

#include "dcxbench.h"

_Static_assert(sizeof(struct dcx_disconnect) == 16, "uring_cmd payload size");

enum step {
	ST_IDLE,
	ST_SOCKET,
	ST_CONNECT,
	ST_SEND,
	ST_RECV,
	ST_SHUT,
	ST_DRAIN,	/* receive until EOF */
	ST_CLOSE,
	ST_UNCONNECT,	/* connect(AF_UNSPEC) */
	ST_DCX,
};

static const char *const step_names[] = {
	"idle", "socket", "connect", "send", "recv", "shutdown", "drain",
	"close", "connect(AF_UNSPEC)", "DCX_CMD_DISCONNECT",
};

struct slot {
	int fd;
	int step;
	unsigned int done;	/* bytes of the current send or receive */
	double t_disc;		/* when the disconnect was submitted */
	unsigned char tx[DCXB_MSG];
	unsigned char rx[DCXB_MSG];
};

struct engine {
	struct dcxb_ctx *c;
	struct io_uring *ring;
	enum dcxb_way way;
	struct slot *slots;
	int nslots;
	int active;		/* slots not idle */
	bool churn;		/* W1: a slot goes on with a new connection */
	enum dcxb_phase phase;	/* no connection starts in DCXB_DRAIN */
	long limit;		/* churn: nor after this many, if > 0 */
	long started, failures;
	long completed;		/* all connections, for the checks */
	long counted;		/* those that ended in the window */
	uint64_t serial;
	double now;		/* when the current batch of CQEs was reaped */
	double t_last;		/* when the last counted one ended */
	struct dcxb_lat lat;	/* of the counted ones */
};

static const struct sockaddr unspec = { .sa_family = AF_UNSPEC };

/*
 * A safety net, not part of the race: the emulated variant waits for EOF
 * without a deadline, and the slowest of 10,000 disconnects on a loaded
 * emulated machine can take seconds. A timeout still counts as a failure.
 */
#define DCXB_TIMEOUT_MS		60000

static struct slot *slots_new(int n)
{
	struct slot *s = calloc(n, sizeof(*s));
	int i, j;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		s[i].fd = -1;
		for (j = 0; j < DCXB_MSG; j++)
			s[i].tx[j] = (unsigned char)(i * 7 + j);
	}
	return s;
}

static void slots_close(struct slot *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (s[i].fd >= 0)
			close(s[i].fd);
		s[i].fd = -1;
	}
}

/* Each request differs, so that a reply crossed with another shows up. */
static void stamp(struct engine *e, struct slot *s)
{
	memcpy(s->tx, &e->serial, sizeof(e->serial));
	e->serial++;
}

static struct io_uring_sqe *eng_sqe(struct engine *e)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(e->ring);

	if (!sqe) {
		io_uring_submit(e->ring);
		sqe = io_uring_get_sqe(e->ring);
	}
	if (!sqe) {
		/* Cannot happen with an empty SQ; nothing sane to go on with. */
		dcxb_log("# dcxbench: no SQE after a submit");
		abort();
	}
	return sqe;
}

static void prep_dcx(struct engine *e, struct io_uring_sqe *sqe, int fd)
{
	struct dcx_disconnect req = {
		.fd = fd, .flags = DCX_REUSE_SOCKET, .timeout_ms = DCXB_TIMEOUT_MS,
	};

	/* liburing 2.3 has no uring_cmd helper: fill the SQE by hand. */
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = e->c->devfd;
	sqe->cmd_op = DCX_CMD_DISCONNECT;
	memcpy(sqe->cmd, &req, sizeof(req));
}

static void eng_queue(struct engine *e, int i, int step)
{
	struct slot *s = &e->slots[i];
	struct io_uring_sqe *sqe = eng_sqe(e);
	const struct sockaddr *addr = (const struct sockaddr *)&e->c->addr;

	s->step = step;
	switch (step) {
	case ST_SOCKET:
		io_uring_prep_socket(sqe, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
		break;
	case ST_CONNECT:
		io_uring_prep_connect(sqe, s->fd, addr, sizeof(e->c->addr));
		break;
	case ST_SEND:
		io_uring_prep_send(sqe, s->fd, s->tx + s->done,
				   DCXB_MSG - s->done, MSG_NOSIGNAL);
		break;
	case ST_RECV:
		io_uring_prep_recv(sqe, s->fd, s->rx + s->done,
				   DCXB_MSG - s->done, 0);
		break;
	case ST_SHUT:
		io_uring_prep_shutdown(sqe, s->fd, SHUT_WR);
		break;
	case ST_DRAIN:
		io_uring_prep_recv(sqe, s->fd, s->rx, DCXB_MSG, 0);
		break;
	case ST_CLOSE:
		io_uring_prep_close(sqe, s->fd);
		break;
	case ST_UNCONNECT:
		io_uring_prep_connect(sqe, s->fd, &unspec, sizeof(unspec));
		break;
	case ST_DCX:
		prep_dcx(e, sqe, s->fd);
		break;
	}
	sqe->user_data = i;
}

static void eng_idle(struct engine *e, struct slot *s)
{
	s->step = ST_IDLE;
	e->active--;
}

/* The next connection of a churning slot, or its end. */
static void eng_start(struct engine *e, int i)
{
	struct slot *s = &e->slots[i];

	if (!e->churn || e->phase == DCXB_DRAIN ||
	    (e->limit > 0 && e->started >= e->limit) || e->failures >= 1000) {
		eng_idle(e, s);
		return;
	}
	e->started++;
	stamp(e, s);
	if (s->fd >= 0) {
		eng_queue(e, i, ST_CONNECT);
	} else if (e->way == DCXB_FRESH) {
		eng_queue(e, i, ST_SOCKET);
	} else {
		/* A reusing slot lost its socket to a failure. */
		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0) {
			e->failures++;
			eng_idle(e, s);
			return;
		}
		eng_queue(e, i, ST_CONNECT);
	}
}

static void eng_fail(struct engine *e, int i, int err)
{
	struct slot *s = &e->slots[i];

	if (++e->failures <= 5)
		dcxb_log("# dcxbench: %s: %s: %s",
			 dcxb_way_name(e->way, false), step_names[s->step],
			 strerror(-err));
	/* A failed close leaves nothing to close again. */
	if (s->fd >= 0 && s->step != ST_CLOSE)
		close(s->fd);
	s->fd = -1;
	eng_start(e, i);
}

static void eng_disconnect(struct engine *e, int i)
{
	e->slots[i].t_disc = e->now;
	eng_queue(e, i, e->way == DCXB_KERNEL ? ST_DCX : ST_SHUT);
}

static void eng_done(struct engine *e, int i)
{
	struct slot *s = &e->slots[i];

	e->completed++;
	if (e->phase == DCXB_WINDOW) {
		e->counted++;
		e->t_last = e->now;
		dcxb_lat_add(&e->lat, (e->now - s->t_disc) * 1e6);
	}
	eng_start(e, i);
}

/* Both directions of a transfer: a short one goes on where it stopped. */
static void eng_xfer(struct engine *e, int i, int res)
{
	struct slot *s = &e->slots[i];

	if (res <= 0) {
		eng_fail(e, i, res ? res : -EPIPE);
		return;
	}
	s->done += res;
	if (s->done < DCXB_MSG) {
		eng_queue(e, i, s->step);
	} else if (s->step == ST_SEND) {
		s->done = 0;
		eng_queue(e, i, ST_RECV);
	} else if (memcmp(s->rx, s->tx, DCXB_MSG)) {
		eng_fail(e, i, -EBADMSG);
	} else {
		eng_disconnect(e, i);
	}
}

static void eng_event(struct engine *e, int i, int res)
{
	struct slot *s = &e->slots[i];

	if (res < 0 && s->step != ST_SEND && s->step != ST_RECV) {
		eng_fail(e, i, res);
		return;
	}
	switch (s->step) {
	case ST_SOCKET:
		s->fd = res;
		eng_queue(e, i, ST_CONNECT);
		break;
	case ST_CONNECT:
		s->done = 0;
		eng_queue(e, i, ST_SEND);
		break;
	case ST_SEND:
	case ST_RECV:
		eng_xfer(e, i, res);
		break;
	case ST_SHUT:
		eng_queue(e, i, e->way == DCXB_CLOSE ? ST_CLOSE : ST_DRAIN);
		break;
	case ST_DRAIN:
		if (res > 0) {	/* the server sends nothing after its reply */
			eng_fail(e, i, -EPROTO);
			break;
		}
		eng_queue(e, i, e->way == DCXB_FRESH ? ST_CLOSE : ST_UNCONNECT);
		break;
	case ST_CLOSE:
		s->fd = -1;
		eng_done(e, i);
		break;
	case ST_UNCONNECT:
	case ST_DCX:
		eng_done(e, i);
		break;
	}
}

/* Submit what is queued, reap one batch; @wait_ms > 0 bounds the wait. */
static int eng_poll(struct engine *e, int wait_ms)
{
	struct __kernel_timespec ts = { .tv_nsec = wait_ms * 1000000LL };
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int ret;

	if (wait_ms > 0)
		ret = io_uring_submit_and_wait_timeout(e->ring, &cqe, 1, &ts, NULL);
	else
		ret = io_uring_submit_and_wait(e->ring, 1);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY)
		return ret;
	e->now = dcxb_now();
	io_uring_for_each_cqe(e->ring, head, cqe) {
		eng_event(e, (int)cqe->user_data, cqe->res);
		seen++;
	}
	io_uring_cq_advance(e->ring, seen);
	return 0;
}

static int eng_drain(struct engine *e)
{
	int ret = 0;

	while (e->active > 0 && !ret)
		ret = eng_poll(e, 0);
	return ret;
}

/*
 * The checks of one run, from @pre (before its first connection) to the end:
 * the server must have seen a FIN for each connection and never a reset,
 * and the module must have ended each of its operations gracefully. Also
 * the threads the run made the kernel create.
 */
static void check_run(struct dcxb_ctx *c, const struct dcxb_frame *pre,
		      struct engine *e, struct dcxb_result *r)
{
	double deadline = dcxb_now() + 10;
	struct dcxb_frame post;
	long fins, bad;

	dcxb_frame_end(c, &post);
	r->threads = post.sys.forks - pre->sys.forks;
	if (post.kthreads - pre->kthreads > r->kthreads)
		r->kthreads = post.kthreads - pre->kthreads;

	/* shutdown+close does not wait for the server: give it time. */
	while ((long)(post.srv.fins - pre->srv.fins) < e->completed &&
	       dcxb_now() < deadline) {
		usleep(5000);
		if (dcxb_server_cmd(c, DCXB_SRV_STATS, &post.srv))
			break;
	}
	r->failures += e->failures;
	fins = post.srv.fins - pre->srv.fins;
	bad = post.srv.resets - pre->srv.resets + post.srv.errors - pre->srv.errors;
	if (fins != e->completed || bad) {
		dcxb_log("# dcxbench: %s: server saw %ld FINs for %ld connections, %llu resets, %llu errors",
			 dcxb_way_name(e->way, false), fins, e->completed,
			 (unsigned long long)(post.srv.resets - pre->srv.resets),
			 (unsigned long long)(post.srv.errors - pre->srv.errors));
		r->failures += bad + labs(fins - e->completed);
	}
	if (e->way != DCXB_KERNEL)
		return;
	bad = (post.dcx_completed - pre->dcx_completed) -
	      (post.dcx_graceful - pre->dcx_graceful) +
	      (post.dcx_rejected - pre->dcx_rejected);
	if (bad || post.dcx_graceful - pre->dcx_graceful != e->completed) {
		dcxb_log("# dcxbench: module: %ld graceful of %ld completed, %ld rejected, for %ld disconnects",
			 post.dcx_graceful - pre->dcx_graceful,
			 post.dcx_completed - pre->dcx_completed,
			 post.dcx_rejected - pre->dcx_rejected, e->completed);
		r->failures += bad ? bad : 1;
	}
}

static int write_full(int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

/* One whole connection with plain syscalls; 0 or -errno. */
static int blk_one(struct engine *e, struct slot *s)
{
	struct dcx_disconnect req = {
		.flags = DCX_REUSE_SOCKET, .timeout_ms = DCXB_TIMEOUT_MS,
	};
	const struct sockaddr *addr = (const struct sockaddr *)&e->c->addr;
	double t;
	ssize_t n;

	if (s->fd < 0) {
		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			return -errno;
	}
	stamp(e, s);
	if (connect(s->fd, addr, sizeof(e->c->addr)))
		return -errno;
	if (write_full(s->fd, s->tx, DCXB_MSG) || read_full(s->fd, s->rx, DCXB_MSG))
		return -EPIPE;
	if (memcmp(s->rx, s->tx, DCXB_MSG))
		return -EBADMSG;

	t = dcxb_now();
	if (e->way == DCXB_KERNEL) {
		req.fd = s->fd;
		if (ioctl(e->c->devfd, DCX_IOC_DISCONNECT, &req))
			return -errno;
	} else {
		if (shutdown(s->fd, SHUT_WR))
			return -errno;
		do {
			n = recv(s->fd, s->rx, DCXB_MSG, 0);
		} while (n < 0 && errno == EINTR);
		if (n)
			return n < 0 ? -errno : -EPROTO;
		if (e->way == DCXB_FRESH) {
			close(s->fd);
			s->fd = -1;
		} else if (connect(s->fd, &unspec, sizeof(unspec))) {
			return -errno;
		}
	}
	e->now = dcxb_now();
	if (e->phase == DCXB_WINDOW) {
		dcxb_lat_add(&e->lat, (e->now - t) * 1e6);
		e->t_last = e->now;
	}
	return 0;
}

/*
 * W1's window: after a warm-up (every slot busy, io-wq workers started), the
 * figures of a steady state, without the ramp-up at the start and the slots
 * running dry at the end. With --conns, the window is the whole run.
 */
struct window {
	double warm_end, end;
	struct dcxb_frame a, b;
};

static void window_edges(struct dcxb_ctx *c, struct engine *e, struct window *w)
{
	if (e->phase == DCXB_WARM && e->now >= w->warm_end) {
		dcxb_frame_start(c, &w->a);
		w->end = w->a.sys.t + c->o->secs;
		e->phase = DCXB_WINDOW;
	} else if (e->phase == DCXB_WINDOW && !e->limit && e->now >= w->end) {
		dcxb_frame_end(c, &w->b);
		e->phase = DCXB_DRAIN;
	}
}

static void blk_run(struct engine *e, struct window *w)
{
	struct slot *s = &e->slots[0];
	int err;

	for (;;) {
		e->now = dcxb_now();
		window_edges(e->c, e, w);
		if (e->phase == DCXB_DRAIN || e->failures >= 1000 ||
		    (e->limit > 0 && e->started >= e->limit))
			break;
		e->started++;
		err = blk_one(e, s);
		if (!err) {
			e->completed++;
			e->counted += e->phase == DCXB_WINDOW;
			continue;
		}
		if (++e->failures <= 5)
			dcxb_log("# dcxbench: %s: %s", dcxb_way_name(e->way, true),
				 strerror(-err));
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
	}
}

static int ring_run(struct engine *e, struct window *w)
{
	int i, ret = 0;

	e->active = e->nslots;
	for (i = 0; i < e->nslots; i++)
		eng_start(e, i);
	while (e->active > 0 && !ret) {
		ret = eng_poll(e, 0);
		window_edges(e->c, e, w);
	}
	return ret;
}

int dcxb_run_w1(struct dcxb_ctx *c, const struct dcxb_variant *v,
		struct dcxb_result *r)
{
	struct engine e = {
		.c = c, .ring = &c->ring, .way = v->way, .nslots = v->conc,
		.churn = true, .limit = c->o->conns,
	};
	struct dcxb_frame pre;
	struct window w;
	int i, ret = 0;

	e.slots = slots_new(v->conc);
	if (!e.slots)
		return -ENOMEM;
	/* Reusing variants own their sockets before the clock starts. */
	for (i = 0; i < e.nslots && v->way != DCXB_FRESH; i++) {
		e.slots[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (e.slots[i].fd < 0) {
			ret = -errno;
			goto out;
		}
	}

	dcxb_frame_start(c, &pre);
	e.now = e.t_last = pre.sys.t;
	if (c->o->conns > 0) {
		w.a = pre;
		e.phase = DCXB_WINDOW;
	} else {
		/* Long enough for 1024 slots to be through a connection each. */
		w.warm_end = e.now + fmin(1.0, fmax(0.2, c->o->secs / 4));
		e.phase = DCXB_WARM;
	}
	if (v->blocking)
		blk_run(&e, &w);
	else
		ret = ring_run(&e, &w);
	if (c->o->conns > 0)
		dcxb_frame_end(c, &w.b);
	if (!ret && e.phase != DCXB_WARM)
		dcxb_figures(r, &w.a, &w.b, e.counted,
			     c->o->conns > 0 ? e.t_last - w.a.sys.t :
					       w.b.sys.t - w.a.sys.t);
	r->p50_us = dcxb_lat_pct(&e.lat, 50);
	r->p99_us = dcxb_lat_pct(&e.lat, 99);
	check_run(c, &pre, &e, r);
out:
	slots_close(e.slots, e.nslots);
	free(e.slots);
	dcxb_lat_free(&e.lat);
	return ret;
}

/* N connections, each through its request and reply; not measured. */
static int w2_establish(struct dcxb_ctx *c, struct slot *s, int n)
{
	const struct sockaddr *addr = (const struct sockaddr *)&c->addr;
	int i;

	for (i = 0; i < n; i++) {
		s[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s[i].fd < 0 || connect(s[i].fd, addr, sizeof(c->addr)))
			return -errno;
		memcpy(s[i].tx, &i, sizeof(i));
	}
	for (i = 0; i < n; i++)
		if (write_full(s[i].fd, s[i].tx, DCXB_MSG))
			return -EPIPE;
	for (i = 0; i < n; i++) {
		if (read_full(s[i].fd, s[i].rx, DCXB_MSG))
			return -EPIPE;
		if (memcmp(s[i].rx, s[i].tx, DCXB_MSG))
			return -EBADMSG;
	}
	return 0;
}

/*
 * Held: every disconnect has sent its FIN and sits waiting for the
 * server's, which the server holds back.
 */
static bool w2_all_waiting(struct dcxb_ctx *c, struct engine *e,
			   const struct dcxb_frame *f0)
{
	struct dcxb_srv_stats st;
	int i;

	if (dcxb_server_cmd(c, DCXB_SRV_STATS, &st) ||
	    st.fins - f0->srv.fins < (uint64_t)e->nslots)
		return false;
	for (i = 0; i < e->nslots; i++) {
		int step = e->slots[i].step;

		if (step == ST_SHUT || step == ST_CLOSE || step == ST_UNCONNECT)
			return false;
	}
	return e->way != DCXB_KERNEL || dcxb_dcx_stat("inflight") == e->nslots;
}

/*
 * One W2 pass on a ring of its own, created after the setup, so that every
 * io_kiocb of the disconnects comes from the slab while we watch. Held: the
 * server keeps its side open until we have looked at memory and threads.
 */
static int w2_pass(struct dcxb_ctx *c, const struct dcxb_variant *v,
		   struct slot *slots, bool held, struct dcxb_result *r)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE };
	struct engine e = {
		.c = c, .way = v->way, .slots = slots, .nslots = v->conc,
		.phase = DCXB_WINDOW,
	};
	static struct dcxb_mem m0, m1;
	struct dcxb_srv_stats st;
	struct io_uring ring;
	char top[512];
	struct dcxb_frame f0, f1;
	double give_up, settle;
	long peak;
	int i, ret;

	for (p.cq_entries = 4096; p.cq_entries < 2U * v->conc;)
		p.cq_entries *= 2;
	ret = w2_establish(c, slots, v->conc);
	if (ret)
		goto out;
	ret = io_uring_queue_init_params(4096, &ring, &p);
	if (ret)
		goto out;
	e.ring = &ring;
	if (held && dcxb_server_cmd(c, DCXB_SRV_HOLD, &st)) {
		ret = -EPIPE;
		goto out_ring;
	}
	/* Let the server arm its last receives before anything is counted. */
	usleep(100000);
	if (held)
		dcxb_mem_read(&m0);
	dcxb_frame_start(c, &f0);

	e.active = e.nslots;
	for (i = 0; i < e.nslots; i++) {
		e.now = dcxb_now();
		eng_disconnect(&e, i);
	}
	if (held) {
		give_up = dcxb_now() + 120;
		while (!w2_all_waiting(c, &e, &f0) && !ret) {
			if (dcxb_now() > give_up) {
				dcxb_log("# dcxbench: W2 %s: disconnects never all waited for the peer",
					 dcxb_way_name(v->way, false));
				e.failures++;
				break;
			}
			ret = eng_poll(&e, 10);
		}
		/*
		 * The server acknowledges our FINs with a delayed ACK: until it
		 * goes out, each connection still holds its FIN's skb. Let that
		 * pass, so what remains is the operations and nothing else.
		 */
		for (settle = dcxb_now() + 0.3; dcxb_now() < settle && !ret;)
			ret = eng_poll(&e, 10);
		dcxb_mem_read(&m1);
		peak = dcxb_kthreads(NULL);
		if (dcxb_server_cmd(c, DCXB_SRV_RELEASE, &st))
			ret = ret ?: -EPIPE;
		r->slab_b = (double)(m1.slab - m0.slab) / e.nslots;
		r->obj_b = m0.slabinfo ? (double)(m1.objs - m0.objs) / e.nslots : NAN;
		r->kiocb_b = m0.slabinfo ? (double)(m1.kiocb - m0.kiocb) / e.nslots : NAN;
		r->dcxop_b = m0.slabinfo ? (double)(m1.dcxop - m0.dcxop) / e.nslots : NAN;
		r->kthreads = peak - f0.kthreads;
		dcxb_mem_top(&m0, &m1, e.nslots, top, sizeof(top));
		dcxb_log("#         W2 %s, slab caches in B/op:%s",
			 dcxb_way_name(v->way, false), top);
	}
	if (!ret)
		ret = eng_drain(&e);
	dcxb_frame_end(c, &f1);
	dcxb_figures(r, &f0, &f1, e.counted, e.t_last - f0.sys.t);
	r->p50_us = dcxb_lat_pct(&e.lat, 50);
	r->p99_us = dcxb_lat_pct(&e.lat, 99);
	check_run(c, &f0, &e, r);
out_ring:
	io_uring_queue_exit(&ring);
out:
	slots_close(slots, v->conc);
	dcxb_lat_free(&e.lat);
	return ret;
}

/*
 * W2: a timed pass gives rate, CPU, latency and threads; a held pass gives
 * the kernel memory and threads of N operations in flight at once.
 */
int dcxb_run_w2(struct dcxb_ctx *c, const struct dcxb_variant *v,
		struct dcxb_result *r)
{
	struct dcxb_result held = { 0 };
	struct slot *slots = slots_new(v->conc);
	int ret;

	if (!slots)
		return -ENOMEM;
	ret = w2_pass(c, v, slots, false, r);
	if (!ret) {
		held.kthreads = -1;
		ret = w2_pass(c, v, slots, true, &held);
		r->failures += held.failures;
		r->slab_b = held.slab_b;
		r->obj_b = held.obj_b;
		r->kiocb_b = held.kiocb_b;
		r->dcxop_b = held.dcxop_b;
		if (held.kthreads > r->kthreads)
			r->kthreads = held.kthreads;
	}
	free(slots);
	return ret;
}
