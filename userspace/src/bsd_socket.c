// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The BSD-named calls of a socket's life: socket() and WSASocketA/W(),
 * bind(), listen(), accept(), connect(), send()/sendto(), recv()/recvfrom()
 * and shutdown(), with the small queries only they make (the socket's type
 * and family, its TCP state, its blocking mode, the address checks). What
 * every wrapper returns and where the Windows facts come from is said in
 * bsd.c, which holds the result helpers and the per-descriptor table
 * (bsd.h).
 */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1	/* the C library's calls, in this file */
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>

#include <winsock2.h>
#include <windows.h>

#include "internal.h"
#include "bsd.h"

/* ---- small queries (errno kept) ----------------------------------------- */

static int dcx_bsd_sockopt(int fd, int level, int name)
{
	DCX_SAVE_ERRNO;
	socklen_t len = sizeof(int);
	int v;

	if (getsockopt(fd, level, name, &v, &len))
		v = -1;
	DCX_RESTORE_ERRNO;
	return v;
}

static bool dcx_bsd_blocking(int fd, int flags)
{
	DCX_SAVE_ERRNO;
	int fl = flags & MSG_DONTWAIT ? -1 : fcntl(fd, F_GETFL);

	DCX_RESTORE_ERRNO;
	return fl >= 0 && !(fl & O_NONBLOCK);
}

/* Windows' minimum address length for @name (WSAEFAULT below it). */
static bool dcx_bsd_addr_ok(const struct sockaddr *name, int namelen)
{
	if (!name || namelen < (int)sizeof(sa_family_t))
		return false;
	if (name->sa_family == AF_INET)
		return namelen >= (int)sizeof(struct sockaddr_in);
	if (name->sa_family == AF_INET6)
		return namelen >= (int)sizeof(struct sockaddr_in6);
	return true;
}

/* Bytes of @namelen the kernel takes: Windows ignores any excess. */
static socklen_t dcx_bsd_addr_len(int namelen)
{
	return namelen > (int)sizeof(struct sockaddr_storage) ?
	       sizeof(struct sockaddr_storage) : (socklen_t)namelen;
}

/* INADDR_ANY / in6addr_any (port in *@port). */
static bool dcx_bsd_addr_any(const struct sockaddr *name, in_port_t *port)
{
	if (name->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)name;

		*port = in->sin_port;
		return in->sin_addr.s_addr == htonl(INADDR_ANY);
	}
	if (name->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)name;

		*port = in6->sin6_port;
		return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
	}
	return false;
}

/* ---- socket, WSASocket -------------------------------------------------- */

static bool dcx_bsd_type_known(int type)
{
	switch (type) {
	case 0:
	case SOCK_STREAM:
	case SOCK_DGRAM:
	case SOCK_RAW:
	case SOCK_RDM:
	case SOCK_SEQPACKET:
		return true;
	}
	return false;
}

/*
 * Windows' choices (test_WSASocket): AF_UNSPEC with protocol 0 is
 * WSAEINVAL; an unknown type is WSAESOCKTNOSUPPORT before anything else is
 * looked at; type 0 takes the protocol's type (TCP, or protocol 0, a
 * stream; UDP a datagram); AF_UNSPEC with TCP or UDP is IPv4. Linux would
 * take flag bits out of an unknown type and has no inference.
 */
