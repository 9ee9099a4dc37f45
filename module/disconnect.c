// SPDX-License-Identifier: GPL-2.0
/*
 * disconnectex: the disconnect state machine.
 *
 * An operation is a small object that holds a reference on the socket's file
 * and is driven by event sources that only record the event and "kick" the
 * operation:
 *
 *  - a wait-queue entry on sk_sleep(sk), woken by the socket's state changes
 *    and data arrivals (as vhost-net listens to its sockets);
 *  - the device file's watch, a work item that once a second looks at every
 *    operation submitted through it: whether an io_uring one's ring or
 *    submitter went away (compat.h), and whose timeout is near, for which
 *    it arms the operation's timer (so that a hundred thousand waiting
 *    operations cost one pass a second, not as many timer firings);
 *  - the operation's timer, for its timeout and the owner's yields: armed
 *    at the start for a timeout already near, by the watch for a far one,
 *    in the wheel's fine slots (within 8 jiffies), and by an owner that
 *    yields. A disconnect that ends before its timeout is near, without
 *    yielding, never arms it: a far timeout depends on the watch's passes;
 *  - an abort: DCX_IOC_CANCEL, f_op->flush, a killed ioctl caller.
 *
 * Whoever raises @kicks from zero owns the operation and runs it until it
 * brings @kicks back to zero, the scheme of io_uring's own poll requests
 * (io_poll_get_ownership()). The owner runs in process context, so it can
 * take the socket lock, discard what arrives, abort or recycle the socket and
 * complete the request. It is:
 *
 *  - for io_uring, the submitter's task_work (io_uring_cmd_complete_in_task()),
 *    which io_uring itself moves to a worker if the task is exiting: no
 *    thread or context switch of our own between the peer's FIN and the CQE;
 *  - for the ioctl, a work item on our workqueue, while the caller sleeps on
 *    a completion. The caller never runs the machine: a signal only makes it
 *    leave the kernel so that its signal handlers and task_work (its own
 *    io_uring completions) run, and the restarted ioctl collects the result.
 *
 * Every step runs under the socket lock, so that what it looks at (state,
 * error, sk_disconnects) cannot change under it, and it ends only the
 * connection the operation was started for: if the program disconnected the
 * socket itself meanwhile (sk_disconnects moved), the operation lets go.
 *
 * No thread sleeps for an io_uring operation: ten thousand in flight cost ten
 * thousand of these objects and nothing else.
 *
 * Lifetime: only the owner finishes an operation. It first stops every event
 * source (removes the wait-queue entry, unlinks it from the device file,
 * where the watch and flush find it, then deletes the timer if it was
 * ever armed, which the watch may do until then, and unlinks it from the
 * busy table, where cancel finds it); after that nothing can kick the
 * operation.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/io_uring.h>
#include <linux/net.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "dcx.h"

/* How often the device file's watch looks at its operations. */
#define DCX_WATCH_JIFFIES	HZ
/*
 * A timeout this near gets its timer in the wheel's fine slots: at the
 * start, or from the watch's last pass before it (two, should a pass come
 * late).
 */
#define DCX_NEAR_JIFFIES	(2 * DCX_WATCH_JIFFIES)
/* Operations the watch looks at under the lock before it lets go a while. */
#define DCX_WATCH_BATCH		256
/*
 * At most this much is discarded per run of the owner, however fast data
 * arrives; then it yields until the next jiffy (dcx_yield()).
 */
#define DCX_DRAIN_BUDGET	(1024 * 1024)

enum {
	DCX_EV_TIMEOUT,		/* the timeout expired */
	DCX_EV_ABORT,		/* cancelled, or the owner went away */
	DCX_EV_RESUME,		/* the owner yielded: the timer runs it again */
};

/* What a step leaves the owner to do. */
enum dcx_next {
	DCX_WAIT,		/* nothing until the next event */
	DCX_AGAIN,		/* the run's budget is spent: yield, come back */
	DCX_DONE,		/* finished; @op may be gone */
};

struct dcx_op {
	struct sock		*sk;
	struct socket		*sock;
	struct file		*sock_file;	/* our reference keeps @sk alive */
	struct dcx_dev_file	*df;
	fl_owner_t		owner;		/* files of the submitter */

	/* io_uring: the command; NULL for an ioctl (struct dcx_ioctl_op). */
	struct io_uring_cmd	*cmd;

	struct wait_queue_entry	wait;
	struct timer_list	timer;
	struct list_head	df_node;	/* in df->ops, under df->lock */
	struct hlist_node	busy_node;	/* in dcx_busy, by sk */

	atomic_t		kicks;		/* events not yet seen by the owner */
	unsigned long		events;
	unsigned long		deadline;	/* jiffies */
	int			disconnects;	/* sk->sk_disconnects at the start */
	u32			flags;
	bool			started;	/* checks passed, events armed */
	bool			ended;		/* ended before the request came */
	bool			armed;		/* the timer was armed once */
};

