// SPDX-License-Identifier: GPL-2.0
/*
 * AcceptEx at its edges, on the emulated backend: the descriptor swap racing
 * closesocket() and CancelIoEx() (made deterministic by leaving the accept's
 * CQE unreaped on a completion port until the test calls
 * GetQueuedCompletionStatus), non-blocking sockets, many AcceptEx on one
 * listener, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on the listener, a
 * dual-stack listener, a client that resets before sending, and the option
 * record a recycled number must not lose.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"
#include <windows.h>

#define SLOT	(sizeof(struct sockaddr_in6) + 16)
#define RX	16
#define BUFSZ	(RX + 2 * SLOT)

static HANDLE h(SOCKET s)
{
	return (HANDLE)(ULONG_PTR)s;
}

FIXTURE(ae) {
	SOCKET l, a;
	int c;
	HANDLE port;
	OVERLAPPED ov;
	char buf[BUFSZ];
	struct tst_addr addr;
};

FIXTURE_SETUP(ae)
{
	WSADATA wd;

	ASSERT_EQ(0, setenv("DCX_BACKEND", "emulated", 1));
	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd));
	self->c = -1;
	self->port = NULL;
	memset(&self->ov, 0, sizeof(self->ov));
	self->l = tst_listen(AF_INET, 1024, &self->addr);
	ASSERT_GE(self->l, 0);
	self->a = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(self->a, 0);
}

FIXTURE_TEARDOWN(ae)
{
	if (self->c >= 0)
		close(self->c);
	closesocket(self->a);
	closesocket(self->l);
	tst_sleep_ms(50);
	if (self->port)
		CloseHandle(self->port);
}

/* The listener on a fresh port (key 7); no event: the port reaps. */
static int use_port(FIXTURE_DATA(ae) *self)
{
	self->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	if (!self->port)
		return -1;
	return CreateIoCompletionPort(h(self->l), self->port, 7, 0) ? 0 : -1;
}

/*
 * The non-blocking tests' start: the listener on a fresh port (use_port())
 * and @s, the listener or the accept socket, made non-blocking as a program
 * makes it, with ioctlsocket(FIONBIO): 0, or -1.
 */
static int use_port_nonblocking(FIXTURE_DATA(ae) *self, SOCKET s)
{
	u_long on = 1;

	if (use_port(self))
		return -1;
	return ioctlsocket(s, FIONBIO, &on) ? -1 : 0;
}

/* AcceptEx(l, a) with @rxlen: 0 when pending, else the error. */
static int start_on(SOCKET l, SOCKET a, char *buf, DWORD rxlen,
		    OVERLAPPED *ov)
{
	DWORD got = 0;

	if (AcceptEx(l, a, buf, rxlen, SLOT, SLOT, &got, ov))
		return 0;
	return WSAGetLastError() == WSA_IO_PENDING ? 0 : WSAGetLastError();
}

/*
 * The fixture's AcceptEx (@rxlen) started, and a client connecting to the
 * listener (self->c): 0, or what failed (start_on()'s error, -errno).
 */
static int accept_client(FIXTURE_DATA(ae) *self, DWORD rxlen)
{
	int err = start_on(self->l, self->a, self->buf, rxlen, &self->ov);

	if (err)
		return err;
	self->c = tst_connect(-1, &self->addr);
	return self->c < 0 ? self->c : 0;
}

/* One packet from @port: 0 or the Win32 error; bytes and ov out. */
static int dequeue(HANDLE port, DWORD *bytes, OVERLAPPED **ov, DWORD ms)
{
	ULONG_PTR key = 0;

	*ov = NULL;
	if (GetQueuedCompletionStatus(port, bytes, &key, ov, ms))
		return 0;
	return (int)GetLastError();
}

static bool is_connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return !getpeername(fd, (struct sockaddr *)&ss, &len);
}

