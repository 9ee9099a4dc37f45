// SPDX-License-Identifier: MIT
/*
 * iocp_server - an echo server in the shape of a Windows completion-port
 * server that recycles its sockets, written against the Windows API only:
 *
 *   - the listener is associated with a completion port;
 *   - a pool of accept sockets (-s), each associated with the same port once,
 *     each with an AcceptEx that has a receive buffer, so that a client's
 *     first request arrives with the accept;
 *   - worker threads (-t) in GetQueuedCompletionStatus drive each socket
 *     through
 *
 *       AcceptEx -> SO_UPDATE_ACCEPT_CONTEXT, GetAcceptExSockaddrs
 *         -> WSASend (the echo) -> WSARecv -> WSASend ... -> WSARecv of 0
 *         bytes (the client's FIN) -> DisconnectEx(TF_REUSE_SOCKET)
 *         -> AcceptEx again, into the very same SOCKET.
 *
 * One operation per socket is in flight at a time, so a socket's state and
 * counters belong to whichever worker dequeued its last packet; only the
 * totals that decide when to stop are shared (C11 atomics).
 *
 * The same source builds on Windows and on Linux against libdisconnectex:
 *
 *     x86_64-w64-mingw32-gcc iocp_server.c -lws2_32 -lmswsock
 *     cc iocp_server.c $(pkg-config --cflags --libs disconnectex)
 *
 * usage: iocp_server [-6] [-a ADDR] [-p PORT] [-n CONNECTIONS] [-s POOL]
 *                    [-t THREADS] [-q]
 *
 * Prints "listening on ADDR port N" (flushed) once the accepts are pending
 * (-p 0, the default: any free port); progress on stdout unless -q; after
 * CONNECTIONS connections (default 0: never) a report on stdout. The exit
 * status is 0 only if every connection ended with the client's FIN, every
 * socket was reused and nothing failed.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_args.h"
#include "pool_report.h"

#define BUF_LEN		4096
/* AcceptEx's address slots: the address and 16 bytes, as Windows asks. */
#define ADDR_SLOT	((DWORD)sizeof(struct sockaddr_in6) + 16)
#define MAX_POOL	1024
#define MAX_THREADS	64
/* With connections open, a stall this long (no packet on any worker) ends the run. */
#define STALL_MS	60000

#define KEY_LISTENER	((ULONG_PTR)1)
#define KEY_SOCKET	((ULONG_PTR)2)
#define KEY_QUIT	((ULONG_PTR)3)

/*
 * Threads are the one thing here that is not Winsock: libdisconnectex
 * provides Winsock, its extensions and completion ports but not kernel32's
 * CreateThread, so on Linux the workers are pthreads. Nothing else in the
 * file differs between the two systems.
 */
static int worker(void *arg);

#ifdef _WIN32
typedef HANDLE thread_t;

static DWORD WINAPI thread_main(LPVOID arg)
{
	return (DWORD)worker(arg);
}

static int thread_start(thread_t *t, void *arg)
{
	*t = CreateThread(NULL, 0, thread_main, arg, 0, NULL);
	return *t ? 0 : -1;
}

static void thread_join(thread_t t)
{
	WaitForSingleObject(t, INFINITE);
	CloseHandle(t);
}
#else
#include <pthread.h>

typedef pthread_t thread_t;

static void *thread_main(void *arg)
{
	worker(arg);
	return NULL;
}

static int thread_start(thread_t *t, void *arg)
{
	return pthread_create(t, NULL, thread_main, arg) ? -1 : 0;
}

static void thread_join(thread_t t)
{
	pthread_join(t, NULL);
}
#endif

enum step { ACCEPTING, SENDING, RECEIVING, DISCONNECTING, IDLE };

struct slot {
	OVERLAPPED ov;		/* first: a packet's OVERLAPPED is its slot */
	SOCKET s;
	enum step step;
	BOOL recycled;		/* s went through DisconnectEx(TF_REUSE_SOCKET) */
	WSABUF wb;
	struct sock_counts n;
	/* AcceptEx's receive part, then its two address slots. */
	char buf[BUF_LEN + 2 * ADDR_SLOT];
};

