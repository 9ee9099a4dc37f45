// SPDX-License-Identifier: MIT
/*
 * iocp_client - the client half of iocp_server: many connections over a
 * small pool of sockets, written as a Windows program writes it, against
 * the Windows API only. One completion port, every socket associated with
 * it once, one loop around GetQueuedCompletionStatus() that drives each
 * socket through
 *
 *     ConnectEx (the request as its send buffer) -> SO_UPDATE_CONNECT_CONTEXT
 *         -> WSARecv until the whole echo is back, checked byte for byte
 *         -> DisconnectEx(TF_REUSE_SOCKET) -> ConnectEx again, on the very
 *         same SOCKET.
 *
 * Each connection's request differs from the others' (its number is in
 * every byte), so an echo from another connection does not pass.
 *
 * The same source builds on Windows and on Linux against libdisconnectex:
 *
 *     x86_64-w64-mingw32-gcc iocp_client.c -lws2_32 -lmswsock
 *     cc iocp_client.c $(pkg-config --cflags --libs disconnectex)
 *
 * usage: iocp_client [-6] [-a ADDR] -p PORT [-n CONNECTIONS] [-s POOL]
 *                    [-l BYTES] [-q]
 *
 * Progress on stderr at every tenth of the connections (unless -q), then a
 * report on stdout. The exit status is 0 only if every connection echoed
 * its request and ended gracefully, and every socket was reused.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_args.h"
#include "pool_report.h"

#define MAX_POOL	64
#define MAX_LEN		65536
/* Every operation here completes within a round trip or two. */
#define WAIT_MS		30000

/*
 * The clock is the one thing here that is not Winsock: libdisconnectex
 * provides Winsock, its extensions and completion ports but not kernel32's
 * QueryPerformanceCounter, so on Linux it is clock_gettime().
 */
#ifdef _WIN32
static double now_s(void)
{
	LARGE_INTEGER t, f;

	QueryPerformanceCounter(&t);
	QueryPerformanceFrequency(&f);
	return (double)t.QuadPart / (double)f.QuadPart;
}
#else
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
#endif

enum step { CONNECTING, RECEIVING, DISCONNECTING, IDLE };

struct slot {
	OVERLAPPED ov;		/* first: a packet's OVERLAPPED is its slot */
	SOCKET s;
	enum step step;
	BOOL recycled;		/* s went through DisconnectEx(TF_REUSE_SOCKET) */
	long conn;		/* the connection it carries */
	DWORD got;		/* of the echo */
	WSABUF wb;
	struct sock_counts n;
	char *req, *reply;
};

static LPFN_CONNECTEX pConnectEx;
static LPFN_DISCONNECTEX pDisconnectEx;

static struct slot slots[MAX_POOL];
static struct sockaddr_storage server;
static int server_len, family = AF_INET, quiet;
static long pool = 8, want = 1000, started, done;
static DWORD req_len = 1024;
static HANDLE port;
static double t0;

static void complain(struct slot *sl, const char *what, DWORD err)
{
	fprintf(stderr, "iocp_client: socket %d, connection %ld: %s: error %lu\n",
		(int)(sl - slots), sl->conn, what, (unsigned long)err);
}

/*
 * A fresh socket, bound (Windows wants ConnectEx's socket bound; a
 * recycled one stays so) and associated with the port for good.
 */
static SOCKET new_socket(int i)
{
	struct sockaddr_storage any;
	SOCKET s;

	s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
		       WSA_FLAG_OVERLAPPED);
	if (s == INVALID_SOCKET)
		return s;
	memset(&any, 0, sizeof(any));
	any.ss_family = (unsigned short)family;
	if (bind(s, (struct sockaddr *)&any, server_len) ||
	    !CreateIoCompletionPort((HANDLE)(ULONG_PTR)s, port, (ULONG_PTR)i, 0)) {
		closesocket(s);
		return INVALID_SOCKET;
	}
	return s;
}

/* Connection @n's request: n and the offset in every byte. */
static void fill(char *p, long n)
{
	DWORD i;

	for (i = 0; i < req_len; i++)
		p[i] = (char)(n * 131 + i * 7 + (i >> 8));
}

/* Start connection @n on the slot; FALSE if it failed at once. */
static BOOL start_connect(struct slot *sl, long n)
{
	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->step = CONNECTING;
	sl->conn = n;
	sl->got = 0;
	fill(sl->req, n);
	if (pConnectEx(sl->s, (struct sockaddr *)&server, server_len, sl->req,
		       req_len, NULL, &sl->ov) ||
	    WSAGetLastError() == ERROR_IO_PENDING)
		return TRUE;
	complain(sl, sl->recycled ? "ConnectEx on the recycled socket" :
				    "ConnectEx", WSAGetLastError());
	if (sl->recycled)
		sl->n.reuse_failures++;
	else
		sl->n.errors++;
	return FALSE;
}

