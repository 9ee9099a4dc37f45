// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench: the client side of W1 and W2, from one thread.
 *
 * Through io_uring, every connection slot is a small state machine with one
 * operation in flight at a time; the slots share one ring, so concurrency 1,
 * 64 or 1024 is only the number of slots. A step is submitted when the CQE
 * of the one before it comes in, for every variant alike, so that the
 * variants differ in how a connection ends and in nothing else (ways[]
 * below is this table):
 *
 *   fresh     SOCKET CONNECT SEND RECV | SHUTDOWN RECV..EOF CLOSE
 *   emulated         CONNECT SEND RECV | shutdown(2) RECV..EOF CONNECT(AF_UNSPEC)
 *   kernel           CONNECT SEND RECV | URING_CMD(DCX_CMD_DISCONNECT, REUSE)
 *   W2 only:
 *   graceful                           | SHUTDOWN RECV..EOF CLOSE
 *   graceful-sys                       | shutdown(2) RECV..EOF close(2)
 *   shutdown+close                     | SHUTDOWN CLOSE
 *   shutdown                           | shutdown(2)
 *
 * Lower case is a syscall made inline where the step's turn comes, as the
 * library's emulated backend makes shutdown(2): on 6.1 IORING_OP_SHUTDOWN
 * always goes to an io-wq worker. The disconnect latency is from the
 * submission of the first step after "|" to the completion of the last.
 * The blocking forms do the same with plain syscalls (the kernel one with
 * DCX_IOC_DISCONNECT).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <disconnectex.h>

#include "frame.h"
#include "guest.h"
#include "ring.h"
#include "stats.h"
#include "tune.h"
#include "util.h"
#include "workload.h"

/*
 * The steps of one connection, by way of ending it: the table below is
 * the whole difference between the variants. The ring and the blocking
 * form walk the same table, one step in flight per slot.
 */
enum step {
	ST_IDLE,	/* the end of a table; a slot with nothing in flight */
	ST_SOCKET,
	ST_CONNECT,
	ST_SEND,
	ST_RECV,	/* the echo, checked byte for byte */
	ST_SHUT,	/* shutdown(SHUT_WR) */
	ST_DRAIN,	/* receive until EOF */
	ST_CLOSE,
	ST_UNCONNECT,	/* connect(AF_UNSPEC) */
	ST_DCX,		/* DCX_CMD_DISCONNECT / DCX_IOC_DISCONNECT, reuse */
	ST_SHUT_SYS,	/* shutdown(SHUT_WR), inline also on the ring */
	ST_CLOSE_SYS,	/* close(), the same */
};

static const char *const step_names[] = {
	"idle", "socket", "connect", "send", "recv", "shutdown", "drain",
	"close", "connect(AF_UNSPEC)", "DCX_CMD_DISCONNECT", "shutdown(2)",
	"close(2)",
};

struct way {
	const char *name, *blk_name;
	enum step steps[8];	/* one connection, up to ST_IDLE */
	int disc;		/* the first step of the disconnect ("|") */
};

/*
 * A connection's life before its disconnect, the same in every way but
 * fresh (which opens its socket first): one request answered.
 */
#define ST_ANSWERED	ST_CONNECT, ST_SEND, ST_RECV

/*
 * The W2-only ways run in W2 alone, which sets its connections up with
 * plain syscalls and starts each at its disconnect; their first steps are
 * there for a table of one shape.
 */
static const struct way ways[] = {
	[DCXB_FRESH] = { "fresh", "fresh-blk",
		{ ST_SOCKET, ST_ANSWERED, ST_SHUT, ST_DRAIN, ST_CLOSE }, 4 },
	[DCXB_EMULATED] = { "emulated", "emulated-blk",
		{ ST_ANSWERED, ST_SHUT_SYS, ST_DRAIN, ST_UNCONNECT }, 3 },
	[DCXB_KERNEL] = { "kernel", "kernel-blk",
		{ ST_ANSWERED, ST_DCX }, 3 },
	[DCXB_CLOSE] = { "shutdown+close", "close-blk",
		{ ST_ANSWERED, ST_SHUT, ST_CLOSE }, 3 },
	[DCXB_GRACEFUL] = { "graceful", "graceful-blk",
		{ ST_ANSWERED, ST_SHUT, ST_DRAIN, ST_CLOSE }, 3 },
	[DCXB_GRACEFUL_SYS] = { "graceful-sys", "graceful-sys-blk",
		{ ST_ANSWERED, ST_SHUT_SYS, ST_DRAIN, ST_CLOSE_SYS }, 3 },
	[DCXB_SHUTDOWN] = { "shutdown", "shutdown-blk",
		{ ST_ANSWERED, ST_SHUT_SYS }, 3 },
};