static SOCKET dcx_bsd_socket(int af, int type, int protocol, DWORD dwFlags,
			     bool from_info)
{
	/* Linux-style code's SOCK_CLOEXEC / SOCK_NONBLOCK: passed through. */
	int fd, flags = type & (SOCK_CLOEXEC | SOCK_NONBLOCK), on = 1;

	type &= ~(SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (af == AF_UNSPEC && protocol == 0 && !from_info)
		return dcx_bsd_refuse(EINVAL, WSAEINVAL);
	if (!dcx_bsd_type_known(type))
		return dcx_bsd_refuse(ESOCKTNOSUPPORT, WSAESOCKTNOSUPPORT);
	if (protocol < 0)
		return dcx_bsd_refuse(EPROTONOSUPPORT, WSAEPROTONOSUPPORT);
	if (af == AF_UNSPEC && from_info)
		return dcx_bsd_refuse(EAFNOSUPPORT, WSAEAFNOSUPPORT);
	if (af == AF_UNSPEC || af == AF_INET || af == AF_INET6) {
		if (type == 0) {
			if (protocol == IPPROTO_TCP || protocol == 0)
				type = SOCK_STREAM;
			else if (protocol == IPPROTO_UDP)
				type = SOCK_DGRAM;
			else
				return dcx_bsd_refuse(EPROTONOSUPPORT,
						      WSAEPROTONOSUPPORT);
		}
		if (af == AF_UNSPEC)
			af = AF_INET;
	}
	/*
	 * WSA_FLAG_OVERLAPPED: every socket here takes overlapped I/O.
	 * Other bits, documented or not, have no effect (Windows documents no
	 * error for them).
	 */
	if (dwFlags & WSA_FLAG_NO_HANDLE_INHERIT)
		flags |= SOCK_CLOEXEC;
	fd = socket(af, type | flags, protocol);
	if (fd < 0)
		return dcx_bsd_fail_errno();
	/*
	 * IPv6-only unless told otherwise: Windows' default ("Dual-Stack
	 * Sockets", Microsoft's documentation), Linux's is dual-stack.
	 * Accepted sockets inherit it.
	 */
	if (af == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on))) {
		DCX_SAVE_ERRNO;

		close(fd);
		DCX_RESTORE_ERRNO;
		return dcx_bsd_fail_errno();
	}
	dcx_bsd_forget(fd);
	dcx_port_forget_fd(fd);
	if (flags & SOCK_NONBLOCK)
		dcx_fd_update(fd, DCX_FD_NONBLOCK, 0, 0);
	return dcx_bsd_ok(fd);
}

SOCKET WSAAPI dcx_ws_socket(int af, int type, int protocol)
{
	if (dcx_backend_check())
		return dcx_bsd_no_backend();
	/* As ws2_32's socket(): WSASocketW(..., WSA_FLAG_OVERLAPPED). */
	return dcx_bsd_socket(af, type, protocol, WSA_FLAG_OVERLAPPED, false);
}

/* The socket triple, each member FROM_PROTOCOL_INFO or 0 taken from @info. */
static int dcx_bsd_info_int(const void *info, size_t offset)
{
	int v;

	memcpy(&v, (const char *)info + offset, sizeof(v));
	return v;
}

static SOCKET dcx_bsd_wsasocket(int af, int type, int protocol,
				const void *info, GROUP g, DWORD dwFlags)
{
	if (dcx_backend_check())
		return dcx_bsd_no_backend();
	/* Socket groups do not exist on Windows either: g is ignored. */
	(void)g;
	if (info) {
		if (dcx_probe_readable((const char *)info +
				       offsetof(WSAPROTOCOL_INFOA, iAddressFamily),
				       offsetof(WSAPROTOCOL_INFOA, iProtocol) +
				       sizeof(int) -
				       offsetof(WSAPROTOCOL_INFOA, iAddressFamily)))
			return dcx_bsd_refuse(EFAULT, WSAEFAULT);
		if (af == FROM_PROTOCOL_INFO || af == 0)
			af = dcx_bsd_info_int(info, offsetof(WSAPROTOCOL_INFOA,
							     iAddressFamily));
		if (type == FROM_PROTOCOL_INFO || type == 0)
			type = dcx_bsd_info_int(info, offsetof(WSAPROTOCOL_INFOA,
							       iSocketType));
		if (protocol == FROM_PROTOCOL_INFO || protocol == 0)
			protocol = dcx_bsd_info_int(info,
					offsetof(WSAPROTOCOL_INFOA, iProtocol));
		if (af < 0)
			return dcx_bsd_refuse(EAFNOSUPPORT, WSAEAFNOSUPPORT);
	}
	return dcx_bsd_socket(af, type, protocol, dwFlags, info != NULL);
}

SOCKET WSAAPI WSASocketA(int af, int type, int protocol,
			 LPWSAPROTOCOL_INFOA lpProtocolInfo, GROUP g,
			 DWORD dwFlags)
{
	return dcx_bsd_wsasocket(af, type, protocol, lpProtocolInfo, g,
				 dwFlags);
}

