// SPDX-License-Identifier: GPL-2.0
/*
 * DisconnectEx as Windows behaves (docs/WINDOWS.md, "DisconnectEx" and "Errors:
 * at once, or as a completion"), written against the Windows API only: the
 * same source runs on Windows/Wine (the oracle), on the host (emulated
 * backend) and in the VM (the module).
 *
 * Wine ignores TF_REUSE_SOCKET (its DisconnectEx always closes the socket
 * for good), so the reuse cases are skipped there; Microsoft's
 * documentation of DisconnectEx is the reference for them.
 */
#include "wintest.h"
#include "tst_variants.h"

#define WAIT_MS		5000

FIXTURE(dx)
{
	SOCKET c, s;
	LPFN_DISCONNECTEX disconnectex;
	LPFN_CONNECTEX connectex;
	OVERLAPPED ov;
};

TST_FAMILY_VARIANTS(dx);

FIXTURE_SETUP(dx)
{
	ASSERT_EQ(0, wt_pair_ov(variant->family, &self->c, &self->s, &self->ov));
	self->disconnectex = wt_disconnectex(self->c);
	self->connectex = wt_connectex(self->c);
	ASSERT_NONNULL(self->disconnectex);
	ASSERT_NONNULL(self->connectex);
}

FIXTURE_TEARDOWN(dx)
{
	wt_ov_release(&self->ov);
	closesocket(self->c);
	closesocket(self->s);
}

/*
 * Issue @fn's overlapped DisconnectEx and wait for its end: 0, or the WSA
 * error, whether it came at once or through the completion.
 */
static int disconnect_wait(LPFN_DISCONNECTEX fn, SOCKET s, OVERLAPPED *ov,
			   DWORD flags)
{
	DWORD bytes = 0, oflags = 0;
	int err;

	if (fn(s, ov, flags, 0))
		return 0;
	err = WSAGetLastError();
	if (err != WSA_IO_PENDING)
		return err;
	if (wt_wait_event(ov->hEvent, WAIT_MS))
		return WSA_WAIT_TIMEOUT;
	if (WSAGetOverlappedResult(s, ov, &bytes, FALSE, &oflags))
		return 0;
	return WSAGetLastError();
}


/*
 * DisconnectEx(0) ends the send direction only: it completes once our FIN
 * is acknowledged, without the peer's FIN (the peer here neither reads nor
 * closes).
 */
TEST_F(dx, flags0_completes_without_peer_fin)
{
	int64_t t0 = wt_now_ms();
	char buf[8];

	EXPECT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     0));
	EXPECT_LT(wt_now_ms() - t0, 1000);
	/* The peer gets a FIN: recv returns 0. */
	EXPECT_EQ(0, wt_recv_all(self->s, buf, sizeof(buf), WAIT_MS));
}

/* The receive direction stays open: the peer's data still arrives. */
TEST_F(dx, flags0_receive_stays_open)
{
	struct sockaddr_storage peer;
	int len = sizeof(peer);
	char buf[6] = "";

	ASSERT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     0));
	ASSERT_EQ(5, send(self->s, "hello", 5, 0));
	EXPECT_EQ(5, wt_recv_all(self->c, buf, 5, WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, getpeername(self->c, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(variant->family, peer.ss_family);
}

/* Afterwards send fails with WSAESHUTDOWN (and raises no SIGPIPE). */
TEST_F(dx, flags0_then_send_fails)
{
	ASSERT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     0));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, send(self->c, "x", 1, 0));
}

/* Without TF_REUSE_SOCKET the socket is not reusable: connect fails. */
TEST_F(dx, flags0_then_connect_fails)
{
	struct sockaddr_storage ss;
	/* Port 1: nobody listens there. */
	int len = wt_loopback(variant->family, 1, &ss);

	ASSERT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     0));
	WT_EXPECT_WSA_ERROR(WSAEISCONN, connect(self->c, (struct sockaddr *)&ss,
						len));
}

/* A second DisconnectEx(0) on the same socket succeeds too. */
TEST_F(dx, flags0_twice)
{
	ASSERT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     0));
	EXPECT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     0));
}

/* With lpOverlapped NULL the call blocks and returns TRUE. */
TEST_F(dx, flags0_blocking)
{
	char buf[8];

	EXPECT_EQ(TRUE, self->disconnectex(self->c, NULL, 0, 0))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(0, wt_recv_all(self->s, buf, sizeof(buf), WAIT_MS));
}

