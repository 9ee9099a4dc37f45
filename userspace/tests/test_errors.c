// SPDX-License-Identifier: GPL-2.0
/*
 * The Windows surface's numbers and error plumbing: header constants and
 * layouts as docs/SPEC.md section 4 gives them, the errno -> WSA map,
 * NTSTATUS round trips through OVERLAPPED.Internal, per-thread
 * WSAGetLastError(), and WSAStartup / WSACleanup / closesocket.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"
#include "../src/internal.h"

TEST(constants)
{
	/* The values Windows programs compare against. */
	EXPECT_EQ(-1, SOCKET_ERROR);
	EXPECT_EQ(-1, INVALID_SOCKET);
	EXPECT_EQ(0x01, TF_DISCONNECT);
	EXPECT_EQ(0x02, TF_REUSE_SOCKET);
	EXPECT_EQ(0xC8000006U, SIO_GET_EXTENSION_FUNCTION_POINTER);
	EXPECT_EQ(10014, WSAEFAULT);
	EXPECT_EQ(10022, WSAEINVAL);
	EXPECT_EQ(10037, WSAEALREADY);
	EXPECT_EQ(10038, WSAENOTSOCK);
	EXPECT_EQ(10045, WSAEOPNOTSUPP);
	EXPECT_EQ(10054, WSAECONNRESET);
	EXPECT_EQ(10056, WSAEISCONN);
	EXPECT_EQ(10057, WSAENOTCONN);
	EXPECT_EQ(10060, WSAETIMEDOUT);
	EXPECT_EQ(10061, WSAECONNREFUSED);
	EXPECT_EQ(997, ERROR_IO_PENDING);
	EXPECT_EQ(997, WSA_IO_PENDING);
	EXPECT_EQ(996, WSA_IO_INCOMPLETE);
	EXPECT_EQ(995, WSA_OPERATION_ABORTED);
	EXPECT_EQ(0U, WSA_WAIT_EVENT_0);
	EXPECT_EQ(258U, WSA_WAIT_TIMEOUT);
	EXPECT_EQ(0xFFFFFFFFU, WSA_INFINITE);
	EXPECT_EQ(0x103U, STATUS_PENDING);
	EXPECT_EQ(4U, sizeof(DWORD));
	EXPECT_EQ((DWORD)0, (DWORD)(0xFFFFFFFFU + 1U));	/* 32-bit wrap */
	EXPECT_EQ(TF_REUSE_SOCKET, DCX_REUSE_SOCKET);
}

TEST(overlapped_layout)
{
	EXPECT_EQ(32U, sizeof(OVERLAPPED));
	EXPECT_EQ(32U, sizeof(WSAOVERLAPPED));
	EXPECT_EQ(0U, offsetof(OVERLAPPED, Internal));
	EXPECT_EQ(8U, offsetof(OVERLAPPED, InternalHigh));
	EXPECT_EQ(16U, offsetof(OVERLAPPED, Offset));
	EXPECT_EQ(20U, offsetof(OVERLAPPED, OffsetHigh));
	EXPECT_EQ(16U, offsetof(OVERLAPPED, Pointer));
	EXPECT_EQ(24U, offsetof(OVERLAPPED, hEvent));
	EXPECT_EQ(8U, sizeof(((OVERLAPPED *)0)->Internal));
	EXPECT_EQ(8U, sizeof(((OVERLAPPED *)0)->hEvent));
	EXPECT_EQ(16U, sizeof(GUID));
}

TEST(guids)
{
	/* GUIDs as Windows stores them: little-endian Data1..3. */
	static const unsigned char disc[16] = {
		0x11, 0x2e, 0xda, 0x7f, 0x30, 0x86, 0x6f, 0x43,
		0xa0, 0x31, 0xf5, 0x36, 0xa6, 0xee, 0xc1, 0x57,
	};
	static const unsigned char conn[16] = {
		0xb9, 0x07, 0xa2, 0x25, 0xf3, 0xdd, 0x60, 0x46,
		0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e,
	};
	GUID d = WSAID_DISCONNECTEX, c = WSAID_CONNECTEX;

	EXPECT_EQ(0, memcmp(&d, disc, 16));
	EXPECT_EQ(0, memcmp(&c, conn, 16));
}

