// SPDX-License-Identifier: GPL-2.0
/*
 * The BSD-named Winsock calls as Windows behaves (docs/WINDOWS.md,
 * "WSAGetLastError for every Winsock call"): every failure reported through
 * WSAGetLastError() with Windows' number, a success clearing it, GetLastError()
 * the same value, and where Linux's own calls would behave otherwise - SIGPIPE,
 * EINPROGRESS, listen() binding on its own, select()'s first argument and
 * readiness - what Windows does. Against the Windows API only: the same source
 * runs on Windows/Wine, on the host (emulated backend) and in the VM.
 *
 * Each test names its source: a function's page in Microsoft's documentation
 * ("docs"), or the test in Wine's dlls/ws2_32/tests/sock.c that checks the
 * same fact on Windows.
 */
#include "wintest.h"
#include "tst_variants.h"

#include <errno.h>
#include <limits.h>
#ifndef _WIN32
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#endif

#define WAIT_MS		5000
/* A last error no call sets. */
#define DEADBEEF	((int)0xdeadbeef)

/* ---- helpers ------------------------------------------------------------- */

/* The loopback address of @family, port @port (network order). */
static int loopback(int family, struct sockaddr_storage *ss,
		    unsigned short port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = port;
		return sizeof(*sin6);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	((struct sockaddr_in *)ss)->sin_port = port;
	return sizeof(struct sockaddr_in);
}

static unsigned short port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ((const struct sockaddr_in6 *)ss)->sin6_port;
	return ((const struct sockaddr_in *)ss)->sin_port;
}

/* A loopback address where nothing listens: a port bound, then released. */
static int closed_port(int family, struct sockaddr_storage *ss)
{
	SOCKET s = socket(family, SOCK_STREAM, IPPROTO_TCP);
	int len = loopback(family, ss, 0);

	if (s == INVALID_SOCKET)
		return 0;
	if (bind(s, (struct sockaddr *)ss, len) ||
	    getsockname(s, (struct sockaddr *)ss, &len))
		len = 0;
	closesocket(s);
	return len;
}

/* Close @s with an RST: SO_LINGER on, zero seconds. */
static void close_with_rst(SOCKET s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof(lg));
	closesocket(s);
}

static int sock_type(SOCKET s)
{
	int type = -1, len = sizeof(type);

	if (getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &len))
		return -1;
	return type;
}

/*
 * select() with @s alone in each of the sets @r, @w, @e that is not NULL,
 * waiting up to @ms: its result.
 */
static int select_one(SOCKET s, fd_set *r, fd_set *w, fd_set *e, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	fd_set *sets[] = { r, w, e };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sets); i++) {
		if (sets[i]) {
			FD_ZERO(sets[i]);
			FD_SET(s, sets[i]);
		}
	}
	return select(0, r, w, e, &tv);
}

/* @ss, its address made the wildcard of its family (its port kept). */
static void any_address(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_any;
	else
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_ANY);
}

/*
 * *@ss becomes the fixture's address made the wildcard (any_address()),
 * which Windows refuses as a peer. Wine passes it on to Linux, which @does
 * to the local host instead: under Wine the test skips.
 */
#define WILDCARD_OR_SKIP(ss, does)					\
	do {								\
		if (wt_on_wine())					\
			SKIP(return, "Wine passes the address to Linux, " \
			     "which " does " to the local host");	\
		*(ss) = self->addr;					\
		any_address(ss);					\
	} while (0)

/*
 * Where Wine 8 does otherwise than Windows and later Wine passes the sock.c
 * @test that checks it: under Wine the test skips, saying what Wine 8 @does.
 */
#define SKIP_ON_WINE_8(does, test)					\
	do {								\
		if (wt_on_wine())					\
			SKIP(return, "Wine 8 " does " (later Wine "	\
			     "passes sock.c " test ")");			\
	} while (0)

/*
 * SO_RCVTIMEO of @s set from the @len bytes at @v, then read back: the DWORD
 * into *ms, its length into *mslen. 0, or the WSA error of the call that
 * failed.
 */
static int rcvtimeo_set_get(SOCKET s, const void *v, int len, DWORD *ms,
			    int *mslen)
{
	*mslen = sizeof(*ms);
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, v, len) ||
	    getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)ms, mslen))
		return WSAGetLastError();
	return 0;
}

/* After 200 ms, one byte on the socket *@arg. */
static int send_later(void *arg)
{
	wt_sleep_ms(200);
	send(*(SOCKET *)arg, "x", 1, 0);
	return 0;
}

/* ---- the last error itself ----------------------------------------------- */

/* docs, WSAGetLastError: the value GetLastError() reads. */
TEST(last_error_is_getlasterror)
{
	SetLastError(ERROR_INVALID_PARAMETER);
	EXPECT_EQ(ERROR_INVALID_PARAMETER, WSAGetLastError());
	WSASetLastError(WSAECONNRESET);
	EXPECT_EQ((DWORD)WSAECONNRESET, GetLastError());
	SetLastError(0);
	EXPECT_EQ(0, WSAGetLastError());
}

/*
 * Errors of socket creation (sock.c test_WSASocket): an unknown type is
 * checked first, AF_UNSPEC with protocol 0 is WSAEINVAL, type 0 takes the
 * protocol's type; a success clears the last error.
 */
