// SPDX-License-Identifier: GPL-2.0
/*
 * Overlapped WSARecv and WSASend as Windows behaves (docs/WINDOWS.md,
 * "WSARecv / WSASend", "I/O completion ports", "Errors: at once, or as a
 * completion"), against the Windows API only: the same source runs on
 * Windows/Wine (the oracle), on the host (emulated backend) and in the VM.
 *
 * Each test names its source: a function's page in Microsoft's
 * documentation ("docs"), a test in Wine's dlls/ws2_32/tests/sock.c (its
 * ok() lines pass on Windows), or "Wine 8" where only the oracle run says
 * it. Where Wine 8 itself deviates from sock.c, the test says how and
 * either allows Wine's answer on Wine only or skips there.
 *
 * The client is a WSASocketW(WSA_FLAG_OVERLAPPED) socket; every wait is
 * bounded.
 */
#include "wintest.h"
#include "tst_variants.h"

#ifndef _WIN32
#include <sys/mman.h>
#endif

#define WAIT_MS		3000
#define KEY		((ULONG_PTR)0x5eed)

/* NTSTATUS values as they appear in OVERLAPPED.Internal. */
#define NT_SUCCESS_0		((ULONG_PTR)0)
#define NT_CONNECTION_RESET	((ULONG_PTR)0xC000020DU)

/*
 * A connected loopback pair whose client is an overlapped WSASocketW()
 * socket: 0, or the WSA error.
 */
static int ov_pair(int family, SOCKET *client, SOCKET *server)
{
	SOCKET c = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
			      WSA_FLAG_OVERLAPPED);

	return wt_pair_from(family, c, client, server);
}

/* The packet of a successful operation on @which, @n bytes. */
#define EXPECT_PACKET(p, n, which)					\
	do {								\
		EXPECT_TRUE((p).ok) TH_LOG("error %d", (p).error);	\
		EXPECT_EQ(n, (p).bytes);				\
		EXPECT_EQ(KEY, (p).key);				\
		EXPECT_EQ(which, (p).ov);				\
	} while (0)

/* Nothing queued: the port times out at once and writes ov NULL. */
#define EXPECT_NO_PACKET(port)						\
	do {								\
		struct wt_packet __p;					\
									\
		wt_port_get(port, 0, &__p);				\
		EXPECT_FALSE(__p.ok);					\
		EXPECT_EQ(WAIT_TIMEOUT, __p.error);			\
		EXPECT_NULL(__p.ov);					\
	} while (0)

/* An error at once on at_once_ov(@ov): no event, no packet on @port. */
#define EXPECT_AT_ONCE(ov, port)					\
	do {								\
		WT_EXPECT_NO_COMPLETION(ov);				\
		if (port)						\
			EXPECT_NO_PACKET(port);				\
		WSACloseEvent((ov)->hEvent);				\
	} while (0)

/* @call, issued on a fresh at_once_ov(@ov), fails at once with @err. */
#define EXPECT_FAILS_AT_ONCE(err, ov, port, call)			\
	do {								\
		at_once_ov(ov);						\
		WT_EXPECT_WSA_ERROR(err, call);				\
		EXPECT_AT_ONCE(ov, port);				\
	} while (0)

/*
 * A fresh OVERLAPPED for a call that must fail at once: its own event, and
 * InternalHigh marked as WT_EXPECT_NO_COMPLETION wants it.
 */
static void at_once_ov(OVERLAPPED *ov)
{
	memset(ov, 0, sizeof(*ov));
	ov->hEvent = WSACreateEvent();
	ov->InternalHigh = 0x5eed;
}

/* WSARecv into @n of @buf on @ov: 0 at once, else the WSA error. */
static int post_recv(SOCKET s, WSABUF *buf, DWORD n, OVERLAPPED *ov)
{
	DWORD flags = 0;

	if (WSARecv(s, buf, n, NULL, &flags, ov, NULL) == 0)
		return 0;
	return WSAGetLastError();
}

