// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The OVERLAPPED side of an operation: checking that the caller's OVERLAPPED
 * is writable without risking a fault, marking it pending, publishing the
 * result into it from the engine thread, and reading it back through
 * WSAGetOverlappedResult() / HasOverlappedIoCompleted(). Blocking calls use
 * a waiter instead of an OVERLAPPED.
 *
 * Publication order is Windows': InternalHigh (the byte count), then Internal
 * (the status, which ends STATUS_PENDING), then hEvent. After Internal is
 * stored the OVERLAPPED belongs to the program again and is not touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <winsock2.h>

#include "internal.h"

/*
 * Writability probe. The kernel copies to and from user memory with fault
 * handling, so asking it to do the access turns a bad pointer into EFAULT
 * instead of SIGSEGV. process_vm_readv() + process_vm_writev() on ourselves
 * read the bytes and write the same bytes back. Where those calls are
 * refused (a seccomp filter, say), a pipe does the same: write() from the
 * memory, read() back into it.
 */
#define DCX_PROBE_MAX	128

/*
 * Our own pid for process_vm_*v(), looked up once (glibc no longer caches
 * getpid()). A forked child must look again - a stale pid would point the
 * probes at the parent - so the first lookup registers its own fork
 * handler, whether or not the engine ever started.
 */
static pid_t dcx_pid;
static pthread_once_t dcx_pid_once = PTHREAD_ONCE_INIT;

static void dcx_pid_forget(void)
{
	dcx_pid = 0;
}

static void dcx_pid_register(void)
{
	pthread_atfork(NULL, NULL, dcx_pid_forget);
}

