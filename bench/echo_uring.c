// SPDX-License-Identifier: GPL-2.0
/*
 * portbench P1: the same echo server written directly on liburing.
 *
 * PB_URING is the completion port's design without the Windows layer, so
 * that the two differ in the library's cost and nothing else: one io_uring
 * for every connection and every thread, set up as the port's ring is
 * (CQSIZE 16384, CLAMP, SUBMIT_ALL; no COOP_TASKRUN, no DEFER_TASKRUN);
 * a thread takes one CQE at a time under a reaping mutex, handles it, and
 * submits the connection's next request at once, under a submission mutex,
 * in its own io_uring_enter(); with nothing to take it sleeps in
 * io_uring_wait_cqe() without any lock, so all the threads wait on the one
 * ring and any of them takes the next completion. That is what
 * GetQueuedCompletionStatus() does on a port (port.c: a reap mutex, one CQE
 * per packet, io_uring_enter(GETEVENTS) unlocked). Four rings, one per
 * thread, would be another design: connections tied to a thread, no
 * shared queue, no load balancing - the thing a completion port exists to
 * provide - so the four-thread comparison shares one ring.
 *
 * PB_URING_BATCH is what a liburing program with one thread would write:
 * io_uring_submit_and_wait(), every CQE of the batch, the follow-ups
 * submitted together by the next call. It is a reference point for how
 * much the one-completion-at-a-time loop itself costs.
 *
 * MSG_WAITALL | MSG_NOSIGNAL on sends, as the library's WSASend() uses.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <liburing.h>

#include "echo.h"
#include "echo_uring.h"
#include "ring.h"
#include "threads.h"

#define PB_URING_MAX_THREADS	16
#define UD_QUIT			1ULL	/* never a connection's address */

enum { OP_RECV, OP_SEND };

struct uconn {
	int fd;
	int op;
	unsigned int len;	/* of the send in flight */
	unsigned char buf[PB_MSG];
};

struct usrv {
	struct io_uring ring;
	pthread_mutex_t sq_lock;	/* io_uring_get_sqe() + submit */
	pthread_mutex_t cq_lock;	/* one reaper at a time */
	int n, threads, started;
	bool batch, done, ring_ok;
	struct pb_counts *counts;
	pthread_t tid[PB_URING_MAX_THREADS];
	struct uconn conns[];	/* n, allocated with the server */
};

static void us_prep(struct usrv *us, struct uconn *uc, int op, unsigned int len)
{
	struct io_uring_sqe *sqe = bench_sqe(&us->ring);

	uc->op = op;
	if (op == OP_RECV) {
		io_uring_prep_recv(sqe, uc->fd, uc->buf, PB_MSG, 0);
	} else {
		uc->len = len;
		io_uring_prep_send(sqe, uc->fd, uc->buf, len,
				   MSG_NOSIGNAL | MSG_WAITALL);
	}
	io_uring_sqe_set_data(sqe, uc);
}

/* The next request of @uc; the shared ring submits it at once. */
static void us_queue(struct usrv *us, struct uconn *uc, int op, unsigned int len)
{
	if (us->batch) {
		us_prep(us, uc, op, len);
		return;
	}
	pthread_mutex_lock(&us->sq_lock);
	us_prep(us, uc, op, len);
	io_uring_submit(&us->ring);
	pthread_mutex_unlock(&us->sq_lock);
}

static void us_end(struct usrv *us, struct uconn *uc, bool error)
{
	struct io_uring_sqe *sqe;
	int i;

	close(uc->fd);
	uc->fd = -1;
	if (pb_count_end(us->counts, error) != (uint64_t)us->n)
		return;
	if (us->batch) {
		us->done = true;
		return;
	}
	pthread_mutex_lock(&us->sq_lock);
	for (i = 0; i < us->threads; i++) {
		sqe = bench_sqe(&us->ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, UD_QUIT);
	}
	io_uring_submit(&us->ring);
	pthread_mutex_unlock(&us->sq_lock);
}

/* One completion; false for a quit. */
static bool us_event(struct usrv *us, uint64_t ud, int res)
{
	struct uconn *uc = (struct uconn *)(uintptr_t)ud;

	if (ud == UD_QUIT)
		return false;
	if (uc->op == OP_RECV) {
		if (res <= 0)			/* FIN, or an error */
			us_end(us, uc, res < 0);
		else
			us_queue(us, uc, OP_SEND, (unsigned int)res);
	} else if (res != (int)uc->len) {
		us_end(us, uc, true);
	} else {
		__atomic_add_fetch(&us->counts->echoed, 1, __ATOMIC_RELAXED);
		us_queue(us, uc, OP_RECV, 0);
	}
	return true;
}

