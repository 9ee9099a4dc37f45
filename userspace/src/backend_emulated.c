// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The emulated backend: the disconnect with nothing but socket calls and
 * plain io_uring, for machines without the module.
 *
 *   1. Check the socket as the module does, in the module's order, so the
 *      same errors come back: -EBADF/-ENOTSOCK, -EOPNOTSUPP, -EALREADY,
 *      -ENOTCONN.
 *   2. shutdown(SHUT_WR): the FIN follows every queued byte.
 *   3. Receive with MSG_TRUNC (discarding, without copying) until EOF, so a
 *      full receive window never holds the peer's FIN back.
 *   4. Wait for TCP_CLOSE - everything we sent acknowledged, the peer's FIN
 *      in. There is no wakeup for that transition that poll can see (POLLHUP
 *      and POLLOUT are already set after step 2), so when EOF arrives first
 *      the state is polled with timers of 1, 2, 4 ... 64 ms.
 *   5. With DCX_REUSE_SOCKET, connect(AF_UNSPEC): on a closed socket that
 *      sends nothing and leaves it unconnected, port released, options kept.
 *   On timeout: connect(AF_UNSPEC) on the live connection, which makes the
 *   kernel send an RST (tcp_disconnect()), result -ETIMEDOUT.
 *
 * Differences from the module are listed in README.md and DisconnectEx(3).
 * The one that shapes this file: the operation holds a private dup() of the
 * socket while it runs, so that a program closing its fd (and the number
 * being reused) never points any of our calls at another socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#include "internal.h"

enum {
	DCX_T_RECV = 1,		/* the draining receive */
	DCX_T_DEADLINE,		/* the operation's timeout */
	DCX_T_TICK,		/* a state poll while waiting for TCP_CLOSE */
	DCX_T_AUX,		/* cancel / timeout-remove completions */
};

#define DCX_TICK_MAX_MS		64
#define DCX_DRAIN_LEN		65536
#define DCX_INFLIGHT_BUCKETS	1024

struct dcx_emul_op {
	struct dcx_op op;
	struct dcx_sink sink;
	struct dcx_pending cancel;	/* CancelIoEx() finds it here */
	struct dcx_emul_op *hnext;	/* in-flight table chain */
	dev_t dev;			/* the socket's identity: its inode */
	ino_t ino;
	int fd;				/* our dup of the socket */
	unsigned int flags;
	unsigned int pending;		/* SQEs whose CQE has not come */
	unsigned int tick_ms;
	bool started;			/* owned by the engine */
	bool recv_busy;
	bool deadline_armed;
	bool aborting;
	bool handed_back;		/* result delivered, socket released */
	struct __kernel_timespec ts_deadline;
	struct __kernel_timespec ts_tick;
};

/*
 * Received data is thrown away: with MSG_TRUNC TCP copies nothing, so every
 * operation can share this buffer.
 */
static char dcx_drain_buf[DCX_DRAIN_LEN];

/*
 * Sockets with a disconnect in flight, by inode, to answer -EALREADY as the
 * module does (a dup()ed fd of the same socket counts as the same socket).
 */
static pthread_mutex_t dcx_inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dcx_emul_op *dcx_inflight[DCX_INFLIGHT_BUCKETS];

static struct dcx_emul_op **dcx_inflight_bucket(dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino ^ ((uint64_t)dev << 32)) *
		     0x9E3779B97F4A7C15ULL;

	return &dcx_inflight[h >> (64 - 10)];
}

static bool dcx_inflight_add(struct dcx_emul_op *op)
{
	struct dcx_emul_op **b = dcx_inflight_bucket(op->dev, op->ino), *p;

	pthread_mutex_lock(&dcx_inflight_lock);
	for (p = *b; p; p = p->hnext)
		if (p->dev == op->dev && p->ino == op->ino)
			break;
	if (!p) {
		op->hnext = *b;
		*b = op;
	}
	pthread_mutex_unlock(&dcx_inflight_lock);
	return !p;
}

static void dcx_inflight_remove(struct dcx_emul_op *op)
{
	struct dcx_emul_op **pp = dcx_inflight_bucket(op->dev, op->ino);

	pthread_mutex_lock(&dcx_inflight_lock);
	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == op) {
			*pp = op->hnext;
			break;
		}
	pthread_mutex_unlock(&dcx_inflight_lock);
}

