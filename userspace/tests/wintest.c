// SPDX-License-Identifier: GPL-2.0
/*
 * The portable helpers of the win_* tests (see wintest.h): Winsock calls
 * only, except where the platforms really differ - time, threads, files,
 * Wine detection, the backend.
 */
#define WT_NO_HARNESS
#include "wintest.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef _WIN32
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "disconnectex.h"
#endif

void wt_init(void)
{
	static bool done;
	WSADATA data;
	int err;

	if (done)
		return;
	err = WSAStartup(MAKEWORD(2, 2), &data);
	if (err) {
		fprintf(stderr, "wt_init: WSAStartup(2.2) failed: %d\n", err);
		abort();
	}
	done = true;
}

bool wt_on_wine(void)
{
#ifdef _WIN32
	HMODULE ntdll = GetModuleHandleA("ntdll.dll");

	return ntdll && GetProcAddress(ntdll, "wine_get_version");
#else
	return false;
#endif
}

bool wt_on_linux(void)
{
#ifdef _WIN32
	return false;
#else
	return true;
#endif
}

bool wt_kernel_backend(void)
{
#ifdef _WIN32
	return false;
#else
	return dcx_backend() == DCX_BACKEND_KERNEL;
#endif
}

const char *wt_platform(void)
{
	if (!wt_on_linux())
		return wt_on_wine() ? "wine" : "windows";
	return wt_kernel_backend() ? "linux-kernel" : "linux-emulated";
}

void wt_sleep_ms(int ms)
{
#ifdef _WIN32
	Sleep(ms);
#else
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
#endif
}

int64_t wt_now_ms(void)
{
#ifdef _WIN32
	LARGE_INTEGER count, freq;

	QueryPerformanceCounter(&count);
	QueryPerformanceFrequency(&freq);
	return count.QuadPart * 1000 / freq.QuadPart;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#endif
}

HANDLE wt_handle(SOCKET s)
{
	return (HANDLE)(ULONG_PTR)s;
}

int wt_loopback(int family, int port, struct sockaddr_storage *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->ss_family = family;
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)addr)->sin6_addr.s6_addr[15] = 1;
		((struct sockaddr_in6 *)addr)->sin6_port = htons((u_short)port);
		return sizeof(struct sockaddr_in6);
	}
	((struct sockaddr_in *)addr)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	((struct sockaddr_in *)addr)->sin_port = htons((u_short)port);
	return sizeof(struct sockaddr_in);
}

SOCKET wt_listener(int family, struct sockaddr_storage *addr, int *len)
{
	SOCKET s;
	int err;

	*len = wt_loopback(family, 0, addr);
	s = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (s == INVALID_SOCKET)
		return INVALID_SOCKET;
	if (bind(s, (struct sockaddr *)addr, *len) == SOCKET_ERROR ||
	    listen(s, 16) == SOCKET_ERROR ||
	    getsockname(s, (struct sockaddr *)addr, len) == SOCKET_ERROR) {
		err = WSAGetLastError();
		closesocket(s);
		WSASetLastError(err);
		return INVALID_SOCKET;
	}
	return s;
}

int wt_pair(int family, SOCKET *client, SOCKET *server)
{
	return wt_pair_from(family, socket(family, SOCK_STREAM, IPPROTO_TCP),
			    client, server);
}

int wt_pair_from(int family, SOCKET c, SOCKET *client, SOCKET *server)
{
	struct sockaddr_storage addr;
	SOCKET l, a;
	int len, err;

	*client = INVALID_SOCKET;
	*server = INVALID_SOCKET;
	if (c == INVALID_SOCKET)
		return WSAGetLastError();
	l = wt_listener(family, &addr, &len);
	if (l == INVALID_SOCKET) {
		err = WSAGetLastError();
		goto err_client;
	}
	/* On loopback the handshake completes in the listener's backlog. */
	if (connect(c, (struct sockaddr *)&addr, len) == SOCKET_ERROR) {
		err = WSAGetLastError();
		goto err_listener;
	}
	a = accept(l, NULL, NULL);
	if (a == INVALID_SOCKET) {
		err = WSAGetLastError();
		goto err_listener;
	}
	closesocket(l);
	*client = c;
	*server = a;
	return 0;

err_listener:
	closesocket(l);
err_client:
	closesocket(c);
	return err;
}

int wt_wait_readable(SOCKET s, int timeout_ms)
{
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	fd_set rd;
	int r;

	FD_ZERO(&rd);
	FD_SET(s, &rd);
	/* Windows ignores the first argument. */
	r = select((int)s + 1, &rd, NULL, NULL, timeout_ms < 0 ? NULL : &tv);
	if (r == SOCKET_ERROR)
		return -WSAGetLastError();
	return r > 0;
}

/* What is left of a deadline, for wt_wait_readable(). */
static int wt_left_ms(int64_t deadline)
{
	int64_t left = deadline - wt_now_ms();

	return left > 0 ? (int)left : 0;
}

