// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * TransmitFile(): the head buffer, the file, the tail buffer, in that order,
 * then with TF_DISCONNECT the disconnect - TF_REUSE_SOCKET making it the
 * reusable one of DisconnectEx() - with one completion whose byte count is
 * everything sent.
 *
 * The steps run on the socket's ring (its port's, or the engine's), each
 * submitted when the previous one's CQE comes:
 *
 *   head, tail   IORING_OP_SEND, MSG_WAITALL | MSG_NOSIGNAL, from copies
 *                made at the call (Windows programs may reuse their
 *                buffers once the call returns, as for ConnectEx)
 *   the file     IORING_OP_SPLICE file -> a pipe of the operation's own,
 *                then pipe -> socket until the pipe is empty, chunk by
 *                chunk: the page cache's pages go to the socket by
 *                reference and never through userspace (6.1 has no
 *                sendfile in io_uring; its splice runs on an io-wq worker)
 *   disconnect   the backend's (dcx_submit_disconnect()), as DisconnectEx
 *                starts it, reporting back here
 *
 * Every step uses descriptors the operation owns - a duplicate of the
 * socket, of the file, the pipe - never the program's numbers: a step
 * submitted by a reaper after the program has closed its socket (and
 * perhaps reused the number) cannot reach another file. The program's
 * number is only where the operation is listed for CancelIoEx() and
 * closesocket(), which abort it (ERROR_OPERATION_ABORTED) while data is
 * still to go. Once the disconnect has started, closesocket() lets it
 * finish gracefully, as for DisconnectEx(); CancelIoEx() stops it on the
 * kernel backend (the module's cancel request) and lets it run to its end
 * (at most the 10 s timeout) on the emulated one.
 *
 * A socket in non-blocking mode makes the splice to it fail with EAGAIN
 * when its buffer is full (the splice honours O_NONBLOCK): the step then
 * waits for POLLOUT and goes on.
 *
 * Sources: Microsoft's TransmitFile and TRANSMIT_FILE_BUFFERS documentation;
 * Wine's dlls/ws2_32/tests/sock.c (test_TransmitFile) for the errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winsock2.h>
#include <mswsock.h>
#include <windows.h>

#include "internal.h"

/* The most one call moves, as Windows documents it. */
#define DCX_TF_MAX		2147483646U
/* What a pipe is asked to hold: the chunk of one splice pair. */
#define DCX_TF_PIPE_SIZE	(256 * 1024)
#define DCX_TF_FLAGS		(TF_DISCONNECT | TF_REUSE_SOCKET | \
				 TF_WRITE_BEHIND | TF_USE_SYSTEM_THREAD | \
				 TF_USE_KERNEL_APC)

enum {
	DCX_TF_HEAD = 1,	/* the tags of the SQEs, and the steps */
	DCX_TF_FILL,		/* file -> pipe */
	DCX_TF_DRAIN,		/* pipe -> socket */
	DCX_TF_POLL,		/* the socket's buffer is full */
	DCX_TF_TAIL,
	DCX_TF_DISCONNECT,	/* the backend's operation, not an SQE */
	DCX_TF_DONE,
};

struct dcx_tf_op {
	struct dcx_op op;
	struct dcx_sink sink;
	struct dcx_pending pending;
	SOCKET s;		/* the program's number: the list, the fd table */
	int sock;		/* ours: a duplicate */
	int file;		/* ours, or -1 */
	int pipe[2];
	int step;
	unsigned int flags;
	bool explicit_off;	/* overlapped: Offset/OffsetHigh; else the
				 * file's position, which moves */
	loff_t off;
	uint64_t left;		/* file bytes still to read; UINT64_MAX: to EOF */
	unsigned int chunk;
	unsigned int in_pipe;
	unsigned int bytes;	/* sent */
	DWORD head_len, tail_len;
	char *head, *tail;	/* in data[] */
	char data[];
};

static int dcx_tf_next_step(const struct dcx_tf_op *t, int step)
{
	switch (step) {
	case 0:
		if (t->head_len)
			return DCX_TF_HEAD;
		/* fall through */
	case DCX_TF_HEAD:
		if (t->file >= 0 && t->left)
			return DCX_TF_FILL;
		/* fall through */
	case DCX_TF_FILL:
		if (t->tail_len)
			return DCX_TF_TAIL;
		/* fall through */
	case DCX_TF_TAIL:
		if (t->flags & TF_DISCONNECT)
			return DCX_TF_DISCONNECT;
		/* fall through */
	default:
		return DCX_TF_DONE;
	}
}

