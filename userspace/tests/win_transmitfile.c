// SPDX-License-Identifier: GPL-2.0
/*
 * TransmitFile as Windows behaves (docs/WINDOWS.md, "TransmitFile"), against
 * the Windows API only: the same source runs on Windows/Wine (the oracle), on
 * the host (emulated backend) and in the VM (the module).
 *
 * Sources: Microsoft's TransmitFile page ("docs": the head buffer, the file
 * from Offset/OffsetHigh - the whole file when the count is 0 - then the
 * tail; hFile NULL sends the buffers only; TF_DISCONNECT then disconnects,
 * with TF_REUSE_SOCKET reusably, "valid only if TF_DISCONNECT is also
 * supplied"; at most 2,147,483,646 bytes; an unconnected socket is
 * WSAENOTCONN) and Wine's conformance tests (dlls/ws2_32/tests/sock.c,
 * test_TransmitFile). Wine 8 ignores TF_DISCONNECT and TF_REUSE_SOCKET
 * here: those tests skip under Wine, the documentation being the
 * reference.
 */
#include "wintest.h"
#include "tst_variants.h"

#include <stdlib.h>

#define WAIT_MS		10000	/* for a completion that should come */
#define KEY		((ULONG_PTR)0x7f11e)
#define HEAD		"HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\n"
#define TAIL		"\r\n-- the tail --\r\n"
#define HEAD_LEN	((DWORD)(sizeof(HEAD) - 1))
#define TAIL_LEN	((DWORD)(sizeof(TAIL) - 1))
#define BIG		(8u << 20)

/* NTSTATUS values as they appear in OVERLAPPED.Internal. */
#define NT_CANCELLED	((ULONG_PTR)0xC0000120U)

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

/* The peer's side: everything up to @want bytes, or EOF. */
struct reader {
	SOCKET s;
	char *buf;
	long want;
	long got;
	int end;	/* wt_read_to_end()'s result, when reading to EOF */
	bool to_eof;
};

static int reader_run(void *arg)
{
	struct reader *r = arg;
	int n;

	while (r->got < r->want) {
		n = wt_recv_all(r->s, r->buf + r->got, (int)(r->want - r->got),
				WAIT_MS);
		if (n <= 0)
			break;
		r->got += n;
	}
	if (r->to_eof) {
		long extra = 0;

		r->end = wt_read_to_end(r->s, &extra, WAIT_MS);
		r->got += extra;
	}
	return 0;
}

FIXTURE(tf)
{
	SOCKET c, s;		/* the pair: c transmits, s is the peer */
	LPFN_TRANSMITFILE transmit;
	HANDLE file;
	unsigned char *data;	/* the file's contents */
	size_t len;
	OVERLAPPED ov;
	struct reader rd;
	struct wt_thread *t;
	HANDLE port;
};

TST_FAMILY_VARIANTS(tf);

FIXTURE_SETUP(tf)
{
	ASSERT_EQ(0, wt_pair_ov(variant->family, &self->c, &self->s, &self->ov));
	self->transmit = wt_transmitfile(self->c);
	ASSERT_NONNULL(self->transmit);
}

FIXTURE_TEARDOWN(tf)
{
	if (self->t)
		wt_thread_join(self->t);
	closesocket(self->c);
	closesocket(self->s);
	wt_close_file(self->file);
	free(self->data);
	free(self->rd.buf);
	WSACloseEvent(self->ov.hEvent);
	if (self->port)
		CloseHandle(self->port);
}

/* A file of @len pattern bytes. */
static HANDLE make_file(FIXTURE_DATA(tf) *self, size_t len)
{
	size_t i;

	self->data = malloc(len ? len : 1);
	if (!self->data)
		return NULL;
	for (i = 0; i < len; i++)
		self->data[i] = pattern(i);
	self->len = len;
	self->file = wt_temp_file(self->data, len);
	return self->file;
}

