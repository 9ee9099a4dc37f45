/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * disconnectex.h - native API of libdisconnectex.
 *
 * Like liburing: dcx_prep_disconnect() only fills a caller-owned SQE and
 * makes no system call; the out-of-line functions return 0 (or a value) on
 * success and -errno on failure, and leave errno alone.
 */
#ifndef DCX_DISCONNECTEX_H
#define DCX_DISCONNECTEX_H

#include <stddef.h>
#include <string.h>
#include <liburing.h>
#include <linux/disconnectex.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * liburing 2.3 has no prep helper for IORING_OP_URING_CMD; the 16-byte
 * payload goes into the command area of a normal 64-byte SQE (sqe->cmd,
 * which overlays addr3 at offset 48).
 */
#if !defined(__cplusplus) && defined(__STDC_VERSION__) && \
	__STDC_VERSION__ >= 201112L
_Static_assert(offsetof(struct io_uring_sqe, cmd) == 48,
	       "uring_cmd payload lives at offset 48 of the SQE");
_Static_assert(sizeof(struct io_uring_sqe) - 48 ==
	       sizeof(struct dcx_disconnect),
	       "struct dcx_disconnect fills the 64-byte SQE's command area");
#endif

/*
 * Not API: what the prep helpers below share. The request the module reads,
 * by uring_cmd or by the DCX_IOC_DISCONNECT ioctl, with its reserved field
 * zero; and the uring_cmd SQE that carries it - every other field zeroed.
 */
static inline struct dcx_disconnect __dcx_request(int sockfd,
						  unsigned int flags,
						  unsigned int timeout_ms)
{
	struct dcx_disconnect req = {
		.fd = sockfd,
		.flags = flags,
		.timeout_ms = timeout_ms,
		.reserved = 0,
	};

	return req;
}

static inline void __dcx_prep_uring_cmd(struct io_uring_sqe *sqe, int devfd,
					__u32 cmd_op,
					const struct dcx_disconnect *cmd)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = devfd;
	sqe->cmd_op = cmd_op;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), cmd,
	       sizeof(*cmd));
}

/**
 * dcx_prep_disconnect - prepare an SQE for a disconnect through the module
 * @sqe:	SQE from io_uring_get_sqe() on a ring without IORING_SETUP_SQE128
 * @devfd:	an fd of /dev/disconnectex (see dcx_open_device())
 * @sockfd:	the TCP socket, an fd of the submitting process
 * @flags:	0 or DCX_REUSE_SOCKET
 * @timeout_ms:	abort (RST) after this long; 0 means the module's default
 *
 * Every other field of the SQE is zeroed; set user_data afterwards. The CQE's
 * res is 0 or -errno (see <linux/disconnectex.h>).
 */
static inline void dcx_prep_disconnect(struct io_uring_sqe *sqe, int devfd,
				       int sockfd, unsigned int flags,
				       unsigned int timeout_ms)
{
	struct dcx_disconnect cmd = __dcx_request(sockfd, flags, timeout_ms);

	__dcx_prep_uring_cmd(sqe, devfd, DCX_CMD_DISCONNECT, &cmd);
}

/**
 * dcx_prep_cancel - prepare an SQE that aborts the disconnect in flight
 * @sqe:	SQE from io_uring_get_sqe() on a ring without IORING_SETUP_SQE128
 * @devfd:	an fd of /dev/disconnectex
 * @sockfd:	the socket whose disconnect to abort
 *
 * The aborted disconnect ends with -ECANCELED (see <linux/disconnectex.h>);
 * this request's own CQE says 0, or -ENOENT if nothing was in flight on
 * @sockfd. As dcx_prep_disconnect(), it makes no system call.
 */
static inline void dcx_prep_cancel(struct io_uring_sqe *sqe, int devfd,
				   int sockfd)
{
	struct dcx_disconnect cmd = __dcx_request(sockfd, 0, 0);

	__dcx_prep_uring_cmd(sqe, devfd, DCX_CMD_CANCEL, &cmd);
}

/* Which implementation serves dcx_disconnect() and DisconnectEx(). */
enum dcx_backend {
	DCX_BACKEND_KERNEL = 1,		/* the module, /dev/disconnectex */
	DCX_BACKEND_EMULATED = 2,	/* plain io_uring, see README */
};

/*
 * The backend is chosen once per process, at the first call that needs it,
 * from DCX_BACKEND in the environment: "kernel" or "emulated" forces one;
 * unset, empty or "auto" takes kernel when /dev/disconnectex can be opened,
 * else emulated. Any other value names no backend, and nothing falls back:
 * one line on stderr names the value, dcx_backend() returns 0 (no backend),
 * and every socket, completion-port and disconnect call fails before doing
 * anything - -EINVAL here (dcx_disconnect, dcx_open_device), WSASYSNOTREADY
 * at the Windows surface. The last error, events, OVERLAPPED inspection and
 * teardown keep working.
 */
enum dcx_backend dcx_backend(void);

/* "kernel" or "emulated"; "invalid" when DCX_BACKEND names no backend. */
const char *dcx_backend_name(void);

/*
 * 0 when the backend can serve requests; -ENODEV when DCX_BACKEND=kernel was
 * forced but /dev/disconnectex cannot be opened (every disconnect then fails
 * with -ENODEV, and DisconnectEx with WSAEOPNOTSUPP); -EINVAL when
 * DCX_BACKEND names no backend.
 */
int dcx_backend_error(void);

/* Open /dev/disconnectex (O_RDWR | O_CLOEXEC): an fd, or -errno. */
int dcx_open_device(void);

/*
 * Gracefully disconnect the TCP socket @sockfd and wait for the end: 0, or
 * -errno as listed in <linux/disconnectex.h> (-ECONNRESET, -ETIMEDOUT,
 * -EINVAL, -EBADF, -ENOTSOCK, -EOPNOTSUPP, -EALREADY, -ENOTCONN, ...).
 * With DCX_REUSE_SOCKET the socket is unconnected afterwards, ready for
 * connect(2) again, in every case but the argument errors.
 */
int dcx_disconnect(int sockfd, unsigned int flags, unsigned int timeout_ms);

/* The Winsock error for an errno value (either sign): e.g. ENOTCONN ->
 * WSAENOTCONN (10057), ECANCELED -> WSA_OPERATION_ABORTED (995). */
int dcx_wsa_from_errno(int err);

#ifdef __cplusplus
}
#endif

#endif /* DCX_DISCONNECTEX_H */
