// SPDX-License-Identifier: GPL-2.0
/*
 * disconnectex: the disconnect state machine.
 *
 * An operation is a small object that holds a reference on the socket's file
 * and is driven by three event sources, all of which only record the event
 * and "kick" the operation:
 *
 *  - a wait-queue entry on sk_sleep(sk), woken by the socket's state changes
 *    and data arrivals (as vhost-net listens to its sockets);
 *  - a timer for the operation's timeout;
 *  - an abort request from f_op->flush or from a killed ioctl caller.
 *
 * Whoever raises @kicks from zero owns the operation and runs it until it
 * brings @kicks back to zero, the scheme of io_uring's own poll requests
 * (io_poll_get_ownership()). The owner runs in process context, so it can
 * take the socket lock, drain the receive queue, abort or recycle the socket
 * and complete the request. It is:
 *
 *  - for io_uring, the submitter's task_work (io_uring_cmd_complete_in_task()),
 *    which io_uring itself moves to a worker if the task is exiting: no
 *    thread or context switch of our own between the peer's FIN and the CQE;
 *  - for the ioctl, the calling thread, asleep in the ioctl between events.
 *
 * No thread sleeps for an operation: ten thousand operations in flight cost
 * ten thousand of these objects and nothing else.
 *
 * Lifetime: only the owner finishes an operation. It first stops every event
 * source (removes the wait-queue entry, deletes the timer, unlinks from the
 * device file under its lock so flush can no longer find it); after that
 * nothing can kick the operation, and the owner completes and frees it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/io_uring.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/wait.h>
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

	/* Exactly one of these is set: io_uring command or ioctl caller. */
	struct io_uring_cmd	*cmd;
	struct task_struct	*waiter;

	struct wait_queue_entry	wait;
	struct timer_list	timer;
	struct list_head	df_node;	/* in df->ops, under df->lock */
	struct hlist_node	busy_node;	/* in dcx_busy, by sk */

	atomic_t		kicks;		/* events not yet seen by the owner */
	unsigned long		events;
	unsigned int		timeout_ms;
	u32			flags;
	int			sk_err;		/* an error the drain consumed */
	int			result;		/* for the ioctl caller */
	bool			started;	/* wait entry and timer armed */
};

/* io_uring_cmd's free space holds our pointer for the task_work callback. */
static_assert(sizeof(struct dcx_op *) <= sizeof_field(struct io_uring_cmd, pdu));

static struct kmem_cache *dcx_op_cache;

/*
 * Sockets with an operation in flight, for -EALREADY. Keyed by the socket
 * rather than the fd: two fds (dup, SCM_RIGHTS) name the same connection.
 */
static DEFINE_HASHTABLE(dcx_busy, 12);
static DEFINE_SPINLOCK(dcx_busy_lock);

static void dcx_task_work(struct io_uring_cmd *cmd, unsigned int issue_flags);

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
	/* Bit-field: a plain read; dcx_start() checks again under the lock. */
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

/* Tell the owner there is something to look at; become it if there is none. */
static void dcx_kick(struct dcx_op *op)
{
	if (atomic_fetch_inc(&op->kicks))
		return;
	if (op->cmd)
		io_uring_cmd_complete_in_task(op->cmd, dcx_task_work);
	else
		wake_up_process(op->waiter);
}

static void dcx_signal(struct dcx_op *op, int event)
{
	set_bit(event, &op->events);
	dcx_kick(op);
}

/* Something the owner must act on: data to discard, an end, an error. */
static bool dcx_sk_pending(const struct sock *sk)
{
	return READ_ONCE(sk->sk_state) == TCP_CLOSE ||
	       !skb_queue_empty_lockless(&sk->sk_receive_queue) ||
	       READ_ONCE(sk->sk_err);
}

static int dcx_wake(struct wait_queue_entry *wait, unsigned int mode,
		    int sync, void *key)
{
	struct dcx_op *op = container_of(wait, struct dcx_op, wait);

	/*
	 * Write space and the step to FIN_WAIT2 need nothing from us; the
	 * waker's key is not enough to tell (state changes carry none), the
	 * socket is.
	 */
	if (dcx_sk_pending(op->sk))
		dcx_kick(op);
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

/*
 * Stop every event source and give back what the operation holds; after
 * this nothing can kick @op. Only the owner calls it, or the submitter
 * before anyone else could see @op.
 */
static void dcx_release(struct dcx_op *op)
{
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

	fput(op->sock_file);
	atomic_long_dec(&dcx_stats.inflight);
}

/* The end, exactly once: the ioctl caller frees @op itself. */
static void dcx_finish(struct dcx_op *op, int result, unsigned int issue_flags)
{
	struct io_uring_cmd *cmd = op->cmd;

	dcx_release(op);
	if (op->started)
		dcx_count(result);
	else
		atomic_long_inc(&dcx_stats.rejected);

	if (!cmd) {
		op->result = result;
		return;
	}
	kmem_cache_free(dcx_op_cache, op);
	io_uring_cmd_done(cmd, result, 0, issue_flags);
}

/*
 * One look at the operation, by its owner. Returns true once it has ended
 * (and, for io_uring, @op is gone).
 */
static bool dcx_step(struct dcx_op *op, unsigned int issue_flags)
{
	struct sock *sk = op->sk;
	int result, err;

	if (!op->started) {
		err = dcx_start(op);
		if (err) {
			dcx_finish(op, err, issue_flags);
			return true;
		}
	}

	/* Still more arriving: look again, after the owner's loop test. */
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue) && dcx_drain(op))
		atomic_inc(&op->kicks);

	if (READ_ONCE(sk->sk_state) == TCP_CLOSE) {
		result = dcx_close_result(op);
	} else if (test_bit(DCX_EV_TIMEOUT, &op->events)) {
		result = -ETIMEDOUT;
		tcp_abort(sk, ETIMEDOUT);
	} else if (test_bit(DCX_EV_ABORT, &op->events)) {
		result = -ECANCELED;
		tcp_abort(sk, ECONNABORTED);
	} else {
		return false;	/* wait for the next event */
	}

	if (op->flags & DCX_REUSE_SOCKET)
		dcx_recycle(op);
	dcx_finish(op, result, issue_flags);
	return true;
}

