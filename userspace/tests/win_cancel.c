// SPDX-License-Identifier: GPL-2.0
/*
 * Cancelling overlapped socket I/O as Windows behaves (docs/WINDOWS.md,
 * "Cancellation", "I/O completion ports"): CancelIoEx, CancelIo, and
 * closesocket with operations pending; then a client that recycles one
 * socket a thousand times through one port. Against the Windows API only:
 * the same source runs on Windows/Wine (the oracle), on the host (emulated
 * backend) and in the VM.
 *
 * Each test names its source: a function's page in Microsoft's
 * documentation ("docs"), a test of Wine's (dlls/ws2_32/tests/sock.c,
 * afd.c, dlls/ntdll/tests/pipe.c: their ok() lines pass on Windows), or
 * "Wine 8" where only the oracle run says it. Where Wine 8 deviates, the
 * test says how and allows Wine's answer on Wine only, or skips there.
 */
#include "wintest.h"
#include "tst_variants.h"

#include <stdio.h>

#define WAIT_MS		3000
#define KEY		((ULONG_PTR)0x5eed)
/* The reuse loop's rounds, and its request (and reply) size. */
#define ROUNDS		1000
#define REQ_LEN		16

/* NTSTATUS values as they appear in OVERLAPPED.Internal. */
#define NT_CANCELLED		((ULONG_PTR)0xC0000120U)
#define NT_CONNECTION_ABORTED	((ULONG_PTR)0xC0000241U)
/* What Wine 8 reports for an operation its closesocket ends. */
#define NT_HANDLES_CLOSED	((ULONG_PTR)0x8000000AU)
#define WINE_HANDLES_CLOSED	676	/* ERROR_HANDLES_CLOSED */

/* An overlapped WSASocketW() socket of @family, bound to loopback. */
static SOCKET ov_socket(int family)
{
	struct sockaddr_storage ss;
	int len = wt_loopback(family, 0, &ss);
	SOCKET s;

	s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
		       WSA_FLAG_OVERLAPPED);
	if (s != INVALID_SOCKET &&
	    bind(s, (struct sockaddr *)&ss, len) == SOCKET_ERROR) {
		closesocket(s);
		return INVALID_SOCKET;
	}
	return s;
}

/* A connected pair whose client is ov_socket(): 0, or the WSA error. */
static int ov_pair(int family, SOCKET *client, SOCKET *server)
{
	return wt_pair_from(family, ov_socket(family), client, server);
}

/* The packet of a cancelled operation on OVERLAPPED @which. */
#define EXPECT_ABORTED(p, which)					\
	do {								\
		EXPECT_FALSE((p).ok);					\
		EXPECT_EQ(ERROR_OPERATION_ABORTED, (p).error);		\
		EXPECT_EQ(0U, (p).bytes);				\
		EXPECT_EQ(KEY, (p).key);				\
		EXPECT_EQ(which, (p).ov);				\
		EXPECT_EQ(NT_CANCELLED, (which)->Internal);		\
	} while (0)

/* Packets p[0], p[1]: the fixture's ov and ov2 aborted, in either order. */
#define EXPECT_BOTH_ABORTED(p, self)					\
	do {								\
		bool __swap = (p)[0].ov == &(self)->ov2;		\
		EXPECT_ABORTED((p)[__swap], &(self)->ov);		\
		EXPECT_ABORTED((p)[!__swap], &(self)->ov2);		\
	} while (0)

/* Until @ov is no longer pending, at most 2 s. */
static void settle(const OVERLAPPED *ov)
{
	int64_t end = wt_now_ms() + 2000;

	while (!HasOverlappedIoCompleted(ov) && wt_now_ms() < end)
		wt_sleep_ms(1);
}

/* Post an overlapped receive into @buf: 0, or the WSA error. */
static int post_recv(SOCKET s, WSABUF *buf, char *data, OVERLAPPED *ov)
{
	DWORD flags = 0;

	buf->buf = data;
	buf->len = 8;
	if (WSARecv(s, buf, 1, NULL, &flags, ov, NULL) == 0)
		return 0;
	return WSAGetLastError();
}