void dcx_emul_atfork_prepare(void)
{
	pthread_mutex_lock(&dcx_inflight_lock);
}

void dcx_emul_atfork_parent(void)
{
	pthread_mutex_unlock(&dcx_inflight_lock);
}

void dcx_emul_atfork_child(void)
{
	struct dcx_emul_op *op;
	size_t i;

	/*
	 * The parent's operations do not run in the child: forget them, and
	 * close the child's copies of their duplicates, which would otherwise
	 * keep the parent's sockets alive after the parent closed them.
	 */
	for (i = 0; i < DCX_INFLIGHT_BUCKETS; i++) {
		for (op = dcx_inflight[i]; op; op = op->hnext)
			if (op->fd >= 0)
				close(op->fd);
		dcx_inflight[i] = NULL;
	}
	pthread_mutex_init(&dcx_inflight_lock, NULL);
}

static int dcx_sockopt_int(int fd, int level, int name, int *val)
{
	socklen_t len = sizeof(*val);

	*val = 0;
	return getsockopt(fd, level, name, val, &len) ? -errno : 0;
}

/* -EBADF, -ENOTSOCK, -EOPNOTSUPP, in the module's order. */
static int dcx_emul_check_socket(int fd, struct stat *st)
{
	char ulp[16] = "";
	socklen_t len = sizeof(ulp);
	int v;

	if (fd < 0 || fstat(fd, st))
		return -EBADF;
	if (!S_ISSOCK(st->st_mode))
		return -ENOTSOCK;
	if (dcx_sockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &v) ||
	    (v != AF_INET && v != AF_INET6))
		return -EOPNOTSUPP;
	if (dcx_sockopt_int(fd, SOL_SOCKET, SO_TYPE, &v) || v != SOCK_STREAM)
		return -EOPNOTSUPP;
	/* MPTCP sockets say IPPROTO_MPTCP here. */
	if (dcx_sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL, &v) ||
	    v != IPPROTO_TCP)
		return -EOPNOTSUPP;
	/* kTLS and other upper layer protocols. */
	if (!getsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, &len) && len && ulp[0])
		return -EOPNOTSUPP;
	if (!dcx_sockopt_int(fd, IPPROTO_TCP, TCP_REPAIR, &v) && v)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * The TCP state, and whether the connection was ever established. The
 * counters survive the end of a connection but are zeroed by
 * tcp_disconnect() (so by a failed connect() too). A connect()ed socket's
 * bytes_acked counts the SYN; an accept()ed one starts with segs_in 1 and
 * nothing sent, and only counts bytes once they flow - so one reset before
 * any byte still shows it. (The module asks the socket, SS_CONNECTED.)
 */
int dcx_tcp_state(int fd, bool *was_established)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -errno;
	if (was_established)
		*was_established = ti.tcpi_bytes_acked || ti.tcpi_bytes_received ||
				   ti.tcpi_data_segs_out ||
				   (ti.tcpi_segs_in && !ti.tcpi_segs_out);
	return ti.tcpi_state;
}

/*
 * How a connection that reached TCP_CLOSE ended, as the module judges it
 * (dcx_verdict()): a reset or an abort is -ECONNRESET, TCP giving up
 * -ETIMEDOUT; otherwise graceful if everything we sent was acknowledged,
 * else -ETIMEDOUT after a soft error (TCP gave up retransmitting) or
 * -ECONNRESET. Reads SO_ERROR, which clears it.
 */
static int dcx_emul_close_result(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int err;

	if (dcx_sockopt_int(fd, SOL_SOCKET, SO_ERROR, &err))
		return 0;
	if (err == ECONNRESET || err == EPIPE || err == ECONNABORTED)
		return -ECONNRESET;
	if (err == ETIMEDOUT)
		return -ETIMEDOUT;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ||
	    (!ti.tcpi_unacked && !ti.tcpi_notsent_bytes))
		return 0;
	return err ? -ETIMEDOUT : -ECONNRESET;
}

/*
 * connect(AF_UNSPEC): tcp_disconnect(). Sends an RST if the connection is
 * still live, nothing if it is closed. Then read SO_ERROR, so the ECONNRESET
 * it records is not reported by the socket's next life.
 */
