// SPDX-License-Identifier: GPL-2.0
/*
 * A ring gone for good: io_uring_submit() fails with an error the library
 * does not retry, so the submission of an overlapped call is refused. The
 * call fails at once and, as the program is told it failed, nothing of it
 * is left for CancelIoEx() to find (dcx_pending_submit()).
 *
 * io_uring_submit() is this program's own: the library's reference to it
 * binds here first, and it passes to liburing's unless the calling thread
 * asked for the failure. Each TEST runs in a process of its own, so the
 * broken engine ring goes with it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"

static __thread bool fail_submit;

int io_uring_submit(struct io_uring *ring)
{
	static int (*real)(struct io_uring *ring);

	if (fail_submit)
		return -ENXIO;
	if (!real)
		real = (int (*)(struct io_uring *))dlsym(RTLD_NEXT,
							 "io_uring_submit");
	return real ? real(ring) : -ENOSYS;
}

FIXTURE(ring_gone) {
	struct tst_addr addr;
	int lfd;
};

FIXTURE_SETUP(ring_gone)
{
	WSADATA wd;

	ASSERT_EQ(0, tst_use_emulated());
	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd));
	self->lfd = tst_listen(AF_INET, 16, &self->addr);
	ASSERT_GE(self->lfd, 0);
}

FIXTURE_TEARDOWN(ring_gone)
{
	close(self->lfd);
}

/*
 * The call on @fd just failed because the submission did: -ENXIO has no
 * Winsock counterpart; Internal stays as marked on entry; nothing is left
 * listed for the socket.
 */
static void expect_nothing_left(struct __test_metadata *_metadata, int fd,
				OVERLAPPED *ov)
{
	EXPECT_EQ(WSASYSCALLFAILURE, WSAGetLastError());
	EXPECT_EQ((ULONG_PTR)STATUS_PENDING, ov->Internal);
	EXPECT_EQ(FALSE, CancelIoEx((HANDLE)(intptr_t)fd, ov));
	EXPECT_EQ(ERROR_NOT_FOUND, WSAGetLastError());
}

TEST_F(ring_gone, connectex)
{
	OVERLAPPED ov;
	SOCKET s;

	s = WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
		      WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, s);
	memset(&ov, 0, sizeof(ov));

	fail_submit = true;
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&self->addr),
				   (int)self->addr.len, NULL, 0, NULL, &ov));
	fail_submit = false;
	expect_nothing_left(_metadata, (int)s, &ov);
	closesocket(s);
}

TEST_F(ring_gone, transmitfile)
{
	TRANSMIT_FILE_BUFFERS tb = { .Head = "x", .HeadLength = 1 };
	OVERLAPPED ov;
	int cfd, sfd;

	ASSERT_EQ(0, tst_pair(self->lfd, &self->addr, &cfd, &sfd));
	memset(&ov, 0, sizeof(ov));

	fail_submit = true;
	EXPECT_EQ(FALSE, TransmitFile((SOCKET)cfd, NULL, 0, 0, &ov, &tb, 0));
	fail_submit = false;
	expect_nothing_left(_metadata, cfd, &ov);
	close(cfd);
	close(sfd);
}

TEST_HARNESS_MAIN