TEST(socket_arguments)
{
	SOCKET s;

	wt_init();
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(INVALID_SOCKET, socket(0xdead, SOCK_STREAM, IPPROTO_TCP));
	EXPECT_EQ(WSAEAFNOSUPPORT, WSAGetLastError());
	EXPECT_EQ(INVALID_SOCKET, socket(AF_INET, 0xdead, IPPROTO_TCP));
	EXPECT_EQ(WSAESOCKTNOSUPPORT, WSAGetLastError());
	EXPECT_EQ(INVALID_SOCKET, socket(0xdead, 0xdead, IPPROTO_TCP));
	EXPECT_EQ(WSAESOCKTNOSUPPORT, WSAGetLastError());
	EXPECT_EQ(INVALID_SOCKET, socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	EXPECT_EQ(WSAEPROTONOSUPPORT, WSAGetLastError());
	EXPECT_EQ(INVALID_SOCKET, socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
	EXPECT_EQ(WSAEPROTONOSUPPORT, WSAGetLastError());
	EXPECT_EQ(INVALID_SOCKET, socket(AF_INET, SOCK_STREAM, -1));
	EXPECT_EQ(WSAEPROTONOSUPPORT, WSAGetLastError());
	EXPECT_EQ(INVALID_SOCKET, socket(AF_UNSPEC, SOCK_STREAM, 0));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());

	WSASetLastError(DEADBEEF);
	s = socket(AF_INET, 0, IPPROTO_UDP);
	ASSERT_NE(INVALID_SOCKET, s);
	EXPECT_EQ(0, WSAGetLastError());
	EXPECT_EQ(SOCK_DGRAM, sock_type(s));
	closesocket(s);
	s = socket(AF_INET, 0, 0);
	ASSERT_NE(INVALID_SOCKET, s);
	EXPECT_EQ(SOCK_STREAM, sock_type(s));
	closesocket(s);
	s = socket(AF_UNSPEC, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, s);
	EXPECT_EQ(SOCK_STREAM, sock_type(s));
	closesocket(s);
}

/* WSASocket, with and without flags (test_WSASocket). */
TEST(wsasocket)
{
	SOCKET s;

	wt_init();
	WSASetLastError(DEADBEEF);
	s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
		       WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, s);
	EXPECT_EQ(0, WSAGetLastError());
	closesocket(s);
	s = WSASocketA(AF_INET6, SOCK_DGRAM, IPPROTO_UDP, NULL, 0,
		       WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
	if (s != INVALID_SOCKET)
		closesocket(s);
	else
		EXPECT_EQ(WSAEAFNOSUPPORT, WSAGetLastError());
	EXPECT_EQ(INVALID_SOCKET, WSASocketA(AF_INET, 0xdead, IPPROTO_TCP,
					     NULL, 0, 0));
	EXPECT_EQ(WSAESOCKTNOSUPPORT, WSAGetLastError());
}

/*
 * A socket that is not one (here INVALID_SOCKET): WSAENOTSOCK from every
 * call (sock.c test_listen, test_getpeername, test_WithWSAStartup ...).
 */
TEST(invalid_socket_is_enotsock)
{
	struct sockaddr_storage ss;
	int len = loopback(AF_INET, &ss, 0), v = 1, n = sizeof(v);
	u_long arg = 1;
	char c = 0;

	wt_init();
#define ENOTSOCK_AFTER(call) WT_EXPECT_WSA_ERROR(WSAENOTSOCK, call)
	ENOTSOCK_AFTER(bind(INVALID_SOCKET, (struct sockaddr *)&ss, len));
	ENOTSOCK_AFTER(listen(INVALID_SOCKET, 1));
	ENOTSOCK_AFTER(accept(INVALID_SOCKET, NULL, NULL));
	ENOTSOCK_AFTER(connect(INVALID_SOCKET, (struct sockaddr *)&ss, len));
	ENOTSOCK_AFTER(send(INVALID_SOCKET, &c, 1, 0));
	ENOTSOCK_AFTER(recv(INVALID_SOCKET, &c, 1, 0));
	ENOTSOCK_AFTER(sendto(INVALID_SOCKET, &c, 1, 0,
			      (struct sockaddr *)&ss, len));
	ENOTSOCK_AFTER(recvfrom(INVALID_SOCKET, &c, 1, 0, NULL, NULL));
	ENOTSOCK_AFTER(shutdown(INVALID_SOCKET, SD_BOTH));
	ENOTSOCK_AFTER(setsockopt(INVALID_SOCKET, SOL_SOCKET, SO_KEEPALIVE,
				  (const char *)&v, sizeof(v)));
	ENOTSOCK_AFTER(getsockopt(INVALID_SOCKET, SOL_SOCKET, SO_TYPE,
				  (char *)&v, &n));
	ENOTSOCK_AFTER(getsockname(INVALID_SOCKET, (struct sockaddr *)&ss,
				   &len));
	ENOTSOCK_AFTER(getpeername(INVALID_SOCKET, (struct sockaddr *)&ss,
				   &len));
	ENOTSOCK_AFTER(ioctlsocket(INVALID_SOCKET, FIONBIO, &arg));
	ENOTSOCK_AFTER(closesocket(INVALID_SOCKET));
#undef ENOTSOCK_AFTER
}

/* select() needs a socket: no set at all, or empty sets, is WSAEINVAL
 * (test_select). */
TEST(select_without_sockets_is_einval)
{
	struct timeval tv = { 0, 1000 };
	fd_set r, w, e;

	wt_init();
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	WT_EXPECT_WSA_ERROR(WSAEINVAL, select(0, NULL, NULL, NULL, &tv));
	WT_EXPECT_WSA_ERROR(WSAEINVAL, select(0, &r, &w, &e, &tv));
}

/*
 * An IPv6 socket is IPv6-only unless told otherwise (docs, "Dual-Stack
 * Sockets": IPV6_V6ONLY defaults to TRUE); Linux's default is dual-stack.
 */
TEST(ipv6_v6only_by_default)
{
	int v = 0, n = sizeof(v);	/* Wine 8 writes one byte */
	SOCKET s;

	wt_init();
	s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	if (s == INVALID_SOCKET)
		SKIP(return, "no IPv6 (%d)", WSAGetLastError());
	EXPECT_EQ(0, getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (char *)&v, &n));
	EXPECT_EQ(1, v);
	closesocket(s);
	s = WSASocketW(AF_INET6, SOCK_DGRAM, IPPROTO_UDP, NULL, 0,
		       WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, s);
	v = 0;
	n = sizeof(v);
	EXPECT_EQ(0, getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (char *)&v, &n));
	EXPECT_EQ(1, v);
	v = 0;
	EXPECT_EQ(0, setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&v,
				sizeof(v)));
	closesocket(s);
}

/*
 * Linux-style code passes SOCK_CLOEXEC / SOCK_NONBLOCK in the type; they
 * are flags, not an unknown type.
 */
TEST(socket_type_flags)
{
#ifdef SOCK_CLOEXEC
	SOCKET s;
	char c;

	wt_init();
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_NE(INVALID_SOCKET, s);
	EXPECT_EQ(SOCK_STREAM, sock_type(s));
	EXPECT_TRUE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	closesocket(s);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP);
	ASSERT_NE(INVALID_SOCKET, s);
	EXPECT_EQ(SOCK_DGRAM, sock_type(s));
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(s, &c, 1, 0));
	closesocket(s);
	EXPECT_EQ(INVALID_SOCKET, socket(AF_INET, 0xdead | SOCK_CLOEXEC, 0));
	EXPECT_EQ(WSAESOCKTNOSUPPORT, WSAGetLastError());
#else
	SKIP(return, "no SOCK_CLOEXEC on Windows");
#endif
}

/*
 * Everyday names of Windows' <winsock2.h>: LINGER; SO_EXCLUSIVEADDRUSE
 * (before bind); SO_DONTLINGER TRUE turns lingering off (docs, SOL_SOCKET
 * socket options).
 */
TEST(winsock_option_names)
{
	LINGER lg = { 1, 5 };
	BOOL on = TRUE;
	int n = sizeof(lg);
	SOCKET s;

	wt_init();
	s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, s);
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE,
				(const char *)&on, sizeof(on)));
	EXPECT_EQ(0, WSAGetLastError());
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg,
				sizeof(lg)));
	EXPECT_EQ(0, setsockopt(s, SOL_SOCKET, SO_DONTLINGER,
				(const char *)&on, sizeof(on)));
	memset(&lg, 0xff, sizeof(lg));
	EXPECT_EQ(0, getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&lg, &n));
	EXPECT_EQ(0, lg.l_onoff);
	closesocket(s);
}

/* ---- TCP, IPv4 and IPv6 -------------------------------------------------- */

FIXTURE(bsd)
{
	SOCKET l;
	struct sockaddr_storage addr;
	int alen;
	SOCKET c, a;
};

TST_FAMILY_VARIANTS(bsd);

FIXTURE_SETUP(bsd)
{
	int err;

	wt_init();
	self->c = self->a = INVALID_SOCKET;
	self->l = wt_listener(variant->family, &self->addr, &self->alen);
	if (self->l == INVALID_SOCKET) {
		err = WSAGetLastError();
		if (err == WSAEAFNOSUPPORT || err == WSAEADDRNOTAVAIL)
			SKIP(return, "no loopback for this family (%d)", err);
		ASSERT_NE(INVALID_SOCKET, self->l);
	}
}

FIXTURE_TEARDOWN(bsd)
{
	wt_close(&self->c);
	wt_close(&self->a);
	closesocket(self->l);
}

/* self->c connected to self->a, through the fixture's listener. */
static int bsd_pair(FIXTURE_DATA(bsd) *self, int family)
{
	self->c = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (self->c == INVALID_SOCKET ||
	    connect(self->c, (struct sockaddr *)&self->addr, self->alen))
		return WSAGetLastError();
	self->a = accept(self->l, NULL, NULL);
	if (self->a == INVALID_SOCKET)
		return WSAGetLastError();
	return 0;
}

#define PAIR() ASSERT_EQ(0, bsd_pair(self, variant->family))

/* self->c, a new TCP socket of the variant's family. */
#define CLIENT()							\
	do {								\
		self->c = socket(variant->family, SOCK_STREAM,		\
				 IPPROTO_TCP);				\
		ASSERT_NE(INVALID_SOCKET, self->c);			\
	} while (0)

/*
 * A success sets the last error to 0 (Windows 7 and later: sock.c
 * test_bind, test_getsockname, test_set_getsockopt, test_WSARecv,
 * test_send_buffering, test_shutdown).
 */
