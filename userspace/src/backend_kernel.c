// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The kernel backend: the disconnectex module, through /dev/disconnectex.
 *
 * Everything that matters happens in the module (see
 * <linux/disconnectex.h>): the checks, the graceful close, the timeout and
 * the return to the unconnected state. This file only carries requests:
 *
 *  - asynchronously as IORING_OP_URING_CMD on the engine's ring, built by
 *    the same dcx_prep_disconnect() that programs with their own ring use.
 *    The module reads the socket fd when the request is issued, and the
 *    submitting thread issues it in its own io_uring_enter() (the module
 *    does not sleep in its issue path, so io_uring has no reason to defer
 *    it): the fd is resolved before DisconnectEx() returns, and the program
 *    may close() it at once - the module holds the socket until the end.
 *    The CQE's res is the result;
 *  - synchronously with the DCX_IOC_DISCONNECT ioctl, which blocks
 *    (killably) until the end - no ring, no thread hop.
 *
 * The engine's ring is plain (no SQE128): the 16-byte payload fits the
 * command area of a 64-byte SQE.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "internal.h"

struct dcx_kernel_op {
	struct dcx_op op;
	struct dcx_sink sink;
};

static void dcx_kernel_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_kernel_op *kop = (struct dcx_kernel_op *)
		((char *)o - offsetof(struct dcx_kernel_op, op));
	struct dcx_sink sink = kop->sink;

	(void)tag;
	free(kop);
	dcx_engine_op_end();
	dcx_engine_op_reported();
	/*
	 * res is 0, or one of the errors of <linux/disconnectex.h>;
	 * -EOPNOTSUPP or -EINVAL may also come from an io_uring that does
	 * not support uring_cmd for this file at all.
	 */
	dcx_sink_complete(&sink, res, 0);
}

int dcx_kernel_submit(int devfd, int fd, unsigned int flags,
		      unsigned int timeout_ms, struct dcx_sink *sink)
{
	struct dcx_kernel_op *kop;
	struct io_uring_sqe *sqe;
	int ret;

	kop = malloc(sizeof(*kop));
	if (!kop)
		return -ENOMEM;
	kop->op.fn = dcx_kernel_cqe;
	kop->sink = *sink;

	ret = dcx_engine_lock();
	if (ret) {
		free(kop);
		return ret;
	}
	sqe = dcx_engine_sqe();
	dcx_prep_disconnect(sqe, devfd, fd, flags, timeout_ms);
	dcx_sqe_set_op(sqe, &kop->op, 0);
	dcx_engine_op_start();
	/*
	 * After this the engine thread owns kop. An error means the ring is
	 * gone for good and the request will never be issued.
	 */
	return dcx_engine_unlock();
}

int dcx_kernel_disconnect(int devfd, int fd, unsigned int flags,
			  unsigned int timeout_ms)
{
	struct dcx_disconnect req = {
		.fd = fd,
		.flags = flags,
		.timeout_ms = timeout_ms,
		.reserved = 0,
	};

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