/* W1's phases: warm up, the measured window, let the slots finish. */
enum phase {
	PH_WARM,
	PH_WINDOW,
	PH_DRAIN,
};

struct slot {
	int fd;
	int pos;		/* in its way's steps[] */
	enum step step;		/* in flight: steps[pos], or ST_IDLE */
	unsigned int done;	/* bytes of the current send or receive */
	double t_disc;		/* when the disconnect was submitted */
	unsigned char tx[DCXB_MSG];
	unsigned char rx[DCXB_MSG];
};

/* The client of one run: its slots, their ring, its counts. */
struct driver {
	struct dcxb_ctx *c;
	struct io_uring *ring;
	const struct way *w;	/* ways[] entry of the variant */
	struct slot *slots;
	int nslots;
	int active;		/* slots not idle */
	bool churn;		/* W1: a slot goes on with a new connection */
	enum phase phase;	/* no connection starts in PH_DRAIN */
	long limit;		/* churn: nor after this many, if > 0 */
	long started, failures;
	long completed;		/* all connections, for the checks */
	long counted;		/* those that ended in the window */
	uint64_t serial;
	double now;		/* when the current batch of CQEs was reaped */
	double t_last;		/* when the last counted one ended */
	struct bench_samples lat;	/* of the counted ones, us */
};

static const struct sockaddr unspec = { .sa_family = AF_UNSPEC };

/*
 * A safety net, not part of the race: the emulated variant waits for EOF
 * without a deadline, and the slowest of 10,000 disconnects on a loaded
 * emulated machine can take seconds. A timeout still counts as a failure.
 */
#define DCXB_TIMEOUT_MS		60000
/*
 * Connections from one source address (w2_source()): fewer than half the
 * port range. connect() takes even ports first; once they are all taken,
 * each further connect() walks all of them before it tries an odd one.
 */
#define DCXB_PER_ADDR		25000
/* IORING_MAX_CQ_ENTRIES on 6.1: a larger CQ is EINVAL unless clamped. */
#define DCXB_MAX_CQ		65536U

const char *dcxb_way_name(enum dcxb_way way, bool blocking)
{
	return blocking ? ways[way].blk_name : ways[way].name;
}

const char *dcxb_variant_name(const struct dcxb_variant *v)
{
	if (v->again || v->b)
		return v->again ? "kernel-again" : "kernel-b";
	return dcxb_way_name(v->way, v->blocking);
}

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
static void stamp(struct driver *d, struct slot *s)
{
	memcpy(s->tx, &d->serial, sizeof(d->serial));
	d->serial++;
}

static int blk_step(struct driver *d, struct slot *s, enum step step);
static void drv_event(struct driver *d, int i, int res);

/* The slot's step at its pos, on the ring, or made at once if inline. */
static void drv_queue(struct driver *d, int i)
{
	const struct sockaddr *addr = (const struct sockaddr *)&d->c->srv.addr;
	struct slot *s = &d->slots[i];
	struct io_uring_sqe *sqe;

	s->step = d->w->steps[s->pos];
	if (s->step == ST_SHUT_SYS || s->step == ST_CLOSE_SYS) {
		drv_event(d, i, blk_step(d, s, s->step));
		return;
	}
	sqe = bench_sqe(d->ring);
	switch (s->step) {
	case ST_IDLE:		/* drv_next() ends a slot there instead */
	case ST_SHUT_SYS:
	case ST_CLOSE_SYS:
		abort();
	case ST_SOCKET:
		io_uring_prep_socket(sqe, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
		break;
	case ST_CONNECT:
		io_uring_prep_connect(sqe, s->fd, addr, sizeof(d->c->srv.addr));
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
		dcx_prep_disconnect(sqe, d->c->devfd, s->fd, DCX_REUSE_SOCKET,
				    DCXB_TIMEOUT_MS);
		break;
	}
	sqe->user_data = i;
}

static void drv_idle(struct driver *d, struct slot *s)
{
	s->step = ST_IDLE;
	d->active--;
}

/* The next connection of a churning slot, or its end. */
static void drv_start(struct driver *d, int i)
{
	struct slot *s = &d->slots[i];

	if (!d->churn || d->phase == PH_DRAIN ||
	    (d->limit > 0 && d->started >= d->limit) || d->failures >= 1000) {
		drv_idle(d, s);
		return;
	}
	d->started++;
	stamp(d, s);
	if (s->fd < 0 && d->w->steps[0] != ST_SOCKET) {
		/* A reusing slot lost its socket to a failure. */
		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0) {
			d->failures++;
			drv_idle(d, s);
			return;
		}
	}
	s->pos = 0;
	s->done = 0;
	drv_queue(d, i);
}