/* Any flag but TF_REUSE_SOCKET, or dwReserved != 0: WSAEINVAL at once. */
TEST_F(dx, bad_arguments_at_once)
{
	static const DWORD bad[] = { TF_DISCONNECT, TF_WRITE_BEHIND, 0x100,
				     0x80000000U };
	unsigned int i;

	if (wt_on_wine())
		SKIP(return, "Wine checks neither dwFlags nor dwReserved");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		self->ov.InternalHigh = 0x5eed;
		EXPECT_EQ(FALSE, self->disconnectex(self->c, &self->ov,
						    bad[i], 0));
		EXPECT_EQ(WSAEINVAL, WSAGetLastError());
		WT_EXPECT_NO_COMPLETION(&self->ov);
	}
	self->ov.InternalHigh = 0x5eed;
	EXPECT_EQ(FALSE, self->disconnectex(self->c, &self->ov, 0, 1));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	WT_EXPECT_NO_COMPLETION(&self->ov);
	/* Nothing happened to the connection. */
	EXPECT_EQ(1, send(self->c, "x", 1, 0));
}

/* An invalid socket: WSAENOTSOCK at once. */
TEST_F(dx, invalid_socket_at_once)
{
	SOCKET t = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);

	ASSERT_NE(INVALID_SOCKET, t);
	closesocket(t);
	self->ov.InternalHigh = 0x5eed;
	EXPECT_EQ(FALSE, self->disconnectex(t, &self->ov, 0, 0));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	WT_EXPECT_NO_COMPLETION(&self->ov);
}

/* A socket that was never connected: WSAENOTCONN at once, both flags. */
TEST_F(dx, never_connected_at_once)
{
	SOCKET t = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);

	ASSERT_NE(INVALID_SOCKET, t);
	self->ov.InternalHigh = 0x5eed;
	EXPECT_EQ(FALSE, self->disconnectex(t, &self->ov, 0, 0));
	EXPECT_EQ(WSAENOTCONN, WSAGetLastError());
	WT_EXPECT_NO_COMPLETION(&self->ov);
	self->ov.InternalHigh = 0x5eed;
	EXPECT_EQ(FALSE, self->disconnectex(t, &self->ov, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSAENOTCONN, WSAGetLastError());
	WT_EXPECT_NO_COMPLETION(&self->ov);
	closesocket(t);
}

/* A listening socket is not connected either. */
TEST_F(dx, listening_at_once)
{
	struct sockaddr_storage ss;
	int len;
	SOCKET l = wt_listener(variant->family, &ss, &len);

	ASSERT_NE(INVALID_SOCKET, l);
	self->ov.InternalHigh = 0x5eed;
	EXPECT_EQ(FALSE, self->disconnectex(l, &self->ov, 0, 0));
	EXPECT_EQ(WSAENOTCONN, WSAGetLastError());
	WT_EXPECT_NO_COMPLETION(&self->ov);
	closesocket(l);
}

/*
 * TF_REUSE_SOCKET: once the peer has closed too, the same socket connects
 * again with ConnectEx, without a new bind.
 */
TEST_F(dx, reuse_then_connectex)
{
	struct sockaddr_storage ss;
	DWORD sent = 0, oflags = 0;
	SOCKET l;
	int len;
	char buf[4];

	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_REUSE_SOCKET");
	l = wt_listener(variant->family, &ss, &len);
	ASSERT_NE(INVALID_SOCKET, l);
	closesocket(self->s);
	self->s = INVALID_SOCKET;
	ASSERT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     TF_REUSE_SOCKET));
	WSAResetEvent(self->ov.hEvent);
	if (!self->connectex(self->c, (struct sockaddr *)&ss, len, "abc", 3,
			     NULL, &self->ov))
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
	EXPECT_EQ(TRUE, WSAGetOverlappedResult(self->c, &self->ov, &sent, FALSE,
					       &oflags))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(3U, sent);
	EXPECT_EQ(0, setsockopt(self->c, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT,
				NULL, 0));
	WT_EXPECT_ACCEPTED(l, buf, "abc", 3, WAIT_MS);
	closesocket(l);
}

/* A DisconnectEx already in flight: the second one is refused at once. */
TEST_F(dx, second_while_in_flight)
{
	OVERLAPPED ov2;
	int err;

	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_REUSE_SOCKET");
	/* The peer neither reads nor closes: the reuse waits for its FIN. */
	ASSERT_EQ(FALSE, self->disconnectex(self->c, &self->ov,
					    TF_REUSE_SOCKET, 0));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	wt_ov_init(&ov2);
	ov2.InternalHigh = 0x5eed;
	EXPECT_EQ(FALSE, self->disconnectex(self->c, &ov2, 0, 0));
	err = WSAGetLastError();
	EXPECT_TRUE(err == WSAEALREADY || err == WSAEINVAL)
		TH_LOG("error %d", err);
	WT_EXPECT_NO_COMPLETION(&ov2);
	WSACloseEvent(ov2.hEvent);
	closesocket(self->s);
	self->s = INVALID_SOCKET;
	EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
}