TEST_F(bsd, success_clears_last_error)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss), v = 1, n = sizeof(v);
	SOCKET s;
	char c;

	s = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, s);
	len = loopback(variant->family, &ss, 0);
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, bind(s, (struct sockaddr *)&ss, len));
	EXPECT_EQ(0, WSAGetLastError());
	closesocket(s);

	PAIR();
	len = sizeof(ss);
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, getsockname(self->c, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(0, WSAGetLastError());
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, setsockopt(self->c, IPPROTO_TCP, TCP_NODELAY,
				(const char *)&v, sizeof(v)));
	EXPECT_EQ(0, WSAGetLastError());
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, getsockopt(self->c, IPPROTO_TCP, TCP_NODELAY,
				(char *)&v, &n));
	EXPECT_EQ(0, WSAGetLastError());
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(1, send(self->c, "x", 1, 0));
	EXPECT_EQ(0, WSAGetLastError());
	ASSERT_EQ(1, wt_wait_readable(self->a, WAIT_MS));
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(1, recv(self->a, &c, 1, 0));
	EXPECT_EQ(0, WSAGetLastError());
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, shutdown(self->c, SD_SEND));
	EXPECT_EQ(0, WSAGetLastError());
}

/*
 * send() after shutdown(SD_SEND): WSAESHUTDOWN, and no SIGPIPE - Windows has
 * none; Linux's send() would kill the process (test_shutdown).
 */
TEST_F(bsd, send_after_shutdown_is_eshutdown)
{
	PAIR();
	ASSERT_EQ(0, shutdown(self->c, SD_SEND));
	EXPECT_EQ(0, shutdown(self->c, SD_SEND));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, send(self->c, "test", 4, 0));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, send(self->c, "test", 4, 0));
}

/*
 * A reset connection keeps saying WSAECONNRESET, to recv() and send()
 * (test_tcp_reset); Linux says it once, then end of file / EPIPE. No
 * SIGPIPE either.
 */
TEST_F(bsd, reset_stays_connreset)
{
	char c;

	if (wt_on_wine())
		SKIP(return, "Wine's recv() reports the reset once, then end "
		     "of file, as Linux does");
	PAIR();
	close_with_rst(self->a);
	self->a = INVALID_SOCKET;
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	WT_EXPECT_WSA_ERROR(WSAECONNRESET, recv(self->c, &c, 1, 0));
	WT_EXPECT_WSA_ERROR(WSAECONNRESET, recv(self->c, &c, 1, 0));
	WT_EXPECT_WSA_ERROR(WSAECONNRESET, send(self->c, "x", 1, 0));
}

/*
 * A non-blocking connect is WSAEWOULDBLOCK (Linux: EINPROGRESS); its end is
 * reported by select() in writefds; then SO_ERROR is 0 and connect() again
 * is WSAEISCONN (test_select, test_connect).
 */
TEST_F(bsd, nonblocking_connect_would_block)
{
	int err = -1, len = sizeof(err);
	fd_set w, e;

	CLIENT();
	ASSERT_EQ(0, wt_set_nonblocking(self->c, true));
	WSASetLastError(0);
	ASSERT_EQ(SOCKET_ERROR, connect(self->c, (struct sockaddr *)&self->addr,
					self->alen));
	EXPECT_EQ(WSAEWOULDBLOCK, WSAGetLastError());

	EXPECT_EQ(1, select_one(self->c, NULL, &w, &e, WAIT_MS));
	EXPECT_TRUE(FD_ISSET(self->c, &w));
	EXPECT_FALSE(FD_ISSET(self->c, &e));
	EXPECT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_ERROR, (char *)&err,
				&len));
	EXPECT_EQ(0, err);
	EXPECT_EQ((int)sizeof(err), len);

	WT_EXPECT_WSA_ERROR(WSAEISCONN, connect(self->c,
						(struct sockaddr *)&self->addr,
						self->alen));
}

/*
 * A connect held in progress: a listener with a backlog of 0 that four
 * non-blocking connects fill, then a non-blocking self->c connecting to it.
 */
struct held {
	SOCKET full, fill[4];
	struct sockaddr_storage ss;
	int len;
};

/* The last error of self->c's connect (WSAEWOULDBLOCK), -1 if it
 * connected, or the error that stopped the setup. */
static int held_connect(FIXTURE_DATA(bsd) *self, struct held *h, int family)
{
	int i;

	for (i = 0; i < 4; i++)
		h->fill[i] = INVALID_SOCKET;
	h->full = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (h->full == INVALID_SOCKET)
		return WSAGetLastError();
	h->len = loopback(family, &h->ss, 0);
	if (bind(h->full, (struct sockaddr *)&h->ss, h->len) ||
	    listen(h->full, 0) ||
	    getsockname(h->full, (struct sockaddr *)&h->ss, &h->len))
		return WSAGetLastError();
	for (i = 0; i < 4; i++) {
		h->fill[i] = socket(family, SOCK_STREAM, IPPROTO_TCP);
		wt_set_nonblocking(h->fill[i], true);
		connect(h->fill[i], (struct sockaddr *)&h->ss, h->len);
	}
	wt_sleep_ms(100);

	self->c = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (self->c == INVALID_SOCKET || wt_set_nonblocking(self->c, true))
		return WSAGetLastError();
	WSASetLastError(0);
	if (!connect(self->c, (struct sockaddr *)&h->ss, h->len))
		return -1;
	return WSAGetLastError();
}

/* Not writable yet: the connect is still in progress. */
static bool held_still_connecting(SOCKET s)
{
	fd_set w;

	return select_one(s, NULL, &w, NULL, 0) == 0;
}

static void held_release(struct held *h)
{
	int i;

	for (i = 0; i < 4; i++)
		closesocket(h->fill[i]);
	closesocket(h->full);
}

/*
 * self->c's connect held in progress in @h (held_connect()); one that
 * completed all the same skips the test at @out, which releases @h.
 */
#define HELD_CONNECT_OR_SKIP(h, out)					\
	do {								\
		ASSERT_EQ(WSAEWOULDBLOCK,				\
			  held_connect(self, h, variant->family));	\
		if (!held_still_connecting(self->c))			\
			SKIP(goto out,					\
			     "the connect did not stay in progress");	\
	} while (0)

/*
 * While a non-blocking connect is in progress, a second connect() is
 * WSAEALREADY (test_connecting_socket), and recv()/send() WSAENOTCONN.
 * The connect is held in progress by a listener whose backlog is full.
 */
TEST_F(bsd, connect_in_progress_is_already)
{
	struct held h;
	char c;

	HELD_CONNECT_OR_SKIP(&h, out);
	WT_EXPECT_WSA_ERROR(WSAEALREADY, connect(self->c,
						 (struct sockaddr *)&h.ss,
						 h.len));
	if (!wt_on_wine()) {
		/* Wine says WSAEWOULDBLOCK (todo_wine in
		 * test_connecting_socket). */
		WT_EXPECT_WSA_ERROR(WSAENOTCONN, recv(self->c, &c, 1, 0));
		WT_EXPECT_WSA_ERROR(WSAENOTCONN, send(self->c, "x", 1, 0));
	}
out:
	held_release(&h);
}

/* Refused: WSAECONNREFUSED (test_errors). */
TEST_F(bsd, connect_refused)
{
	struct sockaddr_storage ss;
	int len = closed_port(variant->family, &ss);

	ASSERT_NE(0, len);
	CLIENT();
	WT_EXPECT_WSA_ERROR(WSAECONNREFUSED, connect(self->c,
						     (struct sockaddr *)&ss,
						     len));
}

/* A non-blocking connect to a closed port, from @self->c; 0 or an error. */
static int refused_connect(FIXTURE_DATA(bsd) *self, int family)
{
	struct sockaddr_storage ss;
	int len = closed_port(family, &ss);

	if (!len)
		return WSAGetLastError();
	self->c = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (self->c == INVALID_SOCKET || wt_set_nonblocking(self->c, true))
		return WSAGetLastError();
	if (!connect(self->c, (struct sockaddr *)&ss, len))
		return -1;
	return WSAGetLastError() == WSAEWOULDBLOCK ? 0 : WSAGetLastError();
}

