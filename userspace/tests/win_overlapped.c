// SPDX-License-Identifier: GPL-2.0
/*
 * WSAGetOverlappedResult and GetOverlappedResult as Windows answers them
 * (WINDOWS.md, "WSAGetOverlappedResult / GetOverlappedResult"), against the
 * Windows API only (Windows/Wine, host, VM). The status table is the one
 * Wine's conformance tests hold Windows to (dlls/ws2_32/tests/sock.c,
 * test_WSAGetOverlappedResult); the statuses are written into Internal by
 * hand, as a program may.
 */
#include "wintest.h"

#define NT_PENDING	0x00000103U

/* Error statuses and the Winsock error Windows gives for each. */
static const struct {
	DWORD status;
	int wsa;
} wsa_map[] = {
	{ 0x80000005, WSAEMSGSIZE },		/* BUFFER_OVERFLOW */
	{ 0xC0000002, WSAEOPNOTSUPP },		/* NOT_IMPLEMENTED */
	{ 0xC0000005, WSAEFAULT },		/* ACCESS_VIOLATION */
	{ 0xC0000007, WSAENOBUFS },		/* PAGEFILE_QUOTA */
	{ 0xC0000008, WSAENOTSOCK },		/* INVALID_HANDLE */
	{ 0xC000000E, WSAENETDOWN },		/* NO_SUCH_DEVICE */
	{ 0xC000000F, WSAENETDOWN },		/* NO_SUCH_FILE */
	{ 0xC0000017, WSAENOBUFS },		/* NO_MEMORY */
	{ 0xC0000018, WSAENOBUFS },		/* CONFLICTING_ADDRESSES */
	{ 0xC0000022, WSAEACCES },		/* ACCESS_DENIED */
	{ 0xC0000023, WSAEFAULT },		/* BUFFER_TOO_SMALL */
	{ 0xC0000024, WSAENOTSOCK },		/* OBJECT_TYPE_MISMATCH */
	{ 0xC0000034, WSAENETDOWN },		/* OBJECT_NAME_NOT_FOUND */
	{ 0xC000003A, WSAENETDOWN },		/* OBJECT_PATH_NOT_FOUND */
	{ 0xC0000043, WSAEADDRINUSE },		/* SHARING_VIOLATION */
	{ 0xC0000044, WSAENOBUFS },		/* QUOTA_EXCEEDED */
	{ 0xC0000097, WSAENOBUFS },		/* TOO_MANY_PAGING_FILES */
	{ 0xC000009A, WSAENOBUFS },		/* INSUFFICIENT_RESOURCES */
	{ 0xC00000A1, WSAENOBUFS },		/* WORKING_SET_QUOTA */
	{ 0xC00000A3, WSAEWOULDBLOCK },		/* DEVICE_NOT_READY */
	{ 0xC00000B0, WSAESHUTDOWN },		/* PIPE_DISCONNECTED */
	{ 0xC00000B5, WSAETIMEDOUT },		/* IO_TIMEOUT */
	{ 0xC00000BB, WSAEOPNOTSUPP },		/* NOT_SUPPORTED */
	{ 0xC00000BC, WSAECONNREFUSED },	/* REMOTE_NOT_LISTENING */
	{ 0xC00000BE, WSAENETUNREACH },		/* BAD_NETWORK_PATH */
	{ 0xC00000BF, WSAENETDOWN },		/* NETWORK_BUSY */
	{ 0xC00000C3, WSAENETDOWN },		/* INVALID_NETWORK_RESPONSE */
	{ 0xC00000C4, WSAENETDOWN },		/* UNEXPECTED_NETWORK_ERROR */
	{ 0xC00000D0, WSAEWOULDBLOCK },		/* REQUEST_NOT_ACCEPTED */
	{ 0xC0000120, WSA_OPERATION_ABORTED },	/* CANCELLED */
	{ 0xC000012D, WSAENOBUFS },		/* COMMITMENT_LIMIT */
	{ 0xC000013B, WSAECONNABORTED },	/* LOCAL_DISCONNECT */
	{ 0xC000013C, WSAECONNRESET },		/* REMOTE_DISCONNECT */
	{ 0xC000013D, WSAENOBUFS },		/* REMOTE_RESOURCES */
	{ 0xC000013E, WSAECONNRESET },		/* LINK_FAILED */
	{ 0xC000013F, WSAETIMEDOUT },		/* LINK_TIMEOUT */
	{ 0xC0000140, WSAENOTCONN },		/* INVALID_CONNECTION */
	{ 0xC0000141, WSAEADDRNOTAVAIL },	/* INVALID_ADDRESS */
	{ 0xC0000206, WSAEMSGSIZE },		/* INVALID_BUFFER_SIZE */
	{ 0xC0000207, WSAEADDRNOTAVAIL },	/* INVALID_ADDRESS_COMPONENT */
	{ 0xC0000209, WSAENOBUFS },		/* TOO_MANY_ADDRESSES */
	{ 0xC000020A, WSAEADDRINUSE },		/* ADDRESS_ALREADY_EXISTS */
	{ 0xC000020C, WSAECONNRESET },		/* CONNECTION_DISCONNECTED */
	{ 0xC000020D, WSAECONNRESET },		/* CONNECTION_RESET */
	{ 0xC000020F, WSAECONNABORTED },	/* TRANSACTION_ABORTED */
	{ 0xC0000236, WSAECONNREFUSED },	/* CONNECTION_REFUSED */
	{ 0xC0000237, WSAEDISCON },		/* GRACEFUL_DISCONNECT */
	{ 0xC000023B, WSAEISCONN },		/* CONNECTION_ACTIVE */
	{ 0xC000023C, WSAENETUNREACH },		/* NETWORK_UNREACHABLE */
	{ 0xC000023D, WSAEHOSTUNREACH },	/* HOST_UNREACHABLE */
	{ 0xC000023E, WSAENETUNREACH },		/* PROTOCOL_UNREACHABLE */
	{ 0xC000023F, WSAECONNRESET },		/* PORT_UNREACHABLE */
	{ 0xC0000240, WSAEINTR },		/* REQUEST_ABORTED */
	{ 0xC0000241, WSAECONNABORTED },	/* CONNECTION_ABORTED */
	{ 0xC00002C5, WSAEFAULT },		/* DATATYPE_MISALIGNMENT_ERROR */
	{ 0xC0000350, WSAEHOSTDOWN },		/* HOST_DOWN */
	{ 0x800703E4, WSA_IO_INCOMPLETE },
	{ 0xC00103E4, WSA_IO_INCOMPLETE },
	{ 0xC00703E4, WSA_IO_INCOMPLETE },
};