static LPFN_ACCEPTEX pAcceptEx;
static LPFN_GETACCEPTEXSOCKADDRS pGetAcceptExSockaddrs;
static LPFN_DISCONNECTEX pDisconnectEx;

static struct slot *slots;
static int family = AF_INET, quiet;
static long pool = 16, threads = 2, want;
static SOCKET listener = INVALID_SOCKET;
static HANDLE port;
static char listen_text[INET6_ADDRSTRLEN + 16];

static atomic_long accepted, done, packets;
static atomic_int stopping, failed;

/* Stop every worker: one quit packet each (the first caller posts them). */
static void stop_workers(BOOL failure)
{
	int i;

	if (failure)
		atomic_store(&failed, 1);
	if (atomic_exchange(&stopping, 1))
		return;
	for (i = 0; i < threads; i++)
		PostQueuedCompletionStatus(port, 0, KEY_QUIT, NULL);
}

static void complain(struct slot *sl, const char *what, DWORD err)
{
	fprintf(stderr, "iocp_server: socket %d: %s: error %lu\n",
		(int)(sl - slots), what, (unsigned long)err);
}

/* A fresh accept socket, associated with the port for good. */
static SOCKET new_socket(void)
{
	SOCKET s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
			      WSA_FLAG_OVERLAPPED);

	if (s == INVALID_SOCKET)
		return s;
	if (!CreateIoCompletionPort((HANDLE)(ULONG_PTR)s, port, KEY_SOCKET, 0)) {
		closesocket(s);
		return INVALID_SOCKET;
	}
	return s;
}

static BOOL start_accept(struct slot *sl);

/*
 * A socket that cannot go on (DisconnectEx or AcceptEx refused it) is
 * closed and a fresh one takes its place, so that the run goes on; it is
 * counted, and the run fails.
 */
static void replace(struct slot *sl)
{
	closesocket(sl->s);
	sl->n.replaced++;
	sl->recycled = FALSE;
	sl->s = new_socket();
	if (sl->s == INVALID_SOCKET) {
		complain(sl, "a new socket", WSAGetLastError());
		sl->n.errors++;
		sl->step = IDLE;
		stop_workers(TRUE);
		return;
	}
	start_accept(sl);
}

/*
 * AcceptEx failed with @err: a recycled socket is replaced (its reuse
 * failed), a fresh one's failure stops the run.
 */
static void accept_failed(struct slot *sl, DWORD err)
{
	complain(sl, sl->recycled ? "AcceptEx into the recycled socket" :
				    "AcceptEx", err);
	if (sl->recycled) {
		sl->n.reuse_failures++;
		replace(sl);
	} else {
		sl->n.errors++;
		sl->step = IDLE;
		stop_workers(TRUE);
	}
}

static BOOL start_accept(struct slot *sl)
{
	DWORD bytes;

	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->step = ACCEPTING;
	if (pAcceptEx(listener, sl->s, sl->buf, BUF_LEN, ADDR_SLOT, ADDR_SLOT,
		      &bytes, &sl->ov) || WSAGetLastError() == ERROR_IO_PENDING)
		return TRUE;
	accept_failed(sl, WSAGetLastError());
	return FALSE;
}

/*
 * The connection is over, its socket recycled (or not, @reusable FALSE):
 * the next AcceptEx, or the end of the run after the last connection.
 */
static void finished(struct slot *sl, BOOL reusable)
{
	sl->recycled = reusable;
	if (want && atomic_fetch_add(&done, 1) + 1 >= want) {
		sl->step = IDLE;
		stop_workers(FALSE);
	} else if (reusable) {
		start_accept(sl);
	} else {
		replace(sl);
	}
}

static void start_disconnect(struct slot *sl)
{
	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->step = DISCONNECTING;
	if (pDisconnectEx(sl->s, &sl->ov, TF_REUSE_SOCKET, 0) ||
	    WSAGetLastError() == ERROR_IO_PENDING)
		return;
	complain(sl, "DisconnectEx", WSAGetLastError());
	sl->n.reuse_failures++;
	finished(sl, FALSE);
}