/*
 * What only the ioctl needs, around its operation: io_uring operations, the
 * ones that come by the hundred thousand, stay small.
 */
struct dcx_ioctl_op {
	struct dcx_op		op;
	struct file		*dev_file;	/* keeps @op.df alive until freed */
	struct work_struct	work;		/* the owner */
	struct completion	done;
	refcount_t		refs;		/* the operation's, the caller's */
	int			result;
	struct task_struct	*waiter;	/* parked: the interrupted caller */
	struct dcx_disconnect	req;		/* parked: what it asked for */
	struct list_head	park_node;	/* in df->parked, under df->lock */
};

static struct dcx_ioctl_op *dcx_iop(struct dcx_op *op)
{
	return container_of(op, struct dcx_ioctl_op, op);
}

/* io_uring_cmd's free space holds our pointer for the task_work callback. */
static_assert(sizeof(struct dcx_op *) <= sizeof_field(struct io_uring_cmd, pdu));

static struct kmem_cache *dcx_op_cache;
static struct workqueue_struct *dcx_wq;
static struct workqueue_struct *dcx_watch_wq;

/*
 * Sockets with an operation in flight, for -EALREADY and cancel. Keyed by the
 * socket rather than the fd: two fds (dup, SCM_RIGHTS) name one connection.
 */
static DEFINE_HASHTABLE(dcx_busy, 12);
static DEFINE_SPINLOCK(dcx_busy_lock);

/*
 * What a new AF_INET6 TCP socket has, for a dual-stack socket recycled after
 * an IPv4-mapped connection: tcp_disconnect() keeps the mapped (IPv4) ops,
 * and tcp_v6_connect() to a native IPv6 address would then send an IPv4 SYN
 * to the old peer. The natives are not exported; a kernel socket shows them.
 */
static struct {
	const struct inet_connection_sock_af_ops *af_ops;
	int (*backlog_rcv)(struct sock *sk, struct sk_buff *skb);
#ifdef CONFIG_TCP_MD5SIG
	const struct tcp_sock_af_ops *af_specific;
#endif
} dcx_inet6;

static void dcx_task_work(struct io_uring_cmd *cmd, unsigned int issue_flags);

static int dcx_rejected(int err)
{
	atomic_long_inc(&dcx_stats.rejected);
	return err;
}

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
	/* KCM, strparser, NBD, ...: an in-kernel reader owns the socket. */
	if (rcu_access_pointer(__sk_user_data(sk)))
		return false;
	/* Bit-field: a plain read; dcx_start() checks again under the lock. */
	return !tcp_sk(sk)->repair;
}

static struct dcx_op *dcx_busy_find(const struct sock *sk)
{
	struct dcx_op *op;

	lockdep_assert_held(&dcx_busy_lock);
	hash_for_each_possible(dcx_busy, op, busy_node, (unsigned long)sk) {
		if (op->sk == sk)
			return op;
	}
	return NULL;
}

static bool dcx_claim(struct dcx_op *op)
{
	bool claimed;

	spin_lock(&dcx_busy_lock);
	claimed = !dcx_busy_find(op->sk);
	if (claimed)
		hash_add(dcx_busy, &op->busy_node, (unsigned long)op->sk);
	spin_unlock(&dcx_busy_lock);
	return claimed;
}

static void dcx_work(struct work_struct *work);

/* Run the owner: the submitter's task_work, or our workqueue. */
static void dcx_schedule(struct dcx_op *op)
{
	if (op->cmd)
		io_uring_cmd_complete_in_task(op->cmd, dcx_task_work);
	else
		queue_work(dcx_wq, &dcx_iop(op)->work);
}

/* Tell the owner there is something to look at; become it if there is none. */
static void dcx_kick(struct dcx_op *op)
{
	if (!atomic_fetch_inc(&op->kicks))
		dcx_schedule(op);
}

static void dcx_signal(struct dcx_op *op, int event)
{
	set_bit(event, &op->events);
	dcx_kick(op);
}

/*
 * Something the owner must act on: an end, data to discard (reuse), our FIN
 * acknowledged (without reuse). An error alone is not: a connection's end
 * comes with TCP_CLOSE, and IP_RECVERR reports soft errors in sk_err on a
 * connection that goes on.
 */
static bool dcx_pending(const struct dcx_op *op)
{
	const struct sock *sk = op->sk;
	int state = READ_ONCE(sk->sk_state);

	if (state == TCP_CLOSE)
		return true;
	if (op->flags & DCX_REUSE_SOCKET)
		return !skb_queue_empty_lockless(&sk->sk_receive_queue);
	return state == TCP_FIN_WAIT2;
}

