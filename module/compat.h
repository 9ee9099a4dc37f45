/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disconnectex: what the module must know of 6.1's io_uring internals.
 *
 * 6.1 cannot cancel a uring_cmd (IORING_URING_CMD_CANCELABLE came in 6.7),
 * and io_uring tells a driver nothing when the ring is closed, or when the
 * submitter execs or exits: exec and exit wait for the task's requests, and
 * a closing ring waits for all of them. The only way to notice is to look,
 * which the device file's watch does once a second (dcx_uring_owner_gone()).
 * Every field read here is in include/linux/io_uring_types.h, read-only.
 */
#ifndef _DCX_COMPAT_H
#define _DCX_COMPAT_H

#include <linux/io_uring.h>
#include <linux/io_uring_types.h>
#include <linux/percpu-refcount.h>
#include <linux/sched.h>

/*
 * The request's ring or its submitter is going away: the ring's last fd was
 * closed (io_ring_ctx_wait_and_kill() kills ctx->refs), the submitter exits,
 * or io_uring is cancelling the submitter's requests (exec's and exit's
 * io_uring_cancel_generic() raise tctx->in_idle while they wait). Safe from
 * the watch: the request pins its ring and its task until it completes.
 */
static inline bool dcx_uring_owner_gone(struct io_uring_cmd *cmd)
{
	struct io_kiocb *req = cmd_to_io_kiocb(cmd);
	struct task_struct *task = req->task;
	struct io_uring_task *tctx = READ_ONCE(task->io_uring);

	return percpu_ref_is_dying(&req->ctx->refs) ||
	       (READ_ONCE(task->flags) & PF_EXITING) ||
	       (tctx && atomic_read(&tctx->in_idle));
}

#endif /* _DCX_COMPAT_H */
