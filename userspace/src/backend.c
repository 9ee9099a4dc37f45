// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Backend selection and the native entry points; and ConnectEx()'s connect,
 * which both backends share (the disconnect is what differs).
 *
 * DCX_BACKEND is read once per process, at the first call that needs it:
 *
 *   DCX_BACKEND=emulated	emulated, whatever the machine has
 *   DCX_BACKEND=kernel		the module; if /dev/disconnectex cannot be
 *				opened every disconnect fails with -ENODEV
 *				(WSAEOPNOTSUPP), and one line on stderr says
 *				why - the program asked for something that
 *				cannot work, which must not look like an
 *				ordinary socket error
 *   unset, empty or "auto"	kernel if /dev/disconnectex opens, else
 *				emulated (empty as unset: "DCX_BACKEND= prog"
 *				is how a shell clears a variable for one
 *				command)
 *   anything else		no backend. The value is a mistake (a typo,
 *				"Kernel", an option meant for another
 *				program): falling back would run the program
 *				on a backend nobody chose, and a benchmark or
 *				a test would report on the wrong thing. One
 *				line on stderr names the variable, the value
 *				and the allowed values, and every call that
 *				would make, connect, associate or do I/O on a
 *				socket or a completion port, or disconnect,
 *				fails before doing anything: -EINVAL from the
 *				native API (dcx_backend() is 0, no backend;
 *				dcx_backend_name() "invalid";
 *				dcx_backend_error() -EINVAL), WSASYSNOTREADY
 *				at the Windows surface
 *
 * WSASYSNOTREADY is what WSAStartup() returns on Windows when "the
 * underlying network subsystem is not ready"; here it is WSAStartup()'s
 * result and the last error of every other refused call, the kernel32 ones
 * (CreateIoCompletionPort, GetQueuedCompletionStatus[Ex],
 * PostQueuedCompletionStatus, SetFileCompletionNotificationModes) included
 * - GetLastError() and WSAGetLastError() are one slot on Windows too. One
 * value for one cause, which no socket or port ever reports otherwise, so
 * the failure cannot be taken for an ordinary one; the BSD-named calls
 * also set errno to EINVAL. What keeps working is what lets a program
 * report the failure and unwind: the last error (GetLastError,
 * SetLastError, WSAGetLastError, WSASetLastError, dcx_wsa_from_errno),
 * events, OVERLAPPED inspection (HasOverlappedIoCompleted,
 * [WSA]GetOverlappedResult), and teardown (closesocket, CloseHandle,
 * CancelIo, CancelIoEx, WSACleanup). The check is dcx_backend_check(), a
 * load and a compare once the variable has been read.
 *
 * DCX_DEVICE=path replaces /dev/disconnectex, for tests: the host tests
 * point the kernel backend at /dev/null, whose uring_cmd completes at once,
 * to exercise this backend's plumbing without the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* What DCX_BACKEND asks for. */
enum {
	DCX_ENV_AUTO = 1,
	DCX_ENV_KERNEL,
	DCX_ENV_EMULATED,
};

static pthread_once_t dcx_env_once = PTHREAD_ONCE_INIT;
static int dcx_env_mode;
/* 0: not read yet; 1: names a backend (or auto); -EINVAL: does not. */
int dcx_backend_env_state;

static pthread_once_t dcx_backend_once = PTHREAD_ONCE_INIT;
static enum dcx_backend dcx_backend_sel;
static int dcx_backend_devfd = -1;
static int dcx_backend_err;

static const char *dcx_device_path(void)
{
	const char *path = secure_getenv("DCX_DEVICE");

	return path && *path ? path : DCX_DEVICE_PATH;
}

/*
 * Only the variable: the device is opened later, by the first call that
 * needs a backend, so that a program that never disconnects never holds
 * an fd on it.
 */
static void dcx_env_read(void)
{
	const char *env = getenv("DCX_BACKEND");
	int state = 1;

	if (!env || !*env || !strcmp(env, "auto")) {
		dcx_env_mode = DCX_ENV_AUTO;
	} else if (!strcmp(env, "kernel")) {
		dcx_env_mode = DCX_ENV_KERNEL;
	} else if (!strcmp(env, "emulated")) {
		dcx_env_mode = DCX_ENV_EMULATED;
	} else {
		state = -EINVAL;
		fprintf(stderr,
			"libdisconnectex: DCX_BACKEND=%s is not a backend: allowed are kernel, emulated, auto (unset or empty means auto). Every socket, completion port and disconnect call fails: EINVAL (native API), WSASYSNOTREADY (Windows API).\n",
			env);
	}
	__atomic_store_n(&dcx_backend_env_state, state, __ATOMIC_RELEASE);
}