/*
 * CancelIoEx() on the listener while the AcceptEx waits for the first data:
 * it completes with ERROR_OPERATION_ABORTED - so the connection must not be
 * left behind the accept socket, connected to a client nobody serves and
 * that never sees its end; the accept socket stays a fresh one, reusable.
 */
TEST_F(ae, cancel_in_receive_stage_leaves_accept_socket_fresh)
{
	OVERLAPPED *got;
	DWORD bytes;
	size_t n = 0;

	ASSERT_EQ(0, use_port(self));
	ASSERT_EQ(0, accept_client(self, RX));
	/* Reaps the accept (swap, receive queued); no packet yet. */
	ASSERT_EQ(WAIT_TIMEOUT, dequeue(self->port, &bytes, &got, 300));
	ASSERT_TRUE(CancelIoEx(h(self->l), &self->ov));
	ASSERT_EQ(ERROR_OPERATION_ABORTED,
		  dequeue(self->port, &bytes, &got, 2000));
	ASSERT_EQ(&self->ov, got);
	EXPECT_FALSE(is_connected(self->a));
	/* The client learns that nobody will serve it. */
	EXPECT_NE(-ETIMEDOUT, tst_read_to_end(self->c, &n, 2000));
}

/*
 * The same with the cancel landing after the kernel accepted but before the
 * CQE is reaped: the swap must not happen for an aborted operation.
 */
TEST_F(ae, cancel_before_reap_rxlen_leaves_accept_socket_fresh)
{
	OVERLAPPED *got;
	DWORD bytes;

	ASSERT_EQ(0, use_port(self));
	ASSERT_EQ(0, accept_client(self, RX));
	tst_sleep_ms(100);	/* the accept's CQE is in the port's ring */
	ASSERT_TRUE(CancelIoEx(h(self->l), &self->ov));
	ASSERT_EQ(ERROR_OPERATION_ABORTED,
		  dequeue(self->port, &bytes, &got, 2000));
	EXPECT_FALSE(is_connected(self->a));
}

/*
 * closesocket() of the accept socket while the accept's CQE waits, then a
 * new socket takes the number and the program sets an option on it: the
 * aborted accept must neither touch the number (still the new socket) nor
 * forget the new socket's options - an AcceptEx into it carries them.
 */
TEST_F(ae, close_and_reuse_number_keeps_new_sockets_options)
{
	OVERLAPPED ov2, *got;
	struct stat st1, st2;
	SOCKET old = self->a, a2;
	DWORD bytes;
	int one = 1, c2;

	ASSERT_EQ(0, use_port(self));
	ASSERT_EQ(0, accept_client(self, 0));
	tst_sleep_ms(100);
	ASSERT_EQ(0, closesocket(self->a));
	a2 = socket(AF_INET, SOCK_STREAM, 0);
	self->a = a2;
	ASSERT_EQ(old, a2);
	ASSERT_EQ(0, dcx_ws_setsockopt(a2, SOL_SOCKET, SO_KEEPALIVE,
				       (const char *)&one, sizeof(one)));
	ASSERT_EQ(0, fstat((int)a2, &st1));
	/* Windows: closing the accept socket aborts with 995, not 1236. */
	EXPECT_EQ(ERROR_OPERATION_ABORTED,
		  dequeue(self->port, &bytes, &got, 2000));
	ASSERT_EQ(0, fstat((int)a2, &st2));
	ASSERT_EQ(st1.st_ino, st2.st_ino);	/* the number left alone */

	memset(&ov2, 0, sizeof(ov2));
	ASSERT_EQ(0, start_on(self->l, a2, self->buf, 0, &ov2));
	c2 = tst_connect(-1, &self->addr);
	ASSERT_GE(c2, 0);
	ASSERT_EQ(0, dequeue(self->port, &bytes, &got, 2000));
	ASSERT_EQ(&ov2, got);
	EXPECT_TRUE(is_connected(a2));
	EXPECT_EQ(1, tst_get_int_opt((int)a2, SOL_SOCKET, SO_KEEPALIVE));
	close(c2);
}