/* The peer reads @want bytes (then to EOF if asked) on a thread. */
static bool start_reader(FIXTURE_DATA(tf) *self, long want, bool to_eof)
{
	self->rd.s = self->s;
	self->rd.want = want;
	self->rd.to_eof = to_eof;
	self->rd.buf = malloc((size_t)want + 1);
	self->t = self->rd.buf ? wt_thread_start(reader_run, &self->rd) : NULL;
	return self->t != NULL;
}

static void join_reader(FIXTURE_DATA(tf) *self)
{
	wt_thread_join(self->t);
	self->t = NULL;
}

/* Overlapped TransmitFile: 0 once pending (or done), else the error. */
static int transmit(FIXTURE_DATA(tf) *self, HANDLE file, DWORD n,
		    TRANSMIT_FILE_BUFFERS *tb, DWORD flags)
{
	if (self->transmit(self->c, file, n, 0, &self->ov, tb, flags))
		return 0;
	return WSAGetLastError() == WSA_IO_PENDING ? 0 : WSAGetLastError();
}

/* The result of the operation on ov: its byte count, or -error. */
static long result(FIXTURE_DATA(tf) *self)
{
	DWORD bytes = 0, flags = 0;

	if (wt_wait_event(self->ov.hEvent, WAIT_MS))
		return -WSA_WAIT_TIMEOUT;
	if (!WSAGetOverlappedResult(self->c, &self->ov, &bytes, FALSE, &flags))
		return -WSAGetLastError();
	return (long)bytes;
}

/* What the peer got is head, file[off, off + n), tail. */
static bool got_in_order(const FIXTURE_DATA(tf) *self, size_t off, size_t n,
			 bool head, bool tail)
{
	const char *p = self->rd.buf;
	size_t i, want = (head ? HEAD_LEN : 0) + n + (tail ? TAIL_LEN : 0);

	if ((size_t)self->rd.got != want)
		return false;
	if (head) {
		if (memcmp(p, HEAD, HEAD_LEN))
			return false;
		p += HEAD_LEN;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] != pattern(off + i))
			return false;
	return !tail || !memcmp(p + n, TAIL, TAIL_LEN);
}

static void buffers(TRANSMIT_FILE_BUFFERS *tb, bool head, bool tail)
{
	memset(tb, 0, sizeof(*tb));
	if (head) {
		tb->Head = (void *)HEAD;
		tb->HeadLength = HEAD_LEN;
	}
	if (tail) {
		tb->Tail = (void *)TAIL;
		tb->TailLength = TAIL_LEN;
	}
}

/* docs: the head, the file, the tail, in that order; the count is all. */
static void send_whole(struct __test_metadata *_metadata,
		       FIXTURE_DATA(tf) *self, size_t len)
{
	TRANSMIT_FILE_BUFFERS tb;
	long want = (long)(HEAD_LEN + len + TAIL_LEN);

	ASSERT_NONNULL(make_file(self, len));
	buffers(&tb, true, true);
	ASSERT_TRUE(start_reader(self, want, false));
	ASSERT_EQ(0, transmit(self, self->file, 0, &tb, 0));
	EXPECT_EQ(want, result(self));
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 0, len, true, true));
}

TEST_F(tf, head_file_tail_64k)
{
	send_whole(_metadata, self, 64 * 1024);
}

TEST_F(tf, head_file_tail_8m)
{
	send_whole(_metadata, self, BIG);
}

/* An empty file: head and tail only, 0 bytes of it. */
TEST_F(tf, empty_file_head_tail)
{
	send_whole(_metadata, self, 0);
}

/* docs: nNumberOfBytesToWrite bytes from Offset/OffsetHigh. */
TEST_F(tf, offset_and_count)
{
	TRANSMIT_FILE_BUFFERS tb;

	ASSERT_NONNULL(make_file(self, 64 * 1024));
	buffers(&tb, true, true);
	ASSERT_TRUE(start_reader(self, HEAD_LEN + 1000 + TAIL_LEN, false));
	self->ov.Offset = 4097;
	ASSERT_EQ(0, transmit(self, self->file, 1000, &tb, 0));
	EXPECT_EQ(HEAD_LEN + 1000 + TAIL_LEN, result(self));
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 4097, 1000, true, true));
}