static void drv_fail(struct driver *d, int i, int err)
{
	struct slot *s = &d->slots[i];

	if (++d->failures <= 5)
		bench_log("# dcxbench: %s: %s: %s", d->w->name,
			  step_names[s->step], strerror(-err));
	/* A failed close leaves nothing to close again. */
	if (s->fd >= 0 && s->step != ST_CLOSE && s->step != ST_CLOSE_SYS)
		close(s->fd);
	s->fd = -1;
	drv_start(d, i);
}

static void drv_done(struct driver *d, int i)
{
	struct slot *s = &d->slots[i];

	d->completed++;
	if (d->phase == PH_WINDOW) {
		d->counted++;
		d->t_last = d->now;
		bench_samples_add(&d->lat, (d->now - s->t_disc) * 1e6);
	}
	drv_start(d, i);
}

/* From the disconnect's first step: W2 starts every slot there. */
static void drv_disconnect(struct driver *d, int i)
{
	struct slot *s = &d->slots[i];

	s->pos = d->w->disc;
	s->done = 0;
	s->t_disc = d->now;
	drv_queue(d, i);
}

/* On to the slot's next step; after its last, the connection is done. */
static void drv_next(struct driver *d, int i)
{
	struct slot *s = &d->slots[i];

	s->done = 0;
	if (++s->pos == d->w->disc)
		s->t_disc = d->now;
	if (d->w->steps[s->pos] == ST_IDLE)
		drv_done(d, i);
	else
		drv_queue(d, i);
}

static void drv_event(struct driver *d, int i, int res)
{
	struct slot *s = &d->slots[i];

	if (res < 0 && s->step != ST_SEND && s->step != ST_RECV) {
		drv_fail(d, i, res);
		return;
	}
	switch (s->step) {
	case ST_SOCKET:
		s->fd = res;
		break;
	case ST_SEND:
	case ST_RECV:
		/* Both directions: a short one goes on where it stopped. */
		if (res <= 0) {
			drv_fail(d, i, res ? res : -EPIPE);
			return;
		}
		s->done += res;
		if (s->done < DCXB_MSG) {
			drv_queue(d, i);
			return;
		}
		if (s->step == ST_RECV && memcmp(s->rx, s->tx, DCXB_MSG)) {
			drv_fail(d, i, -EBADMSG);
			return;
		}
		break;
	case ST_DRAIN:
		if (res > 0) {	/* the server sends nothing after its reply */
			drv_fail(d, i, -EPROTO);
			return;
		}
		break;
	case ST_CLOSE:
	case ST_CLOSE_SYS:
		s->fd = -1;
		break;
	default:
		break;
	}
	drv_next(d, i);
}

/* Submit what is queued, reap one batch; @wait_ms > 0 bounds the wait. */
static int drv_poll(struct driver *d, int wait_ms)
{
	struct __kernel_timespec ts = { .tv_nsec = wait_ms * 1000000LL };
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int ret;

	if (wait_ms > 0)
		ret = io_uring_submit_and_wait_timeout(d->ring, &cqe, 1, &ts, NULL);
	else
		ret = io_uring_submit_and_wait(d->ring, 1);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY)
		return ret;
	d->now = bench_now();
	io_uring_for_each_cqe(d->ring, head, cqe) {
		drv_event(d, (int)cqe->user_data, cqe->res);
		seen++;
	}
	io_uring_cq_advance(d->ring, seen);
	return 0;
}

static int drv_drain(struct driver *d)
{
	int ret = 0;

	while (d->active > 0 && !ret)
		ret = drv_poll(d, 0);
	return ret;
}

/*
 * The checks of one run, from @pre (before its first connection) to the end:
 * the server must have seen a FIN for each connection and never a reset,
 * and the module must have ended each of its operations gracefully. Also
 * the threads the run made the kernel create.
 */
