// SPDX-License-Identifier: GPL-2.0
/*
 * DCX_BACKEND naming no backend: an error for every call that would make,
 * connect, associate or do I/O on a socket or a port, never a silent
 * fallback (backend.c). One test per kind of entry point: the native API
 * (-EINVAL), WSAStartup (WSASYSNOTREADY, returned), socket creation, the
 * BSD-named calls, the Microsoft extensions and WSAIoctl, overlapped
 * receive and send, completion ports (all WSASYSNOTREADY as the last
 * error); then what keeps working (the last error, events, teardown), the
 * one stderr line, and the values that are not errors.
 *
 * The sockets are the C library's: the library cannot make one. Each test
 * runs in its own process (the harness forks) and sets DCX_BACKEND before
 * its first call into the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"
#include <windows.h>

#define BAD	"bogus"

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text += strlen(needle);
	}
	return n;
}

/* A connected loopback pair, made with the C library. */
FIXTURE(bad)
{
	struct tst_addr addr;
	int lfd, cfd, sfd;
};

FIXTURE_SETUP(bad)
{
	struct timeval tmo = { .tv_usec = 200000 };

	ASSERT_EQ(0, setenv("DCX_BACKEND", BAD, 1));
	self->lfd = tst_listen(AF_INET, 1024, &self->addr);
	ASSERT_GE(self->lfd, 0);
	ASSERT_EQ(0, tst_pair(self->lfd, &self->addr,
			      &self->cfd, &self->sfd));
	/* A call that is let through must not hang the test. */
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_RCVTIMEO, &tmo,
				sizeof(tmo)));
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVTIMEO, &tmo,
				sizeof(tmo)));
}

FIXTURE_TEARDOWN(bad)
{
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
}

/* The connection is as it was: established, nothing sent either way. */
#define EXPECT_UNTOUCHED(self)						\
	do {								\
		EXPECT_EQ(1, tst_tcp_state((self)->cfd));		\
		EXPECT_EQ(0, tst_nothing_to_read((self)->sfd));		\
		EXPECT_EQ(0, tst_nothing_to_read((self)->cfd));		\
	} while (0)

#define EXPECT_NOT_READY()	EXPECT_EQ(WSASYSNOTREADY, WSAGetLastError())

TEST_F(bad, native_api)
{
	errno = 77;
	EXPECT_EQ(0, (int)dcx_backend());
	EXPECT_STREQ("invalid", dcx_backend_name());
	EXPECT_EQ(-EINVAL, dcx_backend_error());
	EXPECT_EQ(-EINVAL, dcx_open_device());
	EXPECT_EQ(-EINVAL, dcx_disconnect(self->cfd, 0, 0));
	EXPECT_EQ(-EINVAL, dcx_disconnect(self->cfd, DCX_REUSE_SOCKET, 0));
	/* The native API never touches errno. */
	EXPECT_EQ(77, errno);
	EXPECT_UNTOUCHED(self);
}

TEST_F(bad, wsastartup)
{
	WSADATA wsa;

	memset(&wsa, 0x5a, sizeof(wsa));
	EXPECT_EQ(WSASYSNOTREADY, WSAStartup(MAKEWORD(2, 2), &wsa));
	EXPECT_EQ(WSASYSNOTREADY, WSAStartup(MAKEWORD(1, 1), &wsa));
	/* Nothing was started, so there is nothing to clean up. */
	EXPECT_EQ(SOCKET_ERROR, WSACleanup());
	EXPECT_EQ(WSANOTINITIALISED, WSAGetLastError());
}

TEST_F(bad, socket_creation)
{
	WSASetLastError(0);
	EXPECT_EQ(INVALID_SOCKET, dcx_ws_socket(AF_INET, SOCK_STREAM, 0));
	EXPECT_NOT_READY();
	WSASetLastError(0);
	EXPECT_EQ(INVALID_SOCKET, WSASocketA(AF_INET, SOCK_STREAM, IPPROTO_TCP,
					     NULL, 0, WSA_FLAG_OVERLAPPED));
	EXPECT_NOT_READY();
	WSASetLastError(0);
	EXPECT_EQ(INVALID_SOCKET, WSASocketW(AF_INET6, SOCK_STREAM, 0, NULL, 0,
					     0));
	EXPECT_NOT_READY();
	WSASetLastError(0);
	EXPECT_EQ(INVALID_SOCKET,
		  dcx_ws_accept(self->lfd, NULL, NULL));
	EXPECT_NOT_READY();
}