FIXTURE(cx)
{
	SOCKET c, s;
	HANDLE port;
	OVERLAPPED ov, ov2;	/* only for calls that start */
	WSABUF buf, buf2;
	char data[8], data2[8];
};

TST_FAMILY_VARIANTS(cx);

FIXTURE_SETUP(cx)
{
	wt_init();
	ASSERT_EQ(0, ov_pair(variant->family, &self->c, &self->s));
}

FIXTURE_TEARDOWN(cx)
{
	closesocket(self->c);
	closesocket(self->s);
	/*
	 * What is still in flight ends with its socket and writes the
	 * fixture's OVERLAPPEDs then (on Windows all tests share one
	 * process): wait for that before the memory goes.
	 */
	settle(&self->ov);
	settle(&self->ov2);
	if (self->ov.hEvent)
		WSACloseEvent(self->ov.hEvent);
	if (self->port)
		CloseHandle(self->port);
}

/* A receive on the client into ov (@two false) or ov2: as post_recv(). */
static int post(FIXTURE_DATA(cx) *self, bool two)
{
	return two ? post_recv(self->c, &self->buf2, self->data2, &self->ov2) :
		     post_recv(self->c, &self->buf, self->data, &self->ov);
}

/* Associate the client with a port of its own, key KEY. */
#define ATTACH_PORT(self)	WT_ATTACH_PORT((self)->port, (self)->c, KEY)

/*
 * docs, CancelIoEx; sock.c test_completion_port (a cancelled AcceptEx):
 * TRUE, and the receive ends through the port - FALSE with ov set,
 * ERROR_OPERATION_ABORTED, Internal STATUS_CANCELLED.
 */
TEST_F(cx, cancelioex_recv_port)
{
	struct wt_packet p;

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	EXPECT_TRUE(CancelIoEx(wt_handle(self->c), &self->ov));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_ABORTED(p, &self->ov);
}

/* docs/WINDOWS.md, Wine 8: by event, WSA_OPERATION_ABORTED from either call. */
TEST_F(cx, cancelioex_recv_event)
{
	DWORD bytes = 0xdead, flags;

	self->ov.hEvent = WSACreateEvent();
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	EXPECT_TRUE(CancelIoEx(wt_handle(self->c), &self->ov));
	ASSERT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
	EXPECT_FALSE(WSAGetOverlappedResult(self->c, &self->ov, &bytes, FALSE,
					    &flags));
	EXPECT_EQ(WSA_OPERATION_ABORTED, WSAGetLastError());
	EXPECT_EQ(0U, bytes);
	EXPECT_FALSE(GetOverlappedResult(wt_handle(self->c), &self->ov,
					 &bytes, FALSE));
	EXPECT_EQ(ERROR_OPERATION_ABORTED, (int)GetLastError());
}

/*
 * docs, CancelIoEx ("only those specific I/O requests ... with the
 * specified lpOverlapped"): the other receive stays and gets the data.
 */
TEST_F(cx, cancelioex_spares_the_others)
{
	struct wt_packet p;

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	ASSERT_EQ(WSA_IO_PENDING, post(self, true));
	EXPECT_TRUE(CancelIoEx(wt_handle(self->c), &self->ov));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_ABORTED(p, &self->ov);
	wt_port_get(self->port, WT_QUIET_MS, &p);
	EXPECT_EQ(WAIT_TIMEOUT, p.error);
	ASSERT_EQ(4, send(self->s, "data", 4, 0));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_TRUE(p.ok) TH_LOG("error %d", p.error);
	EXPECT_EQ(4U, p.bytes);
	EXPECT_EQ(&self->ov2, p.ov);
	EXPECT_EQ(0, memcmp(self->data2, "data", 4));
}

/*
 * docs, CancelIoEx ("If this parameter is NULL, all I/O requests for the
 * hFile parameter are canceled"): two receives (Windows keeps several
 * pending), two aborted packets, nothing more.
 */
