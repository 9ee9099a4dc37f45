// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Cancellation: CancelIoEx(), CancelIo(), and closesocket() aborting what
 * is pending on the socket.
 *
 * Every overlapped operation in flight is listed here by socket, with its
 * OVERLAPPED and the thread that started it, from just before its
 * submission until just before it reports. Cancelling one sets the result
 * it will end with (-ECANCELED: ERROR_OPERATION_ABORTED; -ECONNABORTED for
 * closesocket: ERROR_CONNECTION_ABORTED, except for a disconnect, which
 * closesocket lets finish) and asks its ring to stop it - an
 * io_uring cancel, the module's cancel request, or the emulated
 * disconnect's deadline brought forward - each operation knowing how
 * (struct dcx_pending.cancel). The operation still completes, once, on its
 * reaper, with its event and its packet, as Windows requires. The list's
 * lock is held while an operation's cancel runs, so the operation cannot
 * end and be freed meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <winsock2.h>

#include "internal.h"

#define DCX_PENDING_BUCKETS	256

static dcx_lock_t dcx_pending_lock = DCX_LOCK_INIT;
static struct dcx_pending *dcx_pending_by_fd[DCX_PENDING_BUCKETS];

static struct dcx_pending **dcx_pending_bucket(int fd)
{
	return &dcx_pending_by_fd[(unsigned int)fd % DCX_PENDING_BUCKETS];
}

static void dcx_pending_fill(struct dcx_pending *p, int fd,
			     struct _OVERLAPPED *ov,
			     void (*cancel)(struct dcx_pending *p,
					    struct dcx_ring *r),
			     bool graceful)
{
	p->fd = fd;
	p->ov = ov;
	p->tid = dcx_gettid();
	p->cancel = cancel;
	p->ring = NULL;
	p->abort_res = 0;
	p->listed = true;
	p->graceful = graceful;
	p->close_only = false;
}

/* Under the lock. */
static void dcx_pending_insert(struct dcx_pending *p)
{
	struct dcx_pending **b = dcx_pending_bucket(p->fd);

	p->prev = NULL;
	p->next = *b;
	if (*b)
		(*b)->prev = p;
	*b = p;
}

/* Under the lock: an operation of the kind @cancel is listed on @fd. */
static bool dcx_pending_has(int fd,
			    void (*cancel)(struct dcx_pending *p,
					   struct dcx_ring *r))
{
	struct dcx_pending *q;

	for (q = *dcx_pending_bucket(fd); q; q = q->next)
		if (q->fd == fd && q->cancel == cancel)
			return true;
	return false;
}

void dcx_pending_add(struct dcx_pending *p, int fd, struct _OVERLAPPED *ov,
		     void (*cancel)(struct dcx_pending *p, struct dcx_ring *r),
		     bool graceful)
{
	dcx_pending_fill(p, fd, ov, cancel, graceful);
	dcx_lock(&dcx_pending_lock);
	dcx_pending_insert(p);
	dcx_unlock(&dcx_pending_lock);
}

/*
 * For an operation that uses @fd but was not issued on it (AcceptEx's
 * accept socket): listed so that closesocket(@fd) aborts it, but neither
 * CancelIo() nor CancelIoEx() on @fd finds it, as on Windows. Unless an
 * operation of the same kind (@cancel) is listed on @fd already: then
 * -EINVAL and @p is not listed (one AcceptEx at a time into a socket).
 */
int dcx_pending_add_once(struct dcx_pending *p, int fd,
			 struct _OVERLAPPED *ov,
			 void (*cancel)(struct dcx_pending *p,
					struct dcx_ring *r))
{
	bool taken;

	dcx_pending_fill(p, fd, ov, cancel, false);
	p->close_only = true;
	dcx_lock(&dcx_pending_lock);
	taken = dcx_pending_has(fd, cancel);
	if (!taken)
		dcx_pending_insert(p);
	dcx_unlock(&dcx_pending_lock);
	if (taken) {
		p->listed = false;
		return -EINVAL;
	}
	return 0;
}

/* Whether an operation of the kind @cancel is listed on @fd. */
bool dcx_pending_listed(int fd,
			void (*cancel)(struct dcx_pending *p,
				       struct dcx_ring *r))
{
	bool found;

	dcx_lock(&dcx_pending_lock);
	found = dcx_pending_has(fd, cancel);
	dcx_unlock(&dcx_pending_lock);
	return found;
}

/*
 * Hold the list still: 0 with the lock held when @p was not cancelled (no
 * CancelIoEx() or closesocket() can act until dcx_pending_release()), else
 * the result the cancel chose, lock not held. For a step that must not
 * happen once the program has let go (AcceptEx's swap of descriptors).
 */
int dcx_pending_hold(struct dcx_pending *p)
{
	int abort_res;

	dcx_lock(&dcx_pending_lock);
	abort_res = p->abort_res;
	if (abort_res)
		dcx_unlock(&dcx_pending_lock);
	return abort_res;
}

void dcx_pending_release(void)
{
	dcx_unlock(&dcx_pending_lock);
}

/*
 * dcx_ring_begin() for an operation CancelIoEx() can reach: @p is listed
 * first when @sink has an OVERLAPPED, and off the list again when no ring
 * is to be had (NULL, *err says why). On success the operation is bound to
 * the ring: @op's ring is set and @op_sink, the operation's own copy of
 * the sink, is taken - after dcx_ring_begin(), which gives @sink its port.
 * The step every listed operation starts with, in one place.
 */