static pid_t dcx_self(void)
{
	pid_t pid;

	pthread_once(&dcx_pid_once, dcx_pid_register);
	pid = __atomic_load_n(&dcx_pid, __ATOMIC_RELAXED);
	if (!pid) {
		pid = getpid();
		__atomic_store_n(&dcx_pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

int dcx_probe_writable_vm(void *addr, size_t len)
{
	unsigned char buf[DCX_PROBE_MAX];
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = addr, .iov_len = len };
	pid_t pid = dcx_self();
	ssize_t n;

	if (len > sizeof(buf))
		return -EINVAL;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EFAULT;
	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* Readability only: the first half of each probe. */
static int dcx_probe_readable_vm(const void *addr, size_t len)
{
	unsigned char buf[DCX_PROBE_MAX];
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = len };
	ssize_t n;

	if (len > sizeof(buf))
		return -EINVAL;
	n = process_vm_readv(dcx_self(), &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static int dcx_probe_readable_pipe(const void *addr, size_t len)
{
	int fds[2], ret = 0;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	n = write(fds[1], addr, len);
	if (n < 0 || (size_t)n != len)
		ret = n < 0 && errno != EFAULT ? -errno : -EFAULT;
	close(fds[0]);
	close(fds[1]);
	return ret;
}

int dcx_probe_writable_pipe(void *addr, size_t len)
{
	int fds[2], ret = 0;
	ssize_t n;

	if (len > DCX_PROBE_MAX)
		return -EINVAL;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	n = write(fds[1], addr, len);
	if (n < 0 || (size_t)n != len) {
		ret = n < 0 && errno != EFAULT ? -errno : -EFAULT;
		goto out;
	}
	n = read(fds[0], addr, len);
	if (n < 0 || (size_t)n != len)
		ret = n < 0 && errno != EFAULT ? -errno : -EFAULT;
out:
	close(fds[0]);
	close(fds[1]);
	return ret;
}

static int dcx_probe_use_pipe;

/* The same through a pipe, a pipe-full at a time. */
static int dcx_copy_pipe(void *dst, const void *src, size_t len)
{
	const size_t chunk = 4096;
	int fds[2], ret = 0;
	size_t off, n;
	ssize_t got;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	for (off = 0; off < len && !ret; off += n) {
		n = len - off < chunk ? len - off : chunk;
		got = write(fds[1], (const char *)src + off, n);
		if (got != (ssize_t)n) {
			ret = -EFAULT;
			break;
		}
		got = read(fds[0], (char *)dst + off, n);
		if (got != (ssize_t)n)
			ret = -EFAULT;
	}
	close(fds[0]);
	close(fds[1]);
	return ret;
}

/*
 * memcpy() from memory the program handed us, turning a bad pointer into
 * -EFAULT: the kernel does the copy, with process_vm_readv(), or through a
 * pipe where that is refused (a seccomp filter, say).
 */
int dcx_copy_checked(void *dst, const void *src, size_t len)
{
	struct iovec local = { .iov_base = dst, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)src, .iov_len = len };
	ssize_t n;

	if (!src)
		return -EFAULT;
	if (!__atomic_load_n(&dcx_probe_use_pipe, __ATOMIC_RELAXED)) {
		n = process_vm_readv(dcx_self(), &local, 1, &remote, 1, 0);
		if (n >= 0)
			return (size_t)n == len ? 0 : -EFAULT;
		if (errno != ENOSYS && errno != EPERM)
			return -EFAULT;
		__atomic_store_n(&dcx_probe_use_pipe, 1, __ATOMIC_RELAXED);
	}
	return dcx_copy_pipe(dst, src, len);
}

/*
 * The probes are on the hot path of every overlapped call (the OVERLAPPED,
 * the byte count, the flags, the WSABUF array), and each costs a system
 * call or two. Servers reuse the same few pages for these - OVERLAPPEDs
 * from a pool, counters on the stack - so each thread remembers the last
 * pages it found readable and writable and does not ask again. The price:
 * a page the program unmaps or write-protects afterwards is still taken
 * for good, and a bad pointer into it then faults as it would on Windows
 * without a probe.
 */
#define DCX_PAGE_SHIFT		12
#define DCX_PROBE_CACHE		16

struct dcx_page_cache {
	uintptr_t page[DCX_PROBE_CACHE];	/* page number + 1; 0: empty */
	unsigned int next;
	unsigned int hit;	/* the slot that answered last: looked at first */
};

static __thread struct dcx_page_cache dcx_pages_w, dcx_pages_r;

static bool dcx_pages_known(struct dcx_page_cache *c, uintptr_t first,
			    uintptr_t last)
{
	uintptr_t pg;
	unsigned int i;

	for (pg = first; pg <= last; pg++) {
		if (c->page[c->hit] == pg + 1)
			continue;
		for (i = 0; i < DCX_PROBE_CACHE; i++)
			if (c->page[i] == pg + 1)
				break;
		if (i == DCX_PROBE_CACHE)
			return false;
		c->hit = i;
	}
	return true;
}

static void dcx_pages_learn(struct dcx_page_cache *c, uintptr_t first,
			    uintptr_t last)
{
	uintptr_t pg;

	for (pg = first; pg <= last && pg - first < DCX_PROBE_CACHE; pg++) {
		if (dcx_pages_known(c, pg, pg))
			continue;
		c->page[c->next] = pg + 1;
		c->next = (c->next + 1) % DCX_PROBE_CACHE;
	}
}

/*
 * One probe of @len bytes at @addr: the whole range when it is short, else
 * one byte in each page it touches (protection is per page).
 */
static int dcx_probe_once(void *addr, size_t len, bool write)
{
	uintptr_t a = (uintptr_t)addr, end = a + len, p;
	int ret = 0;

	if (len <= DCX_PROBE_MAX) {
		if (!__atomic_load_n(&dcx_probe_use_pipe, __ATOMIC_RELAXED)) {
			ret = write ? dcx_probe_writable_vm(addr, len) :
				      dcx_probe_readable_vm(addr, len);
			if (ret != -ENOSYS && ret != -EPERM)
				return ret;
			__atomic_store_n(&dcx_probe_use_pipe, 1,
					 __ATOMIC_RELAXED);
		}
		return write ? dcx_probe_writable_pipe(addr, len) :
			       dcx_probe_readable_pipe(addr, len);
	}
	for (p = a; p < end && !ret;
	     p = ((p >> DCX_PAGE_SHIFT) + 1) << DCX_PAGE_SHIFT)
		ret = dcx_probe_once((void *)p, 1, write);
	return ret;
}

static int dcx_probe(void *addr, size_t len, bool write)
{
	struct dcx_page_cache *c = write ? &dcx_pages_w : &dcx_pages_r;
	uintptr_t first, last;
	int ret;

	if (!addr || (uintptr_t)addr + len < (uintptr_t)addr)
		return -EFAULT;
	if (!len)
		return 0;
	first = (uintptr_t)addr >> DCX_PAGE_SHIFT;
	last = ((uintptr_t)addr + len - 1) >> DCX_PAGE_SHIFT;
	if (dcx_pages_known(c, first, last))
		return 0;
	ret = dcx_probe_once(addr, len, write);
	if (!ret)
		dcx_pages_learn(c, first, last);
	return ret;
}

int dcx_probe_writable(void *addr, size_t len)
{
	return dcx_probe(addr, len, true);
}

int dcx_probe_readable(const void *addr, size_t len)
{
	return dcx_probe((void *)addr, len, false);
}

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

/*
 * Start an overlapped operation on an OVERLAPPED dcx_ov_mark() accepted:
 * 0 or the Winsock error. hEvent (if any) is referenced and reset - as
 * Windows resets it when an overlapped operation starts. InternalHigh is
 * left alone until the end.
 */
int dcx_ov_start(OVERLAPPED *ov, struct dcx_sink *sink)
{
	HANDLE h = ov->hEvent;

	sink->ov = ov;
	sink->ev = NULL;
	sink->waiter = NULL;
	sink->port = NULL;
	sink->key = 0;
	sink->done = NULL;
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
	sink->ov = NULL;
	sink->ev = NULL;
	sink->waiter = w;
	sink->port = NULL;
	sink->key = 0;
	sink->done = NULL;
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
