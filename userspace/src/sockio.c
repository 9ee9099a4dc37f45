// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Overlapped socket I/O: WSARecv() and WSASend().
 *
 * With an OVERLAPPED each call is one io_uring request (RECV/SEND for one
 * buffer, RECVMSG/SENDMSG for several) on the socket's port's ring, or the
 * engine's. io_uring tries it at once, inside the caller's own
 * io_uring_enter(); what happened there decides the answer, as on Windows:
 *
 *   done with bytes (or EOF)  0, the count in *lpNumberOfBytes..., the
 *                             OVERLAPPED filled in; the event and the packet
 *                             follow as for any completion - except with
 *                             FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: then no
 *                             packet
 *   failed (not connected, reset, bad buffer ...)
 *                             SOCKET_ERROR and the error at once; no event,
 *                             no packet, Internal left STATUS_PENDING
 *   still waiting             SOCKET_ERROR, WSA_IO_PENDING; the completion
 *                             comes later: a reset as WSAECONNRESET
 *                             (ERROR_NETNAME_DELETED through the port), the
 *                             peer's FIN as 0 bytes
 *
 * The hand-off rule of internal.h settles who delivers. WSASend() uses
 * MSG_WAITALL, so io_uring keeps sending until every byte is accepted, as
 * Windows completes a send; MSG_NOSIGNAL, so a reset gives an error rather
 * than SIGPIPE. The WSABUF array is copied into the operation (Windows
 * programs may reuse it once the call returns); the buffers themselves
 * must stay valid until the completion, as on Windows.
 *
 * Without an OVERLAPPED the calls block in recvmsg()/sendmsg().
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <winsock2.h>

#include "internal.h"
#include "bsd.h"

struct dcx_io_op {
	struct dcx_op op;
	struct dcx_sink sink;
	struct dcx_early early;
	struct dcx_pending pending;	/* pending.fd: the socket */
	bool zero;		/* a zero-length receive: a poll */
	struct msghdr msg;
	struct iovec iov[];
};

/*
 * Operations of one buffer - a server's receive/send loop - are recycled
 * per thread rather than paying a calloc() and a free() for every call:
 * the thread that reaps a completion keeps the operation for its next
 * call. A few are kept per thread; a thread's are freed when it exits.
 */
#define DCX_IO_CACHE		16
#define DCX_IO_SMALL	(sizeof(struct dcx_io_op) + sizeof(struct iovec))

static __thread struct dcx_io_op *dcx_io_cache;
static __thread unsigned int dcx_io_cached;
static __thread bool dcx_io_cache_armed;
static __thread bool dcx_io_cache_disabled;
static pthread_key_t dcx_io_cache_key;
static pthread_once_t dcx_io_cache_once = PTHREAD_ONCE_INIT;
static bool dcx_io_cache_keyed;

static void dcx_io_cache_exit(void *unused)
{
	struct dcx_io_op *io;

	(void)unused;
	while ((io = dcx_io_cache)) {
		dcx_io_cache = *(struct dcx_io_op **)io;
		free(io);
	}
	dcx_io_cached = 0;
	dcx_io_cache_armed = false;
}

static void dcx_io_cache_init(void)
{
	dcx_io_cache_keyed = !pthread_key_create(&dcx_io_cache_key,
						 dcx_io_cache_exit);
}

/* dlclose(): no thread may run the destructor once the code is gone. */
__attribute__((destructor)) static void dcx_io_cache_unload(void)
{
	if (dcx_io_cache_keyed)
		pthread_key_delete(dcx_io_cache_key);
	dcx_io_cache_keyed = false;
}

/*
 * The library's own threads (the engine, a closed port's drain) keep
 * nothing: their exit must not run library code after their work is done,
 * since the program may dlclose() the library by then.
 */
void dcx_io_cache_off(void)
{
	dcx_io_cache_disabled = true;
}

/* A zeroed operation with room for @n buffers, or NULL. */
static struct dcx_io_op *dcx_io_alloc(DWORD n)
{
	struct dcx_io_op *io = dcx_io_cache;

	if (n > 1 || !io)
		return calloc(1, sizeof(*io) + (n ? n : 1) * sizeof(io->iov[0]));
	dcx_io_cache = *(struct dcx_io_op **)io;
	dcx_io_cached--;
	memset(io, 0, DCX_IO_SMALL);
	return io;
}