/*
 * Wait for @ov's event, then ask WSAGetOverlappedResult(): TRUE, or FALSE
 * with *err (WSA_WAIT_TIMEOUT if the event never came).
 */
static BOOL result_of(SOCKET s, OVERLAPPED *ov, DWORD *bytes, DWORD *flags,
		      int *err)
{
	*bytes = 0xdead;
	*flags = 0xdead;
	*err = 0;
	if (wt_wait_event(ov->hEvent, WAIT_MS)) {
		*err = WSA_WAIT_TIMEOUT;
		return FALSE;
	}
	if (WSAGetOverlappedResult(s, ov, bytes, FALSE, flags))
		return TRUE;
	*err = WSAGetLastError();
	return FALSE;
}

/* Close @s with an RST: SO_LINGER on, zero seconds. */
static void reset_close(SOCKET s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof(lg));
	closesocket(s);
}

/* A page the process may read but not write. */
static void *readonly_page(void)
{
#ifdef _WIN32
	return VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE,
			    PAGE_READONLY);
#else
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
#endif
}

static void free_page(void *p)
{
#ifdef _WIN32
	VirtualFree(p, 0, MEM_RELEASE);
#else
	munmap(p, 4096);
#endif
}

/* Three send buffers of 3, 5 and 2 bytes: "abcdefghij" in order. */
static void gather(WSABUF *buf)
{
	buf[0].buf = (char *)"abc";
	buf[0].len = 3;
	buf[1].buf = (char *)"defgh";
	buf[1].len = 5;
	buf[2].buf = (char *)"ij";
	buf[2].len = 2;
}

/* Three receive buffers of 3, 4 and 5 bytes in @data. */
static void scatter(WSABUF *buf, char *data)
{
	buf[0].buf = data;
	buf[0].len = 3;
	buf[1].buf = data + 8;
	buf[1].len = 4;
	buf[2].buf = data + 16;
	buf[2].len = 5;
}

/* Ten bytes "0123456789" as scatter() places them: 3 + 4 + 3 of 5. */
static bool scattered_ok(const char *data)
{
	return !memcmp(data, "012", 3) && !memcmp(data + 8, "3456", 4) &&
	       !memcmp(data + 16, "789", 3);
}

FIXTURE(rs)
{
	SOCKET c, s;
	HANDLE port;		/* NULL unless the test associates c */
	OVERLAPPED ov;		/* only for calls that start */
	WSABUF buf[3];		/* buf[0] is all of data unless changed */
	char data[32];
};

TST_FAMILY_VARIANTS(rs);

FIXTURE_SETUP(rs)
{
	wt_init();
	ASSERT_EQ(0, ov_pair(variant->family, &self->c, &self->s));
	self->ov.hEvent = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, self->ov.hEvent);
	self->buf[0].buf = self->data;
	self->buf[0].len = sizeof(self->data);
}

FIXTURE_TEARDOWN(rs)
{
	int64_t end = wt_now_ms() + 2000;

	closesocket(self->c);
	closesocket(self->s);
	/*
	 * An operation still in flight ends with its socket, and writes the
	 * fixture's OVERLAPPED when it does (on Windows all tests share one
	 * process): wait for that before the memory goes.
	 */
	while (!HasOverlappedIoCompleted(&self->ov) && wt_now_ms() < end)
		wt_sleep_ms(1);
	WSACloseEvent(self->ov.hEvent);
	if (self->port)
		CloseHandle(self->port);
}

/* Associate the client with a port of its own, key KEY. */
#define ATTACH_PORT(self)	WT_ATTACH_PORT((self)->port, (self)->c, KEY)

