// SPDX-License-Identifier: GPL-2.0
/*
 * WSAGetOverlappedResult and GetOverlappedResult as Windows answers them
 * (docs/WINDOWS.md, "WSAGetOverlappedResult / GetOverlappedResult"), against
 * the Windows API only (Windows/Wine, host, VM). The status table is the one
 * Wine's conformance tests hold Windows to (dlls/ws2_32/tests/sock.c,
 * test_WSAGetOverlappedResult); the statuses are written into Internal by hand,
 * as a program may.
 */
#include "wintest.h"

#define NT_PENDING	0x00000103U

/*
 * The error statuses, grouped by the Winsock error Windows gives for them
 * (written this way round on purpose: the library keeps the same facts as
 * a status-ordered table, and the two are checked against each other).
 */
#define WSA_MAP_MAX	10

static const struct {
	int wsa;
	DWORD status[WSA_MAP_MAX + 1];	/* 0-terminated */
} wsa_map[] = {
	{ WSAEMSGSIZE, { 0x80000005, 0xC0000206 } },
	{ WSAEOPNOTSUPP, { 0xC0000002, 0xC00000BB } },
	{ WSAEFAULT, { 0xC0000005, 0xC0000023, 0xC00002C5 } },
	{ WSAENOBUFS, {
		0xC0000007, 0xC0000017, 0xC0000018, 0xC0000044, 0xC0000097,
		0xC000009A, 0xC00000A1, 0xC000012D, 0xC000013D, 0xC0000209 } },
	{ WSAENOTSOCK, { 0xC0000008, 0xC0000024 } },
	{ WSAENETDOWN, {
		0xC000000E, 0xC000000F, 0xC0000034, 0xC000003A, 0xC00000BF,
		0xC00000C3, 0xC00000C4 } },
	{ WSAEACCES, { 0xC0000022 } },
	{ WSAEADDRINUSE, { 0xC0000043, 0xC000020A } },
	{ WSAEWOULDBLOCK, { 0xC00000A3, 0xC00000D0 } },
	{ WSAESHUTDOWN, { 0xC00000B0 } },
	{ WSAETIMEDOUT, { 0xC00000B5, 0xC000013F } },
	{ WSAECONNREFUSED, { 0xC00000BC, 0xC0000236 } },
	{ WSAENETUNREACH, { 0xC00000BE, 0xC000023C, 0xC000023E } },
	{ WSA_OPERATION_ABORTED, { 0xC0000120 } },
	{ WSAECONNABORTED, { 0xC000013B, 0xC000020F, 0xC0000241 } },
	{ WSAECONNRESET, {
		0xC000013C, 0xC000013E, 0xC000020C, 0xC000020D, 0xC000023F } },
	{ WSAENOTCONN, { 0xC0000140 } },
	{ WSAEADDRNOTAVAIL, { 0xC0000141, 0xC0000207 } },
	{ WSAEDISCON, { 0xC0000237 } },
	{ WSAEISCONN, { 0xC000023B } },
	{ WSAEHOSTUNREACH, { 0xC000023D } },
	{ WSAEINTR, { 0xC0000240 } },
	{ WSAEHOSTDOWN, { 0xC0000350 } },
	{ WSA_IO_INCOMPLETE, { 0x800703E4, 0xC00103E4, 0xC00703E4 } },
};

/* What Windows answers for @status: TRUE (0) or FALSE with the error. */
static int expected_wsa(DWORD status)
{
	unsigned int i, k;

	if (status == NT_PENDING)
		return WSA_IO_INCOMPLETE;
	if (!(status & 0x80000000U))
		return 0;
	for (i = 0; i < sizeof(wsa_map) / sizeof(wsa_map[0]); i++)
		for (k = 0; wsa_map[i].status[k]; k++)
			if (wsa_map[i].status[k] == status)
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
		for (j = 0; (st = wsa_map[i].status[j]); j++) {
			if (!check_status(self->s, &self->ov, st))
				continue;
			TH_LOG("status %#lx: want %d got %d",
			       (unsigned long)st, wsa_map[i].wsa,
			       WSAGetLastError());
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
	HANDLE h = wt_handle(self->s);
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
