/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * Internal interfaces of libdisconnectex. Everything here is prefixed dcx_
 * and hidden from the shared library by libdisconnectex.map.
 *
 * Inside the library errors are -errno; they become Winsock errors and
 * NTSTATUS values only at the Windows surface (wsa_error.c).
 */
#ifndef DCX_INTERNAL_H
#define DCX_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
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

/* wsa_error.c: the thread's last error and the errno/NTSTATUS/WSA maps. */
void dcx_set_last_error(int wsa);
int dcx_fail(int wsa);			/* sets the last error, FALSE */
int dcx_fail_errno(int err);		/* same, from -errno */
uint32_t dcx_status_from_errno(int err);	/* err: -errno or 0 */
bool dcx_status_success(uint32_t status);	/* NT_SUCCESS() */
int dcx_wsa_from_status(uint32_t status);	/* 0 or the WSA error */
uint32_t dcx_win32_from_status(uint32_t status); /* RtlNtStatusToDosError */

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

struct dcx_sink {
	struct _OVERLAPPED *ov;
	struct dcx_event *ev;
	struct dcx_waiter *waiter;
};

void dcx_sink_complete(const struct dcx_sink *sink, int res,
		       unsigned int bytes);
void dcx_waiter_init(struct dcx_waiter *w, struct dcx_sink *sink);
int dcx_waiter_wait(struct dcx_waiter *w, unsigned int *bytes);
int dcx_ov_mark(struct _OVERLAPPED *ov);
int dcx_ov_start(struct _OVERLAPPED *ov, struct dcx_sink *sink);
int dcx_ov_begin(struct _OVERLAPPED *ov, struct dcx_sink *sink);
void dcx_ov_fail(struct dcx_sink *sink);
int dcx_probe_writable(void *addr, size_t len);
int dcx_probe_readable(const void *addr, size_t len);
int dcx_copy_checked(void *dst, const void *src, size_t len);
int dcx_probe_writable_vm(void *addr, size_t len);
int dcx_probe_writable_pipe(void *addr, size_t len);
void dcx_ov_atfork_child(void);

/*
 * engine.c: the process's io_uring and the thread that reaps it. An
 * operation embeds a struct dcx_op; each of its SQEs carries the op's
 * address with a tag in the low bits, and every CQE is handed to op->fn on
 * the engine thread.
 */
struct dcx_op;
typedef void (*dcx_op_fn)(struct dcx_op *op, unsigned int tag, int res);

struct dcx_op {
	dcx_op_fn fn;
};

#define DCX_TAG_MASK	7UL

static inline void dcx_sqe_set_op(struct io_uring_sqe *sqe, struct dcx_op *op,
				  unsigned int tag)
{
	io_uring_sqe_set_data64(sqe, (uintptr_t)op | tag);
}

int dcx_engine_lock(void);
struct io_uring_sqe *dcx_engine_sqe(void);
void dcx_engine_reserve(unsigned int n);
int dcx_engine_unlock(void);
unsigned int dcx_engine_cq_mark(void);
bool dcx_engine_cq_find(unsigned int mark, const struct dcx_op *op,
			unsigned int tag, int *res);
void dcx_engine_op_start(void);
void dcx_engine_op_reported(void);
void dcx_engine_op_end(void);
void dcx_engine_shutdown(void);

/*
 * bsd.c: what the BSD-named calls remember of a socket that Linux does not
 * (a receive-side shutdown, a connect's failure); forgotten when the socket
 * gets a new connection.
 */
void dcx_bsd_forget(int fd);

/* backend.c: backend selection and dispatch. */
enum dcx_backend dcx_backend_resolve(int *devfd);
bool dcx_is_refusal(int err);
int dcx_submit_disconnect(int fd, unsigned int flags, unsigned int timeout_ms,
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

/* Keep errno as the caller left it: the native API never touches it. */
#define DCX_SAVE_ERRNO		int dcx_saved_errno_ = errno
#define DCX_RESTORE_ERRNO	(errno = dcx_saved_errno_)

#endif /* DCX_INTERNAL_H */