TEST_F(bad, bsd_calls)
{
	struct sockaddr_storage ss;
	int fd, len, val = 1;
	struct timeval zero = { 0 };
	fd_set rd;
	char c = 'x';
	u_long arg;

	fd = socket(AF_INET, SOCK_STREAM, 0);	/* the C library's */
	ASSERT_GE(fd, 0);
#define EXPECT_WS_FAILS(call)						\
	do {								\
		WSASetLastError(0);					\
		EXPECT_EQ(SOCKET_ERROR, (call));			\
		EXPECT_NOT_READY();					\
	} while (0)
	EXPECT_WS_FAILS(dcx_ws_bind(fd, (struct sockaddr *)&self->addr.ss,
				    (int)self->addr.len));
	EXPECT_WS_FAILS(dcx_ws_listen(self->lfd, 5));
	EXPECT_WS_FAILS(dcx_ws_connect(fd, (struct sockaddr *)&self->addr.ss,
				       (int)self->addr.len));
	EXPECT_EQ(0, tst_get_int_opt(fd, SOL_SOCKET, SO_ERROR));
	EXPECT_WS_FAILS(dcx_ws_send(self->cfd, &c, 1, 0));
	EXPECT_WS_FAILS(dcx_ws_sendto(self->cfd, &c, 1, 0, NULL, 0));
	EXPECT_WS_FAILS(dcx_ws_recv(self->cfd, &c, 1, 0));
	EXPECT_WS_FAILS(dcx_ws_recvfrom(self->cfd, &c, 1, 0, NULL, NULL));
	EXPECT_WS_FAILS(dcx_ws_shutdown(self->cfd, SD_BOTH));
	EXPECT_WS_FAILS(dcx_ws_setsockopt(self->cfd, SOL_SOCKET, SO_KEEPALIVE,
					  (const char *)&val, sizeof(val)));
	len = sizeof(val);
	EXPECT_WS_FAILS(dcx_ws_getsockopt(self->cfd, SOL_SOCKET, SO_KEEPALIVE,
					  (char *)&val, &len));
	len = sizeof(ss);
	EXPECT_WS_FAILS(dcx_ws_getsockname(self->cfd, (struct sockaddr *)&ss,
					   &len));
	len = sizeof(ss);
	EXPECT_WS_FAILS(dcx_ws_getpeername(self->cfd, (struct sockaddr *)&ss,
					   &len));
	arg = 1;
	EXPECT_WS_FAILS(ioctlsocket(self->cfd, FIONBIO, &arg));
	EXPECT_EQ(0, fcntl(self->cfd, F_GETFL) & O_NONBLOCK);
	FD_ZERO(&rd);
	FD_SET(self->cfd, &rd);
	EXPECT_WS_FAILS(dcx_ws_select(0, &rd, NULL, NULL, &zero));
#undef EXPECT_WS_FAILS
	EXPECT_EQ(0, tst_get_int_opt(self->cfd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_UNTOUCHED(self);
	close(fd);
}

TEST_F(bad, extensions)
{
	GUID guid = WSAID_DISCONNECTEX;
	void *fn = NULL;
	DWORD bytes = 7;
	OVERLAPPED ov;
	int fd;

	WSASetLastError(0);
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, NULL, TF_REUSE_SOCKET, 0));
	EXPECT_NOT_READY();
	memset(&ov, 0, sizeof(ov));
	ov.Internal = 0x1234;
	WSASetLastError(0);
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, &ov, 0, 0));
	EXPECT_NOT_READY();
	/* Refused before anything was done: the OVERLAPPED is untouched. */
	EXPECT_EQ(0x1234U, ov.Internal);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(fd, 0);
	WSASetLastError(0);
	EXPECT_EQ(FALSE, ConnectEx(fd, (struct sockaddr *)&self->addr.ss,
				   (int)self->addr.len, NULL, 0, NULL, &ov));
	EXPECT_NOT_READY();
	EXPECT_EQ(0x1234U, ov.Internal);
	EXPECT_EQ(0, tst_get_int_opt(fd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(7, tst_tcp_state(fd));	/* TCP_CLOSE: never connected */
	close(fd);

	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR,
		  WSAIoctl(self->cfd, SIO_GET_EXTENSION_FUNCTION_POINTER,
			   &guid, sizeof(guid), &fn, sizeof(fn), &bytes, NULL,
			   NULL));
	EXPECT_NOT_READY();
	EXPECT_EQ(NULL, fn);
	EXPECT_EQ(7U, bytes);
	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR, WSAIoctl(self->cfd, FIONBIO, NULL, 0, NULL, 0,
					 &bytes, NULL, NULL));
	EXPECT_NOT_READY();
	EXPECT_UNTOUCHED(self);
}

