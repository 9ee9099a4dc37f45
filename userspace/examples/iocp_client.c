// SPDX-License-Identifier: MIT
/*
 * iocp_client - the smallest I/O completion port client that recycles its
 * sockets, written as a Windows program writes it: one port, every socket
 * associated with it (the key says which), and one loop around
 * GetQueuedCompletionStatus() that drives each socket through
 *
 *     ConnectEx (with the request) -> WSARecv (the echo)
 *         -> DisconnectEx(TF_REUSE_SOCKET) -> ConnectEx again ...
 *
 * The same source builds on Windows (x86_64-w64-mingw32-gcc iocp_client.c
 * -lws2_32) and on Linux against libdisconnectex:
 *
 *     cc iocp_client.c $(pkg-config --cflags --libs disconnectex)
 *
 * Usage: iocp_client HOST PORT [CONNECTIONS [POOL]]
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POOL	64
#define REQUEST_LEN	64
#define WAIT_MS		15000

enum step { CONNECTING, RECEIVING, DISCONNECTING };

struct slot {
	OVERLAPPED ov;		/* first: the packet's OVERLAPPED is the slot */
	SOCKET s;
	enum step step;
	char buf[REQUEST_LEN];
	WSABUF wb;
};

static LPFN_CONNECTEX pConnectEx;
static LPFN_DISCONNECTEX pDisconnectEx;
static struct sockaddr_storage peer;
static int peer_len;
static char request[REQUEST_LEN];

static int extension(SOCKET s, GUID guid, void *fn, size_t len)
{
	DWORD bytes;

	return WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			sizeof(guid), fn, (DWORD)len, &bytes, NULL, NULL);
}

/* Start the slot's next step: TRUE, or FALSE if it failed at once. */
static BOOL start(struct slot *sl)
{
	DWORD flags = 0, bytes;

	memset(&sl->ov, 0, sizeof(sl->ov));
	switch (sl->step) {
	case CONNECTING:
		if (pConnectEx(sl->s, (struct sockaddr *)&peer, peer_len,
			       request, REQUEST_LEN, NULL, &sl->ov))
			return TRUE;
		break;
	case RECEIVING:
		sl->wb.buf = sl->buf;
		sl->wb.len = REQUEST_LEN;
		if (!WSARecv(sl->s, &sl->wb, 1, &bytes, &flags, &sl->ov, NULL))
			return TRUE;
		break;
	case DISCONNECTING:
		if (pDisconnectEx(sl->s, &sl->ov, TF_REUSE_SOCKET, 0))
			return TRUE;
		break;
	}
	return WSAGetLastError() == WSA_IO_PENDING;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { 0 }, *ai;
	long want, started = 0, done = 0;
	struct slot slots[MAX_POOL];
	OVERLAPPED *ov;
	ULONG_PTR key;
	WSADATA wsa;
	HANDLE port;
	DWORD bytes;
	int pool, i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s HOST PORT [CONNECTIONS [POOL]]\n",
			argv[0]);
		return 2;
	}
	want = argc > 3 ? atol(argv[3]) : 100;
	pool = argc > 4 ? atoi(argv[4]) : 4;
	if (want < 1 || pool < 1 || pool > MAX_POOL) {
		fprintf(stderr, "CONNECTIONS >= 1, 1 <= POOL <= %d\n", MAX_POOL);
		return 2;
	}
	if (WSAStartup(MAKEWORD(2, 2), &wsa))
		return 1;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "cannot resolve %s %s\n", argv[1], argv[2]);
		return 1;
	}
	memcpy(&peer, ai->ai_addr, ai->ai_addrlen);
	peer_len = (int)ai->ai_addrlen;
	memset(request, 'r', sizeof(request));

	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	if (!port)
		return 1;
	for (i = 0; i < pool; i++) {
		struct sockaddr_storage any = { 0 };

		slots[i].s = WSASocketW(ai->ai_family, SOCK_STREAM, IPPROTO_TCP,
					NULL, 0, WSA_FLAG_OVERLAPPED);
		/* Windows wants ConnectEx's socket bound. */
		any.ss_family = (unsigned short)ai->ai_family;
		if (slots[i].s == INVALID_SOCKET ||
		    bind(slots[i].s, (struct sockaddr *)&any, peer_len) ||
		    !CreateIoCompletionPort((HANDLE)(ULONG_PTR)slots[i].s, port,
					    (ULONG_PTR)i, 0)) {
			fprintf(stderr, "socket %d: error %d\n", i,
				WSAGetLastError());
			return 1;
		}
		if (!pConnectEx &&
		    (extension(slots[i].s, (GUID)WSAID_CONNECTEX, &pConnectEx,
			       sizeof(pConnectEx)) ||
		     extension(slots[i].s, (GUID)WSAID_DISCONNECTEX,
			       &pDisconnectEx, sizeof(pDisconnectEx))))
			return 1;
	}
	freeaddrinfo(ai);

	for (i = 0; i < pool && started < want; i++, started++) {
		slots[i].step = CONNECTING;
		if (!start(&slots[i]))
			goto fail;
	}
	while (done < want) {
		if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, WAIT_MS)) {
			fprintf(stderr, "socket %lu: error %lu\n",
				(unsigned long)key, (unsigned long)GetLastError());
			return 1;
		}
		struct slot *sl = (struct slot *)ov;

		if (sl->step == RECEIVING && bytes != REQUEST_LEN) {
			fprintf(stderr, "socket %lu: short echo (%lu bytes)\n",
				(unsigned long)key, (unsigned long)bytes);
			return 1;
		}
		if (sl->step == DISCONNECTING) {
			done++;
			if (started == want)
				continue;
			started++;
			sl->step = CONNECTING;
		} else {
			sl->step = sl->step == CONNECTING ? RECEIVING :
							     DISCONNECTING;
		}
		if (!start(sl))
			goto fail;
	}
	printf("%ld connections on %d sockets through one completion port\n",
	       done, pool);
	for (i = 0; i < pool; i++)
		closesocket(slots[i].s);
	CloseHandle(port);
	WSACleanup();
	return 0;

fail:
	fprintf(stderr, "error %d at once\n", WSAGetLastError());
	return 1;
}
