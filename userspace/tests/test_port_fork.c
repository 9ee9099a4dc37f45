// SPDX-License-Identifier: GPL-2.0
/*
 * Completion ports and fork(), which Windows does not have: a child gets
 * none of its parent's ports - their handles fail, its copies of the
 * parent's sockets have no port - and nothing it does reaches the parent's
 * operations (a closesocket() in the child aborts none of them).
 */
#include <string.h>
#include <sys/wait.h>

#include <winsock2.h>
#include <windows.h>

#include "kselftest_harness.h"

#define WAIT_MS		5000

static int pair(SOCKET *c, SOCKET *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int len = sizeof(a);
	SOCKET l;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (l == INVALID_SOCKET || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	*c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (*c == INVALID_SOCKET || connect(*c, (struct sockaddr *)&a, len))
		return -1;
	*s = accept(l, NULL, NULL);
	closesocket(l);
	return *s == INVALID_SOCKET ? -1 : 0;
}

/* The child's verdict: 0 if the child saw no port and touched nothing. */
static int child(HANDLE port, SOCKET c)
{
	DWORD bytes, flags = 0;
	OVERLAPPED ov, *got;
	ULONG_PTR key;
	WSABUF wb;
	char buf[4];

	if (GetQueuedCompletionStatus(port, &bytes, &key, &got, 0) ||
	    GetLastError() != ERROR_INVALID_HANDLE)
		return 1;
	if (PostQueuedCompletionStatus(port, 1, 1, NULL) ||
	    GetLastError() != ERROR_INVALID_HANDLE)
		return 2;
	/* Not associated here: a receive completes by its event only. */
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = WSACreateEvent();
	wb.buf = buf;
	wb.len = sizeof(buf);
	if (!WSARecv(c, &wb, 1, &bytes, &flags, &ov, NULL) ||
	    WSAGetLastError() != WSA_IO_PENDING)
		return 3;
	if (!CancelIoEx((HANDLE)(ULONG_PTR)c, &ov))
		return 4;
	if (WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, WAIT_MS, FALSE))
		return 5;
	/* Its own closesocket: the parent's receive must go on. */
	return closesocket(c) ? 6 : 0;
}

TEST(child_has_no_ports)
{
	DWORD bytes, flags = 0;
	OVERLAPPED ov, *got;
	SOCKET c, s;
	ULONG_PTR key;
	HANDLE port;
	WSABUF wb;
	char buf[4];
	int status;
	pid_t pid;

	port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	ASSERT_NE(NULL, port);
	ASSERT_EQ(0, pair(&c, &s));
	ASSERT_EQ(port, CreateIoCompletionPort((HANDLE)(ULONG_PTR)c, port, 5,
					       0));
	memset(&ov, 0, sizeof(ov));
	wb.buf = buf;
	wb.len = sizeof(buf);
	ASSERT_EQ(SOCKET_ERROR, WSARecv(c, &wb, 1, &bytes, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(child(port, c));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* The parent's receive was neither stolen nor aborted. */
	ASSERT_EQ(3, send(s, "abc", 3, 0));
	EXPECT_TRUE(GetQueuedCompletionStatus(port, &bytes, &key, &got,
					      WAIT_MS));
	EXPECT_EQ(&ov, got);
	EXPECT_EQ(5, key);
	EXPECT_EQ(3, bytes);
	closesocket(c);
	closesocket(s);
	EXPECT_TRUE(CloseHandle(port));
}

TEST_HARNESS_MAIN