int dcx_backend_env_slow(void)
{
	int saved = errno;

	pthread_once(&dcx_env_once, dcx_env_read);
	errno = saved;
	return dcx_backend_env_state < 0 ? dcx_backend_env_state : 0;
}

static void dcx_backend_choose(void)
{
	int fd, err;

	dcx_backend_err = dcx_backend_check();
	if (dcx_backend_err)
		return;		/* no backend: dcx_backend_sel stays 0 */
	if (dcx_env_mode == DCX_ENV_EMULATED) {
		dcx_backend_sel = DCX_BACKEND_EMULATED;
		return;
	}

	fd = open(dcx_device_path(), O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;

	if (dcx_env_mode == DCX_ENV_KERNEL) {
		dcx_backend_sel = DCX_BACKEND_KERNEL;
		dcx_backend_devfd = fd;
		if (fd < 0) {
			dcx_backend_err = -ENODEV;
			fprintf(stderr,
				"libdisconnectex: DCX_BACKEND=kernel but %s cannot be opened (%s); is the disconnectex module loaded? Every disconnect fails with ENODEV (WSAEOPNOTSUPP).\n",
				dcx_device_path(), strerror(err));
		}
		return;
	}

	if (fd >= 0) {
		dcx_backend_sel = DCX_BACKEND_KERNEL;
		dcx_backend_devfd = fd;
	} else {
		dcx_backend_sel = DCX_BACKEND_EMULATED;
	}
}

enum dcx_backend dcx_backend_resolve(int *devfd)
{
	int saved = errno;

	pthread_once(&dcx_backend_once, dcx_backend_choose);
	errno = saved;
	if (devfd)
		*devfd = dcx_backend_devfd;
	return dcx_backend_sel;
}

/* 0 when DCX_BACKEND names no backend. */
enum dcx_backend dcx_backend(void)
{
	return dcx_backend_resolve(NULL);
}

const char *dcx_backend_name(void)
{
	switch (dcx_backend_resolve(NULL)) {
	case DCX_BACKEND_KERNEL:
		return "kernel";
	case DCX_BACKEND_EMULATED:
		return "emulated";
	default:
		return "invalid";
	}
}

int dcx_backend_error(void)
{
	dcx_backend_resolve(NULL);
	return dcx_backend_err;
}

int dcx_open_device(void)
{
	DCX_SAVE_ERRNO;
	int fd;

	fd = dcx_backend_check();
	if (fd)
		return fd;	/* errno untouched */
	fd = open(dcx_device_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	DCX_RESTORE_ERRNO;
	return fd;
}

/*
 * The errors of <linux/disconnectex.h> that refuse a request before
 * anything is done (plus io_uring's and the LSM's own refusals), as
 * opposed to the results of a disconnect that ran.
 */
bool dcx_is_refusal(int err)
{
	switch (err) {
	case -EINVAL:
	case -EBADF:
	case -ENOTSOCK:
	case -EOPNOTSUPP:
	case -EALREADY:
	case -ENOTCONN:
	case -ENOMEM:
	case -ENODEV:
	case -EPERM:
	case -EACCES:
		return true;
	default:
		return false;
	}
}

/*
 * Start an asynchronous disconnect reporting to @sink. 0: started, the sink
 * will be called exactly once; 1: finished already, the sink has been
 * called; -errno: refused before anything was done (the checks of
 * <linux/disconnectex.h>), the sink will not be called.
 */
int dcx_submit_disconnect(int fd, unsigned int flags, unsigned int timeout_ms,
			  struct dcx_sink *sink)
{
	int devfd;

	if (flags & ~DCX_FLAGS_ALL)
		return -EINVAL;
	if (dcx_backend_resolve(&devfd) == DCX_BACKEND_EMULATED)
		return dcx_emul_submit(fd, flags, timeout_ms, sink);
	if (devfd < 0)
		return dcx_backend_err ? dcx_backend_err : -ENODEV;
	return dcx_kernel_submit(devfd, fd, flags, timeout_ms, sink);
}

int dcx_disconnect(int sockfd, unsigned int flags, unsigned int timeout_ms)
{
	DCX_SAVE_ERRNO;
	struct dcx_waiter w;
	struct dcx_sink sink;
	int devfd, ret;

	/* Before the arguments: with no backend nothing works. */
	ret = dcx_backend_check();
	if (ret)
		return ret;
	if (flags & ~DCX_FLAGS_ALL) {
		ret = -EINVAL;
	} else if (dcx_backend_resolve(&devfd) == DCX_BACKEND_KERNEL) {
		ret = devfd < 0 ? -ENODEV :
		      dcx_kernel_disconnect(devfd, sockfd, flags, timeout_ms);
	} else {
		dcx_waiter_init(&w, &sink);
		ret = dcx_emul_submit(sockfd, flags, timeout_ms, &sink);
		ret = dcx_waiter_end(&w, &sink, ret, NULL);
	}
	DCX_RESTORE_ERRNO;
	return ret;
}

/*
 * The connect of ConnectEx(): connect @fd to @name, then send the first
 * buffer, as one io_uring link - IORING_OP_CONNECT followed by
 * IORING_OP_SEND - on the socket's port's ring or the engine's. The same on
 * both backends: only the disconnect differs.
 *
 * The send uses MSG_WAITALL, so io_uring keeps going until the whole buffer
 * is queued (or the connection fails), and MSG_NOSIGNAL, so a reset peer
 * gives an error instead of SIGPIPE. The byte count is the send's result;
 * if the connect fails the linked send is cancelled and the connect's error
 * is the result. If the send fails after a successful connect, its error is
 * the result (the connection exists; the program decides what to do).
 */
enum {
	DCX_T_CONNECT = 1,
	DCX_T_SEND,
};

struct dcx_connect_op {
	struct dcx_op op;
	struct dcx_sink sink;
	struct dcx_pending pending;
	struct sockaddr_storage addr;	/* read by the kernel at issue */
	socklen_t addrlen;
	unsigned int steps;		/* SQEs whose CQE has not come */
	int res;
	unsigned int bytes;
	char data[];			/* the first buffer, copied */
};

static void dcx_connect_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_connect_op *cop = (struct dcx_connect_op *)
		((char *)o - offsetof(struct dcx_connect_op, op));
	struct dcx_ring *r = o->ring;
	struct dcx_sink sink;
	unsigned int bytes;

	if (tag == DCX_T_CONNECT) {
		if (res < 0)
			cop->res = res;
	} else if (!cop->res) {
		/* The send; -ECANCELED here follows a failed connect. */
		if (res < 0)
			cop->res = res;
		else
			cop->bytes = (unsigned int)res;
	}
	if (--cop->steps)
		return;
	sink = cop->sink;
	res = dcx_pending_del(&cop->pending, cop->res);
	bytes = cop->bytes;
	free(cop);
	dcx_ring_op_done(r, &sink, res, bytes);
}

/* CancelIoEx(): stop the connect, and the send if it already runs. */
static void dcx_connect_cancel(struct dcx_pending *p, struct dcx_ring *r)
{
	struct dcx_connect_op *cop = (struct dcx_connect_op *)
		((char *)p - offsetof(struct dcx_connect_op, pending));

	dcx_cancel_request(r, (uintptr_t)&cop->op | DCX_T_CONNECT);
	dcx_cancel_request(r, (uintptr_t)&cop->op | DCX_T_SEND);
}

/*
 * Start the connect reporting to @sink; @buf is copied first (-EFAULT if it
 * cannot be read). 0: started, the sink will be called exactly once;
 * -errno: refused before anything was done, the sink will not be called.
 */
int dcx_submit_connect(int fd, const struct sockaddr *name, socklen_t namelen,
		       const void *buf, unsigned int len,
		       struct dcx_sink *sink)
{
	struct dcx_connect_op *cop;
	struct io_uring_sqe *sqe;
	struct dcx_ring *r;
	int ret;

	cop = calloc(1, sizeof(*cop) + len);
	if (!cop)
		return -ENOMEM;
	if (len && dcx_copy_checked(cop->data, buf, len)) {
		free(cop);
		return -EFAULT;
	}
	cop->op.fn = dcx_connect_cqe;
	memcpy(&cop->addr, name, namelen);
	cop->addrlen = namelen;
	cop->steps = len ? 2 : 1;
	r = dcx_pending_begin(&cop->pending, &cop->op, &cop->sink, fd, sink,
			      dcx_connect_cancel, false, &ret);
	if (!r) {
		free(cop);
		return ret;
	}
	dcx_ring_reserve(r, cop->steps);
	sqe = dcx_ring_sqe(r);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&cop->addr,
			      cop->addrlen);
	dcx_sqe_set_op(sqe, &cop->op, DCX_T_CONNECT);
	if (len) {
		sqe->flags |= IOSQE_IO_LINK;
		sqe = dcx_ring_sqe(r);
		io_uring_prep_send(sqe, fd, cop->data, len,
				   MSG_NOSIGNAL | MSG_WAITALL);
		dcx_sqe_set_op(sqe, &cop->op, DCX_T_SEND);
	}
	/*
	 * From here the ring's reaper owns cop; an error means the ring is
	 * gone for good and cop stays with it, off the cancellation list as
	 * the program is told the connect failed.
	 */
	return dcx_pending_submit(&cop->pending, r, NULL);
}
