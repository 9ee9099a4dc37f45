/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * Internal interfaces of libdisconnectex. Everything here is prefixed dcx_
 * and hidden from the shared library by libdisconnectex.map.
 *
 * Inside the library errors are -errno; they become Winsock errors and
 * NTSTATUS values only at the Windows surface (wsa_error.c).
 *
 * The path of one call, WSARecv(s, ..., &ov) on a socket with a port:
 *
 *   sockio.c	WSARecv: marks ov pending (overlapped.c dcx_ov_mark), takes
 *		its hEvent (dcx_ov_start), lists the operation for CancelIoEx
 *		(cancel.c), asks for a ring (port.c dcx_ring_begin: the
 *		socket's port's, or the engine's), queues one SQE and submits
 *		it in the caller's own io_uring_enter() (ring.c)
 *   ring.c	finds whether the CQE came back inside that submission
 *		(dcx_ring_cq_find): then the call answers at once, success or
 *		error; else WSA_IO_PENDING
 *   port.c	a thread in GetQueuedCompletionStatus() reaps the CQE and
 *		runs the operation's callback (sockio.c dcx_io_cqe), which
 *		publishes the result (overlapped.c dcx_sink_complete: Internal,
 *		InternalHigh, hEvent, then the packet, dcx_port_deliver) straight
 *		into that thread's return values
 *
 * Without a port the engine thread (engine.c) reaps instead and the
 * packet step is skipped. The backends (backend*.c: DisconnectEx and
 * ConnectEx) and AcceptEx (accept.c) follow the same path. Who owns an
 * operation when is the one rule under struct dcx_early below.
 */
#ifndef DCX_INTERNAL_H
#define DCX_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <liburing.h>

#include "disconnectex.h"

/*
 * No Windows header here, so that the backends can use <linux/tcp.h>, which
 * clashes with the <netinet/tcp.h> that <winsock2.h> pulls in. The Windows
 * surface files include <winsock2.h> themselves.
 */
struct _OVERLAPPED;

/* What timeout_ms 0 means to the emulated backend: the module's default. */
#define DCX_DEFAULT_TIMEOUT_MS	10000U

#define DCX_DEVICE_PATH		"/dev/" DCX_DEVICE_NAME

/*
 * lock.c: the locks every overlapped call takes several times (the
 * pending-operation list, the socket-to-port table, a port's reaper). A
 * futex word: 0 free, 1 held, 2 held and a thread may be asleep on it
 * (Drepper, "Futexes Are Tricky", the third mutex). The uncontended path
 * is inline; a pthread mutex does the same inside a function call of its
 * own, which on the hot path costs more than the work it guards. Never
 * waited on with a condition variable; after fork() the child
 * re-initialises it.
 */
typedef struct {
	int v;
} dcx_lock_t;

#define DCX_LOCK_INIT	{ 0 }

void dcx_lock_wait(dcx_lock_t *l);
void dcx_lock_wake(dcx_lock_t *l);

static inline void dcx_lock_init(dcx_lock_t *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELAXED);
}