static void dcx_io_free(struct dcx_io_op *io)
{
	if (io->msg.msg_iovlen > 1 || dcx_io_cached >= DCX_IO_CACHE ||
	    dcx_io_cache_disabled)
		goto out;
	if (!dcx_io_cache_armed) {
		/* The key's value only makes the destructor run at exit. */
		pthread_once(&dcx_io_cache_once, dcx_io_cache_init);
		if (!dcx_io_cache_keyed ||
		    pthread_setspecific(dcx_io_cache_key, &dcx_io_cache_armed))
			goto out;
		dcx_io_cache_armed = true;
	}
	*(struct dcx_io_op **)io = dcx_io_cache;
	dcx_io_cache = io;
	dcx_io_cached++;
	return;
out:
	free(io);
}

/* dcx_io_free() as dcx_early_reap() calls it. */
static void dcx_io_free_op(void *io)
{
	dcx_io_free(io);
}

/*
 * How Windows reports the end of a receive or a send: a send into a
 * connection the peer reset is a reset; a zero-length receive (a poll for
 * POLLIN here, since recv() of 0 bytes returns at once) reports 0 bytes
 * once data or the FIN is there, or the connection's error.
 */
static int dcx_io_result(const struct dcx_io_op *io, int res)
{
	char c;

	if (res == -EPIPE)
		return -ECONNRESET;
	if (!io->zero || res < 0)
		return res;
	if (recv(io->pending.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	    errno != EAGAIN)
		return errno == EPIPE ? -ECONNRESET : -errno;
	return 0;
}

/*
 * An error at once, as Windows names it: Linux refuses a send on a socket
 * that never connected with EPIPE, which Windows calls WSAENOTCONN, and
 * one after shutdown(SD_SEND) WSAESHUTDOWN.
 */
static int dcx_io_refusal(SOCKET s, bool send, int res)
{
	bool established = false;
	int state;

	if (!send || res != -ECONNRESET)
		return res;
	state = dcx_tcp_state(s, &established);
	if (state == DCX_TCP_CLOSE && !established)
		return -ENOTCONN;
	if (state == DCX_TCP_FIN_WAIT1 || state == DCX_TCP_FIN_WAIT2 ||
	    state == DCX_TCP_CLOSING || state == DCX_TCP_LAST_ACK ||
	    state == DCX_TCP_TIME_WAIT)
		return -ESHUTDOWN;
	return res;
}

static void dcx_io_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_io_op *io = (struct dcx_io_op *)o;
	struct dcx_ring *r = o->ring;
	struct dcx_sink sink;
	int state;

	(void)tag;
	state = dcx_early_reap(&io->early, res, r, dcx_io_free_op, io);
	if (!state)
		return;
	if (state == DCX_EARLY_PACKET) {
		sink = io->sink;
		res = io->zero ? 0 : res;
		dcx_io_free(io);
		dcx_ring_op_end(r);
		dcx_port_deliver(sink.port, sink.key, sink.ov, 0,
				 (unsigned int)res);
		dcx_port_put(sink.port);
		return;
	}
	res = dcx_pending_del(&io->pending, dcx_io_result(io, res));
	sink = io->sink;
	dcx_io_free(io);
	dcx_ring_op_done(r, &sink, res < 0 ? res : 0,
			 res > 0 ? (unsigned int)res : 0);
}

static void dcx_io_cancel(struct dcx_pending *p, struct dcx_ring *r)
{
	struct dcx_io_op *io = (struct dcx_io_op *)
		((char *)p - offsetof(struct dcx_io_op, pending));

	dcx_cancel_request(r, (uintptr_t)&io->op);
}

/* 0 and the operation, or the Winsock error. */
static int dcx_io_prepare(LPWSABUF bufs, DWORD n, struct dcx_io_op **iop)
{
	struct dcx_io_op *io;
	size_t total = 0;
	DWORD i;

	if (!bufs || dcx_probe_readable(bufs, (size_t)n * sizeof(*bufs)))
		return WSAEFAULT;
	/* No buffer at all is a zero-length operation (Windows, as Wine). */
	if (n > IOV_MAX)
		return WSAEINVAL;
	io = dcx_io_alloc(n);
	if (!io)
		return WSAENOBUFS;
	for (i = 0; i < n; i++) {
		io->iov[i].iov_base = bufs[i].buf;
		io->iov[i].iov_len = bufs[i].len;
		total += bufs[i].len;
	}
	io->zero = !total;
	io->msg.msg_iov = io->iov;
	io->msg.msg_iovlen = n ? n : 1;
	*iop = io;
	return 0;
}

/*
 * Start @io on @s: 0 when it finished at once (*bytes set), WSA_IO_PENDING,
 * or the Winsock error (nothing will complete).
 */
