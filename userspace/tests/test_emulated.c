// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated backend end to end over loopback, for IPv4 and IPv6: what the
 * peer sees (every byte, then a FIN - never a reset), what the socket is
 * afterwards (same fd, unconnected, options kept, connectable at once), the
 * overlapped machinery (STATUS_PENDING, hEvent, WSAGetOverlappedResult,
 * completion without further library calls), resets, timeouts, EALREADY,
 * ConnectEx on fresh and recycled sockets. The behaviour both backends share
 * (errors, resets, EALREADY, closing in flight, reuse loops, 64 threads at
 * once) is tested once, in tests/vm/, which make check also runs here on the
 * emulated backend.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"

#define TIMEOUT_MS 10000

TST_PAIR_FIXTURE(emul, true, tst_use_emulated, true)

TEST_F(emul, graceful_fin_after_every_byte)
{
	const size_t n = 1 << 20;
	struct tst_peer peer;

	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, TIMEOUT_MS));
	self->sfd = -1;
	ASSERT_EQ(0, tst_send_all(self->cfd, n));
	EXPECT_EQ(TRUE, DisconnectEx(self->cfd, NULL, 0, 0))
		TH_LOG("error %d", WSAGetLastError());
	/* The peer read everything, then EOF: a FIN, not ECONNRESET. */
	EXPECT_EQ(0, tst_peer_join(&peer));
	EXPECT_EQ(n, peer.bytes);
	/* Without TF_REUSE_SOCKET the socket is closed, not unconnected... */
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
	/* ... and a second DisconnectEx(0) succeeds, as on Windows. */
	EXPECT_EQ(0, tst_disconnect_wsa(self->cfd, 0, 0, TIMEOUT_MS));
}

TEST_F(emul, unread_data_is_drained_not_reset)
{
	/*
	 * close() with unread data sends an RST; the disconnect discards what
	 * the peer sent instead, including what arrives after our FIN.
	 */
	struct tst_peer peer;

	ASSERT_EQ(0, tst_send_all(self->sfd, 256 * 1024));
	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, TIMEOUT_MS));
	self->sfd = -1;
	EXPECT_EQ(0, dcx_disconnect(self->cfd, DCX_REUSE_SOCKET, 0));
	EXPECT_EQ(0, tst_peer_join(&peer));
}

TEST_F(emul, peer_sends_after_our_fin)
{
	OVERLAPPED ov;
	size_t got;

	ASSERT_EQ(WSA_IO_PENDING,
		  tst_disconnect_start(self->cfd, &ov, TF_REUSE_SOCKET));
	/* Half-closed: the peer may still send; it is all discarded. */
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &got, TIMEOUT_MS));
	EXPECT_EQ(0, tst_send_all(self->sfd, 512 * 1024));
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 50, FALSE));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, tst_overlapped_result(&ov, NULL, TIMEOUT_MS));
	WSACloseEvent(ov.hEvent);
}

TEST_F(emul, reuse_same_fd_options_kept)
{
	struct tst_peer peer;
	int fd = self->cfd, sfd;
	char c;

	ASSERT_EQ(0, tst_set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1));
	ASSERT_EQ(0, tst_set_int_opt(fd, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, tst_set_int_opt(fd, SOL_SOCKET, SO_SNDBUF, 65536));
	int sndbuf = tst_get_int_opt(fd, SOL_SOCKET, SO_SNDBUF);

	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, TIMEOUT_MS));
	self->sfd = -1;
	ASSERT_EQ(0, tst_send_all(fd, 1000));
	EXPECT_EQ(TRUE, DisconnectEx(fd, NULL, TF_REUSE_SOCKET, 0))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(0, tst_peer_join(&peer));
	EXPECT_EQ(1000U, peer.bytes);

	/* Same fd, unconnected, options as they were. */
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(fd));
	EXPECT_EQ(1, tst_get_int_opt(fd, IPPROTO_TCP, TCP_NODELAY));
	EXPECT_EQ(1, tst_get_int_opt(fd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(sndbuf, tst_get_int_opt(fd, SOL_SOCKET, SO_SNDBUF));
	EXPECT_EQ(0, tst_get_int_opt(fd, SOL_SOCKET, SO_ERROR));

	/* connect() works at once, and the new connection is clean. */
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&self->addr.ss, self->addr.len));
	sfd = tst_accept(self->lfd, TIMEOUT_MS);
	ASSERT_GE(sfd, 0);
	EXPECT_EQ(1, send(sfd, "y", 1, 0));
	EXPECT_EQ(0, tst_recv_exact(fd, &c, 1, TIMEOUT_MS));
	EXPECT_EQ('y', c);
	close(sfd);
}