/* The whole file from the offset when the count is 0. */
TEST_F(tf, offset_rest_of_file)
{
	ASSERT_NONNULL(make_file(self, 100000));
	ASSERT_TRUE(start_reader(self, 100000 - 60000, false));
	self->ov.Offset = 60000;
	ASSERT_EQ(0, transmit(self, self->file, 0, NULL, 0));
	EXPECT_EQ(100000 - 60000, result(self));
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 60000, 100000 - 60000, false, false));
}

/* docs: hFile NULL sends only the buffers. */
TEST_F(tf, no_file)
{
	TRANSMIT_FILE_BUFFERS tb;

	buffers(&tb, true, true);
	ASSERT_TRUE(start_reader(self, HEAD_LEN + TAIL_LEN, false));
	ASSERT_EQ(0, transmit(self, NULL, 0, &tb, 0));
	EXPECT_EQ(HEAD_LEN + TAIL_LEN, result(self));
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 0, 0, true, true));
}

/* A tail without a head; the buffers may be reused once the call returns. */
TEST_F(tf, tail_only_buffer_reusable)
{
	TRANSMIT_FILE_BUFFERS tb;
	char tail[TAIL_LEN];

	ASSERT_NONNULL(make_file(self, 5000));
	memcpy(tail, TAIL, TAIL_LEN);
	memset(&tb, 0, sizeof(tb));
	tb.Tail = tail;
	tb.TailLength = TAIL_LEN;
	ASSERT_TRUE(start_reader(self, 5000 + TAIL_LEN, false));
	ASSERT_EQ(0, transmit(self, self->file, 0, &tb, 0));
	if (wt_on_linux())
		memset(tail, 'X', sizeof(tail));
	EXPECT_EQ(5000 + TAIL_LEN, result(self));
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 0, 5000, false, true));
}

/* Blocking (lpOverlapped NULL): TRUE, from the file's position, 0 here. */
TEST_F(tf, blocking)
{
	TRANSMIT_FILE_BUFFERS tb;

	ASSERT_NONNULL(make_file(self, 200000));
	buffers(&tb, true, true);
	ASSERT_TRUE(start_reader(self, HEAD_LEN + 200000 + TAIL_LEN, false));
	EXPECT_TRUE(self->transmit(self->c, self->file, 0, 0, NULL, &tb, 0));
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 0, 200000, true, true));
}

/* nNumberOfBytesPerSend only cuts the sends: the bytes are the same. */
TEST_F(tf, per_send)
{
	ASSERT_NONNULL(make_file(self, 50000));
	ASSERT_TRUE(start_reader(self, 50000, false));
	ASSERT_TRUE(self->transmit(self->c, self->file, 0, 1000, &self->ov,
				   NULL, 0) ||
		    WSAGetLastError() == WSA_IO_PENDING);
	EXPECT_EQ(50000, result(self));
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 0, 50000, false, false));
}

/* The packet on the socket's port, with its key and the byte count. */
TEST_F(tf, port_packet)
{
	TRANSMIT_FILE_BUFFERS tb;
	struct wt_packet p;
	HANDLE port;

	ASSERT_NONNULL(make_file(self, 30000));
	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	ASSERT_NONNULL(port);
	self->port = port;
	ASSERT_EQ(port, CreateIoCompletionPort(wt_handle(self->c), port, KEY,
					       0));
	buffers(&tb, true, false);
	ASSERT_TRUE(start_reader(self, HEAD_LEN + 30000, false));
	WSACloseEvent(self->ov.hEvent);
	self->ov.hEvent = NULL;
	ASSERT_EQ(0, transmit(self, self->file, 0, &tb, 0));
	ASSERT_TRUE(wt_port_get(port, WAIT_MS, &p));
	EXPECT_EQ(KEY, p.key);
	EXPECT_EQ(&self->ov, p.ov);
	EXPECT_EQ(HEAD_LEN + 30000, p.bytes);
	join_reader(self);
	EXPECT_TRUE(got_in_order(self, 0, 30000, true, false));
	self->ov.hEvent = WSACreateEvent();
}

