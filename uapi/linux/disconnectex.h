/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * disconnectex: graceful TCP disconnect that hands back the same socket.
 *
 * The ABI of /dev/disconnectex, shared by the kernel module and userspace.
 *
 * Two requests exist, each both as an ioctl(2) on /dev/disconnectex (with a
 * pointer to the payload as the argument) and as an IORING_OP_URING_CMD SQE
 * whose fd is /dev/disconnectex, whose cmd_op is the request number and
 * whose 16-byte command area (sqe->cmd, in a normal 64-byte SQE) holds the
 * payload, struct dcx_disconnect. The payload is read once, when the request
 * is issued. Through io_uring the CQE's res is 0 or -errno; through ioctl(2)
 * the call returns 0 or -1 with errno set.
 *
 * DCX_IOC_DISCONNECT / DCX_CMD_DISCONNECT
 *
 *   Ends the connection of the TCP socket @fd (an fd of the calling process)
 *   the way Windows' DisconnectEx() does. The ioctl blocks until the end; it
 *   sleeps killably and freezably, and a handled signal only restarts it
 *   (the operation goes on meanwhile and the restarted call collects its
 *   result), so the thread's own io_uring completions are never held back.
 *
 *   Without DCX_REUSE_SOCKET: shut the socket down for sending (the FIN
 *   follows every byte already queued) and finish with 0 once the peer has
 *   acknowledged every byte and the FIN - one round trip on a live peer. The
 *   peer's FIN is not awaited and incoming data is not discarded: the
 *   program goes on reading it. A socket already shut down for sending, or
 *   whose connection already ended, finishes with 0.
 *
 *   With DCX_REUSE_SOCKET: shut down for sending (unless already), discard
 *   whatever the peer still sends, finish once the peer has acknowledged
 *   everything and sent its own FIN (the socket reached TCP_CLOSE), and in
 *   every case return the socket to the unconnected state as connect(2) with
 *   AF_UNSPEC does - same fd, same open file, options kept, no RST, threads
 *   still blocked on the old connection woken with an error. connect(2) on
 *   it then succeeds at once, to any address of the socket's family.
 *
 *   Results: 0 (graceful), -ECONNRESET (the peer reset the connection first),
 *   -ETIMEDOUT (@timeout_ms expired first: the connection was aborted with an
 *   RST), -ECANCELED (cancelled by DCX_IOC_CANCEL, or the owner went away -
 *   closed /dev/disconnectex, exited, exec'd, was killed, or closed the ring -
 *   or the program itself disconnected the socket meanwhile, in which case
 *   the operation leaves the socket alone: an operation only ever ends the
 *   connection it was started for).
 *
 * DCX_IOC_CANCEL / DCX_CMD_CANCEL
 *
 *   Aborts the disconnect in flight on socket @fd (@flags, @timeout_ms and
 *   @reserved must be zero): that operation ends with -ECANCELED (with an RST
 *   if the connection had not closed yet; with DCX_REUSE_SOCKET the socket is
 *   unconnected afterwards). The cancel request itself returns 0, or -ENOENT
 *   if no disconnect was in flight on the socket.
 *
 * Errors found before anything is done, in this order, with no side effect:
 *   -EINVAL      @reserved is not zero, @flags has an unknown bit, or
 *                @timeout_ms is above DCX_TIMEOUT_MAX_MS (for a cancel: any
 *                field but @fd is not zero)
 *   -EBADF       @fd is not an open file descriptor
 *   -ENOTSOCK    @fd is not a socket
 *   -EOPNOTSUPP  not TCP over IPv4/IPv6, or a socket with an upper layer
 *                protocol (kTLS, MPTCP, ...), in a sockmap, used by an
 *                in-kernel consumer (sk_user_data: KCM, strparser, ...), or
 *                in TCP_REPAIR mode
 *   -EALREADY    a disconnect is already in flight on this socket
 *   -ENOTCONN    never connected, listening or still connecting
 * Through io_uring, -EINVAL also answers an unknown cmd_op, and through
 * ioctl(2) -ENOTTY an unknown request.
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

/*
 * The longest timeout a request or the module parameter may give. 6.1's
 * io_uring warns when a closing ring still waits for a request after 300 s,
 * and it cannot cancel a uring_cmd: every operation must end well before.
 */
#define DCX_TIMEOUT_MAX_MS	120000U

/**
 * struct dcx_disconnect - payload of every request
 * @fd:		the TCP socket, an fd of the calling process
 * @flags:	0 or DCX_REUSE_SOCKET (a cancel: 0)
 * @timeout_ms:	abort after this many milliseconds; 0 means the module
 *		parameter timeout_ms (default 10000); at most
 *		DCX_TIMEOUT_MAX_MS (a cancel: 0)
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
/* ioctl(devfd, DCX_IOC_CANCEL, &payload): aborts the one in flight on fd. */
#define DCX_IOC_CANCEL		_IOW(DCX_IOC_MAGIC, 0x02, struct dcx_disconnect)

/* IORING_OP_URING_CMD cmd_op values: complete through the CQE. */
#define DCX_CMD_DISCONNECT	DCX_IOC_DISCONNECT
#define DCX_CMD_CANCEL		DCX_IOC_CANCEL

#endif /* _UAPI_LINUX_DISCONNECTEX_H */
