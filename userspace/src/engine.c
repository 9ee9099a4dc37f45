// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The completion engine: one io_uring per process and one library thread
 * that reaps it.
 *
 * Any thread submits, under a mutex, so the io_uring request is issued in
 * the caller's own system call: the socket fd is looked up before the call
 * returns, as Windows code expects. Only the engine thread reaps. The SQ and
 * CQ rings are independent, so one submitter at a time (the mutex) and one
 * reaper (the thread) never race. Completions therefore happen - OVERLAPPED
 * updated, hEvent signalled - even if the program never calls the library
 * again.
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
	pthread_mutex_t lock;	/* the SQ, and every field below */
	pthread_cond_t stopped;	/* signalled when stopping ends */
	struct io_uring ring;
	pthread_t thread;
	bool running;
	bool stopping;		/* dcx_engine_shutdown() is joining */
	bool deferred;		/* SQEs queued by the engine thread */
	int broken;		/* -errno: submission failed for good */
} dcx_engine = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.stopped = PTHREAD_COND_INITIALIZER,
};

/*
 * Operations with SQEs in flight, and those of them whose result the
 * program has not been given yet. The difference is internal tails (a
 * timeout being removed, a cancel acknowledged) that end within
 * microseconds.
 */
static unsigned long dcx_engine_ops;
static unsigned long dcx_engine_unreported;

/*
 * Bumped (release) before every submission and read (acquire) by the
 * engine thread after it sees each CQE. The kernel already orders an SQE
 * before its CQE, but the C memory model (and ThreadSanitizer) cannot see
 * that: this makes what the submitter wrote into an operation visibly
 * happen-before the engine thread reads it.
 */
static unsigned long dcx_engine_seq;
static __thread bool dcx_on_engine;
static pthread_once_t dcx_atfork_once = PTHREAD_ONCE_INIT;

static void dcx_short_sleep(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Submit everything queued. Transient failures (no memory for requests
 * right now, a signal) are retried. Anything else means SQEs that may or may
 * not be issued later; their operations are deliberately leaked rather than
 * freed under the kernel, and the engine refuses new work.
 */
static int dcx_submit_locked(void)
{
	struct io_uring *ring = &dcx_engine.ring;
	int ret;

	while (io_uring_sq_ready(ring)) {
		__atomic_fetch_add(&dcx_engine_seq, 1, __ATOMIC_RELEASE);
		ret = io_uring_submit(ring);
		if (ret > 0)
			continue;
		if (ret == 0 || ret == -EINTR || ret == -EAGAIN ||
		    ret == -EBUSY || ret == -ENOMEM) {
			dcx_short_sleep();
			continue;
		}
		dcx_engine.broken = ret;
		return ret;
	}
	return 0;
}

static void dcx_engine_flush_deferred(void)
{
	pthread_mutex_lock(&dcx_engine.lock);
	if (dcx_engine.deferred) {
		dcx_engine.deferred = false;
		dcx_submit_locked();
	}
	pthread_mutex_unlock(&dcx_engine.lock);
}

static void *dcx_engine_main(void *arg)
{
	struct io_uring *ring = arg;
	struct io_uring_cqe *cqe;
	struct dcx_op *op;
	unsigned int head, n;
	bool stop = false;
	uint64_t ud;
	int ret;

	dcx_on_engine = true;
	/* After the stop request, drain the operations' internal tails. */
	while (!stop || __atomic_load_n(&dcx_engine_ops, __ATOMIC_ACQUIRE)) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret == -EBADF || ret == -EOPNOTSUPP) {
			/* The program closed our ring fd: nothing can complete. */
			break;
		}
		if (ret < 0) {
			if (ret != -EINTR && ret != -EAGAIN)
				dcx_short_sleep();
			continue;
		}
		n = 0;
		io_uring_for_each_cqe(ring, head, cqe) {
			n++;
			__atomic_load_n(&dcx_engine_seq, __ATOMIC_ACQUIRE);
			ud = cqe->user_data;
			if (ud == DCX_UDATA_STOP) {
				stop = true;
				continue;
			}
			op = (struct dcx_op *)(uintptr_t)(ud & ~DCX_TAG_MASK);
			if (op)
				op->fn(op, (unsigned int)(ud & DCX_TAG_MASK),
				       cqe->res);
		}
		io_uring_cq_advance(ring, n);
		if (__atomic_load_n(&dcx_engine.deferred, __ATOMIC_RELAXED))
			dcx_engine_flush_deferred();
	}
	return NULL;
}