/*
 * The waker's key is not enough to tell (state changes carry none). At
 * TCP_CLOSE the entry leaves the queue, as autoremove_wake_function() does,
 * under the queue's lock that __wake_up() holds: the owner pass this kick
 * makes sure of finishes the operation, since nothing takes a socket out of
 * TCP_CLOSE but connect(AF_UNSPEC), which dcx_step() sees in sk_disconnects.
 * The wake-ups the end still brings (tcp_fin()'s second state change, the
 * write space of our acknowledged FIN) then skip us. Nothing touches @op
 * after list_del_init(): dcx_op_detach() may free it once it sees the entry
 * empty.
 */
static int dcx_wake(struct wait_queue_entry *wait, unsigned int mode,
		    int sync, void *key)
{
	struct dcx_op *op = container_of(wait, struct dcx_op, wait);
	bool closed = READ_ONCE(op->sk->sk_state) == TCP_CLOSE;

	if (closed || dcx_pending(op))
		dcx_kick(op);
	if (closed)
		list_del_init(&wait->entry);
	return 0;
}

/*
 * Every arming of the timer: noted first, for dcx_op_detach(), which skips
 * deleting a timer never armed.
 */
static void dcx_timer_at(struct dcx_op *op, unsigned long when)
{
	WRITE_ONCE(op->armed, true);
	timer_reduce(&op->timer, when);
}

/*
 * Arm the timer for a near timeout, in the timer wheel's fine slots. A far
 * one is the watch's: it calls this on its passes, and the one within
 * DCX_NEAR_JIFFIES of the timeout arms it, so that a disconnect that ends
 * before its timeout is near (nearly all of them) never touches the timer
 * wheel. Never later than a yield asked for: both only reduce it.
 */
static void dcx_arm(struct dcx_op *op)
{
	if (time_before(op->deadline, jiffies + DCX_NEAR_JIFFIES))
		dcx_timer_at(op, op->deadline);
}

static void dcx_timer(struct timer_list *t)
{
	struct dcx_op *op = from_timer(op, t, timer);
	bool expired = time_after_eq(jiffies, op->deadline);

	if (expired)
		set_bit(DCX_EV_TIMEOUT, &op->events);
	if (test_and_clear_bit(DCX_EV_RESUME, &op->events))
		dcx_schedule(op);	/* it kept ownership across the yield */
	else if (expired)
		dcx_kick(op);
	if (!expired)
		dcx_arm(op);
}

/* Give the submitter back for a jiffy, keeping ownership of @op. */
static void dcx_yield(struct dcx_op *op)
{
	set_bit(DCX_EV_RESUME, &op->events);
	dcx_timer_at(op, jiffies + 1);
}

/*
 * A socket in TCP_CLOSE had a connection if connect() or accept() finished.
 * A non-blocking connect() stays SS_CONNECTING until something looks (poll
 * and SO_ERROR do not); it got through if the peer acknowledged our SYN.
 */
static bool dcx_was_connected(const struct socket *sock, struct sock *sk)
{
	if (sock->state == SS_CONNECTED)
		return true;
	return sock->state == SS_CONNECTING && tcp_sk(sk)->bytes_acked;
}

/*
 * Check the connection state; then the graceful close, as shutdown(SHUT_WR):
 * the FIN follows every byte already queued; then arm the event sources.
 * A failed check has no side effect.
 */
static int dcx_start(struct dcx_op *op)
{
	struct sock *sk = op->sk;
	bool shut = false;
	int err = 0;

	lock_sock(sk);
	if (!dcx_sock_supported(sk)) {
		err = -EOPNOTSUPP;
		goto out;
	}

	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		shut = true;
		break;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;		/* already shut down for sending */
	case TCP_CLOSE:
		if (dcx_was_connected(op->sock, sk))
			op->ended = true;
		else
			err = -ENOTCONN;
		break;
	default:	/* listening or still connecting */
		err = -ENOTCONN;
		break;
	}
	if (err)
		goto out;

	op->disconnects = sk->sk_disconnects;
	if (shut) {
		/*
		 * inet_shutdown(SHUT_WR)'s own steps for these states, under
		 * the lock that saw them: a connect(AF_UNSPEC) and connect()
		 * in between cannot move our FIN to the next connection.
		 */
		if (op->sock->state == SS_CONNECTING)
			op->sock->state = SS_CONNECTED;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		sk->sk_prot->shutdown(sk, SEND_SHUTDOWN);
		sk->sk_state_change(sk);
	}
	/*
	 * After our FIN's own state change, which is no news to us. Nothing
	 * can come in between: while we own the socket, what the peer sends
	 * (its ACK may come at once on loopback) waits in the backlog until
	 * release_sock(), and what is already there is seen by the owner's
	 * first look (dcx_hand_over(), or dcx_step() on a deferred start).
	 */
	add_wait_queue(sk_sleep(sk), &op->wait);
	dcx_arm(op);
	op->started = true;
out:
	release_sock(sk);
	return err;
}

