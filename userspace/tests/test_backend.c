// SPDX-License-Identifier: GPL-2.0
/*
 * Backend selection (DCX_BACKEND, auto; an unknown value is an error), the
 * clear failure when the kernel backend is forced without the module, and
 * dcx_prep_disconnect(): the SQE it builds, byte for byte, and that
 * io_uring accepts that SQE.
 *
 * Each test runs in its own process (the harness forks), so each chooses
 * the backend afresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"

static void touch_backend(void)
{
	dcx_backend();
}

TEST(forced_emulated)
{
	ASSERT_EQ(0, setenv("DCX_BACKEND", "emulated", 1));
	EXPECT_EQ(DCX_BACKEND_EMULATED, dcx_backend());
	EXPECT_STREQ("emulated", dcx_backend_name());
	EXPECT_EQ(0, dcx_backend_error());
}

TEST(auto_without_device)
{
	if (tst_device_present())
		SKIP(return, "/dev/disconnectex exists here");
	ASSERT_EQ(0, unsetenv("DCX_BACKEND"));
	EXPECT_EQ(DCX_BACKEND_EMULATED, dcx_backend());
	EXPECT_STREQ("emulated", dcx_backend_name());
}

/* Not a fallback: no backend at all (test_bad_backend.c has the rest). */
TEST(unknown_value_is_an_error)
{
	const char *msg;

	ASSERT_EQ(0, setenv("DCX_BACKEND", "bogus", 1));
	msg = tst_capture_stderr(touch_backend);
	EXPECT_NE(NULL, strstr(msg, "DCX_BACKEND=bogus")) TH_LOG("%s", msg);
	EXPECT_EQ(0, (int)dcx_backend());
	EXPECT_STREQ("invalid", dcx_backend_name());
	EXPECT_EQ(-EINVAL, dcx_backend_error());
}

