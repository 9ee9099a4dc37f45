// SPDX-License-Identifier: GPL-2.0
/*
 * disconnectex: the disconnect state machine.
 *
 * An operation is a small object that holds a reference on the socket's file
 * and is driven by three event sources, all of which only set a bit and queue
 * the operation's work item:
 *
 *  - a wait-queue entry on sk_sleep(sk), woken by the socket's state changes
 *    and data arrivals (as vhost-net listens to its sockets);
 *  - a timer for the operation's timeout;
 *  - an abort request from f_op->flush or from a killed ioctl caller.
 *
 * The work item runs in process context on dcx_wq, so it can take the socket
 * lock, drain the receive queue, abort or recycle the socket, and complete
 * the io_uring command. No thread sleeps for an operation: ten thousand
 * operations in flight cost ten thousand of these objects and nothing else.
 *
 * Lifetime: the work item is the only place that finishes an operation. It
 * first stops every event source (removes the wait-queue entry, deletes the
 * timer, unlinks from the device file under its lock so flush can no longer
 * find it), then cancels a possibly re-queued instance of itself, and only
 * then completes and frees. A work function may free its own work item.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/io_uring.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "dcx.h"

enum {
	DCX_EV_TIMEOUT,		/* the timer fired */
	DCX_EV_ABORT,		/* flush or a killed waiter asked to abort */
};

struct dcx_op {
	struct sock		*sk;
	struct socket		*sock;
	struct file		*sock_file;	/* our reference keeps @sk alive */
	struct dcx_dev_file	*df;
	fl_owner_t		owner;		/* files of the submitter */

	/* Exactly one of these is set: io_uring command or ioctl waiter. */
	struct io_uring_cmd	*cmd;
	struct completion	*done;

	struct wait_queue_entry	wait;
	struct timer_list	timer;
	struct work_struct	work;
	struct list_head	df_node;	/* in df->ops, under df->lock */
	struct hlist_node	busy_node;	/* in dcx_busy, by sk */

	unsigned long		events;
	unsigned int		timeout_ms;
	u32			flags;
	int			sk_err;		/* an error the drain consumed */
	int			result;
	bool			started;	/* wait entry and timer armed */
};

static struct kmem_cache *dcx_op_cache;
static struct workqueue_struct *dcx_wq;

/*
 * Sockets with an operation in flight, for -EALREADY. Keyed by the socket
 * rather than the fd: two fds (dup, SCM_RIGHTS) name the same connection.
 */
static DEFINE_HASHTABLE(dcx_busy, 12);
static DEFINE_SPINLOCK(dcx_busy_lock);

static bool dcx_sock_supported(struct sock *sk)
{
	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return false;
	if (sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP)
		return false;
	/* kTLS, MPTCP subflows and other upper layer protocols. */
	if (READ_ONCE(inet_csk(sk)->icsk_ulp_ops))
		return false;
	/* sockmap and kTLS replace sk_prot; we drive plain TCP only. */
	if (READ_ONCE(sk->sk_prot)->recvmsg != tcp_recvmsg)
		return false;
	/* Bit-field: a plain read; the worker checks again under the lock. */
	return !tcp_sk(sk)->repair;
}

static bool dcx_claim(struct dcx_op *op)
{
	struct dcx_op *other;
	bool claimed = true;

	spin_lock(&dcx_busy_lock);
	hash_for_each_possible(dcx_busy, other, busy_node, (unsigned long)op->sk) {
		if (other->sk == op->sk) {
			claimed = false;
			break;
		}
	}
	if (claimed)
		hash_add(dcx_busy, &op->busy_node, (unsigned long)op->sk);
	spin_unlock(&dcx_busy_lock);
	return claimed;
}

static void dcx_signal(struct dcx_op *op, int event)
{
	set_bit(event, &op->events);
	queue_work(dcx_wq, &op->work);
}

static int dcx_wake(struct wait_queue_entry *wait, unsigned int mode,
		    int sync, void *key)
{
	struct dcx_op *op = container_of(wait, struct dcx_op, wait);
	__poll_t mask = key_to_poll(key);

	/* State changes carry no key; write space is of no interest. */
	if (!mask || (mask & (EPOLLIN | EPOLLRDNORM | EPOLLRDHUP |
			      EPOLLHUP | EPOLLERR)))
		queue_work(dcx_wq, &op->work);
	return 0;
}

static void dcx_timeout(struct timer_list *t)
{
	struct dcx_op *op = from_timer(op, t, timer);

	dcx_signal(op, DCX_EV_TIMEOUT);
}

/*
 * Check the connection state and start the graceful close: the FIN is queued
 * behind every byte already in the send queue. Fails with no side effect.
 */