/* Under the ring's lock: the SQE of t->step. */
static void dcx_tf_queue(struct dcx_tf_op *t)
{
	struct io_uring_sqe *sqe = dcx_ring_sqe(t->op.ring);
	uint64_t len;

	switch (t->step) {
	case DCX_TF_HEAD:
		io_uring_prep_send(sqe, t->sock, t->head, t->head_len,
				   MSG_NOSIGNAL | MSG_WAITALL);
		break;
	case DCX_TF_TAIL:
		io_uring_prep_send(sqe, t->sock, t->tail, t->tail_len,
				   MSG_NOSIGNAL | MSG_WAITALL);
		break;
	case DCX_TF_FILL:
		len = t->left < t->chunk ? t->left : t->chunk;
		io_uring_prep_splice(sqe, t->file,
				     t->explicit_off ? (int64_t)t->off : -1,
				     t->pipe[1], -1, (unsigned int)len,
				     SPLICE_F_MOVE);
		break;
	case DCX_TF_DRAIN:
		io_uring_prep_splice(sqe, t->pipe[0], -1, t->sock, -1,
				     t->in_pipe, SPLICE_F_MOVE);
		break;
	case DCX_TF_POLL:
		io_uring_prep_poll_add(sqe, t->sock, POLLOUT);
		break;
	}
	dcx_sqe_set_op(sqe, &t->op, (unsigned int)t->step);
}

static void dcx_tf_free(struct dcx_tf_op *t)
{
	if (t->sock >= 0)
		close(t->sock);
	if (t->file >= 0)
		close(t->file);
	if (t->pipe[0] >= 0)
		close(t->pipe[0]);
	if (t->pipe[1] >= 0)
		close(t->pipe[1]);
	free(t);
}

/* The one end: off the list, the ring's counts, the program's result. */
static void dcx_tf_finish(struct dcx_tf_op *t, int res)
{
	struct dcx_ring *r = t->op.ring;
	struct dcx_sink sink = t->sink;
	unsigned int bytes = t->bytes;
	bool aborted = __atomic_load_n(&t->pending.abort_res, __ATOMIC_SEQ_CST);

	/* Recycled, and the number still the program's: AcceptEx may take it. */
	if (!res && (t->flags & TF_REUSE_SOCKET) && !aborted)
		dcx_bsd_recycled(t->s);
	res = dcx_pending_del(&t->pending, res);
	dcx_tf_free(t);
	dcx_ring_op_done(r, &sink, res, bytes);
}

static void dcx_tf_disconnected(void *arg, int res)
{
	dcx_tf_finish(arg, res);
}

static void dcx_tf_disconnect(struct dcx_tf_op *t)
{
	struct dcx_sink sink;
	int ret;

	memset(&sink, 0, sizeof(sink));
	sink.done = dcx_tf_disconnected;
	sink.arg = t;
	ret = dcx_submit_disconnect(t->sock, t->flags & TF_REUSE_SOCKET, 0,
				    &sink);
	if (ret < 0)
		dcx_tf_finish(t, ret);
}

/*
 * Go on with t->step: queue its SQE, or start the disconnect, or end. The
 * step is changed under the ring's lock, where a cancel reads it; a cancel
 * that came already ends the operation here.
 */
static void dcx_tf_advance(struct dcx_tf_op *t, int step)
{
	struct dcx_ring *r = t->op.ring;

	if (step == DCX_TF_DONE) {
		dcx_tf_finish(t, 0);
		return;
	}
	if (dcx_ring_lock(r)) {
		dcx_tf_finish(t, -ECANCELED);
		return;
	}
	if (__atomic_load_n(&t->pending.abort_res, __ATOMIC_SEQ_CST)) {
		dcx_ring_unlock(r);
		dcx_tf_finish(t, -ECANCELED);
		return;
	}
	t->step = step;
	if (step == DCX_TF_DISCONNECT) {
		dcx_ring_unlock(r);
		dcx_tf_disconnect(t);
		return;
	}
	dcx_tf_queue(t);
	dcx_ring_unlock(r);
}