/*
 * A non-blocking connect that fails is reported by select() in exceptfds,
 * not writefds; SO_ERROR says WSAECONNREFUSED, and keeps saying it (docs,
 * select: "If processing a connect call (nonblocking), connection attempt
 * failed"; test_select, interactive part).
 */
TEST_F(bsd, failed_connect_in_exceptfds)
{
	int err, elen;
	fd_set w, e;

	ASSERT_EQ(0, refused_connect(self, variant->family));
	EXPECT_EQ(1, select_one(self->c, NULL, &w, &e, 10000));
	EXPECT_FALSE(FD_ISSET(self->c, &w));
	EXPECT_TRUE(FD_ISSET(self->c, &e));
	err = 0;
	elen = sizeof(err);
	EXPECT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_ERROR, (char *)&err,
				&elen));
	EXPECT_EQ(WSAECONNREFUSED, err);
	err = 0;
	EXPECT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_ERROR, (char *)&err,
				&elen));
	EXPECT_EQ(WSAECONNREFUSED, err);
}

/* ... and in exceptfds only: not readable either (test_select, interactive
 * part: one socket in all three sets, select() returns 1). */
TEST_F(bsd, failed_connect_not_readable)
{
	fd_set r, e;

	if (wt_on_wine())
		SKIP(return, "Wine also reports it readable (sock.c runs this "
		     "check interactively only)");
	ASSERT_EQ(0, refused_connect(self, variant->family));
	EXPECT_EQ(1, select_one(self->c, &r, NULL, &e, 10000));
	EXPECT_FALSE(FD_ISSET(self->c, &r));
	EXPECT_TRUE(FD_ISSET(self->c, &e));
}

/* On a connected socket: WSAEISCONN (test_connect, test_shutdown). */
TEST_F(bsd, connect_connected_is_isconn)
{
	PAIR();
	WT_EXPECT_WSA_ERROR(WSAEISCONN, connect(self->c,
						(struct sockaddr *)&self->addr,
						self->alen));
	WT_EXPECT_WSA_ERROR(WSAEISCONN, connect(self->a,
						(struct sockaddr *)&self->addr,
						self->alen));
}

/* On a listening socket: WSAEINVAL (test_connect); Linux says EISCONN. */
TEST_F(bsd, connect_listening_is_einval)
{
	WT_EXPECT_WSA_ERROR(WSAEINVAL, connect(self->l,
					       (struct sockaddr *)&self->addr,
					       self->alen));
}

/* To INADDR_ANY / in6addr_any: WSAEADDRNOTAVAIL (docs, connect); Linux
 * connects to the local host. */
TEST_F(bsd, connect_any_is_addrnotavail)
{
	struct sockaddr_storage ss;

	WILDCARD_OR_SKIP(&ss, "connects");
	CLIENT();
	WT_EXPECT_WSA_ERROR(WSAEADDRNOTAVAIL, connect(self->c,
						      (struct sockaddr *)&ss,
						      self->alen));
}

/* Nothing to read on a non-blocking socket: WSAEWOULDBLOCK, from recv() and
 * recvfrom() (test_nonblocking_async_recv). */
TEST_F(bsd, nonblocking_recv_would_block)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char c;

	PAIR();
	ASSERT_EQ(0, wt_set_nonblocking(self->a, true));
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(self->a, &c, 1, 0));
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recvfrom(self->a, &c, 1, 0,
						     (struct sockaddr *)&ss,
						     &len));
}

/* errno is the C library's, for Linux-style code that looks at it. */
TEST_F(bsd, errno_left_as_the_c_library_set_it)
{
	char c;

	if (!wt_on_linux())
		SKIP(return, "a promise of the Linux side only");
	PAIR();
	ASSERT_EQ(0, wt_set_nonblocking(self->a, true));
	errno = 0;
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(self->a, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * SO_RCVTIMEO is a DWORD of milliseconds (Linux: a timeval); recv() past it
 * is WSAETIMEDOUT (test_timeout; Linux: EAGAIN).
 */
TEST_F(bsd, recv_timeout_is_timedout)
{
	DWORD ms = 100, got = 0;
	int64_t t0;
	int len;
	char c;

	PAIR();
	ASSERT_EQ(0, rcvtimeo_set_get(self->a, &ms, sizeof(ms), &got, &len));
	EXPECT_EQ(100, (int)got);
	EXPECT_EQ((int)sizeof(got), len);
	t0 = wt_now_ms();
	WT_EXPECT_WSA_ERROR(WSAETIMEDOUT, recv(self->a, &c, 1, 0));
	EXPECT_GE(wt_now_ms() - t0, 90);
}

/* An address in use: WSAEADDRINUSE (test_listen, test_bind). */
TEST_F(bsd, bind_in_use)
{
	CLIENT();
	WT_EXPECT_WSA_ERROR(WSAEADDRINUSE, bind(self->c,
						(struct sockaddr *)&self->addr,
						self->alen));
}

/* A second bind: WSAEINVAL (test_bind). */
TEST_F(bsd, bind_twice_is_einval)
{
	struct sockaddr_storage ss;
	int len = loopback(variant->family, &ss, 0);

	CLIENT();
	ASSERT_EQ(0, bind(self->c, (struct sockaddr *)&ss, len));
	WT_EXPECT_WSA_ERROR(WSAEINVAL, bind(self->c, (struct sockaddr *)&ss,
					    len));
}

/* A name too short for its family, or none: WSAEFAULT (test_bind). */
TEST_F(bsd, bind_short_name_is_efault)
{
	struct sockaddr_storage ss;
	int len = loopback(variant->family, &ss, 0);

	CLIENT();
	WT_EXPECT_WSA_ERROR(WSAEFAULT, bind(self->c, (struct sockaddr *)&ss,
					    len - 1));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, bind(self->c, NULL, 0));
	EXPECT_EQ(0, bind(self->c, (struct sockaddr *)&ss, len));
}

/* The same for connect() (docs, connect: "the namelen parameter is too
 * small"). */
TEST_F(bsd, connect_short_name_is_efault)
{
	if (wt_on_wine())
		SKIP(return, "Wine 8 connects with a zero namelen");
	CLIENT();
	WT_EXPECT_WSA_ERROR(WSAEFAULT, connect(self->c,
					       (struct sockaddr *)&self->addr,
					       0));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, connect(self->c,
					       (struct sockaddr *)&self->addr,
					       self->alen - 1));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, connect(self->c, NULL, self->alen));
}

/*
 * listen() on an unbound socket: WSAEINVAL, and the socket stays unbound
 * (test_listen; Linux would bind it to an ephemeral port).
 */
TEST_F(bsd, listen_unbound_is_einval)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	CLIENT();
	WT_EXPECT_WSA_ERROR(WSAEINVAL, listen(self->c, 1));
	WT_EXPECT_WSA_ERROR(WSAEINVAL, listen(self->c, SOMAXCONN));
	WT_EXPECT_WSA_ERROR(WSAEINVAL, getsockname(self->c,
						   (struct sockaddr *)&ss,
						   &len));
}

/* listen() on a datagram socket: WSAEOPNOTSUPP (test_listen). */
TEST_F(bsd, listen_datagram_is_opnotsupp)
{
	SKIP_ON_WINE_8("says WSAEINVAL", "test_listen");
	self->c = socket(variant->family, SOCK_DGRAM, IPPROTO_UDP);
	ASSERT_NE(INVALID_SOCKET, self->c);
	WT_EXPECT_WSA_ERROR(WSAEOPNOTSUPP, listen(self->c, 1));
}

/* accept() on a socket that does not listen: WSAEINVAL (docs, accept). */
TEST_F(bsd, accept_not_listening_is_einval)
{
	struct sockaddr_storage ss;
	int len = loopback(variant->family, &ss, 0);

	CLIENT();
	ASSERT_EQ(0, bind(self->c, (struct sockaddr *)&ss, len));
	WT_EXPECT_WSA_ERROR(WSAEINVAL, accept(self->c, NULL, NULL));
}