/* The A and W structures agree up to szProtocol; only the triple is read. */
SOCKET WSAAPI WSASocketW(int af, int type, int protocol,
			 LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g,
			 DWORD dwFlags)
{
	return dcx_bsd_wsasocket(af, type, protocol, lpProtocolInfo, g,
				 dwFlags);
}

_Static_assert(offsetof(WSAPROTOCOL_INFOA, szProtocol) ==
	       offsetof(WSAPROTOCOL_INFOW, szProtocol), "WSAPROTOCOL_INFO");

/* ---- bind, listen, accept, connect ------------------------------------- */

int WSAAPI dcx_ws_bind(SOCKET s, const struct sockaddr *name, int namelen)
{
	int family;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	/* Too short for its family: WSAEFAULT (test_bind). */
	if (!dcx_bsd_addr_ok(name, namelen))
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	if (bind(s, name, dcx_bsd_addr_len(namelen))) {
		/* An address of another family, too short for the socket's. */
		family = errno == EINVAL ? dcx_bsd_sockopt(s, SOL_SOCKET,
							   SO_DOMAIN) : -1;
		if (family >= 0 && family != name->sa_family)
			return dcx_bsd_fail(WSAEFAULT);
		return dcx_bsd_fail_errno();
	}
	return dcx_bsd_ok(0);
}

int WSAAPI dcx_ws_listen(SOCKET s, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	/*
	 * Windows refuses to listen on an unbound socket (WSAEINVAL,
	 * test_listen); Linux would bind it to an ephemeral port.
	 */
	type = dcx_bsd_sockopt(s, SOL_SOCKET, SO_TYPE);
	if (type < 0) {
		if (!dcx_fd_ino(s))
			return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
	} else if (type == SOCK_STREAM || type == SOCK_SEQPACKET) {
		if (!getsockname(s, (struct sockaddr *)&ss, &len) &&
		    dcx_bsd_unbound(&ss))
			return dcx_bsd_refuse(EINVAL, WSAEINVAL);
	}
	if (listen(s, backlog)) {
		/* Linux says EINVAL for a connected socket; Windows WSAEISCONN. */
		DCX_SAVE_ERRNO;

		len = sizeof(ss);
		if (errno == EINVAL &&
		    !getpeername(s, (struct sockaddr *)&ss, &len))
			return dcx_bsd_fail(WSAEISCONN);
		/* The probe's ENOTCONN is not listen()'s error. */
		DCX_RESTORE_ERRNO;
		return dcx_bsd_fail_errno();
	}
	return dcx_bsd_ok(0);
}

SOCKET WSAAPI dcx_ws_accept(SOCKET s, struct sockaddr *addr, int *addrlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	bool want = addr && addrlen;
	int fd, fl, n = want ? *addrlen : 0;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	/*
	 * A buffer too small for the peer's address is WSAEFAULT before a
	 * connection is taken (test_accept); Linux would truncate, or lose
	 * the connection on a fault. The socket's family is asked only when
	 * the length would do for IPv4.
	 */
	if (want && (n < (int)sizeof(struct sockaddr_in) ||
		     (n < (int)sizeof(struct sockaddr_in6) &&
		      dcx_bsd_sockopt(s, SOL_SOCKET, SO_DOMAIN) == AF_INET6)))
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	/*
	 * The accepted socket "has the same properties as socket s" (accept,
	 * Microsoft's documentation), its blocking mode included (Wine's
	 * server/sock.c copies it); Linux's accept() does not inherit
	 * O_NONBLOCK.
	 */
	fl = fcntl(s, F_GETFL);
	if (fl < 0)
		return dcx_bsd_fail_errno();
	/* Windows programs know no signals: a handled one is no failure. */
	do
		fd = accept4(s, want ? (struct sockaddr *)&ss : NULL,
			     want ? &len : NULL,
			     fl & O_NONBLOCK ? SOCK_NONBLOCK : 0);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return dcx_bsd_fail_errno();
	dcx_bsd_forget(fd);
	dcx_port_forget_fd(fd);
	if (want) {
		memcpy(addr, &ss, (int)len < n ? len : (socklen_t)n);
		*addrlen = (int)len;
	}
	return dcx_bsd_ok(fd);
}