/* docs, WSASend; sock.c test_send: a gather send, by event and result. */
TEST_F(rs, send_gather_event)
{
	DWORD sent = 0xdead, bytes, flags;
	char got[10];
	int err;

	gather(self->buf);
	/* Braced: the harness's checks are no single statements. */
	if (WSASend(self->c, self->buf, 3, &sent, 0, &self->ov, NULL)) {
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	} else {
		EXPECT_EQ(10U, sent);
	}
	ASSERT_TRUE(result_of(self->c, &self->ov, &bytes, &flags, &err))
		TH_LOG("error %d", err);
	EXPECT_EQ(10U, bytes);
	EXPECT_EQ(10, wt_recv_all(self->s, got, 10, WAIT_MS));
	EXPECT_EQ(0, memcmp(got, "abcdefghij", 10));
}

/*
 * docs, WSASend; sock.c test_completion_port: through a port one packet
 * with all the bytes, the key and the OVERLAPPED - also when the call
 * succeeded at once - and no second one.
 */
TEST_F(rs, send_gather_port)
{
	struct wt_packet p;
	char got[10];

	ATTACH_PORT(self);
	gather(self->buf);
	if (WSASend(self->c, self->buf, 3, NULL, 0, &self->ov, NULL)) {
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	}
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_PACKET(p, 10U, &self->ov);
	EXPECT_EQ(NT_SUCCESS_0, self->ov.Internal);
	EXPECT_EQ((ULONG_PTR)10, self->ov.InternalHigh);
	EXPECT_NO_PACKET(self->port);
	EXPECT_EQ(10, wt_recv_all(self->s, got, 10, WAIT_MS));
	EXPECT_EQ(0, memcmp(got, "abcdefghij", 10));
}

/*
 * sock.c test_WSARecv, docs WSARecv: a receive posted before the data is
 * pending, then completes with the bytes scattered in order, flags 0.
 */
TEST_F(rs, recv_pending_scatter_event)
{
	DWORD bytes, flags;
	int err;

	scatter(self->buf, self->data);
	ASSERT_EQ(WSA_IO_PENDING, post_recv(self->c, self->buf, 3,
					    &self->ov));
	EXPECT_EQ(WSA_WAIT_TIMEOUT, wt_wait_event(self->ov.hEvent,
						  WT_QUIET_MS));
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	ASSERT_TRUE(result_of(self->c, &self->ov, &bytes, &flags, &err))
		TH_LOG("error %d", err);
	EXPECT_EQ(10U, bytes);
	EXPECT_EQ(0U, flags);
	EXPECT_TRUE(scattered_ok(self->data));
}

/* sock.c iocp_async_read: the same through a port, no packet before. */
TEST_F(rs, recv_pending_scatter_port)
{
	struct wt_packet p;

	ATTACH_PORT(self);
	scatter(self->buf, self->data);
	ASSERT_EQ(WSA_IO_PENDING, post_recv(self->c, self->buf, 3,
					    &self->ov));
	wt_port_get(self->port, WT_QUIET_MS, &p);
	EXPECT_EQ(WAIT_TIMEOUT, p.error);
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_PACKET(p, 10U, &self->ov);
	EXPECT_EQ(NT_SUCCESS_0, self->ov.Internal);
	EXPECT_EQ((ULONG_PTR)10, self->ov.InternalHigh);
	EXPECT_TRUE(scattered_ok(self->data));
}

/*
 * sock.c test_connect_completion_port (the rule, shown there for
 * ConnectEx): on an associated socket an OVERLAPPED with an event gets
 * both, the event signalled and the packet queued.
 */
TEST_F(rs, recv_port_and_event_both)
{
	struct wt_packet p;

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post_recv(self->c, self->buf, 1,
					    &self->ov));
	ASSERT_EQ(3, send(self->s, "xyz", 3, 0));
	EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_PACKET(p, 3U, &self->ov);
}

/*
 * sock.c test_completion_port ("successful immediate read"): with data
 * waiting the call succeeds at once, sets the count, Internal and
 * InternalHigh, and signals the event.
 */