TEST_F(cx, cancelioex_null_cancels_all)
{
	struct wt_packet p[3];

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	ASSERT_EQ(WSA_IO_PENDING, post(self, true));
	EXPECT_TRUE(CancelIoEx(wt_handle(self->c), NULL));
	wt_port_get(self->port, WAIT_MS, &p[0]);
	wt_port_get(self->port, WAIT_MS, &p[1]);
	wt_port_get(self->port, WT_QUIET_MS, &p[2]);
	EXPECT_BOTH_ABORTED(p, self);
	EXPECT_EQ(WAIT_TIMEOUT, p[2].error);
}

/* docs, CancelIo: the calling thread's receives, all of them. */
TEST_F(cx, cancelio_cancels_own)
{
	struct wt_packet p[2];

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	ASSERT_EQ(WSA_IO_PENDING, post(self, true));
	EXPECT_TRUE(CancelIo(wt_handle(self->c)));
	wt_port_get(self->port, WAIT_MS, &p[0]);
	wt_port_get(self->port, WAIT_MS, &p[1]);
	EXPECT_BOTH_ABORTED(p, self);
}

/* A thread that posts a receive and stays alive until released. */
struct poster {
	SOCKET s;
	WSABUF *buf;
	char *data;
	OVERLAPPED *ov;
	int err;
	WSAEVENT posted, release;
};

static int post_and_wait(void *arg)
{
	struct poster *p = arg;

	p->err = post_recv(p->s, p->buf, p->data, p->ov);
	WSASetEvent(p->posted);
	/* Alive: exiting may cancel it (afd.c test_async_thread_termination). */
	wt_wait_event(p->release, WAIT_MS);
	return 0;
}

/*
 * docs, CancelIoEx remarks ("CancelIo only cancels requests in the same
 * thread"; CancelIoEx those of other threads): CancelIo from here leaves
 * another thread's receive pending, CancelIoEx ends it.
 */
TEST_F(cx, cancelio_spares_other_threads)
{
	struct poster po = {
		.s = self->c, .buf = &self->buf2, .data = self->data2,
		.ov = &self->ov2,
	};
	struct wt_packet p;
	struct wt_thread *t;

	ATTACH_PORT(self);
	po.posted = WSACreateEvent();
	po.release = WSACreateEvent();
	t = wt_thread_start(post_and_wait, &po);
	ASSERT_NONNULL(t);
	EXPECT_EQ(0, wt_wait_event(po.posted, WAIT_MS));
	EXPECT_EQ(WSA_IO_PENDING, po.err);
	EXPECT_TRUE(CancelIo(wt_handle(self->c)));
	wt_port_get(self->port, WT_QUIET_MS, &p);
	EXPECT_EQ(WAIT_TIMEOUT, p.error);
	EXPECT_FALSE(HasOverlappedIoCompleted(&self->ov2));
	EXPECT_TRUE(CancelIoEx(wt_handle(self->c), NULL));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_ABORTED(p, &self->ov2);
	WSASetEvent(po.release);
	wt_thread_join(t);
	WSACloseEvent(po.posted);
	WSACloseEvent(po.release);
}

/*
 * A cancel racing the start of the operation it names (found by review:
 * the library listed an operation before it had a ring, and a concurrent
 * CancelIoEx dereferenced nothing). Every receive still ends exactly once,
 * aborted or not, and nothing crashes.
 */
#define RACE_OPS	400

struct race {
	SOCKET c;
	OVERLAPPED ov[RACE_OPS];
	volatile int started;
};

static int race_canceller(void *arg)
{
	struct race *r = arg;

	while (r->started < RACE_OPS)
		CancelIoEx(wt_handle(r->c), NULL);
	return 0;
}