/* The connection is over (a reset, an error): recycle the socket anyway. */
static void end_badly(struct slot *sl, const char *what, DWORD err)
{
	if (is_reset(err)) {
		sl->n.resets++;
	} else {
		complain(sl, what, err);
		sl->n.errors++;
	}
	start_disconnect(sl);
}

static void start_send(struct slot *sl, DWORD len)
{
	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->step = SENDING;
	sl->wb.buf = sl->buf;
	sl->wb.len = len;
	if (WSASend(sl->s, &sl->wb, 1, NULL, 0, &sl->ov, NULL) == 0 ||
	    WSAGetLastError() == WSA_IO_PENDING)
		return;
	end_badly(sl, "WSASend", WSAGetLastError());
}

static void start_recv(struct slot *sl)
{
	DWORD flags = 0;

	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->step = RECEIVING;
	sl->wb.buf = sl->buf;
	sl->wb.len = BUF_LEN;
	if (WSARecv(sl->s, &sl->wb, 1, NULL, &flags, &sl->ov, NULL) == 0 ||
	    WSAGetLastError() == WSA_IO_PENDING)
		return;
	end_badly(sl, "WSARecv", WSAGetLastError());
}

static BOOL same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return FALSE;
	if (a->sa_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)b)->sin_addr,
			       sizeof(struct in_addr)) &&
		       ((const struct sockaddr_in *)a)->sin_port ==
		       ((const struct sockaddr_in *)b)->sin_port;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr,
		       sizeof(struct in6_addr)) &&
	       ((const struct sockaddr_in6 *)a)->sin6_port ==
	       ((const struct sockaddr_in6 *)b)->sin6_port;
}

/*
 * The accept completed: the socket is the connection now. Its context
 * makes getpeername() work, and the peer it gives must be the one
 * GetAcceptExSockaddrs() finds in the buffer.
 */
static BOOL accepted_ok(struct slot *sl)
{
	struct sockaddr *local, *remote;
	struct sockaddr_storage peer;
	int llen, rlen, plen = sizeof(peer);

	if (setsockopt(sl->s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
		       (char *)&listener, sizeof(listener))) {
		complain(sl, "SO_UPDATE_ACCEPT_CONTEXT", WSAGetLastError());
		return FALSE;
	}
	pGetAcceptExSockaddrs(sl->buf, BUF_LEN, ADDR_SLOT, ADDR_SLOT, &local,
			      &llen, &remote, &rlen);
	if (getpeername(sl->s, (struct sockaddr *)&peer, &plen)) {
		complain(sl, "getpeername", WSAGetLastError());
		return FALSE;
	}
	if (local->sa_family != family || !same_addr(remote, (struct sockaddr *)&peer)) {
		fprintf(stderr, "iocp_server: socket %d: GetAcceptExSockaddrs "
			"differs from getpeername\n", (int)(sl - slots));
		return FALSE;
	}
	return TRUE;
}

static void progress(long n)
{
	long step = want / 10;

	if (quiet || !step || n % step)
		return;
	printf("iocp_server: %ld of %ld connections\n", n, want);
	fflush(stdout);
}

/* One packet of the slot: its operation ended with @err (0: success). */
static void advance(struct slot *sl, ULONG_PTR key, DWORD bytes, DWORD err)
{
	switch (sl->step) {
	case ACCEPTING:
		if (err) {
			accept_failed(sl, err);
			return;
		}
		if (key != KEY_LISTENER) {
			fprintf(stderr, "iocp_server: socket %d: AcceptEx's packet "
				"came with key %lu, not the listener's\n",
				(int)(sl - slots), (unsigned long)key);
			sl->n.errors++;
		}
		sl->n.uses++;
		progress(atomic_fetch_add(&accepted, 1) + 1);
		if (!accepted_ok(sl))
			sl->n.errors++;
		if (bytes == 0) {
			sl->n.fins++;
			start_disconnect(sl);
			return;
		}
		sl->n.bytes += bytes;
		start_send(sl, bytes);
		return;
	case SENDING:
		if (err)
			end_badly(sl, "WSASend", err);
		else if (bytes != sl->wb.len)
			end_badly(sl, "WSASend: short", ERROR_INVALID_PARAMETER);
		else
			start_recv(sl);
		return;
	case RECEIVING:
		if (err) {
			end_badly(sl, "WSARecv", err);
		} else if (bytes == 0) {
			sl->n.fins++;
			start_disconnect(sl);
		} else {
			sl->n.bytes += bytes;
			start_send(sl, bytes);
		}
		return;
	case DISCONNECTING:
		if (err) {
			complain(sl, "DisconnectEx", err);
			sl->n.reuse_failures++;
		}
		finished(sl, !err);
		return;
	case IDLE:
		break;
	}
	fprintf(stderr, "iocp_server: socket %d: a packet while idle\n",
		(int)(sl - slots));
	sl->n.errors++;
}

