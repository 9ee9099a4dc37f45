// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * select(), over ppoll(), with Windows' notion of readiness: a connect in
 * progress, or one that failed, as bsd.c's per-descriptor table remembers
 * it. Conventions and sources of the Windows facts as in bsd.c.
 */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1	/* the C library's calls, in this file */
#endif

#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include <winsock2.h>
#include <windows.h>

#include "internal.h"
#include "bsd.h"

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
 * What Windows reports for @fd, from what poll() saw (@rev, for the events
 * @want the caller asked about and any this file added): readable (data,
 * end of file, reset, a pending connection), writable (connected and room
 * to send; reset too, test_tcp_reset), exceptional (out-of-band data, or
 * the failure of a connect() that said WSAEWOULDBLOCK - test_select; never
 * then readable or writable). A TCP socket that was never connected is none
 * of them (test_select), though Linux says "hang-up, writable"; TCP_INFO
 * tells it from a reset one (both TCP_CLOSE; only one ever received a
 * segment), which poll() bits cannot when only POLLOUT was asked.
 */
static void dcx_bsd_readiness(int fd, short want, short rev, bool *rd,
			      bool *wr, bool *ex)
{
	unsigned int st = dcx_fd_get(fd, NULL);
	uint32_t segs_in = 1;

	*rd = *wr = false;
	*ex = (want & POLLPRI) && (rev & POLLPRI);
	if (st & (DCX_FD_CONNECTING | DCX_FD_CONNECT_FAILED)) {
		if (rev & (POLLERR | POLLHUP)) {
			*ex = want & POLLPRI;
			return;
		}
		if (!(rev & POLLOUT))
			return;
		dcx_fd_update(fd, DCX_FD_CONNECT_DONE,
			      DCX_FD_CONNECTING | DCX_FD_CONNECT_FAILED, -1);
	} else if ((rev & POLLHUP) &&
		   dcx_bsd_tcp_state(fd, &segs_in) == TCP_CLOSE && !segs_in) {
		return;
	}
	*rd = (want & POLLIN) && (rev & (POLLIN | POLLERR | POLLHUP));
	*wr = (want & POLLOUT) && (rev & POLLOUT);
}

/*
 * The events to poll for @fd, given the caller's @want: a connect in
 * progress ends in POLLOUT, which must be seen even when only readfds
 * holds the socket.
 */
static short dcx_bsd_poll_events(int fd, short want)
{
	if (!(want & POLLOUT) &&
	    (dcx_fd_get(fd, NULL) & (DCX_FD_CONNECTING | DCX_FD_CONNECT_FAILED)))
		return want | POLLOUT;
	return want;
}

/*
 * The deadline for @tv, or -1 (forever) when it lies beyond what 64-bit
 * nanoseconds hold: Windows' tv_sec is a 32-bit long, but a program here
 * may pass LONG_MAX.
 */
static int64_t dcx_bsd_deadline(const struct timeval *tv)
{
	int64_t now = dcx_bsd_now_ns(), max_s = (INT64_MAX - now) / 1000000000;

	if (tv->tv_sec >= max_s - 1)
		return -1;
	return now + (int64_t)tv->tv_sec * 1000000000 +
	       (int64_t)(tv->tv_usec % 1000000) * 1000 +
	       (int64_t)(tv->tv_usec / 1000000) * 1000000000;
}

int WSAAPI dcx_ws_select(int nfds, fd_set *readfds, fd_set *writefds,
			 fd_set *exceptfds, const struct timeval *timeout)
{
	struct pollfd pfd[FD_SETSIZE];
	int fds[FD_SETSIZE];
	short want[FD_SETSIZE];
	fd_set r, w, e;
	struct timespec left = { 0, 0 };
	int64_t deadline = 0, ns;
	unsigned int ready;
	int fd, n = 0, i, ret;
	bool rd, wr, ex;
	short ev;

	if (dcx_backend_check())
		return dcx_bsd_no_backend();

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
		want[n] = ev;
		pfd[n].fd = fd;
		pfd[n].events = dcx_bsd_poll_events(fd, ev);
		n++;
	}
	/* No socket at all: WSAEINVAL, not a sleep (test_select). */
	if (!n)
		return dcx_bsd_refuse(EINVAL, WSAEINVAL);
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_usec < 0)
			return dcx_bsd_refuse(EINVAL, WSAEINVAL);
		deadline = dcx_bsd_deadline(timeout);
		if (deadline < 0)
			timeout = NULL;
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
			dcx_bsd_readiness(fds[i], want[i], pfd[i].revents, &rd,
					  &wr, &ex);
			if (rd)
				FD_SET(fds[i], &r);
			if (wr)
				FD_SET(fds[i], &w);
			if (ex)
				FD_SET(fds[i], &e);
			if (rd || wr || ex)
				ready++;
			else if (pfd[i].events != want[i] &&
				 !(pfd[i].revents & (POLLERR | POLLHUP)))
				pfd[i].events = want[i]; /* connected: on to
							  * what was asked */
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
