// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * AcceptEx() and GetAcceptExSockaddrs(): the server half of the reuse loop.
 *
 * Windows accepts into a socket the program made beforehand, fresh or
 * recycled by DisconnectEx(TF_REUSE_SOCKET), and after the completion that
 * SOCKET is the connection. Linux accepts into a new socket. So the accept
 * runs on the listener (IORING_OP_ACCEPT, on the listener's ring: its
 * port's, or the engine's), and its reaper puts the new socket behind the
 * accept socket's descriptor number:
 *
 *   1. the options the program set on the accept socket through the
 *      library's setsockopt() (every one, in the order set: the record
 *      below) are set again on the new socket, which has inherited the
 *      listener's as Linux's accept() gives them; its file status flags
 *      (O_NONBLOCK) and its descriptor's FD_CLOEXEC are taken over;
 *   2. dup3(new, accept_socket) replaces the open file behind the number
 *      in one step - no moment in which the number names nothing or
 *      another file, whatever other threads open meanwhile - and closes
 *      the old socket; the new descriptor is closed.
 *
 * The number keeps what the library keeps by number: its completion port
 * and key, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS. What belongs to the old
 * open file cannot come along: an epoll registration, file locks, a
 * dup()ed copy of the old descriptor (it goes on naming the old, unused
 * socket), options set with the C library's setsockopt() directly.
 *
 * With a receive buffer the operation first receives once into it, on the
 * new socket, and completes with those bytes (0 when the client closed
 * first). The addresses follow the data, each in its slot as
 * GetAcceptExSockaddrs() reads it: a 32-bit length, then the sockaddr.
 * Until the operation has succeeded the new socket is the library's
 * alone: only then are steps 1 and 2 taken, and an operation that ends
 * otherwise (cancelled, either socket closed, an error) closes it and
 * leaves the accept socket as it was, ready for another AcceptEx.
 *
 * The packet goes to the listener's port with the listener's key, as on
 * Windows. The operation is listed for cancellation under both sockets:
 * CancelIoEx() on the listener, or closesocket() of either, aborts it with
 * ERROR_OPERATION_ABORTED (CancelIo[Ex] on the accept socket does not: it
 * is the listener's I/O). The swap happens under the list's lock, after a
 * last look at whether the operation was aborted, so a closesocket() of
 * the accept socket either comes first (the new connection is closed, the
 * number left alone) or after (and closes the connection).
 *
 * Sources: Microsoft's AcceptEx, GetAcceptExSockaddrs and
 * SO_UPDATE_ACCEPT_CONTEXT documentation; Wine's dlls/ws2_32/tests/sock.c
 * (test_AcceptEx) for the errors.
 */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1	/* the C library's calls, in this file */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <winsock2.h>
#include <mswsock.h>
#include <windows.h>

#include "internal.h"
#include "bsd.h"

/* ---- the options the program set on a socket ---------------------------- */

#define DCX_OPTS_MAX		16
#define DCX_OPT_BYTES		16
#define DCX_OPTS_BUCKETS	64

struct dcx_opt {
	int level;
	int name;
	socklen_t len;
	unsigned char val[DCX_OPT_BYTES];
};

struct dcx_opts {
	struct dcx_opts *next;
	int fd;
	uint32_t ino;		/* the socket they were set on */
	unsigned int n;
	struct dcx_opt o[DCX_OPTS_MAX];
};

static dcx_lock_t dcx_opts_lock = DCX_LOCK_INIT;
static struct dcx_opts *dcx_opts_by_fd[DCX_OPTS_BUCKETS];

/* Under the lock: @fd's record, for socket @ino; created if @create. */
static struct dcx_opts *dcx_opts_find(int fd, uint32_t ino, bool create)
{
	struct dcx_opts **b = &dcx_opts_by_fd[(unsigned int)fd %
					      DCX_OPTS_BUCKETS];
	struct dcx_opts *e;

	for (e = *b; e; e = e->next)
		if (e->fd == fd)
			break;
	if (e && e->ino != ino) {
		if (!create)
			return NULL;
		/* Another socket has the number now: start afresh. */
		e->ino = ino;
		e->n = 0;
	}
	if (!e && create) {
		e = calloc(1, sizeof(*e));
		if (e) {
			e->fd = fd;
			e->ino = ino;
			e->next = *b;
			*b = e;
		}
	}
	return e;
}

/*
 * setsockopt() succeeded on @fd with these Linux arguments: remember them,
 * the last value of each option, for an AcceptEx into the socket. Options
 * beyond DCX_OPTS_MAX or DCX_OPT_BYTES are not carried (none Windows
 * programs set on an accept socket is larger).
 */
void dcx_opt_note(int fd, int level, int name, const void *val, socklen_t len)
{
	uint32_t ino = dcx_fd_ino(fd);
	struct dcx_opts *e;
	unsigned int i;

	if (!ino || len > DCX_OPT_BYTES)
		return;
	dcx_lock(&dcx_opts_lock);
	e = dcx_opts_find(fd, ino, true);
	if (!e)
		goto out;
	for (i = 0; i < e->n; i++)
		if (e->o[i].level == level && e->o[i].name == name)
			break;
	if (i == e->n) {
		if (e->n == DCX_OPTS_MAX)
			goto out;
		e->n++;
	}
	e->o[i].level = level;
	e->o[i].name = name;
	e->o[i].len = len;
	memcpy(e->o[i].val, val, len);
out:
	dcx_unlock(&dcx_opts_lock);
}

/*
 * Set what the program set on @old (socket @ino) on @fresh too. An option
 * Linux refuses on a connected socket (IPV6_V6ONLY) is left as accept()
 * made it. The record stays @old's until the swap (dcx_opts_moved()).
 */
static void dcx_opts_carry(int old, uint32_t ino, int fresh)
{
	struct dcx_opts copy, *e;
	unsigned int i;

	copy.n = 0;
	dcx_lock(&dcx_opts_lock);
	e = ino ? dcx_opts_find(old, ino, false) : NULL;
	if (e)
		copy = *e;
	dcx_unlock(&dcx_opts_lock);
	for (i = 0; i < copy.n; i++)
		setsockopt(fresh, copy.o[i].level, copy.o[i].name,
			   copy.o[i].val, copy.o[i].len);
}

/* @fd's socket @ino was replaced by @fresh_ino: the record follows. */
static void dcx_opts_moved(int fd, uint32_t ino, uint32_t fresh_ino)
{
	struct dcx_opts *e;

	dcx_lock(&dcx_opts_lock);
	e = ino ? dcx_opts_find(fd, ino, false) : NULL;
	if (e)
		e->ino = fresh_ino;
	dcx_unlock(&dcx_opts_lock);
}

void dcx_opts_atfork_child(void)
{
	dcx_lock_init(&dcx_opts_lock);
}

/* ---- AcceptEx ------------------------------------------------------------ */

enum {
	DCX_T_ACCEPT = 1,
	DCX_T_RECV,
};

struct dcx_accept_op {
	struct dcx_op op;
	struct dcx_sink sink;
	struct dcx_pending on_listener;
	struct dcx_pending on_target;
	SOCKET target;
	char *buf;
	DWORD rxlen, locallen, remotelen;
	bool slots_short;	/* fails once a client came (test_AcceptEx) */
	int newfd;
};

/* The slot of an address: its length, then the sockaddr. */
struct dcx_addr_slot {
	uint32_t len;
	unsigned char addr[];
};

static void dcx_accept_addr(char *slot, DWORD size, int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint32_t n;

	memset(&ss, 0, sizeof(ss));
	if (peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		   getsockname(fd, (struct sockaddr *)&ss, &len))
		len = 0;
	if (len > size - sizeof(n))
		len = (socklen_t)(size - sizeof(n));
	n = len;
	memcpy(slot, &n, sizeof(n));
	memcpy(slot + sizeof(n), &ss, len);
}

static bool dcx_accept_aborted(struct dcx_accept_op *aop)
{
	return __atomic_load_n(&aop->on_listener.abort_res, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&aop->on_target.abort_res, __ATOMIC_SEQ_CST);
}

/*
 * Off both lists. An aborted AcceptEx ends with ERROR_OPERATION_ABORTED,
 * whichever socket was cancelled or closed (test_AcceptEx).
 */
static int dcx_accept_del(struct dcx_accept_op *aop, int res)
{
	bool aborted = dcx_accept_aborted(aop);

	dcx_pending_del(&aop->on_listener, res);
	dcx_pending_del(&aop->on_target, res);
	return res < 0 && aborted ? -ECANCELED : res;
}

static void dcx_accept_finish(struct dcx_accept_op *aop, int res)
{
	struct dcx_ring *r = aop->op.ring;
	struct dcx_sink sink = aop->sink;

	if (aop->newfd >= 0)
		close(aop->newfd);
	res = dcx_accept_del(aop, res);
	free(aop);
	dcx_ring_op_done(r, &sink, res < 0 ? res : 0,
			 res > 0 ? (unsigned int)res : 0);
}

/*
 * Put the accepted socket behind the accept socket's number (see above),
 * once the operation has succeeded: until then the connection is only
 * the library's, and an abort closes it and leaves the number alone.
 */
static int dcx_accept_install(struct dcx_accept_op *aop)
{
	unsigned int keep = dcx_fd_get((int)aop->target, NULL) & DCX_FD_KEEP;
	uint32_t ino = dcx_fd_ino((int)aop->target);
	uint32_t fresh_ino = dcx_fd_ino(aop->newfd);
	int fl, fdfl, ret;

	fl = fcntl(aop->target, F_GETFL);
	fdfl = fcntl(aop->target, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return -errno;
	dcx_opts_carry((int)aop->target, ino, aop->newfd);
	if (fcntl(aop->newfd, F_SETFL, fl & O_NONBLOCK) < 0)
		return -errno;
	/*
	 * Neither socket cancelled or closed, and no closesocket() or
	 * CancelIoEx() until the number is swapped.
	 */
	ret = dcx_pending_hold(&aop->on_target);
	if (ret)
		return ret;
	if (dcx_accept_aborted(aop)) {
		dcx_pending_release();
		return -ECANCELED;
	}
	ret = dup3(aop->newfd, aop->target,
		   (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
	ret = ret < 0 ? -errno : 0;
	if (!ret)
		dcx_opts_moved((int)aop->target, ino, fresh_ino);
	dcx_pending_release();
	if (ret)
		return ret;
	close(aop->newfd);
	aop->newfd = -1;
	/* A new connection: what the BSD calls knew of the last one goes. */
	dcx_bsd_forget(aop->target);
	if (keep)
		dcx_fd_update((int)aop->target, keep, 0, 0);
	return 0;
}

/* Accepted, and received if asked: the addresses, then the swap. */
static void dcx_accept_done(struct dcx_accept_op *aop, int bytes)
{
	int ret;

	dcx_accept_addr(aop->buf + aop->rxlen, aop->locallen, aop->newfd,
			false);
	dcx_accept_addr(aop->buf + aop->rxlen + aop->locallen,
			aop->remotelen, aop->newfd, true);
	ret = dcx_accept_install(aop);
	dcx_accept_finish(aop, ret ? ret : bytes);
}

static void dcx_accept_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_accept_op *aop = (struct dcx_accept_op *)
		((char *)o - offsetof(struct dcx_accept_op, op));
	struct io_uring_sqe *sqe;

	if (res < 0) {
		dcx_accept_finish(aop, res);
		return;
	}
	if (tag == DCX_T_RECV) {
		dcx_accept_done(aop, res);
		return;
	}
	aop->newfd = res;
	/*
	 * A slot too small for its address: Windows starts the accept and
	 * fails it with STATUS_BUFFER_TOO_SMALL (ERROR_INSUFFICIENT_BUFFER)
	 * once a client has come, the connection dropped.
	 */
	if (aop->slots_short) {
		dcx_accept_finish(aop, -EOVERFLOW);
		return;
	}
	if (!aop->rxlen) {
		dcx_accept_done(aop, 0);
		return;
	}
	/*
	 * The first data, on the new socket, still the library's alone. A
	 * cancel takes the ring's lock to stop the receive: looked at under
	 * the lock, one that came already ends the operation here, one that
	 * comes later stops the receive.
	 */
	if (dcx_ring_lock(o->ring)) {
		dcx_accept_finish(aop, -ECANCELED);
		return;
	}
	if (dcx_accept_aborted(aop)) {
		dcx_ring_unlock(o->ring);
		dcx_accept_finish(aop, -ECANCELED);
		return;
	}
	sqe = dcx_ring_sqe(o->ring);
	io_uring_prep_recv(sqe, aop->newfd, aop->buf, aop->rxlen, 0);
	dcx_sqe_set_op(sqe, o, DCX_T_RECV);
	dcx_ring_unlock(o->ring);
}

static void dcx_accept_stop(struct dcx_accept_op *aop, struct dcx_ring *r)
{
	dcx_cancel_request(r, (uintptr_t)&aop->op | DCX_T_ACCEPT);
	dcx_cancel_request(r, (uintptr_t)&aop->op | DCX_T_RECV);
}

/* CancelIoEx() or closesocket() of the listener ... */
static void dcx_accept_cancel_l(struct dcx_pending *p, struct dcx_ring *r)
{
	dcx_accept_stop((struct dcx_accept_op *)((char *)p -
			offsetof(struct dcx_accept_op, on_listener)), r);
}

/* ... or of the accept socket. */
static void dcx_accept_cancel_t(struct dcx_pending *p, struct dcx_ring *r)
{
	dcx_accept_stop((struct dcx_accept_op *)((char *)p -
			offsetof(struct dcx_accept_op, on_target)), r);
}

bool dcx_accept_pending_into(int fd)
{
	return dcx_pending_listed(fd, dcx_accept_cancel_t);
}

static int dcx_sock_family(SOCKET s)
{
	int family;
	socklen_t len = sizeof(family);

	if (getsockopt(s, SOL_SOCKET, SO_DOMAIN, &family, &len))
		return -errno;
	return family;
}

/*
 * What Windows checks before it starts (test_AcceptEx): the listener a
 * listening TCP socket, the accept socket an unbound, unconnected one of
 * the same family, room for each address and its 16 bytes.
 */
static int dcx_accept_check(SOCKET l, SOCKET s, PVOID buf, DWORD rxlen,
			    DWORD locallen, DWORD remotelen, bool *slots_short)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	bool connected = false;
	size_t need, total;
	int state, family;

	state = l < 0 ? -EBADF : dcx_tcp_state(l, &connected);
	if (state == -EBADF || state == -ENOTSOCK)
		return WSAENOTSOCK;
	if (state != DCX_TCP_LISTEN)
		return WSAEINVAL;
	state = s < 0 ? -EBADF : dcx_tcp_state(s, &connected);
	if (state == -EBADF || state == -ENOTSOCK)
		return WSAENOTSOCK;
	if (state != DCX_TCP_CLOSE || connected)
		return WSAEINVAL;
	if (getsockname(s, (struct sockaddr *)&ss, &len))
		return dcx_wsa_from_errno(errno);
	/*
	 * Linux keeps showing a recycled socket's last local port, though
	 * the port was released: the library knows it recycled it.
	 */
	if (!dcx_bsd_unbound(&ss) &&
	    !((dcx_fd_peek((int)s) & DCX_FD_RECYCLED) &&
	      (dcx_fd_get((int)s, NULL) & DCX_FD_RECYCLED)))
		return WSAEINVAL;
	family = dcx_sock_family(l);
	if (family < 0 || family != dcx_sock_family(s))
		return WSAEINVAL;
	/* No remote slot at all is refused at once; a short one later. */
	if (!remotelen)
		return WSAEFAULT;
	total = (size_t)rxlen + locallen + remotelen;
	if (!buf || dcx_probe_writable(buf, total))
		return WSAEFAULT;
	need = (family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		sizeof(struct sockaddr_in)) + 16;
	*slots_short = locallen < need || remotelen < need;
	return 0;
}

BOOL PASCAL AcceptEx(SOCKET sListenSocket, SOCKET sAcceptSocket,
		     PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
		     DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
		     LPDWORD lpdwBytesReceived, LPOVERLAPPED lpOverlapped)
{
	struct dcx_accept_op *aop;
	struct io_uring_sqe *sqe;
	struct dcx_sink sink;
	struct dcx_ring *r;
	bool slots_short = false;
	int ret, wsa;

	(void)lpdwBytesReceived;	/* never done at once: the OVERLAPPED's */
	if (dcx_backend_check())
		return dcx_fail(WSASYSNOTREADY);
	if (!lpOverlapped)
		return dcx_fail(ERROR_INVALID_PARAMETER);
	wsa = dcx_ov_mark(lpOverlapped);
	if (wsa)
		return dcx_fail(wsa);
	wsa = dcx_accept_check(sListenSocket, sAcceptSocket, lpOutputBuffer,
			       dwReceiveDataLength, dwLocalAddressLength,
			       dwRemoteAddressLength, &slots_short);
	if (wsa)
		return dcx_fail(wsa);
	aop = calloc(1, sizeof(*aop));
	if (!aop)
		return dcx_fail(WSAENOBUFS);
	aop->target = sAcceptSocket;
	aop->buf = lpOutputBuffer;
	aop->rxlen = dwReceiveDataLength;
	aop->locallen = dwLocalAddressLength;
	aop->remotelen = dwRemoteAddressLength;
	aop->slots_short = slots_short;
	aop->newfd = -1;
	aop->op.fn = dcx_accept_cqe;

	/* Marked on entry: the event only. */
	wsa = dcx_ov_start(lpOverlapped, &sink);
	if (wsa) {
		free(aop);
		return dcx_fail(wsa);
	}
	/* One AcceptEx at a time into a socket (test_AcceptEx). */
	if (dcx_pending_add_once(&aop->on_target, (int)sAcceptSocket,
				 lpOverlapped, dcx_accept_cancel_t)) {
		dcx_ov_fail(&sink);
		free(aop);
		return dcx_fail(WSAEINVAL);
	}
	dcx_pending_add(&aop->on_listener, (int)sListenSocket, lpOverlapped,
			dcx_accept_cancel_l, false);
	r = dcx_ring_begin((int)sListenSocket, &sink, &ret);
	if (!r) {
		dcx_accept_del(aop, 0);
		dcx_ov_fail(&sink);
		free(aop);
		return dcx_fail_errno(ret);
	}
	aop->op.ring = r;
	aop->sink = sink;
	sqe = dcx_ring_sqe(r);
	io_uring_prep_accept(sqe, (int)sListenSocket, NULL, NULL, SOCK_CLOEXEC);
	dcx_sqe_set_op(sqe, &aop->op, DCX_T_ACCEPT);
	dcx_ring_op_start(r);
	dcx_pending_arm(&aop->on_listener, r);
	dcx_pending_arm(&aop->on_target, r);
	/* From here the ring's reaper owns aop. */
	ret = dcx_ring_unlock(r);
	/* The ring is gone: aop stays with it, never freed under it. */
	if (ret)
		dcx_accept_del(aop, 0);
	return dcx_ov_pending(&sink, ret);
}

/*
 * The slots AcceptEx() filled: pointers into the buffer, as on Windows.
 * Nothing is checked (Windows returns nothing); a NULL buffer is ignored.
 */
void PASCAL GetAcceptExSockaddrs(PVOID lpOutputBuffer,
				 DWORD dwReceiveDataLength,
				 DWORD dwLocalAddressLength,
				 DWORD dwRemoteAddressLength,
				 struct sockaddr **LocalSockaddr,
				 LPINT LocalSockaddrLength,
				 struct sockaddr **RemoteSockaddr,
				 LPINT RemoteSockaddrLength)
{
	char *p = (char *)lpOutputBuffer;
	uint32_t n;

	(void)dwRemoteAddressLength;
	if (!p)
		return;
	p += dwReceiveDataLength;
	memcpy(&n, p, sizeof(n));
	if (LocalSockaddr)
		*LocalSockaddr = (struct sockaddr *)(p + sizeof(n));
	if (LocalSockaddrLength)
		*LocalSockaddrLength = (INT)n;
	p += dwLocalAddressLength;
	memcpy(&n, p, sizeof(n));
	if (RemoteSockaddr)
		*RemoteSockaddr = (struct sockaddr *)(p + sizeof(n));
	if (RemoteSockaddrLength)
		*RemoteSockaddrLength = (INT)n;
}