TEST(errno_map)
{
	static const struct { int err, wsa; } map[] = {
		{ EINVAL, WSAEINVAL },
		{ EFAULT, WSAEFAULT },
		{ ENOTCONN, WSAENOTCONN },
		{ EBADF, WSAENOTSOCK },
		{ ENOTSOCK, WSAENOTSOCK },
		{ EOPNOTSUPP, WSAEOPNOTSUPP },
		{ EALREADY, WSAEALREADY },
		{ ECONNRESET, WSAECONNRESET },
		{ ETIMEDOUT, WSAETIMEDOUT },
		{ ECANCELED, WSA_OPERATION_ABORTED },
		{ EISCONN, WSAEISCONN },
		{ ECONNREFUSED, WSAECONNREFUSED },
		{ ENODEV, WSAEOPNOTSUPP },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		EXPECT_EQ(map[i].wsa, dcx_wsa_from_errno(map[i].err))
			TH_LOG("errno %d", map[i].err);
		/* -errno, as the native API returns it, maps the same. */
		EXPECT_EQ(map[i].wsa, dcx_wsa_from_errno(-map[i].err));
	}
	EXPECT_EQ(0, dcx_wsa_from_errno(0));
	EXPECT_EQ(WSASYSCALLFAILURE, dcx_wsa_from_errno(EIO));
}

TEST(status_maps)
{
	int e;

	/*
	 * Every errno's status reads back, through Windows' own map, as the
	 * Winsock error the errno has - so an OVERLAPPED and the immediate
	 * path agree.
	 */
	EXPECT_EQ(0U, dcx_status_from_errno(0));
	EXPECT_EQ(0, dcx_wsa_from_status(0));
	for (e = 1; e < 134; e++) {
		uint32_t st = dcx_status_from_errno(-e);

		EXPECT_NE(STATUS_PENDING, st);
		EXPECT_FALSE(dcx_status_success(st)) TH_LOG("errno %d", e);
		EXPECT_EQ(dcx_wsa_from_errno(e), dcx_wsa_from_status(st))
			TH_LOG("errno %d status %#x", e, st);
	}
	/* Windows' own codes where Windows has one. */
	EXPECT_EQ(0xC000020DU, dcx_status_from_errno(-ECONNRESET));
	EXPECT_EQ(0xC0000120U, dcx_status_from_errno(-ECANCELED));
	EXPECT_EQ(0xC00000B5U, dcx_status_from_errno(-ETIMEDOUT));
	EXPECT_EQ(0xC0000236U, dcx_status_from_errno(-ECONNREFUSED));
	/* ... and what kernel32 makes of them. */
	EXPECT_EQ(64U, dcx_win32_from_status(0xC000020D));
	EXPECT_EQ(995U, dcx_win32_from_status(0xC0000120));
	EXPECT_EQ(1225U, dcx_win32_from_status(0xC0000236));
	EXPECT_EQ(1236U, dcx_win32_from_status(0xC0000241));
	/* RtlNtStatusToDosError's special rules. */
	EXPECT_EQ(0U, dcx_win32_from_status(0));
	EXPECT_EQ(64U, dcx_win32_from_status(0xD000020D));
	EXPECT_EQ(1234U, dcx_win32_from_status(0x800704D2));
	EXPECT_EQ(0x2000ABCDU, dcx_win32_from_status(0x2000ABCD));
	EXPECT_EQ(317U, dcx_win32_from_status(0xC0000FFF));
	/* A status the library made up maps through its errno. */
	EXPECT_EQ((uint32_t)WSAEAFNOSUPPORT,
		  dcx_win32_from_status(dcx_status_from_errno(-EAFNOSUPPORT)));
}

TEST(overlapped_result_maps_status)
{
	OVERLAPPED ov;
	DWORD n = 77, flags = 5;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_GE(s, 0);
	memset(&ov, 0, sizeof(ov));
	ov.Internal = dcx_status_from_errno(-ECONNRESET);
	ov.InternalHigh = 12;
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(s, &ov, &n, FALSE, &flags));
	EXPECT_EQ(WSAECONNRESET, WSAGetLastError());
	EXPECT_EQ(12U, n);

	ov.Internal = dcx_status_from_errno(-ECANCELED);
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(s, &ov, &n, TRUE, &flags));
	EXPECT_EQ(WSA_OPERATION_ABORTED, WSAGetLastError());

	ov.Internal = 0;
	ov.InternalHigh = 5;
	EXPECT_EQ(TRUE, WSAGetOverlappedResult(s, &ov, &n, FALSE, &flags));
	EXPECT_EQ(5U, n);
	EXPECT_EQ(0U, flags);
	EXPECT_EQ(TRUE, HasOverlappedIoCompleted(&ov));

	ov.Internal = STATUS_PENDING;
	EXPECT_EQ(FALSE, HasOverlappedIoCompleted(&ov));
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(s, &ov, &n, FALSE, &flags));
	EXPECT_EQ(WSA_IO_INCOMPLETE, WSAGetLastError());
	close(s);
}

#define NTHREADS 8

