// SPDX-License-Identifier: GPL-2.0
/*
 * ConnectEx as Windows behaves (docs/WINDOWS.md, "ConnectEx" and "Errors: at
 * once, or as a completion"), against the Windows API only: the same source
 * runs on Windows/Wine, on the host (emulated backend) and in the VM (the
 * module).
 *
 * Windows wants the socket bound before ConnectEx; the library also takes
 * an unbound one (a documented extension, since a recycled socket's
 * ephemeral port is released), tested on Linux only.
 */
#include "wintest.h"
#include "tst_variants.h"

#define WAIT_MS		5000

FIXTURE(cx)
{
	SOCKET l, t;
	struct sockaddr_storage addr;
	int alen;
	LPFN_CONNECTEX connectex;
	OVERLAPPED ov;
};

TST_FAMILY_VARIANTS(cx);

/* Bind @s to the loopback address of @family, port 0. */
static int bind_loopback(SOCKET s, int family)
{
	struct sockaddr_storage ss;
	int len = wt_loopback(family, 0, &ss);

	return bind(s, (struct sockaddr *)&ss, len) ? WSAGetLastError() : 0;
}

FIXTURE_SETUP(cx)
{
	wt_init();
	self->l = wt_listener(variant->family, &self->addr, &self->alen);
	ASSERT_NE(INVALID_SOCKET, self->l);
	self->t = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, self->t);
	self->connectex = wt_connectex(self->t);
	ASSERT_NONNULL(self->connectex);
	ASSERT_NE(WSA_INVALID_EVENT, wt_ov_init(&self->ov));
}

FIXTURE_TEARDOWN(cx)
{
	wt_ov_release(&self->ov);
	closesocket(self->t);
	closesocket(self->l);
}

/*
 * ConnectEx of @s to @to (@len bytes, no data) on @ov fails at once with
 * @err: FALSE, and no event, no completion.
 */
#define EXPECT_CONNECTEX_AT_ONCE(err, s, to, len, ov)			\
	do {								\
		(ov)->InternalHigh = 0x5eed;				\
		EXPECT_EQ(FALSE, self->connectex(s, (struct sockaddr *)(to), \
						 len, NULL, 0, NULL, ov)); \
		EXPECT_EQ(err, WSAGetLastError());			\
		WT_EXPECT_NO_COMPLETION(ov);				\
	} while (0)

/* Start ConnectEx and wait for it: 0 or the WSA error; *sent the bytes. */
static int connect_wait(LPFN_CONNECTEX fn, SOCKET s,
			const struct sockaddr_storage *ss, int len,
			const char *buf, DWORD n, OVERLAPPED *ov, DWORD *sent)
{
	DWORD flags = 0;
	int err;

	*sent = 0;
	if (!fn(s, (const struct sockaddr *)ss, len, (PVOID)buf, n, NULL, ov)) {
		err = WSAGetLastError();
		if (err != WSA_IO_PENDING)
			return err;
	}
	if (wt_wait_event(ov->hEvent, WAIT_MS))
		return WSA_WAIT_TIMEOUT;
	if (WSAGetOverlappedResult(s, ov, sent, FALSE, &flags))
		return 0;
	return WSAGetLastError();
}


/*
 * Completes with the bytes of the send buffer, which the peer receives even
 * though the caller overwrites the buffer right after the completion.
 */
TEST_F(cx, sends_first_buffer)
{
	char data[] = "first buffer";
	DWORD sent;
	char buf[sizeof(data)];

	ASSERT_EQ(0, bind_loopback(self->t, variant->family));
	ASSERT_EQ(0, connect_wait(self->connectex, self->t, &self->addr,
				  self->alen, data, 12, &self->ov, &sent));
	EXPECT_EQ(12U, sent);
	memset(data, 'X', sizeof(data));
	EXPECT_EQ(0, setsockopt(self->t, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT,
				NULL, 0));
	WT_EXPECT_ACCEPTED(self->l, buf, "first buffer", 12, WAIT_MS);
}

/* Windows' GetOverlappedResult says ERROR_CONNECTION_REFUSED, Winsock's
 * WSAECONNREFUSED. */
TEST_F(cx, refused)
{
	SOCKET l2 = wt_listener(variant->family, &self->addr, &self->alen);
	DWORD sent, bytes;

	/* A port that was just free: nobody listens on it any more. */
	ASSERT_NE(INVALID_SOCKET, l2);
	closesocket(l2);
	ASSERT_EQ(0, bind_loopback(self->t, variant->family));
	EXPECT_EQ(WSAECONNREFUSED,
		  connect_wait(self->connectex, self->t, &self->addr,
			       self->alen, NULL, 0, &self->ov, &sent));
	EXPECT_EQ(FALSE, GetOverlappedResult(wt_handle(self->t),
					     &self->ov, &bytes, FALSE));
	EXPECT_EQ(ERROR_CONNECTION_REFUSED, (long)GetLastError());
}