static void dcx_emul_unconnect(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	int err;

	connect(fd, &sa, sizeof(sa));
	dcx_sockopt_int(fd, SOL_SOCKET, SO_ERROR, &err);
}

static void dcx_emul_hand_back(struct dcx_emul_op *op, int res)
{
	if (op->flags & DCX_REUSE_SOCKET)
		dcx_emul_unconnect(op->fd);
	close(op->fd);
	op->fd = -1;
	dcx_inflight_remove(op);
	op->handed_back = true;
	if (op->started)
		dcx_ring_op_reported(op->op.ring);
	res = dcx_pending_del(&op->cancel, res);
	dcx_sink_complete(&op->sink, res, 0);
}

static void dcx_emul_prep_recv(struct dcx_emul_op *op)
{
	struct io_uring_sqe *sqe = dcx_ring_sqe(op->op.ring);

	io_uring_prep_recv(sqe, op->fd, dcx_drain_buf, DCX_DRAIN_LEN,
			   MSG_TRUNC);
	dcx_sqe_set_op(sqe, &op->op, DCX_T_RECV);
	op->recv_busy = true;
	op->pending++;
}

/*
 * CancelIoEx(): bring the deadline forward to now, so the reaper aborts
 * the disconnect as on a timeout (dcx_emul_abort()), from its own thread;
 * the result becomes the cancel's. A deadline already gone means the
 * operation is ending anyway.
 */
static void dcx_emul_cancel(struct dcx_pending *p, struct dcx_ring *r)
{
	static struct __kernel_timespec now = { 0, 1 };
	struct dcx_emul_op *op = (struct dcx_emul_op *)
		((char *)p - offsetof(struct dcx_emul_op, cancel));
	struct io_uring_sqe *sqe = dcx_ring_sqe(r);

	io_uring_prep_timeout_update(sqe, &now,
				     (uintptr_t)&op->op | DCX_T_DEADLINE, 0);
	io_uring_sqe_set_data64(sqe, 0);
}

/* Follow-up requests, queued from the reaper. */
enum dcx_emul_next {
	DCX_NEXT_RECV,		/* receive (and discard) more */
	DCX_NEXT_TICK,		/* look at the TCP state again later */
	DCX_NEXT_DISARM,	/* remove the deadline */
	DCX_NEXT_CANCEL,	/* cancel the receive */
};

/*
 * If the engine refuses work (its ring is gone) nothing is queued; nothing
 * would complete anyway.
 */
static void dcx_emul_queue(struct dcx_emul_op *op, enum dcx_emul_next next)
{
	struct io_uring_sqe *sqe;

	if (dcx_ring_lock(op->op.ring))
		return;
	switch (next) {
	case DCX_NEXT_RECV:
		dcx_emul_prep_recv(op);
		break;
	case DCX_NEXT_TICK:
		op->tick_ms = op->tick_ms ? op->tick_ms * 2 : 1;
		if (op->tick_ms > DCX_TICK_MAX_MS)
			op->tick_ms = DCX_TICK_MAX_MS;
		op->ts_tick.tv_sec = 0;
		op->ts_tick.tv_nsec = (long long)op->tick_ms * 1000000LL;
		sqe = dcx_ring_sqe(op->op.ring);
		io_uring_prep_timeout(sqe, &op->ts_tick, 0, 0);
		dcx_sqe_set_op(sqe, &op->op, DCX_T_TICK);
		op->pending++;
		break;
	case DCX_NEXT_DISARM:
		sqe = dcx_ring_sqe(op->op.ring);
		io_uring_prep_timeout_remove(sqe, (uintptr_t)&op->op |
					     DCX_T_DEADLINE, 0);
		dcx_sqe_set_op(sqe, &op->op, DCX_T_AUX);
		op->pending++;
		break;
	case DCX_NEXT_CANCEL:
		sqe = dcx_ring_sqe(op->op.ring);
		io_uring_prep_cancel64(sqe, (uintptr_t)&op->op | DCX_T_RECV, 0);
		dcx_sqe_set_op(sqe, &op->op, DCX_T_AUX);
		op->pending++;
		break;
	}
	dcx_ring_unlock(op->op.ring);
}