int WSAAPI dcx_ws_connect(SOCKET s, const struct sockaddr *name, int namelen)
{
	struct sockaddr disconnect = { .sa_family = AF_UNSPEC };
	unsigned int st;
	in_port_t port;
	int type;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	if (!dcx_bsd_addr_ok(name, namelen))
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	if (dcx_bsd_addr_any(name, &port)) {
		type = dcx_bsd_sockopt(s, SOL_SOCKET, SO_TYPE);
		/*
		 * "The remote address is not a valid address (such as
		 * INADDR_ANY or in6addr_any)": WSAEADDRNOTAVAIL; Linux would
		 * connect to the local host. A datagram socket connected to
		 * an all-zero address is disconnected instead (connect,
		 * Microsoft's documentation).
		 */
		if (type == SOCK_STREAM)
			return dcx_bsd_refuse(EADDRNOTAVAIL, WSAEADDRNOTAVAIL);
		if (type == SOCK_DGRAM && !port) {
			name = &disconnect;
			namelen = sizeof(disconnect);
		}
	}
	/* A socket an AcceptEx will accept into (test_AcceptEx). */
	if (dcx_accept_pending_into((int)s))
		return dcx_bsd_refuse(EINVAL, WSAEINVAL);
	st = dcx_fd_get(s, NULL);
	if (!connect(s, name, dcx_bsd_addr_len(namelen))) {
		dcx_fd_update(s, 0, ~DCX_FD_KEEP, -1);
		/*
		 * Linux reports the end of a non-blocking connect by letting
		 * the next connect() succeed once; to Windows the socket is
		 * simply connected already.
		 */
		if ((st & (DCX_FD_CONNECTING | DCX_FD_CONNECT_DONE)) &&
		    !(st & DCX_FD_CONNECT_FAILED))
			return dcx_bsd_refuse(EISCONN, WSAEISCONN);
		return dcx_bsd_ok(0);
	}
	switch (errno) {
	case EINPROGRESS:
		/* Windows' answer for a non-blocking connect (test_select). */
		dcx_fd_update(s, DCX_FD_CONNECTING, ~DCX_FD_KEEP, -1);
		return dcx_bsd_fail(WSAEWOULDBLOCK);
	case EALREADY:
		/* test_connecting_socket: a second connect is WSAEALREADY. */
		return dcx_bsd_fail(WSAEALREADY);
	case EISCONN:
		/* Linux says EISCONN on a listening socket, Windows WSAEINVAL
		 * (test_connect). */
		if (dcx_bsd_sockopt(s, SOL_SOCKET, SO_ACCEPTCONN) == 1)
			return dcx_bsd_fail(WSAEINVAL);
		dcx_fd_update(s, 0, DCX_FD_CONNECTING | DCX_FD_CONNECT_FAILED |
			      DCX_FD_CONNECT_DONE, -1);
		return dcx_bsd_fail(WSAEISCONN);
	case ECONNREFUSED:
	case ETIMEDOUT:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ECONNRESET:
	case ECONNABORTED:
		/*
		 * An attempt that failed at once: select() reports it in
		 * exceptfds, SO_ERROR does not (test_select, interactive
		 * part).
		 */
		dcx_fd_update(s, DCX_FD_CONNECT_FAILED, ~DCX_FD_KEEP, -1);
		break;
	}
	return dcx_bsd_fail_errno();
}

/* ---- send, recv --------------------------------------------------------- */

/*
 * Linux's EPIPE covers what Windows tells apart: a socket shut down for
 * sending (WSAESHUTDOWN, test_shutdown), never connected (WSAENOTCONN),
 * reset (WSAECONNRESET, test_tcp_reset).
 */
static int dcx_bsd_epipe(SOCKET s)
{
	unsigned int st = dcx_fd_get(s, NULL);
	uint32_t segs_in = 1;
	int state;

	if (st & DCX_FD_SEND_SHUT)
		return WSAESHUTDOWN;
	if (st & DCX_FD_RESET)
		return WSAECONNRESET;
	state = dcx_bsd_tcp_state(s, &segs_in);
	if (state == TCP_CLOSE)
		return segs_in ? WSAECONNRESET : WSAENOTCONN;
	return WSAESHUTDOWN;
}