/* A listening socket: WSAEINVAL at once, no completion. */
TEST_F(cx, listening_at_once)
{
	EXPECT_CONNECTEX_AT_ONCE(WSAEINVAL, self->l, &self->addr, self->alen,
				 &self->ov);
}

/* A connected socket: WSAEISCONN at once. */
TEST_F(cx, connected_at_once)
{
	DWORD sent;

	ASSERT_EQ(0, bind_loopback(self->t, variant->family));
	ASSERT_EQ(0, connect_wait(self->connectex, self->t, &self->addr,
				  self->alen, NULL, 0, &self->ov, &sent));
	WSAResetEvent(self->ov.hEvent);
	EXPECT_CONNECTEX_AT_ONCE(WSAEISCONN, self->t, &self->addr, self->alen,
				 &self->ov);
}

/*
 * While a connect is in progress: WSAEINVAL at once. A listener whose
 * backlog is full keeps the first connect waiting (Linux drops the SYN;
 * Windows would refuse it, so this one runs on Linux and Wine only).
 */
TEST_F(cx, in_progress_at_once)
{
	struct sockaddr_storage ss;
	SOCKET full, fill[4];
	OVERLAPPED ov2;
	int len = sizeof(ss), i, n = 0;

	if (!wt_on_linux() && !wt_on_wine())
		SKIP(return, "Windows refuses a SYN beyond the backlog");
	full = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, full);
	ASSERT_EQ(0, bind_loopback(full, variant->family));
	ASSERT_EQ(0, listen(full, 0));
	ASSERT_EQ(0, getsockname(full, (struct sockaddr *)&ss, &len));
	/* Fill the accept queue. */
	for (i = 0; i < 4; i++) {
		fill[i] = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
		ASSERT_EQ(0, wt_set_nonblocking(fill[i], true));
		connect(fill[i], (struct sockaddr *)&ss, len);
		n++;
	}
	wt_sleep_ms(100);
	ASSERT_EQ(0, bind_loopback(self->t, variant->family));
	ASSERT_EQ(FALSE, self->connectex(self->t, (struct sockaddr *)&ss, len,
					 NULL, 0, NULL, &self->ov));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	if (!wt_wait_event(self->ov.hEvent, 0))
		SKIP(goto out, "the connect was not held back");
	wt_ov_init(&ov2);
	EXPECT_CONNECTEX_AT_ONCE(WSAEINVAL, self->t, &ss, len, &ov2);
	WSACloseEvent(ov2.hEvent);
out:
	/* Closing the listener ends the waiting connect (refused). */
	closesocket(full);
	EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, 3 * WAIT_MS));
	for (i = 0; i < n; i++)
		closesocket(fill[i]);
}

/* A NULL or too short address: WSAEFAULT at once. */
TEST_F(cx, bad_address_at_once)
{
	if (wt_on_wine())
		SKIP(return, "Wine does not check ConnectEx's address");
	ASSERT_EQ(0, bind_loopback(self->t, variant->family));
	EXPECT_CONNECTEX_AT_ONCE(WSAEFAULT, self->t, NULL, self->alen,
				 &self->ov);
	EXPECT_CONNECTEX_AT_ONCE(WSAEFAULT, self->t, &self->addr, 4, &self->ov);
}

/* An invalid socket: WSAENOTSOCK at once. */
TEST_F(cx, invalid_socket_at_once)
{
	SOCKET dead = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);

	ASSERT_NE(INVALID_SOCKET, dead);
	closesocket(dead);
	EXPECT_CONNECTEX_AT_ONCE(WSAENOTSOCK, dead, &self->addr, self->alen,
				 &self->ov);
}

/* The library's extension: an unbound socket connects (Linux binds it). */
TEST_F(cx, unbound_socket)
{
	DWORD sent;
	int err;

	err = connect_wait(self->connectex, self->t, &self->addr, self->alen,
			   "x", 1, &self->ov, &sent);
	if (!wt_on_linux()) {
		/* Windows: the socket must be bound first. */
		EXPECT_EQ(WSAEINVAL, err);
		return;
	}
	EXPECT_EQ(0, err);
	EXPECT_EQ(1U, sent);
}

TEST_HARNESS_MAIN