TEST_F(rs, recv_data_waiting_at_once)
{
	DWORD n = 0xdead, flags = 0;

	ASSERT_EQ(6, send(self->s, "abcdef", 6, 0));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	EXPECT_EQ(0, WSARecv(self->c, self->buf, 1, &n, &flags, &self->ov,
			     NULL)) TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(6U, n);
	EXPECT_EQ(0U, flags);
	EXPECT_EQ(0, memcmp(self->data, "abcdef", 6));
	EXPECT_EQ(NT_SUCCESS_0, self->ov.Internal);
	EXPECT_EQ((ULONG_PTR)6, self->ov.InternalHigh);
	EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, 0));
}

/* sock.c test_completion_port: no skip mode set, so a packet still comes. */
TEST_F(rs, recv_data_waiting_port_packet)
{
	struct wt_packet p;

	ATTACH_PORT(self);
	ASSERT_EQ(6, send(self->s, "abcdef", 6, 0));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	ASSERT_EQ(0, post_recv(self->c, self->buf, 1, &self->ov));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_PACKET(p, 6U, &self->ov);
	EXPECT_NO_PACKET(self->port);
}

/*
 * A receive into @count of self->buf that can take nothing waits for data,
 * completes with 0 bytes once @data comes, and leaves it all to be read.
 */
static void expect_empty_recv(struct __test_metadata *_metadata,
			      FIXTURE_DATA(rs) *self, DWORD count,
			      const char *data)
{
	int n = (int)strlen(data);
	struct wt_packet p;

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post_recv(self->c, self->buf, count,
					    &self->ov));
	wt_port_get(self->port, WT_QUIET_MS, &p);
	EXPECT_EQ(WAIT_TIMEOUT, p.error);
	ASSERT_EQ(n, send(self->s, data, n, 0));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_PACKET(p, 0U, &self->ov);
	EXPECT_EQ(n, wt_recv_all(self->c, self->data, n, WAIT_MS));
	EXPECT_EQ(0, memcmp(self->data, data, n));
}

/*
 * docs/WINDOWS.md, Wine 8: a zero-length receive completes, with 0 bytes, only
 * once data is there, and leaves the data to be read.
 */
TEST_F(rs, recv_zero_length_waits_for_data)
{
	self->buf[0].len = 0;
	expect_empty_recv(_metadata, self, 1, "hello");
}

/* sock.c test_completion_port ("graceful shutdown"): EOF is 0 bytes. */
TEST_F(rs, recv_eof_shutdown_event)
{
	DWORD bytes, flags;
	int err;

	ASSERT_EQ(WSA_IO_PENDING, post_recv(self->c, self->buf, 1,
					    &self->ov));
	ASSERT_EQ(0, shutdown(self->s, SD_SEND));
	EXPECT_TRUE(result_of(self->c, &self->ov, &bytes, &flags, &err))
		TH_LOG("error %d", err);
	EXPECT_EQ(0U, bytes);
}

/*
 * A one-byte receive pending on the client, through its port, when the peer
 * closes - with a reset if @rst: the packet it ends with, in *p.
 */
static void recv_when_peer_closes(struct __test_metadata *_metadata,
				  FIXTURE_DATA(rs) *self, bool rst,
				  struct wt_packet *p)
{
	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post_recv(self->c, self->buf, 1,
					    &self->ov));
	if (rst)
		reset_close(self->s);
	else
		closesocket(self->s);
	self->s = INVALID_SOCKET;
	wt_port_get(self->port, WAIT_MS, p);
}

/* sock.c test_completion_port: the peer's closesocket, through a port. */
TEST_F(rs, recv_eof_close_port)
{
	struct wt_packet p;

	recv_when_peer_closes(_metadata, self, false, &p);
	EXPECT_PACKET(p, 0U, &self->ov);
}

/*
 * sock.c test_completion_port, test_tcp_reset: a reset ends the pending
 * receive with an error packet - FALSE with ov set, ERROR_NETNAME_DELETED,
 * Internal STATUS_CONNECTION_RESET.
 */