/*
 * closesocket() of the accept socket, another file opened at the number,
 * then the accept's CQE reaped: that file must stay what the number names.
 */
TEST_F(ae, close_accept_socket_then_other_file_takes_number)
{
	OVERLAPPED *got;
	struct stat st;
	SOCKET old = self->a;
	DWORD bytes;
	int efd;

	ASSERT_EQ(0, use_port(self));
	ASSERT_EQ(0, accept_client(self, RX));
	tst_sleep_ms(100);
	ASSERT_EQ(0, closesocket(self->a));
	efd = eventfd(0, 0);
	ASSERT_EQ((int)old, efd);
	self->a = INVALID_SOCKET;
	EXPECT_EQ(ERROR_OPERATION_ABORTED,
		  dequeue(self->port, &bytes, &got, 2000));
	ASSERT_EQ(0, fstat(efd, &st));
	EXPECT_FALSE(S_ISSOCK(st.st_mode));
	close(efd);
}

/* A non-blocking listener (ioctlsocket FIONBIO): AcceptEx still waits. */
TEST_F(ae, nonblocking_listener_waits_for_client)
{
	OVERLAPPED *got;
	DWORD bytes;

	ASSERT_EQ(0, use_port_nonblocking(self, self->l));
	ASSERT_EQ(0, start_on(self->l, self->a, self->buf, 0, &self->ov));
	ASSERT_EQ(WAIT_TIMEOUT, dequeue(self->port, &bytes, &got, 200));
	self->c = tst_connect(-1, &self->addr);
	ASSERT_GE(self->c, 0);
	ASSERT_EQ(0, dequeue(self->port, &bytes, &got, 2000));
	EXPECT_TRUE(is_connected(self->a));
}

/* A non-blocking accept socket with rxlen: completes on the data. */
TEST_F(ae, nonblocking_accept_socket_waits_for_data)
{
	OVERLAPPED *got;
	DWORD bytes;

	ASSERT_EQ(0, use_port_nonblocking(self, self->a));
	ASSERT_EQ(0, accept_client(self, RX));
	ASSERT_EQ(WAIT_TIMEOUT, dequeue(self->port, &bytes, &got, 300));
	ASSERT_EQ(5, write(self->c, "hello", 5));
	ASSERT_EQ(0, dequeue(self->port, &bytes, &got, 2000));
	EXPECT_EQ(5, bytes);
	EXPECT_EQ(0, memcmp(self->buf, "hello", 5));
	/* Still non-blocking, as the program made it. */
	EXPECT_TRUE(fcntl((int)self->a, F_GETFL) & O_NONBLOCK);
}

/* Skip-on-success concerns operations done at once: AcceptEx never is. */
TEST_F(ae, skip_on_success_listener_still_gets_packet)
{
	OVERLAPPED *got;
	DWORD bytes;

	ASSERT_EQ(0, use_port(self));
	ASSERT_TRUE(SetFileCompletionNotificationModes(h(self->l),
				FILE_SKIP_COMPLETION_PORT_ON_SUCCESS));
	ASSERT_EQ(0, accept_client(self, 0));
	ASSERT_EQ(0, dequeue(self->port, &bytes, &got, 2000));
	ASSERT_EQ(&self->ov, got);
	EXPECT_TRUE(is_connected(self->a));
}

/* A client that resets before its first byte: ERROR_NETNAME_DELETED. */
TEST_F(ae, client_resets_before_data)
{
	OVERLAPPED *got;
	DWORD bytes;

	ASSERT_EQ(0, use_port(self));
	ASSERT_EQ(0, accept_client(self, RX));
	ASSERT_EQ(WAIT_TIMEOUT, dequeue(self->port, &bytes, &got, 200));
	tst_reset_close(self->c);
	self->c = -1;
	EXPECT_EQ(ERROR_NETNAME_DELETED,
		  dequeue(self->port, &bytes, &got, 2000));
	EXPECT_EQ(&self->ov, got);
}

#define MANY 8

