// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The BSD-named option and query calls: setsockopt(), getsockopt() (SO_ERROR
 * from what bsd.c remembers of a connect), getsockname(), getpeername() and
 * ioctlsocket(). Conventions and sources of the Windows facts as in bsd.c.
 */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1	/* the C library's calls, in this file */
#endif

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

#include <winsock2.h>
#include <windows.h>

#include "internal.h"
#include "bsd.h"

/* Windows' numbers of the three ioctlsocket() commands (<winsock2.h>). */
#define DCX_WIN_FIONBIO		0x8004667EU
#define DCX_WIN_FIONREAD	0x4004667FU
#define DCX_WIN_SIOCATMARK	0x40047307U

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
	struct linger lg;
	struct timeval tv;
	socklen_t len;
	SOCKET l;
	DWORD ms;
	int v;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

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
	if (level == SOL_SOCKET && (optname == SO_EXCLUSIVEADDRUSE ||
				    optname == SO_DONTLINGER)) {
		/* A BOOL, of 1 to 4 bytes as Windows' other BOOLs. */
		if (!optlen)
			return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
		if (!dcx_fd_ino(s))
			return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
		/*
		 * SO_EXCLUSIVEADDRUSE: Linux's bind() is already exclusive
		 * unless both sockets ask SO_REUSEADDR; nothing to do.
		 * SO_DONTLINGER TRUE: lingering off; FALSE: on, with the
		 * timeout SO_LINGER last set (Linux keeps it while off).
		 */
		if (optname == SO_DONTLINGER) {
			v = 0;
			memcpy(&v, optval, optlen < (int)sizeof(v) ?
			       (size_t)optlen : sizeof(v));
			len = sizeof(lg);
			if (getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len))
				return dcx_bsd_fail_errno();
			lg.l_onoff = !v;
			if (setsockopt(s, SOL_SOCKET, SO_LINGER, &lg,
				       sizeof(lg)))
				return dcx_bsd_fail_errno();
			dcx_opt_note(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		return dcx_bsd_ok(0);
	}
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
		/*
		 * A DWORD of milliseconds on Windows, a timeval on Linux: a
		 * timeval's length says Linux-style code passed one.
		 */
		if (optlen < (int)sizeof(ms))
			return dcx_bsd_bad_arg(s, EFAULT, WSAEFAULT);
		if (optlen == (int)sizeof(tv)) {
			memcpy(&tv, optval, sizeof(tv));
		} else {
			memcpy(&ms, optval, sizeof(ms));
			tv.tv_sec = ms / 1000;
			tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		}
		if (setsockopt(s, level, optname, &tv, sizeof(tv)))
			return dcx_bsd_fail_errno();
		dcx_opt_note(s, level, optname, &tv, sizeof(tv));
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
	/* For an AcceptEx into this socket (accept.c). */
	dcx_opt_note(s, level, optname, optval, (socklen_t)optlen);
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

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

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
	if (dcx_backend_check())
		return dcx_bsd_no_backend();
	return dcx_bsd_name(s, name, namelen, false);
}

int WSAAPI dcx_ws_getpeername(SOCKET s, struct sockaddr *name, int *namelen)
{
	if (dcx_backend_check())
		return dcx_bsd_no_backend();
	return dcx_bsd_name(s, name, namelen, true);
}

/* ---- ioctlsocket -------------------------------------------------------- */

int WSAAPI ioctlsocket(SOCKET s, long cmd, u_long *argp)
{
	uint32_t c = (uint32_t)cmd;
	struct pollfd pfd = { .fd = s, .events = POLLPRI };
	unsigned int avail;
	uint32_t arg;
	int on;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

	if (!dcx_fd_ino(s))
		return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
	if (c == FIONBIO || c == DCX_WIN_FIONBIO) {
		/*
		 * Windows' u_long is 32 bits, and programs pass a DWORD: only
		 * those are read (the C library's u_long is 64).
		 */
		if (dcx_probe_readable(argp, sizeof(arg)))
			return dcx_bsd_refuse(EFAULT, WSAEFAULT);
		memcpy(&arg, argp, sizeof(arg));
		on = arg != 0;
		if (ioctl(s, FIONBIO, &on))
			return dcx_bsd_fail_errno();
		/* Remembered: a WSAEWOULDBLOCK then costs no fcntl(). */
		dcx_fd_update(s, on ? DCX_FD_NONBLOCK : 0,
			      on ? 0 : DCX_FD_NONBLOCK, 0);
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