/* Close @s with an RST: SO_LINGER on, timeout 0. */
static void reset_close(SOCKET s)
{
	struct linger lg = { 1, 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof(lg));
	closesocket(s);
}

/*
 * A connection the peer reset before the call is no argument error: the
 * disconnect starts (pending), completes, and with TF_REUSE_SOCKET leaves
 * the socket reusable - here the accepted side, reset before any byte.
 */
TEST_F(dx, reset_before_the_call)
{
	struct sockaddr_storage ss;
	DWORD bytes, oflags = 0;
	SOCKET l, a;
	int len, err;

	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_REUSE_SOCKET");
	reset_close(self->c);
	self->c = INVALID_SOCKET;
	wt_sleep_ms(50);
	EXPECT_EQ(FALSE, self->disconnectex(self->s, &self->ov, 0, 0));
	EXPECT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
	WSAGetOverlappedResult(self->s, &self->ov, &bytes, FALSE, &oflags);
	EXPECT_EQ(FALSE, self->disconnectex(self->s, &self->ov,
					    TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
	if (!WSAGetOverlappedResult(self->s, &self->ov, &bytes, FALSE,
				    &oflags)) {
		err = WSAGetLastError();
		EXPECT_EQ(WSAECONNRESET, err);
	}
	/* Reusable: it connects again. */
	l = wt_listener(variant->family, &ss, &len);
	ASSERT_NE(INVALID_SOCKET, l);
	EXPECT_EQ(0, connect(self->s, (struct sockaddr *)&ss, len))
		TH_LOG("error %d", WSAGetLastError());
	a = accept(l, NULL, NULL);
	EXPECT_NE(INVALID_SOCKET, a);
	closesocket(a);
	closesocket(l);
}

/*
 * Polling with fWait FALSE sees every completion: the poll must never undo
 * the result the library publishes meanwhile (it once wrote the OVERLAPPED
 * back to check it was writable, and lost one completion in ten).
 */
TEST_F(dx, polling_sees_every_completion)
{
	DWORD bytes, oflags;
	SOCKET c, s;
	int i, lost = 0;
	int64_t end;

	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, wt_pair(variant->family, &c, &s));
		if (self->disconnectex(c, &self->ov, 0, 0) ||
		    WSAGetLastError() == WSA_IO_PENDING) {
			end = wt_now_ms() + WAIT_MS;
			while (!WSAGetOverlappedResult(c, &self->ov, &bytes,
						       FALSE, &oflags) &&
			       WSAGetLastError() == WSA_IO_INCOMPLETE &&
			       wt_now_ms() < end)
				;
			if (wt_now_ms() >= end)
				lost++;
		} else {
			lost++;
		}
		closesocket(c);
		closesocket(s);
	}
	EXPECT_EQ(0, lost);
}

/*
 * What the last connection did is not the next one's: a receive side shut
 * down on the first connection is open again on the second.
 */
TEST_F(dx, reuse_forgets_the_last_connection)
{
	struct sockaddr_storage ss;
	DWORD sent = 0, oflags = 0;
	char buf[4] = "";
	SOCKET l, a;
	int len;

	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_REUSE_SOCKET");
	ASSERT_EQ(0, shutdown(self->c, SD_RECEIVE));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, recv(self->c, buf, 1, 0));
	closesocket(self->s);
	self->s = INVALID_SOCKET;
	ASSERT_EQ(0, disconnect_wait(self->disconnectex, self->c, &self->ov,
				     TF_REUSE_SOCKET));
	l = wt_listener(variant->family, &ss, &len);
	ASSERT_NE(INVALID_SOCKET, l);
	WSAResetEvent(self->ov.hEvent);
	if (!self->connectex(self->c, (struct sockaddr *)&ss, len, NULL, 0,
			     NULL, &self->ov))
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->c, &self->ov, &sent,
					       FALSE, &oflags));
	a = accept(l, NULL, NULL);
	ASSERT_NE(INVALID_SOCKET, a);
	ASSERT_EQ(3, send(a, "xyz", 3, 0));
	EXPECT_EQ(3, wt_recv_all(self->c, buf, 3, WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, "xyz", 3));
	closesocket(a);
	closesocket(l);
}

TEST_HARNESS_MAIN
