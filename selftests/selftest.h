/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the disconnectex selftests, on top of the test library
 * every test tree shares (testlib/tst_net.h: loopback TCP pairs for both
 * families, TCP state, reading to the end): the requests (disconnect,
 * cancel) through ioctl and through a raw IORING_OP_URING_CMD SQE, and the
 * module's counters.
 *
 * Only ever included after kselftest_harness.h, by one test program each.
 */
#ifndef TST_SELFTEST_H
#define TST_SELFTEST_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/disconnectex.h>
#include <disconnectex.h>	/* __dcx_prep_uring_cmd(): the SQE layout */

#include "tst_net.h"
#include "tst_variants.h"

#define TST_DEV		"/dev/" DCX_DEVICE_NAME
#define TST_STATS	"/sys/class/misc/" DCX_DEVICE_NAME "/stats/"
/* tst_read_to_end()'s bound: a peer that never ends fails the test. */
#define TST_EOF_MS	20000
#define TST_PARAMS	"/sys/module/disconnectex/parameters/"

static inline struct dcx_disconnect tst_req(int fd, __u32 flags,
					    __u32 timeout_ms)
{
	struct dcx_disconnect req = {
		.fd = fd, .flags = flags, .timeout_ms = timeout_ms,
	};

	return req;
}

/* The blocking request; 0 or -errno. */
static inline int tst_ioctl(int devfd, const struct dcx_disconnect *req)
{
	return ioctl(devfd, DCX_IOC_DISCONNECT, req) ? -errno : 0;
}

/* The cancel request (only @req->fd may be non-zero); 0 or -errno. */
static inline int tst_cancel(int devfd, const struct dcx_disconnect *req)
{
	return ioctl(devfd, DCX_IOC_CANCEL, req) ? -errno : 0;
}

/*
 * Fill @sqe as request @cmd_op (DCX_CMD_DISCONNECT, DCX_CMD_CANCEL) with
 * @req as it is - any field, reserved ones too, so that the module's checks
 * can be driven: the library header's SQE layout (liburing 2.3 has no
 * uring_cmd helper), not its dcx_prep_*(). @devfd is a fixed-file index if
 * the caller sets IOSQE_FIXED_FILE.
 */
static inline void tst_fill_sqe_op(struct io_uring_sqe *sqe, int devfd,
				   __u32 cmd_op,
				   const struct dcx_disconnect *req)
{
	__dcx_prep_uring_cmd(sqe, devfd, cmd_op, req);
}

/* Fill @sqe as a disconnect request. */
static inline void tst_fill_sqe(struct io_uring_sqe *sqe, int devfd,
				const struct dcx_disconnect *req)
{
	tst_fill_sqe_op(sqe, devfd, DCX_CMD_DISCONNECT, req);
}

static inline int tst_queue_op(struct io_uring *ring, int devfd, __u32 cmd_op,
			       const struct dcx_disconnect *req, __u8 sqe_flags,
			       __u64 user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	tst_fill_sqe_op(sqe, devfd, cmd_op, req);
	sqe->flags = sqe_flags;
	sqe->user_data = user_data;
	return 0;
}

static inline int tst_queue(struct io_uring *ring, int devfd,
			    const struct dcx_disconnect *req, __u8 sqe_flags,
			    __u64 user_data)
{
	return tst_queue_op(ring, devfd, DCX_CMD_DISCONNECT, req, sqe_flags,
			    user_data);
}

