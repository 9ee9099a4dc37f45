// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The BSD-named Winsock calls (socket, bind, connect, send, recv, select,
 * ...), ioctlsocket(), WSASocketA/W() and GetLastError()/SetLastError():
 * Windows' prototypes over the C library's calls, failures reported through
 * the thread's last error with Windows' numbers and Windows' behaviour where
 * Linux differs. <winsock2.h> renames the calls to these in a program that
 * includes it (see there, and winsock_bsd_calls(3)).
 *
 * Every wrapper returns what Windows returns; on failure the last error is
 * the WSA error and errno is what the C library set (or the nearest errno,
 * for a failure decided here); on success the last error is 0, as Windows 7
 * and later set it (Wine's dlls/ws2_32/tests/sock.c checks that after bind,
 * getsockname, setsockopt, getsockopt, send, sendto, recv, recvfrom,
 * shutdown and WSASocketA). Where Windows' behaviour depends on what was
 * done to a socket earlier and Linux keeps no trace of it (a shutdown for
 * receiving, a connect in progress, a reset already reported), a small table
 * indexed by descriptor remembers it (dcx_fd_*): each entry carries the
 * socket's inode number, so that a descriptor number reused for another
 * socket is never mistaken for the old one.
 *
 * Sources of the Windows facts: Microsoft's documentation of each function,
 * and Wine's conformance tests (sock.c, which pass on Windows), cited by test
 * name below.
 */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1	/* the C library's calls, in this file */
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <winsock2.h>
#include <windows.h>

#include "internal.h"

/* Windows' numbers of the three ioctlsocket() commands (<winsock2.h>). */
#define DCX_WIN_FIONBIO		0x8004667EU
#define DCX_WIN_FIONREAD	0x4004667FU
#define DCX_WIN_SIOCATMARK	0x40047307U

/*
 * glibc's struct tcp_info stops at tcpi_total_retrans; the kernel's goes on
 * (an append-only ABI), and tcpi_segs_in tells a socket that never received
 * a segment - never connected, or disconnected since - from one that did.
 */
struct dcx_tcp_info {
	struct tcp_info base;
	uint64_t pacing_rate;
	uint64_t max_pacing_rate;
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint32_t segs_out;
	uint32_t segs_in;
};

_Static_assert(sizeof(struct tcp_info) == 104, "glibc's struct tcp_info");
_Static_assert(offsetof(struct dcx_tcp_info, segs_in) == 140,
	       "tcpi_segs_in, as in <linux/tcp.h>");

/* ---- results ---------------------------------------------------------- */

static int dcx_bsd_ok(int ret)
{
	dcx_set_last_error(0);
	return ret;
}

/* A failure the C library reported: errno stays. */
static int dcx_bsd_fail(int wsa)
{
	dcx_set_last_error(wsa);
	return SOCKET_ERROR;
}

static int dcx_bsd_fail_errno(void)
{
	return dcx_bsd_fail(dcx_wsa_from_errno(errno));
}

/* A failure decided here: errno gets the nearest Linux error. */
static int dcx_bsd_refuse(int err, int wsa)
{
	errno = err;
	return dcx_bsd_fail(wsa);
}

/* ---- what Linux does not remember -------------------------------------- */

enum {
	DCX_FD_CONNECTING	= 1 << 0, /* connect() said WSAEWOULDBLOCK */
	DCX_FD_CONNECT_FAILED	= 1 << 1, /* and it failed (or failed at once) */
	DCX_FD_RECV_SHUT	= 1 << 2, /* shutdown(SD_RECEIVE or SD_BOTH) */
	DCX_FD_SEND_SHUT	= 1 << 3, /* shutdown(SD_SEND or SD_BOTH) */
	DCX_FD_RESET		= 1 << 4, /* a reset was reported */
	DCX_FD_CONNECT_DONE	= 1 << 5, /* select() saw it connect */
};

