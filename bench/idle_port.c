// SPDX-License-Identifier: GPL-2.0
/*
 * portbench P2: the Windows side - N accepted sockets on one completion
 * port, an overlapped WSARecv pending on each, then the completions
 * drained. Against <winsock2.h> and <windows.h> only.
 *
 * The program's own memory for each socket (its OVERLAPPED, WSABUF and a
 * 64-byte buffer) and the port are allocated in pb_idle_port_new(), before
 * any measurement, so that what P2 reports per operation is what the
 * library and the kernel add.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"
#include "idle_port.h"
#include "util.h"
#include "wsa.h"

struct pb_idle_conn {
	OVERLAPPED ov;
	WSABUF wb;
	SOCKET s;
	char buf[PB_MSG];
};

struct pb_idle_port {
	HANDLE port;
	int n;
	bool wsa;
	struct pb_idle_conn *c;
	unsigned char *seen;
};

void pb_idle_port_free(struct pb_idle_port *ip)
{
	int i;

	if (!ip)
		return;
	for (i = 0; ip->c && i < ip->n; i++)
		pb_wsa_close(ip->c[i].s);
	pb_wsa_end(ip->port, ip->wsa);
	free(ip->c);
	free(ip->seen);
	free(ip);
}

struct pb_idle_port *pb_idle_port_new(int n)
{
	struct pb_idle_port *ip = calloc(1, sizeof(*ip));
	WSADATA wsa;
	int i;

	if (!ip)
		return NULL;
	ip->n = n;
	ip->c = calloc(n, sizeof(*ip->c));
	ip->seen = calloc(n, 1);
	if (!ip->c || !ip->seen)
		goto err;
	for (i = 0; i < n; i++) {
		ip->c[i].s = INVALID_SOCKET;
		ip->c[i].wb.buf = ip->c[i].buf;
		ip->c[i].wb.len = PB_MSG;
	}
	if (WSAStartup(MAKEWORD(2, 2), &wsa))
		goto err;
	ip->wsa = true;
	ip->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	if (!ip->port) {
		bench_log("# portbench: P2: CreateIoCompletionPort: %lu",
		       (unsigned long)GetLastError());
		goto err;
	}
	return ip;

err:
	pb_idle_port_free(ip);
	return NULL;
}

/* Winsock's accept() of the next connection on @lfd into slot @i: 0 or -1. */
int pb_idle_port_accept(struct pb_idle_port *ip, int i, int lfd)
{
	ip->c[i].s = accept(lfd, NULL, NULL);
	if (ip->c[i].s != INVALID_SOCKET)
		return 0;
	bench_log("# portbench: P2: accept %d: WSA error %d", i, WSAGetLastError());
	return -1;
}

int pb_idle_port_fd(const struct pb_idle_port *ip, int i)
{
	return ip->c[i].s;
}

void *pb_idle_port_buf(struct pb_idle_port *ip, int i, size_t *len)
{
	*len = PB_MSG;
	return ip->c[i].buf;
}

/* Every socket on the port, its index as the key: failures. */
int pb_idle_port_assoc(struct pb_idle_port *ip)
{
	int i, bad = 0;

	for (i = 0; i < ip->n; i++)
		if (CreateIoCompletionPort(pb_wsa_handle(ip->c[i].s), ip->port,
					   (ULONG_PTR)i, 0) != ip->port &&
		    ++bad <= 3)
			bench_log("# portbench: P2: associate %d: %lu", i,
			       (unsigned long)GetLastError());
	return bad;
}

/*
 * A WSARecv on every socket: each must go pending (the peers are silent),
 * and nothing may be on the port afterwards. Failures.
 */
int pb_idle_port_recv(struct pb_idle_port *ip)
{
	OVERLAPPED *ov = NULL;
	ULONG_PTR key;
	DWORD bytes;
	int i, bad = 0, err;

	for (i = 0; i < ip->n; i++) {
		err = pb_wsa_recv(ip->c[i].s, &ip->c[i].wb, &ip->c[i].ov);
		if (err == WSA_IO_PENDING)
			continue;
		/* 0: completed, the peer sent something */
		if (++bad <= 3)
			bench_log("# portbench: P2: WSARecv %d did not go pending: %d",
			       i, err);
	}
	if (GetQueuedCompletionStatus(ip->port, &bytes, &key, &ov, 0) || ov ||
	    GetLastError() != WAIT_TIMEOUT) {
		bench_log("# portbench: P2: a packet while every peer is silent");
		bad++;
	}
	return bad;
}

/*
 * After the peers' resets: one packet per socket, each a failure (the
 * reset); the number of sockets that reported exactly once, or -1 if any
 * reported twice or reported success.
 */
long pb_idle_port_drain(struct pb_idle_port *ip, int timeout_ms)
{
	double deadline = bench_now() + timeout_ms / 1000.0;
	OVERLAPPED *ov;
	ULONG_PTR key;
	DWORD bytes;
	long got = 0, bad = 0;
	BOOL ok;

	while (got < ip->n && bench_now() < deadline) {
		ov = NULL;
		ok = GetQueuedCompletionStatus(ip->port, &bytes, &key, &ov, 1000);
		if (!ov) {
			if (GetLastError() != WAIT_TIMEOUT) {
				bench_log("# portbench: P2: GetQueuedCompletionStatus: %lu",
				       (unsigned long)GetLastError());
				return -1;
			}
			continue;
		}
		if (key >= (ULONG_PTR)ip->n || ov != &ip->c[key].ov ||
		    ip->seen[key] || ok) {
			if (++bad <= 3)
				bench_log("# portbench: P2: unexpected packet: key %lu ok %d bytes %lu",
				       (unsigned long)key, ok, (unsigned long)bytes);
			continue;
		}
		ip->seen[key] = 1;
		got++;
	}
	return bad ? -1 : got;
}