TEST(forced_kernel_without_device)
{
	struct tst_addr addr;
	int lfd, cfd, sfd;
	const char *msg;
	OVERLAPPED ov;

	if (tst_device_present())
		SKIP(return, "/dev/disconnectex exists here");
	ASSERT_EQ(0, setenv("DCX_BACKEND", "kernel", 1));
	msg = tst_capture_stderr(touch_backend);
	EXPECT_NE(NULL, strstr(msg, "DCX_BACKEND=kernel")) TH_LOG("%s", msg);
	EXPECT_NE(NULL, strstr(msg, "/dev/disconnectex"));
	EXPECT_EQ(DCX_BACKEND_KERNEL, dcx_backend());
	EXPECT_STREQ("kernel", dcx_backend_name());
	EXPECT_EQ(-ENODEV, dcx_backend_error());

	lfd = tst_listen(AF_INET, 1024, &addr);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, tst_pair(lfd, &addr, &cfd, &sfd));
	/* Every disconnect fails, and touches nothing. */
	EXPECT_EQ(-ENODEV, dcx_disconnect(cfd, DCX_REUSE_SOCKET, 0));
	EXPECT_EQ(FALSE, DisconnectEx(cfd, NULL, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	memset(&ov, 0, sizeof(ov));
	EXPECT_EQ(FALSE, DisconnectEx(cfd, &ov, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	/* Refused at once: as on Windows, Internal stays STATUS_PENDING. */
	EXPECT_EQ(STATUS_PENDING, ov.Internal);
	/* Argument errors still come first. */
	EXPECT_EQ(FALSE, DisconnectEx(cfd, NULL, TF_REUSE_SOCKET, 1));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	EXPECT_EQ(1, tst_tcp_state(cfd));
	EXPECT_EQ(0, tst_nothing_to_read(sfd));
	close(cfd);
	close(sfd);

	/* ConnectEx does not need the module. */
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_EQ(TRUE, ConnectEx(cfd, (struct sockaddr *)&addr.ss, (int)addr.len,
				  NULL, 0, NULL, NULL));
	close(cfd);
	close(lfd);
}

/*
 * The kernel backend's plumbing without the module: DCX_DEVICE=/dev/null,
 * whose uring_cmd completes at once with 0 and whose ioctl says ENOTTY.
 * Nothing happens to the socket, but the request goes out through the
 * engine's ring and its completion comes back through the OVERLAPPED.
 */
TEST(kernel_backend_plumbing)
{
	struct tst_addr addr;
	int lfd, cfd, sfd, i;
	DWORD bytes = 1;
	OVERLAPPED ov;

	ASSERT_EQ(0, setenv("DCX_BACKEND", "kernel", 1));
	ASSERT_EQ(0, setenv("DCX_DEVICE", "/dev/null", 1));
	ASSERT_EQ(DCX_BACKEND_KERNEL, dcx_backend());
	ASSERT_EQ(0, dcx_backend_error());
	lfd = tst_listen(AF_INET, 1024, &addr);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, tst_pair(lfd, &addr, &cfd, &sfd));

	tst_ov_init(&ov);
	for (i = 0; i < 100; i++) {
		EXPECT_EQ(FALSE, DisconnectEx(cfd, &ov, TF_REUSE_SOCKET, 0));
		EXPECT_EQ(WSA_IO_PENDING, WSAGetLastError());
		EXPECT_EQ(0, tst_overlapped_result(&ov, &bytes, 5000));
		EXPECT_EQ(0U, bytes);
	}
	WSACloseEvent(ov.hEvent);
	/* The blocking path is the ioctl. */
	EXPECT_EQ(-ENOTTY, dcx_disconnect(cfd, 0, 0));
	EXPECT_EQ(1, tst_tcp_state(cfd));
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(open_device)
{
	int fd;

	errno = 77;
	fd = dcx_open_device();
	EXPECT_EQ(77, errno);
	if (tst_device_present()) {
		EXPECT_GE(fd, 0);
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	} else {
		EXPECT_EQ(-ENOENT, fd);
	}
}

TEST(prep_disconnect_layout)
{
	struct dcx_disconnect expect = {
		.fd = 42, .flags = DCX_REUSE_SOCKET, .timeout_ms = 1234,
	};
	struct io_uring_sqe sqe;
	unsigned char *b = (unsigned char *)&sqe;
	size_t i;

	memset(&sqe, 0xa5, sizeof(sqe));
	dcx_prep_disconnect(&sqe, 7, 42, DCX_REUSE_SOCKET, 1234);
	EXPECT_EQ(IORING_OP_URING_CMD, sqe.opcode);
	EXPECT_EQ(7, sqe.fd);
	EXPECT_EQ(DCX_CMD_DISCONNECT, sqe.cmd_op);
	EXPECT_EQ(0, memcmp(b + 48, &expect, sizeof(expect)));
	/* Everything else is zero, user_data included. */
	for (i = 0; i < sizeof(sqe); i++) {
		if (i == 0 || (i >= 4 && i < 12) || i >= 48)
			continue;
		EXPECT_EQ(0, b[i]) TH_LOG("byte %zu", i);
	}
	EXPECT_EQ(64U, sizeof(sqe));
}

/*
 * Submit a prepared SQE to a real ring. /dev/null implements uring_cmd as a
 * no-op returning 0 (for io_uring's own tests) and io_uring validates the
 * SQE's reserved fields first (-EINVAL), so a 0 proves the layout is
 * acceptable. Controls: a reserved field dirtied gets -EINVAL; a file
 * without uring_cmd (a pipe) gets -EOPNOTSUPP.
 */
static int submit_one(struct io_uring *ring, int devfd, bool dirty)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int res;

	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	dcx_prep_disconnect(sqe, devfd, 0, 0, 0);
	if (dirty)
		sqe->__pad1 = 1;
	io_uring_sqe_set_data64(sqe, 99);
	if (io_uring_submit(ring) != 1)
		return -EIO;
	if (io_uring_wait_cqe(ring, &cqe))
		return -EIO;
	res = cqe->user_data == 99 ? cqe->res : -EIO;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

TEST(prep_disconnect_accepted_by_io_uring)
{
	struct io_uring ring;
	int fd, fds[2];

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	fd = open("/dev/null", O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, submit_one(&ring, fd, false));
	EXPECT_EQ(-EINVAL, submit_one(&ring, fd, true));
	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(-EOPNOTSUPP, submit_one(&ring, fds[0], false));
	close(fds[0]);
	close(fds[1]);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST_HARNESS_MAIN
