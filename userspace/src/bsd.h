/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * What the files of the BSD-named calls (bsd.c, bsd_socket.c, bsd_opt.c,
 * bsd_select.c) share, all defined in bsd.c: the result helpers, which set
 * the thread's last error, and the table of what Linux does not remember
 * of a socket. Everything here is prefixed dcx_ and hidden from the shared
 * library by libdisconnectex.map. Those files use the C library's socket
 * calls: they define DCX_BSD_SOCKETS before including <winsock2.h>.
 */
#ifndef DCX_BSD_H
#define DCX_BSD_H

#include <stdbool.h>
#include <stdint.h>

#include <winsock2.h>

/*
 * Results. Success: the last error is 0. A failure the C library reported
 * (dcx_bsd_fail, dcx_bsd_fail_errno): errno stays. A failure decided here
 * (dcx_bsd_refuse): errno gets the nearest Linux error. Each returns what
 * the wrapper returns.
 */
int dcx_bsd_ok(int ret);
int dcx_bsd_fail(int wsa);
int dcx_bsd_fail_errno(void);
int dcx_bsd_refuse(int err, int wsa);
/* DCX_BACKEND names no backend (backend.c): WSASYSNOTREADY, EINVAL. */
int dcx_bsd_no_backend(void);

/* What the table remembers of a socket (dcx_fd_get, dcx_fd_update). */
enum {
	DCX_FD_CONNECTING	= 1 << 0, /* connect() said WSAEWOULDBLOCK */
	DCX_FD_CONNECT_FAILED	= 1 << 1, /* and it failed (or failed at once) */
	DCX_FD_RECV_SHUT	= 1 << 2, /* shutdown(SD_RECEIVE or SD_BOTH) */
	DCX_FD_SEND_SHUT	= 1 << 3, /* shutdown(SD_SEND or SD_BOTH) */
	DCX_FD_RESET		= 1 << 4, /* a reset was reported */
	DCX_FD_CONNECT_DONE	= 1 << 5, /* select() saw it connect */
	DCX_FD_NONBLOCK		= 1 << 6, /* made non-blocking here (socket(),
					   * accept(), ioctlsocket()) */
	DCX_FD_RECYCLED		= 1 << 7, /* DisconnectEx(TF_REUSE_SOCKET): the
					   * local port getsockname() shows is
					   * the last connection's, not bound */
};

/* What a new connection leaves as it was. */
#define DCX_FD_KEEP		((unsigned int)DCX_FD_NONBLOCK)

uint32_t dcx_fd_ino(int fd);
unsigned int dcx_fd_peek(int fd);
unsigned int dcx_fd_get(int fd, int *wsa);
void dcx_fd_update(int fd, unsigned int set, unsigned int clear, int wsa);

/* Checks more than one file makes. */
bool dcx_bsd_unbound(const struct sockaddr_storage *ss);
int dcx_bsd_tcp_state(int fd, uint32_t *segs_in);
int dcx_bsd_bad_arg(SOCKET s, int err, int wsa);

#endif /* DCX_BSD_H */
