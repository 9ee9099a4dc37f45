// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Backend selection and the native entry points.
 *
 * The choice is made once per process, at the first call that needs it:
 *
 *   DCX_BACKEND=emulated	emulated, whatever the machine has
 *   DCX_BACKEND=kernel		the module; if /dev/disconnectex cannot be
 *				opened every disconnect fails with -ENODEV
 *				(WSAEOPNOTSUPP), and one line on stderr says
 *				why - the program asked for something that
 *				cannot work, which must not look like an
 *				ordinary socket error
 *   unset, empty or "auto"	kernel if /dev/disconnectex opens, else
 *				emulated
 *
 * Any other value is reported on stderr and treated as "auto".
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

static pthread_once_t dcx_backend_once = PTHREAD_ONCE_INIT;
static enum dcx_backend dcx_backend_sel;
static int dcx_backend_devfd = -1;
static int dcx_backend_err;

static const char *dcx_device_path(void)
{
	const char *path = secure_getenv("DCX_DEVICE");

	return path && *path ? path : DCX_DEVICE_PATH;
}

static void dcx_backend_choose(void)
{
	const char *env = getenv("DCX_BACKEND");
	int fd, err;

	if (env && !strcmp(env, "emulated")) {
		dcx_backend_sel = DCX_BACKEND_EMULATED;
		return;
	}

	fd = open(dcx_device_path(), O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;

	if (env && !strcmp(env, "kernel")) {
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

	if (env && *env && strcmp(env, "auto"))
		fprintf(stderr,
			"libdisconnectex: ignoring DCX_BACKEND=%s (expected kernel, emulated or auto)\n",
			env);
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

enum dcx_backend dcx_backend(void)
{
	return dcx_backend_resolve(NULL);
}

const char *dcx_backend_name(void)
{
	return dcx_backend_resolve(NULL) == DCX_BACKEND_KERNEL ? "kernel" :
								 "emulated";
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
		return -ENODEV;
	return dcx_kernel_submit(devfd, fd, flags, timeout_ms, sink);
}

int dcx_disconnect(int sockfd, unsigned int flags, unsigned int timeout_ms)
{
	DCX_SAVE_ERRNO;
	struct dcx_waiter w;
	struct dcx_sink sink;
	int devfd, ret;

	if (flags & ~DCX_FLAGS_ALL) {
		ret = -EINVAL;
	} else if (dcx_backend_resolve(&devfd) == DCX_BACKEND_KERNEL) {
		ret = devfd < 0 ? -ENODEV :
		      dcx_kernel_disconnect(devfd, sockfd, flags, timeout_ms);
	} else {
		dcx_waiter_init(&w, &sink);
		ret = dcx_emul_submit(sockfd, flags, timeout_ms, &sink);
		if (ret < 0)
			dcx_sink_complete(&sink, ret, 0);
		ret = dcx_waiter_wait(&w, NULL);
	}
	DCX_RESTORE_ERRNO;
	return ret;
}