static int dcx_engine_start(void)
{
	struct io_uring_params p;
	sigset_t all, old;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP |
		  IORING_SETUP_SUBMIT_ALL;
	p.cq_entries = DCX_CQ_ENTRIES;
	ret = io_uring_queue_init_params(DCX_SQ_ENTRIES, &dcx_engine.ring, &p);
	if (ret == -EINVAL) {
		/* Before 5.18: no SUBMIT_ALL. */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
		p.cq_entries = DCX_CQ_ENTRIES;
		ret = io_uring_queue_init_params(DCX_SQ_ENTRIES,
						 &dcx_engine.ring, &p);
	}
	if (ret < 0)
		goto err;

	/* Signals are for the program's threads, never for ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&dcx_engine.thread, NULL, dcx_engine_main,
			      &dcx_engine.ring);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		goto err_ring;
	pthread_setname_np(dcx_engine.thread, "dcx-engine");
	dcx_engine.running = true;
	return 0;

err_ring:
	io_uring_queue_exit(&dcx_engine.ring);
err:
	return ret;
}

static void dcx_atfork_prepare(void)
{
	pthread_mutex_lock(&dcx_engine.lock);
	dcx_event_atfork_prepare();
	dcx_emul_atfork_prepare();
}

static void dcx_atfork_parent(void)
{
	dcx_emul_atfork_parent();
	dcx_event_atfork_parent();
	pthread_mutex_unlock(&dcx_engine.lock);
}

static void dcx_atfork_child(void)
{
	dcx_emul_atfork_child();
	dcx_event_atfork_child();
	dcx_ov_atfork_child();
	if (dcx_engine.running) {
		/* Unmap and close our copies; the parent's ring is untouched. */
		io_uring_queue_exit(&dcx_engine.ring);
	}
	dcx_engine.running = false;
	dcx_engine.stopping = false;
	dcx_engine.deferred = false;
	dcx_engine.broken = 0;
	dcx_engine_ops = 0;
	dcx_engine_unreported = 0;
	pthread_mutex_init(&dcx_engine.lock, NULL);
	pthread_cond_init(&dcx_engine.stopped, NULL);
}

static void dcx_register_atfork(void)
{
	pthread_atfork(dcx_atfork_prepare, dcx_atfork_parent,
		       dcx_atfork_child);
}

/* Take the submission side, starting the engine if needed: 0 or -errno. */
int dcx_engine_lock(void)
{
	int ret;

	pthread_once(&dcx_atfork_once, dcx_register_atfork);
	pthread_mutex_lock(&dcx_engine.lock);
	/* Wait out a shutdown in progress (the engine itself never waits). */
	while (dcx_engine.stopping && !dcx_on_engine)
		pthread_cond_wait(&dcx_engine.stopped, &dcx_engine.lock);
	ret = dcx_engine.broken;
	if (!ret && !dcx_engine.running)
		ret = dcx_engine_start();
	if (ret)
		pthread_mutex_unlock(&dcx_engine.lock);
	return ret;
}

/*
 * An SQE, under dcx_engine_lock(). Never NULL: a full SQ is submitted. If
 * the ring broke meanwhile, a scratch SQE that goes nowhere is returned and
 * dcx_engine_unlock() reports the error.
 */
struct io_uring_sqe *dcx_engine_sqe(void)
{
	static struct io_uring_sqe scratch;
	struct io_uring_sqe *sqe;

	while (!(sqe = io_uring_get_sqe(&dcx_engine.ring))) {
		if (dcx_submit_locked())
			return &scratch;
	}
	return sqe;
}

/*
 * Under dcx_engine_lock(): room for @n SQEs in a row, so that a link is
 * never split by a submission between its SQEs (the kernel would run the
 * first half alone).
 */
void dcx_engine_reserve(unsigned int n)
{
	while (io_uring_sq_space_left(&dcx_engine.ring) < n)
		if (dcx_submit_locked())
			return;
}

/* Submit what was queued and release the submission side: 0 or -errno. */
int dcx_engine_unlock(void)
{
	int ret = 0;

	if (dcx_on_engine)
		__atomic_store_n(&dcx_engine.deferred, true, __ATOMIC_RELAXED);
	else
		ret = dcx_submit_locked();
	if (!ret)
		ret = dcx_engine.broken;
	pthread_mutex_unlock(&dcx_engine.lock);
	return ret;
}

