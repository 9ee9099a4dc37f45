// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The Microsoft extensions of <mswsock.h>: DisconnectEx() and ConnectEx(),
 * the pair that recycles a socket.
 */
#include <errno.h>

#include <winsock2.h>
#include <mswsock.h>

#include "internal.h"

/*
 * DisconnectEx(), as the Windows documentation describes it, on top of
 * whichever backend is active.
 *
 *   dwReserved != 0, or a flag other than TF_REUSE_SOCKET
 *					FALSE, WSAEINVAL, nothing done
 *   lpOverlapped not writable		FALSE, WSAEFAULT, nothing done
 *   lpOverlapped->hEvent not an event	FALSE, WSA_INVALID_HANDLE
 *   lpOverlapped NULL			blocks; TRUE, or FALSE + error
 *   lpOverlapped given			FALSE + WSA_IO_PENDING; Internal is
 *					STATUS_PENDING until the end, then the
 *					status; hEvent is reset at the start and
 *					signalled at the end by the engine
 *					thread; or FALSE + error at once when
 *					the backend refuses the request
 *
 * Errors map as docs/SPEC.md section 4 says (dcx_wsa_from_errno()). Every
 * argument and state error comes at once, with no completion, on both
 * backends, as on Windows: the emulated one checks the socket before
 * starting, and the kernel backend sees the module's refusal within its own
 * submission (backend_kernel.c).
 *
 * There is no timeout parameter on Windows: the module's default applies
 * (module parameter timeout_ms, 10 s unless changed); the emulated backend
 * uses 10 s too.
 */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(TF_REUSE_SOCKET == DCX_REUSE_SOCKET,
	       "the module's flag has the value of TF_REUSE_SOCKET");
#endif

BOOL PASCAL DisconnectEx(SOCKET s, LPOVERLAPPED lpOverlapped, DWORD dwFlags,
			 DWORD dwReserved)
{
	struct dcx_sink sink;
	uint64_t saved = 0;
	int ret, wsa;

	wsa = dcx_ov_enter(lpOverlapped);
	if (wsa)
		return dcx_fail(wsa);
	if (dwReserved || (dwFlags & ~(DWORD)TF_REUSE_SOCKET))
		return dcx_fail(WSAEINVAL);

	if (!lpOverlapped) {
		ret = dcx_disconnect(s, dwFlags, 0);
		if ((dwFlags & TF_REUSE_SOCKET) && !dcx_is_refusal(ret))
			dcx_bsd_recycled(s);
		if (ret)
			return dcx_fail_errno(ret);
		/* Windows clears the last error here (test_DisconnectEx). */
		dcx_set_last_error(0);
		return TRUE;
	}

	/* Marked on entry: the event only. */
	wsa = dcx_ov_start(lpOverlapped, &sink);
	if (wsa)
		return dcx_fail(wsa);
	/*
	 * Recycled before the submission: the packet can reach another
	 * thread's GetQueuedCompletionStatus(), and its AcceptEx() into the
	 * socket, before this call returns.
	 */
	if (dwFlags & TF_REUSE_SOCKET)
		saved = dcx_bsd_recycling(s);
	/* Finished already (1) or not, Windows says pending. */
	ret = dcx_submit_disconnect(s, dwFlags, 0, &sink);
	if (ret < 0 && (dwFlags & TF_REUSE_SOCKET))
		dcx_bsd_unrecycle(s, saved);
	return dcx_ov_pending(&sink, ret);
}

/*
 * What ConnectEx() and TransmitFile() ask of their socket first, with one
 * system call: TCP_INFO answers for the fd (-EBADF, -ENOTSOCK), the
 * protocol (anything but TCP refuses the option) and the state. Windows
 * says WSAENOTSOCK for what is no socket and WSAEOPNOTSUPP for one that is
 * not connection-oriented; each call then judges the state its own way.
 */
int dcx_stream_state(int fd, bool *was_established)
{
	int state;

	if (fd < 0)
		return -ENOTSOCK;
	state = dcx_tcp_state(fd, was_established);
	if (state == -EBADF || state == -ENOTSOCK)
		return -ENOTSOCK;
	if (state < 0)
		return -EOPNOTSUPP;
	return state;
}

