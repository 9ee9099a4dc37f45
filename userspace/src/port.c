// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * I/O completion ports.
 *
 * Each port is an io_uring of its own (struct dcx_ring), and the threads in
 * GetQueuedCompletionStatus() reap it themselves: the thread that takes a
 * CQE runs its operation's callback, and the packet that callback produces
 * goes straight to that thread's caller. There is no library thread and no
 * queue between the CQE and the program.
 *
 *   - Reaping is one thread at a time (port->reap); a reaper takes one CQE
 *     at a time and only while its caller has room, so every packet it
 *     produces is its own to return: each packet goes to exactly one
 *     waiter, and none is left behind in a thread that stopped looking.
 *   - A thread with nothing to reap sleeps in io_uring_enter(GETEVENTS),
 *     unlocked, so any number of threads wait on one port; a CQE wakes them
 *     and one of them takes it.
 *   - A packet produced anywhere else - PostQueuedCompletionStatus(), an
 *     operation that completed within its own submission, an operation
 *     reaped on the engine - is posted as a NOP on the port's ring that
 *     carries it (dcx_port_post()), so it reaches a waiter the same way.
 *   - Operations with several steps (the emulated DisconnectEx, ConnectEx
 *     with data) have their intermediate CQEs consumed by their callbacks,
 *     which produce no packet.
 *
 * CloseHandle(port) sets closed and posts one wake-up NOP per waiting
 * thread; each returns ERROR_ABANDONED_WAIT_0. Operations still in flight
 * finish on a short-lived thread that reaps the ring until they are done;
 * their packets are dropped, as Windows drops those of a closed port.
 *
 * A port lives while something holds a reference: its handle, a call in
 * progress, a socket associated with it, an operation reporting to it.
 *
 * Sockets are associated in an fd-indexed table (one port and key per fd,
 * for good: DisconnectEx(TF_REUSE_SOCKET) keeps the fd and so the
 * association), forgotten by closesocket() and when the library creates a
 * socket that reuses the number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <winsock2.h>

#include "internal.h"

#define DCX_PORT_SQ		256
#define DCX_PORT_CQ		16384
#define DCX_UDATA_WAKE		1	/* NULL op, tag 1: look at closed */

struct dcx_port {
	struct dcx_ring r;	/* first: an op's ring is its port */
	dcx_lock_t reap;	/* one reaper at a time */
	unsigned int refs;
	bool closed;		/* under r.lock; read atomically */
	int waiters;		/* threads asleep in io_uring_enter() */
};

/* What a thread in GetQueuedCompletionStatus[Ex]() is collecting. */
struct dcx_reap {
	struct dcx_port *port;
	OVERLAPPED_ENTRY *out;
	ULONG cap;
	ULONG n;
};

static __thread struct dcx_reap *dcx_reaping;

/* A packet made elsewhere, riding a NOP to the port's reapers. */
struct dcx_packet {
	struct dcx_op op;
	OVERLAPPED_ENTRY e;
};