int wt_recv_all(SOCKET s, char *buf, int len, int timeout_ms)
{
	int64_t deadline = wt_now_ms() + timeout_ms;
	int got = 0, r;

	while (got < len) {
		r = wt_wait_readable(s, wt_left_ms(deadline));
		if (r < 0)
			return r;
		if (r == 0)
			break;
		r = recv(s, buf + got, len - got, 0);
		if (r == 0)
			break;
		if (r == SOCKET_ERROR) {
			r = WSAGetLastError();
			if (r != WSAEWOULDBLOCK)
				return -r;
			if (!wt_left_ms(deadline))
				break;
			continue;
		}
		got += r;
	}
	return got;
}

int wt_read_to_end(SOCKET s, long *bytes, int timeout_ms)
{
	int64_t deadline = wt_now_ms() + timeout_ms;
	char buf[4096];
	int r;

	*bytes = 0;
	for (;;) {
		r = wt_wait_readable(s, wt_left_ms(deadline));
		if (r < 0)
			return r;
		if (r == 0)
			return -WSAETIMEDOUT;
		r = recv(s, buf, (int)sizeof(buf), 0);
		if (r == 0)
			return 0;
		if (r > 0) {
			*bytes += r;
			continue;
		}
		r = WSAGetLastError();
		if (r != WSAEWOULDBLOCK)
			return -r;
	}
}

int wt_set_nonblocking(SOCKET s, bool on)
{
	u_long mode = on;

	if (ioctlsocket(s, FIONBIO, &mode) == SOCKET_ERROR)
		return WSAGetLastError();
	return 0;
}

void wt_close(SOCKET *s)
{
	if (*s != INVALID_SOCKET)
		closesocket(*s);
	*s = INVALID_SOCKET;
}

/*
 * The extension function @guid names, through
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) on @s: NULL on failure. Of
 * the one function type GCC lets a caller cast to its own LPFN_ type.
 */
typedef void (*wt_fn)(void);

static wt_fn wt_extension(SOCKET s, GUID guid)
{
	wt_fn fn = NULL;
	DWORD bytes = 0;

	if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
		     sizeof(guid), &fn, sizeof(fn), &bytes, NULL, NULL) ||
	    bytes != sizeof(fn))
		return NULL;
	return fn;
}

LPFN_DISCONNECTEX wt_disconnectex(SOCKET s)
{
	return (LPFN_DISCONNECTEX)wt_extension(s, (GUID)WSAID_DISCONNECTEX);
}

LPFN_CONNECTEX wt_connectex(SOCKET s)
{
	return (LPFN_CONNECTEX)wt_extension(s, (GUID)WSAID_CONNECTEX);
}

/* An overlapped call's start: 0 if it succeeded (@ok) or pends, else the
 * WSA error it failed with at once. */
static int wt_started(BOOL ok)
{
	if (ok || WSAGetLastError() == WSA_IO_PENDING)
		return 0;
	return WSAGetLastError();
}

int wt_connectex_start(SOCKET s, const struct sockaddr_storage *to, int len,
		       const char *buf, DWORD n, OVERLAPPED *ov)
{
	LPFN_CONNECTEX fn = wt_connectex(s);
	DWORD sent = 0;

	if (!fn)
		return WSAGetLastError();
	return wt_started(fn(s, (const struct sockaddr *)to, len, (PVOID)buf, n,
			     &sent, ov));
}

int wt_disconnectex_start(SOCKET s, OVERLAPPED *ov, DWORD flags)
{
	LPFN_DISCONNECTEX fn = wt_disconnectex(s);

	if (!fn)
		return WSAGetLastError();
	return wt_started(fn(s, ov, flags, 0));
}

WSAEVENT wt_ov_init(OVERLAPPED *ov)
{
	memset(ov, 0, sizeof(*ov));
	ov->hEvent = WSACreateEvent();
	return ov->hEvent;
}

void wt_ov_release(OVERLAPPED *ov)
{
	/* It may still signal the event: leaking it is the safe side. */
	if (HasOverlappedIoCompleted(ov))
		WSACloseEvent(ov->hEvent);
}

int wt_pair_ov(int family, SOCKET *client, SOCKET *server, OVERLAPPED *ov)
{
	int err;

	wt_init();
	err = wt_pair(family, client, server);
	if (err)
		return err;
	if (wt_ov_init(ov) != WSA_INVALID_EVENT)
		return 0;
	err = WSAGetLastError();
	wt_close(client);
	wt_close(server);
	/* Never 0: that would pass for a pair with its OVERLAPPED. */
	return err ? err : WSA_NOT_ENOUGH_MEMORY;
}

int wt_wait_event(WSAEVENT ev, int timeout_ms)
{
	DWORD r = WSAWaitForMultipleEvents(1, &ev, FALSE, (DWORD)timeout_ms,
					   FALSE);

	return r == WSA_WAIT_EVENT_0 ? 0 : (int)WSA_WAIT_TIMEOUT;
}