/*
 * io_uring's owner: the submitter's task_work, until the operation ends or
 * no kick is left unseen.
 */
static void dcx_task_work(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dcx_op *op = *(struct dcx_op **)cmd->pdu;
	int seen;

	do {
		seen = atomic_read(&op->kicks);
		if (dcx_step(op, issue_flags))
			return;
	} while (atomic_sub_return(seen, &op->kicks));
}

static struct dcx_op *dcx_op_create(struct dcx_dev_file *df,
				    const struct dcx_disconnect *req,
				    struct io_uring_cmd *cmd, int *err)
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
	op->cmd = cmd;
	if (!cmd)
		op->waiter = current;
	op->flags = req->flags;
	op->timeout_ms = req->timeout_ms ?: READ_ONCE(dcx_default_timeout_ms);
	/* Born owned by the submitter, who starts it. */
	atomic_set(&op->kicks, 1);
	init_waitqueue_func_entry(&op->wait, dcx_wake);
	timer_setup(&op->timer, dcx_timeout, 0);
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

/* A request that failed a check: undo dcx_op_create(). */
static void dcx_reject(struct dcx_op *op)
{
	dcx_release(op);
	atomic_long_inc(&dcx_stats.rejected);
	kmem_cache_free(dcx_op_cache, op);
}

/*
 * io_uring issue path: the checks and the FIN, then back to io_uring; the
 * rest happens in task_work when the socket has news. Never waits on the
 * network, never returns > 0. The socket lock is the one wait it may have,
 * as IORING_OP_SEND has; and not even that when io_uring asks for a
 * nonblocking issue and the lock is taken, when task_work starts instead.
 */
int dcx_disconnect_async(struct dcx_dev_file *df,
			 const struct dcx_disconnect *req,
			 struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dcx_op *op;
	int err;

	op = dcx_op_create(df, req, cmd, &err);
	if (!op)
		return err;
	*(struct dcx_op **)cmd->pdu = op;

	if ((issue_flags & IO_URING_F_NONBLOCK) &&
	    sock_owned_by_user_nocheck(op->sk)) {
		io_uring_cmd_complete_in_task(cmd, dcx_task_work);
		return -EIOCBQUEUED;
	}

	err = dcx_start(op);
	if (err) {
		dcx_reject(op);
		return err;
	}
	/* Anything already there (data, an end) is ours to look at. */
	if (dcx_sk_pending(op->sk))
		atomic_inc(&op->kicks);
	/* Hand over: to task_work now if events came, else to the first. */
	if (atomic_dec_return(&op->kicks))
		io_uring_cmd_complete_in_task(cmd, dcx_task_work);
	return -EIOCBQUEUED;
}

/* ioctl: the same machinery, and the caller is the owner throughout. */
int dcx_disconnect_sync(struct dcx_dev_file *df,
			const struct dcx_disconnect *req)
{
	struct dcx_op *op;
	int err, seen;

	op = dcx_op_create(df, req, NULL, &err);
	if (!op)
		return err;

	err = dcx_start(op);
	if (err) {
		dcx_reject(op);
		return err;
	}

	for (;;) {
		set_current_state(TASK_KILLABLE);
		/* Dying: abort rather than sit out the timeout. */
		if (fatal_signal_pending(current) &&
		    !test_and_set_bit(DCX_EV_ABORT, &op->events))
			atomic_inc(&op->kicks);
		seen = atomic_read(&op->kicks);
		if (!seen) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		if (dcx_step(op, 0))
			break;
		atomic_sub(seen, &op->kicks);
		cond_resched();
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
	return dcx_op_cache ? 0 : -ENOMEM;
}

void dcx_disconnect_exit(void)
{
	/* The device is gone and unused: no operation is left. */
	kmem_cache_destroy(dcx_op_cache);
}