static void dcx_port_get_ref(struct dcx_port *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

void dcx_port_put(struct dcx_port *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	dcx_ring_exit(&p->r);
	pthread_mutex_destroy(&p->r.lock);
	free(p);
}

/* The port @h names, referenced, or NULL. */
static struct dcx_port *dcx_port_lookup(HANDLE h)
{
	struct dcx_port *p;

	pthread_mutex_lock(&dcx_handle_lock);
	p = dcx_handle_lookup(h, DCX_HANDLE_PORT);
	if (p)
		dcx_port_get_ref(p);
	pthread_mutex_unlock(&dcx_handle_lock);
	return p;
}

/* ---- Sockets and their ports ---- */

struct dcx_assoc {
	struct dcx_port *port;	/* referenced */
	ULONG_PTR key;
	UCHAR modes;		/* FILE_SKIP_* */
};

#define DCX_ASSOC_SHIFT		10
#define DCX_ASSOC_CHUNK		(1U << DCX_ASSOC_SHIFT)
#define DCX_ASSOC_CHUNKS	1024U	/* fds below 2^20 (nr_open) */

static dcx_lock_t dcx_assoc_lock = DCX_LOCK_INIT;
static struct dcx_assoc *dcx_assoc_chunks[DCX_ASSOC_CHUNKS];

/* Under dcx_assoc_lock: @fd's entry, made if @create; NULL if none. */
static struct dcx_assoc *dcx_assoc_slot(int fd, bool create)
{
	struct dcx_assoc **chunk;

	if (fd < 0 || (unsigned int)fd >= DCX_ASSOC_CHUNKS * DCX_ASSOC_CHUNK)
		return NULL;
	chunk = &dcx_assoc_chunks[(unsigned int)fd >> DCX_ASSOC_SHIFT];
	if (!*chunk && create)
		*chunk = calloc(DCX_ASSOC_CHUNK, sizeof(**chunk));
	return *chunk ? &(*chunk)[(unsigned int)fd & (DCX_ASSOC_CHUNK - 1)] :
			NULL;
}

/* closesocket(), or a new socket with this number: no port, no modes. */
void dcx_port_forget_fd(int fd)
{
	struct dcx_port *p = NULL;
	struct dcx_assoc *a;

	dcx_lock(&dcx_assoc_lock);
	a = dcx_assoc_slot(fd, false);
	if (a) {
		p = a->port;
		memset(a, 0, sizeof(*a));
	}
	dcx_unlock(&dcx_assoc_lock);
	if (p)
		dcx_port_put(p);
}

/*
 * Point @sink at @fd's port, referenced, if the socket has one: sink->port
 * and sink->key, or NULL. An hEvent with its low bit set keeps the
 * completion off the port, as on Windows, and so does
 * FILE_SKIP_COMPLETION_PORT_ON_SUCCESS for an operation that @succeeded at
 * once.
 */
void dcx_port_attach(int fd, struct dcx_sink *sink, bool succeeded)
{
	struct dcx_assoc *a;

	sink->port = NULL;
	sink->key = 0;
	sink->skip_success = false;
	if (!sink->ov || ((uintptr_t)sink->ov->hEvent & 1))
		return;
	dcx_lock(&dcx_assoc_lock);
	a = dcx_assoc_slot(fd, false);
	if (a && a->port && !__atomic_load_n(&a->port->closed, __ATOMIC_ACQUIRE) &&
	    !(succeeded && (a->modes & FILE_SKIP_COMPLETION_PORT_ON_SUCCESS))) {
		sink->port = a->port;
		sink->key = a->key;
		sink->skip_success = a->modes &
				     FILE_SKIP_COMPLETION_PORT_ON_SUCCESS;
		dcx_port_get_ref(a->port);
	}
	dcx_unlock(&dcx_assoc_lock);
}

/*
 * The ring for an operation on @fd (internal.h). An operation with an
 * hEvent goes to the engine even on a socket with a port: Windows signals
 * the event when the operation ends, whether or not a thread dequeues, so
 * the engine thread completes it and posts the packet to the port. (Without
 * an event the OVERLAPPED is filled in when a thread dequeues the packet.)
 */
struct dcx_ring *dcx_ring_begin(int fd, struct dcx_sink *sink, int *err)
{
	struct dcx_port *p;

	dcx_port_attach(fd, sink, false);
	p = sink->ev ? NULL : sink->port;
	if (p) {
		pthread_mutex_lock(&p->r.lock);
		if (!p->closed && !p->r.broken)
			return &p->r;
		/* Closed meanwhile: the operation completes with no packet. */
		pthread_mutex_unlock(&p->r.lock);
		dcx_port_put(p);
		sink->port = NULL;
		sink->key = 0;
	}
	return dcx_engine_lock(err);
}

/* ---- Packets ---- */

static void dcx_packet_cqe(struct dcx_op *o, unsigned int tag, int res)
{
	struct dcx_packet *pk = (struct dcx_packet *)o;
	struct dcx_port *p = (struct dcx_port *)o->ring;
	struct dcx_reap *rp = dcx_reaping;

	(void)tag;
	(void)res;
	if (rp && rp->port == p && rp->n < rp->cap)
		rp->out[rp->n++] = pk->e;
	dcx_ring_op_reported(&p->r);
	dcx_ring_op_end(&p->r);
	free(pk);
}

/* Queue a packet through the ring: 0 or -errno (no packet then). */
static int dcx_port_post(struct dcx_port *p, const OVERLAPPED_ENTRY *e)
{
	struct io_uring_sqe *sqe;
	struct dcx_packet *pk;
	int ret;

	pk = malloc(sizeof(*pk));
	if (!pk)
		return -ENOMEM;
	pk->op.fn = dcx_packet_cqe;
	pk->op.ring = &p->r;
	pk->e = *e;
	ret = dcx_ring_lock(&p->r);
	if (ret) {
		free(pk);
		return ret;
	}
	if (p->closed) {
		pthread_mutex_unlock(&p->r.lock);
		free(pk);
		return -EBADF;
	}
	sqe = dcx_ring_sqe(&p->r);
	io_uring_prep_nop(sqe);
	dcx_sqe_set_op(sqe, &pk->op, 0);
	dcx_ring_op_start(&p->r);
	/* An error: the ring is gone, and pk with it (never freed under it). */
	return dcx_ring_unlock(&p->r);
}

void dcx_port_deliver(struct dcx_port *p, uintptr_t key, OVERLAPPED *ov,
		      uint32_t status, unsigned int bytes)
{
	struct dcx_reap *rp = dcx_reaping;
	OVERLAPPED_ENTRY e = {
		.lpCompletionKey = key,
		.lpOverlapped = ov,
		.Internal = status,
		.dwNumberOfBytesTransferred = bytes,
	};

	if (__atomic_load_n(&p->closed, __ATOMIC_ACQUIRE))
		return;
	if (rp && rp->port == p && rp->n < rp->cap) {
		rp->out[rp->n++] = e;
		return;
	}
	dcx_port_post(p, &e);
}

/* ---- Waiting ---- */

/* Sleep until the ring has a CQE, or @ms pass (-1: no limit). */
static void dcx_port_sleep(struct dcx_port *p, long ms)
{
	struct __kernel_timespec ts;
	struct io_uring_getevents_arg arg;
	unsigned int flags = IORING_ENTER_GETEVENTS;
	void *argp = NULL;
	size_t argsz = 0;

	if (ms >= 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		memset(&arg, 0, sizeof(arg));
		arg.ts = (uintptr_t)&ts;
		argp = &arg;
		argsz = sizeof(arg);
		flags |= IORING_ENTER_EXT_ARG;
	}
	syscall(__NR_io_uring_enter, p->r.ring.ring_fd, 0, 1, flags, argp,
		argsz);
}

/*
 * A closed port's wake-up was taken by a thread that did not need it (a
 * reaper that had not gone to sleep yet): while somebody may still be on
 * the way to sleep, post another, so every waiter sees one arrive.
 */
static void dcx_port_rewake(struct dcx_port *p)
{
	struct io_uring_sqe *sqe;

	if (!__atomic_load_n(&p->waiters, __ATOMIC_SEQ_CST) ||
	    dcx_ring_lock(&p->r))
		return;
	sqe = dcx_ring_sqe(&p->r);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, DCX_UDATA_WAKE);
	dcx_ring_unlock(&p->r);
}