/* An address buffer too small: WSAEFAULT, the length untouched
 * (test_accept). */
TEST_F(bsd, accept_short_addrlen_is_efault)
{
	struct sockaddr_storage ss;
	int len = 0;

	CLIENT();
	ASSERT_EQ(0, connect(self->c, (struct sockaddr *)&self->addr,
			     self->alen));
	ASSERT_EQ(1, wt_wait_readable(self->l, WAIT_MS));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, accept(self->l, (struct sockaddr *)&ss,
					      &len));
	EXPECT_EQ(0, len);

	/* (Whether that connection is then still there is not said.) */
	closesocket(self->c);
	CLIENT();
	ASSERT_EQ(0, connect(self->c, (struct sockaddr *)&self->addr,
			     self->alen));
	len = sizeof(ss);
	ASSERT_EQ(1, wt_wait_readable(self->l, WAIT_MS));
	self->a = accept(self->l, (struct sockaddr *)&ss, &len);
	ASSERT_NE(INVALID_SOCKET, self->a);
	EXPECT_EQ(variant->family, ss.ss_family);
	EXPECT_EQ(variant->family == AF_INET6 ?
		  (int)sizeof(struct sockaddr_in6) :
		  (int)sizeof(struct sockaddr_in), len);
}

/*
 * The accepted socket has the listener's properties, non-blocking mode
 * included (docs, accept: "the same properties as socket s"); Linux's does
 * not inherit O_NONBLOCK.
 */
TEST_F(bsd, accept_inherits_nonblocking)
{
	char c;

	ASSERT_EQ(0, wt_set_nonblocking(self->l, true));
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, accept(self->l, NULL, NULL));
	CLIENT();
	ASSERT_EQ(0, connect(self->c, (struct sockaddr *)&self->addr,
			     self->alen));
	ASSERT_EQ(1, wt_wait_readable(self->l, WAIT_MS));
	self->a = accept(self->l, NULL, NULL);
	ASSERT_NE(INVALID_SOCKET, self->a);
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(self->a, &c, 1, 0));
}

/*
 * shutdown() of a socket that is not connected - never, or listening -
 * is WSAENOTCONN, and a listener goes on listening (test_shutdown; Linux
 * stops the listener on SD_RECEIVE).
 */
TEST_F(bsd, shutdown_unconnected_is_notconn)
{
	CLIENT();
	WT_EXPECT_WSA_ERROR(WSAENOTCONN, shutdown(self->c, SD_SEND));
	WT_EXPECT_WSA_ERROR(WSAENOTCONN, shutdown(self->c, SD_RECEIVE));
	WT_EXPECT_WSA_ERROR(WSAENOTCONN, shutdown(self->l, SD_SEND));
	WT_EXPECT_WSA_ERROR(WSAENOTCONN, shutdown(self->l, SD_BOTH));

	/* Neither hurt: the socket connects and sends, the listener accepts. */
	ASSERT_EQ(0, connect(self->c, (struct sockaddr *)&self->addr,
			     self->alen));
	self->a = accept(self->l, NULL, NULL);
	ASSERT_NE(INVALID_SOCKET, self->a);
	EXPECT_EQ(1, send(self->c, "x", 1, 0));
}

/* shutdown(SD_RECEIVE), then recv(): WSAESHUTDOWN, even with data
 * (test_shutdown; Linux returns the data, then 0). */
TEST_F(bsd, recv_after_shutdown_receive_is_eshutdown)
{
	char c;

	PAIR();
	ASSERT_EQ(1, send(self->c, "x", 1, 0));
	ASSERT_EQ(1, wt_wait_readable(self->a, WAIT_MS));
	ASSERT_EQ(0, shutdown(self->a, SD_RECEIVE));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, recv(self->a, &c, 1, 0));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, recv(self->a, &c, 1, 0));
	/* The other direction still works. */
	EXPECT_EQ(1, send(self->a, "y", 1, 0));
}

/* shutdown(SD_BOTH): both directions refused with WSAESHUTDOWN, the names
 * still there (test_shutdown). */
TEST_F(bsd, shutdown_both)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char c;

	PAIR();
	WSASetLastError(DEADBEEF);
	ASSERT_EQ(0, shutdown(self->c, SD_BOTH));
	EXPECT_EQ(0, WSAGetLastError());
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, recv(self->c, &c, 1, 0));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, send(self->c, "x", 1, 0));
	EXPECT_EQ(0, getpeername(self->c, (struct sockaddr *)&ss, &len));
	ASSERT_EQ(1, wt_wait_readable(self->a, WAIT_MS));
	EXPECT_EQ(0, recv(self->a, &c, 1, 0));
}

/* A negative length: WSAEFAULT (test_read_events). */
TEST_F(bsd, negative_length_is_efault)
{
	char c;

	PAIR();
	ASSERT_EQ(1, send(self->a, "x", 1, 0));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, recv(self->c, &c, -1, 0));
	EXPECT_EQ(1, recv(self->c, &c, 1, 0));
}

/* An unknown how: WSAEINVAL (test_shutdown). */
TEST_F(bsd, shutdown_bad_how_is_einval)
{
	PAIR();
	WT_EXPECT_WSA_ERROR(WSAEINVAL, shutdown(self->c, (int)0xdeadbeef));
}

/*
 * select() ignores its first argument (docs, select: "Ignored"); programs
 * pass 0 (test_select).
 */
TEST_F(bsd, select_ignores_nfds)
{
	struct timeval tv = { WAIT_MS / 1000, 0 };
	fd_set r;

	PAIR();
	ASSERT_EQ(1, send(self->c, "x", 1, 0));
	FD_ZERO(&r);
	FD_SET(self->a, &r);
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(1, select(0, &r, NULL, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->a, &r));
	EXPECT_EQ(0, WSAGetLastError());
}

/* A socket never connected is neither readable, writable nor exceptional
 * (test_select); Linux's select() says readable and writable. */
TEST_F(bsd, select_unconnected_is_not_ready)
{
	struct timeval tv = { 0, 0 };
	fd_set r, w, e;

	CLIENT();
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(self->c, &r);
	FD_SET(self->c, &w);
	FD_SET(self->c, &e);
	FD_SET(self->l, &r);
	FD_SET(self->l, &w);
	FD_SET(self->l, &e);
	EXPECT_EQ(0, select(0, &r, &w, &e, &tv));
	EXPECT_FALSE(FD_ISSET(self->c, &r));
	EXPECT_FALSE(FD_ISSET(self->c, &w));
	EXPECT_FALSE(FD_ISSET(self->l, &r));
}

/*
 * One set passed twice: it holds the later result, and the count is what it
 * holds (test_select, "overlapping fd_set pointers").
 */
TEST_F(bsd, select_same_set_twice)
{
	struct timeval tv = { 0, 0 };
	fd_set s;

	PAIR();
	FD_ZERO(&s);
	FD_SET(self->c, &s);
	EXPECT_EQ(1, select(0, &s, &s, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->c, &s));
	ASSERT_EQ(1, send(self->a, "x", 1, 0));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	FD_ZERO(&s);
	FD_SET(self->c, &s);
	FD_SET(self->a, &s);
	EXPECT_EQ(2, select(0, &s, &s, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->c, &s));
	EXPECT_TRUE(FD_ISSET(self->a, &s));
}

/* closesocket() of a socket already closed: WSAENOTSOCK (test_WithWSAStartup:
 * calls on destroyed sockets). */
TEST_F(bsd, closesocket_twice_is_enotsock)
{
	SOCKET s;

	PAIR();
	s = self->a;
	self->a = INVALID_SOCKET;
	EXPECT_EQ(0, closesocket(s));
	WT_EXPECT_WSA_ERROR(WSAENOTSOCK, closesocket(s));
	WT_EXPECT_WSA_ERROR(WSAENOTSOCK, send(s, "x", 1, 0));
}