static void check_run(struct dcxb_ctx *c, const struct dcxb_frame *pre,
		      struct driver *d, struct dcxb_result *r)
{
	double deadline = bench_now() + 10;
	struct dcxb_frame post;
	long fins, bad;

	dcxb_frame_end(&c->srv, &post);
	r->threads = post.sys.cpu.forks - pre->sys.cpu.forks;
	if (post.kthreads - pre->kthreads > r->kthreads)
		r->kthreads = post.kthreads - pre->kthreads;

	/* shutdown+close does not wait for the server: give it time. */
	while ((long)(post.srv.fins - pre->srv.fins) < d->completed &&
	       bench_now() < deadline) {
		usleep(5000);
		if (dcxb_server_cmd(&c->srv, DCXB_SRV_STATS, &post.srv))
			break;
	}
	r->failures += d->failures;
	fins = post.srv.fins - pre->srv.fins;
	bad = post.srv.resets - pre->srv.resets + post.srv.errors - pre->srv.errors;
	if (fins != d->completed || bad) {
		bench_log("# dcxbench: %s: server saw %ld FINs for %ld connections, %llu resets, %llu errors",
			 d->w->name, fins, d->completed,
			 (unsigned long long)(post.srv.resets - pre->srv.resets),
			 (unsigned long long)(post.srv.errors - pre->srv.errors));
		r->failures += bad + labs(fins - d->completed);
	}
	if (d->w != &ways[DCXB_KERNEL])
		return;
	bad = (post.dcx_completed - pre->dcx_completed) -
	      (post.dcx_graceful - pre->dcx_graceful) +
	      (post.dcx_rejected - pre->dcx_rejected);
	if (bad || post.dcx_graceful - pre->dcx_graceful != d->completed) {
		bench_log("# dcxbench: module: %ld graceful of %ld completed, %ld rejected, for %ld disconnects",
			 post.dcx_graceful - pre->dcx_graceful,
			 post.dcx_completed - pre->dcx_completed,
			 post.dcx_rejected - pre->dcx_rejected, d->completed);
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

/* One step with plain syscalls, as drv_queue() and drv_event() on the ring. */
static int blk_step(struct driver *d, struct slot *s, enum step step)
{
	struct dcx_disconnect req = {
		.fd = s->fd, .flags = DCX_REUSE_SOCKET,
		.timeout_ms = DCXB_TIMEOUT_MS,
	};
	const struct sockaddr *addr = (const struct sockaddr *)&d->c->srv.addr;
	ssize_t n;

	switch (step) {
	case ST_IDLE:
		break;
	case ST_SOCKET:
		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		return s->fd < 0 ? -errno : 0;
	case ST_CONNECT:
		return connect(s->fd, addr, sizeof(d->c->srv.addr)) ? -errno : 0;
	case ST_SEND:
		return write_full(s->fd, s->tx, DCXB_MSG) ? -EPIPE : 0;
	case ST_RECV:
		if (read_full(s->fd, s->rx, DCXB_MSG))
			return -EPIPE;
		return memcmp(s->rx, s->tx, DCXB_MSG) ? -EBADMSG : 0;
	case ST_SHUT:
	case ST_SHUT_SYS:
		return shutdown(s->fd, SHUT_WR) ? -errno : 0;
	case ST_DRAIN:
		do {
			n = recv(s->fd, s->rx, DCXB_MSG, 0);
		} while (n < 0 && errno == EINTR);
		return n ? (n < 0 ? -errno : -EPROTO) : 0;
	case ST_CLOSE:
	case ST_CLOSE_SYS:
		close(s->fd);
		s->fd = -1;
		break;
	case ST_UNCONNECT:
		return connect(s->fd, &unspec, sizeof(unspec)) ? -errno : 0;
	case ST_DCX:
		return ioctl(d->c->devfd, DCX_IOC_DISCONNECT, &req) ? -errno : 0;
	}
	return 0;
}

/* One whole connection with plain syscalls; 0 or -errno. */
static int blk_one(struct driver *d, struct slot *s)
{
	double t = 0;
	int pos, err;

	if (s->fd < 0 && d->w->steps[0] != ST_SOCKET) {
		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			return -errno;
	}
	stamp(d, s);
	for (pos = 0; d->w->steps[pos] != ST_IDLE; pos++) {
		if (pos == d->w->disc)
			t = bench_now();
		err = blk_step(d, s, d->w->steps[pos]);
		if (err)
			return err;
	}
	d->now = bench_now();
	if (d->phase == PH_WINDOW) {
		bench_samples_add(&d->lat, (d->now - t) * 1e6);
		d->t_last = d->now;
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

static void window_edges(struct dcxb_ctx *c, struct driver *d, struct window *w)
{
	if (d->phase == PH_WARM && d->now >= w->warm_end) {
		dcxb_frame_start(&c->srv, &w->a);
		w->end = w->a.sys.t + c->secs;
		d->phase = PH_WINDOW;
	} else if (d->phase == PH_WINDOW && !d->limit && d->now >= w->end) {
		dcxb_frame_end(&c->srv, &w->b);
		d->phase = PH_DRAIN;
	}
}

static void blk_run(struct driver *d, struct window *w)
{
	struct slot *s = &d->slots[0];
	int err;

	for (;;) {
		d->now = bench_now();
		window_edges(d->c, d, w);
		if (d->phase == PH_DRAIN || d->failures >= 1000 ||
		    (d->limit > 0 && d->started >= d->limit))
			break;
		d->started++;
		err = blk_one(d, s);
		if (!err) {
			d->completed++;
			d->counted += d->phase == PH_WINDOW;
			continue;
		}
		if (++d->failures <= 5)
			bench_log("# dcxbench: %s: %s", d->w->blk_name,
				 strerror(-err));
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
	}
}

static int ring_run(struct driver *d, struct window *w)
{
	int i, ret = 0;

	d->active = d->nslots;
	for (i = 0; i < d->nslots; i++)
		drv_start(d, i);
	while (d->active > 0 && !ret) {
		ret = drv_poll(d, 0);
		window_edges(d->c, d, w);
	}
	return ret;
}

/* The repeatable mode's bounds on waiting for TCP to settle, guest seconds. */
#define DCXB_SETTLE_BEFORE_S	130	/* TIME_WAIT lasts 60 s */
#define DCXB_SETTLE_AFTER_S	30

/*
 * The repeatable mode, before a variant: until nothing is left of the
 * runs before it, no TIME_WAIT and no orphan. Earlier variants' TIME_WAITs
 * overflow the table (tcp_max_tw_buckets) or expire inside this run, and
 * so change what its TCP does and what its CPU figure holds. The wait
 * costs little host time: under -icount sleep=off an idle guest's clock
 * jumps to its next timer at once.
 */
static int settle_before(const struct dcxb_variant *v)
{
	const char *name = dcxb_variant_name(v);
	struct guest_sockstat ss;
	double t0 = bench_now(), t;

	for (;;) {
		if (guest_sockstat_read(&ss)) {
			bench_log("# dcxbench: W%d %s: /proc/net/sockstat unreadable",
				  v->workload, name);
			return -EIO;
		}
		t = bench_now();
		if (!ss.tw && !ss.orphan)
			break;
		if (t - t0 > DCXB_SETTLE_BEFORE_S) {
			bench_log("# dcxbench: W%d %s: still %ld TIME_WAIT and %ld orphans after %d s",
				  v->workload, name, ss.tw, ss.orphan, DCXB_SETTLE_BEFORE_S);
			return -ETIMEDOUT;
		}
		usleep(100000);
	}
	bench_log("#         W%d %s: waited %.1f s for no TIME_WAIT and no orphan (TCP in use %ld, TCP6 %ld)",
		  v->workload, name, t - t0, ss.inuse, ss.inuse6);
	return 0;
}

/*
 * The repeatable mode, before a variant: every variant starts from the
 * same TCP (quickack on the loopback route, nothing left of the ones before).
 */
static int repeatable_start(const struct dcxb_variant *v)
{
	return tune_lo_quickack() ?: settle_before(v);
}

/* Guest us everything but the spinner used from @a to @b, per @n ops. */
static double busy_per_op(const struct dcxb_frame *a, const struct dcxb_frame *b,
			  double speed, long n)
{
	return ((b->sys.t - a->sys.t) * 1e6 - (b->sys.spins - a->sys.spins) / speed) / n;
}

int dcxb_run_w1(struct dcxb_ctx *c, const struct dcxb_variant *v,
		struct dcxb_result *r)
{
	struct driver d = {
		.c = c, .ring = &c->ring, .w = &ways[v->way],
		.nslots = v->conc,
		.churn = true, .limit = c->conns,
	};
	struct dcxb_frame pre;
	struct window w;
	double speed = NAN;
	int i, ret = 0;

	d.slots = slots_new(v->conc);
	if (!d.slots)
		return -ENOMEM;
	/* Reusing variants own their sockets before the clock starts. */
	for (i = 0; i < d.nslots && v->way != DCXB_FRESH; i++) {
		d.slots[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (d.slots[i].fd < 0) {
			ret = -errno;
			goto out;
		}
	}
	/*
	 * The repeatable mode: W1's CPU from the spinner too, over the same
	 * window (a steady state: what TCP still owes at its end, it owed at
	 * its start).
	 */
	if (c->repeatable) {
		ret = repeatable_start(v);
		if (ret)
			goto out;
		speed = guest_speed();
		ret = guest_spinner_start();
		if (ret)
			goto out;
	}

	dcxb_frame_start(&c->srv, &pre);
	d.now = d.t_last = pre.sys.t;
	if (c->conns > 0) {
		w.a = pre;
		d.phase = PH_WINDOW;
	} else {
		/* Long enough for 1024 slots to be through a connection each. */
		w.warm_end = d.now + fmin(1.0, fmax(0.2, c->secs / 4));
		d.phase = PH_WARM;
	}
	if (v->blocking)
		blk_run(&d, &w);
	else
		ret = ring_run(&d, &w);
	if (c->conns > 0)
		dcxb_frame_end(&c->srv, &w.b);
	guest_spinner_stop();
	if (!ret && d.phase != PH_WARM) {
		dcxb_figures(r, &w.a, &w.b, d.counted,
			     c->conns > 0 ? d.t_last - w.a.sys.t :
					       w.b.sys.t - w.a.sys.t);
		if (c->repeatable && d.counted)
			r->busy_us = busy_per_op(&w.a, &w.b, speed, d.counted);
	}
	r->p50_us = bench_quantile(d.lat.v, d.lat.n, 0.50);
	r->p99_us = bench_quantile(d.lat.v, d.lat.n, 0.99);
	check_run(c, &pre, &d, r);
out:
	slots_close(d.slots, d.nslots);
	free(d.slots);
	bench_samples_free(&d.lat);
	return ret;
}

/*
 * The repeatable mode, after a W2 variant's last completion: until TCP has
 * settled, no orphan left and every FIN at the peer, so that the variant's
 * CPU holds all of its TCP work: shutdown+close's last CQE comes with 27 %
 * of it still to come (its orphans' FINs and the peer's closes). Polled
 * every ms, the spinner filling the gaps; nothing is logged here, inside
 * the measurement. The time it took after the last completion, or NAN on a
 * timeout (a failure of the run).
 */
static double w2_settle_after(struct dcxb_ctx *c, struct driver *d,
			      const struct dcxb_frame *f0)
{
	struct dcxb_srv_stats st = { 0 };
	struct guest_sockstat ss;
	double t;

	for (;;) {
		t = bench_now();
		if (guest_sockstat_read(&ss))
			break;
		if (!ss.orphan) {
			if (dcxb_server_cmd(&c->srv, DCXB_SRV_STATS, &st))
				break;
			if (st.fins - f0->srv.fins >= (uint64_t)d->completed)
				return t - d->t_last;
		}
		if (t - d->t_last > DCXB_SETTLE_AFTER_S)
			break;
		usleep(1000);
	}
	d->failures++;
	return NAN;
}

/*
 * Beyond DCXB_PER_ADDR connections, each further block comes from another
 * loopback address (127.0.0.2, ...): one address to the server's one port
 * has only the port range's 64,512 (tune.c). IP_BIND_ADDRESS_NO_PORT
 * leaves the port to connect(), which needs it unique per 4-tuple only
 * (__inet_hash_connect()).
 */
static int w2_source(int fd, int i)
{
	struct sockaddr_in src = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK + i / DCXB_PER_ADDR),
	};
	int one = 1;

	if (i < DCXB_PER_ADDR)
		return 0;
	if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)))
		return -1;
	return 0;
}