/* Take CQEs while the caller has room; the packets land in @rp. */
static void dcx_port_reap(struct dcx_port *p, struct dcx_reap *rp)
{
	struct io_uring_cqe *cqe, c;

	/*
	 * Nothing there: no lock. A CQE posted right after this look makes
	 * the caller's io_uring_enter(GETEVENTS) return at once. CQEs the
	 * kernel holds back after an overflow are flushed by the peek below,
	 * so an overflow always takes the lock.
	 */
	if (__atomic_load_n(p->r.ring.cq.ktail, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(p->r.ring.cq.khead, __ATOMIC_ACQUIRE) &&
	    !io_uring_cq_has_overflow(&p->r.ring))
		return;
	dcx_lock(&p->reap);
	dcx_reaping = rp;
	while ((!rp || rp->n < rp->cap) &&
	       !io_uring_peek_cqe(&p->r.ring, &cqe)) {
		c = *cqe;
		/*
		 * Dispatched before the head moves past it, so a submitter
		 * looking for it (dcx_ring_cq_find()) finds it or finds its
		 * operation already settled.
		 */
		dcx_ring_dispatch(&p->r, &c);
		io_uring_cqe_seen(&p->r.ring, cqe);
		if (c.user_data == DCX_UDATA_WAKE)
			dcx_port_rewake(p);
	}
	dcx_reaping = NULL;
	dcx_unlock(&p->reap);
}

static int64_t dcx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Up to @cap packets into @out: 0 (*got >= 1), WAIT_TIMEOUT, or
 * ERROR_ABANDONED_WAIT_0 once the port is closed.
 */
static DWORD dcx_port_dequeue(struct dcx_port *p, OVERLAPPED_ENTRY *out,
			      ULONG cap, DWORD ms, ULONG *got)
{
	struct dcx_reap rp = { .port = p, .out = out, .cap = cap, .n = 0 };
	int64_t deadline = 0, left = -1;

	/* No clock read for INFINITE: without a vDSO clock it is a syscall. */
	if (ms != INFINITE)
		deadline = dcx_now_ms() + ms;

	for (;;) {
		if (__atomic_load_n(&p->closed, __ATOMIC_SEQ_CST))
			return ERROR_ABANDONED_WAIT_0;
		dcx_port_reap(p, &rp);
		if (rp.n) {
			*got = rp.n;
			return 0;
		}
		if (ms != INFINITE) {
			left = deadline - dcx_now_ms();
			if (left <= 0)
				return WAIT_TIMEOUT;
		}
		/* Counted before closed is read: see dcx_port_close(). */
		__atomic_add_fetch(&p->waiters, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&p->closed, __ATOMIC_SEQ_CST))
			dcx_port_sleep(p, left);
		__atomic_sub_fetch(&p->waiters, 1, __ATOMIC_SEQ_CST);
	}
}