TEST_F(cx, cancel_races_the_start)
{
	static char sink[RACE_OPS][4];
	struct wt_thread *t;
	struct race *r;
	DWORD bytes, flags;
	WSABUF b;
	int i, ret;

	r = calloc(1, sizeof(*r));
	ASSERT_NONNULL(r);
	r->c = self->c;
	t = wt_thread_start(race_canceller, r);
	ASSERT_NONNULL(t);
	for (i = 0; i < RACE_OPS; i++) {
		b.buf = sink[i];
		b.len = sizeof(sink[i]);
		flags = 0;
		ret = WSARecv(self->c, &b, 1, &bytes, &flags, &r->ov[i], NULL);
		EXPECT_TRUE(ret == 0 || WSAGetLastError() == WSA_IO_PENDING);
		__atomic_store_n(&r->started, i + 1, __ATOMIC_RELEASE);
	}
	wt_thread_join(t);
	CancelIoEx(wt_handle(self->c), NULL);
	for (i = 0; i < RACE_OPS; i++) {
		int64_t t0 = wt_now_ms();

		while (!HasOverlappedIoCompleted(&r->ov[i]) &&
		       wt_now_ms() - t0 < WAIT_MS)
			wt_sleep_ms(1);
		EXPECT_TRUE(HasOverlappedIoCompleted(&r->ov[i]));
	}
	free(r);
}

/*
 * docs, CancelIoEx: nothing to cancel for that OVERLAPPED - none pending,
 * or one never used while another is pending - FALSE, ERROR_NOT_FOUND.
 */
TEST_F(cx, cancelioex_nothing_not_found)
{
	SetLastError(0);
	EXPECT_FALSE(CancelIoEx(wt_handle(self->c), &self->ov2));
	EXPECT_EQ(ERROR_NOT_FOUND, (int)GetLastError());
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	SetLastError(0);
	EXPECT_FALSE(CancelIoEx(wt_handle(self->c), &self->ov2));
	EXPECT_EQ(ERROR_NOT_FOUND, (int)GetLastError());
	EXPECT_FALSE(HasOverlappedIoCompleted(&self->ov));
}

/* docs, CancelIoEx; Wine 8: an operation already completed is not found. */
TEST_F(cx, cancelioex_completed_not_found)
{
	struct wt_packet p;

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	ASSERT_EQ(4, send(self->s, "data", 4, 0));
	wt_port_get(self->port, WAIT_MS, &p);
	ASSERT_TRUE(p.ok) TH_LOG("error %d", p.error);
	SetLastError(0);
	EXPECT_FALSE(CancelIoEx(wt_handle(self->c), &self->ov));
	EXPECT_EQ(ERROR_NOT_FOUND, (int)GetLastError());
}

/*
 * ntdll tests/pipe.c test_cancelio (NtCancelIoFileEx with no IOSB and
 * nothing pending: STATUS_NOT_FOUND): CancelIoEx(s, NULL) is FALSE too.
 */
TEST_F(cx, cancelioex_null_nothing_not_found)
{
	if (wt_on_wine())
		SKIP(return, "Wine 8 CancelIoEx(socket, NULL) returns TRUE with nothing to cancel");
	SetLastError(0);
	EXPECT_FALSE(CancelIoEx(wt_handle(self->c), NULL));
	EXPECT_EQ(ERROR_NOT_FOUND, (int)GetLastError());
}

/*
 * ntdll tests/pipe.c test_cancelio (NtCancelIoFile with nothing pending:
 * success): unlike CancelIoEx, CancelIo with nothing to cancel is TRUE.
 */
TEST_F(cx, cancelio_nothing_is_true)
{
	EXPECT_TRUE(CancelIo(wt_handle(self->c)));
}

/*
 * A loopback listener that answers no more SYNs: its backlog of 1 is full
 * of connections nobody accepts, and Linux - under Wine too - drops a SYN
 * then, so a connect stays pending (Windows refuses instead). How many of
 * @fill it used, 0 if the backlog never filled.
 */
static int silent_listener(int family, SOCKET *l, SOCKET *fill, int max,
			   struct sockaddr_storage *addr, int *len)
{
	int i;