TEST_F(rs, recv_reset_port)
{
	struct wt_packet p;

	recv_when_peer_closes(_metadata, self, true, &p);
	EXPECT_FALSE(p.ok);
	EXPECT_EQ(ERROR_NETNAME_DELETED, p.error);
	EXPECT_EQ(0U, p.bytes);
	EXPECT_EQ(KEY, p.key);
	EXPECT_EQ(&self->ov, p.ov);
	EXPECT_EQ(NT_CONNECTION_RESET, self->ov.Internal);
}

/*
 * sock.c test_WSARecv, test_tcp_reset; docs/WINDOWS.md: the same by event -
 * WSAECONNRESET from WSAGetOverlappedResult, ERROR_NETNAME_DELETED from
 * GetOverlappedResult.
 */
TEST_F(rs, recv_reset_event)
{
	DWORD bytes, flags;
	int err;

	ASSERT_EQ(WSA_IO_PENDING, post_recv(self->c, self->buf, 1,
					    &self->ov));
	reset_close(self->s);
	self->s = INVALID_SOCKET;
	EXPECT_FALSE(result_of(self->c, &self->ov, &bytes, &flags, &err));
	EXPECT_EQ(WSAECONNRESET, err);
	EXPECT_EQ(0U, bytes);
	bytes = 0xdead;
	EXPECT_FALSE(GetOverlappedResult(wt_handle(self->c), &self->ov,
					 &bytes, FALSE));
	EXPECT_EQ(ERROR_NETNAME_DELETED, (int)GetLastError());
	EXPECT_EQ(0U, bytes);
}

/*
 * sock.c test_completion_port (WSARecv), docs WSASend: on a socket never
 * connected both fail at once with WSAENOTCONN - count untouched, no
 * event, no packet. Wine 8's WSASend says WSAECONNRESET (its sock.c
 * test_connecting_socket marks send()'s WSAENOTCONN todo_wine): allowed
 * there only.
 */
TEST_F(rs, never_connected_at_once)
{
	DWORD n = 0x5eed, flags = 0;
	OVERLAPPED ov;
	SOCKET t;
	int err;

	t = WSASocketW(variant->family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
		       WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, t);
	WT_ATTACH_PORT(self->port, t, KEY);
	EXPECT_FAILS_AT_ONCE(WSAENOTCONN, &ov, self->port,
			     WSARecv(t, self->buf, 1, &n, &flags, &ov, NULL));
	at_once_ov(&ov);
	EXPECT_EQ(SOCKET_ERROR, WSASend(t, self->buf, 1, &n, 0, &ov, NULL));
	err = WSAGetLastError();
	if (wt_on_wine() && err == WSAECONNRESET)
		err = WSAENOTCONN;
	EXPECT_EQ(WSAENOTCONN, err);
	EXPECT_EQ(0x5eedU, n);
	EXPECT_AT_ONCE(&ov, self->port);
	closesocket(t);
}

/* docs; sock.c test_send: a handle that is no socket, WSAENOTSOCK. */
TEST_F(rs, invalid_socket_at_once)
{
	SOCKET bad[2] = { INVALID_SOCKET, INVALID_SOCKET };
	DWORD n, flags = 0;
	OVERLAPPED ov;
	unsigned int i;

	bad[1] = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, bad[1]);
	closesocket(bad[1]);
	for (i = 0; i < 2; i++) {
		at_once_ov(&ov);
		WT_EXPECT_WSA_ERROR(WSAENOTSOCK, WSARecv(bad[i], self->buf, 1,
							 &n, &flags, &ov,
							 NULL));
		WT_EXPECT_WSA_ERROR(WSAENOTSOCK, WSASend(bad[i], self->buf, 1,
							 &n, 0, &ov, NULL));
		EXPECT_AT_ONCE(&ov, NULL);
	}
}