/* A closed socket in a set: WSAENOTSOCK, the sets untouched (test_select). */
TEST_F(bsd, select_closed_socket_is_enotsock)
{
	struct timeval tv = { 0, 0 };
	SOCKET dead;
	fd_set r;

	PAIR();
	dead = self->a;
	closesocket(self->a);
	self->a = INVALID_SOCKET;
	FD_ZERO(&r);
	FD_SET(self->c, &r);
	FD_SET(dead, &r);
	WT_EXPECT_WSA_ERROR(WSAENOTSOCK, select(0, &r, NULL, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->c, &r));
	EXPECT_TRUE(FD_ISSET(dead, &r));
}

/*
 * ioctlsocket(FIONBIO): on and off; Windows' number is accepted too
 * (docs, ioctlsocket).
 */
TEST_F(bsd, ioctlsocket_fionbio)
{
	u_long on = 1, off = 0;
	char c;

	PAIR();
	WSASetLastError(DEADBEEF);
	ASSERT_EQ(0, ioctlsocket(self->a, FIONBIO, &on));
	EXPECT_EQ(0, WSAGetLastError());
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(self->a, &c, 1, 0));
	ASSERT_EQ(0, ioctlsocket(self->a, FIONBIO, &off));
	ASSERT_EQ(0, ioctlsocket(self->a, (long)0x8004667EL, &on));
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(self->a, &c, 1, 0));
}

/* FIONREAD: the bytes waiting, 0 on a new socket; SIOCATMARK: TRUE when no
 * out-of-band data waits (test_fionread_siocatmark). */
TEST_F(bsd, ioctlsocket_fionread_siocatmark)
{
	u_long n = 0xdead;
	SOCKET s;

	s = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, s);
	EXPECT_EQ(0, ioctlsocket(s, FIONREAD, &n));
	EXPECT_EQ(0, (int)n);
	n = 0xdead;
	EXPECT_EQ(0, ioctlsocket(s, SIOCATMARK, &n));
	EXPECT_EQ(1, (int)n);
	closesocket(s);

	PAIR();
	ASSERT_EQ(5, send(self->c, "data", 5, 0));
	ASSERT_EQ(1, wt_wait_readable(self->a, WAIT_MS));
	n = 0xdead;
	EXPECT_EQ(0, ioctlsocket(self->a, FIONREAD, &n));
	EXPECT_EQ(5, (int)n);
	n = 0xdead;
	EXPECT_EQ(0, ioctlsocket(self->a, SIOCATMARK, &n));
	EXPECT_EQ(1, (int)n);
}

/* A bad argp: WSAEFAULT (test_fionbio, test_fionread_siocatmark); an unknown
 * command: WSAEINVAL (docs, ioctlsocket, Windows Sockets 1.1). */
TEST_F(bsd, ioctlsocket_bad_arguments)
{
	u_long n = 0;

	PAIR();
	WT_EXPECT_WSA_ERROR(WSAEFAULT, ioctlsocket(self->a, FIONBIO,
						   (u_long *)1));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, ioctlsocket(self->a, FIONREAD,
						   (u_long *)1));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, ioctlsocket(self->a, SIOCATMARK,
						   (u_long *)1));
	if (wt_on_wine())
		SKIP(return, "Wine passes unknown commands to WSAIoctl "
		     "(WSAEOPNOTSUPP)");
	WT_EXPECT_WSA_ERROR(WSAEINVAL, ioctlsocket(self->a, (long)0x1234, &n));
}

/*
 * getsockname(): unbound is WSAEINVAL, the name untouched; a buffer a byte
 * short is WSAEFAULT, the length untouched (test_getsockname).
 */