struct wt_thread {
#ifdef _WIN32
	HANDLE handle;
#else
	pthread_t thread;
#endif
	int (*fn)(void *arg);
	void *arg;
	int result;
};

#ifdef _WIN32
static DWORD WINAPI wt_thread_main(void *arg)
#else
static void *wt_thread_main(void *arg)
#endif
{
	struct wt_thread *t = arg;

	t->result = t->fn(t->arg);
	return 0;
}

struct wt_thread *wt_thread_start(int (*fn)(void *arg), void *arg)
{
	struct wt_thread *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
#ifdef _WIN32
	t->handle = CreateThread(NULL, 0, wt_thread_main, t, 0, NULL);
	if (t->handle)
		return t;
#else
	if (!pthread_create(&t->thread, NULL, wt_thread_main, t))
		return t;
#endif
	free(t);
	return NULL;
}

int wt_thread_join(struct wt_thread *t)
{
	int result;

#ifdef _WIN32
	WaitForSingleObject(t->handle, INFINITE);
	CloseHandle(t->handle);
#else
	pthread_join(t->thread, NULL);
#endif
	result = t->result;
	free(t);
	return result;
}

BOOL wt_port_get(HANDLE port, int timeout_ms, struct wt_packet *p)
{
	p->bytes = 0xdeadbeef;
	p->key = 0xdeadbeef;
	p->ov = (OVERLAPPED *)1;
	SetLastError(0xdeadbeef);
	p->ok = GetQueuedCompletionStatus(port, &p->bytes, &p->key, &p->ov,
					  (DWORD)timeout_ms);
	p->error = GetLastError();
	return p->ok;
}

int wt_port_count(HANDLE port, int quiet_ms)
{
	struct wt_packet p;
	int n;

	/* Bounded: a port that never runs dry is a failure too. */
	for (n = 0; n < 1000; n++)
		if (!wt_port_get(port, quiet_ms, &p) &&
		    (!p.ov || p.ov == (OVERLAPPED *)1))
			break;
	return n;
}

LPFN_ACCEPTEX wt_acceptex(SOCKET s)
{
	return (LPFN_ACCEPTEX)wt_extension(s, (GUID)WSAID_ACCEPTEX);
}

LPFN_GETACCEPTEXSOCKADDRS wt_getacceptexsockaddrs(SOCKET s)
{
	return (LPFN_GETACCEPTEXSOCKADDRS)wt_extension(s, (GUID)WSAID_GETACCEPTEXSOCKADDRS);
}

DWORD wt_acceptex_slot(int family)
{
	return (family == AF_INET6 ? sizeof(struct sockaddr_in6) :
				     sizeof(struct sockaddr_in)) + 16;
}

int wt_acceptex_start(SOCKET l, SOCKET a, char *buf, DWORD rxlen, int family,
		      OVERLAPPED *ov)
{
	LPFN_ACCEPTEX fn = wt_acceptex(l);
	DWORD slot = wt_acceptex_slot(family), got = 0;

	if (!fn)
		return WSAGetLastError();
	return wt_started(fn(l, a, buf, rxlen, slot, slot, &got, ov));
}

LPFN_TRANSMITFILE wt_transmitfile(SOCKET s)
{
	return (LPFN_TRANSMITFILE)wt_extension(s, (GUID)WSAID_TRANSMITFILE);
}

/*
 * A file of @len bytes of @data, its position at 0, gone once closed: on
 * Windows a temporary file opened FILE_FLAG_DELETE_ON_CLOSE, here an
 * unlinked one, its descriptor as the HANDLE (TransmitFile(3)).
 */
HANDLE wt_temp_file(const void *data, size_t len)
{
#ifdef _WIN32
	char dir[MAX_PATH], path[MAX_PATH];
	DWORD done;
	HANDLE h;

	if (!GetTempPathA(sizeof(dir), dir) ||
	    !GetTempFileNameA(dir, "wtf", 0, path))
		return NULL;
	h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
			CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY |
			FILE_FLAG_DELETE_ON_CLOSE, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return NULL;
	if ((len && (!WriteFile(h, data, (DWORD)len, &done, NULL) ||
		     done != len)) ||
	    SetFilePointer(h, 0, NULL, FILE_BEGIN) == INVALID_SET_FILE_POINTER) {
		CloseHandle(h);
		return NULL;
	}
	return h;
#else
	char path[] = "/tmp/wtfXXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return NULL;
	unlink(path);
	if ((len && write(fd, data, len) != (ssize_t)len) ||
	    lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return NULL;
	}
	return (HANDLE)(intptr_t)fd;
#endif
}

void wt_close_file(HANDLE h)
{
	if (!h)
		return;
#ifdef _WIN32
	CloseHandle(h);
#else
	close((int)(intptr_t)h);
#endif
}