TEST_F(bad, overlapped_io)
{
	char data[4] = "abc", rbuf[4];
	WSABUF buf = { sizeof(data), data };
	WSABUF rb = { sizeof(rbuf), rbuf };
	DWORD bytes = 9, flags = 0;
	OVERLAPPED ov;

	/* Something to receive, which must stay unread. */
	ASSERT_EQ(1, write(self->sfd, "z", 1));
	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR, WSASend(self->cfd, &buf, 1, &bytes, 0, NULL,
					NULL));
	EXPECT_NOT_READY();
	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR, WSARecv(self->cfd, &rb, 1, &bytes, &flags, NULL,
					NULL));
	EXPECT_NOT_READY();
	memset(&ov, 0, sizeof(ov));
	ov.Internal = 0x1234;
	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR, WSASend(self->cfd, &buf, 1, NULL, 0, &ov,
					NULL));
	EXPECT_NOT_READY();
	WSASetLastError(0);
	EXPECT_EQ(SOCKET_ERROR, WSARecv(self->cfd, &rb, 1, NULL, &flags, &ov,
					NULL));
	EXPECT_NOT_READY();
	EXPECT_EQ(0x1234U, ov.Internal);
	EXPECT_EQ(9U, bytes);
	EXPECT_EQ(0, tst_nothing_to_read(self->sfd));
	EXPECT_EQ(1, recv(self->cfd, rbuf, 1, MSG_DONTWAIT));
	EXPECT_UNTOUCHED(self);
}

TEST_F(bad, completion_ports)
{
	HANDLE sock = (HANDLE)(ULONG_PTR)self->cfd;
	OVERLAPPED_ENTRY ent;
	ULONG_PTR key = 5;
	OVERLAPPED *ovp = (OVERLAPPED *)1;
	DWORD bytes = 3;
	ULONG n = 9;

	SetLastError(0);
	EXPECT_EQ(NULL, CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0,
					       0));
	EXPECT_NOT_READY();
	SetLastError(0);
	EXPECT_EQ(NULL, CreateIoCompletionPort(sock, NULL, 1, 0));
	EXPECT_EQ((DWORD)WSASYSNOTREADY, GetLastError());
	/* Made-up port handles: the backend is refused first. */
	SetLastError(0);
	EXPECT_EQ(FALSE, SetFileCompletionNotificationModes(sock,
				FILE_SKIP_COMPLETION_PORT_ON_SUCCESS));
	EXPECT_NOT_READY();
	SetLastError(0);
	EXPECT_EQ(FALSE, PostQueuedCompletionStatus((HANDLE)0x12345678, 1, 2,
						    NULL));
	EXPECT_NOT_READY();
	SetLastError(0);
	EXPECT_EQ(FALSE, GetQueuedCompletionStatus((HANDLE)0x12345678, &bytes,
						   &key, &ovp, 0));
	EXPECT_NOT_READY();
	/* As for any failed dequeue: no packet. */
	EXPECT_EQ(NULL, ovp);
	SetLastError(0);
	EXPECT_EQ(FALSE, GetQueuedCompletionStatusEx((HANDLE)0x12345678, &ent,
						     1, &n, 0, FALSE));
	EXPECT_NOT_READY();
	EXPECT_UNTOUCHED(self);
}