TEST_F(bsd, getsockname_errors)
{
	struct sockaddr_storage ss;
	int len;

	CLIENT();
	memset(&ss, 0xab, sizeof(ss));
	len = sizeof(ss);
	WT_EXPECT_WSA_ERROR(WSAEINVAL, getsockname(self->c,
						   (struct sockaddr *)&ss,
						   &len));
	EXPECT_EQ(0xabab, (unsigned short)ss.ss_family);

	len = self->alen - 1;
	WT_EXPECT_WSA_ERROR(WSAEFAULT, getsockname(self->l,
						   (struct sockaddr *)&ss,
						   &len));
	EXPECT_EQ(self->alen - 1, len);
	len = self->alen;
	EXPECT_EQ(0, getsockname(self->l, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(port_of(&self->addr), port_of(&ss));
}

/*
 * getpeername(): unconnected is WSAENOTCONN; connected with no buffer, or
 * a zero length, WSAEFAULT (test_getpeername).
 */
TEST_F(bsd, getpeername_errors)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	WT_EXPECT_WSA_ERROR(WSAENOTCONN, getpeername(self->l,
						     (struct sockaddr *)&ss,
						     &len));
	len = 0;
	PAIR();
	WT_EXPECT_WSA_ERROR(WSAEFAULT, getpeername(self->c, NULL, NULL));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, getpeername(self->c,
						   (struct sockaddr *)&ss,
						   &len));
	EXPECT_EQ(0, len);
	len = sizeof(ss);
	EXPECT_EQ(0, getpeername(self->c, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(self->alen, len);
	EXPECT_EQ(port_of(&self->addr), port_of(&ss));
}

/*
 * setsockopt()/getsockopt() arguments (test_set_getsockopt): no optval is
 * WSAEFAULT; an unknown level WSAEINVAL; SO_ERROR with a 1-byte buffer
 * WSAEFAULT; a BOOL option takes 1 byte.
 */
TEST_F(bsd, sockopt_arguments)
{
	int v = 1, n = 1;
	char one = 1;

	PAIR();
	WT_EXPECT_WSA_ERROR(WSAEFAULT, setsockopt(self->c, SOL_SOCKET,
						  SO_LINGER, NULL,
						  sizeof(struct linger)));
	WT_EXPECT_WSA_ERROR(WSAEINVAL, setsockopt(self->c, (int)0xffffffff,
						  SO_RCVTIMEO,
						  (const char *)&v, sizeof(v)));
	WT_EXPECT_WSA_ERROR(WSAEFAULT, getsockopt(self->c, SOL_SOCKET,
						  SO_ERROR, (char *)&v, &n));
	EXPECT_EQ(0, setsockopt(self->c, IPPROTO_TCP, TCP_NODELAY, &one, 1));
	v = 0;
	n = sizeof(v);
	EXPECT_EQ(0, getsockopt(self->c, IPPROTO_TCP, TCP_NODELAY, (char *)&v,
				&n));
	EXPECT_EQ(1, v);
}

/*
 * SO_UPDATE_CONNECT_CONTEXT after ConnectEx, with no value (docs,
 * ConnectEx; docs/WINDOWS.md): accepted, and then the peer's name is known.
 */
TEST_F(bsd, so_update_connect_context)
{
	LPFN_CONNECTEX connectex;
	struct sockaddr_storage ss;
	OVERLAPPED ov;
	DWORD bytes = 0, flags = 0;
	int len;

	CLIENT();
	len = loopback(variant->family, &ss, 0);
	ASSERT_EQ(0, bind(self->c, (struct sockaddr *)&ss, len));
	connectex = wt_connectex(self->c);
	ASSERT_NONNULL(connectex);
	ASSERT_NE(WSA_INVALID_EVENT, wt_ov_init(&ov));
	if (!connectex(self->c, (struct sockaddr *)&self->addr, self->alen,
		       NULL, 0, NULL, &ov))
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	EXPECT_EQ(0, wt_wait_event(ov.hEvent, WAIT_MS));
	EXPECT_TRUE(WSAGetOverlappedResult(self->c, &ov, &bytes, FALSE,
					   &flags));
	WSACloseEvent(ov.hEvent);

	EXPECT_EQ(0, setsockopt(self->c, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT,
				NULL, 0));
	len = sizeof(ss);
	EXPECT_EQ(0, getpeername(self->c, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(port_of(&self->addr), port_of(&ss));
}

/*
 * SO_UPDATE_ACCEPT_CONTEXT with the listening socket: accepted (a no-op
 * here: an accepted socket already knows its addresses). On Windows the
 * option belongs after AcceptEx, which the library does not have yet.
 */
TEST_F(bsd, so_update_accept_context)
{
	SOCKET bad = INVALID_SOCKET;

	if (!wt_on_linux())
		SKIP(return, "on Windows the option follows AcceptEx");
	PAIR();
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, setsockopt(self->a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
				(const char *)&self->l, sizeof(self->l)));
	EXPECT_EQ(0, WSAGetLastError());
	WT_EXPECT_WSA_ERROR(WSAENOTSOCK, setsockopt(self->a, SOL_SOCKET,
						    SO_UPDATE_ACCEPT_CONTEXT,
						    (const char *)&bad,
						    sizeof(bad)));
}

/* recvfrom() on a stream socket leaves from and fromlen alone
 * (test_tcp_sendto_recvfrom; Linux sets fromlen to 0). */
TEST_F(bsd, tcp_recvfrom_leaves_from)
{
	struct sockaddr_storage from, copy;
	int len = (int)0xc0ffee11;
	char buf[8];

	PAIR();
	memset(&from, 0xfe, sizeof(from));
	copy = from;
	ASSERT_EQ(4, send(self->a, "data", 4, 0));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	EXPECT_EQ(4, recvfrom(self->c, buf, sizeof(buf), 0,
			      (struct sockaddr *)&from, &len));
	EXPECT_EQ(0, memcmp(&from, &copy, sizeof(from)));
	EXPECT_EQ((int)0xc0ffee11, len);
}

/* sendto() on a stream socket ignores the address, whatever it holds
 * (test_tcp_sendto_recvfrom). */
TEST_F(bsd, tcp_sendto_ignores_address)
{
	struct sockaddr_storage bad;
	char buf[8];

	SKIP_ON_WINE_8("checks the address", "test_tcp_sendto_recvfrom");
	PAIR();
	memset(&bad, 0xfe, sizeof(bad));
	EXPECT_EQ(4, sendto(self->a, "data", 4, 0, (struct sockaddr *)&bad,
			    sizeof(struct sockaddr_in)));
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	EXPECT_EQ(4, recv(self->c, buf, sizeof(buf), 0));
}

/*
 * A reset socket is readable and writable (test_tcp_reset), in writefds
 * alone too; Linux's poll says "hang-up, error, writable".
 */
TEST_F(bsd, select_reset_is_writable)
{
	fd_set r, w;

	PAIR();
	close_with_rst(self->a);
	self->a = INVALID_SOCKET;
	ASSERT_EQ(1, wt_wait_readable(self->c, WAIT_MS));
	EXPECT_EQ(1, select_one(self->c, NULL, &w, NULL, 0));
	EXPECT_TRUE(FD_ISSET(self->c, &w));
	EXPECT_EQ(1, select_one(self->c, &r, NULL, NULL, 0));
	EXPECT_TRUE(FD_ISSET(self->c, &r));
}

/* After a non-blocking connect, readfds alone sees the first data (docs,
 * select: readfds "data is available for reading"). */
TEST_F(bsd, select_connecting_readable)
{
	fd_set r;

	CLIENT();
	ASSERT_EQ(0, wt_set_nonblocking(self->c, true));
	ASSERT_EQ(SOCKET_ERROR, connect(self->c, (struct sockaddr *)&self->addr,
					self->alen));
	ASSERT_EQ(WSAEWOULDBLOCK, WSAGetLastError());
	self->a = accept(self->l, NULL, NULL);
	ASSERT_NE(INVALID_SOCKET, self->a);
	/* Connected, nothing to read: not readable. */
	EXPECT_EQ(0, select_one(self->c, &r, NULL, NULL, 100));
	ASSERT_EQ(1, send(self->a, "x", 1, 0));
	EXPECT_EQ(1, select_one(self->c, &r, NULL, NULL, WAIT_MS));
	EXPECT_TRUE(FD_ISSET(self->c, &r));
}

/* A timeout of LONG_MAX seconds is a long wait, not none (docs, select:
 * the maximum time to wait). */
TEST_F(bsd, select_huge_timeout_waits)
{
	struct timeval tv = { LONG_MAX, 999999 };
	struct wt_thread *t;
	fd_set r;

	PAIR();
	FD_ZERO(&r);
	FD_SET(self->c, &r);
	t = wt_thread_start(send_later, &self->a);
	ASSERT_NONNULL(t);
	EXPECT_EQ(1, select(0, &r, NULL, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->c, &r));
	wt_thread_join(t);
}

/* listen() on a socket whose connect is in progress: WSAEINVAL (docs,
 * listen: "the socket is already connected" is WSAEISCONN; Linux's EINVAL,
 * not the probe's ENOTCONN). */
TEST_F(bsd, listen_connecting_is_einval)
{
	struct held h;
	int err;

	HELD_CONNECT_OR_SKIP(&h, out);
	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR, listen(self->c, 1));
	err = WSAGetLastError();
	if (wt_on_wine() && err != WSAEINVAL)
		SKIP(goto out, "Wine says %d", err);
	EXPECT_EQ(WSAEINVAL, err);
out:
	held_release(&h);
}

/*
 * FIONBIO reads a u_long, 32 bits on Windows: a DWORD with whatever
 * follows it. Blocking or not shows in recv() past SO_RCVTIMEO.
 */
TEST_F(bsd, ioctlsocket_fionbio_reads_32_bits)
{
	DWORD arg[2] = { 0, 1 }, ms = 50;
	char c;

	PAIR();
	ASSERT_EQ(0, setsockopt(self->a, SOL_SOCKET, SO_RCVTIMEO,
				(const char *)&ms, sizeof(ms)));
	ASSERT_EQ(0, ioctlsocket(self->a, FIONBIO, (u_long *)arg));
	WT_EXPECT_WSA_ERROR(WSAETIMEDOUT, recv(self->a, &c, 1, 0));
	arg[0] = 1;
	arg[1] = 0;
	ASSERT_EQ(0, ioctlsocket(self->a, FIONBIO, (u_long *)arg));
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(self->a, &c, 1, 0));
}

/* Linux-style code passes SO_RCVTIMEO a struct timeval: taken as one. */
TEST_F(bsd, rcvtimeo_timeval)
{
	struct timeval tv = { 1, 500000 };
	DWORD got = 0;
	int len;

	if (!wt_on_linux())
		SKIP(return, "Windows' timeval is 8 bytes, read as a DWORD");
	PAIR();
	ASSERT_EQ(0, rcvtimeo_set_get(self->a, &tv, sizeof(tv), &got, &len));
	EXPECT_EQ(1500, (int)got);
}

#ifndef _WIN32
/* After 200 ms, a connection to the fixture's listener. */
static int connect_later(void *arg)
{
	FIXTURE_DATA(bsd) *self = arg;
	SOCKET s = socket(self->addr.ss_family, SOCK_STREAM, IPPROTO_TCP);

	wt_sleep_ms(200);
	connect(s, (struct sockaddr *)&self->addr, self->alen);
	closesocket(s);
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}
#endif

/*
 * A handled signal does not end a blocking recv() or accept() with
 * WSAEINTR: Windows programs know no signals (docs, recv: WSAEINTR only
 * for WSACancelBlockingCall). With SO_RCVTIMEO set, Linux says EINTR even
 * under SA_RESTART.
 */
TEST_F(bsd, signal_is_not_eintr)
{
#ifndef _WIN32
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct sigaction sa, old;
	DWORD ms = 200;
	struct wt_thread *t;
	SOCKET s;
	char c;

	PAIR();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, &old));
	ASSERT_EQ(0, setsockopt(self->a, SOL_SOCKET, SO_RCVTIMEO,
				(const char *)&ms, sizeof(ms)));
	/* The timer's first tick ends the first timeout: no endless loop. */
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	WT_EXPECT_WSA_ERROR(WSAETIMEDOUT, recv(self->a, &c, 1, 0));
	/* No SA_RESTART: accept() is interrupted, whatever its timeout. */
	sa.sa_flags = 0;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	t = wt_thread_start(connect_later, self);
	ASSERT_NONNULL(t);
	setitimer(ITIMER_REAL, &it, NULL);
	s = accept(self->l, NULL, NULL);
	EXPECT_NE(INVALID_SOCKET, s);
	wt_thread_join(t);
	closesocket(s);
	sigaction(SIGALRM, &old, NULL);
