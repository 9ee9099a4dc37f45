// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The OVERLAPPED side of an operation: checking that the caller's OVERLAPPED
 * is writable without risking a fault (probe.c), marking it pending,
 * publishing the result into it from the engine thread, and reading it back
 * through WSAGetOverlappedResult() / HasOverlappedIoCompleted(). Blocking
 * calls use a waiter instead of an OVERLAPPED.
 *
 * Publication order is Windows': InternalHigh (the byte count), then Internal
 * (the status, which ends STATUS_PENDING), then hEvent. After Internal is
 * stored the OVERLAPPED belongs to the program again and is not touched.
 */
#include <sys/stat.h>

#include <winsock2.h>

#include "internal.h"

/*
 * WSAGetOverlappedResult(fWait = TRUE) must wait even without hEvent, so
 * every overlapped completion also wakes a process-wide condition variable,
 * taking its lock only when someone is waiting. The waiter count and
 * Internal are both accessed sequentially consistently, so either the
 * completer sees the waiter or the waiter sees the new status.
 */
static pthread_mutex_t dcx_ov_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dcx_ov_cond = PTHREAD_COND_INITIALIZER;
static int dcx_ov_waiters;

static void dcx_ov_wake(void)
{
	if (!__atomic_load_n(&dcx_ov_waiters, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&dcx_ov_lock);
	pthread_cond_broadcast(&dcx_ov_cond);
	pthread_mutex_unlock(&dcx_ov_lock);
}

static uintptr_t dcx_ov_wait(OVERLAPPED *ov)
{
	uintptr_t status;

	pthread_mutex_lock(&dcx_ov_lock);
	__atomic_add_fetch(&dcx_ov_waiters, 1, __ATOMIC_SEQ_CST);
	while ((status = __atomic_load_n(&ov->Internal, __ATOMIC_SEQ_CST)) ==
	       STATUS_PENDING)
		pthread_cond_wait(&dcx_ov_cond, &dcx_ov_lock);
	__atomic_sub_fetch(&dcx_ov_waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&dcx_ov_lock);
	return status;
}

void dcx_ov_atfork_child(void)
{
	pthread_mutex_init(&dcx_ov_lock, NULL);
	pthread_cond_init(&dcx_ov_cond, NULL);
	dcx_ov_waiters = 0;
}

/*
 * Windows marks the OVERLAPPED pending on entry, before it validates
 * anything, so a request refused at once leaves Internal STATUS_PENDING and
 * InternalHigh as the caller had it (Wine's conformance tests,
 * test_connect). 0 or WSAEFAULT.
 */
int dcx_ov_mark(OVERLAPPED *ov)
{
	if (dcx_probe_writable(ov, sizeof(*ov)))
		return WSAEFAULT;
	/* Ordered before the completion by the submission that follows. */
	__atomic_store_n(&ov->Internal, (uintptr_t)STATUS_PENDING,
			 __ATOMIC_RELEASE);
	return 0;
}

/* A sink reporting to @ov or to @w, with no event, port or callback yet. */
static void dcx_sink_init(struct dcx_sink *sink, OVERLAPPED *ov,
			  struct dcx_waiter *w)
{
	sink->ov = ov;
	sink->ev = NULL;
	sink->waiter = w;
	sink->port = NULL;
	sink->key = 0;
	sink->done = NULL;
}

/*
 * The start of a Winsock call that may take an OVERLAPPED: nothing works
 * without a backend (backend.c), and then the OVERLAPPED, if any, is marked
 * pending before any other argument is looked at. 0 or the Winsock error.
 */
int dcx_ov_enter(OVERLAPPED *ov)
{
	if (dcx_backend_check())
		return WSASYSNOTREADY;
	return ov ? dcx_ov_mark(ov) : 0;
}

/*
 * Start an overlapped operation on an OVERLAPPED dcx_ov_mark() accepted:
 * 0 or the Winsock error. hEvent (if any) is referenced and reset - as
 * Windows resets it when an overlapped operation starts. InternalHigh is
 * left alone until the end.
 */
int dcx_ov_start(OVERLAPPED *ov, struct dcx_sink *sink)
{
	HANDLE h = ov->hEvent;

	dcx_sink_init(sink, ov, NULL);
	if (h) {
		if (dcx_event_get(h, &sink->ev))
			return WSA_INVALID_HANDLE;
		dcx_event_clear(sink->ev);
	}
	return 0;
}

/* Both, for a call with nothing to check in between. */
int dcx_ov_begin(OVERLAPPED *ov, struct dcx_sink *sink)
{
	int wsa = dcx_ov_mark(ov);

	return wsa ? wsa : dcx_ov_start(ov, sink);
}

/*
 * The operation was refused before it went pending: no event, no
 * completion, Internal stays STATUS_PENDING.
 */
void dcx_ov_fail(struct dcx_sink *sink)
{
	if (sink->ev)
		dcx_event_put(sink->ev);
	sink->ev = NULL;
	if (sink->port)
		dcx_port_put(sink->port);
	sink->port = NULL;
}

/*
 * The overlapped end of a call whose submission, on a sink of
 * dcx_ov_start(), returned @ret: a refusal (-errno: the sink will not be
 * called) releases the sink and is the error; else the operation is under
 * way and the call says WSA_IO_PENDING, as Windows does even when it has
 * already finished. FALSE either way, the last error set.
 */
int dcx_ov_pending(struct dcx_sink *sink, int ret)
{
	if (ret < 0) {
		dcx_ov_fail(sink);
		return dcx_fail_errno(ret);
	}
	return dcx_fail(WSA_IO_PENDING);
}

void dcx_sink_complete(const struct dcx_sink *sink, int res,
		       unsigned int bytes)
{
	struct dcx_waiter *w = sink->waiter;
	struct dcx_port *port = sink->port;
	struct dcx_event *ev = sink->ev;
	OVERLAPPED *ov = sink->ov;
	uint32_t status;

	if (sink->done) {
		sink->done(sink->arg, res);
		return;
	}
	if (w) {
		pthread_mutex_lock(&w->lock);
		w->res = res;
		w->bytes = bytes;
		w->done = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	status = dcx_status_from_errno(res);
	__atomic_store_n(&ov->InternalHigh, (uintptr_t)bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&ov->Internal, (uintptr_t)status, __ATOMIC_SEQ_CST);
	if (ev) {
		dcx_event_signal(ev);
		dcx_event_put(ev);
	}
	dcx_ov_wake();
	/* The packet last: its receiver may reuse the OVERLAPPED at once. */
	if (port) {
		dcx_port_deliver(port, sink->key, ov, status, bytes);
		dcx_port_put(port);
	}
}

void dcx_waiter_init(struct dcx_waiter *w, struct dcx_sink *sink)
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->done = false;
	w->res = 0;
	w->bytes = 0;
	dcx_sink_init(sink, NULL, w);
}

/* Wait for the operation, tear the waiter down; returns its result. */
int dcx_waiter_wait(struct dcx_waiter *w, unsigned int *bytes)
{
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	if (bytes)
		*bytes = w->bytes;
	return w->res;
}

/*
 * The blocking end of a call whose submission, on a sink of
 * dcx_waiter_init(), returned @ret: a refusal (-errno: the sink was not
 * called) is the result; else the operation's, once it has ended.
 */
int dcx_waiter_end(struct dcx_waiter *w, struct dcx_sink *sink, int ret,
		   unsigned int *bytes)
{
	if (ret < 0)
		dcx_sink_complete(sink, ret, 0);
	return dcx_waiter_wait(w, bytes);
}

/*
 * The shared part of WSAGetOverlappedResult() and GetOverlappedResult():
 * the final status, waiting for it if asked - on hEvent when there is one,
 * as Windows waits on the event (and then reads Internal, which may still
 * be STATUS_PENDING if the program set the event itself), else for the
 * library to publish the result. The byte count is copied whatever the
 * status, as Windows does. -WSA error when the arguments are bad.
 */
static int dcx_ov_result(OVERLAPPED *ov, DWORD *bytes, BOOL wait,
			 uint32_t *status)
{
	uintptr_t st;

	/*
	 * Only read: a write-back probe here would race the library thread
	 * publishing the result into this very OVERLAPPED and could undo it.
	 */
	if (dcx_probe_readable(ov, sizeof(*ov)) ||
	    (bytes && dcx_probe_writable(bytes, sizeof(*bytes))))
		return -WSAEFAULT;
	st = __atomic_load_n(&ov->Internal, __ATOMIC_SEQ_CST);
	if (st == STATUS_PENDING && wait) {
		if (ov->hEvent) {
			if (WSAWaitForMultipleEvents(1, &ov->hEvent, FALSE,
						     WSA_INFINITE, FALSE) ==
			    WSA_WAIT_FAILED)
				return -WSA_INVALID_HANDLE;
			st = __atomic_load_n(&ov->Internal, __ATOMIC_SEQ_CST);
		} else {
			st = dcx_ov_wait(ov);
		}
	}
	*status = (uint32_t)st;
	if (st == STATUS_PENDING && !wait)
		return 0;
	if (bytes)
		*bytes = (DWORD)__atomic_load_n(&ov->InternalHigh,
						__ATOMIC_RELAXED);
	return 0;
}

/*
 * WSAGetOverlappedResult() as Windows answers it (Wine's conformance tests,
 * test_WSAGetOverlappedResult): a handle that is not a socket is
 * WSAENOTSOCK whatever the OVERLAPPED says; STATUS_PENDING without waiting
 * is WSA_IO_INCOMPLETE; every other success status is TRUE; an error
 * status gives its Winsock error (dcx_wsa_from_status()). *lpdwFlags is 0:
 * no operation here has receive flags to report.
 */
BOOL WSAAPI WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
				   LPDWORD lpcbTransfer, BOOL fWait,
				   LPDWORD lpdwFlags)
{
	uint32_t status;
	struct stat st;
	int ret;

	if (s < 0 || fstat(s, &st) || !S_ISSOCK(st.st_mode))
		return dcx_fail(WSAENOTSOCK);
	if (lpdwFlags && dcx_probe_writable(lpdwFlags, sizeof(*lpdwFlags)))
		return dcx_fail(WSAEFAULT);
	ret = dcx_ov_result(lpOverlapped, lpcbTransfer, fWait, &status);
	if (ret)
		return dcx_fail(-ret);
	if (status == STATUS_PENDING && !fWait)
		return dcx_fail(WSA_IO_INCOMPLETE);
	if (lpdwFlags)
		*lpdwFlags = 0;
	ret = dcx_wsa_from_status(status);
	if (ret)
		return dcx_fail(ret);
	/* The event was set while Internal still said pending. */
	dcx_set_last_error(status == STATUS_PENDING ? WSA_IO_PENDING : 0);
	return TRUE;
}