static int dcx_bsd_io_error(SOCKET s, int flags, bool sending)
{
	int err = errno, wsa;
	unsigned int st;

	switch (err) {
	case EPIPE:
		wsa = sending ? dcx_bsd_epipe(s) : WSAESHUTDOWN;
		break;
	case ECONNRESET:
		dcx_fd_update(s, DCX_FD_RESET, 0, 0);
		wsa = WSAECONNRESET;
		break;
	case ECONNREFUSED:
		/*
		 * A port unreachable (ICMP) on a datagram socket: WSAECONNRESET
		 * (recv and send, Microsoft's documentation).
		 */
		wsa = dcx_bsd_sockopt(s, SOL_SOCKET, SO_TYPE) == SOCK_STREAM ?
		      WSAECONNREFUSED : WSAECONNRESET;
		break;
	case EAGAIN:
		/*
		 * A blocking socket says EAGAIN when SO_RCVTIMEO or
		 * SO_SNDTIMEO expires: WSAETIMEDOUT on Windows (test_timeout).
		 * Sending or receiving while connecting is WSAENOTCONN
		 * (test_connecting_socket).
		 */
		st = dcx_fd_peek(s) ? dcx_fd_get(s, NULL) : 0;
		if ((st & DCX_FD_CONNECTING) &&
		    dcx_bsd_tcp_state(s, NULL) == TCP_SYN_SENT)
			wsa = WSAENOTCONN;
		else if (st & DCX_FD_NONBLOCK)	/* no fcntl() needed */
			wsa = WSAEWOULDBLOCK;
		else
			wsa = dcx_bsd_blocking(s, flags) ? WSAETIMEDOUT :
							   WSAEWOULDBLOCK;
		break;
	default:
		wsa = dcx_wsa_from_errno(err);
	}
	errno = err;
	return dcx_bsd_fail(wsa);
}

/*
 * send()/sendto(): MSG_NOSIGNAL always (Windows has no SIGPIPE). For a
 * stream socket the address is ignored, as on Windows
 * (test_tcp_sendto_recvfrom).
 */
static int dcx_bsd_send(SOCKET s, const char *buf, int len, int flags,
			const struct sockaddr *to, int tolen)
{
	in_port_t port;
	ssize_t n;
	int type;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	if (len < 0)
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	if (to) {
		if (!dcx_bsd_addr_ok(to, tolen))
			return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
		/* sendto, Microsoft's documentation: "the remote address is
		 * not a valid address, for example, ADDR_ANY". */
		if (dcx_bsd_addr_any(to, &port)) {
			type = dcx_bsd_sockopt(s, SOL_SOCKET, SO_TYPE);
			if (type == SOCK_DGRAM || type == SOCK_RAW)
				return dcx_bsd_refuse(EADDRNOTAVAIL,
						      WSAEADDRNOTAVAIL);
		}
	}
	/*
	 * A handled signal is no failure to a Windows program (Linux says
	 * EINTR even under SA_RESTART once a timeout is set).
	 */
	do
		n = sendto(s, buf, (size_t)len, flags | MSG_NOSIGNAL, to,
			   to ? dcx_bsd_addr_len(tolen) : 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* send() on an unconnected datagram socket (test_connect_udp);
		 * sendto() without an address keeps WSAEDESTADDRREQ. */
		if (errno == EDESTADDRREQ && !to)
			return dcx_bsd_fail(WSAENOTCONN);
		return dcx_bsd_io_error(s, flags, true);
	}
	return dcx_bsd_ok((int)n);
}

int WSAAPI dcx_ws_send(SOCKET s, const char *buf, int len, int flags)
{
	return dcx_bsd_send(s, buf, len, flags, NULL, 0);
}

int WSAAPI dcx_ws_sendto(SOCKET s, const char *buf, int len, int flags,
			 const struct sockaddr *to, int tolen)
{
	return dcx_bsd_send(s, buf, len, flags, to, tolen);
}

/*
 * recv()/recvfrom(). Windows differs from Linux in: a socket shut down for
 * receiving fails with WSAESHUTDOWN, data or not (test_shutdown); a datagram
 * larger than the buffer is delivered truncated with WSAEMSGSIZE (recv,
 * Microsoft's documentation; test_icmp); a reset keeps being reported
 * (test_tcp_reset) where Linux reports it once and then end of file; for a
 * stream socket from and fromlen are not touched (test_tcp_sendto_recvfrom);
 * a fromlen too small for the address is WSAEFAULT (test_UDP).
 */