static int dcx_io_start(SOCKET s, struct dcx_io_op *io, bool send, int flags,
			LPWSAOVERLAPPED ov, DWORD *bytes)
{
	struct io_uring_sqe *sqe;
	struct dcx_sink sink;
	struct dcx_ring *r;
	unsigned int mark;
	int ret, res = 0, free_res, next, wsa, aborted = 0;
	bool found, skip, packet;

	wsa = dcx_ov_start(ov, &sink);
	if (wsa) {
		dcx_io_free(io);
		return wsa;
	}
	r = dcx_pending_begin(&io->pending, &io->op, &io->sink, s, &sink,
			      dcx_io_cancel, false, &ret);
	if (!r)
		goto err;
	io->op.fn = dcx_io_cqe;
	io->early.state = DCX_EARLY_SUBMITTING;
	sqe = dcx_ring_sqe(r);
	if (io->zero && !send)
		io_uring_prep_poll_add(sqe, s, POLLIN);
	else if (io->msg.msg_iovlen == 1 && send)
		io_uring_prep_send(sqe, s, io->iov[0].iov_base,
				   io->iov[0].iov_len, flags);
	else if (io->msg.msg_iovlen == 1)
		io_uring_prep_recv(sqe, s, io->iov[0].iov_base,
				   io->iov[0].iov_len, flags);
	else if (send)
		io_uring_prep_sendmsg(sqe, s, &io->msg, (unsigned int)flags);
	else
		io_uring_prep_recvmsg(sqe, s, &io->msg, (unsigned int)flags);
	dcx_sqe_set_op(sqe, &io->op, 0);
	ret = dcx_pending_submit(&io->pending, r, &mark);
	if (ret) {
		/* The ring is gone: io stays with it, never freed under it. */
		dcx_ov_fail(&sink);
		return dcx_wsa_from_errno(-ret);
	}

	found = dcx_ring_cq_find(r, mark, &io->op, 0, &res);
	/* Known since dcx_ring_begin(): no second look at the socket. */
	skip = sink.port && sink.skip_success;
	/*
	 * Done at once, either way: the result is the caller's to publish
	 * before it returns - OVERLAPPED and event here, so that no late
	 * write can reach an OVERLAPPED the program reused - and only the
	 * packet is left to the reaper of the CQE (PACKET), which costs no
	 * system call more.
	 */
	if (found) {
		res = dcx_io_result(io, res);
		/* Off the list while io is surely ours. */
		aborted = __atomic_load_n(&io->pending.abort_res,
					  __ATOMIC_SEQ_CST);
		res = dcx_pending_del(&io->pending, res);
	}
	packet = found && res >= 0 && sink.port && !skip;
	if (packet) {
		struct dcx_sink done = sink;

		done.port = NULL;
		dcx_sink_complete(&done, 0, (unsigned int)res);
		sink.ev = NULL;
	}
	next = !found ? DCX_EARLY_LIVE :
	       packet ? DCX_EARLY_PACKET : DCX_EARLY_ABANDONED;
	/*
	 * PACKET hands the port's last reference the caller holds to the
	 * reaper, which may free the port (and r with it) at once: counted
	 * before.
	 */
	if (packet)
		dcx_ring_op_reported(r);
	switch (dcx_early_settle(&io->early, next)) {
	case DCX_EARLY_LIVE:
		return WSA_IO_PENDING;
	case DCX_EARLY_PACKET:
		*bytes = (DWORD)res;
		return 0;
	case DCX_EARLY_EARLY:
		/* The reaper has been and gone; the op is ours. */
		aborted = __atomic_load_n(&io->pending.abort_res,
					  __ATOMIC_SEQ_CST);
		free_res = dcx_pending_del(&io->pending,
					   dcx_io_result(io, io->early.res));
		dcx_io_free(io);
		dcx_ring_op_end(r);
		if (!packet) {
			res = free_res;
			break;
		}
		dcx_port_deliver(sink.port, sink.key, ov, 0, (unsigned int)res);
		dcx_port_put(sink.port);
		*bytes = (DWORD)res;
		return 0;
	default:
		break;
	}
	dcx_ring_op_reported(r);
	if (res < 0 && aborted) {
		/* Cancelled as it started: pending, then ended by the cancel. */
		dcx_sink_complete(&sink, res, 0);
		return WSA_IO_PENDING;
	}
	if (res < 0) {
		dcx_ov_fail(&sink);
		return dcx_wsa_from_errno(-dcx_io_refusal(s, send, res));
	}
	if (skip) {
		dcx_port_put(sink.port);
		sink.port = NULL;
	}
	dcx_sink_complete(&sink, 0, (unsigned int)res);
	*bytes = (DWORD)res;
	return 0;

err:
	dcx_pending_del(&io->pending, 0);
	dcx_ov_fail(&sink);
	dcx_io_free(io);
	return dcx_wsa_from_errno(-ret);
}