/* What Windows answers for @status: TRUE (0) or FALSE with the error. */
static int expected_wsa(DWORD status)
{
	unsigned int i;

	if (status == NT_PENDING)
		return WSA_IO_INCOMPLETE;
	if (!(status & 0x80000000U))
		return 0;
	for (i = 0; i < sizeof(wsa_map) / sizeof(wsa_map[0]); i++)
		if (wsa_map[i].status == status)
			return wsa_map[i].wsa;
	return WSAEINVAL;
}

FIXTURE(ovr)
{
	SOCKET s;
	OVERLAPPED ov;
};

FIXTURE_SETUP(ovr)
{
	wt_init();
	self->s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, self->s);
	memset(&self->ov, 0, sizeof(self->ov));
}

FIXTURE_TEARDOWN(ovr)
{
	closesocket(self->s);
}

/* One status through WSAGetOverlappedResult: 0 on a match. */
static int check_status(SOCKET s, OVERLAPPED *ov, DWORD status)
{
	DWORD bytes = 0, flags = 0;
	int want = expected_wsa(status), got;
	BOOL ret;

	ov->Internal = status;
	ov->InternalHigh = 42;
	WSASetLastError(0x1234);
	ret = WSAGetOverlappedResult(s, ov, &bytes, FALSE, &flags);
	got = ret ? 0 : WSAGetLastError();
	if (ret != !want || got != want)
		return 1;
	/* The byte count comes back with every finished status. */
	if (status != NT_PENDING && bytes != 42)
		return 1;
	return 0;
}

/*
 * The table, and sweeps over every kind of status around it: success and
 * informational TRUE (but STATUS_PENDING), each known error status its
 * error, every other error or warning status WSAEINVAL.
 */
TEST_F(ovr, status_table)
{
	static const struct {
		DWORD from, n;
	} sweep[] = {
		/*
		 * Around every kind of status, and past each table row;
		 * kept small enough for the debug kernel under TCG.
		 */
		{ 0x00000000, 0x200 },
		{ 0x40000000, 0x40 },
		{ 0x80000000, 0x40 },
		{ 0x800703C0, 0x40 },
		{ 0xC0000000, 0x360 },
		{ 0xC00103C0, 0x40 },
		{ 0xC00703C0, 0x40 },
		{ 0xD0000000, 0x40 },
	};
	unsigned int i, bad = 0;
	DWORD st, j;

	for (i = 0; i < sizeof(wsa_map) / sizeof(wsa_map[0]); i++) {
		if (check_status(self->s, &self->ov, wsa_map[i].status)) {
			TH_LOG("status %#lx: want %d got %d",
			       (unsigned long)wsa_map[i].status,
			       wsa_map[i].wsa, WSAGetLastError());
			bad++;
		}
	}
	for (i = 0; i < sizeof(sweep) / sizeof(sweep[0]); i++) {
		for (j = 0; j < sweep[i].n; j++) {
			st = sweep[i].from + j;
			if (!check_status(self->s, &self->ov, st))
				continue;
			if (bad++ < 10)
				TH_LOG("status %#lx: want %d got %d",
				       (unsigned long)st, expected_wsa(st),
				       WSAGetLastError());
		}
	}
	EXPECT_EQ(0U, bad);
}