	*len = wt_loopback(family, 0, addr);
	*l = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (*l == INVALID_SOCKET)
		return 0;
	if (bind(*l, (struct sockaddr *)addr, *len) ||
	    listen(*l, 1) ||
	    getsockname(*l, (struct sockaddr *)addr, len))
		return 0;
	for (i = 0; i < max; i++) {
		struct timeval tv = { 0, 300000 };
		fd_set w;

		fill[i] = socket(family, SOCK_STREAM, IPPROTO_TCP);
		if (fill[i] == INVALID_SOCKET)
			return i;
		wt_set_nonblocking(fill[i], true);
		connect(fill[i], (struct sockaddr *)addr, *len);
		FD_ZERO(&w);
		FD_SET(fill[i], &w);
		/* Not connected within 300 ms: its SYN was dropped. */
		if (select((int)fill[i] + 1, NULL, &w, NULL, &tv) != 1)
			return i + 1;
	}
	return max;
}

/*
 * docs, CancelIoEx; Wine 8: a ConnectEx that gets no answer is cancelled
 * at once - ERROR_OPERATION_ABORTED well within a second.
 */
TEST_F(cx, cancelioex_connectex)
{
	struct sockaddr_storage addr;
	SOCKET l = INVALID_SOCKET, t, fill[8];
	LPFN_CONNECTEX connectex;
	int len, n, i;
	struct wt_packet p;
	HANDLE port;
	int64_t t0;

	n = silent_listener(variant->family, &l, fill, 8, &addr, &len);
	t = ov_socket(variant->family);
	ASSERT_NE(INVALID_SOCKET, t);
	WT_ATTACH_PORT(port, t, KEY);
	connectex = wt_connectex(t);
	ASSERT_NONNULL(connectex);
	if (!n ||
	    connectex(t, (struct sockaddr *)&addr, len, NULL, 0, NULL,
		      &self->ov) ||
	    WSAGetLastError() != WSA_IO_PENDING ||
	    wt_port_get(port, WT_QUIET_MS, &p) || p.error != WAIT_TIMEOUT) {
		SKIP(goto out, "no loopback address leaves a connect pending here");
	}
	t0 = wt_now_ms();
	EXPECT_TRUE(CancelIoEx(wt_handle(t), &self->ov));
	wt_port_get(port, WAIT_MS, &p);
	EXPECT_LT(wt_now_ms() - t0, 1000);
	EXPECT_ABORTED(p, &self->ov);
out:
	closesocket(t);
	settle(&self->ov);
	CloseHandle(port);
	for (i = 0; i < n; i++)
		closesocket(fill[i]);
	closesocket(l);
}

/*
 * docs, CancelIoEx: DisconnectEx(TF_REUSE_SOCKET) waits for a peer that
 * neither reads nor closes; CancelIoEx ends it well within a second.
 */
TEST_F(cx, cancelioex_disconnectex_reuse)
{
	LPFN_DISCONNECTEX disconnectex = wt_disconnectex(self->c);
	struct wt_packet p;
	int64_t t0;

	ATTACH_PORT(self);
	if (wt_on_wine())
		SKIP(return, "Wine 8 ignores TF_REUSE_SOCKET: its DisconnectEx completes at once");
	ASSERT_NONNULL(disconnectex);
	ASSERT_FALSE(disconnectex(self->c, &self->ov, TF_REUSE_SOCKET, 0));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	wt_port_get(self->port, WT_QUIET_MS, &p);
	ASSERT_EQ(WAIT_TIMEOUT, p.error);
	t0 = wt_now_ms();
	EXPECT_TRUE(CancelIoEx(wt_handle(self->c), &self->ov));
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_LT(wt_now_ms() - t0, 1000);
	EXPECT_ABORTED(p, &self->ov);
}

/*
 * sock.c iocp_async_read_closesocket: closesocket still completes the
 * pending receive - ERROR_CONNECTION_ABORTED, STATUS_CONNECTION_ABORTED
 * (the WSARecv page says WSA_OPERATION_ABORTED; Windows does not). Wine 8
 * reports ERROR_HANDLES_CLOSED, STATUS_HANDLES_CLOSED (todo_wine there).
 */