/* The blocking form: one recvmsg() or sendmsg(). */
static int dcx_io_block(SOCKET s, struct dcx_io_op *io, bool send, int flags,
			DWORD *bytes)
{
	ssize_t n;
	int err;

	do
		n = send ? sendmsg(s, &io->msg, flags) :
			   recvmsg(s, &io->msg, flags);
	while (n < 0 && errno == EINTR);
	err = errno;
	dcx_io_free(io);
	if (n < 0)
		return dcx_wsa_from_errno(-dcx_io_refusal(s, send,
				err == EPIPE ? -ECONNRESET : -err));
	*bytes = (DWORD)n;
	return 0;
}

static int dcx_io_fail(int wsa)
{
	dcx_set_last_error(wsa);
	return SOCKET_ERROR;
}

/*
 * The whole of WSARecv() and WSASend(): @lpflags is WSARecv()'s flags,
 * @flags WSASend()'s. Before anything the backend, then the OVERLAPPED is
 * marked, as Windows marks it before it looks at anything else
 * (dcx_ov_enter()).
 *
 * Receive flags: MSG_PEEK and MSG_OOB, as on Windows (the values are the
 * same); MSG_WAITALL as <sys/socket.h> spells it. On return *lpFlags is 0:
 * TCP has no partial messages. Send flags: MSG_OOB and MSG_DONTROUTE, as on
 * Windows.
 */
static int dcx_io(SOCKET s, LPWSABUF bufs, DWORD n, LPDWORD count,
		  bool send, LPDWORD lpflags, DWORD sflags, LPWSAOVERLAPPED ov,
		  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine)
{
	struct dcx_io_op *io;
	DWORD bytes = 0;
	int wsa, flags;

	wsa = dcx_ov_enter(ov);
	if (wsa)
		return dcx_io_fail(wsa);
	if (send) {
		if (sflags & ~(DWORD)(MSG_OOB | MSG_DONTROUTE))
			return dcx_io_fail(WSAEOPNOTSUPP);
		flags = (int)sflags | MSG_NOSIGNAL | MSG_WAITALL;
	} else {
		if (!lpflags || dcx_probe_writable(lpflags, sizeof(*lpflags)))
			return dcx_io_fail(WSAEFAULT);
		if (*lpflags & ~(DWORD)(MSG_PEEK | MSG_OOB | MSG_WAITALL))
			return dcx_io_fail(WSAEOPNOTSUPP);
		flags = (int)*lpflags;
	}
	/* No APCs on Linux: completion routines cannot be called. */
	if (routine)
		return dcx_io_fail(WSAEOPNOTSUPP);
	/* A blocking send must say how much it sent (WSASend(3)). */
	if (send && !ov && !count)
		return dcx_io_fail(WSAEFAULT);
	if (count && dcx_probe_writable(count, sizeof(*count)))
		return dcx_io_fail(WSAEFAULT);
	/*
	 * shutdown(SD_RECEIVE) refuses every receive, data waiting or not, as
	 * recv() does (bsd_socket.c); Linux would still deliver the data.
	 */
	if (!send && (dcx_fd_peek(s) & DCX_FD_RECV_SHUT) &&
	    (dcx_fd_get(s, NULL) & DCX_FD_RECV_SHUT))
		return dcx_io_fail(WSAESHUTDOWN);
	wsa = dcx_io_prepare(bufs, n, &io);
	if (wsa)
		return dcx_io_fail(wsa);
	if (ov)
		wsa = dcx_io_start(s, io, send, flags, ov, &bytes);
	else
		wsa = dcx_io_block(s, io, send, flags, &bytes);
	if (wsa)
		return dcx_io_fail(wsa);
	if (count)
		*count = bytes;
	if (!send)
		*lpflags = 0;
	dcx_set_last_error(0);
	return 0;
}

int WSAAPI WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		   LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
		   LPWSAOVERLAPPED lpOverlapped,
		   LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	return dcx_io(s, lpBuffers, dwBufferCount, lpNumberOfBytesRecvd, false,
		      lpFlags, 0, lpOverlapped, lpCompletionRoutine);
}

int WSAAPI WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		   LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
		   LPWSAOVERLAPPED lpOverlapped,
		   LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	return dcx_io(s, lpBuffers, dwBufferCount, lpNumberOfBytesSent, true,
		      NULL, dwFlags, lpOverlapped, lpCompletionRoutine);
}
