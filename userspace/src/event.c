// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * WSA events on pthread primitives.
 *
 * A WSAEVENT is a handle (handle.c), not a pointer. The event itself is
 * reference-counted: the table holds one reference, every operation that
 * will signal it another, every thread waiting on it another, so
 * WSACloseEvent() while I/O is pending is safe, as on Windows.
 *
 * One lock, the handle table's, covers the table and the state of every
 * event. That makes wait-all atomic (all events are seen signalled at one
 * instant) and keeps the code short; each waiter sleeps on its own
 * condition variable, linked into the wait list of every event it waits
 * for, so a set wakes only the threads that care.
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
	WSAEVENT h;

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		goto err_nomem;
	ev->refs = 1;

	pthread_mutex_lock(&dcx_handle_lock);
	h = dcx_handle_alloc(ev, DCX_HANDLE_EVENT);
	pthread_mutex_unlock(&dcx_handle_lock);
	if (!h)
		goto err_free;
	return h;

err_free:
	free(ev);
err_nomem:
	dcx_set_last_error(WSA_NOT_ENOUGH_MEMORY);
	return WSA_INVALID_EVENT;
}

BOOL WSAAPI WSACloseEvent(WSAEVENT hEvent)
{
	struct dcx_event *ev;

	pthread_mutex_lock(&dcx_handle_lock);
	ev = dcx_handle_lookup(hEvent, DCX_HANDLE_EVENT);
	if (!ev) {
		pthread_mutex_unlock(&dcx_handle_lock);
		return dcx_fail(WSA_INVALID_HANDLE);
	}
	dcx_handle_free(hEvent);
	dcx_event_put_locked(ev);
	pthread_mutex_unlock(&dcx_handle_lock);
	return TRUE;
}

/* WSASetEvent() and WSAResetEvent(): @hEvent made @signalled. */
static BOOL dcx_event_set(WSAEVENT hEvent, bool signalled)
{
	struct dcx_event *ev;

	pthread_mutex_lock(&dcx_handle_lock);
	ev = dcx_handle_lookup(hEvent, DCX_HANDLE_EVENT);
	if (ev && signalled)
		dcx_event_signal_locked(ev);
	else if (ev)
		ev->signalled = false;
	pthread_mutex_unlock(&dcx_handle_lock);
	return ev ? TRUE : dcx_fail(WSA_INVALID_HANDLE);
}

BOOL WSAAPI WSASetEvent(WSAEVENT hEvent)
{
	return dcx_event_set(hEvent, true);
}

BOOL WSAAPI WSAResetEvent(WSAEVENT hEvent)
{
	return dcx_event_set(hEvent, false);
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

	pthread_mutex_lock(&dcx_handle_lock);
	for (i = 0; i < cEvents; i++) {
		evs[i] = dcx_handle_lookup(lphEvents[i], DCX_HANDLE_EVENT);
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
			pthread_cond_wait(&cond, &dcx_handle_lock);
		} else if (pthread_cond_timedwait(&cond, &dcx_handle_lock,
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
	pthread_mutex_unlock(&dcx_handle_lock);
	if (err) {
		dcx_set_last_error(err);
		return WSA_WAIT_FAILED;
	}
	return ret;
}

int dcx_event_get(void *handle, struct dcx_event **evp)
{
	struct dcx_event *ev;

	pthread_mutex_lock(&dcx_handle_lock);
	ev = dcx_handle_lookup(handle, DCX_HANDLE_EVENT);
	if (ev)
		ev->refs++;
	pthread_mutex_unlock(&dcx_handle_lock);
	*evp = ev;
	return ev ? 0 : -ENOENT;
}

void dcx_event_put(struct dcx_event *ev)
{
	pthread_mutex_lock(&dcx_handle_lock);
	dcx_event_put_locked(ev);
	pthread_mutex_unlock(&dcx_handle_lock);
}

void dcx_event_signal(struct dcx_event *ev)
{
	pthread_mutex_lock(&dcx_handle_lock);
	dcx_event_signal_locked(ev);
	pthread_mutex_unlock(&dcx_handle_lock);
}

void dcx_event_clear(struct dcx_event *ev)
{
	pthread_mutex_lock(&dcx_handle_lock);
	ev->signalled = false;
	pthread_mutex_unlock(&dcx_handle_lock);
}

void dcx_event_atfork_prepare(void)
{
	pthread_mutex_lock(&dcx_handle_lock);
}

void dcx_event_atfork_parent(void)
{
	pthread_mutex_unlock(&dcx_handle_lock);
}

static void dcx_event_forget_waiters(void *obj)
{
	((struct dcx_event *)obj)->waiters = NULL;
}

/*
 * The child has only the forking thread: whoever else was waiting is gone,
 * so forget their wait nodes (their stacks are not the child's to touch).
 */
void dcx_event_atfork_child(void)
{
	dcx_handle_each(DCX_HANDLE_EVENT, dcx_event_forget_waiters);
	pthread_mutex_init(&dcx_handle_lock, NULL);
}