TEST_F(cx, closesocket_aborts_recv_port)
{
	struct wt_packet p;

	ATTACH_PORT(self);
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	EXPECT_EQ(0, closesocket(self->c));
	self->c = INVALID_SOCKET;
	wt_port_get(self->port, WAIT_MS, &p);
	EXPECT_FALSE(p.ok);
	EXPECT_EQ(0U, p.bytes);
	EXPECT_EQ(KEY, p.key);
	EXPECT_EQ(&self->ov, p.ov);
	if (wt_on_wine() && p.error == WINE_HANDLES_CLOSED) {
		EXPECT_EQ(NT_HANDLES_CLOSED, self->ov.Internal);
	} else {
		EXPECT_EQ(ERROR_CONNECTION_ABORTED, p.error);
		EXPECT_EQ(NT_CONNECTION_ABORTED, self->ov.Internal);
	}
}

/*
 * sock.c iocp_async_read_closesocket: the same by event; GetOverlappedResult
 * reads the OVERLAPPED only, so it answers after the close too.
 */
TEST_F(cx, closesocket_aborts_recv_event)
{
	SOCKET c = self->c;
	DWORD bytes = 0xdead;
	int err;

	self->ov.hEvent = WSACreateEvent();
	ASSERT_EQ(WSA_IO_PENDING, post(self, false));
	EXPECT_EQ(0, closesocket(c));
	self->c = INVALID_SOCKET;
	ASSERT_EQ(0, wt_wait_event(self->ov.hEvent, WAIT_MS));
	EXPECT_FALSE(GetOverlappedResult(wt_handle(c), &self->ov, &bytes,
					 FALSE));
	err = (int)GetLastError();
	if (wt_on_wine() && err == WINE_HANDLES_CLOSED)
		err = ERROR_CONNECTION_ABORTED;
	EXPECT_EQ(ERROR_CONNECTION_ABORTED, err);
	EXPECT_EQ(0U, bytes);
}

/* The reuse loop's server: accept, echo one request, close gracefully. */
struct echo_server {
	SOCKET l;
	int rounds;
	int served;
	int err;		/* the first failure's WSA error */
};

static int echo_serve(void *arg)
{
	struct echo_server *srv = arg;
	char req[REQ_LEN];
	SOCKET a;

	for (srv->served = 0; srv->served < srv->rounds; srv->served++) {
		/* Bounded: a client that stops leaves no thread behind. */
		if (wt_wait_readable(srv->l, WAIT_MS) != 1) {
			srv->err = WSAETIMEDOUT;
			break;
		}
		a = accept(srv->l, NULL, NULL);
		if (a == INVALID_SOCKET) {
			srv->err = WSAGetLastError();
			break;
		}
		if (wt_recv_all(a, req, REQ_LEN, WAIT_MS) != REQ_LEN ||
		    send(a, req, REQ_LEN, 0) != REQ_LEN)
			srv->err = WSAGetLastError() ? WSAGetLastError() : -1;
		closesocket(a);
		if (srv->err)
			break;
	}
	return 0;
}

/*
 * The end of an overlapped call on a socket of @port: 0 with *bytes once
 * its packet (key KEY, @ov) is dequeued; else the error, or -1 for a
 * packet that is not its own.
 */
static int finish(HANDLE port, OVERLAPPED *ov, bool at_once, DWORD *bytes)
{
	int err = at_once ? WSA_IO_PENDING : WSAGetLastError();
	struct wt_packet p;

	if (err != WSA_IO_PENDING)
		return err;
	wt_port_get(port, WAIT_MS, &p);
	if (p.ov != ov)
		return p.ov ? -1 : (int)p.error;
	if (p.key != KEY)
		return -1;
	*bytes = p.bytes;
	return p.ok ? 0 : (int)p.error;
}

