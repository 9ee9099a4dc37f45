// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * A ring any thread submits to: the engine's (engine.c) and each completion
 * port's (port.c). See internal.h.
 *
 * Submission is under the ring's mutex; reaping is the owner's business (one
 * library thread for the engine, the program's waiting threads for a port).
 * The SQ and CQ rings are independent, so submitters under the mutex and a
 * reaper never race.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static void dcx_short_sleep(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000 };

	nanosleep(&ts, NULL);
}

/* The ring itself; r->lock is the caller's to initialise. */
int dcx_ring_init(struct dcx_ring *r, unsigned int sq, unsigned int cq)
{
	struct io_uring_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP |
		  IORING_SETUP_SUBMIT_ALL;
	p.cq_entries = cq;
	ret = io_uring_queue_init_params(sq, &r->ring, &p);
	if (ret == -EINVAL) {
		/* Before 5.18: no SUBMIT_ALL. */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
		p.cq_entries = cq;
		ret = io_uring_queue_init_params(sq, &r->ring, &p);
	}
	if (ret < 0)
		return ret;
	r->broken = 0;
	r->ops = 0;
	r->unreported = 0;
	return 0;
}

void dcx_ring_exit(struct dcx_ring *r)
{
	io_uring_queue_exit(&r->ring);
}

/*
 * Submit everything queued. Transient failures (no memory for requests
 * right now, a signal) are retried. Anything else means SQEs that may or may
 * not be issued later; their operations are deliberately leaked rather than
 * freed under the kernel, and the ring refuses new work.
 */
int dcx_ring_submit_locked(struct dcx_ring *r)
{
	int ret;

	while (io_uring_sq_ready(&r->ring)) {
		__atomic_store_n(&r->seq, r->seq + 1, __ATOMIC_RELEASE);
		ret = io_uring_submit(&r->ring);
		if (ret > 0)
			continue;
		if (ret == 0 || ret == -EINTR || ret == -EAGAIN ||
		    ret == -EBUSY || ret == -ENOMEM) {
			dcx_short_sleep();
			continue;
		}
		r->broken = ret;
		return ret;
	}
	return 0;
}

/* For follow-ups: the engine is started by dcx_engine_lock(). 0 or -errno. */
int dcx_ring_lock(struct dcx_ring *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->broken) {
		pthread_mutex_unlock(&r->lock);
		return r->broken;
	}
	return 0;
}

/*
 * An SQE, under the lock. Never NULL: a full SQ is submitted. If the ring
 * broke meanwhile, a scratch SQE that goes nowhere is returned and
 * dcx_ring_unlock() reports the error.
 */
struct io_uring_sqe *dcx_ring_sqe(struct dcx_ring *r)
{
	static __thread struct io_uring_sqe scratch;
	struct io_uring_sqe *sqe;

	while (!(sqe = io_uring_get_sqe(&r->ring))) {
		if (dcx_ring_submit_locked(r))
			return &scratch;
	}
	return sqe;
}

/*
 * Under the lock: room for @n SQEs in a row, so that a link is never split
 * by a submission between its SQEs (the kernel would run the first half
 * alone).
 */
void dcx_ring_reserve(struct dcx_ring *r, unsigned int n)
{
	while (io_uring_sq_space_left(&r->ring) < n)
		if (dcx_ring_submit_locked(r))
			return;
}

/*
 * Submit what was queued and release the lock: 0 or -errno. The engine
 * thread's own follow-ups wait for the end of its batch of CQEs (engine.c).
 */
int dcx_ring_unlock(struct dcx_ring *r)
{
	int ret = 0;

	if (r->engine && dcx_engine_current())
		__atomic_store_n(&r->deferred, true, __ATOMIC_RELAXED);
	else
		ret = dcx_ring_submit_locked(r);
	if (!ret)
		ret = r->broken;
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/*
 * Finding out, right after a submission, whether the kernel already
 * completed a request in it. This holds because the rings run task_work
 * the default way (no COOP_TASKRUN, no DEFER_TASKRUN): what the submission
 * queued runs before io_uring_enter() returns. A request that fails when it
 * is issued gets its CQE posted before io_uring_enter() returns, so it lies
 * between the CQ tail read before the submission and the tail read after
 * it. A reaper may be reading those CQEs at the same time, which is
 * harmless: a slot is only reused after the reaper moved the head past it
 * and the kernel wrapped the whole ring around, so a CQE found at an index
 * the head has not passed is genuine; one the reaper consumed meanwhile is
 * reported through the operation's struct dcx_early instead.
 *
 * After dcx_ring_unlock(): whether a CQE carrying @op and @tag was posted
 * since @mark (dcx_ring_cq_mark()), and its res. False also when the CQ
 * overflowed (the CQE may then be on the kernel's overflow list): the
 * caller treats the request as started, and its result comes through the
 * reaper as usual.
 */
bool dcx_ring_cq_find(struct dcx_ring *r, unsigned int mark,
		      const struct dcx_op *op, unsigned int tag, int *res)
{
	const struct io_uring_cq *cq = &r->ring.cq;
	uint64_t ud = (uintptr_t)op | tag;
	const struct io_uring_cqe *cqe;
	unsigned int tail, i;
	int v;

	tail = io_uring_smp_load_acquire(cq->ktail);
	for (i = mark; i != tail; i++) {
		cqe = &cq->cqes[i & cq->ring_mask];
		if (__atomic_load_n(&cqe->user_data, __ATOMIC_RELAXED) != ud)
			continue;
		v = __atomic_load_n(&cqe->res, __ATOMIC_RELAXED);
		/* Still unconsumed after the read: the slot was not reused. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((int)(i - io_uring_smp_load_acquire(cq->khead)) < 0)
			return false;
		*res = v;
		return true;
	}
	return false;
}