static int dcx_start(struct dcx_op *op)
{
	struct sock *sk = op->sk;
	bool reuse = op->flags & DCX_REUSE_SOCKET;
	int err = 0;

	lock_sock(sk);
	if (!dcx_sock_supported(sk)) {
		err = -EOPNOTSUPP;
		goto out;
	}

	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		/* A non-blocking connect() that completed, as inet_shutdown(). */
		if (op->sock->state == SS_CONNECTING)
			op->sock->state = SS_CONNECTED;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		sk->sk_prot->shutdown(sk, SEND_SHUTDOWN);
		sk->sk_state_change(sk);
		break;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		/* Already shut down for sending: only reuse has work left. */
		if (!reuse)
			err = -ENOTCONN;
		break;
	case TCP_CLOSE:
		/* Ended after a connection (SS_CONNECTED), or never connected. */
		if (!reuse || op->sock->state != SS_CONNECTED)
			err = -ENOTCONN;
		break;
	default:	/* listening or still connecting */
		err = -ENOTCONN;
		break;
	}
	if (err)
		goto out;

	add_wait_queue(sk_sleep(sk), &op->wait);
	mod_timer(&op->timer, jiffies + msecs_to_jiffies(op->timeout_ms));
	op->started = true;
out:
	release_sock(sk);
	return err;
}

/*
 * Throw away what the peer sent: a receive queue that fills our window would
 * hold back the peer's FIN forever. MSG_TRUNC makes TCP discard without
 * copying, and reading opens the window again. Returns true if data was
 * still arriving when we stopped, so the caller comes back for more.
 */
static bool dcx_drain(struct dcx_op *op)
{
	struct kvec vec = { .iov_base = NULL, .iov_len = INT_MAX };
	int rounds = 8;

	while (rounds--) {
		struct msghdr msg = { };
		int ret;

		ret = kernel_recvmsg(op->sock, &msg, &vec, 1, INT_MAX,
				     MSG_DONTWAIT | MSG_TRUNC);
		if (ret > 0)
			continue;
		/* recvmsg() hands out a reset as sk_err once: keep it. */
		if (ret < 0 && ret != -EAGAIN && ret != -ENOTCONN)
			op->sk_err = -ret;
		return false;
	}
	return true;
}

/* The result of a connection that reached TCP_CLOSE on its own. */
static int dcx_close_result(struct dcx_op *op)
{
	int err = READ_ONCE(op->sk->sk_err) ?: op->sk_err;

	if (!err)
		return 0;
	return err == ETIMEDOUT ? -ETIMEDOUT : -ECONNRESET;
}

/*
 * Back to unconnected without an RST: tcp_disconnect() on a socket already
 * in TCP_CLOSE only clears its state, as connect(AF_UNSPEC) does. The
 * ephemeral port went back when the socket entered TCP_CLOSE; an explicitly
 * bound address and port stay. TIME_WAIT lives in the timewait sock.
 */
static void dcx_recycle(struct dcx_op *op)
{
	struct sock *sk = op->sk;

	lock_sock(sk);
	/* Unless the owner raced us with a connect() of its own. */
	if (sk->sk_state == TCP_CLOSE) {
		sk->sk_prot->disconnect(sk, 0);
		op->sock->state = SS_UNCONNECTED;
		WRITE_ONCE(sk->sk_err, 0);
		atomic_long_inc(&dcx_stats.reused);
	}
	release_sock(sk);
}

static void dcx_count(int result)
{
	atomic_long_inc(&dcx_stats.completed);
	switch (result) {
	case 0:
		atomic_long_inc(&dcx_stats.graceful);
		break;
	case -ETIMEDOUT:
		atomic_long_inc(&dcx_stats.timedout);
		break;
	case -ECANCELED:
		atomic_long_inc(&dcx_stats.canceled);
		break;
	default:
		atomic_long_inc(&dcx_stats.reset);
		break;
	}
}

/* Stop every event source, then hand the result over, exactly once. */
static void dcx_finish(struct dcx_op *op, int result)
{
	struct io_uring_cmd *cmd = op->cmd;

	if (op->started) {
		remove_wait_queue(sk_sleep(op->sk), &op->wait);
		del_timer_sync(&op->timer);
	}

	spin_lock(&op->df->lock);
	list_del_init(&op->df_node);
	spin_unlock(&op->df->lock);

	spin_lock(&dcx_busy_lock);
	hash_del(&op->busy_node);
	spin_unlock(&dcx_busy_lock);

	/* Nothing can queue us any more; drop an instance queued before. */
	cancel_work(&op->work);

	fput(op->sock_file);
	atomic_long_dec(&dcx_stats.inflight);
	if (op->started)
		dcx_count(result);
	else
		atomic_long_inc(&dcx_stats.rejected);

	if (!cmd) {
		/* The ioctl caller owns @op and frees it. */
		op->result = result;
		complete(op->done);
		return;
	}
	kmem_cache_free(dcx_op_cache, op);
	io_uring_cmd_done(cmd, result, 0, IO_URING_F_UNLOCKED);
}

static void dcx_work(struct work_struct *work)
{
	struct dcx_op *op = container_of(work, struct dcx_op, work);
	struct sock *sk = op->sk;
	int result, err;

	if (!op->started) {
		err = dcx_start(op);
		if (err) {
			dcx_finish(op, err);
			return;
		}
	}

	if (dcx_drain(op))
		queue_work(dcx_wq, &op->work);

	if (READ_ONCE(sk->sk_state) == TCP_CLOSE) {
		result = dcx_close_result(op);
	} else if (test_bit(DCX_EV_TIMEOUT, &op->events)) {
		result = -ETIMEDOUT;
		tcp_abort(sk, ETIMEDOUT);
	} else if (test_bit(DCX_EV_ABORT, &op->events)) {
		result = -ECANCELED;
		tcp_abort(sk, ECONNABORTED);
	} else {
		return;		/* wait for the next event */
	}

	if (op->flags & DCX_REUSE_SOCKET)
		dcx_recycle(op);
	dcx_finish(op, result);
}