static void dcx_emul_finish(struct dcx_emul_op *op, int res)
{
	if (op->deadline_armed)
		dcx_emul_queue(op, DCX_NEXT_DISARM);
	dcx_emul_hand_back(op, res);
}

/* The deadline passed: reset the connection, then wait for the receive. */
static void dcx_emul_abort(struct dcx_emul_op *op)
{
	op->aborting = true;
	dcx_emul_unconnect(op->fd);
	if (op->recv_busy)
		dcx_emul_queue(op, DCX_NEXT_CANCEL);
}

/*
 * Whether the disconnect is over in TCP @state. With DCX_REUSE_SOCKET once
 * the socket is in TCP_CLOSE (both FINs sent and acknowledged); without it
 * once the peer has acknowledged our FIN - FIN_WAIT2, or TCP_CLOSE when
 * the connection ended meanwhile - as Windows' DisconnectEx(0) does not
 * wait for the peer's FIN.
 */
static bool dcx_emul_done(const struct dcx_emul_op *op, int state)
{
	if (state == DCX_TCP_CLOSE)
		return true;
	return !(op->flags & DCX_REUSE_SOCKET) &&
	       (state == DCX_TCP_FIN_WAIT2 || state == DCX_TCP_TIME_WAIT);
}

static int dcx_emul_done_result(const struct dcx_emul_op *op, int state)
{
	return state == DCX_TCP_CLOSE ? dcx_emul_close_result(op->fd) : 0;
}

/* EOF seen, or a tick: finish if the disconnect is over, else look later. */
static void dcx_emul_check_done(struct dcx_emul_op *op)
{
	int state = dcx_tcp_state(op->fd, NULL);

	if (dcx_emul_done(op, state))
		dcx_emul_finish(op, dcx_emul_done_result(op, state));
	else
		dcx_emul_queue(op, DCX_NEXT_TICK);
}

static void dcx_emul_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_emul_op *op = (struct dcx_emul_op *)
		((char *)o - offsetof(struct dcx_emul_op, op));

	op->pending--;
	switch (tag) {
	case DCX_T_RECV:
		op->recv_busy = false;
		if (op->aborting || op->handed_back)
			break;
		if (res > 0 || res == -EAGAIN || res == -EINTR)
			dcx_emul_queue(op, DCX_NEXT_RECV);
		else if (res == 0)
			dcx_emul_check_done(op);
		else if (res == -ETIMEDOUT || res == -ECANCELED)
			dcx_emul_finish(op, res);
		else
			dcx_emul_finish(op, -ECONNRESET);
		break;
	case DCX_T_DEADLINE:
		op->deadline_armed = false;
		if (res == -ETIME && !op->handed_back)
			dcx_emul_abort(op);
		break;
	case DCX_T_TICK:
		if (!op->aborting && !op->handed_back)
			dcx_emul_check_done(op);
		break;
	default:
		break;
	}
	if (op->aborting && !op->recv_busy && !op->handed_back)
		dcx_emul_hand_back(op, -ETIMEDOUT);
	if (op->handed_back && !op->pending) {
		struct dcx_ring *r = op->op.ring;

		free(op);
		dcx_ring_op_end(r);
	}
}

/*
 * What the socket's TCP state means for a disconnect starting now: 0 and
 * whether to shut it down first (*shut) or whether it is over already
 * (*over), or the error the module gives (-ENOTCONN).
 */
static int dcx_emul_classify(int state, bool established, bool reuse,
			     bool *shut, bool *over)
{
	*shut = false;
	*over = false;
	switch (state) {
	case DCX_TCP_ESTABLISHED:
	case DCX_TCP_CLOSE_WAIT:
		*shut = true;
		return 0;
	case DCX_TCP_FIN_WAIT1:
	case DCX_TCP_CLOSING:
	case DCX_TCP_LAST_ACK:
		/* Already shut down for sending, FIN not acknowledged yet. */
		return 0;
	case DCX_TCP_FIN_WAIT2:
	case DCX_TCP_TIME_WAIT:
		/* Our FIN is acknowledged: over, unless waiting for the peer's. */
		*over = !reuse;
		return 0;
	case DCX_TCP_CLOSE:
		/* Never connected, or connected once and already ended. */
		*over = true;
		return established ? 0 : -ENOTCONN;
	default:
		/* Listening or still connecting; or getsockopt failed. */
		return state < 0 ? state : -ENOTCONN;
	}
}