static int dcx_discard(read_descriptor_t *desc, struct sk_buff *skb,
		       unsigned int offset, size_t len)
{
	len = min(len, desc->count);
	desc->count -= len;
	return len;
}

/*
 * Throw away what the peer sent, at most what is left of @budget: a receive
 * queue that fills our window would hold back the peer's FIN forever.
 * Reading opens the window again. Returns true if data is left.
 */
static bool dcx_drain(struct dcx_op *op, size_t *budget)
{
	read_descriptor_t desc = { .count = *budget };
	struct sock *sk = op->sk;

	sock_owned_by_me(sk);
	/*
	 * The reader stops at the urgent mark (and tcp_recvmsg() does so while
	 * a signal is pending): the urgent byte is only more data to throw
	 * away, and tcp_disconnect() forgets it the same way.
	 */
	WRITE_ONCE(tcp_sk(sk)->urg_data, 0);
	tcp_read_sock(sk, &desc, dcx_discard);
	*budget = desc.count;
	return !skb_queue_empty(&sk->sk_receive_queue);
}

/*
 * How the connection ended, or -EINPROGRESS while it has not (for reuse: the
 * socket has not reached TCP_CLOSE; without: our FIN is not acknowledged).
 */
static int dcx_verdict(struct dcx_op *op)
{
	struct sock *sk = op->sk;
	struct tcp_sock *tp = tcp_sk(sk);
	bool reuse = op->flags & DCX_REUSE_SOCKET;
	int err;

	sock_owned_by_me(sk);
	switch (sk->sk_state) {
	case TCP_CLOSE:
		break;
	case TCP_FIN_WAIT2:
		return reuse ? -EINPROGRESS : 0;
	default:
		return -EINPROGRESS;
	}
	/* Without reuse, an end that came before the request is not news. */
	if (op->ended && !reuse)
		return 0;

	err = READ_ONCE(sk->sk_err);
	/*
	 * tcp_reset() says ECONNRESET, or EPIPE in CLOSE_WAIT; SOCK_DESTROY
	 * (ss -K) and tcp_abort() say ECONNABORTED.
	 */
	if (err == ECONNRESET || err == EPIPE || err == ECONNABORTED)
		return -ECONNRESET;
	if (err == ETIMEDOUT)
		return -ETIMEDOUT;
	/*
	 * Every byte and our FIN acknowledged, the peer's FIN received: a
	 * graceful end, whatever soft error IP_RECVERR left in sk_err.
	 */
	if (sock_flag(sk, SOCK_DONE) && tp->snd_una == tp->write_seq)
		return 0;
	/* TCP gave up retransmitting (sk_err is then its soft error). */
	return err ? -ETIMEDOUT : -ECONNRESET;
}

/* Restore a dual-stack socket's native IPv6 ops after a mapped connection. */
static void dcx_restore_inet6(struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (sk->sk_family != AF_INET6 || !dcx_inet6.af_ops ||
	    icsk->icsk_af_ops == dcx_inet6.af_ops)
		return;
	/* As tcp_v6_connect() does when a mapped connect fails. */
	WRITE_ONCE(icsk->icsk_af_ops, dcx_inet6.af_ops);
	sk->sk_backlog_rcv = dcx_inet6.backlog_rcv;
#ifdef CONFIG_TCP_MD5SIG
	tcp_sk(sk)->af_specific = dcx_inet6.af_specific;
#endif
#endif
}

/*
 * Back to unconnected the way connect(AF_UNSPEC) does it: sk_disconnects
 * counted (a thread still blocked on the old connection wakes with -EPIPE
 * instead of going on into the next), tcp_disconnect() (no RST on a socket
 * already in TCP_CLOSE; ephemeral port released, explicit binds kept),
 * SS_UNCONNECTED. The old connection's error is not the next one's.
 */
static void dcx_unconnect(struct dcx_op *op)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sock *sk = op->sk;

	sock_owned_by_me(sk);
	__inet_stream_connect(op->sock, &unspec, sizeof(unspec), 0, 0);
	dcx_restore_inet6(sk);
	sock_error(sk);
	atomic_long_inc(&dcx_stats.reused);
}

/*
 * Abort a connection that is not to be reused: tcp_disconnect() sends the
 * RST, counted as connect(AF_UNSPEC) counts it, but the socket stays
 * SS_CONNECTED: ended, as after a reset, and not reusable.
 */