/* N connections, each through its request and reply; not measured. */
static int w2_establish(struct dcxb_ctx *c, struct slot *s, int n)
{
	const struct sockaddr *addr = (const struct sockaddr *)&c->srv.addr;
	int i;

	for (i = 0; i < n; i++) {
		s[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s[i].fd < 0 || w2_source(s[i].fd, i) ||
		    connect(s[i].fd, addr, sizeof(c->srv.addr)))
			return -errno;
		memcpy(s[i].tx, &i, sizeof(i));
		if (n > DCXB_MAX_N && (i + 1) % DCXB_PER_ADDR == 0)
			bench_log("# dcxbench: W2 N=%d: %d connected", n, i + 1);
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
static bool w2_all_waiting(struct dcxb_ctx *c, struct driver *d,
			   const struct dcxb_frame *f0)
{
	struct dcxb_srv_stats st;
	int i;

	if (dcxb_server_cmd(&c->srv, DCXB_SRV_STATS, &st) ||
	    st.fins - f0->srv.fins < (uint64_t)d->nslots)
		return false;
	for (i = 0; i < d->nslots; i++) {
		int step = d->slots[i].step;

		if (step == ST_SHUT || step == ST_CLOSE || step == ST_UNCONNECT)
			return false;
	}
	return d->w != &ways[DCXB_KERNEL] || guest_dcx_stat("inflight") == d->nslots;
}

/*
 * --scale: what the guest did besides sleeping over DCXB_HOLD_S, in us per
 * second. In the repeatable mode from a SCHED_IDLE spinner: the first
 * window (nothing in flight) sets @speed, its rate, and counts 0; a later
 * one counts the time the spinner did not get at that rate, k-instructions
 * per second under -icount shift=0. Otherwise from /proc/stat's ticks
 * summed over the vCPUs, which miss what an idle vCPU does between two
 * ticks. With --profile, also the module's timer firings per operation and
 * second (@n operations).
 */
static double hold_window(bool spin, double *speed, int n, double *timers)
{
	unsigned long long h0[TUNE_MAX_PROBES], h1[TUNE_MAX_PROBES];
	int t = tune_probe_index("dcx_timer");
	struct guest_cpu a, b;
	double t0, secs, spins;

	if (spin && guest_spinner_start())
		return NAN;
	if (t >= 0)
		tune_probes_read(h0);
	t0 = bench_now();
	if (guest_cpu_read(&a))
		memset(&a, 0, sizeof(a));
	sleep(DCXB_HOLD_S);
	if (guest_cpu_read(&b))
		b = a;
	secs = bench_now() - t0;
	spins = (double)guest_spins();
	if (t >= 0) {
		tune_probes_read(h1);
		if (timers && n)
			*timers = (double)(h1[t] - h0[t]) / n / secs;
	}
	if (!spin)
		return (double)(b.user + b.sys - a.user - a.sys) * guest_tick_us() / secs;
	guest_spinner_stop();
	if (isnan(*speed)) {
		*speed = spins / (secs * 1e6);
		return 0;
	}
	return (secs * 1e6 - spins / *speed) / secs;
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
	struct driver d = {
		.c = c, .w = &ways[v->way], .slots = slots,
		.nslots = v->conc,
		.phase = PH_WINDOW,
	};
	static struct guest_mem m0, m1;
	struct dcxb_srv_stats st;
	struct io_uring ring;
	char top[512];
	struct dcxb_frame f0, f1;
	double give_up, settle, speed = NAN, settled = NAN;
	bool meter = c->repeatable && !held;
	bool scale = held && v->conc > DCXB_MAX_N;
	double hold_speed = NAN;
	long peak;
	int i, ret;

	/*
	 * At most IORING_MAX_CQ_ENTRIES (--scale): the CQEs that do not fit
	 * wait in the kernel's overflow list (IORING_FEAT_NODROP), which every
	 * reap flushes.
	 */
	if (scale)
		r->idle_us = hold_window(c->repeatable, &hold_speed, 0, NULL);
	for (p.cq_entries = 4096; p.cq_entries < 2U * v->conc &&
	     p.cq_entries < DCXB_MAX_CQ;)
		p.cq_entries *= 2;
	ret = w2_establish(c, slots, v->conc);
	if (ret)
		goto out;
	ret = io_uring_queue_init_params(4096, &ring, &p);
	if (ret)
		goto out;
	d.ring = &ring;
	if (held && dcxb_server_cmd(&c->srv, DCXB_SRV_HOLD, &st)) {
		ret = -EPIPE;
		goto out_ring;
	}
	/* Let the server arm its last receives before anything is counted. */
	usleep(100000);
	if (held)
		guest_mem_read(&m0);
	if (meter) {
		/* The spinner's iterations per us, while nothing else runs. */
		speed = guest_speed();
		ret = guest_spinner_start();
		if (ret)
			goto out_ring;
	}
	dcxb_frame_start(&c->srv, &f0);

	d.active = d.nslots;
	for (i = 0; i < d.nslots; i++) {
		d.now = bench_now();
		drv_disconnect(&d, i);
	}
	if (held) {
		give_up = bench_now() + 120;
		while (!w2_all_waiting(c, &d, &f0) && !ret) {
			if (bench_now() > give_up) {
				bench_log("# dcxbench: W2 %s: disconnects never all waited for the peer",
					 dcxb_variant_name(v));
				d.failures++;
				break;
			}
			ret = drv_poll(&d, 10);
		}
		/*
		 * The server acknowledges our FINs with a delayed ACK: until it
		 * goes out, each connection still holds its FIN's skb. Let that
		 * pass, so what remains is the operations and nothing else.
		 */
		for (settle = bench_now() + 0.3; bench_now() < settle && !ret;)
			ret = drv_poll(&d, 10);
		guest_mem_read(&m1);
		if (scale)
			r->held_us = hold_window(c->repeatable, &hold_speed,
						 d.nslots, &r->held_timers);
		peak = guest_kthreads(NULL);
		if (dcxb_server_cmd(&c->srv, DCXB_SRV_RELEASE, &st))
			ret = ret ?: -EPIPE;
		r->slab_b = (double)(m1.slab - m0.slab) / d.nslots;
		r->obj_b = m0.slabinfo ? (double)(m1.objs - m0.objs) / d.nslots : NAN;
		r->kiocb_b = m0.slabinfo ? (double)(m1.kiocb - m0.kiocb) / d.nslots : NAN;
		r->dcxop_b = m0.slabinfo ? (double)(m1.dcxop - m0.dcxop) / d.nslots : NAN;
		r->kthreads = peak - f0.kthreads;
		guest_mem_top(&m0, &m1, d.nslots, 8, top, sizeof(top));
		bench_log("#         W2 %s, slab caches in B/op: %s",
			 dcxb_variant_name(v), top);
	}
	if (!ret)
		ret = drv_drain(&d);
	if (!ret && meter)
		settled = w2_settle_after(c, &d, &f0);
	dcxb_frame_end(&c->srv, &f1);
	guest_spinner_stop();
	dcxb_figures(r, &f0, &f1, d.counted, d.t_last - f0.sys.t);
	if (meter && !ret && d.counted) {
		r->busy_us = busy_per_op(&f0, &f1, speed, d.counted);
		if (isnan(settled))
			bench_log("# dcxbench: W2 %s: TCP not settled %d s after the last completion",
				  dcxb_variant_name(v), DCXB_SETTLE_AFTER_S);
		bench_log("#         W2 %s: TCP settled %.1f ms after the last completion; %.1f k-instructions per disconnect (spinner at %.1f/us)",
			  dcxb_variant_name(v), settled * 1e3, r->busy_us, speed);
	}
	r->p50_us = bench_quantile(d.lat.v, d.lat.n, 0.50);
	r->p99_us = bench_quantile(d.lat.v, d.lat.n, 0.99);
	check_run(c, &f0, &d, r);
	/* The held window's spinner is ours, not a thread the run created. */
	if (scale && c->repeatable && !isnan(r->held_us) && r->threads > 0)
		r->threads--;
out_ring:
	io_uring_queue_exit(&ring);
out:
	slots_close(slots, v->conc);
	bench_samples_free(&d.lat);
	return ret;
}

int dcxb_run_scale(struct dcxb_ctx *c, int n, struct dcxb_result *r)
{
	const struct dcxb_variant v = {
		.workload = 2, .way = DCXB_KERNEL, .conc = n,
	};
	struct slot *slots = slots_new(n);
	int ret;

	dcxb_result_init(r);
	r->kthreads = -1;
	if (!slots)
		return -ENOMEM;
	ret = c->repeatable ? repeatable_start(&v) : 0;
	if (!ret)
		ret = w2_pass(c, &v, slots, true, r);
	free(slots);
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
	if (c->repeatable) {
		ret = repeatable_start(v);
		if (ret) {
			free(slots);
			return ret;
		}
	}
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