/* ---- Closing ---- */

/* Reap a closed port until its operations are over, then let it go. */
static void *dcx_port_drain(void *arg)
{
	struct dcx_port *p = arg;

	dcx_io_cache_off();
	while (__atomic_load_n(&p->r.ops, __ATOMIC_ACQUIRE)) {
		dcx_port_reap(p, NULL);
		if (__atomic_load_n(&p->r.ops, __ATOMIC_ACQUIRE))
			dcx_port_sleep(p, 100);
	}
	dcx_port_put(p);
	return NULL;
}

static BOOL dcx_port_close(struct dcx_port *p)
{
	struct io_uring_sqe *sqe;
	sigset_t all, old;
	pthread_t thread;
	int n;

	pthread_mutex_lock(&p->r.lock);
	__atomic_store_n(&p->closed, true, __ATOMIC_SEQ_CST);
	/* One wake-up for every waiter; a thread that comes later sees closed. */
	for (n = __atomic_load_n(&p->waiters, __ATOMIC_SEQ_CST); n > 0; n--) {
		sqe = dcx_ring_sqe(&p->r);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, DCX_UDATA_WAKE);
	}
	dcx_ring_submit_locked(&p->r);
	pthread_mutex_unlock(&p->r.lock);

	if (__atomic_load_n(&p->r.ops, __ATOMIC_ACQUIRE)) {
		dcx_port_get_ref(p);
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (pthread_create(&thread, NULL, dcx_port_drain, p)) {
			/* Leaked with its operations rather than freed under them. */
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return TRUE;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_detach(thread);
	}
	dcx_port_put(p);
	return TRUE;
}

/* ---- fork() ---- */

void dcx_port_atfork_prepare(void)
{
	dcx_lock(&dcx_assoc_lock);
}

void dcx_port_atfork_parent(void)
{
	dcx_unlock(&dcx_assoc_lock);
}

static void dcx_port_forget(void *obj)
{
	struct dcx_port *p = obj;

	/* Our copy of the parent's ring only: the parent's goes on. */
	dcx_ring_exit(&p->r);
}

/*
 * A forked child has none of its parent's ports: their handles stop
 * working (ERROR_INVALID_HANDLE) and no socket is associated any more, so
 * nothing the child does reaches the parent's rings. Under the handle
 * table's lock, which the engine's fork handler holds.
 */
void dcx_port_atfork_child(void)
{
	unsigned int i;

	dcx_handle_each(DCX_HANDLE_PORT, dcx_port_forget);
	dcx_handle_free_kind(DCX_HANDLE_PORT);
	for (i = 0; i < DCX_ASSOC_CHUNKS; i++) {
		free(dcx_assoc_chunks[i]);
		dcx_assoc_chunks[i] = NULL;
	}
	dcx_lock_init(&dcx_assoc_lock);
}

/* ---- The Windows calls ---- */

static HANDLE dcx_port_create(void)
{
	struct dcx_port *p;
	int ret = -ENOMEM;
	HANDLE h;

	dcx_atfork_register();
	p = calloc(1, sizeof(*p));
	if (!p)
		goto err;
	ret = dcx_ring_init(&p->r, DCX_PORT_SQ, DCX_PORT_CQ);
	if (ret)
		goto err_free;
	pthread_mutex_init(&p->r.lock, NULL);
	dcx_lock_init(&p->reap);
	p->refs = 1;

	pthread_mutex_lock(&dcx_handle_lock);
	h = dcx_handle_alloc(p, DCX_HANDLE_PORT);
	pthread_mutex_unlock(&dcx_handle_lock);
	if (h)
		return h;
	dcx_port_put(p);
	dcx_fail(ERROR_NOT_ENOUGH_MEMORY);
	return NULL;

err_free:
	free(p);
err:
	dcx_fail(ret == -EMFILE || ret == -ENFILE ? (int)ERROR_TOO_MANY_OPEN_FILES :
						  (int)ERROR_NOT_ENOUGH_MEMORY);
	return NULL;
}