static int dcx_bsd_recv(SOCKET s, char *buf, int len, int flags,
			struct sockaddr *from, int *fromlen)
{
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	bool want = from && fromlen;
	int n = want ? *fromlen : 0, type;
	unsigned int st;
	ssize_t r;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	if (len < 0)
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	iov.iov_len = (size_t)len;
	/* The fstat() of dcx_fd_get() only when a bit that matters is set. */
	st = dcx_fd_peek(s) & (DCX_FD_RECV_SHUT | DCX_FD_RESET) ?
	     dcx_fd_get(s, NULL) : 0;
	if (st & DCX_FD_RECV_SHUT)
		return dcx_bsd_refuse(ESHUTDOWN, WSAESHUTDOWN);
	if (want) {
		/* Smaller than any IP address: only a datagram socket cares.
		 * (16 to 27 bytes for an IPv6 datagram is caught below, once
		 * the datagram is taken.) */
		if (n < (int)sizeof(struct sockaddr_in)) {
			type = dcx_bsd_sockopt(s, SOL_SOCKET, SO_TYPE);
			if (type == SOCK_DGRAM || type == SOCK_RAW)
				return dcx_bsd_refuse(EFAULT, WSAEFAULT);
		}
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
	}
	do	/* EINTR: as in dcx_bsd_send() */
		r = recvmsg(s, &mh, flags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return dcx_bsd_io_error(s, flags, false);
	if (want && mh.msg_namelen) {
		if ((int)mh.msg_namelen > n)
			return dcx_bsd_refuse(EFAULT, WSAEFAULT);
		memcpy(from, &ss, mh.msg_namelen);
		*fromlen = (int)mh.msg_namelen;
	}
	if (mh.msg_flags & MSG_TRUNC)
		return dcx_bsd_refuse(EMSGSIZE, WSAEMSGSIZE);
	if (!r && len && (st & DCX_FD_RESET))
		return dcx_bsd_refuse(ECONNRESET, WSAECONNRESET);
	return dcx_bsd_ok((int)r);
}

int WSAAPI dcx_ws_recv(SOCKET s, char *buf, int len, int flags)
{
	return dcx_bsd_recv(s, buf, len, flags, NULL, NULL);
}

int WSAAPI dcx_ws_recvfrom(SOCKET s, char *buf, int len, int flags,
			   struct sockaddr *from, int *fromlen)
{
	return dcx_bsd_recv(s, buf, len, flags, from, fromlen);
}

/* ---- shutdown ----------------------------------------------------------- */

int WSAAPI dcx_ws_shutdown(SOCKET s, int how)
{
	uint32_t segs_in = 0;
	unsigned int set;
	int state;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	/*
	 * A TCP socket that is not connected - never, or not yet, or
	 * listening - is WSAENOTCONN and stays as it was (test_shutdown).
	 * Linux would say ENOTCONN yet mark the socket shut down (its
	 * children too, if it is later listened on), abort a connect in
	 * progress, or stop a listener. One whose connection has ended is
	 * still connected to Windows: the shutdown succeeds, with nothing
	 * left to do.
	 */
	state = how >= SD_RECEIVE && how <= SD_BOTH ?
		dcx_bsd_tcp_state(s, &segs_in) : -1;
	switch (state) {
	case TCP_CLOSE:
		if (segs_in)
			goto done;
		/* fall through */
	case TCP_LISTEN:
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		return dcx_bsd_refuse(ENOTCONN, WSAENOTCONN);
	}
	if (shutdown(s, how)) {
		/* An unconnected datagram socket: Linux did it, and said
		 * ENOTCONN; Windows says nothing (test_shutdown). */
		if (errno != ENOTCONN ||
		    dcx_bsd_sockopt(s, SOL_SOCKET, SO_TYPE) != SOCK_DGRAM)
			return dcx_bsd_fail_errno();
	}
done:
	set = how == SD_SEND ? DCX_FD_SEND_SHUT : how == SD_RECEIVE ?
	      DCX_FD_RECV_SHUT : DCX_FD_SEND_SHUT | DCX_FD_RECV_SHUT;
	dcx_fd_update(s, set, 0, 0);
	return dcx_bsd_ok(0);
}