static void dcx_tf_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_tf_op *t = (struct dcx_tf_op *)
		((char *)o - offsetof(struct dcx_tf_op, op));

	switch (tag) {
	case DCX_TF_HEAD:
	case DCX_TF_TAIL:
		if (res < 0) {
			dcx_tf_finish(t, res);
			return;
		}
		t->bytes += (unsigned int)res;
		/* MSG_WAITALL stops short only when the connection went. */
		if ((DWORD)res < (tag == DCX_TF_HEAD ? t->head_len :
						      t->tail_len)) {
			dcx_tf_finish(t, -EPIPE);
			return;
		}
		dcx_tf_advance(t, dcx_tf_next_step(t, (int)tag));
		return;
	case DCX_TF_FILL:
		if (res < 0) {
			dcx_tf_finish(t, res);
			return;
		}
		/* The end of the file before the count: what there was. */
		if (!res) {
			dcx_tf_advance(t, dcx_tf_next_step(t, DCX_TF_FILL));
			return;
		}
		t->in_pipe = (unsigned int)res;
		t->off += res;
		if (t->left != UINT64_MAX)
			t->left -= (unsigned int)res;
		dcx_tf_advance(t, DCX_TF_DRAIN);
		return;
	case DCX_TF_POLL:
		if (res < 0) {
			dcx_tf_finish(t, res);
			return;
		}
		dcx_tf_advance(t, DCX_TF_DRAIN);
		return;
	case DCX_TF_DRAIN:
		if (res == -EAGAIN) {
			dcx_tf_advance(t, DCX_TF_POLL);
			return;
		}
		if (res <= 0) {
			dcx_tf_finish(t, res ? res : -EPIPE);
			return;
		}
		t->bytes += (unsigned int)res;
		t->in_pipe -= (unsigned int)res;
		if (t->in_pipe)
			dcx_tf_advance(t, DCX_TF_DRAIN);
		else if (t->left)
			dcx_tf_advance(t, DCX_TF_FILL);
		else
			dcx_tf_advance(t, dcx_tf_next_step(t, DCX_TF_FILL));
		return;
	}
}

/*
 * CancelIoEx() or closesocket(), under the ring's lock: stop the step in
 * flight. During the disconnect only CancelIoEx() acts, and only on the
 * kernel backend (see above).
 */
static void dcx_tf_cancel(struct dcx_pending *p, struct dcx_ring *r)
{
	struct dcx_tf_op *t = (struct dcx_tf_op *)
		((char *)p - offsetof(struct dcx_tf_op, pending));
	struct io_uring_sqe *sqe;
	int devfd;

	if (t->step != DCX_TF_DISCONNECT) {
		dcx_cancel_request(r, (uintptr_t)&t->op | (unsigned int)t->step);
		return;
	}
	if (__atomic_load_n(&p->abort_res, __ATOMIC_SEQ_CST) == -ECONNABORTED)
		return;
	if (dcx_backend_resolve(&devfd) == DCX_BACKEND_KERNEL && devfd >= 0) {
		sqe = dcx_ring_sqe(r);
		dcx_prep_cancel(sqe, devfd, t->sock);
		io_uring_sqe_set_data64(sqe, 0);
	}
}

/*
 * What Windows checks before it starts: the socket, as for ConnectEx()
 * (dcx_stream_state()), then the arguments and its state. 0 or -errno.
 */
static int dcx_tf_check(SOCKET s, HANDLE file, DWORD n,
			const TRANSMIT_FILE_BUFFERS *tb, DWORD flags)
{
	int state;

	state = dcx_stream_state(s, NULL);
	if (state < 0)
		return state;
	if ((flags & ~(DWORD)DCX_TF_FLAGS) ||
	    ((flags & TF_REUSE_SOCKET) && !(flags & TF_DISCONNECT)) ||
	    n > DCX_TF_MAX)
		return -EINVAL;
	if (state != DCX_TCP_ESTABLISHED && state != DCX_TCP_CLOSE_WAIT)
		return -ENOTCONN;
	if (tb) {
		if (dcx_probe_readable(tb, sizeof(*tb)))
			return -EFAULT;
		if ((tb->HeadLength && !tb->Head) ||
		    (tb->TailLength && !tb->Tail) ||
		    (uint64_t)tb->HeadLength + tb->TailLength > DCX_TF_MAX)
			return -EINVAL;
	}
	if (file && fcntl((int)(intptr_t)file, F_GETFD) < 0)
		return -EINVAL;
	return 0;
}

/*
 * The operation, its copies and its descriptors: 0 or -errno (*out is then
 * the caller's to free).
 */