TEST_F(emul, overlapped_pending_then_signalled)
{
	DWORD bytes = 123, flags = 9;
	OVERLAPPED ov;
	size_t got;

	tst_ov_init(&ov);
	ASSERT_NE(WSA_INVALID_EVENT, ov.hEvent);
	WSASetEvent(ov.hEvent);		/* reset by the call */
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, &ov, TF_REUSE_SOCKET, 0));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());

	/* The peer has not closed: the operation cannot be over. */
	EXPECT_EQ(STATUS_PENDING, __atomic_load_n(&ov.Internal,
						  __ATOMIC_ACQUIRE));
	EXPECT_EQ(FALSE, HasOverlappedIoCompleted(&ov));
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(self->cfd, &ov, &bytes, FALSE,
						&flags));
	EXPECT_EQ(WSA_IO_INCOMPLETE, WSAGetLastError());
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 50, FALSE));

	EXPECT_EQ(0, tst_read_to_end(self->sfd, &got, TIMEOUT_MS));
	close(self->sfd);
	self->sfd = -1;

	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, TIMEOUT_MS,
					   FALSE));
	EXPECT_EQ(TRUE, HasOverlappedIoCompleted(&ov));
	EXPECT_EQ(0U, ov.Internal);
	EXPECT_EQ(TRUE, WSAGetOverlappedResult(self->cfd, &ov, &bytes, FALSE,
					       &flags));
	EXPECT_EQ(0U, bytes);
	EXPECT_EQ(0U, flags);
	WSACloseEvent(ov.hEvent);
}

TEST_F(emul, completes_without_library_calls)
{
	OVERLAPPED ov;
	int64_t end;
	size_t got;

	memset(&ov, 0, sizeof(ov));
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, &ov, TF_REUSE_SOCKET, 0));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &got, TIMEOUT_MS));
	close(self->sfd);
	self->sfd = -1;
	/* Only memory reads from here: the engine thread finishes. */
	end = tst_now_ms() + TIMEOUT_MS;
	while (__atomic_load_n(&ov.Internal, __ATOMIC_ACQUIRE) ==
	       STATUS_PENDING && tst_now_ms() < end)
		tst_sleep_ms(1);
	EXPECT_EQ(0U, __atomic_load_n(&ov.Internal, __ATOMIC_ACQUIRE));
}

static void *close_later(void *p)
{
	int fd = *(int *)p;
	size_t got;

	tst_sleep_ms(100);
	tst_read_to_end(fd, &got, TIMEOUT_MS);
	close(fd);
	return NULL;
}

/*
 * DisconnectEx(TF_REUSE_SOCKET) on @fd with no event, pending, waited for in
 * WSAGetOverlappedResult(), which sets *@bytes: 0; -1 if it did not pend;
 * else the WSA error.
 */
static int disconnect_no_event(int fd, DWORD *bytes)
{
	OVERLAPPED ov = { 0 };
	DWORD flags;

	if (DisconnectEx(fd, &ov, TF_REUSE_SOCKET, 0))
		return -1;
	if (WSAGetLastError() != WSA_IO_PENDING)
		return WSAGetLastError();
	if (!WSAGetOverlappedResult(fd, &ov, bytes, TRUE, &flags))
		return WSAGetLastError();
	return 0;
}

TEST_F(emul, get_result_waits_without_event)
{
	DWORD bytes = 1;
	pthread_t th;

	/* Started first, the peer closes 100 ms on: the helper is waiting. */
	ASSERT_EQ(0, pthread_create(&th, NULL, close_later, &self->sfd));
	EXPECT_EQ(0, disconnect_no_event(self->cfd, &bytes));
	EXPECT_EQ(0U, bytes);
	pthread_join(th, NULL);
	self->sfd = -1;
}