/* The last error, events and teardown keep working, so a program unwinds. */
TEST_F(bad, what_keeps_working)
{
	WSAEVENT ev;
	int fd;

	WSASetLastError(1234);
	EXPECT_EQ(1234, WSAGetLastError());
	SetLastError(ERROR_INVALID_PARAMETER);
	EXPECT_EQ((DWORD)ERROR_INVALID_PARAMETER, GetLastError());
	EXPECT_EQ(WSAECONNRESET, dcx_wsa_from_errno(ECONNRESET));

	ev = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, ev);
	EXPECT_EQ(TRUE, WSASetEvent(ev));
	EXPECT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ev, TRUE, 0,
							      FALSE));
	EXPECT_EQ(TRUE, WSAResetEvent(ev));
	EXPECT_EQ(TRUE, WSACloseEvent(ev));

	SetLastError(0);
	EXPECT_EQ(FALSE, CloseHandle((HANDLE)0x12345678));
	EXPECT_EQ((DWORD)ERROR_INVALID_HANDLE, GetLastError());

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, closesocket(fd));
	EXPECT_EQ(-1, fcntl(fd, F_GETFD));
}

static void many_calls(void)
{
	char c;
	int i;

	for (i = 0; i < 3; i++) {
		dcx_backend();
		dcx_disconnect(0, 0, 0);
		dcx_ws_socket(AF_INET, SOCK_STREAM, 0);
		dcx_ws_recv(0, &c, 1, 0);
		CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	}
}

TEST(message_once)
{
	const char *msg;

	ASSERT_EQ(0, setenv("DCX_BACKEND", BAD, 1));
	msg = tst_capture_stderr(many_calls);
	EXPECT_EQ(1, count_lines_with(msg, "\n")) TH_LOG("%s", msg);
	EXPECT_EQ(1, count_lines_with(msg, "DCX_BACKEND=" BAD " "))
		TH_LOG("%s", msg);
	EXPECT_NE(NULL, strstr(msg, "kernel, emulated, auto")) TH_LOG("%s", msg);
	EXPECT_EQ(0, strncmp(msg, "libdisconnectex: ", 17)) TH_LOG("%s", msg);
}

/* The first call is a Winsock one: the same one line, from there. */
static void winsock_first(void)
{
	WSADATA wsa;

	WSAStartup(MAKEWORD(2, 2), &wsa);
	WSAStartup(MAKEWORD(2, 2), &wsa);
}

TEST(message_from_winsock)
{
	const char *msg;

	ASSERT_EQ(0, setenv("DCX_BACKEND", "Kernel", 1));
	msg = tst_capture_stderr(winsock_first);
	EXPECT_EQ(1, count_lines_with(msg, "DCX_BACKEND=Kernel "))
		TH_LOG("%s", msg);
	EXPECT_EQ(-EINVAL, dcx_backend_error());
}

static void touch_backend(void)
{
	dcx_backend();
}

/* DCX_BACKEND=@value picks the kernel if it can, else emulated, silently. */
static void expect_auto(struct __test_metadata *_metadata, const char *value)
{
	const char *msg;

	ASSERT_EQ(0, setenv("DCX_BACKEND", value, 1));
	msg = tst_capture_stderr(touch_backend);
	EXPECT_STREQ("", msg);
	EXPECT_EQ(tst_device_present() ? DCX_BACKEND_KERNEL :
					 DCX_BACKEND_EMULATED, dcx_backend());
	EXPECT_EQ(0, dcx_backend_error());
}

/* Unset and empty both mean auto, and say nothing. */
TEST(empty_means_auto)
{
	expect_auto(_metadata, "");
}

TEST(auto_means_auto)
{
	expect_auto(_metadata, "auto");
}

/* A process started with the bad value in its environment, not setenv(). */
TEST(from_the_environment)
{
	int st, fds[2];
	char buf[512];
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *argv[] = { "/proc/self/exe", NULL };
		char *envp[] = { "DCX_BACKEND=" BAD, "DCX_BAD_BACKEND_CHILD=1",
				 NULL };

		dup2(fds[1], 2);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "DCX_BACKEND=" BAD " ")) TH_LOG("%s", buf);
}

/*
 * The child of from_the_environment: WSAStartup and a socket fail, exit 0
 * if both did. Runs before the harness, which it never reaches.
 */
static void __attribute__((constructor)) bad_backend_child(void)
{
	WSADATA wsa;

	if (!getenv("DCX_BAD_BACKEND_CHILD"))
		return;
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != WSASYSNOTREADY)
		_exit(1);
	if (WSASocketA(AF_INET, SOCK_STREAM, 0, NULL, 0, 0) != INVALID_SOCKET ||
	    WSAGetLastError() != WSASYSNOTREADY)
		_exit(2);
	_exit(0);
}

TEST_HARNESS_MAIN