static inline void dcx_lock(dcx_lock_t *l)
{
	int free_v = 0;

	if (!__atomic_compare_exchange_n(&l->v, &free_v, 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		dcx_lock_wait(l);
}

static inline void dcx_unlock(dcx_lock_t *l)
{
	if (__atomic_exchange_n(&l->v, 0, __ATOMIC_RELEASE) == 2)
		dcx_lock_wake(l);
}

/* wsa_error.c: the thread's last error and the errno/NTSTATUS/WSA maps. */
void dcx_set_last_error(int wsa);
int dcx_fail(int wsa);			/* sets the last error, FALSE */
int dcx_fail_errno(int err);		/* same, from -errno */
uint32_t dcx_status_from_errno(int err);	/* err: -errno or 0 */
bool dcx_status_success(uint32_t status);	/* NT_SUCCESS() */
int dcx_wsa_from_status(uint32_t status);	/* 0 or the WSA error */
uint32_t dcx_win32_from_status(uint32_t status); /* RtlNtStatusToDosError */

/* handle.c: the one table of HANDLE values, under dcx_handle_lock. */
enum {
	DCX_HANDLE_EVENT = 1,
	DCX_HANDLE_PORT,
};

extern pthread_mutex_t dcx_handle_lock;
void *dcx_handle_alloc(void *obj, int kind);
void *dcx_handle_lookup(void *handle, int kind);
int dcx_handle_kind(void *handle);
void dcx_handle_free(void *handle);
void dcx_handle_each(int kind, void (*fn)(void *obj));
void dcx_handle_free_kind(int kind);

/* event.c: WSA events, referenced while an operation will signal them. */
struct dcx_event;
int dcx_event_get(void *handle, struct dcx_event **evp);
void dcx_event_put(struct dcx_event *ev);
void dcx_event_signal(struct dcx_event *ev);
void dcx_event_clear(struct dcx_event *ev);
void dcx_event_atfork_prepare(void);
void dcx_event_atfork_parent(void);
void dcx_event_atfork_child(void);

/*
 * overlapped.c: where a finished operation reports. Exactly one of @ov
 * (overlapped mode: Internal/InternalHigh, then hEvent) and @waiter (a
 * thread blocked in the call) is set.
 */
struct dcx_waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int res;
	unsigned int bytes;
};

struct dcx_port;

struct dcx_sink {
	struct _OVERLAPPED *ov;
	struct dcx_event *ev;
	struct dcx_waiter *waiter;
	struct dcx_port *port;	/* referenced; NULL: no packet */
	uintptr_t key;
	bool skip_success;	/* FILE_SKIP_COMPLETION_PORT_ON_SUCCESS */
	/*
	 * Set (ov, waiter NULL): the result goes to done(arg, res) instead -
	 * a library operation continuing with another's (TransmitFile()'s
	 * disconnect). Neither listed for cancellation nor sent to a port.
	 */
	void (*done)(void *arg, int res);
	void *arg;
};

void dcx_sink_complete(const struct dcx_sink *sink, int res,
		       unsigned int bytes);
void dcx_waiter_init(struct dcx_waiter *w, struct dcx_sink *sink);
int dcx_waiter_wait(struct dcx_waiter *w, unsigned int *bytes);
int dcx_waiter_end(struct dcx_waiter *w, struct dcx_sink *sink, int ret,
		   unsigned int *bytes);
int dcx_ov_mark(struct _OVERLAPPED *ov);
int dcx_ov_enter(struct _OVERLAPPED *ov);
int dcx_ov_start(struct _OVERLAPPED *ov, struct dcx_sink *sink);
int dcx_ov_begin(struct _OVERLAPPED *ov, struct dcx_sink *sink);
void dcx_ov_fail(struct dcx_sink *sink);
int dcx_ov_pending(struct dcx_sink *sink, int ret);
void dcx_ov_atfork_child(void);

/* self.c: getpid() and gettid(), asked once (again in a forked child). */
pid_t dcx_getpid(void);
pid_t dcx_gettid(void);

/*
 * probe.c: memory the program handed us, checked by the kernel: 0 or
 * -EFAULT, never a fault. The _vm and _pipe probes are the two ways the
 * others work, exposed for the tests.
 */
int dcx_probe_writable(void *addr, size_t len);
int dcx_probe_readable(const void *addr, size_t len);
int dcx_copy_checked(void *dst, const void *src, size_t len);
int dcx_probe_writable_vm(void *addr, size_t len);
int dcx_probe_writable_pipe(void *addr, size_t len);

/*
 * ring.c: an io_uring that any thread submits to, under its lock, so that
 * every request is issued in its caller's own system call (the fd is looked
 * up before the call returns, as Windows code expects). Two kinds exist:
 * the engine (engine.c), one per process, reaped by a library thread, for
 * sockets without a completion port; and one per completion port (port.c),
 * reaped by the program's threads inside GetQueuedCompletionStatus(). An
 * operation embeds a struct dcx_op; each of its SQEs carries the op's
 * address with a tag in the low bits, and every CQE is handed to op->fn on
 * whichever thread reaps that ring.
 */
struct dcx_op;
typedef void (*dcx_op_fn)(struct dcx_op *op, unsigned int tag, int res);

struct dcx_ring {
	pthread_mutex_t lock;	/* the SQ, broken */
	struct io_uring ring;
	int broken;		/* -errno: submission failed for good */
	bool engine;		/* the engine's: its own thread defers */
	bool deferred;		/* SQEs queued by the engine thread */
	unsigned long ops;	/* operations with SQEs in flight */
	unsigned long unreported; /* ... whose result is still owed */
	/*
	 * Stored (release, under the lock) before every submission and
	 * loaded (acquire) by the reaper for each CQE. The kernel orders an
	 * SQE before its CQE, but the C memory model (and ThreadSanitizer)
	 * cannot see that: this makes what the submitter wrote into an
	 * operation visibly happen-before the reaper reads it.
	 */
	unsigned long seq;
};

struct dcx_op {
	dcx_op_fn fn;
	struct dcx_ring *ring;	/* where its SQEs go */
};

#define DCX_TAG_MASK	7UL

static inline void dcx_sqe_set_op(struct io_uring_sqe *sqe, struct dcx_op *op,
				  unsigned int tag)
{
	io_uring_sqe_set_data64(sqe, (uintptr_t)op | tag);
}

int dcx_ring_init(struct dcx_ring *r, unsigned int sq, unsigned int cq);
void dcx_ring_exit(struct dcx_ring *r);
int dcx_ring_lock(struct dcx_ring *r);
struct io_uring_sqe *dcx_ring_sqe(struct dcx_ring *r);
void dcx_ring_reserve(struct dcx_ring *r, unsigned int n);
int dcx_ring_submit_locked(struct dcx_ring *r);
int dcx_ring_unlock(struct dcx_ring *r);
bool dcx_ring_cq_find(struct dcx_ring *r, unsigned int mark,
		      const struct dcx_op *op, unsigned int tag, int *res);

/*
 * The small steps of every operation, inline: they run twice or more per
 * WSARecv/WSASend, on the hot path of every server.
 */

/* Under the lock: the CQ tail before the SQEs are submitted (ring.c). */
static inline unsigned int dcx_ring_cq_mark(struct dcx_ring *r)
{
	return io_uring_smp_load_acquire(r->ring.cq.ktail);
}

/* Under the lock: an operation is about to have SQEs in flight. */
static inline void dcx_ring_op_start(struct dcx_ring *r)
{
	__atomic_add_fetch(&r->ops, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->unreported, 1, __ATOMIC_RELAXED);
}

/*
 * The operation is about to report its result to the program: called
 * before, so that a program woken by the result and calling WSACleanup()
 * finds nothing in flight.
 */
static inline void dcx_ring_op_reported(struct dcx_ring *r)
{
	__atomic_sub_fetch(&r->unreported, 1, __ATOMIC_RELEASE);
}

/* An operation has seen its last CQE. */
static inline void dcx_ring_op_end(struct dcx_ring *r)
{
	__atomic_sub_fetch(&r->ops, 1, __ATOMIC_RELEASE);
}

/*
 * The last step of an operation that saw its last CQE on @r and has been
 * freed: both counts dropped, then @res and @bytes reported to @sink (its
 * copy of the operation's, taken before the free).
 */
static inline void dcx_ring_op_done(struct dcx_ring *r,
				    const struct dcx_sink *sink, int res,
				    unsigned int bytes)
{
	dcx_ring_op_end(r);
	dcx_ring_op_reported(r);
	dcx_sink_complete(sink, res, bytes);
}

/* Hand one CQE of @r to its operation; false for one that carries none. */
static inline bool dcx_ring_dispatch(struct dcx_ring *r,
				     const struct io_uring_cqe *cqe)
{
	uint64_t ud = cqe->user_data;
	struct dcx_op *op = (struct dcx_op *)(uintptr_t)(ud & ~DCX_TAG_MASK);

	__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
	if (!op)
		return false;
	op->fn(op, (unsigned int)(ud & DCX_TAG_MASK), cqe->res);
	return true;
}

/*
 * The ring an operation on @fd reporting to @sink goes to, locked: its
 * port's when the socket has one (sink->port is then set, referenced), else
 * the engine's. NULL with *err set when no ring can be had.
 */
struct dcx_ring *dcx_ring_begin(int fd, struct dcx_sink *sink, int *err);

/*
 * Who owns an operation whose request is being submitted. Windows reports
 * an argument or state error at once, with no completion, so the library
 * must know before the call returns whether the request failed when it was
 * issued - inside the submitter's io_uring_enter(), where io_uring posts
 * the CQE there and then. The submitter looks for that CQE among those
 * posted during its submission (dcx_ring_cq_find()); a reaper (the engine
 * thread, or a thread in GetQueuedCompletionStatus()) may see it first.
 * The state settles which of the two delivers:
 *
 *   SUBMITTING -> LIVE       the submitter found nothing (or wants the
 *                            result delivered as a completion): the reaper
 *                            delivers it
 *   SUBMITTING -> EARLY      the reaper got the CQE first: it leaves the
 *                            result in res and the op to the submitter
 *   SUBMITTING -> ABANDONED  the submitter found the CQE and dealt with
 *                            the result itself: the reaper only frees the op
 *   SUBMITTING -> PACKET     the same, but the packet of the port is still
 *                            to come: the reaper queues it (and touches
 *                            nothing else), as the CQE is its to reap
 *
 * This is the library's one hand-off rule: an operation belongs to its
 * submitter until dcx_early_settle(), then to exactly one of the two.
 */
enum {
	DCX_EARLY_SUBMITTING,
	DCX_EARLY_LIVE,
	DCX_EARLY_EARLY,
	DCX_EARLY_ABANDONED,
	DCX_EARLY_PACKET,
};

struct dcx_early {
	int state;
	int res;
};

/*
 * Reaper, at the operation's one CQE, @res: 0 when the result is not the
 * reaper's to deliver - the submitter still decides (the result is left in
 * e->res), or it has dealt with the result (ABANDONED: then the reaper only
 * frees the op, @op_free(@op), and ends it on @r, here) - else the state
 * the submitter settled, LIVE or PACKET. The two ABANDONED steps are the
 * same for every operation, so they are taken here rather than by each.
 */
static inline int dcx_early_reap(struct dcx_early *e, int res,
				 struct dcx_ring *r,
				 void (*op_free)(void *op), void *op)
{
	int state = DCX_EARLY_SUBMITTING;

	e->res = res;
	if (__atomic_compare_exchange_n(&e->state, &state, DCX_EARLY_EARLY,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return 0;
	if (state == DCX_EARLY_ABANDONED) {
		op_free(op);
		dcx_ring_op_end(r);
		return 0;
	}
	return state;
}

/* Submitter: LIVE, ABANDONED or EARLY (then e->res is the result). */
static inline int dcx_early_settle(struct dcx_early *e, int next)
{
	int state = DCX_EARLY_SUBMITTING;

	if (__atomic_compare_exchange_n(&e->state, &state, next, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return next;
	return state;
}

/*
 * cancel.c: the overlapped operations in flight, by socket, so that
 * CancelIoEx() and closesocket() find them. An operation embeds a struct
 * dcx_pending, listed from before its submission until it reports;
 * dcx_pending_arm() names its ring once its SQEs are queued (a cancel that
 * came before is carried out then); @cancel runs under the list's lock
 * (the operation cannot end meanwhile) and the ring's, and queues the
 * request that stops it; dcx_pending_del() gives the result to report.
 */
struct dcx_pending {
	struct dcx_pending *prev;
	struct dcx_pending *next;
	struct _OVERLAPPED *ov;
	/* Queue the SQEs that stop it, on @r, under r's lock. */
	void (*cancel)(struct dcx_pending *p, struct dcx_ring *r);
	struct dcx_ring *ring;	/* NULL until its SQEs are queued */
	int fd;
	pid_t tid;
	int abort_res;		/* 0, or what a cancel makes the result */
	bool listed;
	bool graceful;		/* a disconnect: closesocket() lets it run */
	bool close_only;	/* only closesocket() aborts it (AcceptEx's
				 * accept socket) */
};

void dcx_pending_add(struct dcx_pending *p, int fd, struct _OVERLAPPED *ov,
		     void (*cancel)(struct dcx_pending *p, struct dcx_ring *r),
		     bool graceful);
int dcx_pending_add_once(struct dcx_pending *p, int fd,
			 struct _OVERLAPPED *ov,
			 void (*cancel)(struct dcx_pending *p,
					struct dcx_ring *r));
bool dcx_pending_listed(int fd,
			void (*cancel)(struct dcx_pending *p,
				       struct dcx_ring *r));
int dcx_pending_hold(struct dcx_pending *p);
void dcx_pending_release(void);
struct dcx_ring *dcx_pending_begin(struct dcx_pending *p, struct dcx_op *op,
				   struct dcx_sink *op_sink, int fd,
				   struct dcx_sink *sink,
				   void (*cancel)(struct dcx_pending *p,
						  struct dcx_ring *r),
				   bool graceful, int *err);
int dcx_pending_submit(struct dcx_pending *p, struct dcx_ring *r,
		       unsigned int *mark);
void dcx_pending_arm(struct dcx_pending *p, struct dcx_ring *r);
int dcx_pending_del(struct dcx_pending *p, int res);
int dcx_cancel_fd(int fd, const struct _OVERLAPPED *ov, bool mine, int res);
void dcx_cancel_request(struct dcx_ring *r, uint64_t ud);
void dcx_cancel_atfork_prepare(void);
void dcx_cancel_atfork_parent(void);
void dcx_cancel_atfork_child(void);

/*
 * accept.c: AcceptEx(). What the program set with setsockopt() on a socket
 * (the Linux arguments), carried to the connection an AcceptEx puts
 * behind its number.
 */
void dcx_opt_note(int fd, int level, int name, const void *val,
		  socklen_t len);
void dcx_opts_atfork_child(void);
/* An AcceptEx is pending into @fd: connect() refuses it (WSAEINVAL). */
bool dcx_accept_pending_into(int fd);

/* sockio.c: this thread keeps no finished operations for reuse. */
void dcx_io_cache_off(void);

/* engine.c: the process's ring for sockets without a port. */
struct dcx_ring *dcx_engine_lock(int *err);
void dcx_atfork_register(void);
bool dcx_engine_current(void);
void dcx_engine_shutdown(void);

/*
 * port.c: completion ports, and which socket reports to which. A packet
 * is produced by dcx_port_deliver(), on whatever thread completes the
 * operation: handed straight to the GetQueuedCompletionStatus() caller
 * that is reaping that port, or else queued through the port's ring.
 */
struct dcx_port;
void dcx_port_deliver(struct dcx_port *port, uintptr_t key,
		      struct _OVERLAPPED *ov, uint32_t status,
		      unsigned int bytes);
void dcx_port_put(struct dcx_port *port);
void dcx_port_attach(int fd, struct dcx_sink *sink, bool succeeded);
void dcx_port_forget_fd(int fd);
void dcx_port_atfork_prepare(void);
void dcx_port_atfork_parent(void);
void dcx_port_atfork_child(void);

/*
 * bsd.c: what the BSD-named calls remember of a socket that Linux does not
 * (a receive-side shutdown, a connect's failure); forgotten when the socket
 * gets a new connection.
 */
void dcx_bsd_forget(int fd);
/* The same, for DisconnectEx(TF_REUSE_SOCKET): AcceptEx may take it. */
void dcx_bsd_recycled(int fd);
uint64_t dcx_bsd_recycling(int fd);
void dcx_bsd_unrecycle(int fd, uint64_t old);

/*
 * backend.c: backend selection and dispatch, and ConnectEx()'s connect
 * (dcx_submit_connect(), one io_uring link on either backend).
 * dcx_backend_check(): 0, or -EINVAL when DCX_BACKEND names no backend -
 * then every entry point that would make, connect, associate or do I/O on
 * a socket or a port, or disconnect, fails at once (-EINVAL,
 * WSASYSNOTREADY at the Windows surface; backend.c says why). The variable
 * is read once (errno kept); after that the check is a load and a compare,
 * cheap enough for WSARecv.
 */
extern int dcx_backend_env_state;
int dcx_backend_env_slow(void);

static inline int dcx_backend_check(void)
{
	if (__builtin_expect(__atomic_load_n(&dcx_backend_env_state,
					     __ATOMIC_ACQUIRE) == 1, 1))
		return 0;
	return dcx_backend_env_slow();
}

enum dcx_backend dcx_backend_resolve(int *devfd);
bool dcx_is_refusal(int err);
int dcx_submit_disconnect(int fd, unsigned int flags, unsigned int timeout_ms,
			  struct dcx_sink *sink);
int dcx_submit_connect(int fd, const struct sockaddr *name, socklen_t namelen,
		       const void *buf, unsigned int len,
		       struct dcx_sink *sink);

/* backend_kernel.c: /dev/disconnectex. */
int dcx_kernel_submit(int devfd, int fd, unsigned int flags,
		      unsigned int timeout_ms, struct dcx_sink *sink);
int dcx_kernel_disconnect(int devfd, int fd, unsigned int flags,
			  unsigned int timeout_ms);

/*
 * tcpi_state values (include/net/tcp_states.h; <linux/tcp.h> does not export
 * them and <netinet/tcp.h> cannot be included next to it).
 */
enum {
	DCX_TCP_ESTABLISHED = 1,
	DCX_TCP_SYN_SENT,
	DCX_TCP_SYN_RECV,
	DCX_TCP_FIN_WAIT1,
	DCX_TCP_FIN_WAIT2,
	DCX_TCP_TIME_WAIT,
	DCX_TCP_CLOSE,
	DCX_TCP_CLOSE_WAIT,
	DCX_TCP_LAST_ACK,
	DCX_TCP_LISTEN,
	DCX_TCP_CLOSING,
};

/*
 * backend_emulated.c: plain io_uring. dcx_tcp_state(): the fd's TCP state
 * (TCP_INFO), or -errno; *was_established tells whether its counters show
 * a connection (they survive its end and are zeroed by connect(AF_UNSPEC)).
 */
int dcx_tcp_state(int fd, bool *was_established);
int dcx_emul_submit(int fd, unsigned int flags, unsigned int timeout_ms,
		    struct dcx_sink *sink);
void dcx_emul_atfork_prepare(void);
void dcx_emul_atfork_parent(void);
void dcx_emul_atfork_child(void);

/*
 * mswsock.c: the socket of ConnectEx() or TransmitFile() - its TCP state,
 * or -ENOTSOCK (no socket), -EOPNOTSUPP (not TCP), as Windows refuses it.
 */
int dcx_stream_state(int fd, bool *was_established);

/* Keep errno as the caller left it: the native API never touches it. */
#define DCX_SAVE_ERRNO		int dcx_saved_errno_ = errno
#define DCX_RESTORE_ERRNO	(errno = dcx_saved_errno_)

#endif /* DCX_INTERNAL_H */