/*
 * 0: started, the sink will be called; 1: over already, the sink has been
 * called; -errno: refused, with no side effect, the sink will not be called.
 */
int dcx_emul_submit(int fd, unsigned int flags, unsigned int timeout_ms,
		    struct dcx_sink *sink)
{
	bool reuse = flags & DCX_REUSE_SOCKET, established = false;
	bool shut, over;
	struct io_uring_sqe *sqe;
	struct dcx_emul_op *op;
	struct dcx_ring *r;
	struct stat st;
	int ret, state;

	/* The module's first check, and its cap on timeouts. */
	if ((flags & ~DCX_FLAGS_ALL) || timeout_ms > DCX_TIMEOUT_MAX_MS)
		return -EINVAL;
	ret = dcx_emul_check_socket(fd, &st);
	if (ret)
		return ret;

	op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	op->op.fn = dcx_emul_cqe;
	op->dev = st.st_dev;
	op->ino = st.st_ino;
	op->flags = flags;
	op->fd = -1;
	if (!timeout_ms)
		timeout_ms = DCX_DEFAULT_TIMEOUT_MS;
	op->ts_deadline.tv_sec = timeout_ms / 1000;
	op->ts_deadline.tv_nsec = (long long)(timeout_ms % 1000) * 1000000LL;

	if (!dcx_inflight_add(op)) {
		ret = -EALREADY;
		goto err_free;
	}

	state = dcx_tcp_state(fd, &established);
	ret = dcx_emul_classify(state, established, reuse, &shut, &over);
	if (ret)
		goto err_claim;

	op->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (op->fd < 0) {
		ret = -errno;
		goto err_claim;
	}

	r = dcx_pending_begin(&op->cancel, &op->op, &op->sink, fd, sink,
			      dcx_emul_cancel, true, &ret);
	if (!r)
		goto err_close;
	/* Under the ring's lock so a failure above has had no side effect. */
	if (shut) {
		if (shutdown(op->fd, SHUT_WR) && errno != ENOTCONN) {
			ret = -errno;
			dcx_ring_unlock(r);
			goto err_close;
		}
		/*
		 * On loopback the peer's ACK of the FIN is usually processed
		 * before shutdown() returns.
		 */
		state = dcx_tcp_state(op->fd, NULL);
		over = dcx_emul_done(op, state);
	}
	if (over) {
		/*
		 * Nothing to wait for (with reuse: just make it reusable).
		 * Without reuse, as in the module, an end that came before
		 * the request is not news.
		 */
		dcx_ring_unlock(r);
		dcx_emul_hand_back(op, shut || reuse ?
				   dcx_emul_done_result(op, state) : 0);
		free(op);
		return 1;
	}
	sqe = dcx_ring_sqe(r);
	io_uring_prep_timeout(sqe, &op->ts_deadline, 0, 0);
	dcx_sqe_set_op(sqe, &op->op, DCX_T_DEADLINE);
	op->deadline_armed = true;
	op->pending++;
	if (reuse) {
		/* Discard what the peer still sends, so its FIN gets in. */
		dcx_emul_prep_recv(op);
	} else {
		/* The program goes on reading; only the state is watched. */
		op->tick_ms = 1;
		op->ts_tick.tv_nsec = 1000000LL;
		sqe = dcx_ring_sqe(r);
		io_uring_prep_timeout(sqe, &op->ts_tick, 0, 0);
		dcx_sqe_set_op(sqe, &op->op, DCX_T_TICK);
		op->pending++;
	}
	op->started = true;
	dcx_ring_op_start(r);
	dcx_pending_arm(&op->cancel, r);
	/*
	 * From here the ring's reaper owns @op. An error means the ring is
	 * gone for good: nothing will complete, so report it.
	 */
	return dcx_ring_unlock(r);

err_close:
	dcx_pending_del(&op->cancel, 0);
	close(op->fd);
err_claim:
	dcx_inflight_remove(op);
err_free:
	free(op);
	return ret;
}