/* ---- errors at once ---- */

TEST_F(tf, unconnected_is_enotconn)
{
	SOCKET u = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);

	ASSERT_NE(INVALID_SOCKET, u);
	self->ov.InternalHigh = 0x5eed;
	EXPECT_FALSE(self->transmit(u, NULL, 0, 0, &self->ov, NULL, 0));
	EXPECT_EQ(WSAENOTCONN, WSAGetLastError());
	closesocket(u);
}

TEST_F(tf, not_a_socket)
{
	EXPECT_FALSE(self->transmit(INVALID_SOCKET, NULL, 0, 0, &self->ov,
				    NULL, 0));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
}

/* docs: TF_REUSE_SOCKET is valid only with TF_DISCONNECT. */
TEST_F(tf, reuse_without_disconnect)
{
	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_REUSE_SOCKET in TransmitFile");
	self->ov.InternalHigh = 0x5eed;
	EXPECT_FALSE(self->transmit(self->c, NULL, 0, 0, &self->ov, NULL,
				    TF_REUSE_SOCKET));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	WT_EXPECT_NO_COMPLETION(&self->ov);
}

/*
 * docs: at most 2,147,483,646 bytes in one call; Windows refuses more
 * with WSAEINVAL (invalid parameter).
 */
TEST_F(tf, count_too_big)
{
	if (wt_on_wine())
		SKIP(return, "Wine 8 accepts a count above 2,147,483,646 and sends what the file has");
	ASSERT_NONNULL(make_file(self, 10));
	self->ov.InternalHigh = 0x5eed;
	EXPECT_FALSE(self->transmit(self->c, self->file, 2147483647U, 0,
				    &self->ov, NULL, 0));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	WT_EXPECT_NO_COMPLETION(&self->ov);
}

/* ---- the disconnect after it, and the socket reused ---- */

/*
 * docs: TF_DISCONNECT | TF_REUSE_SOCKET ends with the reusable disconnect:
 * the peer sees everything, then a FIN; the same socket connects again.
 */
TEST_F(tf, disconnect_reuse_connectex)
{
	struct sockaddr_storage laddr;
	TRANSMIT_FILE_BUFFERS tb;
	char buf[8];
	SOCKET l;
	int llen;

	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_DISCONNECT and TF_REUSE_SOCKET");
	ASSERT_NONNULL(make_file(self, 64 * 1024));
	buffers(&tb, true, true);
	ASSERT_TRUE(start_reader(self, HEAD_LEN + 64 * 1024 + TAIL_LEN, true));
	ASSERT_EQ(0, transmit(self, self->file, 0, &tb,
			      TF_DISCONNECT | TF_REUSE_SOCKET));
	/* The peer reads to the FIN, then closes: the disconnect's end. */
	join_reader(self);
	EXPECT_EQ(0, self->rd.end);
	EXPECT_TRUE(got_in_order(self, 0, 64 * 1024, true, true));
	closesocket(self->s);
	self->s = INVALID_SOCKET;
	EXPECT_EQ((long)(HEAD_LEN + 64 * 1024 + TAIL_LEN), result(self));

	/* The same SOCKET, unconnected again: ConnectEx. */
	l = wt_listener(variant->family, &laddr, &llen);
	ASSERT_NE(INVALID_SOCKET, l);
	ASSERT_EQ(0, wt_connectex_start(self->c, &laddr, llen, "again", 5,
					&self->ov));
	EXPECT_EQ(5, result(self));
	WT_EXPECT_ACCEPTED(l, buf, "again", 5, WAIT_MS);
	closesocket(l);
}

/*
 * The server side: an AcceptEx'd socket answers with TransmitFile and
 * TF_DISCONNECT | TF_REUSE_SOCKET, then AcceptEx takes it again.
 */