static BOOL start_recv(struct slot *sl)
{
	DWORD flags = 0;

	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->step = RECEIVING;
	sl->wb.buf = sl->reply + sl->got;
	sl->wb.len = req_len - sl->got;
	if (WSARecv(sl->s, &sl->wb, 1, NULL, &flags, &sl->ov, NULL) == 0 ||
	    WSAGetLastError() == WSA_IO_PENDING)
		return TRUE;
	complain(sl, "WSARecv", WSAGetLastError());
	if (is_reset(WSAGetLastError()))
		sl->n.resets++;
	else
		sl->n.errors++;
	return FALSE;
}

static BOOL start_disconnect(struct slot *sl)
{
	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->step = DISCONNECTING;
	if (pDisconnectEx(sl->s, &sl->ov, TF_REUSE_SOCKET, 0) ||
	    WSAGetLastError() == ERROR_IO_PENDING)
		return TRUE;
	complain(sl, "DisconnectEx", WSAGetLastError());
	sl->n.reuse_failures++;
	return FALSE;
}

/*
 * A socket whose reuse failed is closed and a fresh one takes its place,
 * so that the run goes on; it is counted, and the run fails.
 */
static BOOL replace(struct slot *sl)
{
	closesocket(sl->s);
	sl->n.replaced++;
	sl->recycled = FALSE;
	sl->s = new_socket((int)(sl - slots));
	if (sl->s == INVALID_SOCKET) {
		complain(sl, "a new socket", WSAGetLastError());
		sl->n.errors++;
		return FALSE;
	}
	return TRUE;
}

/* Connection @n on the slot, on a fresh socket if the recycled one fails. */
static BOOL connect_next(struct slot *sl, long n)
{
	while (!start_connect(sl, n))
		if (!sl->recycled || !replace(sl))
			return FALSE;
	return TRUE;
}

static void progress(void)
{
	long step = want / 10 ? want / 10 : 1;

	if (quiet || done % step)
		return;
	fprintf(stderr, "iocp_client: %ld of %ld connections, %.1f s\n", done,
		want, now_s() - t0);
}

/* One packet of the slot; FALSE if the run cannot go on. */
static BOOL advance(struct slot *sl, DWORD bytes, DWORD err)
{
	switch (sl->step) {
	case CONNECTING:
		if (err) {
			complain(sl, sl->recycled ? "ConnectEx on the recycled socket" :
						    "ConnectEx", err);
			if (!sl->recycled || is_reset(err)) {
				if (is_reset(err))
					sl->n.resets++;
				else
					sl->n.errors++;
				return FALSE;
			}
			sl->n.reuse_failures++;
			return replace(sl) && connect_next(sl, sl->conn);
		}
		sl->n.uses++;
		if (bytes != req_len) {
			complain(sl, "ConnectEx sent less", ERROR_INVALID_PARAMETER);
			sl->n.errors++;
			return FALSE;
		}
		if (setsockopt(sl->s, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT,
			       NULL, 0)) {
			complain(sl, "SO_UPDATE_CONNECT_CONTEXT", WSAGetLastError());
			sl->n.errors++;
			return FALSE;
		}
		return start_recv(sl);
	case RECEIVING:
		if (err || bytes == 0) {
			complain(sl, bytes ? "WSARecv" : "the server closed early", err);
			if (is_reset(err))
				sl->n.resets++;
			else
				sl->n.errors++;
			return FALSE;
		}
		if (memcmp(sl->reply + sl->got, sl->req + sl->got, bytes)) {
			complain(sl, "the echo differs", ERROR_INVALID_PARAMETER);
			sl->n.errors++;
			return FALSE;
		}
		sl->got += bytes;
		if (sl->got < req_len)
			return start_recv(sl);
		sl->n.bytes += req_len;
		return start_disconnect(sl);
	case DISCONNECTING:
		if (err) {
			complain(sl, "DisconnectEx", err);
			if (is_reset(err))
				sl->n.resets++;
			else
				sl->n.reuse_failures++;
			if (!replace(sl))
				return FALSE;
		} else {
			/* Reusable: the server's FIN came, after ours. */
			sl->n.fins++;
			sl->recycled = TRUE;
		}
		done++;
		progress();
		if (started == want) {
			sl->step = IDLE;
			return TRUE;
		}
		return connect_next(sl, started++);
	case IDLE:
		break;
	}
	fprintf(stderr, "iocp_client: socket %d: a packet while idle\n",
		(int)(sl - slots));
	sl->n.errors++;
	return FALSE;
}

static int extension(SOCKET s, GUID guid, void *fn, DWORD len)
{
	DWORD bytes;

	return WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			sizeof(guid), fn, len, &bytes, NULL, NULL);
}