static void dcx_abort(struct dcx_op *op)
{
	struct sock *sk = op->sk;

	sock_owned_by_me(sk);
	sk->sk_disconnects++;
	sk->sk_prot->disconnect(sk, 0);
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
 * The ioctl's last reference is gone. It lets go of the device file: in the
 * common case the caller's is the last, so the file is put from the
 * caller's context and a close() and rmmod right after the ioctl find the
 * module unused.
 */
static void dcx_iop_free(struct dcx_ioctl_op *iop)
{
	struct file *dev_file = iop->dev_file;

	if (iop->waiter)
		put_task_struct(iop->waiter);
	kfree(iop);
	fput(dev_file);
}

/*
 * Drop an ioctl reference that may race with another one: under df->lock,
 * where the operation's own drop and complete_all() happen too.
 */
static bool dcx_iop_unref_locked(struct dcx_ioctl_op *iop)
{
	lockdep_assert_held(&iop->op.df->lock);
	return refcount_dec_and_test(&iop->refs);
}

/*
 * Stop every event source and give back the socket; after this nothing can
 * kick @op. Only the owner calls it (the submitter itself, for one that
 * failed dcx_start()'s checks).
 */
static void dcx_op_detach(struct dcx_op *op)
{
	/* As finish_wait(): dcx_wake() may have left at TCP_CLOSE. */
	if (op->started && !list_empty_careful(&op->wait.entry))
		remove_wait_queue(sk_sleep(op->sk), &op->wait);

	spin_lock(&op->df->lock);
	list_del_init(&op->df_node);
	op->df->nr_ops--;
	spin_unlock(&op->df->lock);
	/*
	 * Off the list, the watch cannot arm it again (started or not); one
	 * never armed has nothing to wait for.
	 */
	if (READ_ONCE(op->armed))
		del_timer_sync(&op->timer);

	spin_lock(&dcx_busy_lock);
	hash_del(&op->busy_node);
	spin_unlock(&dcx_busy_lock);

	fput(op->sock_file);
	atomic_long_dec(&dcx_stats.inflight);
}

/* The end, exactly once. */
static void dcx_finish(struct dcx_op *op, int result, unsigned int issue_flags)
{
	struct io_uring_cmd *cmd = op->cmd;
	struct dcx_dev_file *df = op->df;
	struct dcx_ioctl_op *iop;
	bool last;

	dcx_op_detach(op);
	if (op->started)
		dcx_count(result);
	else
		dcx_rejected(result);

	if (cmd) {
		kmem_cache_free(dcx_op_cache, op);
		io_uring_cmd_done(cmd, result, 0, issue_flags);
		return;
	}
	/*
	 * Our reference goes before the caller is woken, so that the caller's
	 * is normally the last; a caller that stopped waiting dropped its own
	 * under the same lock, and then nobody needs waking.
	 */
	iop = dcx_iop(op);
	iop->result = result;
	spin_lock(&df->lock);
	last = dcx_iop_unref_locked(iop);
	if (!last)
		complete_all(&iop->done);
	spin_unlock(&df->lock);
	if (last)
		dcx_iop_free(iop);
}

/* One look at the operation, by its owner. */
static enum dcx_next dcx_step(struct dcx_op *op, unsigned int issue_flags,
			      size_t *budget)
{
	struct sock *sk = op->sk;
	bool reuse = op->flags & DCX_REUSE_SOCKET;
	bool more = false;
	int result;

	if (!op->started) {
		/* Issued while the socket lock was taken: started here. */
		result = dcx_start(op);
		if (result) {
			dcx_finish(op, result, issue_flags);
			return DCX_DONE;
		}
	}

	lock_sock(sk);
	if (sk->sk_disconnects != op->disconnects) {
		/* The program disconnected it itself: not ours to end now. */
		result = -ECANCELED;
		goto out;
	}
	/* tcp_disconnect() purges a closed socket's queue in one go. */
	if (reuse && sk->sk_state != TCP_CLOSE)
		more = dcx_drain(op, budget);

	result = dcx_verdict(op);
	if (result == -EINPROGRESS) {
		if (test_bit(DCX_EV_TIMEOUT, &op->events)) {
			result = -ETIMEDOUT;
		} else if (test_bit(DCX_EV_ABORT, &op->events)) {
			result = -ECANCELED;
		} else {
			release_sock(sk);
			/* Data left means the budget is spent. */
			return more ? DCX_AGAIN : DCX_WAIT;
		}
		if (!reuse)
			dcx_abort(op);
	}
	if (reuse)
		dcx_unconnect(op);
out:
	release_sock(sk);
	dcx_finish(op, result, issue_flags);
	return DCX_DONE;
}

/*
 * The owner's loop, for both owners: until the end or no kick is unseen,
 * within one budget. Requeueing the task_work at once would not give the
 * submitter back (io_uring runs work added while it runs), the timer does.
 */
static void dcx_own(struct dcx_op *op, unsigned int issue_flags)
{
	size_t budget = DCX_DRAIN_BUDGET;
	int seen;

	do {
		seen = atomic_read(&op->kicks);
		/* Whoever runs this raised @kicks from zero. */
		WARN_ON_ONCE(seen <= 0);
		switch (dcx_step(op, issue_flags, &budget)) {
		case DCX_DONE:
			return;
		case DCX_AGAIN:
			dcx_yield(op);
			return;
		case DCX_WAIT:
			break;
		}
	} while (atomic_sub_return(seen, &op->kicks));
}

static void dcx_task_work(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	dcx_own(*(struct dcx_op **)cmd->pdu, issue_flags);
}

static void dcx_work(struct work_struct *work)
{
	dcx_own(&container_of(work, struct dcx_ioctl_op, work)->op, 0);
}

static struct dcx_op *dcx_op_create(struct dcx_dev_file *df,
				    const struct dcx_disconnect *req,
				    struct io_uring_cmd *cmd,
				    struct file *dev_file)
{
	struct dcx_ioctl_op *iop = NULL;
	struct dcx_op *op;
	struct socket *sock;
	struct file *file;
	int err;

	if (req->reserved || (req->flags & ~DCX_FLAGS_ALL) ||
	    req->timeout_ms > DCX_TIMEOUT_MAX_MS)
		return ERR_PTR(-EINVAL);

	file = fget(req->fd);
	if (!file)
		return ERR_PTR(-EBADF);
	sock = sock_from_file(file);
	if (!sock) {
		err = -ENOTSOCK;
		goto err_fput;
	}
	if (!sock->sk || !dcx_sock_supported(sock->sk)) {
		err = -EOPNOTSUPP;
		goto err_fput;
	}

	if (cmd) {
		op = kmem_cache_zalloc(dcx_op_cache, GFP_KERNEL_ACCOUNT);
	} else {
		iop = kzalloc(sizeof(*iop), GFP_KERNEL_ACCOUNT);
		op = iop ? &iop->op : NULL;
	}
	if (!op) {
		err = -ENOMEM;
		goto err_fput;
	}
	op->sk = sock->sk;
	op->sock = sock;
	op->sock_file = file;
	op->df = df;
	op->owner = current->files;
	op->cmd = cmd;
	op->flags = req->flags;
	op->deadline = jiffies + msecs_to_jiffies(req->timeout_ms ?:
						  READ_ONCE(dcx_default_timeout_ms));
	/* Born owned by the submitter, who starts it. */
	atomic_set(&op->kicks, 1);
	init_waitqueue_func_entry(&op->wait, dcx_wake);
	timer_setup(&op->timer, dcx_timer, 0);
	INIT_LIST_HEAD(&op->df_node);
	if (iop) {
		/* The operation and its caller each hold one. */
		refcount_set(&iop->refs, 2);
		iop->dev_file = get_file(dev_file);
		INIT_WORK(&iop->work, dcx_work);
		init_completion(&iop->done);
		INIT_LIST_HEAD(&iop->park_node);
	}

	if (!dcx_claim(op)) {
		err = -EALREADY;
		goto err_free;
	}

	spin_lock(&df->lock);
	list_add_tail(&op->df_node, &df->ops);
	df->nr_ops++;
	/* Pending already while other operations are in flight. */
	queue_delayed_work(dcx_watch_wq, &df->watch, DCX_WATCH_JIFFIES);
	spin_unlock(&df->lock);
	atomic_long_inc(&dcx_stats.submitted);
	atomic_long_inc(&dcx_stats.inflight);
	return op;

err_free:
	if (iop)
		dcx_iop_free(iop);
	else
		kmem_cache_free(dcx_op_cache, op);
err_fput:
	fput(file);
	return ERR_PTR(err);
}

/* A request that failed a check in dcx_start(): undo dcx_op_create(). */
static int dcx_reject(struct dcx_op *op, int err)
{
	dcx_op_detach(op);
	/*
	 * The watch or a flush may have kicked it, which leaves it to its
	 * owner: the submitter, still. Never parked, both of an ioctl's
	 * references are ours.
	 */
	if (op->cmd)
		kmem_cache_free(dcx_op_cache, op);
	else
		dcx_iop_free(dcx_iop(op));
	return dcx_rejected(err);
}

/* Checked and started: hand the operation to its owner if events came. */
static void dcx_hand_over(struct dcx_op *op)
{
	/* Anything already there (data, an end) is the owner's to look at. */
	if (dcx_pending(op))
		atomic_inc(&op->kicks);
	if (atomic_dec_return(&op->kicks))
		dcx_schedule(op);
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

	op = dcx_op_create(df, req, cmd, NULL);
	if (IS_ERR(op))
		return dcx_rejected(PTR_ERR(op));
	*(struct dcx_op **)cmd->pdu = op;

	if ((issue_flags & IO_URING_F_NONBLOCK) &&
	    sock_owned_by_user_nocheck(op->sk)) {
		dcx_schedule(op);
		return -EIOCBQUEUED;
	}

	err = dcx_start(op);
	if (err)
		return dcx_reject(op, err);
	dcx_hand_over(op);
	return -EIOCBQUEUED;
}

/* A signal interrupted the caller: keep the operation for the restart. */
static void dcx_park(struct dcx_ioctl_op *iop, const struct dcx_disconnect *req)
{
	struct dcx_dev_file *df = iop->op.df;

	iop->req = *req;
	iop->waiter = get_task_struct(current);
	spin_lock(&df->lock);
	list_add(&iop->park_node, &df->parked);
	spin_unlock(&df->lock);
}

/*
 * The restarted ioctl: the operation this thread parked for @req. A thread
 * is in one ioctl at a time, and the kernel restarts only the last, so any
 * other operation it parked will never be collected: let go of it.
 */
static struct dcx_ioctl_op *dcx_unpark(struct dcx_dev_file *df,
				       const struct dcx_disconnect *req)
{
	struct dcx_ioctl_op *iop, *tmp, *found = NULL;
	LIST_HEAD(stale);

	spin_lock(&df->lock);
	list_for_each_entry_safe(iop, tmp, &df->parked, park_node) {
		if (iop->waiter != current)
			continue;
		list_del_init(&iop->park_node);
		if (!found && !memcmp(&iop->req, req, sizeof(*req)))
			found = iop;
		else if (dcx_iop_unref_locked(iop))
			list_add(&iop->park_node, &stale);
	}
	spin_unlock(&df->lock);
	list_for_each_entry_safe(iop, tmp, &stale, park_node)
		dcx_iop_free(iop);
	if (found) {
		put_task_struct(found->waiter);
		found->waiter = NULL;
	}
	return found;
}

/*
 * ioctl: the same machine, owned by our workqueue; the caller waits. A
 * signal sends the caller out (-ERESTARTNOINTR) to run its handlers and its
 * task_work, io_uring's completions among them, and the kernel restarts the
 * ioctl, which finds its parked operation again; a fatal one aborts it.
 */
int dcx_disconnect_sync(struct file *dev_file, const struct dcx_disconnect *req)
{
	struct dcx_dev_file *df = dev_file->private_data;
	struct dcx_ioctl_op *iop;
	struct dcx_op *op;
	bool last;
	int err;

	iop = dcx_unpark(df, req);
	if (!iop) {
		op = dcx_op_create(df, req, NULL, dev_file);
		if (IS_ERR(op))
			return dcx_rejected(PTR_ERR(op));
		err = dcx_start(op);
		if (err)
			return dcx_reject(op, err);
		dcx_hand_over(op);
		iop = dcx_iop(op);
	}

	err = wait_for_completion_state(&iop->done,
					TASK_INTERRUPTIBLE | TASK_FREEZABLE);
	if (!err) {
		/* The operation dropped its reference before waking us. */
		err = iop->result;
		if (refcount_dec_and_test(&iop->refs))
			dcx_iop_free(iop);
		return err;
	}
	if (!fatal_signal_pending(current)) {
		dcx_park(iop, req);
		return -ERESTARTNOINTR;
	}

	/* Dying: abort now rather than at the timeout. */
	spin_lock(&df->lock);
	if (!list_empty(&iop->op.df_node))
		dcx_signal(&iop->op, DCX_EV_ABORT);
	last = dcx_iop_unref_locked(iop);
	spin_unlock(&df->lock);
	if (last)
		dcx_iop_free(iop);
	return -EINTR;
}

int dcx_cancel(const struct dcx_disconnect *req)
{
	struct socket *sock;
	struct dcx_op *op;
	struct file *file;
	int err = -ENOENT;

	if (req->flags || req->timeout_ms || req->reserved)
		return -EINVAL;
	file = fget(req->fd);
	if (!file)
		return -EBADF;
	sock = sock_from_file(file);
	if (!sock) {
		fput(file);
		return -ENOTSOCK;
	}

	spin_lock(&dcx_busy_lock);
	/* In the table, not yet detached: the kick reaches its owner. */
	op = sock->sk ? dcx_busy_find(sock->sk) : NULL;
	if (op) {
		dcx_signal(op, DCX_EV_ABORT);
		err = 0;
	}
	spin_unlock(&dcx_busy_lock);
	fput(file);
	return err;
}

/*
 * f_op->flush: the owner is closing its device fd (or exiting, which closes
 * it too). 6.1 cannot cancel a uring_cmd, so abort the owner's operations
 * here; otherwise exit would wait out their timeouts.
 */
void dcx_abort_owner(struct dcx_dev_file *df, fl_owner_t owner)
{
	struct dcx_ioctl_op *iop, *tmp;
	struct dcx_op *op;
	LIST_HEAD(reaped);

	spin_lock(&df->lock);
	list_for_each_entry(op, &df->ops, df_node) {
		if (op->owner == owner)
			dcx_signal(op, DCX_EV_ABORT);
	}
	/* Parked ones nobody will restart now: drop the caller's reference. */
	list_for_each_entry_safe(iop, tmp, &df->parked, park_node) {
		if (iop->op.owner != owner)
			continue;
		list_del_init(&iop->park_node);
		if (dcx_iop_unref_locked(iop))
			list_add(&iop->park_node, &reaped);
	}
	spin_unlock(&df->lock);
	list_for_each_entry_safe(iop, tmp, &reaped, park_node)
		dcx_iop_free(iop);
}

/*
 * One operation, for the watch: abort an io_uring one whose ring or
 * submitter went away (6.1 tells a driver neither), arm the timer of one
 * whose timeout is near. One already ending is its owner's.
 */
static void dcx_watch_op(struct dcx_op *op)
{
	if (test_bit(DCX_EV_ABORT, &op->events) ||
	    test_bit(DCX_EV_TIMEOUT, &op->events))
		return;
	if (op->cmd && dcx_uring_owner_gone(op->cmd))
		dcx_signal(op, DCX_EV_ABORT);
	else
		dcx_arm(op);
}

/*
 * Once a second while operations are in flight through @df, each of them
 * at least once: a few loads an operation, where a timer of each firing every
 * second cost hundreds of instructions (bench/README.md, "Scale"). In
 * batches, each moved to the tail after it is seen, with the lock let go
 * in between: what comes or goes meanwhile is seen in the next pass, or
 * twice, which does no harm. Its own workqueue: nothing it waits behind
 * can sleep (the ioctl owners on dcx_wq take socket locks).
 */
static void dcx_watch(struct work_struct *work)
{
	struct dcx_dev_file *df = container_of(to_delayed_work(work),
					       struct dcx_dev_file, watch);
	struct dcx_op *op, *first, *last;
	unsigned int left, want, n;

	spin_lock(&df->lock);
	for (left = df->nr_ops; left; left -= n) {
		want = min(left, DCX_WATCH_BATCH);
		first = NULL;
		last = NULL;
		n = 0;
		list_for_each_entry(op, &df->ops, df_node) {
			dcx_watch_op(op);
			first = first ?: op;
			last = op;
			if (++n == want)
				break;
		}
		if (!last)
			break;
		list_bulk_move_tail(&df->ops, &first->df_node, &last->df_node);
		/* Fewer left than were counted: every one is seen. */
		if (n < want || n == left)
			break;
		spin_unlock(&df->lock);
		cond_resched();
		spin_lock(&df->lock);
	}
	if (!list_empty(&df->ops))
		queue_delayed_work(dcx_watch_wq, &df->watch, DCX_WATCH_JIFFIES);
	spin_unlock(&df->lock);
}

void dcx_dev_file_init(struct dcx_dev_file *df)
{
	spin_lock_init(&df->lock);
	INIT_LIST_HEAD(&df->ops);
	INIT_LIST_HEAD(&df->parked);
	df->nr_ops = 0;
	INIT_DELAYED_WORK(&df->watch, dcx_watch);
}

/* The device file's last reference is gone. */
void dcx_dev_file_drop(struct dcx_dev_file *df)
{
	/* A last pass may still be queued; it finds nothing. */
	cancel_delayed_work_sync(&df->watch);
	/*
	 * Every operation in flight holds the file through its request or its
	 * ioctl, and so does a parked one until its owner's flush reaps it.
	 */
	WARN_ON_ONCE(!list_empty(&df->ops));
	WARN_ON_ONCE(!list_empty(&df->parked));
}

static void dcx_learn_inet6(void)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct socket *sock;

	if (sock_create_kern(&init_net, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
			     &sock))
		return;		/* no IPv6, and so no AF_INET6 sockets */
	dcx_inet6.af_ops = inet_csk(sock->sk)->icsk_af_ops;
	dcx_inet6.backlog_rcv = sock->sk->sk_backlog_rcv;
#ifdef CONFIG_TCP_MD5SIG
	dcx_inet6.af_specific = tcp_sk(sock->sk)->af_specific;
#endif
	sock_release(sock);
#endif
}

int dcx_disconnect_init(void)
{
	dcx_op_cache = KMEM_CACHE(dcx_op, SLAB_ACCOUNT);
	if (!dcx_op_cache)
		return -ENOMEM;
	dcx_wq = alloc_workqueue(KBUILD_MODNAME, WQ_UNBOUND, 0);
	if (!dcx_wq)
		goto err_cache;
	dcx_watch_wq = alloc_workqueue(KBUILD_MODNAME "_watch", WQ_UNBOUND, 0);
	if (!dcx_watch_wq)
		goto err_wq;
	dcx_learn_inet6();
	return 0;

err_wq:
	destroy_workqueue(dcx_wq);
err_cache:
	kmem_cache_destroy(dcx_op_cache);
	return -ENOMEM;
}

void dcx_disconnect_exit(void)
{
	/* The device is gone and unused: only a work item's tail may run. */
	destroy_workqueue(dcx_watch_wq);
	destroy_workqueue(dcx_wq);
	kmem_cache_destroy(dcx_op_cache);
}