TEST_F(tf, disconnect_reuse_acceptex)
{
	char abuf[2 * 64];
	struct sockaddr_storage laddr;
	TRANSMIT_FILE_BUFFERS tb;
	SOCKET l, a, cl;
	int llen, round;
	long end_bytes;

	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_DISCONNECT and TF_REUSE_SOCKET");
	ASSERT_NONNULL(make_file(self, 20000));
	l = wt_listener(variant->family, &laddr, &llen);
	ASSERT_NE(INVALID_SOCKET, l);
	a = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, a);
	buffers(&tb, true, true);
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, wt_acceptex_start(l, a, abuf, 0, variant->family,
					       &self->ov));
		cl = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
		ASSERT_NE(INVALID_SOCKET, cl);
		ASSERT_EQ(0, connect(cl, (struct sockaddr *)&laddr, llen));
		ASSERT_EQ(0, result(self));
		/* The server answers with the file and disconnects. */
		ASSERT_TRUE(self->transmit(a, self->file, 0, 0, &self->ov, &tb,
					   TF_DISCONNECT | TF_REUSE_SOCKET) ||
			    WSAGetLastError() == WSA_IO_PENDING);
		end_bytes = 0;
		EXPECT_EQ(0, wt_read_to_end(cl, &end_bytes, WAIT_MS));
		EXPECT_EQ((long)(HEAD_LEN + 20000 + TAIL_LEN), end_bytes);
		closesocket(cl);
		EXPECT_EQ((long)(HEAD_LEN + 20000 + TAIL_LEN), result(self));
	}
	closesocket(a);
	closesocket(l);
}

/* docs: TF_DISCONNECT alone - the peer sees the data, then a FIN. */
TEST_F(tf, disconnect_only)
{
	if (wt_on_wine())
		SKIP(return, "Wine ignores TF_DISCONNECT");
	ASSERT_NONNULL(make_file(self, 10000));
	ASSERT_TRUE(start_reader(self, 10000, true));
	ASSERT_EQ(0, transmit(self, self->file, 0, NULL, TF_DISCONNECT));
	join_reader(self);
	EXPECT_EQ(0, self->rd.end);
	EXPECT_TRUE(got_in_order(self, 0, 10000, false, false));
	closesocket(self->s);
	self->s = INVALID_SOCKET;
	EXPECT_EQ(10000, result(self));
	/* Nothing more goes out on it. */
	EXPECT_EQ(SOCKET_ERROR, send(self->c, "x", 1, 0));
}

/* ---- cancellation ---- */

/*
 * A transfer the peer does not read stalls; CancelIoEx ends it with
 * ERROR_OPERATION_ABORTED (STATUS_CANCELLED), at once.
 */
TEST_F(tf, cancel_stalled)
{
	int64_t t0;

	ASSERT_NONNULL(make_file(self, 4 * BIG));
	ASSERT_EQ(0, transmit(self, self->file, 0, NULL, 0));
	wt_sleep_ms(300);
	EXPECT_FALSE(HasOverlappedIoCompleted(&self->ov));
	t0 = wt_now_ms();
	EXPECT_TRUE(CancelIoEx(wt_handle(self->c), &self->ov));
	EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, 2000));
	EXPECT_LT(wt_now_ms() - t0, 2000);
	EXPECT_EQ(NT_CANCELLED, self->ov.Internal);
	EXPECT_EQ(-(long)ERROR_OPERATION_ABORTED, result(self));
}

/*
 * closesocket() of a stalled transfer ends it with an error, at once
 * (docs, closesocket: pending overlapped sends are cancelled).
 */
TEST_F(tf, closesocket_stalled)
{
	if (wt_on_wine())
		SKIP(return, "Wine 8 leaves a TransmitFile pending after closesocket()");
	ASSERT_NONNULL(make_file(self, 4 * BIG));
	ASSERT_EQ(0, transmit(self, self->file, 0, NULL, 0));
	wt_sleep_ms(300);
	EXPECT_FALSE(HasOverlappedIoCompleted(&self->ov));
	closesocket(self->c);
	self->c = INVALID_SOCKET;
	EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, 2000));
	EXPECT_NE(0U, self->ov.Internal);
	EXPECT_NE((ULONG_PTR)STATUS_PENDING, self->ov.Internal);
}

TEST_HARNESS_MAIN
