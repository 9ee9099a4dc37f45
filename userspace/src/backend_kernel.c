// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The kernel backend: the disconnectex module, through /dev/disconnectex.
 *
 * Everything that matters happens in the module (see
 * <linux/disconnectex.h>): the checks, the graceful close, the timeout and
 * the return to the unconnected state. This file only carries requests:
 *
 *  - asynchronously as IORING_OP_URING_CMD on the socket's port's ring or
 *    the engine's, built by the same dcx_prep_disconnect() that programs
 *    with their own ring use.
 *    The module reads the socket fd when the request is issued, and the
 *    submitting thread issues it in its own io_uring_enter() (the module
 *    does not sleep in its issue path, so io_uring has no reason to defer
 *    it): the fd is resolved before DisconnectEx() returns, and the program
 *    may close() it at once - the module holds the socket until the end.
 *    (No program code runs on the engine thread, which defers its own
 *    submissions, and a port's reapers run only the library's callbacks,
 *    so a DisconnectEx() is always submitted by its caller.)
 *    The CQE's res is the result;
 *  - synchronously with the DCX_IOC_DISCONNECT ioctl, which blocks
 *    (killably) until the end - no ring, no thread hop.
 *
 * The engine's ring is plain (no SQE128): the 16-byte payload fits the
 * command area of a 64-byte SQE.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "internal.h"

/*
 * Windows reports an argument or state error at once, with no completion,
 * so the library must know before DisconnectEx() returns whether the module
 * refused the request - which it does when the request is issued, inside
 * the submitter's io_uring_enter(), by posting the CQE there and then. The
 * hand-off rule of internal.h (struct dcx_early) settles who delivers. The
 * success path costs no system call beyond the submission.
 */
struct dcx_kernel_op {
	struct dcx_op op;
	struct dcx_sink sink;
	struct dcx_early early;
	struct dcx_pending pending;
	int devfd;
};

/*
 * CancelIoEx(): the module's cancel request (6.1 cannot cancel a
 * uring_cmd), for the disconnect in flight on the socket; the disconnect
 * then ends with -ECANCELED.
 */
static void dcx_kernel_cancel(struct dcx_pending *p, struct dcx_ring *r)
{
	struct dcx_kernel_op *kop = (struct dcx_kernel_op *)
		((char *)p - offsetof(struct dcx_kernel_op, pending));
	struct io_uring_sqe *sqe = dcx_ring_sqe(r);

	dcx_prep_cancel(sqe, kop->devfd, p->fd);
	io_uring_sqe_set_data64(sqe, 0);
}

static void dcx_kernel_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_kernel_op *kop = (struct dcx_kernel_op *)
		((char *)o - offsetof(struct dcx_kernel_op, op));
	struct dcx_ring *r = o->ring;
	struct dcx_sink sink;

	(void)tag;
	/* LIVE: the submitter never leaves a packet to the reaper here. */
	if (!dcx_early_reap(&kop->early, res, r, free, kop))
		return;
	res = dcx_pending_del(&kop->pending, res);
	sink = kop->sink;
	free(kop);
	/*
	 * res is 0, or one of the errors of <linux/disconnectex.h>;
	 * -EOPNOTSUPP or -EINVAL may also come from an io_uring that does
	 * not support uring_cmd for this file at all.
	 */
	dcx_ring_op_done(r, &sink, res, 0);
}

/*
 * A CQE can come back within the submission for two reasons: the module
 * refused the request (its checks, or io_uring's: no uring_cmd, the LSM),
 * or the operation started and already ended - task_work runs before
 * io_uring_enter() returns, so a socket that was reset before the request
 * may be recycled and report -ECONNRESET right there. Only the first is an
 * error at once (dcx_is_refusal()); the second is a completion like any
 * other, left to the reaper.
 *
 * 0: started, the sink will be called. 1: already finished, the sink has
 * been called. -errno: refused at once (the module's checks, or no ring),
 * the sink will not be called (the caller releases it: dcx_ov_fail()).
 */
int dcx_kernel_submit(int devfd, int fd, unsigned int flags,
		      unsigned int timeout_ms, struct dcx_sink *sink)
{
	struct dcx_kernel_op *kop;
	struct io_uring_sqe *sqe;
	struct dcx_sink done;
	struct dcx_ring *r;
	unsigned int mark;
	int ret, res = 0;
	bool found;

	kop = calloc(1, sizeof(*kop));
	if (!kop)
		return -ENOMEM;
	kop->devfd = devfd;
	r = dcx_pending_begin(&kop->pending, &kop->op, &kop->sink, fd, sink,
			      dcx_kernel_cancel, true, &ret);
	if (!r) {
		free(kop);
		return ret;
	}
	kop->op.fn = dcx_kernel_cqe;
	kop->early.state = DCX_EARLY_SUBMITTING;
	kop->early.res = 0;
	sqe = dcx_ring_sqe(r);
	dcx_prep_disconnect(sqe, devfd, fd, flags, timeout_ms);
	dcx_sqe_set_op(sqe, &kop->op, 0);
	/* On an error kop stays with the ring, never freed under the kernel. */
	ret = dcx_pending_submit(&kop->pending, r, &mark);
	if (ret)
		return ret;
	found = dcx_ring_cq_find(r, mark, &kop->op, 0, &res) &&
		dcx_is_refusal(res);
	/* Off the list while kop is surely ours. */
	if (found)
		dcx_pending_del(&kop->pending, 0);
	switch (dcx_early_settle(&kop->early, found ? DCX_EARLY_ABANDONED :
						      DCX_EARLY_LIVE)) {
	case DCX_EARLY_LIVE:
		return 0;
	case DCX_EARLY_EARLY:
		/* The reaper has been and gone; the op is ours. */
		res = dcx_pending_del(&kop->pending, kop->early.res);
		free(kop);
		dcx_ring_op_end(r);
		break;
	default:
		break;
	}
	dcx_ring_op_reported(r);
	if (dcx_is_refusal(res))
		return res;
	done = *sink;
	dcx_sink_complete(&done, res, 0);
	return 1;
}

int dcx_kernel_disconnect(int devfd, int fd, unsigned int flags,
			  unsigned int timeout_ms)
{
	struct dcx_disconnect req = __dcx_request(fd, flags, timeout_ms);

	/*
	 * The module waits killably: only a fatal signal interrupts it, and
	 * then nobody is left to see the result. An EINTR anyway (a module
	 * that changed its mind) is passed on rather than retried, since the
	 * first attempt may already have shut the socket down.
	 */
	if (ioctl(devfd, DCX_IOC_DISCONNECT, &req))
		return -errno;
	return 0;
}