struct last_error_arg {
	int value;
	int initial;
	int seen;
};

static void last_error_thread(struct tst_gang *g, void *p)
{
	struct last_error_arg *a = p;

	a->initial = WSAGetLastError();
	WSASetLastError(a->value);
	tst_gang_meet(g);	/* everyone has set theirs */
	tst_gang_meet(g);	/* main has set its own */
	a->seen = WSAGetLastError();
}

TEST(last_error_per_thread)
{
	struct last_error_arg args[NTHREADS];
	struct tst_gang g;
	int i;

	WSASetLastError(4242);
	for (i = 0; i < NTHREADS; i++)
		args[i].value = 10000 + i;
	ASSERT_EQ(0, tst_gang_start(&g, NTHREADS, last_error_thread, args,
				    sizeof(args[0])));
	tst_gang_meet(&g);
	WSASetLastError(1);
	tst_gang_meet(&g);
	tst_gang_join(&g);
	for (i = 0; i < NTHREADS; i++) {
		EXPECT_EQ(0, args[i].initial);
		EXPECT_EQ(10000 + i, args[i].seen);
	}
	EXPECT_EQ(1, WSAGetLastError());
}

TEST(failing_calls_set_last_error)
{
	int fds[2];

	ASSERT_EQ(0, pipe(fds));
	WSASetLastError(0);
	EXPECT_EQ(FALSE, DisconnectEx(fds[0], NULL, 0, 0));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	EXPECT_EQ(FALSE, DisconnectEx(fds[0], NULL, 0, 1));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	close(fds[0]);
	close(fds[1]);
}

TEST(startup_cleanup)
{
	WSADATA wd;

	memset(&wd, 0xAA, sizeof(wd));
	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd));
	EXPECT_EQ(MAKEWORD(2, 2), wd.wVersion);
	EXPECT_EQ(MAKEWORD(2, 2), wd.wHighVersion);
	EXPECT_NE(NULL, strstr(wd.szDescription, dcx_backend_name()));
	EXPECT_EQ(0, WSAStartup(MAKEWORD(3, 0), &wd));
	EXPECT_EQ(MAKEWORD(2, 2), wd.wVersion);
	EXPECT_EQ(0, WSAStartup(MAKEWORD(1, 1), &wd));
	EXPECT_EQ(MAKEWORD(1, 1), wd.wVersion);
	EXPECT_EQ(0, WSAStartup(MAKEWORD(1, 0), &wd));
	EXPECT_EQ(MAKEWORD(1, 0), wd.wVersion);
	EXPECT_EQ(WSAVERNOTSUPPORTED, WSAStartup(MAKEWORD(0, 2), &wd));
	EXPECT_EQ(WSAEFAULT, WSAStartup(MAKEWORD(2, 2), NULL));

	EXPECT_EQ(0, WSACleanup());
	EXPECT_EQ(0, WSACleanup());
	EXPECT_EQ(0, WSACleanup());
	EXPECT_EQ(0, WSACleanup());
	EXPECT_EQ(SOCKET_ERROR, WSACleanup());
	EXPECT_EQ(WSANOTINITIALISED, WSAGetLastError());
}

TEST(cleanup_stops_engine)
{
	struct tst_addr addr;
	WSADATA wd;
	int lfd, s;

	EXPECT_EQ(0, tst_count_threads("dcx-engine"));
	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd));
	lfd = tst_listen(AF_INET, 1024, &addr);
	ASSERT_GE(lfd, 0);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	/* Any ConnectEx starts the engine thread. */
	ASSERT_EQ(TRUE, ConnectEx(s, (struct sockaddr *)&addr.ss, addr.len, NULL, 0,
				  NULL, NULL));
	EXPECT_EQ(1, tst_count_threads("dcx-engine"));
	EXPECT_EQ(0, WSACleanup());
	EXPECT_EQ(0, tst_count_threads("dcx-engine"));
	/* And the library still works afterwards. */
	closesocket(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_EQ(TRUE, ConnectEx(s, (struct sockaddr *)&addr.ss, addr.len, NULL, 0,
				  NULL, NULL));
	EXPECT_EQ(1, tst_count_threads("dcx-engine"));
	closesocket(s);
	close(lfd);
}

TEST(closesocket_only_sockets)
{
	int fds[2], s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	EXPECT_EQ(0, closesocket(s));
	EXPECT_EQ(-1, fcntl(s, F_GETFD));
	EXPECT_EQ(SOCKET_ERROR, closesocket(s));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());

	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(SOCKET_ERROR, closesocket(fds[0]));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	/* Not closed: it is not a socket. */
	EXPECT_EQ(0, fcntl(fds[0], F_GETFD) & ~FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
