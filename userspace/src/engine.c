// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The completion engine: the process's ring for sockets without a
 * completion port, and one library thread that reaps it.
 *
 * Any thread submits (ring.c); only the engine thread reaps. Completions
 * therefore happen - OVERLAPPED updated, hEvent signalled - even if the
 * program never calls the library again.
 *
 * The engine thread runs operation callbacks, which may queue follow-up
 * SQEs; it submits those once per batch of CQEs rather than once each.
 *
 * The ring is created on first use and torn down by the last WSACleanup()
 * when no result is still owed to the program. A forked child gets a fresh
 * engine on first use; the parent's ring and its operations are not the
 * child's.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DCX_SQ_ENTRIES		256
#define DCX_CQ_ENTRIES		16384
#define DCX_UDATA_STOP		1	/* NULL op, tag 1: leave the loop */

static struct {
	struct dcx_ring r;	/* r.lock also covers every field below */
	pthread_cond_t stopped;	/* signalled when stopping ends */
	pthread_t thread;
	bool running;
	bool stopping;		/* dcx_engine_shutdown() is joining */
} dcx_engine_state = {
	.r = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.engine = true,
	},
	.stopped = PTHREAD_COND_INITIALIZER,
};

static __thread bool dcx_on_engine;
static pthread_once_t dcx_atfork_once = PTHREAD_ONCE_INIT;

bool dcx_engine_current(void)
{
	return dcx_on_engine;
}

static void dcx_engine_flush_deferred(void)
{
	struct dcx_ring *r = &dcx_engine_state.r;

	pthread_mutex_lock(&r->lock);
	if (r->deferred) {
		r->deferred = false;
		dcx_ring_submit_locked(r);
	}
	pthread_mutex_unlock(&r->lock);
}

static void *dcx_engine_main(void *arg)
{
	struct dcx_ring *r = arg;
	struct io_uring_cqe *cqe;
	unsigned int head, n;
	bool stop = false;
	int ret;

	dcx_on_engine = true;
	dcx_io_cache_off();
	/* After the stop request, drain the operations' internal tails. */
	while (!stop || __atomic_load_n(&r->ops, __ATOMIC_ACQUIRE)) {
		ret = io_uring_wait_cqe(&r->ring, &cqe);
		if (ret == -EBADF || ret == -EOPNOTSUPP) {
			/* The program closed our ring fd: nothing can complete. */
			break;
		}
		if (ret < 0)
			continue;
		n = 0;
		io_uring_for_each_cqe(&r->ring, head, cqe) {
			n++;
			if (cqe->user_data == DCX_UDATA_STOP)
				stop = true;
			else
				dcx_ring_dispatch(r, cqe);
		}
		io_uring_cq_advance(&r->ring, n);
		if (__atomic_load_n(&r->deferred, __ATOMIC_RELAXED))
			dcx_engine_flush_deferred();
	}
	return NULL;
}

static int dcx_engine_start(void)
{
	struct dcx_ring *r = &dcx_engine_state.r;
	sigset_t all, old;
	int ret;

	ret = dcx_ring_init(r, DCX_SQ_ENTRIES, DCX_CQ_ENTRIES);
	if (ret < 0)
		return ret;

	/* Signals are for the program's threads, never for ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&dcx_engine_state.thread, NULL, dcx_engine_main,
			      r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		dcx_ring_exit(r);
		return ret;
	}
	pthread_setname_np(dcx_engine_state.thread, "dcx-engine");
	dcx_engine_state.running = true;
	return 0;
}

static void dcx_atfork_prepare(void)
{
	/* In the order the library nests them: a cancel takes a ring's lock. */
	dcx_cancel_atfork_prepare();
	pthread_mutex_lock(&dcx_engine_state.r.lock);
	dcx_event_atfork_prepare();
	dcx_port_atfork_prepare();
	dcx_emul_atfork_prepare();
}

static void dcx_atfork_parent(void)
{
	dcx_emul_atfork_parent();
	dcx_port_atfork_parent();
	dcx_event_atfork_parent();
	pthread_mutex_unlock(&dcx_engine_state.r.lock);
	dcx_cancel_atfork_parent();
}

static void dcx_atfork_child(void)
{
	struct dcx_ring *r = &dcx_engine_state.r;

	dcx_emul_atfork_child();
	dcx_cancel_atfork_child();
	dcx_opts_atfork_child();
	dcx_port_atfork_child();
	dcx_event_atfork_child();
	dcx_ov_atfork_child();
	if (dcx_engine_state.running) {
		/* Unmap and close our copies; the parent's ring is untouched. */
		dcx_ring_exit(r);
	}
	dcx_engine_state.running = false;
	dcx_engine_state.stopping = false;
	r->deferred = false;
	r->broken = 0;
	r->ops = 0;
	r->unreported = 0;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&dcx_engine_state.stopped, NULL);
}

static void dcx_register_atfork(void)
{
	pthread_atfork(dcx_atfork_prepare, dcx_atfork_parent,
		       dcx_atfork_child);
}

/* The library's fork handlers: before the first ring of any kind. */
void dcx_atfork_register(void)
{
	pthread_once(&dcx_atfork_once, dcx_register_atfork);
}

/*
 * The engine's ring, locked, started if needed; NULL with *err set when it
 * cannot be had.
 */
struct dcx_ring *dcx_engine_lock(int *err)
{
	struct dcx_ring *r = &dcx_engine_state.r;
	int ret;

	dcx_atfork_register();
	pthread_mutex_lock(&r->lock);
	/* Wait out a shutdown in progress (the engine itself never waits). */
	while (dcx_engine_state.stopping && !dcx_on_engine)
		pthread_cond_wait(&dcx_engine_state.stopped, &r->lock);
	ret = r->broken;
	if (!ret && !dcx_engine_state.running)
		ret = dcx_engine_start();
	if (ret) {
		pthread_mutex_unlock(&r->lock);
		*err = ret;
		return NULL;
	}
	return r;
}

/*
 * Stop the engine unless the program still waits for a result (Windows
 * would cancel those; we keep running instead). The engine thread drains
 * internal tails before it exits. The lock is not held across the join, so
 * the engine can still submit; new users wait on dcx_engine_state.stopped.
 */
void dcx_engine_shutdown(void)
{
	struct dcx_ring *r = &dcx_engine_state.r;
	struct io_uring_sqe *sqe;

	pthread_mutex_lock(&r->lock);
	while (dcx_engine_state.stopping)
		pthread_cond_wait(&dcx_engine_state.stopped, &r->lock);
	if (!dcx_engine_state.running || dcx_on_engine ||
	    __atomic_load_n(&r->unreported, __ATOMIC_ACQUIRE))
		goto out;
	sqe = dcx_ring_sqe(r);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, DCX_UDATA_STOP);
	if (dcx_ring_submit_locked(r))
		goto out;
	dcx_engine_state.stopping = true;
	pthread_mutex_unlock(&r->lock);

	pthread_join(dcx_engine_state.thread, NULL);

	pthread_mutex_lock(&r->lock);
	dcx_ring_exit(r);
	dcx_engine_state.running = false;
	dcx_engine_state.stopping = false;
	pthread_cond_broadcast(&dcx_engine_state.stopped);
out:
	pthread_mutex_unlock(&r->lock);
}