#else
	SKIP(return, "no signals on Windows");
#endif
}

/* ---- UDP, IPv4 and IPv6 -------------------------------------------------- */

FIXTURE(udp)
{
	SOCKET s, t;
	struct sockaddr_storage addr;
	int alen;
};

TST_FAMILY_VARIANTS(udp);

/* s bound to loopback (its address in addr), t unbound. */
FIXTURE_SETUP(udp)
{
	wt_init();
	self->t = INVALID_SOCKET;
	self->s = socket(variant->family, SOCK_DGRAM, IPPROTO_UDP);
	if (self->s == INVALID_SOCKET)
		SKIP(return, "no UDP for this family (%d)", WSAGetLastError());
	self->alen = loopback(variant->family, &self->addr, 0);
	if (bind(self->s, (struct sockaddr *)&self->addr, self->alen))
		SKIP(return, "no loopback for this family (%d)",
		     WSAGetLastError());
	ASSERT_EQ(0, getsockname(self->s, (struct sockaddr *)&self->addr,
				 &self->alen));
	self->t = socket(variant->family, SOCK_DGRAM, IPPROTO_UDP);
	ASSERT_NE(INVALID_SOCKET, self->t);
}

FIXTURE_TEARDOWN(udp)
{
	wt_close(&self->s);
	wt_close(&self->t);
}

/* A datagram larger than the buffer: SOCKET_ERROR, WSAEMSGSIZE, the buffer
 * filled (docs, recv and recvfrom). */
TEST_F(udp, truncated_datagram_is_emsgsize)
{
	struct sockaddr_storage from;
	int len = sizeof(from);
	char buf[4];

	ASSERT_EQ(10, sendto(self->t, "0123456789", 10, 0,
			     (struct sockaddr *)&self->addr, self->alen));
	ASSERT_EQ(1, wt_wait_readable(self->s, WAIT_MS));
	memset(buf, 0, sizeof(buf));
	WT_EXPECT_WSA_ERROR(WSAEMSGSIZE, recvfrom(self->s, buf, sizeof(buf), 0,
						  (struct sockaddr *)&from,
						  &len));
	EXPECT_EQ(0, memcmp(buf, "0123", 4));
	ASSERT_EQ(10, sendto(self->t, "0123456789", 10, 0,
			     (struct sockaddr *)&self->addr, self->alen));
	ASSERT_EQ(1, wt_wait_readable(self->s, WAIT_MS));
	WT_EXPECT_WSA_ERROR(WSAEMSGSIZE, recv(self->s, buf, sizeof(buf), 0));
}

/* send() on a datagram socket without a peer: WSAENOTCONN
 * (test_connect_udp). */
TEST_F(udp, send_unconnected_is_notconn)
{
	SKIP_ON_WINE_8("says WSAEINVAL", "test_connect_udp");
	WT_EXPECT_WSA_ERROR(WSAENOTCONN, send(self->t, "data", 4, 0));
}

/*
 * shutdown() of an unconnected datagram socket works (test_shutdown: Linux
 * says ENOTCONN); then recvfrom() is WSAESHUTDOWN and sendto() after
 * SD_SEND is WSAESHUTDOWN.
 */
TEST_F(udp, shutdown_unconnected)
{
	char buf[8];

	ASSERT_EQ(0, wt_set_nonblocking(self->s, true));
	WSASetLastError(DEADBEEF);
	EXPECT_EQ(0, shutdown(self->s, SD_RECEIVE));
	EXPECT_EQ(0, WSAGetLastError());
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, recvfrom(self->s, buf, sizeof(buf),
						   0, NULL, NULL));

	EXPECT_EQ(0, shutdown(self->t, SD_SEND));
	WT_EXPECT_WSA_ERROR(WSAESHUTDOWN, sendto(self->t, "data", 4, 0,
						 (struct sockaddr *)&self->addr,
						 self->alen));
}

/* sendto() INADDR_ANY / in6addr_any: WSAEADDRNOTAVAIL (docs, sendto: "the
 * remote address is not a valid address, for example, ADDR_ANY"). */
TEST_F(udp, sendto_any_is_addrnotavail)
{
	struct sockaddr_storage ss;

	WILDCARD_OR_SKIP(&ss, "sends");
	WT_EXPECT_WSA_ERROR(WSAEADDRNOTAVAIL, sendto(self->t, "data", 4, 0,
						     (struct sockaddr *)&ss,
						     self->alen));
}

/* connect() to an all-zero address disconnects a datagram socket (docs,
 * connect). */
TEST_F(udp, connect_zero_disconnects)
{
	struct sockaddr_storage ss, zero;
	int len = sizeof(ss), zlen;

	ASSERT_EQ(0, connect(self->t, (struct sockaddr *)&self->addr,
			     self->alen));
	ASSERT_EQ(0, getpeername(self->t, (struct sockaddr *)&ss, &len));
	zlen = loopback(variant->family, &zero, 0);
	if (variant->family == AF_INET6)
		((struct sockaddr_in6 *)&zero)->sin6_addr = in6addr_any;
	else
		((struct sockaddr_in *)&zero)->sin_addr.s_addr = htonl(INADDR_ANY);
	EXPECT_EQ(0, connect(self->t, (struct sockaddr *)&zero, zlen));
	len = sizeof(ss);
	WT_EXPECT_WSA_ERROR(WSAENOTCONN, getpeername(self->t,
						     (struct sockaddr *)&ss,
						     &len));
}

/* getpeername() of an unconnected datagram socket: WSAENOTCONN, before the
 * arguments are looked at (test_getpeername). */
TEST_F(udp, getpeername_unconnected_is_notconn)
{
	SKIP_ON_WINE_8("checks the arguments first", "test_getpeername");
	WT_EXPECT_WSA_ERROR(WSAENOTCONN, getpeername(self->t, NULL, NULL));
}

/* An unbound datagram socket is writable (test_select). */
TEST_F(udp, select_unbound_is_writable)
{
	fd_set r, w;

	EXPECT_EQ(1, select_one(self->t, &r, &w, NULL, 250));
	EXPECT_TRUE(FD_ISSET(self->t, &w));
	EXPECT_FALSE(FD_ISSET(self->t, &r));
}

/*
 * A port unreachable (ICMP) on a datagram socket is WSAECONNRESET (docs,
 * recv: "On a UDP-datagram socket this error indicates a previous send
 * operation resulted in an ICMP Port Unreachable message"); Linux says
 * ECONNREFUSED.
 */
TEST_F(udp, port_unreachable_is_connreset)
{
	SOCKET gone;
	struct sockaddr_storage ss;
	int len = loopback(variant->family, &ss, 0), err;
	char c;

	gone = socket(variant->family, SOCK_DGRAM, IPPROTO_UDP);
	ASSERT_NE(INVALID_SOCKET, gone);
	ASSERT_EQ(0, bind(gone, (struct sockaddr *)&ss, len));
	ASSERT_EQ(0, getsockname(gone, (struct sockaddr *)&ss, &len));
	closesocket(gone);
	ASSERT_EQ(0, connect(self->t, (struct sockaddr *)&ss, len));
	ASSERT_EQ(4, send(self->t, "data", 4, 0));
	wt_sleep_ms(100);
	ASSERT_EQ(0, wt_set_nonblocking(self->t, true));
	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR, recv(self->t, &c, 1, 0));
	err = WSAGetLastError();
	if (wt_on_wine() && err != WSAECONNRESET)
		SKIP(return, "Wine 8 does not report the ICMP error (%d)", err);
	EXPECT_EQ(WSAECONNRESET, err);
}

TEST_HARNESS_MAIN
