/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Windows-surface tests (tests/win_*.c) are written once, against the
 * Windows API only, and built three ways: for the host against
 * libdisconnectex (emulated backend), static for the VM (the module), and
 * with MinGW as Windows programs run under Wine (make win-check) - the
 * oracle: what they check there is what Windows does.
 *
 * This header gives them the Windows headers, a few portable helpers
 * (wintest.c) and the kselftest harness: the real one on Linux, on Windows
 * the shim in wintest_harness.h, which exists only because the real one
 * cannot be built there.
 *
 * Helpers report failures as Windows does (WSAGetLastError(), or a WSA
 * error returned negated) and never use ASSERT_*.
 */
#ifndef DCX_WINTEST_H
#define DCX_WINTEST_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Sockets and time. */
HANDLE wt_handle(SOCKET s);	/* a socket as the HANDLE the file APIs take */
void wt_init(void);		/* WSAStartup(2.2) once; abort()s on failure */
bool wt_on_wine(void);		/* a Windows program, on Wine */
bool wt_on_linux(void);		/* on libdisconnectex, not Windows or Wine */
bool wt_kernel_backend(void);	/* libdisconnectex with the module */
/* "windows", "wine", "linux-kernel" or "linux-emulated" */
const char *wt_platform(void);
void wt_sleep_ms(int ms);
int64_t wt_now_ms(void);	/* monotonic */

/* The loopback address of @family with @port: its length. */
int wt_loopback(int family, int port, struct sockaddr_storage *addr);

/*
 * A TCP listener on the loopback address of @family (AF_INET, AF_INET6),
 * port 0, backlog 16; fills *addr / *len with its address. INVALID_SOCKET
 * on failure (WSAGetLastError() tells).
 */
SOCKET wt_listener(int family, struct sockaddr_storage *addr, int *len);
/* A connected loopback pair: 0, or the WSA error. *client is the connecting
 * side, *server the accepted one. */
int wt_pair(int family, SOCKET *client, SOCKET *server);
/* The same with @c (a TCP socket of @family, made by the caller, closed on
 * failure; INVALID_SOCKET: the last error is its creation's) as the client. */
int wt_pair_from(int family, SOCKET c, SOCKET *client, SOCKET *server);
/* 1 readable, 0 timeout, -WSA error. */
int wt_wait_readable(SOCKET s, int timeout_ms);
/* recv until len bytes, EOF or timeout: bytes received (>= 0), or -WSA
 * error. */
int wt_recv_all(SOCKET s, char *buf, int len, int timeout_ms);
/* recv until EOF: 0 on EOF (FIN), -WSAECONNRESET on reset, -WSAETIMEDOUT on
 * timeout, else -WSA error; *bytes counts what came. */
int wt_read_to_end(SOCKET s, long *bytes, int timeout_ms);
int wt_set_nonblocking(SOCKET s, bool on);	/* 0 or the WSA error */
/* closesocket(*s) unless INVALID_SOCKET, which *s then becomes. */
void wt_close(SOCKET *s);

/* Through WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER); NULL on failure. */
LPFN_DISCONNECTEX wt_disconnectex(SOCKET s);
LPFN_CONNECTEX wt_connectex(SOCKET s);

/*
 * Start an overlapped ConnectEx (to @to, sending @n bytes of @buf) or
 * DisconnectEx on @s: 0 once started - pending, or done at once - else the
 * WSA error it failed with at once.
 */
int wt_connectex_start(SOCKET s, const struct sockaddr_storage *to, int len,
		       const char *buf, DWORD n, OVERLAPPED *ov);
int wt_disconnectex_start(SOCKET s, OVERLAPPED *ov, DWORD flags);

/* @ov zeroed, with a fresh manual-reset event: that event, or
 * WSA_INVALID_EVENT. */
WSAEVENT wt_ov_init(OVERLAPPED *ov);
/* Its event closed, unless an operation still in flight owns @ov. */
void wt_ov_release(OVERLAPPED *ov);
/*
 * The start of a fixture that holds a connected pair and one OVERLAPPED:
 * Winsock started (wt_init()), the pair made (wt_pair()), @ov ready
 * (wt_ov_init()). 0, or the WSA error, with nothing left open.
 */
int wt_pair_ov(int family, SOCKET *client, SOCKET *server, OVERLAPPED *ov);

/* Wait for an overlapped operation's event up to @timeout_ms: 0 when
 * signalled, WSA_WAIT_TIMEOUT otherwise. */
int wt_wait_event(WSAEVENT ev, int timeout_ms);

/*
 * Threads, where the platforms differ (CreateThread, pthreads): start runs
 * fn(arg) on a new thread, NULL on failure; join waits for it to end,
 * frees it and gives fn's result. Keep fn's waits bounded: join has no
 * timeout.
 */
struct wt_thread;
struct wt_thread *wt_thread_start(int (*fn)(void *arg), void *arg);
int wt_thread_join(struct wt_thread *t);