/*
 * Entry: bits 0-31 the socket's inode number (sockfs numbers are 32 bits and
 * never 0), 32-39 the flags, 40-55 the WSA error of a failed connect minus
 * WSABASEERR (what SO_ERROR keeps reporting). 0: nothing known. Descriptors
 * from 2^20 up (Linux's default nr_open) are not tracked.
 */
#define DCX_FD_CHUNK_SHIFT	12
#define DCX_FD_CHUNK		(1U << DCX_FD_CHUNK_SHIFT)
#define DCX_FD_CHUNKS		256U

static uint64_t *dcx_fd_chunks[DCX_FD_CHUNKS];

static uint64_t *dcx_fd_slot(int fd, bool create)
{
	uint64_t *chunk, *fresh, *none = NULL;
	unsigned int i;

	if (fd < 0 || (unsigned int)fd >= DCX_FD_CHUNKS * DCX_FD_CHUNK)
		return NULL;
	i = (unsigned int)fd >> DCX_FD_CHUNK_SHIFT;
	chunk = __atomic_load_n(&dcx_fd_chunks[i], __ATOMIC_ACQUIRE);
	if (!chunk && create) {
		fresh = calloc(DCX_FD_CHUNK, sizeof(*fresh));
		if (!fresh)
			return NULL;
		if (__atomic_compare_exchange_n(&dcx_fd_chunks[i], &none, fresh,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			chunk = fresh;
		} else {
			free(fresh);
			chunk = none;
		}
	}
	return chunk ? &chunk[(unsigned int)fd & (DCX_FD_CHUNK - 1)] : NULL;
}

/* The inode number of the socket @fd, 0 if it is none; errno kept. */
static uint32_t dcx_fd_ino(int fd)
{
	DCX_SAVE_ERRNO;
	struct stat st;
	uint32_t ino = 0;

	if (!fstat(fd, &st) && S_ISSOCK(st.st_mode))
		ino = (uint32_t)st.st_ino;
	DCX_RESTORE_ERRNO;
	return ino;
}

/* The flags known for the socket @fd; *@wsa its failed connect's error. */
static unsigned int dcx_fd_get(int fd, int *wsa)
{
	uint64_t *slot = dcx_fd_slot(fd, false);
	uint64_t v = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;

	if (!v)
		return 0;
	if ((uint32_t)v != dcx_fd_ino(fd)) {
		/* Another socket (or none) now: forget the old one. */
		__atomic_compare_exchange_n(slot, &v, 0, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
		return 0;
	}
	if (wsa)
		*wsa = (v >> 40) & 0xffff ? WSABASEERR + (int)((v >> 40) &
							       0xffff) : 0;
	return (unsigned int)(v >> 32) & 0xff;
}

/*
 * Set and clear flags of the socket @fd; @wsa, if not 0, becomes the stored
 * error (-1 clears it).
 */
static void dcx_fd_update(int fd, unsigned int set, unsigned int clear,
			  int wsa)
{
	uint64_t *slot = dcx_fd_slot(fd, set != 0);
	uint64_t old, new, err;
	unsigned int flags;
	uint32_t ino;

	if (!slot || (!set && !__atomic_load_n(slot, __ATOMIC_ACQUIRE)))
		return;
	ino = dcx_fd_ino(fd);
	if (!ino)
		return;
	old = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	do {
		bool same = (uint32_t)old == ino;

		flags = same ? (unsigned int)(old >> 32) & 0xff : 0;
		err = same ? (old >> 40) & 0xffff : 0;
		flags = (flags & ~clear) | set;
		if (wsa > 0)
			err = (uint64_t)(wsa - WSABASEERR) & 0xffff;
		else if (wsa < 0)
			err = 0;
		new = flags ? ino | (uint64_t)flags << 32 | err << 40 : 0;
	} while (!__atomic_compare_exchange_n(slot, &old, new, false,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
}

/*
 * A new socket at @fd (socket(), accept()), or a socket given a new
 * connection without connect(): nothing is known of it. ConnectEx and
 * DisconnectEx(TF_REUSE_SOCKET) call it too (internal.h).
 */
void dcx_bsd_forget(int fd)
{
	uint64_t *slot = dcx_fd_slot(fd, false);

	if (slot)
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
}

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

/* The TCP state of @fd (TCP_ESTABLISHED ...), -1 if it is not TCP. */
static int dcx_bsd_tcp_state(int fd, uint32_t *segs_in)
{
	DCX_SAVE_ERRNO;
	struct dcx_tcp_info ti;
	socklen_t len = sizeof(ti);
	int state = -1;

	memset(&ti, 0, sizeof(ti));
	if (!getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		state = ti.base.tcpi_state;
		if (segs_in)
			*segs_in = len > offsetof(struct dcx_tcp_info, segs_in) ?
				   ti.segs_in : 1;
	}
	DCX_RESTORE_ERRNO;
	return state;
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

/*
 * An argument error: Windows reports an invalid socket first
 * (WSAENOTSOCK), then the argument.
 */
static int dcx_bsd_bad_arg(SOCKET s, int err, int wsa)
{
	if (!dcx_fd_ino(s))
		return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
	return dcx_bsd_refuse(err, wsa);
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
	int fd, flags = 0;

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
	dcx_bsd_forget(fd);
	return dcx_bsd_ok(fd);
}

SOCKET WSAAPI dcx_ws_socket(int af, int type, int protocol)
{
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

/* INET/INET6 sockets with no local port. */
static bool dcx_bsd_unbound(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return !((const struct sockaddr_in *)ss)->sin_port;
	if (ss->ss_family == AF_INET6)
		return !((const struct sockaddr_in6 *)ss)->sin6_port;
	return false;
}

int WSAAPI dcx_ws_listen(SOCKET s, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type;

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
		len = sizeof(ss);
		if (errno == EINVAL &&
		    !getpeername(s, (struct sockaddr *)&ss, &len))
			return dcx_bsd_fail(WSAEISCONN);
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
	fd = accept4(s, want ? (struct sockaddr *)&ss : NULL, want ? &len : NULL,
		     fl & O_NONBLOCK ? SOCK_NONBLOCK : 0);
	if (fd < 0)
		return dcx_bsd_fail_errno();
	dcx_bsd_forget(fd);
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
	st = dcx_fd_get(s, NULL);
	if (!connect(s, name, dcx_bsd_addr_len(namelen))) {
		dcx_fd_update(s, 0, ~0U, -1);
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
		dcx_fd_update(s, DCX_FD_CONNECTING, ~0U, -1);
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
		dcx_fd_update(s, DCX_FD_CONNECT_FAILED, ~0U, -1);
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

/* An EAGAIN on a socket whose connect() is still in progress. */
static bool dcx_bsd_still_connecting(SOCKET s)
{
	return (dcx_fd_get(s, NULL) & DCX_FD_CONNECTING) &&
	       dcx_bsd_tcp_state(s, NULL) == TCP_SYN_SENT;
}

static int dcx_bsd_io_error(SOCKET s, int flags, bool sending)
{
	int err = errno, wsa;

	switch (err) {
	case EPIPE:
		wsa = sending ? dcx_bsd_epipe(s) : WSAESHUTDOWN;
		break;
	case ECONNRESET:
		dcx_fd_update(s, DCX_FD_RESET, 0, 0);
		wsa = WSAECONNRESET;
		break;
	case EAGAIN:
		/*
		 * A blocking socket says EAGAIN when SO_RCVTIMEO or
		 * SO_SNDTIMEO expires: WSAETIMEDOUT on Windows (test_timeout).
		 * Sending or receiving while connecting is WSAENOTCONN
		 * (test_connecting_socket).
		 */
		if (dcx_bsd_still_connecting(s))
			wsa = WSAENOTCONN;
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
	n = sendto(s, buf, (size_t)len, flags | MSG_NOSIGNAL, to,
		   to ? dcx_bsd_addr_len(tolen) : 0);
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

	if (len < 0)
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	iov.iov_len = (size_t)len;
	st = dcx_fd_get(s, NULL);
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
	r = recvmsg(s, &mh, flags);
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

/* ---- setsockopt, getsockopt --------------------------------------------- */

/* Options Windows takes as a BOOL of 1 to 4 bytes (test_set_getsockopt). */
static bool dcx_bsd_short_opt(int level, int optname)
{
	switch (level) {
	case SOL_SOCKET:
		return optname == SO_BROADCAST || optname == SO_OOBINLINE ||
		       optname == SO_KEEPALIVE || optname == SO_DONTROUTE ||
		       optname == SO_REUSEADDR;
	case IPPROTO_TCP:
		return optname == TCP_NODELAY;
	case IPPROTO_IP:
		return optname == IP_TOS || optname == IP_TTL ||
		       optname == IP_MULTICAST_TTL ||
		       optname == IP_MULTICAST_LOOP;
	case IPPROTO_IPV6:
		return optname == IPV6_V6ONLY || optname == IPV6_UNICAST_HOPS ||
		       optname == IPV6_MULTICAST_HOPS ||
		       optname == IPV6_MULTICAST_LOOP;
	}
	return false;
}

static bool dcx_bsd_level_known(int level)
{
	return level == SOL_SOCKET || level == IPPROTO_IP ||
	       level == IPPROTO_IPV6 || level == IPPROTO_TCP ||
	       level == IPPROTO_UDP || level == IPPROTO_ICMP ||
	       level == IPPROTO_ICMPV6 || level == IPPROTO_RAW;
}

/* An unknown level is WSAEINVAL on Windows, ENOPROTOOPT on Linux. */
static int dcx_bsd_opt_error(int level)
{
	if (errno == ENOPROTOOPT && !dcx_bsd_level_known(level))
		return dcx_bsd_fail(WSAEINVAL);
	return dcx_bsd_fail_errno();
}

int WSAAPI dcx_ws_setsockopt(SOCKET s, int level, int optname,
			     const char *optval, int optlen)
{
	struct timeval tv;
	SOCKET l;
	DWORD ms;
	int v;

	if (level == SOL_SOCKET && optname == SO_UPDATE_CONNECT_CONTEXT) {
		/*
		 * After ConnectEx, for getsockname/getpeername/shutdown to
		 * work on Windows; here a connected socket already is one.
		 */
		if (!dcx_fd_ino(s))
			return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
		return dcx_bsd_ok(0);
	}
	if (!optval || optlen < 0)
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	if (level == SOL_SOCKET && optname == SO_UPDATE_ACCEPT_CONTEXT) {
		/*
		 * After AcceptEx, with the listening socket; a socket
		 * accepted here already knows its addresses and inherited the
		 * listener's options.
		 */
		if (!dcx_fd_ino(s))
			return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
		if (optlen < (int)sizeof(SOCKET))
			return dcx_bsd_refuse(EFAULT, WSAEFAULT);
		memcpy(&l, optval, sizeof(l));
		if (!dcx_fd_ino(l))
			return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
		return dcx_bsd_ok(0);
	}
	if (level == SOL_SOCKET &&
	    (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO)) {
		/* A DWORD of milliseconds on Windows, a timeval on Linux. */
		if (optlen < (int)sizeof(ms))
			return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
		memcpy(&ms, optval, sizeof(ms));
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		if (setsockopt(s, level, optname, &tv, sizeof(tv)))
			return dcx_bsd_fail_errno();
		return dcx_bsd_ok(0);
	}
	if (optlen < (int)sizeof(int) && optlen > 0 &&
	    dcx_bsd_short_opt(level, optname)) {
		v = *(const unsigned char *)optval;
		optval = (const char *)&v;
		optlen = sizeof(v);
	}
	if (setsockopt(s, level, optname, optval, (socklen_t)optlen)) {
		/* An int option with fewer bytes: WSAEFAULT. */
		if (errno == EINVAL && optlen < (int)sizeof(int))
			return dcx_bsd_fail(WSAEFAULT);
		return dcx_bsd_opt_error(level);
	}
	return dcx_bsd_ok(0);
}

/*
 * SO_ERROR gives a WSA error. A non-blocking connect's failure stays
 * reported until the socket connects (test_select reads it twice); Linux
 * clears it on the first read.
 */
static int dcx_bsd_so_error(SOCKET s, char *optval, int *optlen)
{
	socklen_t len = sizeof(int);
	unsigned int st;
	int err, wsa = 0, kept = 0;

	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len))
		return dcx_bsd_fail_errno();
	st = dcx_fd_get(s, &kept);
	if (err) {
		wsa = dcx_wsa_from_errno(err);
		if (err == ECONNRESET)
			dcx_fd_update(s, DCX_FD_RESET, 0, 0);
		if (st & DCX_FD_CONNECTING)
			dcx_fd_update(s, DCX_FD_CONNECT_FAILED,
				      DCX_FD_CONNECTING, wsa);
	} else if (st & DCX_FD_CONNECT_FAILED) {
		wsa = kept;
	}
	memcpy(optval, &wsa, sizeof(wsa));
	*optlen = sizeof(wsa);
	return dcx_bsd_ok(0);
}

int WSAAPI dcx_ws_getsockopt(SOCKET s, int level, int optname, char *optval,
			     int *optlen)
{
	struct timeval tv;
	socklen_t len;
	DWORD ms;
	int n;

	if (!optval || !optlen)
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	n = *optlen;
	/* Too small: WSAEFAULT, except for the BOOL options
	 * (test_set_getsockopt). */
	if (n <= 0 || (n < (int)sizeof(int) &&
		       !dcx_bsd_short_opt(level, optname)))
		return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
	if (level == SOL_SOCKET && optname == SO_ERROR)
		return dcx_bsd_so_error(s, optval, optlen);
	if (level == SOL_SOCKET &&
	    (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO)) {
		len = sizeof(tv);
		if (getsockopt(s, level, optname, &tv, &len))
			return dcx_bsd_fail_errno();
		ms = (DWORD)tv.tv_sec * 1000 + (DWORD)(tv.tv_usec / 1000);
		memcpy(optval, &ms, sizeof(ms));
		*optlen = sizeof(ms);
		return dcx_bsd_ok(0);
	}
	len = (socklen_t)n;
	if (getsockopt(s, level, optname, optval, &len))
		return dcx_bsd_opt_error(level);
	*optlen = (int)len;
	return dcx_bsd_ok(0);
}

/* ---- getsockname, getpeername ------------------------------------------- */

/*
 * Into a buffer of ours first: Windows checks the state first (unbound:
 * WSAEINVAL for getsockname; unconnected: WSAENOTCONN), then that name and
 * namelen hold the whole address (WSAEFAULT, namelen untouched), where
 * Linux truncates (test_getsockname, test_getpeername).
 */
static int dcx_bsd_name(SOCKET s, struct sockaddr *name, int *namelen,
			bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (peer ? getpeername(s, (struct sockaddr *)&ss, &len) :
		   getsockname(s, (struct sockaddr *)&ss, &len))
		return dcx_bsd_fail_errno();
	if (!peer && dcx_bsd_unbound(&ss))
		return dcx_bsd_refuse(EINVAL, WSAEINVAL);
	if (!name || !namelen || *namelen < (int)len)
		return dcx_bsd_refuse(EFAULT, WSAEFAULT);
	memcpy(name, &ss, len);
	*namelen = (int)len;
	return dcx_bsd_ok(0);
}

int WSAAPI dcx_ws_getsockname(SOCKET s, struct sockaddr *name, int *namelen)
{
	return dcx_bsd_name(s, name, namelen, false);
}

int WSAAPI dcx_ws_getpeername(SOCKET s, struct sockaddr *name, int *namelen)
{
	return dcx_bsd_name(s, name, namelen, true);
}

/* ---- ioctlsocket -------------------------------------------------------- */

int WSAAPI ioctlsocket(SOCKET s, long cmd, u_long *argp)
{
	uint32_t c = (uint32_t)cmd;
	struct pollfd pfd = { .fd = s, .events = POLLPRI };
	unsigned int avail;
	int on;

	if (!dcx_fd_ino(s))
		return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
	if (c == FIONBIO || c == DCX_WIN_FIONBIO) {
		if (dcx_probe_readable(argp, sizeof(*argp)))
			return dcx_bsd_refuse(EFAULT, WSAEFAULT);
		on = *argp != 0;
		if (ioctl(s, FIONBIO, &on))
			return dcx_bsd_fail_errno();
		return dcx_bsd_ok(0);
	}
	if (c == FIONREAD || c == DCX_WIN_FIONREAD) {
		/* The kernel writes an int, and checks argp for us. */
		if (ioctl(s, FIONREAD, argp))
			return dcx_bsd_fail_errno();
		memcpy(&avail, argp, sizeof(avail));
		*argp = avail;
		return dcx_bsd_ok(0);
	}
	if (c == SIOCATMARK || c == DCX_WIN_SIOCATMARK) {
		/*
		 * TRUE unless out-of-band data waits (ioctlsocket,
		 * Microsoft's documentation; test_fionread_siocatmark: TRUE
		 * on a new socket). Linux's SIOCATMARK means "the next byte
		 * is the mark", 0 when there is no urgent data at all.
		 */
		if (dcx_probe_writable(argp, sizeof(*argp)))
			return dcx_bsd_refuse(EFAULT, WSAEFAULT);
		if (poll(&pfd, 1, 0) < 0)
			return dcx_bsd_fail_errno();
		*argp = !(pfd.revents & POLLPRI);
		return dcx_bsd_ok(0);
	}
	/* "cmd is not a valid command" (Windows Sockets 1.1, ioctlsocket). */
	return dcx_bsd_refuse(EINVAL, WSAEINVAL);
}

/* ---- select ------------------------------------------------------------- */

static unsigned int dcx_bsd_count(const fd_set *set, const int *fds, int n)
{
	unsigned int count = 0;
	int i;

	for (i = 0; i < n; i++)
		count += FD_ISSET(fds[i], set) ? 1 : 0;
	return count;
}

static int64_t dcx_bsd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * What Windows reports for @fd, from what poll() saw: readable (data, end of
 * file, reset, a pending connection), writable (connected and room to
 * send), exceptional (out-of-band data, or the failure of a connect() that
 * said WSAEWOULDBLOCK - test_select; never then readable or writable). A
 * TCP socket that was never connected is none of them (test_select), though
 * Linux says "hang-up, writable".
 */
static void dcx_bsd_readiness(int fd, short events, short rev, bool *rd,
			      bool *wr, bool *ex)
{
	unsigned int st = dcx_fd_get(fd, NULL);

	*ex = (events & POLLPRI) && (rev & POLLPRI);
	if (st & (DCX_FD_CONNECTING | DCX_FD_CONNECT_FAILED)) {
		if (rev & (POLLERR | POLLHUP)) {
			*rd = *wr = false;
			*ex = events & POLLPRI;
			return;
		}
		if (!(rev & POLLOUT)) {
			*rd = *wr = false;
			return;
		}
		dcx_fd_update(fd, DCX_FD_CONNECT_DONE,
			      DCX_FD_CONNECTING | DCX_FD_CONNECT_FAILED, -1);
	} else if ((rev & POLLHUP) && !(rev & POLLIN)) {
		*rd = *wr = false;
		return;
	}
	*rd = (events & POLLIN) && (rev & (POLLIN | POLLERR | POLLHUP));
	*wr = (events & POLLOUT) && (rev & POLLOUT);
}

int WSAAPI dcx_ws_select(int nfds, fd_set *readfds, fd_set *writefds,
			 fd_set *exceptfds, const struct timeval *timeout)
{
	struct pollfd pfd[FD_SETSIZE];
	int fds[FD_SETSIZE];
	fd_set r, w, e;
	struct timespec left = { 0, 0 };
	int64_t deadline = 0, ns;
	unsigned int ready;
	int fd, n = 0, i, ret;
	bool rd, wr, ex;
	short ev;

	(void)nfds;	/* Windows ignores it; programs pass 0 */
	for (fd = 0; fd < FD_SETSIZE; fd++) {
		ev = 0;
		if (readfds && FD_ISSET(fd, readfds))
			ev |= POLLIN;
		if (writefds && FD_ISSET(fd, writefds))
			ev |= POLLOUT;
		if (exceptfds && FD_ISSET(fd, exceptfds))
			ev |= POLLPRI;
		if (!ev)
			continue;
		fds[n] = fd;
		pfd[n].fd = fd;
		pfd[n].events = ev;
		n++;
	}
	/* No socket at all: WSAEINVAL, not a sleep (test_select). */
	if (!n)
		return dcx_bsd_refuse(EINVAL, WSAEINVAL);
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_usec < 0)
			return dcx_bsd_refuse(EINVAL, WSAEINVAL);
		deadline = dcx_bsd_now_ns() +
			   (int64_t)timeout->tv_sec * 1000000000 +
			   (int64_t)timeout->tv_usec * 1000;
	}
	for (;;) {
		if (timeout) {
			ns = deadline - dcx_bsd_now_ns();
			if (ns < 0)
				ns = 0;
			left.tv_sec = ns / 1000000000;
			left.tv_nsec = ns % 1000000000;
		}
		ret = ppoll(pfd, (nfds_t)n, timeout ? &left : NULL, NULL);
		if (ret < 0) {
			/* Windows' select() knows no signals. */
			if (errno == EINTR)
				continue;
			return dcx_bsd_fail_errno();
		}
		/* A closed socket: WSAENOTSOCK, the sets untouched. */
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLNVAL)
				return dcx_bsd_refuse(EBADF, WSAENOTSOCK);
		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&e);
		ready = 0;
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			dcx_bsd_readiness(fds[i], pfd[i].events,
					  pfd[i].revents, &rd, &wr, &ex);
			if (rd)
				FD_SET(fds[i], &r);
			if (wr)
				FD_SET(fds[i], &w);
			if (ex)
				FD_SET(fds[i], &e);
			if (rd || wr || ex)
				ready++;
			else
				pfd[i].fd = -1;	/* nothing to say: stop
						 * listening to it */
		}
		if (ready || !ret || (timeout && !left.tv_sec &&
				      !left.tv_nsec))
			break;
	}
	/*
	 * The sets are written in Windows' order; when the caller passed one
	 * set twice, the later result is what it holds, and the count is the
	 * sockets in the sets as returned (test_select, overlapping fd_set
	 * pointers).
	 */
	if (readfds)
		*readfds = r;
	if (writefds)
		*writefds = w;
	if (exceptfds)
		*exceptfds = e;
	ready = readfds ? dcx_bsd_count(readfds, fds, n) : 0;
	if (writefds && writefds != readfds)
		ready += dcx_bsd_count(writefds, fds, n);
	if (exceptfds && exceptfds != readfds && exceptfds != writefds)
		ready += dcx_bsd_count(exceptfds, fds, n);
	return dcx_bsd_ok((int)ready);
}

/* ---- GetLastError, SetLastError ----------------------------------------- */

DWORD WINAPI GetLastError(void)
{
	return (DWORD)WSAGetLastError();
}

void WINAPI SetLastError(DWORD dwErrCode)
{
	WSASetLastError((int)dwErrCode);
}