/*
 * Finding out, right after a submission, whether the kernel already
 * completed a request in it. This holds because the ring runs task_work
 * the default way (no COOP_TASKRUN, no DEFER_TASKRUN): what the submission
 * queued runs before io_uring_enter() returns. A request that fails when it is issued (the
 * module's argument and state checks, say) gets its CQE posted before
 * io_uring_enter() returns, so it lies between the CQ tail read before the
 * submission and the tail read after it. The engine thread may be reading
 * those CQEs at the same time, which is harmless: a slot is only reused
 * after the engine moved the head past it and the kernel wrapped the whole
 * ring around, so a CQE found at an index the head has not passed is
 * genuine; one the engine consumed meanwhile is reported through the
 * operation's own state instead (see backend_kernel.c).
 *
 * Under dcx_engine_lock(): the tail before the SQEs are submitted.
 */
unsigned int dcx_engine_cq_mark(void)
{
	return io_uring_smp_load_acquire(dcx_engine.ring.cq.ktail);
}

/*
 * After dcx_engine_unlock(): whether a CQE carrying @op and @tag was posted
 * since @mark, and its res. False also when the CQ overflowed (the CQE may
 * then be on the kernel's overflow list): the caller treats the request as
 * started, and its result comes through the engine as usual.
 */
bool dcx_engine_cq_find(unsigned int mark, const struct dcx_op *op,
			unsigned int tag, int *res)
{
	const struct io_uring_cq *cq = &dcx_engine.ring.cq;
	uint64_t ud = (uintptr_t)op | tag;
	unsigned int tail, i;
	const struct io_uring_cqe *cqe;
	int r;

	tail = io_uring_smp_load_acquire(cq->ktail);
	for (i = mark; i != tail; i++) {
		cqe = &cq->cqes[i & cq->ring_mask];
		if (__atomic_load_n(&cqe->user_data, __ATOMIC_RELAXED) != ud)
			continue;
		r = __atomic_load_n(&cqe->res, __ATOMIC_RELAXED);
		/* Still unconsumed after the read: the slot was not reused. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((int)(i - io_uring_smp_load_acquire(cq->khead)) < 0)
			return false;
		*res = r;
		return true;
	}
	return false;
}

/* Under dcx_engine_lock(): an operation is about to have SQEs in flight. */
void dcx_engine_op_start(void)
{
	__atomic_add_fetch(&dcx_engine_ops, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dcx_engine_unreported, 1, __ATOMIC_RELAXED);
}

/*
 * The operation is about to report its result to the program: called
 * before, so that a program woken by the result and calling WSACleanup()
 * finds nothing in flight.
 */
void dcx_engine_op_reported(void)
{
	__atomic_sub_fetch(&dcx_engine_unreported, 1, __ATOMIC_RELEASE);
}

/* An operation has seen its last CQE. */
void dcx_engine_op_end(void)
{
	__atomic_sub_fetch(&dcx_engine_ops, 1, __ATOMIC_RELEASE);
}

/*
 * Stop the engine unless the program still waits for a result (Windows
 * would cancel those; we keep running instead). The engine thread drains
 * internal tails before it exits. The lock is not held across the join, so
 * the engine can still submit; new users wait on dcx_engine.stopped.
 */
void dcx_engine_shutdown(void)
{
	struct io_uring_sqe *sqe;

	pthread_mutex_lock(&dcx_engine.lock);
	while (dcx_engine.stopping)
		pthread_cond_wait(&dcx_engine.stopped, &dcx_engine.lock);
	if (!dcx_engine.running || dcx_on_engine ||
	    __atomic_load_n(&dcx_engine_unreported, __ATOMIC_ACQUIRE))
		goto out;
	sqe = dcx_engine_sqe();
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, DCX_UDATA_STOP);
	if (dcx_submit_locked())
		goto out;
	dcx_engine.stopping = true;
	pthread_mutex_unlock(&dcx_engine.lock);

	pthread_join(dcx_engine.thread, NULL);

	pthread_mutex_lock(&dcx_engine.lock);
	io_uring_queue_exit(&dcx_engine.ring);
	dcx_engine.running = false;
	dcx_engine.stopping = false;
	pthread_cond_broadcast(&dcx_engine.stopped);
out:
	pthread_mutex_unlock(&dcx_engine.lock);
}
