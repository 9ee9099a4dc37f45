// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * WSA events on pthread primitives.
 *
 * A WSAEVENT is a handle, not a pointer: an index into a table plus a
 * generation, so that a closed or made-up handle is detected instead of
 * dereferenced. The event itself is reference-counted: the table holds one
 * reference, every operation that will signal it another, every thread
 * waiting on it another, so WSACloseEvent() while I/O is pending is safe,
 * as on Windows.
 *
 * One lock covers the table and the state of every event. That makes
 * wait-all atomic (all events are seen signalled at one instant) and keeps
 * the code short; each waiter sleeps on its own condition variable, linked
 * into the wait list of every event it waits for, so a set wakes only the
 * threads that care.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <winsock2.h>

#include "internal.h"

struct dcx_wait_node {
	struct dcx_wait_node *prev;
	struct dcx_wait_node *next;
	pthread_cond_t *cond;
};

struct dcx_event {
	unsigned int refs;
	bool signalled;
	struct dcx_wait_node *waiters;
};

struct dcx_event_slot {
	struct dcx_event *ev;
	uint32_t gen;
	uint32_t next_free;	/* index + 1 of the next free slot, 0: none */
};

static pthread_mutex_t dcx_event_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dcx_event_slot *dcx_slots;
static uint32_t dcx_nslots;
static uint32_t dcx_free_head;	/* index + 1, 0: none */

/*
 * Handle value: generation in the high 32 bits, (index + 1) << 2 in the low
 * ones. Bit 0 stays clear because Windows programs set it on hEvent to keep
 * a completion off an I/O completion port; it is ignored on lookup.
 */
static WSAEVENT dcx_handle_make(uint32_t idx, uint32_t gen)
{
	return (WSAEVENT)(((uintptr_t)gen << 32) | ((uintptr_t)(idx + 1) << 2));
}

static struct dcx_event *dcx_handle_lookup(WSAEVENT handle)
{
	uintptr_t v = (uintptr_t)handle & ~(uintptr_t)1;
	uint32_t low = (uint32_t)v, gen = (uint32_t)(v >> 32), idx;

	if (!v || (low & 3) || low < 4)
		return NULL;
	idx = (low >> 2) - 1;
	if (idx >= dcx_nslots || dcx_slots[idx].gen != gen)
		return NULL;
	return dcx_slots[idx].ev;
}