/*
 * GetOverlappedResult(): the same with Win32 errors
 * (RtlNtStatusToDosError(), dcx_win32_from_status()) - a reset connection
 * is ERROR_NETNAME_DELETED here and WSAECONNRESET through Winsock. The
 * handle only matters to Windows for waiting; here the OVERLAPPED is enough.
 */
BOOL WINAPI GetOverlappedResult(HANDLE hFile, LPOVERLAPPED lpOverlapped,
				LPDWORD lpNumberOfBytesTransferred, BOOL bWait)
{
	uint32_t status;
	int ret;

	(void)hFile;
	ret = dcx_ov_result(lpOverlapped, lpNumberOfBytesTransferred, bWait,
			    &status);
	if (ret)
		return dcx_fail(ret == -WSAEFAULT ? (int)ERROR_NOACCESS :
						    (int)ERROR_INVALID_HANDLE);
	if (status == STATUS_PENDING && !bWait)
		return dcx_fail(ERROR_IO_INCOMPLETE);
	if (!dcx_status_success(status))
		return dcx_fail((int)dcx_win32_from_status(status));
	dcx_set_last_error(status == STATUS_PENDING ? ERROR_IO_PENDING : 0);
	return TRUE;
}

BOOL WINAPI HasOverlappedIoCompleted(const OVERLAPPED *lpOverlapped)
{
	return __atomic_load_n(&lpOverlapped->Internal, __ATOMIC_ACQUIRE) !=
	       STATUS_PENDING;
}
