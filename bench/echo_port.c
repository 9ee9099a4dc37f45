// SPDX-License-Identifier: GPL-2.0
/*
 * portbench P1: the echo server on a completion port, written as a Windows
 * server is - against <winsock2.h> and <windows.h> only, nothing of Linux
 * but pthreads.
 *
 * Every accepted socket is associated with one port; each connection has
 * one operation in flight: WSARecv into its 64-byte buffer, and when that
 * completes with N bytes, WSASend of those N bytes, then WSARecv again.
 * The threads all sit in GetQueuedCompletionStatus() on the one port and
 * take whichever packet comes; the OVERLAPPED, first in the connection,
 * says whose it is. An operation that succeeds at once still completes
 * through the port (no FILE_SKIP_COMPLETION_PORT_ON_SUCCESS): the classic
 * loop. lpNumberOfBytesRecvd/Sent are NULL, as Microsoft's documentation
 * advises for overlapped calls.
 *
 * A connection ends with the client's FIN (a receive of 0 bytes) or an
 * error; the thread that ends the last one posts one quit packet per
 * thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"
#include "echo_port.h"
#include "threads.h"
#include "wsa.h"

#define PB_PORT_MAX_THREADS	16
#define KEY_CONN		((ULONG_PTR)1)
#define KEY_QUIT		((ULONG_PTR)2)

enum { OP_RECV, OP_SEND };

struct pconn {
	OVERLAPPED ov;		/* first: lpOverlapped is the connection */
	WSABUF wb;
	SOCKET s;
	int op;
	char buf[PB_MSG];
};

struct psrv {
	HANDLE port;
	int n, threads, started;
	bool wsa;
	struct pb_counts *counts;
	pthread_t tid[PB_PORT_MAX_THREADS];
	struct pconn conns[];	/* n, allocated with the server */
};

/* Start the next operation: TRUE if its completion will reach the port. */
static BOOL pc_recv(struct pconn *pc)
{
	int err;

	pc->op = OP_RECV;
	pc->wb.buf = pc->buf;
	pc->wb.len = PB_MSG;
	err = pb_wsa_recv(pc->s, &pc->wb, &pc->ov);
	return !err || err == WSA_IO_PENDING;
}

static BOOL pc_send(struct pconn *pc, DWORD bytes)
{
	memset(&pc->ov, 0, sizeof(pc->ov));
	pc->op = OP_SEND;
	pc->wb.buf = pc->buf;
	pc->wb.len = bytes;
	if (!WSASend(pc->s, &pc->wb, 1, NULL, 0, &pc->ov, NULL))
		return TRUE;
	return WSAGetLastError() == WSA_IO_PENDING;
}

static void pc_end(struct psrv *ps, struct pconn *pc, bool error)
{
	int i;

	closesocket(pc->s);
	pc->s = INVALID_SOCKET;
	if (pb_count_end(ps->counts, error) != (uint64_t)ps->n)
		return;
	for (i = 0; i < ps->threads; i++)
		if (!PostQueuedCompletionStatus(ps->port, 0, KEY_QUIT, NULL))
			fprintf(stderr, "portbench: PostQueuedCompletionStatus: %lu\n",
				(unsigned long)GetLastError());
}

static void *pc_worker(void *arg)
{
	struct psrv *ps = arg;
	struct pconn *pc;
	OVERLAPPED *ov;
	ULONG_PTR key;
	DWORD bytes;
	BOOL ok;

	for (;;) {
		ok = GetQueuedCompletionStatus(ps->port, &bytes, &key, &ov,
					       INFINITE);
		if (!ov) {
			if (ok && key == KEY_QUIT)
				break;
			/* The port itself failed: nothing more will come. */
			fprintf(stderr, "portbench: GetQueuedCompletionStatus: %lu\n",
				(unsigned long)GetLastError());
			__atomic_add_fetch(&ps->counts->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		pc = (struct pconn *)ov;
		if (!ok) {			/* reset, or aborted */
			pc_end(ps, pc, true);
		} else if (pc->op == OP_RECV) {
			if (!bytes)		/* the client's FIN */
				pc_end(ps, pc, false);
			else if (!pc_send(pc, bytes))
				pc_end(ps, pc, true);
		} else if (bytes != pc->wb.len) {
			pc_end(ps, pc, true);
		} else {
			__atomic_add_fetch(&ps->counts->echoed, 1, __ATOMIC_RELAXED);
			if (!pc_recv(pc))
				pc_end(ps, pc, true);
		}
	}
	return NULL;
}

/* The threads that started joined, then everything closed and freed. */
void pb_port_wait(void *srv)
{
	struct psrv *ps = srv;
	int i;

	bench_threads_join(ps->tid, ps->started);
	for (i = 0; i < ps->n; i++)
		pb_wsa_close(ps->conns[i].s);
	pb_wsa_end(ps->port, ps->wsa);
	free(ps);
}

void *pb_port_start(int lfd, int n, int threads, struct pb_counts *counts)
{
	struct psrv *ps;
	WSADATA wsa;
	int i;

	if (threads < 1 || threads > PB_PORT_MAX_THREADS)
		return NULL;
	ps = calloc(1, sizeof(*ps) + (size_t)n * sizeof(ps->conns[0]));
	if (!ps)
		return NULL;
	ps->counts = counts;
	ps->threads = threads;
	ps->n = n;
	for (i = 0; i < n; i++)
		ps->conns[i].s = INVALID_SOCKET;
	if (WSAStartup(MAKEWORD(2, 2), &wsa)) {
		fprintf(stderr, "portbench: WSAStartup failed\n");
		goto err;
	}
	ps->wsa = true;
	ps->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0,
					  (DWORD)threads);
	if (!ps->port) {
		fprintf(stderr, "portbench: CreateIoCompletionPort: %lu\n",
			(unsigned long)GetLastError());
		goto err;
	}
	for (i = 0; i < n; i++) {
		ps->conns[i].s = accept(lfd, NULL, NULL);
		if (ps->conns[i].s == INVALID_SOCKET) {
			fprintf(stderr, "portbench: accept: %d\n", WSAGetLastError());
			goto err;
		}
		if (CreateIoCompletionPort(pb_wsa_handle(ps->conns[i].s), ps->port,
					   KEY_CONN, 0) != ps->port) {
			fprintf(stderr, "portbench: associate: %lu\n",
				(unsigned long)GetLastError());
			goto err;
		}
	}
	for (i = 0; i < n; i++)
		if (!pc_recv(&ps->conns[i])) {
			fprintf(stderr, "portbench: WSARecv: %d\n", WSAGetLastError());
			goto err;
		}
	ps->started = bench_threads_start(ps->tid, threads, pc_worker, ps);
	if (ps->started < threads) {
		fprintf(stderr, "portbench: pthread_create failed\n");
		goto err;
	}
	return ps;

err:
	/* Threads already started leave through the port's close. */
	if (ps->started) {
		CloseHandle(ps->port);
		ps->port = NULL;
	}
	pb_port_wait(ps);
	return NULL;
}