static int dcx_slot_alloc(uint32_t *idxp)
{
	struct dcx_event_slot *slots;
	uint32_t i, n;

	if (!dcx_free_head) {
		n = dcx_nslots ? dcx_nslots * 2 : 64;
		if (n > (1U << 29))
			return -ENOMEM;
		slots = realloc(dcx_slots, n * sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (i = dcx_nslots; i < n; i++) {
			slots[i].ev = NULL;
			slots[i].gen = 1;
			slots[i].next_free = i + 1 < n ? i + 2 : 0;
		}
		dcx_slots = slots;
		dcx_free_head = dcx_nslots + 1;
		dcx_nslots = n;
	}
	*idxp = dcx_free_head - 1;
	dcx_free_head = dcx_slots[*idxp].next_free;
	return 0;
}

static void dcx_slot_free(uint32_t idx)
{
	dcx_slots[idx].ev = NULL;
	/* A stale handle must never match again; 0 is skipped for clarity. */
	if (++dcx_slots[idx].gen == 0)
		dcx_slots[idx].gen = 1;
	dcx_slots[idx].next_free = dcx_free_head;
	dcx_free_head = idx + 1;
}

static void dcx_event_put_locked(struct dcx_event *ev)
{
	if (--ev->refs == 0)
		free(ev);
}

static void dcx_event_signal_locked(struct dcx_event *ev)
{
	struct dcx_wait_node *n;

	ev->signalled = true;
	for (n = ev->waiters; n; n = n->next)
		pthread_cond_signal(n->cond);
}

WSAEVENT WSAAPI WSACreateEvent(void)
{
	struct dcx_event *ev;
	uint32_t idx;
	WSAEVENT h;

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		goto err_nomem;
	ev->refs = 1;

	pthread_mutex_lock(&dcx_event_lock);
	if (dcx_slot_alloc(&idx)) {
		pthread_mutex_unlock(&dcx_event_lock);
		goto err_free;
	}
	dcx_slots[idx].ev = ev;
	h = dcx_handle_make(idx, dcx_slots[idx].gen);
	pthread_mutex_unlock(&dcx_event_lock);
	return h;

err_free:
	free(ev);
err_nomem:
	dcx_set_last_error(WSA_NOT_ENOUGH_MEMORY);
	return WSA_INVALID_EVENT;
}

BOOL WSAAPI WSACloseEvent(WSAEVENT hEvent)
{
	uintptr_t v = (uintptr_t)hEvent & ~(uintptr_t)1;
	struct dcx_event *ev;

	pthread_mutex_lock(&dcx_event_lock);
	ev = dcx_handle_lookup(hEvent);
	if (!ev) {
		pthread_mutex_unlock(&dcx_event_lock);
		return dcx_fail(WSA_INVALID_HANDLE);
	}
	dcx_slot_free(((uint32_t)v >> 2) - 1);
	dcx_event_put_locked(ev);
	pthread_mutex_unlock(&dcx_event_lock);
	return TRUE;
}

BOOL WSAAPI WSASetEvent(WSAEVENT hEvent)
{
	struct dcx_event *ev;

	pthread_mutex_lock(&dcx_event_lock);
	ev = dcx_handle_lookup(hEvent);
	if (ev)
		dcx_event_signal_locked(ev);
	pthread_mutex_unlock(&dcx_event_lock);
	return ev ? TRUE : dcx_fail(WSA_INVALID_HANDLE);
}

BOOL WSAAPI WSAResetEvent(WSAEVENT hEvent)
{
	struct dcx_event *ev;

	pthread_mutex_lock(&dcx_event_lock);
	ev = dcx_handle_lookup(hEvent);
	if (ev)
		ev->signalled = false;
	pthread_mutex_unlock(&dcx_event_lock);
	return ev ? TRUE : dcx_fail(WSA_INVALID_HANDLE);
}

/* Returns the index that satisfies the wait, or -1. */
static int dcx_wait_check(struct dcx_event **evs, DWORD n, BOOL all)
{
	DWORD i;

	for (i = 0; i < n; i++) {
		if (evs[i]->signalled && !all)
			return (int)i;
		if (!evs[i]->signalled && all)
			return -1;
	}
	return all ? 0 : -1;
}

static void dcx_deadline(struct timespec *ts, DWORD ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * fAlertable is accepted and ignored: there are no APCs here, so
 * WSA_WAIT_IO_COMPLETION is never returned.
 */
DWORD WSAAPI WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
				      BOOL fWaitAll, DWORD dwTimeout,
				      BOOL fAlertable)
{
	struct dcx_event *evs[WSA_MAXIMUM_WAIT_EVENTS];
	struct dcx_wait_node nodes[WSA_MAXIMUM_WAIT_EVENTS];
	pthread_condattr_t attr;
	pthread_cond_t cond;
	struct timespec deadline;
	bool linked = false;
	DWORD i, j, ret = WSA_WAIT_FAILED;
	int hit, err = 0;

	(void)fAlertable;
	if (!cEvents || cEvents > WSA_MAXIMUM_WAIT_EVENTS || !lphEvents) {
		dcx_set_last_error(WSA_INVALID_PARAMETER);
		return WSA_WAIT_FAILED;
	}
	if (dwTimeout != WSA_INFINITE)
		dcx_deadline(&deadline, dwTimeout);

	pthread_mutex_lock(&dcx_event_lock);
	for (i = 0; i < cEvents; i++) {
		evs[i] = dcx_handle_lookup(lphEvents[i]);
		if (!evs[i]) {
			err = WSA_INVALID_HANDLE;
			goto out_put;
		}
		evs[i]->refs++;
		/* Waiting for all of one event twice is meaningless. */
		for (j = 0; fWaitAll && j < i; j++)
			if (evs[j] == evs[i]) {
				i++;
				err = WSA_INVALID_PARAMETER;
				goto out_put;
			}
	}

	for (;;) {
		hit = dcx_wait_check(evs, cEvents, fWaitAll);
		if (hit >= 0) {
			ret = WSA_WAIT_EVENT_0 + (DWORD)hit;
			break;
		}
		if (!dwTimeout) {
			ret = WSA_WAIT_TIMEOUT;
			break;
		}
		if (!linked) {
			pthread_condattr_init(&attr);
			pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
			pthread_cond_init(&cond, &attr);
			pthread_condattr_destroy(&attr);
			for (j = 0; j < cEvents; j++) {
				nodes[j].cond = &cond;
				nodes[j].prev = NULL;
				nodes[j].next = evs[j]->waiters;
				if (nodes[j].next)
					nodes[j].next->prev = &nodes[j];
				evs[j]->waiters = &nodes[j];
			}
			linked = true;
		}
		if (dwTimeout == WSA_INFINITE) {
			pthread_cond_wait(&cond, &dcx_event_lock);
		} else if (pthread_cond_timedwait(&cond, &dcx_event_lock,
						  &deadline) == ETIMEDOUT) {
			hit = dcx_wait_check(evs, cEvents, fWaitAll);
			ret = hit >= 0 ? WSA_WAIT_EVENT_0 + (DWORD)hit :
					 WSA_WAIT_TIMEOUT;
			break;
		}
	}

	if (linked) {
		for (j = 0; j < cEvents; j++) {
			if (nodes[j].prev)
				nodes[j].prev->next = nodes[j].next;
			else
				evs[j]->waiters = nodes[j].next;
			if (nodes[j].next)
				nodes[j].next->prev = nodes[j].prev;
		}
		pthread_cond_destroy(&cond);
	}
out_put:
	while (i--)
		dcx_event_put_locked(evs[i]);
	pthread_mutex_unlock(&dcx_event_lock);
	if (err) {
		dcx_set_last_error(err);
		return WSA_WAIT_FAILED;
	}
	return ret;
}

int dcx_event_get(void *handle, struct dcx_event **evp)
{
	struct dcx_event *ev;

	pthread_mutex_lock(&dcx_event_lock);
	ev = dcx_handle_lookup(handle);
	if (ev)
		ev->refs++;
	pthread_mutex_unlock(&dcx_event_lock);
	*evp = ev;
	return ev ? 0 : -ENOENT;
}

void dcx_event_put(struct dcx_event *ev)
{
	pthread_mutex_lock(&dcx_event_lock);
	dcx_event_put_locked(ev);
	pthread_mutex_unlock(&dcx_event_lock);
}

void dcx_event_signal(struct dcx_event *ev)
{
	pthread_mutex_lock(&dcx_event_lock);
	dcx_event_signal_locked(ev);
	pthread_mutex_unlock(&dcx_event_lock);
}

void dcx_event_clear(struct dcx_event *ev)
{
	pthread_mutex_lock(&dcx_event_lock);
	ev->signalled = false;
	pthread_mutex_unlock(&dcx_event_lock);
}

void dcx_event_atfork_prepare(void)
{
	pthread_mutex_lock(&dcx_event_lock);
}

void dcx_event_atfork_parent(void)
{
	pthread_mutex_unlock(&dcx_event_lock);
}

/*
 * The child has only the forking thread: whoever else was waiting is gone,
 * so forget their wait nodes (their stacks are not the child's to touch).
 */
void dcx_event_atfork_child(void)
{
	uint32_t i;

	for (i = 0; i < dcx_nslots; i++)
		if (dcx_slots[i].ev)
			dcx_slots[i].ev->waiters = NULL;
	pthread_mutex_init(&dcx_event_lock, NULL);
}