/*
 * sock.c test_completion_port ("hard shutdown"), test_tcp_reset: once the
 * reset has arrived, WSARecv fails at once with WSAECONNRESET, no packet.
 */
TEST_F(rs, recv_after_reset_at_once)
{
	DWORD n = 0x5eed, flags = 0;
	OVERLAPPED ov;

	if (wt_on_wine())
		SKIP(return, "Wine 8 reports a received reset as EOF: 0 bytes, success, a packet");
	ATTACH_PORT(self);
	reset_close(self->s);
	self->s = INVALID_SOCKET;
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	EXPECT_FAILS_AT_ONCE(WSAECONNRESET, &ov, self->port,
			     WSARecv(self->c, self->buf, 1, &n, &flags, &ov,
				     NULL));
	EXPECT_EQ(0x5eedU, n);
}

/*
 * sock.c test_shutdown: after shutdown(SD_RECEIVE) a receive fails with
 * WSAESHUTDOWN whether or not data is waiting; recv() goes through the
 * same path as WSARecv() on Windows (ws2_32), so the overlapped call is
 * refused at once too, with no packet.
 */
TEST_F(rs, recv_after_shutdown_receive_at_once)
{
	DWORD n = 0x5eed, flags = 0;
	OVERLAPPED ov;

	ATTACH_PORT(self);
	ASSERT_EQ((int)sizeof(self->data),
		  send(self->s, self->data, sizeof(self->data), 0));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	ASSERT_EQ(0, shutdown(self->c, SD_RECEIVE));
	EXPECT_FAILS_AT_ONCE(WSAESHUTDOWN, &ov, self->port,
			     WSARecv(self->c, self->buf, 1, &n, &flags, &ov,
				     NULL));
	EXPECT_EQ(0x5eedU, n);
	/* The blocking form too. */
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, WSARecv(self->c, self->buf, 1, &n,
						  &flags, NULL, NULL));
}

/* sock.c test_completion_port: WSASend after a reset, at once, no packet. */
TEST_F(rs, send_after_reset_at_once)
{
	DWORD n = 0x5eed;
	OVERLAPPED ov;

	ATTACH_PORT(self);
	reset_close(self->s);
	self->s = INVALID_SOCKET;
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	gather(self->buf);
	EXPECT_FAILS_AT_ONCE(WSAECONNRESET, &ov, self->port,
			     WSASend(self->c, self->buf, 3, &n, 0, &ov, NULL));
	EXPECT_EQ(0x5eedU, n);
}

/* docs (WSAEFAULT: lpBuffers), Wine 8: NULL lpBuffers, at once, both. */
TEST_F(rs, null_buffers_at_once)
{
	DWORD n = 0x5eed, flags = 0;
	OVERLAPPED ov;

	ATTACH_PORT(self);
	EXPECT_FAILS_AT_ONCE(WSAEFAULT, &ov, self->port,
			     WSARecv(self->c, NULL, 1, &n, &flags, &ov, NULL));
	EXPECT_FAILS_AT_ONCE(WSAEFAULT, &ov, self->port,
			     WSASend(self->c, NULL, 1, &n, 0, &ov, NULL));
	EXPECT_EQ(0x5eedU, n);
	WT_EXPECT_WSA_ERROR(WSAEFAULT, WSARecv(self->c, NULL, 1, &n, &flags,
					       NULL, NULL));
}

/* Wine 8 (docs: lpFlags is [in, out]): lpFlags NULL, WSAEFAULT at once. */
TEST_F(rs, recv_null_flags_at_once)
{
	DWORD n = 0x5eed;
	OVERLAPPED ov;

	ATTACH_PORT(self);
	EXPECT_FAILS_AT_ONCE(WSAEFAULT, &ov, self->port,
			     WSARecv(self->c, self->buf, 1, &n, NULL, &ov,
				     NULL));
}