static struct dcx_op *dcx_op_create(struct dcx_dev_file *df,
				    const struct dcx_disconnect *req, int *err)
{
	struct dcx_op *op;
	struct socket *sock;
	struct file *file;

	if (req->reserved || (req->flags & ~DCX_FLAGS_ALL)) {
		*err = -EINVAL;
		return NULL;
	}

	file = fget(req->fd);
	if (!file) {
		*err = -EBADF;
		return NULL;
	}
	sock = sock_from_file(file);
	if (!sock) {
		*err = -ENOTSOCK;
		goto err_fput;
	}
	if (!sock->sk || !dcx_sock_supported(sock->sk)) {
		*err = -EOPNOTSUPP;
		goto err_fput;
	}

	op = kmem_cache_zalloc(dcx_op_cache, GFP_KERNEL_ACCOUNT);
	if (!op) {
		*err = -ENOMEM;
		goto err_fput;
	}
	op->sk = sock->sk;
	op->sock = sock;
	op->sock_file = file;
	op->df = df;
	op->owner = current->files;
	op->flags = req->flags;
	op->timeout_ms = req->timeout_ms ?: READ_ONCE(dcx_default_timeout_ms);
	init_waitqueue_func_entry(&op->wait, dcx_wake);
	timer_setup(&op->timer, dcx_timeout, 0);
	INIT_WORK(&op->work, dcx_work);
	INIT_LIST_HEAD(&op->df_node);

	if (!dcx_claim(op)) {
		*err = -EALREADY;
		goto err_free;
	}

	spin_lock(&df->lock);
	list_add_tail(&op->df_node, &df->ops);
	spin_unlock(&df->lock);
	atomic_long_inc(&dcx_stats.submitted);
	atomic_long_inc(&dcx_stats.inflight);
	return op;

err_free:
	kmem_cache_free(dcx_op_cache, op);
err_fput:
	fput(file);
	return NULL;
}

/*
 * io_uring issue path: checks that need no socket lock, then hand over to
 * the workqueue. Never sleeps on the connection, never returns > 0.
 */
int dcx_disconnect_async(struct dcx_dev_file *df,
			 const struct dcx_disconnect *req,
			 struct io_uring_cmd *cmd)
{
	struct dcx_op *op;
	int err;

	op = dcx_op_create(df, req, &err);
	if (!op)
		return err;
	op->cmd = cmd;
	queue_work(dcx_wq, &op->work);
	return -EIOCBQUEUED;
}

/* ioctl: the same machinery, and the caller waits for the end. */
int dcx_disconnect_sync(struct dcx_dev_file *df,
			const struct dcx_disconnect *req)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct dcx_op *op;
	int err;

	op = dcx_op_create(df, req, &err);
	if (!op)
		return err;
	op->done = &done;
	queue_work(dcx_wq, &op->work);

	if (wait_for_completion_killable(&done)) {
		/* Dying: abort rather than sit out the timeout. */
		spin_lock(&df->lock);
		if (!list_empty(&op->df_node))
			dcx_signal(op, DCX_EV_ABORT);
		spin_unlock(&df->lock);
		wait_for_completion(&done);
	}
	err = op->result;
	kmem_cache_free(dcx_op_cache, op);
	return err;
}

/*
 * f_op->flush: the owner is closing its device fd (or exiting, which closes
 * it too). 6.1 cannot cancel a uring_cmd, so abort the owner's operations
 * here; otherwise exit would wait out their timeouts.
 */
void dcx_abort_owner(struct dcx_dev_file *df, fl_owner_t owner)
{
	struct dcx_op *op;

	spin_lock(&df->lock);
	list_for_each_entry(op, &df->ops, df_node) {
		if (op->owner == owner)
			dcx_signal(op, DCX_EV_ABORT);
	}
	spin_unlock(&df->lock);
}

int dcx_disconnect_init(void)
{
	dcx_op_cache = KMEM_CACHE(dcx_op, SLAB_ACCOUNT);
	if (!dcx_op_cache)
		return -ENOMEM;

	/*
	 * Work items run briefly and never sleep on the network; lock_sock()
	 * is the only wait, so the shared per-CPU worker pools serve any
	 * number of operations in flight without a thread of our own.
	 */
	dcx_wq = alloc_workqueue("disconnectex", 0, 0);
	if (!dcx_wq) {
		kmem_cache_destroy(dcx_op_cache);
		return -ENOMEM;
	}
	return 0;
}

void dcx_disconnect_exit(void)
{
	/* The device is gone and unused: whatever still runs is a last fput. */
	destroy_workqueue(dcx_wq);
	kmem_cache_destroy(dcx_op_cache);
}