/*
 * ConnectEx(): connect, then send the first buffer - on both backends the
 * same io_uring link, dcx_submit_connect() (backend.c), which says how the
 * result comes about.
 *
 * Unlike Windows, the socket need not be bound first: Linux binds on
 * connect. It may be a fresh socket or one that DisconnectEx(TF_REUSE_SOCKET)
 * returned to the unconnected state; the point of the library is the latter.
 *
 * The first buffer is copied when the call is made: Windows programs may
 * reuse it as soon as ConnectEx() returns (Wine's conformance tests,
 * test_connect, overwrite it then and the peer still gets the bytes).
 *
 * lpdwBytesSent is written only when the call completes before returning,
 * i.e. in blocking mode (lpOverlapped NULL, an extension of Windows, where
 * lpOverlapped is mandatory). In overlapped mode the count comes from
 * WSAGetOverlappedResult(), as on Windows.
 */
/*
 * The checks Windows makes before it starts a connect: the address and the
 * buffer, then the socket (dcx_stream_state()). Windows answers a listening
 * socket and one still connecting with WSAEINVAL, a connected one with
 * WSAEISCONN. A socket in TCP_CLOSE whose counters survive was connected
 * and not returned to the unconnected state (a connect() or
 * DisconnectEx(TF_REUSE_SOCKET) zeroes them), so connect() would refuse it
 * too.
 */
static int dcx_connect_check(SOCKET s, const struct sockaddr *name,
			     int namelen, const void *buf, DWORD len)
{
	bool connected = false;
	int state;

	if (!name || namelen < (int)sizeof(sa_family_t) ||
	    namelen > (int)sizeof(struct sockaddr_storage) ||
	    dcx_probe_readable(name, (size_t)namelen))
		return -EFAULT;
	if ((name->sa_family == AF_INET &&
	     namelen < (int)sizeof(struct sockaddr_in)) ||
	    (name->sa_family == AF_INET6 &&
	     namelen < (int)sizeof(struct sockaddr_in6)))
		return -EFAULT;
	if (len && !buf)
		return -EFAULT;
	state = dcx_stream_state(s, &connected);
	if (state < 0)
		return state;
	switch (state) {
	case DCX_TCP_CLOSE:
		if (connected)
			return -EISCONN;
		/* An AcceptEx is to accept into it, as for connect(). */
		return dcx_accept_pending_into((int)s) ? -EINVAL : 0;
	case DCX_TCP_LISTEN:
	case DCX_TCP_SYN_SENT:
	case DCX_TCP_SYN_RECV:
		return -EINVAL;
	default:
		return -EISCONN;
	}
}

BOOL PASCAL ConnectEx(SOCKET s, const struct sockaddr *name, int namelen,
		      PVOID lpSendBuffer, DWORD dwSendDataLength,
		      LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped)
{
	struct dcx_waiter w;
	struct dcx_sink sink;
	unsigned int bytes;
	int ret, wsa;

	wsa = dcx_ov_enter(lpOverlapped);
	if (wsa)
		return dcx_fail(wsa);
	ret = dcx_connect_check(s, name, namelen, lpSendBuffer,
				dwSendDataLength);
	if (ret)
		return dcx_fail_errno(ret);
	/* A new connection: what the BSD calls knew of the last one goes. */
	dcx_bsd_forget(s);

	if (!lpOverlapped) {
		if (lpdwBytesSent &&
		    dcx_probe_writable(lpdwBytesSent, sizeof(*lpdwBytesSent)))
			return dcx_fail(WSAEFAULT);
		dcx_waiter_init(&w, &sink);
		ret = dcx_submit_connect(s, name, (socklen_t)namelen,
					 lpSendBuffer, dwSendDataLength,
					 &sink);
		ret = dcx_waiter_end(&w, &sink, ret, &bytes);
		if (ret)
			return dcx_fail_errno(ret);
		if (lpdwBytesSent)
			*lpdwBytesSent = bytes;
		return TRUE;
	}

	/* Marked on entry: the event only. */
	wsa = dcx_ov_start(lpOverlapped, &sink);
	if (wsa)
		return dcx_fail(wsa);
	ret = dcx_submit_connect(s, name, (socklen_t)namelen, lpSendBuffer,
				 dwSendDataLength, &sink);
	return dcx_ov_pending(&sink, ret);
}