/* A HANDLE that names a socket: its fd, or -1. */
static int dcx_socket_of(HANDLE h)
{
	struct stat st;
	intptr_t v = (intptr_t)h;

	if (v < 0 || v > INT32_MAX || fstat((int)v, &st) ||
	    !S_ISSOCK(st.st_mode))
		return -1;
	return (int)v;
}

HANDLE WINAPI CreateIoCompletionPort(HANDLE FileHandle,
				     HANDLE ExistingCompletionPort,
				     ULONG_PTR CompletionKey,
				     DWORD NumberOfConcurrentThreads)
{
	struct dcx_port *p;
	struct dcx_assoc *a;
	HANDLE h = ExistingCompletionPort;
	int fd;

	/* Concurrency is the program's thread count here: see the man page. */
	(void)NumberOfConcurrentThreads;
	/* The one error of every refused call, kernel32's too (backend.c). */
	if (dcx_backend_check()) {
		dcx_fail(WSASYSNOTREADY);
		return NULL;
	}
	if (FileHandle == INVALID_HANDLE_VALUE) {
		if (ExistingCompletionPort) {
			dcx_fail(ERROR_INVALID_PARAMETER);
			return NULL;
		}
		h = dcx_port_create();
		if (h)
			dcx_set_last_error(0);
		return h;
	}
	fd = dcx_socket_of(FileHandle);
	if (fd < 0) {
		dcx_fail(ERROR_INVALID_HANDLE);
		return NULL;
	}
	if (!h) {
		h = dcx_port_create();
		if (!h)
			return NULL;
	}
	p = dcx_port_lookup(h);
	if (!p) {
		dcx_fail(ERROR_INVALID_HANDLE);
		return NULL;
	}
	dcx_lock(&dcx_assoc_lock);
	a = dcx_assoc_slot(fd, true);
	if (!a || a->port) {
		dcx_unlock(&dcx_assoc_lock);
		dcx_port_put(p);
		if (!ExistingCompletionPort)
			CloseHandle(h);
		dcx_fail(a ? ERROR_INVALID_PARAMETER : ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	a->port = p;		/* the lookup's reference, kept */
	a->key = CompletionKey;
	dcx_unlock(&dcx_assoc_lock);
	dcx_set_last_error(0);
	return h;
}

BOOL WINAPI SetFileCompletionNotificationModes(HANDLE FileHandle, UCHAR Flags)
{
	struct dcx_assoc *a;
	int fd;

	if (dcx_backend_check())
		return dcx_fail(WSASYSNOTREADY);
	if (Flags & ~(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS |
		      FILE_SKIP_SET_EVENT_ON_HANDLE))
		return dcx_fail(ERROR_INVALID_PARAMETER);
	fd = dcx_socket_of(FileHandle);
	if (fd < 0)
		return dcx_fail(ERROR_INVALID_HANDLE);
	dcx_lock(&dcx_assoc_lock);
	a = dcx_assoc_slot(fd, true);
	if (a)
		a->modes |= Flags;
	dcx_unlock(&dcx_assoc_lock);
	if (!a)
		return dcx_fail(ERROR_NOT_ENOUGH_MEMORY);
	dcx_set_last_error(0);
	return TRUE;
}

/*
 * The shared part of the two GetQueuedCompletionStatus calls: the port,
 * referenced, or NULL with the last error set.
 */
static struct dcx_port *dcx_port_arg(HANDLE h)
{
	struct dcx_port *p = dcx_port_lookup(h);

	if (!p)
		dcx_fail(ERROR_INVALID_HANDLE);
	return p;
}

BOOL WINAPI GetQueuedCompletionStatus(HANDLE CompletionPort,
				      LPDWORD lpNumberOfBytesTransferred,
				      PULONG_PTR lpCompletionKey,
				      LPOVERLAPPED *lpOverlapped,
				      DWORD dwMilliseconds)
{
	OVERLAPPED_ENTRY e;
	struct dcx_port *p;
	ULONG got;
	DWORD err;

	/*
	 * Only NULL is checked: these calls are the hot path of every
	 * server, and a probe costs two system calls. Another bad pointer
	 * faults, as kernel32 does on Windows when it stores the results.
	 */
	if (!lpNumberOfBytesTransferred || !lpCompletionKey || !lpOverlapped)
		return dcx_fail(ERROR_NOACCESS);
	/* Windows clears it first, so a failure before any packet says NULL. */
	*lpOverlapped = NULL;
	if (dcx_backend_check())
		return dcx_fail(WSASYSNOTREADY);
	p = dcx_port_arg(CompletionPort);
	if (!p)
		return FALSE;
	err = dcx_port_dequeue(p, &e, 1, dwMilliseconds, &got);
	dcx_port_put(p);
	if (err)
		return dcx_fail((int)err);
	*lpNumberOfBytesTransferred = e.dwNumberOfBytesTransferred;
	*lpCompletionKey = e.lpCompletionKey;
	*lpOverlapped = e.lpOverlapped;
	if (!dcx_status_success((uint32_t)e.Internal))
		return dcx_fail((int)dcx_win32_from_status((uint32_t)e.Internal));
	/* Success leaves the last error alone, as on Windows. */
	return TRUE;
}

/* fAlertable: there are no APCs here; accepted and ignored. */
BOOL WINAPI GetQueuedCompletionStatusEx(HANDLE CompletionPort,
					LPOVERLAPPED_ENTRY lpCompletionPortEntries,
					ULONG ulCount,
					PULONG ulNumEntriesRemoved,
					DWORD dwMilliseconds, BOOL fAlertable)
{
	struct dcx_port *p;
	ULONG got = 0;
	DWORD err;

	(void)fAlertable;
	if (dcx_backend_check())
		return dcx_fail(WSASYSNOTREADY);
	if (!ulCount)
		return dcx_fail(ERROR_INVALID_PARAMETER);
	/* As above: NULL only. */
	if (!lpCompletionPortEntries || !ulNumEntriesRemoved)
		return dcx_fail(ERROR_NOACCESS);
	p = dcx_port_arg(CompletionPort);
	if (!p)
		return FALSE;
	*ulNumEntriesRemoved = 0;
	err = dcx_port_dequeue(p, lpCompletionPortEntries, ulCount,
			       dwMilliseconds, &got);
	dcx_port_put(p);
	if (err)
		return dcx_fail((int)err);
	*ulNumEntriesRemoved = got;
	return TRUE;
}

BOOL WINAPI PostQueuedCompletionStatus(HANDLE CompletionPort,
				       DWORD dwNumberOfBytesTransferred,
				       ULONG_PTR dwCompletionKey,
				       LPOVERLAPPED lpOverlapped)
{
	OVERLAPPED_ENTRY e = {
		.lpCompletionKey = dwCompletionKey,
		.lpOverlapped = lpOverlapped,
		.Internal = 0,
		.dwNumberOfBytesTransferred = dwNumberOfBytesTransferred,
	};
	struct dcx_port *p;
	int ret;

	if (dcx_backend_check())
		return dcx_fail(WSASYSNOTREADY);
	p = dcx_port_lookup(CompletionPort);
	if (!p)
		return dcx_fail(ERROR_INVALID_HANDLE);
	ret = dcx_port_post(p, &e);
	dcx_port_put(p);
	if (ret)
		return dcx_fail(ret == -EBADF ? (int)ERROR_INVALID_HANDLE :
						(int)ERROR_NOT_ENOUGH_MEMORY);
	dcx_set_last_error(0);
	return TRUE;
}

BOOL WINAPI CloseHandle(HANDLE hObject)
{
	struct dcx_port *p;
	int kind;

	pthread_mutex_lock(&dcx_handle_lock);
	kind = dcx_handle_kind(hObject);
	p = kind == DCX_HANDLE_PORT ?
	    dcx_handle_lookup(hObject, DCX_HANDLE_PORT) : NULL;
	if (p)
		dcx_handle_free(hObject);
	pthread_mutex_unlock(&dcx_handle_lock);
	if (kind == DCX_HANDLE_EVENT)
		return WSACloseEvent(hObject);
	/* GetCurrentProcess()'s value: closing it has no effect (Windows). */
	if (hObject == INVALID_HANDLE_VALUE)
		return TRUE;
	if (!p)
		return dcx_fail(ERROR_INVALID_HANDLE);
	/* The table's reference passes to dcx_port_close(). */
	return dcx_port_close(p);
}
