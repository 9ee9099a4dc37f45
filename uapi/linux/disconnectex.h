/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * disconnectex: graceful TCP disconnect that hands back the same socket.
 *
 * The ABI of /dev/disconnectex, shared by the kernel module and userspace.
 *
 * One request exists, DCX_IOC_DISCONNECT / DCX_CMD_DISCONNECT. Both take the
 * same 16-byte payload, struct dcx_disconnect:
 *
 *  - through ioctl(2) on /dev/disconnectex, with a pointer to the payload as
 *    the argument: the call blocks (killably) until the operation is over and
 *    returns 0 or -1 with errno set;
 *  - through io_uring, as an IORING_OP_URING_CMD SQE whose fd is
 *    /dev/disconnectex, cmd_op is DCX_CMD_DISCONNECT and whose 16-byte command
 *    area (sqe->cmd, in a normal 64-byte SQE) holds the payload: the CQE's res
 *    is 0 or -errno. The payload is read once, when the request is issued.
 *
 * The operation ends the connection of the TCP socket @fd (an fd of the
 * calling process) gracefully: it shuts the socket down for sending (the FIN
 * follows every byte already queued), discards whatever the peer still sends,
 * and finishes once the peer has acknowledged everything and sent its own
 * FIN.  With DCX_REUSE_SOCKET the socket is then returned to the unconnected
 * state - same fd, same open file, options kept - and connect(2) on it
 * succeeds again at once.
 *
 * Results: 0 (graceful), -ECONNRESET (the peer reset the connection),
 * -ETIMEDOUT (@timeout_ms expired first: the connection was aborted with an
 * RST), -ECANCELED (the owner closed /dev/disconnectex or was killed while the
 * operation was in flight: aborted as for a timeout). With DCX_REUSE_SOCKET the
 * socket is reusable after every one of them.
 *
 * Errors found before anything is done, in this order, with no side effect:
 *   -EINVAL      @reserved is not zero, or @flags has an unknown bit
 *   -EBADF       @fd is not an open file descriptor
 *   -ENOTSOCK    @fd is not a socket
 *   -EOPNOTSUPP  not TCP over IPv4/IPv6, or a socket with an upper layer
 *                protocol (kTLS, MPTCP subflow, ...), in a sockmap, or in
 *                TCP_REPAIR mode
 *   -EALREADY    a disconnect is already in flight on this socket
 *   -ENOTCONN    never connected, listening or still connecting; or already
 *                shut down for sending, or already ended, and no
 *                DCX_REUSE_SOCKET
 * Through io_uring, -EINVAL also answers an unknown cmd_op.
 */
#ifndef _UAPI_LINUX_DISCONNECTEX_H
#define _UAPI_LINUX_DISCONNECTEX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The misc device, /dev/disconnectex. */
#define DCX_DEVICE_NAME		"disconnectex"

/* Return the socket to the unconnected state (the value of TF_REUSE_SOCKET). */
#define DCX_REUSE_SOCKET	0x2U
#define DCX_FLAGS_ALL		(DCX_REUSE_SOCKET)

/**
 * struct dcx_disconnect - payload of DCX_IOC_DISCONNECT and DCX_CMD_DISCONNECT
 * @fd:		the TCP socket, an fd of the calling process
 * @flags:	0 or DCX_REUSE_SOCKET
 * @timeout_ms:	abort after this many milliseconds; 0 means the module
 *		parameter timeout_ms (default 10000)
 * @reserved:	must be zero
 */
struct dcx_disconnect {
	__s32	fd;
	__u32	flags;
	__u32	timeout_ms;
	__u32	reserved;
};

#define DCX_IOC_MAGIC		0xDC

/* ioctl(devfd, DCX_IOC_DISCONNECT, &payload): waits until the end. */
#define DCX_IOC_DISCONNECT	_IOW(DCX_IOC_MAGIC, 0x01, struct dcx_disconnect)

/* IORING_OP_URING_CMD cmd_op: completes through the CQE. */
#define DCX_CMD_DISCONNECT	DCX_IOC_DISCONNECT

#ifdef __KERNEL__
/* It must fit the 16-byte command area of a normal 64-byte SQE. */
static_assert(sizeof(struct dcx_disconnect) == 16);
#endif

#endif /* _UAPI_LINUX_DISCONNECTEX_H */