/* One round of the client: 0, or the error and *step. */
static int round_trip(SOCKET c, HANDLE port, LPFN_CONNECTEX connectex,
		      LPFN_DISCONNECTEX disconnectex,
		      const struct sockaddr_storage *addr, int len,
		      OVERLAPPED *ov, int i, const char **step)
{
	char req[REQ_LEN + 1], reply[REQ_LEN];
	DWORD bytes = 0, flags, got;
	WSABUF buf;
	int err;

	*step = "ConnectEx";
	err = finish(port, ov, connectex(c, (const struct sockaddr *)addr,
					 len, NULL, 0, NULL, ov), &bytes);
	if (err)
		return err;
	setsockopt(c, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0);

	*step = "WSASend";
	snprintf(req, sizeof(req), "request %08d", i);
	buf.buf = req;
	buf.len = REQ_LEN;
	err = finish(port, ov, WSASend(c, &buf, 1, NULL, 0, ov, NULL) == 0,
		     &bytes);
	if (err || bytes != REQ_LEN)
		return err ? err : -1;

	*step = "WSARecv";
	for (got = 0; got < REQ_LEN; got += bytes) {
		buf.buf = reply + got;
		buf.len = REQ_LEN - got;
		flags = 0;
		err = finish(port, ov, WSARecv(c, &buf, 1, NULL, &flags, ov,
					       NULL) == 0, &bytes);
		if (err || !bytes)
			return err ? err : WSAEDISCON;
	}
	if (memcmp(req, reply, REQ_LEN))
		return -1;

	*step = "DisconnectEx";
	return finish(port, ov, disconnectex(c, ov, TF_REUSE_SOCKET, 0),
		      &bytes);
}

/*
 * docs/WINDOWS.md (DisconnectEx, ConnectEx, ports): one socket, one port, one
 * key: ConnectEx, request, reply, DisconnectEx(TF_REUSE_SOCKET), a
 * thousand times against a server that echoes and closes. Wine 8 ignores
 * TF_REUSE_SOCKET, so there each round takes a fresh socket (same port,
 * same key): the loop and its server still run on the oracle.
 */
TEST_F(cx, reuse_loop_one_socket)
{
	struct echo_server srv = { .rounds = ROUNDS };
	LPFN_DISCONNECTEX disconnectex;
	LPFN_CONNECTEX connectex;
	struct sockaddr_storage addr;
	const char *step = "";
	SOCKET c;
	int len, i, err = 0;
	struct wt_thread *t;

	srv.l = wt_listener(variant->family, &addr, &len);
	ASSERT_NE(INVALID_SOCKET, srv.l);
	c = ov_socket(variant->family);
	ASSERT_NE(INVALID_SOCKET, c);
	WT_ATTACH_PORT(self->port, c, KEY);
	connectex = wt_connectex(c);
	disconnectex = wt_disconnectex(c);
	ASSERT_NONNULL(connectex);
	ASSERT_NONNULL(disconnectex);
	t = wt_thread_start(echo_serve, &srv);
	ASSERT_NONNULL(t);
	for (i = 0; i < ROUNDS && !err; i++) {
		err = round_trip(c, self->port, connectex, disconnectex, &addr,
				 len, &self->ov, i, &step);
		if (err || !wt_on_wine())
			continue;
		closesocket(c);
		c = ov_socket(variant->family);
		if (c == INVALID_SOCKET ||
		    CreateIoCompletionPort(wt_handle(c), self->port, KEY, 0) !=
		    self->port)
			err = WSAGetLastError();
	}
	EXPECT_EQ(0, err) TH_LOG("round %d, %s: error %d", i - 1, step, err);
	closesocket(c);
	/* A round that failed may have left its operation in flight. */
	settle(&self->ov);
	wt_thread_join(t);
	EXPECT_EQ(0, srv.err);
	EXPECT_EQ(err ? srv.served : ROUNDS, srv.served);
	closesocket(srv.l);
}

TEST_HARNESS_MAIN