struct dcx_ring *dcx_pending_begin(struct dcx_pending *p, struct dcx_op *op,
				   struct dcx_sink *op_sink, int fd,
				   struct dcx_sink *sink,
				   void (*cancel)(struct dcx_pending *p,
						  struct dcx_ring *r),
				   bool graceful, int *err)
{
	struct dcx_ring *r;

	if (sink->ov)
		dcx_pending_add(p, fd, sink->ov, cancel, graceful);
	r = dcx_ring_begin(fd, sink, err);
	if (!r) {
		dcx_pending_del(p, 0);
		return NULL;
	}
	op->ring = r;
	*op_sink = *sink;
	return r;
}

/*
 * The other end: the operation's SQEs queued on @r (still locked), it is
 * counted as running, armed for a cancel, and submitted in this thread's
 * own io_uring_enter(). *mark, unless @mark is NULL, is where to look for a
 * CQE posted within that submission (dcx_ring_cq_find()). 0, or -errno: the
 * ring is gone for good and the request will never be issued - the
 * operation is off the list, and stays with the ring, never freed under the
 * kernel.
 */
int dcx_pending_submit(struct dcx_pending *p, struct dcx_ring *r,
		       unsigned int *mark)
{
	int ret;

	dcx_ring_op_start(r);
	dcx_pending_arm(p, r);
	if (mark)
		*mark = dcx_ring_cq_mark(r);
	ret = dcx_ring_unlock(r);
	if (ret)
		dcx_pending_del(p, 0);
	return ret;
}

/*
 * Under @r's lock, the operation's SQEs queued: from now on a cancel goes
 * to @r. One that came before (it found no ring) is queued here. Both
 * sides store, then load, sequentially consistently, so at least one of
 * them sees the other; a cancel queued twice is harmless.
 */
void dcx_pending_arm(struct dcx_pending *p, struct dcx_ring *r)
{
	if (!p->listed)
		return;
	__atomic_store_n(&p->ring, r, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&p->abort_res, __ATOMIC_SEQ_CST))
		p->cancel(p, r);
}

/*
 * The operation is about to report (or never started): off the list. Its
 * result: @res, or the one a cancel chose if it ended because of it.
 */
int dcx_pending_del(struct dcx_pending *p, int res)
{
	int abort_res;

	if (!p->listed)
		return res;
	dcx_lock(&dcx_pending_lock);
	if (p->prev)
		p->prev->next = p->next;
	else
		*dcx_pending_bucket(p->fd) = p->next;
	if (p->next)
		p->next->prev = p->prev;
	abort_res = p->abort_res;
	dcx_unlock(&dcx_pending_lock);
	p->listed = false;
	if (abort_res && res < 0)
		return abort_res;
	return res;
}

/*
 * Cancel @fd's operations: those on @ov (NULL: all), of this thread only
 * if @mine. They end with @res. The number asked to stop.
 */
int dcx_cancel_fd(int fd, const struct _OVERLAPPED *ov, bool mine, int res)
{
	pid_t tid = mine ? dcx_gettid() : 0;
	struct dcx_pending *p;
	struct dcx_ring *r;
	int n = 0;

	dcx_lock(&dcx_pending_lock);
	for (p = *dcx_pending_bucket(fd); p; p = p->next) {
		if (p->fd != fd || (ov && p->ov != ov) || (mine && p->tid != tid))
			continue;
		if (p->close_only && res != -ECONNABORTED)
			continue;
		/*
		 * closesocket() during a disconnect: it goes on, and the
		 * connection still ends gracefully - aborting it would reset
		 * the connection, which closesocket() never does.
		 */
		if (p->graceful && res == -ECONNABORTED)
			continue;
		/* Cancelled once; closesocket() still makes it "aborted". */
		if (p->abort_res && res == -ECANCELED)
			continue;
		__atomic_store_n(&p->abort_res, res, __ATOMIC_SEQ_CST);
		r = __atomic_load_n(&p->ring, __ATOMIC_SEQ_CST);
		if (r && !dcx_ring_lock(r)) {
			p->cancel(p, r);
			dcx_ring_unlock(r);
		}
		n++;
	}
	dcx_unlock(&dcx_pending_lock);
	return n;
}

void dcx_cancel_atfork_prepare(void)
{
	dcx_lock(&dcx_pending_lock);
}

void dcx_cancel_atfork_parent(void)
{
	dcx_unlock(&dcx_pending_lock);
}

/* The parent's operations are not the child's to cancel. */
void dcx_cancel_atfork_child(void)
{
	unsigned int i;

	for (i = 0; i < DCX_PENDING_BUCKETS; i++)
		dcx_pending_by_fd[i] = NULL;
	dcx_lock_init(&dcx_pending_lock);
}

/* Under @r's lock: a request that stops the SQE tagged @ud (its own CQE
 * is ignored). */
void dcx_cancel_request(struct dcx_ring *r, uint64_t ud)
{
	struct io_uring_sqe *sqe = dcx_ring_sqe(r);

	io_uring_prep_cancel64(sqe, ud, 0);
	io_uring_sqe_set_data64(sqe, 0);
}

static BOOL dcx_cancel(HANDLE hFile, LPOVERLAPPED lpOverlapped, bool mine)
{
	intptr_t v = (intptr_t)hFile;

	if (v < 0 || v > INT32_MAX || fcntl((int)v, F_GETFD) < 0)
		return dcx_fail(ERROR_INVALID_HANDLE);
	/* CancelIo() asks for nothing in particular: no ERROR_NOT_FOUND. */
	if (!dcx_cancel_fd((int)v, lpOverlapped, mine, -ECANCELED) && !mine)
		return dcx_fail(ERROR_NOT_FOUND);
	dcx_set_last_error(0);
	return TRUE;
}

BOOL WINAPI CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped)
{
	return dcx_cancel(hFile, lpOverlapped, false);
}

/* The calling thread's operations on the handle, as on Windows. */
BOOL WINAPI CancelIo(HANDLE hFile)
{
	return dcx_cancel(hFile, NULL, true);
}