/*
 * docs ("can be NULL only if lpOverlapped is not NULL"), sock.c
 * test_WSASendTo: the blocking form without lpNumberOfBytesSent is
 * WSAEFAULT, and nothing is sent.
 */
TEST_F(rs, send_blocking_null_count_efault)
{
	char got[4];

	gather(self->buf);
	WT_EXPECT_WSA_ERROR(WSAEFAULT, WSASend(self->c, self->buf, 3, NULL, 0,
					       NULL, NULL));
	EXPECT_EQ(0, wt_recv_all(self->s, got, sizeof(got), WT_QUIET_MS));
}

/*
 * Wine 8 (no Microsoft source says otherwise): dwBufferCount 0 is no
 * argument error; the receive waits like a zero-length one and completes
 * with 0 bytes once data is there.
 */
TEST_F(rs, recv_no_buffers_is_zero_length)
{
	expect_empty_recv(_metadata, self, 0, "hi");
}

/* Wine 8: WSASend of no buffers succeeds at once, 0 bytes, one packet. */
TEST_F(rs, send_no_buffers_completes_empty)
{
	DWORD n = 0xdead;
	struct wt_packet p;
	char got[4];

	ATTACH_PORT(self);
	gather(self->buf);
	EXPECT_EQ(0, WSASend(self->c, self->buf, 0, &n, 0, &self->ov, NULL))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(0U, n);
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_PACKET(p, 0U, &self->ov);
	EXPECT_EQ(0, wt_recv_all(self->s, got, sizeof(got), WT_QUIET_MS));
}

/*
 * docs, WSASend (WSAEFAULT: lpOverlapped "not totally contained in a valid
 * part of the user address space"): an OVERLAPPED the caller cannot write
 * is an error at once, not a crash, and nothing is sent.
 */
TEST_F(rs, unwritable_overlapped_efault)
{
	DWORD n = 0x5eed, flags = 0;
	OVERLAPPED *ro;
	char got[4];

	if (wt_on_wine())
		SKIP(return, "Wine 8 writes Internal unguarded: the program dies of a page fault in WS2_recv_base");
	ro = readonly_page();
	ASSERT_NONNULL(ro);
	WT_EXPECT_WSA_ERROR(WSAEFAULT, WSARecv(self->c, self->buf, 1, &n,
					       &flags, ro, NULL));
	gather(self->buf);
	WT_EXPECT_WSA_ERROR(WSAEFAULT, WSASend(self->c, self->buf, 3, &n, 0, ro,
					       NULL));
	EXPECT_EQ(0x5eedU, n);
	EXPECT_EQ(0, wt_recv_all(self->s, got, sizeof(got), WT_QUIET_MS));
	free_page(ro);
}

/* sock.c test_WSARecv: the blocking form scatters and sets the count. */
TEST_F(rs, recv_blocking)
{
	DWORD n = 0xdead, flags = 0;

	ASSERT_EQ(9, send(self->s, "deadbeefs", 9, 0));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	self->buf[0].len = 4;
	self->buf[1].buf = self->data + 8;
	self->buf[1].len = 5;
	EXPECT_EQ(0, WSARecv(self->c, self->buf, 2, &n, &flags, NULL, NULL))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(9U, n);
	EXPECT_EQ(0, memcmp(self->data, "dead", 4));
	EXPECT_EQ(0, memcmp(self->data + 8, "beefs", 5));
}

/* docs, WSASend: the blocking form gathers and sets the count. */
TEST_F(rs, send_blocking)
{
	DWORD n = 0xdead;
	char got[10];

	gather(self->buf);
	EXPECT_EQ(0, WSASend(self->c, self->buf, 3, &n, 0, NULL, NULL))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(10U, n);
	EXPECT_EQ(10, wt_recv_all(self->s, got, 10, WAIT_MS));
	EXPECT_EQ(0, memcmp(got, "abcdefghij", 10));
}

TEST_HARNESS_MAIN