/* Wait for one CQE; returns its res, or INT_MIN if none came. */
static inline int tst_reap(struct io_uring *ring, __u64 *user_data)
{
	struct io_uring_cqe *cqe;
	int res;

	if (io_uring_wait_cqe(ring, &cqe))
		return INT_MIN;
	res = cqe->res;
	if (user_data)
		*user_data = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* Submit one request @cmd_op and wait for its completion. */
static inline int tst_uring_op(struct io_uring *ring, int devfd, __u32 cmd_op,
			       const struct dcx_disconnect *req, __u8 sqe_flags)
{
	int err = tst_queue_op(ring, devfd, cmd_op, req, sqe_flags, 0);

	if (err)
		return err;
	err = io_uring_submit(ring);
	if (err != 1)
		return err < 0 ? err : -EIO;
	return tst_reap(ring, NULL);
}

/* Submit one disconnect request and wait for its completion. */
static inline int tst_uring(struct io_uring *ring, int devfd,
			    const struct dcx_disconnect *req, __u8 sqe_flags)
{
	return tst_uring_op(ring, devfd, DCX_CMD_DISCONNECT, req, sqe_flags);
}

static inline long tst_stat(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TST_STATS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Wait up to @ms for the in-flight counter to come down to @want. */
static inline long tst_wait_inflight(long want, int ms)
{
	long now = tst_stat("inflight");

	while (now != want && ms > 0) {
		usleep(10000);
		ms -= 10;
		now = tst_stat("inflight");
	}
	return now;
}

/*
 * A debug kernel (kmemleak, KASAN) pads objects and holds freed ones in
 * KASAN's quarantine, so slab usage says nothing there; kmemleak does.
 */
static inline bool tst_debug_kernel(void)
{
	return !access("/sys/kernel/debug/kmemleak", F_OK);
}

static inline void tst_raise_nofile(rlim_t n)
{
	struct rlimit rl = { n, n };

	setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * Load the stock kernel's modules that run.sh --files put in
 * /lib/modules/extra (veth, sch_netem, tls): the VM has no modprobe. On the
 * debug kernel they are built in and these loads fail harmlessly.
 */
static inline void tst_load_extra_modules(void)
{
	struct dirent *de;
	char path[300];
	DIR *d;
	int fd;

	d = opendir("/lib/modules/extra");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".ko"))
			continue;
		snprintf(path, sizeof(path), "/lib/modules/extra/%s", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		syscall(__NR_finit_module, fd, "", 0);
		close(fd);
	}
	closedir(d);
}

/*
 * The fixture most tests start from: the device, a listener on loopback of
 * the variant's family (TST_FAMILY_VARIANTS), one connection - cfd is the
 * client, the socket the tests disconnect; sfd the server's end of it (a
 * test that closes it sets it to -1) - and a 64-entry ring.
 */
#define TST_CONN_FIXTURE(f)						\
	FIXTURE(f) {							\
		int devfd;						\
		int lfd;						\
		int cfd;						\
		int sfd;						\
		struct tst_addr addr;					\
		struct io_uring ring;					\
	};								\
	TST_FAMILY_VARIANTS(f);						\
	FIXTURE_SETUP(f)						\
	{								\
		signal(SIGPIPE, SIG_IGN);				\
		self->devfd = open(TST_DEV, O_RDWR | O_CLOEXEC);	\
		ASSERT_LE(0, self->devfd)				\
			TH_LOG("open %s: %s", TST_DEV, strerror(errno)); \
		self->lfd = tst_listen(variant->family, 128, &self->addr); \
		ASSERT_LE(0, self->lfd);				\
		self->cfd = tst_connect(-1, &self->addr);		\
		ASSERT_LE(0, self->cfd);				\
		self->sfd = accept(self->lfd, NULL, NULL);		\
		ASSERT_LE(0, self->sfd);				\
		ASSERT_EQ(0, io_uring_queue_init(64, &self->ring, 0));	\
	}								\
	FIXTURE_TEARDOWN(f)						\
	{								\
		io_uring_queue_exit(&self->ring);			\
		if (self->sfd >= 0)					\
			close(self->sfd);				\
		close(self->cfd);					\
		close(self->lfd);					\
		close(self->devfd);					\
	}

/* Expect @want from the ioctl and from io_uring, in that order. */
static inline void tst_expect_both(struct __test_metadata *_metadata,
				   int devfd, struct io_uring *ring,
				   const struct dcx_disconnect *req, int want)
{
	EXPECT_EQ(want, tst_ioctl(devfd, req));
	EXPECT_EQ(want, tst_uring(ring, devfd, req, 0));
}

/*
 * Every program here tests the module, so without it there is nothing to
 * run: the whole program is skipped (kselftest's exit 4, KSFT_SKIP) rather
 * than every test failing on its first open(). "Without it" means what an
 * open() of the node says when no driver is behind it: ENOENT (no node:
 * the module is not loaded, devtmpfs removed it), ENODEV or ENXIO (a stale
 * node). Any other failure (EACCES, EMFILE ...) is the tests' to report.
 * Checked once, before the harness starts, so a test that unloads the
 * module itself (soak_test's reloads, lifetime_test's rmmod) is not
 * affected. A constructor: it runs before TEST_HARNESS_MAIN's main() and
 * needs nothing of the harness's internals; the output is kselftest's own
 * for a skipped program: "1..0 # SKIP reason".
 */
static void __attribute__((constructor)) tst_require_device(void)
{
	int fd = open(TST_DEV, O_RDWR | O_CLOEXEC);
	int err = errno;

	if (fd >= 0) {
		close(fd);
		return;
	}
	if (err != ENOENT && err != ENODEV && err != ENXIO)
		return;
	ksft_print_header();
	ksft_exit_skip(TST_DEV ": %s (is the disconnectex module loaded?)\n",
		       strerror(err));
}

#endif /* TST_SELFTEST_H */