/* STATUS_SUCCESS: TRUE with the last error 0. */
TEST_F(ovr, success_clears_last_error)
{
	DWORD bytes = 0, flags = 0;

	self->ov.Internal = 0;
	self->ov.InternalHigh = 7;
	WSASetLastError(0x1234);
	EXPECT_EQ(TRUE, WSAGetOverlappedResult(self->s, &self->ov, &bytes,
					       FALSE, &flags));
	EXPECT_EQ(0, WSAGetLastError());
	EXPECT_EQ(7U, bytes);
}

/* Not a socket: WSAENOTSOCK, whatever the OVERLAPPED says. */
TEST_F(ovr, not_a_socket)
{
	SOCKET dead = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	DWORD bytes = 0, flags = 0;

	ASSERT_NE(INVALID_SOCKET, dead);
	closesocket(dead);
	self->ov.Internal = 0;
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(dead, &self->ov, &bytes, FALSE,
						&flags));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
}

/*
 * fWait with an event waits on the event: once it is set, the call returns
 * even though Internal still says pending - TRUE, as on Windows.
 */
TEST_F(ovr, wait_is_on_the_event)
{
	DWORD bytes = 0, flags = 0;

	self->ov.hEvent = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, self->ov.hEvent);
	self->ov.Internal = NT_PENDING;
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(self->s, &self->ov, &bytes,
						FALSE, &flags));
	EXPECT_EQ(WSA_IO_INCOMPLETE, WSAGetLastError());
	ASSERT_TRUE(WSASetEvent(self->ov.hEvent));
	EXPECT_EQ(TRUE, WSAGetOverlappedResult(self->s, &self->ov, &bytes,
					       TRUE, &flags));
	EXPECT_EQ(NT_PENDING, self->ov.Internal);
	WSACloseEvent(self->ov.hEvent);
}

/* kernel32's view of the socket statuses: Win32 errors. */
TEST_F(ovr, win32_errors)
{
	static const struct {
		DWORD status;
		DWORD err;
	} map[] = {
		{ 0xC000020D, ERROR_NETNAME_DELETED },	  /* CONNECTION_RESET */
		{ 0xC0000236, ERROR_CONNECTION_REFUSED }, /* CONNECTION_REFUSED */
		{ 0xC0000120, ERROR_OPERATION_ABORTED },  /* CANCELLED */
		{ 0xC0000241, ERROR_CONNECTION_ABORTED }, /* CONNECTION_ABORTED */
		{ 0xC0000023, ERROR_INSUFFICIENT_BUFFER }, /* BUFFER_TOO_SMALL */
		{ 0xC00000BB, ERROR_NOT_SUPPORTED },	  /* NOT_SUPPORTED */
		{ 0xC00000B5, ERROR_SEM_TIMEOUT },	  /* IO_TIMEOUT */
		{ 0xC0000008, ERROR_INVALID_HANDLE },	  /* INVALID_HANDLE */
		{ 0xC000023D, ERROR_HOST_UNREACHABLE },	  /* HOST_UNREACHABLE */
		{ 0xC000023C, ERROR_NETWORK_UNREACHABLE }, /* NETWORK_UNREACHABLE */
	};
	HANDLE h = (HANDLE)(uintptr_t)self->s;
	DWORD bytes;
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		self->ov.Internal = map[i].status;
		self->ov.InternalHigh = 3;
		bytes = 0;
		EXPECT_EQ(FALSE, GetOverlappedResult(h, &self->ov, &bytes,
						     FALSE));
		EXPECT_EQ(map[i].err, GetLastError())
			TH_LOG("status %#lx", (unsigned long)map[i].status);
		EXPECT_EQ(3U, bytes);
	}
	self->ov.Internal = NT_PENDING;
	EXPECT_EQ(FALSE, GetOverlappedResult(h, &self->ov, &bytes, FALSE));
	EXPECT_EQ((DWORD)ERROR_IO_INCOMPLETE, GetLastError());
	self->ov.Internal = 0;
	self->ov.InternalHigh = 9;
	EXPECT_EQ(TRUE, GetOverlappedResult(h, &self->ov, &bytes, FALSE));
	EXPECT_EQ(9U, bytes);
}

TEST_HARNESS_MAIN
