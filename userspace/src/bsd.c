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
 * name at each behaviour.
 *
 * This file holds what the calls share (bsd.h): the result helpers, the
 * per-descriptor table, the checks more than one file makes, and
 * GetLastError() / SetLastError(). The calls are in bsd_socket.c (socket,
 * WSASocketA/W, bind, listen, accept, connect, send, recv, shutdown),
 * bsd_opt.c (setsockopt, getsockopt, getsockname, getpeername, ioctlsocket)
 * and bsd_select.c (select).
 */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1	/* the C library's calls, in this file */
#endif

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <winsock2.h>
#include <windows.h>

#include "internal.h"
#include "bsd.h"

/* ---- results ---------------------------------------------------------- */

int dcx_bsd_ok(int ret)
{
	dcx_set_last_error(0);
	return ret;
}

/* A failure the C library reported: errno stays. */
int dcx_bsd_fail(int wsa)
{
	dcx_set_last_error(wsa);
	return SOCKET_ERROR;
}

int dcx_bsd_fail_errno(void)
{
	return dcx_bsd_fail(dcx_wsa_from_errno(errno));
}

/* A failure decided here: errno gets the nearest Linux error. */
int dcx_bsd_refuse(int err, int wsa)
{
	errno = err;
	return dcx_bsd_fail(wsa);
}

int dcx_bsd_no_backend(void)
{
	return dcx_bsd_refuse(EINVAL, WSASYSNOTREADY);
}

/* ---- what Linux does not remember -------------------------------------- */

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
uint32_t dcx_fd_ino(int fd)
{
	DCX_SAVE_ERRNO;
	struct stat st;
	uint32_t ino = 0;

	if (!fstat(fd, &st) && S_ISSOCK(st.st_mode))
		ino = (uint32_t)st.st_ino;
	DCX_RESTORE_ERRNO;
	return ino;
}

/*
 * The flags stored for @fd, unchecked: the socket may be another by now.
 * Cheap (no syscall): a caller looks for the bits it cares about here and
 * pays dcx_fd_get()'s fstat() only when one is set.
 */
unsigned int dcx_fd_peek(int fd)
{
	uint64_t *slot = dcx_fd_slot(fd, false);

	return slot ? (unsigned int)(__atomic_load_n(slot, __ATOMIC_ACQUIRE) >>
				     32) & 0xff : 0;
}

/* The flags known for the socket @fd; *@wsa its failed connect's error. */
unsigned int dcx_fd_get(int fd, int *wsa)
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
void dcx_fd_update(int fd, unsigned int set, unsigned int clear, int wsa)
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

void dcx_bsd_recycled(int fd)
{
	dcx_bsd_forget(fd);
	dcx_fd_update(fd, DCX_FD_RECYCLED, 0, 0);
}

/*
 * The same before an overlapped DisconnectEx(TF_REUSE_SOCKET) is
 * submitted: its packet may reach another thread, whose AcceptEx() must
 * find the socket recycled, before the submitter returns. What the table
 * held is returned for dcx_bsd_unrecycle(), should the request be refused.
 */
uint64_t dcx_bsd_recycling(int fd)
{
	uint64_t *slot = dcx_fd_slot(fd, false);
	uint64_t old = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;

	dcx_bsd_recycled(fd);
	return old;
}

/* Refused at once: the socket is as it was, unless it changed since. */
void dcx_bsd_unrecycle(int fd, uint64_t old)
{
	uint64_t *slot = dcx_fd_slot(fd, false);
	uint64_t cur = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;

	if (slot && (unsigned int)(cur >> 32) == DCX_FD_RECYCLED)
		__atomic_compare_exchange_n(slot, &cur, old, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* ---- shared queries ----------------------------------------------------- */

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

/*
 * The TCP state of @fd (TCP_ESTABLISHED ...), -1 if it is not TCP; errno
 * kept. *@segs_in: the segments it received (0: never connected, or
 * disconnected since).
 */
int dcx_bsd_tcp_state(int fd, uint32_t *segs_in)
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


/* INET/INET6 sockets with no local port. */
bool dcx_bsd_unbound(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return !((const struct sockaddr_in *)ss)->sin_port;
	if (ss->ss_family == AF_INET6)
		return !((const struct sockaddr_in6 *)ss)->sin6_port;
	return false;
}

/*
 * An argument error: Windows reports an invalid socket first
 * (WSAENOTSOCK), then the argument.
 */
int dcx_bsd_bad_arg(SOCKET s, int err, int wsa)
{
	if (!dcx_fd_ino(s))
		return dcx_bsd_refuse(ENOTSOCK, WSAENOTSOCK);
	return dcx_bsd_refuse(err, wsa);
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