/* The run: FALSE if it stopped early. */
static BOOL run(void)
{
	OVERLAPPED *ov;
	ULONG_PTR key;
	DWORD bytes;
	BOOL ok;
	int i;

	for (i = 0; i < pool && started < want; i++)
		if (!connect_next(&slots[i], started++))
			return FALSE;
	for (; i < pool; i++)
		slots[i].step = IDLE;
	while (done < want) {
		ok = GetQueuedCompletionStatus(port, &bytes, &key, &ov, WAIT_MS);
		if (!ov) {
			fprintf(stderr, "iocp_client: GetQueuedCompletionStatus: "
				"error %lu after %ld of %ld connections\n",
				(unsigned long)GetLastError(), done, want);
			return FALSE;
		}
		if (!advance((struct slot *)ov, bytes, ok ? 0 : GetLastError()))
			return FALSE;
	}
	return TRUE;
}

static int report(BOOL complete, double elapsed)
{
	struct pool_counts t = POOL_COUNTS_INIT;
	struct slot *sl;
	int bad;

	for (sl = slots; sl < slots + pool; sl++)
		pool_add(&t, &sl->n);
	bad = !complete || t.sum.resets || t.sum.errors ||
	      t.sum.reuse_failures || t.sum.fins != want ||
	      t.sum.bytes != (unsigned long long)want * req_len;
	pool_print_title("iocp_client", done, want);
	pool_print_use(&t, (int)pool);
	printf("bytes verified        %llu (%ld x %lu)\n", t.sum.bytes, want,
	       (unsigned long)req_len);
	pool_print_ends(&t);
	printf("elapsed               %.2f s\n", elapsed);
	printf("connections/s         %.0f\n", elapsed > 0 ? done / elapsed : 0.0);
	return pool_print_verdict("iocp_client", bad);
}

static void usage(void)
{
	fprintf(stderr, "usage: iocp_client [-6] [-a ADDR] -p PORT [-n CONNECTIONS] "
		"[-s POOL] [-l BYTES] [-q]\n"
		"  CONNECTIONS >= 1 (default 1000), POOL 1 to %d (default 8),\n"
		"  BYTES 1 to %d (default 1024), ADDR numeric, by default loopback\n",
		MAX_POOL, MAX_LEN);
	exit(2);
}

int main(int argc, char **argv)
{
	GUID gc = WSAID_CONNECTEX, gd = WSAID_DISCONNECTEX;
	const char *addr = NULL;
	const struct example_args args = { &family, &quiet, &addr };
	long portno = 0, len = req_len;
	const struct example_number nums[] = {
		{ "-p", 1, 65535, &portno },
		{ "-n", 1, 1000000000, &want },
		{ "-s", 1, MAX_POOL, &pool },
		{ "-l", 1, MAX_LEN, &len },
	};
	int ok;
	BOOL complete;
	WSADATA wsa;
	double t1;
	int i, rc;

	example_args(argc, argv, &args, nums, sizeof(nums) / sizeof(nums[0]),
		     usage);
	if (!portno)
		usage();
	req_len = (DWORD)len;
	if (WSAStartup(MAKEWORD(2, 2), &wsa)) {
		fprintf(stderr, "iocp_client: WSAStartup failed\n");
		return 1;
	}
	if (!addr)
		addr = family == AF_INET6 ? "::1" : "127.0.0.1";
	memset(&server, 0, sizeof(server));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&server;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)portno);
		ok = inet_pton(AF_INET, addr, &sin->sin_addr) == 1;
		server_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&server;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)portno);
		ok = inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1;
		server_len = sizeof(*sin6);
	}
	if (!ok) {
		fprintf(stderr, "iocp_client: %s: not an IPv%c address\n", addr,
			family == AF_INET ? '4' : '6');
		return 2;
	}

	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
	if (!port) {
		fprintf(stderr, "iocp_client: CreateIoCompletionPort: error %lu\n",
			(unsigned long)GetLastError());
		return 1;
	}
	for (i = 0; i < pool; i++) {
		slots[i].req = malloc(req_len);
		slots[i].reply = malloc(req_len);
		slots[i].s = new_socket(i);
		if (!slots[i].req || !slots[i].reply ||
		    slots[i].s == INVALID_SOCKET) {
			fprintf(stderr, "iocp_client: socket %d: error %d\n", i,
				WSAGetLastError());
			return 1;
		}
	}
	if (extension(slots[0].s, gc, &pConnectEx, sizeof(pConnectEx)) ||
	    extension(slots[0].s, gd, &pDisconnectEx, sizeof(pDisconnectEx))) {
		fprintf(stderr, "iocp_client: WSAIoctl: error %d\n",
			WSAGetLastError());
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "iocp_client: %ld connections of %lu bytes over %ld "
			"sockets to %s port %ld\n", want, (unsigned long)req_len,
			pool, addr, portno);

	t0 = now_s();
	complete = run();
	t1 = now_s();
	rc = report(complete, t1 - t0);
	for (i = 0; i < pool; i++)
		closesocket(slots[i].s);
	CloseHandle(port);
	WSACleanup();
	return rc;
}