/* Eight AcceptEx on one listener, two served, the listener closed. */
TEST_F(ae, listener_closed_with_many_pending)
{
	SOCKET s[MANY];
	OVERLAPPED ov[MANY], *got;
	static char bufs[MANY][BUFSZ];
	int i, ok = 0, aborted = 0, other = 0, c[2], err;
	DWORD bytes;

	ASSERT_EQ(0, use_port(self));
	for (i = 0; i < MANY; i++) {
		s[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_GE(s[i], 0);
		memset(&ov[i], 0, sizeof(ov[i]));
		ASSERT_EQ(0, start_on(self->l, s[i], bufs[i], 0, &ov[i]));
	}
	for (i = 0; i < 2; i++) {
		c[i] = tst_connect(-1, &self->addr);
		ASSERT_GE(c[i], 0);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, dequeue(self->port, &bytes, &got, 2000));
	ASSERT_EQ(0, closesocket(self->l));
	self->l = INVALID_SOCKET;
	for (i = 0; i < MANY - 2; i++) {
		err = dequeue(self->port, &bytes, &got, 2000);
		if (err == ERROR_OPERATION_ABORTED)
			aborted++;
		else if (!err)
			ok++;
		else
			other++;
	}
	EXPECT_EQ(MANY - 2, aborted);
	EXPECT_EQ(0, ok + other);
	EXPECT_EQ(WAIT_TIMEOUT, dequeue(self->port, &bytes, &got, 100));
	for (i = 0; i < MANY; i++) {
		int n = is_connected(s[i]);

		ok += n;
		closesocket(s[i]);
	}
	EXPECT_EQ(2, ok);
	close(c[0]);
	close(c[1]);
}

/* An IPv4 client on a dual-stack AF_INET6 listener: mapped addresses. */
TEST(v4mapped_client_on_dual_stack_listener)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr *loc, *rem;
	char buf[BUFSZ];
	OVERLAPPED ov, *got;
	socklen_t len = sizeof(sin6);
	SOCKET l, a;
	HANDLE port;
	INT ll, rl;
	DWORD bytes;
	WSADATA wd;
	int c, off = 0;

	ASSERT_EQ(0, setenv("DCX_BACKEND", "emulated", 1));
	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &wd));
	l = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_GE(l, 0);
	ASSERT_EQ(0, setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &off,
				sizeof(off)));
	sin6.sin6_addr = in6addr_any;
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sin6, sizeof(sin6)));
	ASSERT_EQ(0, listen(l, 16));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&sin6, &len));
	a = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_GE(a, 0);
	/* Linux refuses IPV6_V6ONLY on the connected socket: not carried. */
	ASSERT_EQ(0, dcx_ws_setsockopt(a, IPPROTO_IPV6, IPV6_V6ONLY,
				       (const char *)&off, sizeof(off)));
	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	ASSERT_NE(NULL, port);
	ASSERT_NE(NULL, CreateIoCompletionPort(h(l), port, 1, 0));
	memset(&ov, 0, sizeof(ov));
	ASSERT_EQ(0, start_on(l, a, buf, 0, &ov));
	c = socket(AF_INET, SOCK_STREAM, 0);
	to.sin_port = sin6.sin6_port;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&to, sizeof(to)));
	ASSERT_EQ(0, dequeue(port, &bytes, &got, 2000));
	GetAcceptExSockaddrs(buf, 0, SLOT, SLOT, &loc, &ll, &rem, &rl);
	EXPECT_EQ(AF_INET6, loc->sa_family);
	EXPECT_EQ(AF_INET6, rem->sa_family);
	EXPECT_EQ((INT)sizeof(struct sockaddr_in6), rl);
	EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(
		&((struct sockaddr_in6 *)rem)->sin6_addr));
	EXPECT_TRUE(is_connected(a));
	close(c);
	closesocket(a);
	closesocket(l);
	tst_sleep_ms(50);
	CloseHandle(port);
}

TEST_HARNESS_MAIN
