// SPDX-License-Identifier: GPL-2.0
/* Helpers for the libdisconnectex tests; see helpers.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disconnectex.h"
#include "helpers.h"

bool tst_device_present(void)
{
	return access("/dev/disconnectex", R_OK | W_OK) == 0;
}

int tst_use_emulated(void)
{
	if (setenv("DCX_BACKEND", "emulated", 1))
		return -1;
	return dcx_backend() == DCX_BACKEND_EMULATED ? 0 : -1;
}

/*
 * WSAGetOverlappedResult() wants a socket, and only checks that it is one;
 * callers here may have closed theirs already (that is what some tests
 * test), so the helper brings its own.
 */
static SOCKET tst_any_fd = INVALID_SOCKET;

/* Before any test, so that tests counting their fds never see it appear. */
__attribute__((constructor)) static void tst_any_socket_open(void)
{
	tst_any_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static SOCKET tst_any_socket(void)
{
	return tst_any_fd;
}

int tst_overlapped_result(OVERLAPPED *ov, DWORD *bytes, int timeout_ms)
{
	DWORD n = 0, flags = 0, w;

	if (ov->hEvent) {
		w = WSAWaitForMultipleEvents(1, &ov->hEvent, FALSE,
					     (DWORD)timeout_ms, FALSE);
		if (w == WSA_WAIT_TIMEOUT)
			return WSA_WAIT_TIMEOUT;
		if (w != WSA_WAIT_EVENT_0)
			return WSAGetLastError();
	}
	if (!WSAGetOverlappedResult(tst_any_socket(), ov, &n, TRUE, &flags))
		return WSAGetLastError();
	if (bytes)
		*bytes = n;
	return 0;
}

int tst_disconnect_wsa(SOCKET s, DWORD flags, DWORD reserved, int timeout_ms)
{
	OVERLAPPED *ov = calloc(1, sizeof(*ov));
	int err;

	if (!ov)
		return WSA_NOT_ENOUGH_MEMORY;
	ov->hEvent = WSACreateEvent();
	if (ov->hEvent == WSA_INVALID_EVENT) {
		free(ov);
		return WSAGetLastError();
	}
	if (DisconnectEx(s, ov, flags, reserved))
		err = 0;
	else if ((err = WSAGetLastError()) == WSA_IO_PENDING)
		err = tst_overlapped_result(ov, NULL, timeout_ms);
	/* Never free an OVERLAPPED that is still in flight: leak it. */
	if (err == WSA_WAIT_TIMEOUT)
		return err;
	WSACloseEvent(ov->hEvent);
	free(ov);
	return err;
}

void tst_ov_init(OVERLAPPED *ov)
{
	memset(ov, 0, sizeof(*ov));
	ov->hEvent = WSACreateEvent();
}

int tst_disconnect_finish(OVERLAPPED *ov, int *sfd, int timeout_ms)
{
	int end = tst_read_to_end(*sfd, NULL, timeout_ms), err;

	close(*sfd);
	*sfd = -1;
	err = tst_overlapped_result(ov, NULL, timeout_ms);
	WSACloseEvent(ov->hEvent);
	return end ? end : err;
}

int tst_disconnect_start(SOCKET s, OVERLAPPED *ov, DWORD flags)
{
	tst_ov_init(ov);
	return DisconnectEx(s, ov, flags, 0) ? 0 : WSAGetLastError();
}

void *tst_extension(SOCKET s, GUID guid)
{
	void *fn = NULL;
	DWORD bytes = 0;

	if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
		     sizeof(guid), &fn, sizeof(fn), &bytes, NULL, NULL))
		return NULL;
	return fn;
}

static void tst_looper_main(struct tst_gang *g __attribute__((unused)),
			    void *item)
{
	struct tst_looper *l = item;

	l->fn(l);
}

int tst_loopers_start(struct tst_gang *g, struct tst_looper *l, int n,
		      tst_looper_fn *fn, int family,
		      const struct tst_addr *addr)
{
	int i;

	for (i = 0; i < n; i++)
		l[i] = (struct tst_looper){ .fn = fn, .family = family,
					    .addr = addr };
	return tst_gang_start(g, n, tst_looper_main, l, sizeof(*l));
}

const char *tst_capture_stderr(void (*fn)(void))
{
	static char buf[4096];
	int fds[2], saved;
	ssize_t n;

	if (pipe(fds))
		return "";
	saved = dup(2);
	dup2(fds[1], 2);
	close(fds[1]);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}