static int worker(void *arg)
{
	long seen = -1;
	OVERLAPPED *ov;
	ULONG_PTR key;
	DWORD bytes;
	BOOL ok;

	(void)arg;
	for (;;) {
		ok = GetQueuedCompletionStatus(port, &bytes, &key, &ov, STALL_MS);
		if (ov) {
			seen = atomic_fetch_add(&packets, 1) + 1;
			advance((struct slot *)ov, key, bytes,
				ok ? 0 : GetLastError());
			continue;
		}
		if (ok && key == KEY_QUIT)
			return 0;
		if (!ok && GetLastError() == WAIT_TIMEOUT) {
			/*
			 * A stall is STALL_MS without a packet on any worker;
			 * idle is fine before the first client, or with -n 0.
			 */
			if (!want || !atomic_load(&accepted) ||
			    seen != atomic_load(&packets)) {
				seen = atomic_load(&packets);
				continue;
			}
			fprintf(stderr, "iocp_server: nothing completed in %d s "
				"after %ld of %ld connections\n", STALL_MS / 1000,
				atomic_load(&done), want);
		} else {
			fprintf(stderr, "iocp_server: GetQueuedCompletionStatus: "
				"error %lu\n", (unsigned long)GetLastError());
		}
		stop_workers(TRUE);
		return 1;
	}
}

static int extension(GUID guid, void *fn, DWORD len)
{
	DWORD bytes;

	return WSAIoctl(listener, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			sizeof(guid), fn, len, &bytes, NULL, NULL);
}

/* The listener, bound to @addr (or loopback) and @portno, listening. */
static int listen_on(const char *addr, int portno)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int len = sizeof(ss), ok;
	char text[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	if (!addr)
		addr = family == AF_INET6 ? "::1" : "127.0.0.1";
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)portno);
		ok = inet_pton(AF_INET, addr, &sin->sin_addr) == 1;
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)portno);
		ok = inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1;
	}
	if (!ok) {
		fprintf(stderr, "iocp_server: %s: not an IPv%c address\n", addr,
			family == AF_INET ? '4' : '6');
		return -1;
	}
	listener = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
			      WSA_FLAG_OVERLAPPED);
	if (listener == INVALID_SOCKET ||
	    bind(listener, (struct sockaddr *)&ss, family == AF_INET ?
		 (int)sizeof(*sin) : (int)sizeof(*sin6)) ||
	    listen(listener, SOMAXCONN) ||
	    getsockname(listener, (struct sockaddr *)&ss, &len)) {
		fprintf(stderr, "iocp_server: listening on %s port %d: error %d\n",
			addr, portno, WSAGetLastError());
		return -1;
	}
	if (family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
	else
		inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
	snprintf(listen_text, sizeof(listen_text), "%s port %u", text,
		 ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port));
	return 0;
}

/*
 * The end: closing the listener aborts the AcceptEx still pending, closing
 * a socket whatever else it has in flight; each still delivers its packet.
 * Returns how many of the @pending came.
 */
static int drain(int pending)
{
	int i, got = 0;
	OVERLAPPED *ov;
	ULONG_PTR key;
	DWORD bytes;

	closesocket(listener);
	for (i = 0; i < pool; i++)
		if (slots[i].s != INVALID_SOCKET)
			closesocket(slots[i].s);
	while (got < pending) {
		if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, 5000) && !ov)
			break;
		if (ov && key != KEY_QUIT)
			got++;
	}
	return got;
}