static void *us_worker(void *arg)
{
	struct usrv *us = arg;
	struct io_uring_cqe *cqe;
	uint64_t ud = 0;
	int ret, res = 0;

	for (;;) {
		pthread_mutex_lock(&us->cq_lock);
		ret = io_uring_peek_cqe(&us->ring, &cqe);
		if (!ret) {
			ud = cqe->user_data;
			res = cqe->res;
			io_uring_cqe_seen(&us->ring, cqe);
		}
		pthread_mutex_unlock(&us->cq_lock);
		if (ret) {
			/* Only waits: another thread may take what comes. */
			ret = io_uring_wait_cqe(&us->ring, &cqe);
			if (ret && ret != -EINTR && ret != -EAGAIN) {
				fprintf(stderr, "portbench: io_uring_wait_cqe: %s\n",
					strerror(-ret));
				__atomic_add_fetch(&us->counts->errors, 1,
						   __ATOMIC_RELAXED);
				break;
			}
			continue;
		}
		if (!us_event(us, ud, res))
			break;
	}
	return NULL;
}

static void *us_batch(void *arg)
{
	struct usrv *us = arg;
	struct io_uring_cqe *cqe;
	unsigned int head, seen;
	int ret;

	while (!us->done) {
		ret = io_uring_submit_and_wait(&us->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EBUSY) {
			fprintf(stderr, "portbench: io_uring_submit_and_wait: %s\n",
				strerror(-ret));
			__atomic_add_fetch(&us->counts->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		seen = 0;
		io_uring_for_each_cqe(&us->ring, head, cqe) {
			us_event(us, cqe->user_data, cqe->res);
			seen++;
		}
		io_uring_cq_advance(&us->ring, seen);
	}
	return NULL;
}

/* The threads that started joined, then everything closed and freed. */
void pb_uring_wait(void *srv)
{
	struct usrv *us = srv;
	int i;

	bench_threads_join(us->tid, us->started);
	for (i = 0; i < us->n; i++)
		if (us->conns[i].fd >= 0)
			close(us->conns[i].fd);
	if (us->ring_ok)
		io_uring_queue_exit(&us->ring);
	pthread_mutex_destroy(&us->sq_lock);
	pthread_mutex_destroy(&us->cq_lock);
	free(us);
}

/* The port's ring parameters (userspace/src/ring.c, port.c). */
static int us_ring_init(struct io_uring *ring)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP |
			 IORING_SETUP_SUBMIT_ALL,
		.cq_entries = 16384,
	};

	return io_uring_queue_init_params(256, ring, &p);
}

void *pb_uring_start(int lfd, int n, int threads, bool batch,
		     struct pb_counts *counts)
{
	struct usrv *us;
	int i, ret;

	if (threads < 1 || threads > PB_URING_MAX_THREADS || (batch && threads != 1))
		return NULL;
	us = calloc(1, sizeof(*us) + (size_t)n * sizeof(us->conns[0]));
	if (!us)
		return NULL;
	pthread_mutex_init(&us->sq_lock, NULL);
	pthread_mutex_init(&us->cq_lock, NULL);
	us->n = n;
	us->threads = threads;
	us->batch = batch;
	us->counts = counts;
	for (i = 0; i < n; i++)
		us->conns[i].fd = -1;
	ret = us_ring_init(&us->ring);
	if (ret) {
		fprintf(stderr, "portbench: io_uring_queue_init: %s\n", strerror(-ret));
		goto err;
	}
	us->ring_ok = true;
	for (i = 0; i < n; i++) {
		us->conns[i].fd = accept(lfd, NULL, NULL);
		if (us->conns[i].fd < 0) {
			perror("portbench: accept");
			goto err;
		}
	}
	for (i = 0; i < n; i++)
		us_prep(us, &us->conns[i], OP_RECV, 0);
	io_uring_submit(&us->ring);
	us->started = bench_threads_start(us->tid, threads, batch ? us_batch : us_worker, us);
	if (us->started < threads) {
		fprintf(stderr, "portbench: pthread_create failed\n");
		goto err_threads;
	}
	return us;

err_threads:
	/* The started threads leave on their quit NOPs. */
	pthread_mutex_lock(&us->sq_lock);
	for (i = 0; i < us->started; i++) {
		struct io_uring_sqe *sqe = bench_sqe(&us->ring);

		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, UD_QUIT);
	}
	io_uring_submit(&us->ring);
	pthread_mutex_unlock(&us->sq_lock);
err:
	pb_uring_wait(us);
	return NULL;
}