TEST_F(emul, already_reset_connection)
{
	int sfd;
	char c;

	tst_reset_close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(TCP_CLOSE, tst_wait_tcp_state(self->cfd, TCP_CLOSE,
						 TIMEOUT_MS));
	/* Ended before the request, no reuse: nothing to do, and no news. */
	EXPECT_EQ(0, tst_disconnect_wsa(self->cfd, 0, 0, TIMEOUT_MS));
	/* With reuse: made reusable; the reset may be reported. */
	int err = tst_disconnect_wsa(self->cfd, TF_REUSE_SOCKET, 0, TIMEOUT_MS);

	EXPECT_TRUE(err == 0 || err == WSAECONNRESET) TH_LOG("error %d", err);
	ASSERT_EQ(0, connect(self->cfd, (struct sockaddr *)&self->addr.ss,
			     self->addr.len));
	sfd = tst_accept(self->lfd, TIMEOUT_MS);
	ASSERT_GE(sfd, 0);
	/* No stale error from the old connection. */
	EXPECT_EQ(1, send(sfd, "z", 1, 0));
	EXPECT_EQ(0, tst_recv_exact(self->cfd, &c, 1, TIMEOUT_MS));
	close(sfd);
}

TEST_F(emul, timeout_aborts_with_rst)
{
	int64_t t0 = tst_now_ms(), dt;

	/* The peer never closes. */
	EXPECT_EQ(-ETIMEDOUT, dcx_disconnect(self->cfd, DCX_REUSE_SOCKET, 300));
	dt = tst_now_ms() - t0;
	EXPECT_GE(dt, 290);
	EXPECT_LT(dt, 5000);
	/* The peer got our FIN, then the RST: its socket is dead. */
	EXPECT_EQ(TCP_CLOSE, tst_wait_tcp_state(self->sfd, TCP_CLOSE, 5000));
	EXPECT_NE(0, tst_get_int_opt(self->sfd, SOL_SOCKET, SO_ERROR));
	/* Ours is reusable. */
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
	EXPECT_EQ(0, tst_get_int_opt(self->cfd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(0, tst_reconnect(self->cfd, self->lfd, &self->addr,
				   TIMEOUT_MS));
}

TEST_F(emul, peer_closed_first)
{
	/* CLOSE_WAIT: our FIN answers theirs; we wait for its ACK. */
	close(self->sfd);
	self->sfd = -1;
	tst_sleep_ms(10);
	EXPECT_EQ(0, dcx_disconnect(self->cfd, DCX_REUSE_SOCKET, 0));
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
	EXPECT_EQ(0, connect(self->cfd, (struct sockaddr *)&self->addr.ss,
			     self->addr.len));
}

TEST_F(emul, cleanup_right_after_disconnect)
{
	struct tst_peer peer;
	WSADATA wd;
	DWORD bytes;

	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd));
	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, TIMEOUT_MS));
	self->sfd = -1;
	EXPECT_EQ(0, disconnect_no_event(self->cfd, &bytes));
	EXPECT_EQ(1, tst_count_threads("dcx-engine"));
	/*
	 * The result is out but the operation's deadline timer is still being
	 * removed: the last WSACleanup() drains that and stops the thread.
	 */
	EXPECT_EQ(0, WSACleanup());
	EXPECT_EQ(0, tst_count_threads("dcx-engine"));
	EXPECT_EQ(0, tst_peer_join(&peer));

	/* The library starts again on demand. */
	ASSERT_EQ(0, connect(self->cfd, (struct sockaddr *)&self->addr.ss,
			     self->addr.len));
	self->sfd = tst_accept(self->lfd, TIMEOUT_MS);
	ASSERT_GE(self->sfd, 0);
	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, TIMEOUT_MS));
	self->sfd = -1;
	EXPECT_EQ(0, disconnect_no_event(self->cfd, &bytes));
	EXPECT_EQ(0, tst_peer_join(&peer));
}