static int report(int pending, int aborted)
{
	struct pool_counts t = POOL_COUNTS_INIT;
	long conns = atomic_load(&accepted);
	struct slot *sl;
	int bad;

	for (sl = slots; sl < slots + pool; sl++)
		pool_add(&t, &sl->n);
	bad = atomic_load(&failed) || t.sum.resets || t.sum.errors ||
	      t.sum.reuse_failures || t.sum.fins != conns ||
	      (want && atomic_load(&done) < want) || aborted != pending;
	pool_print_title("iocp_server", conns, want);
	pool_print_use(&t, (int)pool);
	printf("bytes echoed          %llu\n", t.sum.bytes);
	pool_print_ends(&t);
	printf("aborted at the end    %d of %d pending\n", aborted, pending);
	return pool_print_verdict("iocp_server", bad);
}

static void usage(void)
{
	fprintf(stderr, "usage: iocp_server [-6] [-a ADDR] [-p PORT] [-n CONNECTIONS] "
		"[-s POOL] [-t THREADS] [-q]\n"
		"  POOL 1 to %d (default 16), THREADS 1 to %d (default 2),\n"
		"  CONNECTIONS 0 (the default) serves until killed\n",
		MAX_POOL, MAX_THREADS);
	exit(2);
}

int main(int argc, char **argv)
{
	GUID ga = WSAID_ACCEPTEX, gs = WSAID_GETACCEPTEXSOCKADDRS,
	     gd = WSAID_DISCONNECTEX;
	const char *addr = NULL;
	const struct example_args args = { &family, &quiet, &addr };
	long portno = 0;
	const struct example_number nums[] = {
		{ "-p", 0, 65535, &portno },
		{ "-n", 0, 1000000000, &want },
		{ "-s", 1, MAX_POOL, &pool },
		{ "-t", 1, MAX_THREADS, &threads },
	};
	thread_t tids[MAX_THREADS];
	int i, pending, started;
	WSADATA wsa;

	example_args(argc, argv, &args, nums, sizeof(nums) / sizeof(nums[0]),
		     usage);
	if (WSAStartup(MAKEWORD(2, 2), &wsa)) {
		fprintf(stderr, "iocp_server: WSAStartup failed\n");
		return 1;
	}
	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	slots = calloc(pool, sizeof(*slots));
	if (!port || !slots || listen_on(addr, (int)portno))
		return 1;
	if (!CreateIoCompletionPort((HANDLE)(ULONG_PTR)listener, port,
				    KEY_LISTENER, 0) ||
	    extension(ga, &pAcceptEx, sizeof(pAcceptEx)) ||
	    extension(gs, &pGetAcceptExSockaddrs, sizeof(pGetAcceptExSockaddrs)) ||
	    extension(gd, &pDisconnectEx, sizeof(pDisconnectEx))) {
		fprintf(stderr, "iocp_server: the listener's port or the "
			"extensions: error %lu\n", (unsigned long)GetLastError());
		return 1;
	}
	for (i = 0; i < pool; i++) {
		slots[i].s = new_socket();
		if (slots[i].s == INVALID_SOCKET) {
			fprintf(stderr, "iocp_server: socket %d: error %d\n", i,
				WSAGetLastError());
			return 1;
		}
		if (!start_accept(&slots[i]))
			return 1;
	}
	printf("listening on %s\n", listen_text);
	fflush(stdout);

	for (started = 0; started < threads; started++)
		if (thread_start(&tids[started], NULL)) {
			fprintf(stderr, "iocp_server: cannot start a thread\n");
			stop_workers(TRUE);
			break;
		}
	for (i = 0; i < started; i++)
		thread_join(tids[i]);

	for (pending = 0, i = 0; i < pool; i++)
		pending += slots[i].step != IDLE;
	i = report(pending, drain(pending));
	CloseHandle(port);
	WSACleanup();
	return i;
}
