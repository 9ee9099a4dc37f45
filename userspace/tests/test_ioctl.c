// SPDX-License-Identifier: GPL-2.0
/*
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER): both GUIDs give working
 * function pointers; an unknown GUID is WSAEINVAL; a short or unwritable
 * output buffer is WSAEFAULT; a non-socket is WSAENOTSOCK.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"
#include "tst_variants.h"

FIXTURE(ioctl) {
	int s;
};

TST_FAMILY_VARIANTS(ioctl);

FIXTURE_SETUP(ioctl)
{
	self->s = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(self->s, 0);
}

FIXTURE_TEARDOWN(ioctl)
{
	close(self->s);
}

TEST_F(ioctl, disconnectex_guid)
{
	GUID guid = WSAID_DISCONNECTEX;
	LPFN_DISCONNECTEX fn = NULL;
	DWORD bytes = 0;

	EXPECT_EQ(0, WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER,
			      &guid, sizeof(guid), &fn, sizeof(fn), &bytes,
			      NULL, NULL));
	EXPECT_EQ(sizeof(fn), bytes);
	EXPECT_EQ((void *)DisconnectEx, (void *)fn);
	/* It works: this socket is not connected. */
	ASSERT_NE(NULL, fn);
	EXPECT_EQ(FALSE, fn(self->s, NULL, 0, 0));
	EXPECT_EQ(WSAENOTCONN, WSAGetLastError());
}

TEST_F(ioctl, connectex_guid)
{
	static const GUID guid = WSAID_CONNECTEX;	/* read-only is fine */
	struct tst_addr addr;
	LPFN_CONNECTEX fn = NULL;
	DWORD bytes = 0, sent = 99;
	int lfd, sfd;
	char buf[3];

	EXPECT_EQ(0, WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER,
			      (void *)&guid, sizeof(guid), &fn, sizeof(fn),
			      &bytes, NULL, NULL));
	EXPECT_EQ(sizeof(fn), bytes);
	EXPECT_EQ((void *)ConnectEx, (void *)fn);
	ASSERT_NE(NULL, fn);

	lfd = tst_listen(variant->family, 1024, &addr);
	ASSERT_GE(lfd, 0);
	EXPECT_EQ(TRUE, fn(self->s, (struct sockaddr *)&addr.ss, (int)addr.len,
			   "abc", 3, &sent, NULL));
	EXPECT_EQ(3U, sent);
	sfd = tst_accept(lfd, 5000);
	ASSERT_GE(sfd, 0);
	EXPECT_EQ(0, tst_recv_exact(sfd, buf, 3, 5000));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	close(sfd);
	close(lfd);
}

TEST_F(ioctl, unknown_guid)
{
	/* WSAID_WSARECVMSG: a real extension, not provided here. */
	GUID guid = {0xf689d7c8, 0x6f1f, 0x436b,
		     {0x8a, 0x53, 0xe5, 0x4f, 0xe3, 0x51, 0xc3, 0x22}};
	void *fn = (void *)1;
	DWORD bytes = 7;

	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), &fn, sizeof(fn), &bytes, NULL, NULL));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	EXPECT_EQ((void *)1, fn);
}

TEST_F(ioctl, short_or_bad_buffers)
{
	GUID guid = WSAID_DISCONNECTEX;
	unsigned char small[4];
	void *fn = NULL;
	DWORD bytes;
	void *ro;

	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), small, sizeof(small), &bytes, NULL,
			   NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), NULL, sizeof(fn), &bytes, NULL, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	/* Input too short for a GUID. */
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid) - 1, &fn, sizeof(fn), &bytes, NULL,
			   NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	/* No byte count in a non-overlapped call. */
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), &fn, sizeof(fn), NULL, NULL, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());

	/* Unwritable output: an error, not a crash. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), ro, sizeof(fn), &bytes, NULL, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	/* An unwritable OVERLAPPED fails the call before any output. */
	fn = NULL;
	bytes = 77;
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), &fn, sizeof(fn), &bytes,
			   (OVERLAPPED *)ro, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(NULL, fn);
	EXPECT_EQ(77U, bytes);
	munmap(ro, 4096);
}

TEST_F(ioctl, other_codes_and_routines)
{
	GUID guid = WSAID_DISCONNECTEX;
	void *fn = NULL;
	DWORD bytes;

	EXPECT_EQ(SOCKET_ERROR, WSAIoctl(self->s, 0x4004667F, &guid,
					 sizeof(guid), &fn, sizeof(fn),
					 &bytes, NULL, NULL));
	EXPECT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
}

TEST_F(ioctl, overlapped_lookup)
{
	GUID guid = WSAID_CONNECTEX;
	OVERLAPPED ov;
	void *fn = NULL;
	DWORD bytes = 0;

	tst_ov_init(&ov);
	ASSERT_NE(WSA_INVALID_EVENT, ov.hEvent);
	/* Windows: the overlapped form needs the byte count all the same. */
	ov.Internal = 0x1234;
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), &fn, sizeof(fn), NULL, &ov, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(0x1234U, ov.Internal);
	EXPECT_EQ(NULL, fn);

	WSASetLastError(12345);
	EXPECT_EQ(0, WSAIoctl(self->s, SIO_GET_EXTENSION_FUNCTION_POINTER,
			      &guid, sizeof(guid), &fn, sizeof(fn), &bytes, &ov,
			      NULL));
	EXPECT_EQ(0, WSAGetLastError());
	EXPECT_EQ((void *)ConnectEx, fn);
	EXPECT_EQ(sizeof(fn), bytes);
	EXPECT_EQ(0U, ov.Internal);
	EXPECT_EQ(0U, ov.InternalHigh);
	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE));
	WSACloseEvent(ov.hEvent);
}

TEST(not_a_socket)
{
	GUID guid = WSAID_DISCONNECTEX;
	void *fn = NULL;
	DWORD bytes;
	int fds[2];

	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(fds[0], SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			   sizeof(guid), &fn, sizeof(fn), &bytes, NULL, NULL));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(INVALID_SOCKET, SIO_GET_EXTENSION_FUNCTION_POINTER,
			   &guid, sizeof(guid), &fn, sizeof(fn), &bytes, NULL,
			   NULL));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
