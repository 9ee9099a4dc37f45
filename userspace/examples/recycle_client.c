// SPDX-License-Identifier: MIT
/*
 * recycle_client - many connections over a small pool of sockets, written
 * the way a Windows program does it: Winsock 2, extension functions fetched
 * with WSAIoctl, overlapped ConnectEx and DisconnectEx(TF_REUSE_SOCKET),
 * one event per socket, WSAWaitForMultipleEvents, WSAGetOverlappedResult.
 *
 * The same source builds on Windows (cl recycle_client.c ws2_32.lib, or
 * x86_64-w64-mingw32-gcc recycle_client.c -lws2_32) and on Linux against
 * libdisconnectex:
 *
 *     cc recycle_client.c $(pkg-config --cflags --libs disconnectex)
 *
 * Usage: recycle_client HOST PORT [CONNECTIONS [POOL]]
 *
 * Each connection sends a request as ConnectEx's first buffer, reads the
 * echo back with recv(), and ends with DisconnectEx(TF_REUSE_SOCKET), after
 * which the same socket connects again.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POOL	64
#define REQUEST_LEN	512
#define WAIT_MS		15000

enum slot_state {
	SLOT_CONNECTING,
	SLOT_DISCONNECTING,
	SLOT_IDLE,
};

struct slot {
	SOCKET s;
	WSAOVERLAPPED ov;
	enum slot_state state;
	int uses;
	char request[REQUEST_LEN];
	char reply[REQUEST_LEN];
};

static LPFN_CONNECTEX pConnectEx;
static LPFN_DISCONNECTEX pDisconnectEx;

static struct slot slots[MAX_POOL];
static WSAEVENT events[MAX_POOL];
static struct addrinfo *server;
static int started;

static int fail(const char *what)
{
	fprintf(stderr, "recycle_client: %s failed: %d\n", what,
		WSAGetLastError());
	return 1;
}

static int load_extension(SOCKET s, GUID guid, void *fn, DWORD size)
{
	DWORD bytes = 0;

	return WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			sizeof(guid), fn, size, &bytes, NULL, NULL);
}

static int start_connect(struct slot *sl)
{
	int i;

	for (i = 0; i < REQUEST_LEN; i++)
		sl->request[i] = (char)('a' + (started + i) % 26);
	started++;
	sl->state = SLOT_CONNECTING;
	if (!pConnectEx(sl->s, server->ai_addr, (int)server->ai_addrlen,
			sl->request, REQUEST_LEN, NULL, &sl->ov) &&
	    WSAGetLastError() != ERROR_IO_PENDING)
		return fail("ConnectEx");
	return 0;
}

static int start_disconnect(struct slot *sl)
{
	sl->state = SLOT_DISCONNECTING;
	if (!pDisconnectEx(sl->s, &sl->ov, TF_REUSE_SOCKET, 0) &&
	    WSAGetLastError() != ERROR_IO_PENDING)
		return fail("DisconnectEx");
	return 0;
}

static int read_reply(struct slot *sl)
{
	int got = 0, n;

	while (got < REQUEST_LEN) {
		n = recv(sl->s, sl->reply + got, REQUEST_LEN - got, 0);
		if (n <= 0) {
			fprintf(stderr, "recycle_client: recv: %s\n",
				n ? "error" : "connection closed early");
			return 1;
		}
		got += n;
	}
	if (memcmp(sl->reply, sl->request, REQUEST_LEN)) {
		fprintf(stderr, "recycle_client: bad echo\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	GUID guid_connectex = WSAID_CONNECTEX;
	GUID guid_disconnectex = WSAID_DISCONNECTEX;
	struct sockaddr_storage local;
	struct addrinfo hints;
	int total, pool, done = 0, i, ret = 1;
	DWORD w, bytes, flags;
	BOOL one = TRUE;
	WSADATA wsa;

	if (argc < 3) {
		fprintf(stderr,
			"usage: %s HOST PORT [CONNECTIONS [POOL]]\n", argv[0]);
		return 2;
	}
	total = argc > 3 ? atoi(argv[3]) : 1000;
	pool = argc > 4 ? atoi(argv[4]) : 4;
	if (total < 1 || pool < 1 || pool > MAX_POOL) {
		fprintf(stderr, "recycle_client: bad counts\n");
		return 2;
	}
	if (pool > total)
		pool = total;
	for (i = 0; i < MAX_POOL; i++)
		slots[i].s = INVALID_SOCKET;

	if (WSAStartup(MAKEWORD(2, 2), &wsa)) {
		fprintf(stderr, "recycle_client: WSAStartup failed\n");
		return 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	if (getaddrinfo(argv[1], argv[2], &hints, &server)) {
		fprintf(stderr, "recycle_client: cannot resolve %s\n", argv[1]);
		goto out_cleanup;
	}

	for (i = 0; i < pool; i++) {
		struct slot *sl = &slots[i];

		sl->s = socket(server->ai_family, SOCK_STREAM, IPPROTO_TCP);
		if (sl->s == INVALID_SOCKET) {
			fail("socket");
			goto out_close;
		}
		/* ConnectEx wants a bound socket; port 0: any. */
		memset(&local, 0, sizeof(local));
		local.ss_family = (unsigned short)server->ai_family;
		if (bind(sl->s, (struct sockaddr *)&local,
			 (int)server->ai_addrlen) == SOCKET_ERROR) {
			fail("bind");
			goto out_close;
		}
		setsockopt(sl->s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one,
			   sizeof(one));
		events[i] = WSACreateEvent();
		if (events[i] == WSA_INVALID_EVENT) {
			fail("WSACreateEvent");
			goto out_close;
		}
		memset(&sl->ov, 0, sizeof(sl->ov));
		sl->ov.hEvent = events[i];
		sl->state = SLOT_IDLE;
	}

	if (load_extension(slots[0].s, guid_connectex, &pConnectEx,
			   sizeof(pConnectEx)) ||
	    load_extension(slots[0].s, guid_disconnectex, &pDisconnectEx,
			   sizeof(pDisconnectEx))) {
		fail("WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)");
		goto out_close;
	}

	for (i = 0; i < pool; i++)
		if (start_connect(&slots[i]))
			goto out_close;

	while (done < total) {
		struct slot *sl;

		w = WSAWaitForMultipleEvents((DWORD)pool, events, FALSE,
					     WAIT_MS, FALSE);
		if (w == WSA_WAIT_TIMEOUT) {
			fprintf(stderr, "recycle_client: nothing completed in %d ms\n",
				WAIT_MS);
			goto out_close;
		}
		if (w == WSA_WAIT_FAILED) {
			fail("WSAWaitForMultipleEvents");
			goto out_close;
		}
		sl = &slots[w - WSA_WAIT_EVENT_0];
		WSAResetEvent(sl->ov.hEvent);
		if (!WSAGetOverlappedResult(sl->s, &sl->ov, &bytes, FALSE,
					    &flags)) {
			fail(sl->state == SLOT_CONNECTING ? "ConnectEx" :
							    "DisconnectEx");
			goto out_close;
		}
		if (sl->state == SLOT_CONNECTING) {
			if (bytes != REQUEST_LEN) {
				fprintf(stderr, "recycle_client: sent %lu of %d\n",
					(unsigned long)bytes, REQUEST_LEN);
				goto out_close;
			}
			if (read_reply(sl) || start_disconnect(sl))
				goto out_close;
		} else {
			sl->uses++;
			done++;
			if (started < total) {
				if (start_connect(sl))
					goto out_close;
			} else {
				sl->state = SLOT_IDLE;
			}
		}
	}

	printf("%d connections on %d sockets (%s)\n", done, pool,
	       wsa.szDescription);
	for (i = 0; i < pool; i++)
		printf("socket %llu: %d connections\n",
		       (unsigned long long)slots[i].s, slots[i].uses);
	ret = 0;

out_close:
	for (i = 0; i < pool; i++) {
		if (slots[i].s != INVALID_SOCKET)
			closesocket(slots[i].s);
		if (events[i])
			WSACloseEvent(events[i]);
	}
	freeaddrinfo(server);
out_cleanup:
	WSACleanup();
	return ret;
}