/* What one GetQueuedCompletionStatus call returned and stored. */
struct wt_packet {
	BOOL ok;		/* its result */
	DWORD error;		/* GetLastError() after it; 0xdeadbeef before */
	DWORD bytes;		/* 0xdeadbeef unless it stored one */
	ULONG_PTR key;		/* 0xdeadbeef unless it stored one */
	OVERLAPPED *ov;		/* (OVERLAPPED *)1 unless it stored one */
};

/* GetQueuedCompletionStatus(port, ..., timeout_ms) into *p: p->ok. */
BOOL wt_port_get(HANDLE port, int timeout_ms, struct wt_packet *p);
/* Dequeue until @quiet_ms pass without a packet (or an error, or 1000
 * packets): how many came. */
int wt_port_count(HANDLE port, int quiet_ms);

/*
 * AcceptEx (docs/WINDOWS.md, "AcceptEx / GetAcceptExSockaddrs"): the functions,
 * through WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) on @s; NULL on
 * failure.
 */
LPFN_ACCEPTEX wt_acceptex(SOCKET s);
LPFN_GETACCEPTEXSOCKADDRS wt_getacceptexsockaddrs(SOCKET s);
/* The smallest address slot AcceptEx takes for @family: address + 16. */
DWORD wt_acceptex_slot(int family);

/*
 * Start an overlapped AcceptEx on listener @l into @a, taking @rxlen bytes
 * of data into @buf, followed by two address slots of wt_acceptex_slot()
 * (@buf holds rxlen + 2 slots): 0 once started - pending, or done at once -
 * else the WSA error it failed with at once.
 */
int wt_acceptex_start(SOCKET l, SOCKET a, char *buf, DWORD rxlen, int family,
		      OVERLAPPED *ov);

/*
 * TransmitFile (docs/WINDOWS.md, "TransmitFile"): the function, through
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) on @s; NULL on failure. A
 * temporary file holding @len bytes of @data, positioned at 0 (NULL on
 * failure), and its closing.
 */
LPFN_TRANSMITFILE wt_transmitfile(SOCKET s);
HANDLE wt_temp_file(const void *data, size_t len);
void wt_close_file(HANDLE h);

/* wintest.c itself is no test: it does not get the harness. */
#ifndef WT_NO_HARNESS
#ifdef _WIN32
#include "wintest_harness.h"
#else
#include "kselftest_harness.h"
/* Not in 6.1's harness; built on its own __EXPECT. */
#ifndef ASSERT_NONNULL
#define ASSERT_NONNULL(seen)	__EXPECT(NULL, "NULL", seen, #seen, !=, 1)
#endif
#ifndef EXPECT_NONNULL
#define EXPECT_NONNULL(seen)	__EXPECT(NULL, "NULL", seen, #seen, !=, 0)
#endif
#endif

/*
 * @call fails with SOCKET_ERROR (INVALID_SOCKET compares equal) and leaves
 * @err as the last error, which is cleared before it runs.
 */
#define WT_EXPECT_WSA_ERROR(err, call)					\
	do {								\
		WSASetLastError(0);					\
		EXPECT_EQ(SOCKET_ERROR, (int)(call));			\
		EXPECT_EQ(err, WSAGetLastError());			\
	} while (0)

/*
 * The next connection on listener @l brings @data first, @n bytes, within
 * @ms: accepted (the test ends if not), read into @buf, compared, closed.
 */
#define WT_EXPECT_ACCEPTED(l, buf, data, n, ms)				\
	do {								\
		SOCKET __wt_a = accept(l, NULL, NULL);			\
									\
		ASSERT_NE(INVALID_SOCKET, __wt_a);			\
		EXPECT_EQ(n, wt_recv_all(__wt_a, buf, n, ms));		\
		EXPECT_EQ(0, memcmp(buf, data, n));			\
		closesocket(__wt_a);					\
	} while (0)

/* @port becomes a new completion port with socket @s on it, key @key. */
#define WT_ATTACH_PORT(port, s, key)					\
	do {								\
		(port) = CreateIoCompletionPort(wt_handle(s), NULL,	\
						(key), 0);		\
		ASSERT_NONNULL(port);					\
	} while (0)

/* Long enough for a completion that should not come to show up. */
#define WT_QUIET_MS	200

/*
 * An error at once (docs/WINDOWS.md): no event, no completion; Windows marked
 * Internal pending on entry and left InternalHigh alone - the caller set it
 * to 0x5eed. Wine zeroes it, a known deviation: its own conformance tests
 * mark that todo_wine.
 */
#define WT_EXPECT_NO_COMPLETION(ov)					\
	do {								\
		EXPECT_EQ(WSA_WAIT_TIMEOUT,				\
			  wt_wait_event((ov)->hEvent, WT_QUIET_MS));	\
		EXPECT_EQ(STATUS_PENDING, (ov)->Internal);		\
		if (!wt_on_wine())					\
			EXPECT_EQ(0x5eedU, (ov)->InternalHigh);		\
	} while (0)
#endif

#endif /* DCX_WINTEST_H */