static int dcx_tf_make(SOCKET s, HANDLE file, DWORD n, DWORD per_send,
		       const OVERLAPPED *ov, const TRANSMIT_FILE_BUFFERS *tb,
		       DWORD flags, struct dcx_tf_op **out)
{
	DWORD hl = tb ? tb->HeadLength : 0, tl = tb ? tb->TailLength : 0;
	struct dcx_tf_op *t;
	int sz;

	t = calloc(1, sizeof(*t) + hl + tl);
	if (!t)
		return -ENOMEM;
	t->s = s;
	t->file = t->pipe[0] = t->pipe[1] = -1;
	t->flags = flags;
	t->head = t->data;
	t->tail = t->data + hl;
	t->head_len = hl;
	t->tail_len = tl;
	t->left = n ? n : UINT64_MAX;
	t->op.fn = dcx_tf_cqe;
	*out = t;
	if ((hl && dcx_copy_checked(t->head, tb->Head, hl)) ||
	    (tl && dcx_copy_checked(t->tail, tb->Tail, tl)))
		return -EFAULT;
	t->sock = fcntl(s, F_DUPFD_CLOEXEC, 0);
	if (t->sock < 0)
		return -errno;
	if (!file)
		return 0;
	t->file = fcntl((int)(intptr_t)file, F_DUPFD_CLOEXEC, 0);
	if (t->file < 0 || pipe2(t->pipe, O_CLOEXEC))
		return -errno;
	if (ov) {
		t->explicit_off = true;
		t->off = (loff_t)((uint64_t)ov->OffsetHigh << 32 | ov->Offset);
	}
	/* A bigger pipe where the limits allow, else the default 64 KiB. */
	fcntl(t->pipe[1], F_SETPIPE_SZ, DCX_TF_PIPE_SIZE);
	sz = fcntl(t->pipe[1], F_GETPIPE_SZ);
	t->chunk = sz > 0 ? (unsigned int)sz : 65536;
	if (per_send && per_send < t->chunk)
		t->chunk = per_send;
	return 0;
}

static int dcx_tf_submit(struct dcx_tf_op *t, struct dcx_sink *sink)
{
	int step = dcx_tf_next_step(t, 0);
	struct dcx_ring *r;
	int ret;

	r = dcx_pending_begin(&t->pending, &t->op, &t->sink, (int)t->s, sink,
			      dcx_tf_cancel, false, &ret);
	if (!r) {
		dcx_tf_free(t);
		return ret;
	}
	t->step = step;
	dcx_ring_op_start(r);
	dcx_pending_arm(&t->pending, r);
	if (step == DCX_TF_DONE || step == DCX_TF_DISCONNECT) {
		dcx_ring_unlock(r);
		if (step == DCX_TF_DONE)
			dcx_tf_finish(t, 0);
		else
			dcx_tf_disconnect(t);
		return 0;
	}
	dcx_tf_queue(t);
	/*
	 * From here the ring's reaper owns t; an error means the ring is
	 * gone for good and t stays with it, off the list (as for
	 * ConnectEx(), dcx_pending_submit()).
	 */
	ret = dcx_ring_unlock(r);
	if (ret)
		dcx_pending_del(&t->pending, 0);
	return ret;
}

BOOL PASCAL TransmitFile(SOCKET hSocket, HANDLE hFile,
			 DWORD nNumberOfBytesToWrite,
			 DWORD nNumberOfBytesPerSend, LPOVERLAPPED lpOverlapped,
			 LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers,
			 DWORD dwReserved)
{
	struct dcx_tf_op *t = NULL;
	struct dcx_waiter w;
	struct dcx_sink sink;
	int ret, wsa;

	wsa = dcx_ov_enter(lpOverlapped);
	if (wsa)
		return dcx_fail(wsa);
	ret = dcx_tf_check(hSocket, hFile, nNumberOfBytesToWrite,
			   lpTransmitBuffers, dwReserved);
	if (ret)
		return dcx_fail_errno(ret);
	ret = dcx_tf_make(hSocket, hFile, nNumberOfBytesToWrite,
			  nNumberOfBytesPerSend, lpOverlapped,
			  lpTransmitBuffers, dwReserved, &t);
	if (ret) {
		dcx_tf_free(t);
		return dcx_fail_errno(ret);
	}

	if (!lpOverlapped) {
		dcx_waiter_init(&w, &sink);
		ret = dcx_tf_submit(t, &sink);
		ret = dcx_waiter_end(&w, &sink, ret, NULL);
		if (ret)
			return dcx_fail_errno(ret);
		dcx_set_last_error(0);
		return TRUE;
	}

	/* Marked on entry: the event only. */
	wsa = dcx_ov_start(lpOverlapped, &sink);
	if (wsa) {
		dcx_tf_free(t);
		return dcx_fail(wsa);
	}
	return dcx_ov_pending(&sink, dcx_tf_submit(t, &sink));
}