TEST_F(emul, cleanup_keeps_pending_operations)
{
	WSADATA wd;
	OVERLAPPED ov;

	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd));
	EXPECT_EQ(WSA_IO_PENDING,
		  tst_disconnect_start(self->cfd, &ov, TF_REUSE_SOCKET));
	/* A result is still owed: the engine keeps running. */
	EXPECT_EQ(0, WSACleanup());
	EXPECT_EQ(1, tst_count_threads("dcx-engine"));
	EXPECT_EQ(0, tst_disconnect_finish(&ov, &self->sfd, TIMEOUT_MS));
}

TEST_F(emul, native_api_keeps_errno)
{
	struct tst_peer peer;

	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, TIMEOUT_MS));
	self->sfd = -1;
	errno = 4321;
	EXPECT_EQ(0, dcx_disconnect(self->cfd, 0, 0));
	EXPECT_EQ(4321, errno);
	EXPECT_EQ(-EBADF, dcx_disconnect(-1, 0, 0));
	EXPECT_EQ(4321, errno);
	EXPECT_EQ(0, tst_peer_join(&peer));
}

/*
 * The next connection on @lfd brings @n bytes of @data first: 0, -EBADMSG
 * if others came, or what failed.
 */
static int accept_and_expect(int lfd, const char *data, size_t n)
{
	char buf[64];
	int sfd, err;

	if (n > sizeof(buf))
		return -EINVAL;
	sfd = tst_accept(lfd, TIMEOUT_MS);
	if (sfd < 0)
		return sfd;
	err = tst_recv_exact(sfd, buf, n, TIMEOUT_MS);
	if (!err && memcmp(buf, data, n))
		err = -EBADMSG;
	close(sfd);
	return err;
}

TEST_F(emul, connectex_unbound_socket)
{
	DWORD sent = 0, bytes = 0;
	LPFN_CONNECTEX connect_ex;
	OVERLAPPED ov;
	int s;

	s = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	EXPECT_EQ(TRUE, ConnectEx(s, (struct sockaddr *)&self->addr.ss,
				  (int)self->addr.len, "hello", 5, &sent, NULL))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(5U, sent);
	EXPECT_EQ(0, accept_and_expect(self->lfd, "hello", 5));
	close(s);

	/* Overlapped, through the WSAIoctl pointer. */
	s = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	tst_ov_init(&ov);
	connect_ex = tst_extension(s, (GUID)WSAID_CONNECTEX);
	EXPECT_EQ(FALSE, connect_ex(s, tst_sa(&self->addr),
				    (int)self->addr.len, "world!", 6, NULL,
				    &ov));
	EXPECT_EQ(WSA_IO_PENDING, WSAGetLastError());
	EXPECT_EQ(0, tst_overlapped_result(&ov, &bytes, TIMEOUT_MS));
	EXPECT_EQ(6U, bytes);
	EXPECT_EQ(0, accept_and_expect(self->lfd, "world!", 6));
	close(s);
	WSACloseEvent(ov.hEvent);
}

TEST_F(emul, connectex_recycled_socket_big_send)
{
	const DWORD n = 4 << 20;	/* more than a socket buffer */
	struct tst_server srv;
	struct tst_peer peer;
	DWORD sent = 0;
	char *buf;

	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, TIMEOUT_MS));
	self->sfd = -1;
	ASSERT_EQ(TRUE, DisconnectEx(self->cfd, NULL, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(0, tst_peer_join(&peer));

	buf = malloc(n);
	ASSERT_NE(NULL, buf);
	memset(buf, 'q', n);
	/* The peer must read while ConnectEx sends. */
	ASSERT_EQ(0, tst_server_start(&srv, self->lfd, 1, TIMEOUT_MS));
	EXPECT_EQ(TRUE, ConnectEx(self->cfd, (struct sockaddr *)&self->addr.ss,
				  (int)self->addr.len, buf, n, &sent, NULL))
		TH_LOG("error %d", WSAGetLastError());
	EXPECT_EQ(n, sent);
	EXPECT_EQ(TRUE, DisconnectEx(self->cfd, NULL, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(0, tst_server_join(&srv));
	EXPECT_EQ(n, srv.bytes);
	EXPECT_EQ(1, srv.fins);
	free(buf);
}

TEST_HARNESS_MAIN
