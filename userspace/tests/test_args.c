// SPDX-License-Identifier: GPL-2.0
/*
 * Argument validation at the Windows surface, for every backend: the errors
 * come back and the connection is left exactly as it was (the peer sees no
 * FIN, the socket stays ESTABLISHED). Also the writability probe that turns
 * a bad OVERLAPPED into WSAEFAULT instead of SIGSEGV, and ConnectEx's own
 * argument errors.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "disconnectex.h"
#include "helpers.h"
#include "../src/internal.h"
#include "tst_variants.h"

#define PAGE 4096

FIXTURE(args) {
	int lfd, cfd, sfd;
	struct tst_addr addr;
	char *ro;		/* a read-only page */
	char *edge;		/* a writable page followed by an unmapped one */
};

TST_FAMILY_VARIANTS(args);

FIXTURE_SETUP(args)
{
	self->lfd = tst_listen(variant->family, 1024, &self->addr);
	ASSERT_GE(self->lfd, 0);
	ASSERT_EQ(0, tst_pair(self->lfd, &self->addr, &self->cfd, &self->sfd));
	self->ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(MAP_FAILED, self->ro);
	self->edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->edge);
	ASSERT_EQ(0, munmap(self->edge + PAGE, PAGE));
}

FIXTURE_TEARDOWN(args)
{
	munmap(self->ro, PAGE);
	munmap(self->edge, PAGE);
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
}

/* Nothing happened to the connection. */
static int untouched(int cfd, int sfd)
{
	if (tst_tcp_state(cfd) != 1 /* TCP_ESTABLISHED */)
		return -1;
	return tst_nothing_to_read(sfd);
}

TEST_F(args, reserved_and_flags)
{
	static const struct { DWORD flags, reserved; } bad[] = {
		{ 0, 1 },
		{ TF_REUSE_SOCKET, 0xFFFFFFFF },
		{ TF_DISCONNECT, 0 },
		{ TF_DISCONNECT | TF_REUSE_SOCKET, 0 },
		{ TF_WRITE_BEHIND, 0 },
		{ 0x80000000, 0 },
	};
	OVERLAPPED ov;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		WSASetLastError(0);
		EXPECT_EQ(FALSE, DisconnectEx(self->cfd, NULL, bad[i].flags,
					      bad[i].reserved));
		EXPECT_EQ(WSAEINVAL, WSAGetLastError()) TH_LOG("case %zu", i);
		memset(&ov, 0, sizeof(ov));
		EXPECT_EQ(FALSE, DisconnectEx(self->cfd, &ov, bad[i].flags,
					      bad[i].reserved));
		EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	}
	EXPECT_EQ(-EINVAL, dcx_disconnect(self->cfd, TF_DISCONNECT, 0));
	EXPECT_EQ(-EINVAL, dcx_disconnect(self->cfd, 0x100, 0));
	EXPECT_EQ(0, untouched(self->cfd, self->sfd));
}

TEST_F(args, unwritable_overlapped)
{
	OVERLAPPED *straddle = (OVERLAPPED *)(self->edge + PAGE - 16);
	OVERLAPPED *ro = (OVERLAPPED *)self->ro;

	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, ro, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, straddle, 0, 0));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, (OVERLAPPED *)16, 0, 0));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd,
				      (OVERLAPPED *)0xffff800000000000ULL,
				      0, 0));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(0, untouched(self->cfd, self->sfd));
	/* The read-only page was not written. */
	EXPECT_EQ(0, ro->Internal);

	/*
	 * WSAGetOverlappedResult only reads the OVERLAPPED (a write-back probe
	 * would race the thread publishing a result into it): a read-only one
	 * is fine, an unmapped one WSAEFAULT.
	 */
	EXPECT_EQ(TRUE, WSAGetOverlappedResult(self->cfd, ro, &(DWORD){0},
					       FALSE, &(DWORD){0}));
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(self->cfd, straddle,
						&(DWORD){0}, FALSE,
						&(DWORD){0}));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
}

TEST_F(args, invalid_event_handle)
{
	OVERLAPPED ov;

	memset(&ov, 0, sizeof(ov));
	ov.hEvent = (WSAEVENT)(uintptr_t)0xdead0000;
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, &ov, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	EXPECT_EQ(0, untouched(self->cfd, self->sfd));
}

TEST_F(args, not_a_socket)
{
	int fds[2], closed;

	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(WSAENOTSOCK, tst_disconnect_wsa(fds[0], 0, 0, 5000));
	EXPECT_EQ(FALSE, DisconnectEx(fds[0], NULL, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	EXPECT_EQ(-ENOTSOCK, dcx_disconnect(fds[0], 0, 0));
	closed = fds[0];
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(WSAENOTSOCK, tst_disconnect_wsa(closed, 0, 0, 5000));
	EXPECT_EQ(-EBADF, dcx_disconnect(closed, 0, 0));
	EXPECT_EQ(-EBADF, dcx_disconnect(-1, 0, 0));
}

TEST_F(args, not_tcp)
{
	int u, sp[2];

	u = socket(variant->family, SOCK_DGRAM, 0);
	ASSERT_GE(u, 0);
	/* A connected datagram socket is still not TCP. */
	EXPECT_EQ(0, connect(u, (struct sockaddr *)&self->addr.ss, self->addr.len));
	EXPECT_EQ(WSAEOPNOTSUPP, tst_disconnect_wsa(u, 0, 0, 5000));
	EXPECT_EQ(FALSE, DisconnectEx(u, NULL, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	EXPECT_EQ(-EOPNOTSUPP, dcx_disconnect(u, 0, 0));
	close(u);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	EXPECT_EQ(WSAEOPNOTSUPP, tst_disconnect_wsa(sp[0], 0, 0, 5000));
	close(sp[0]);
	close(sp[1]);
}

TEST_F(args, not_connected)
{
	int s = socket(variant->family, SOCK_STREAM, 0);

	ASSERT_GE(s, 0);
	EXPECT_EQ(WSAENOTCONN, tst_disconnect_wsa(s, 0, 0, 5000));
	EXPECT_EQ(WSAENOTCONN, tst_disconnect_wsa(s, TF_REUSE_SOCKET, 0,
						  5000));
	EXPECT_EQ(-ENOTCONN, dcx_disconnect(s, DCX_REUSE_SOCKET, 0));
	close(s);
	/* A listener is not connected either. */
	EXPECT_EQ(WSAENOTCONN, tst_disconnect_wsa(self->lfd, TF_REUSE_SOCKET,
						  0, 5000));
	EXPECT_EQ(-ENOTCONN, dcx_disconnect(self->lfd, 0, 0));
}

TEST_F(args, probe)
{
	char *rw = self->edge;
	int (*probe[2])(void *, size_t) = {
		dcx_probe_writable_vm, dcx_probe_writable_pipe,
	};
	int i;

	memcpy(rw, "keep", 5);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, probe[i](rw, 32)) TH_LOG("probe %d", i);
		EXPECT_EQ(0, memcmp(rw, "keep", 5));
		EXPECT_EQ(0, probe[i](rw + PAGE - 32, 32));
		EXPECT_EQ(-EFAULT, probe[i](rw + PAGE - 16, 32));
		EXPECT_EQ(-EFAULT, probe[i](self->ro, 32));
		EXPECT_EQ(-EFAULT, probe[i](NULL, 32));
		EXPECT_EQ(-EFAULT, probe[i]((void *)8, 32));
	}
	EXPECT_EQ(0, dcx_probe_readable(self->ro, 32));
	EXPECT_EQ(-EFAULT, dcx_probe_readable(rw + PAGE - 16, 32));
	EXPECT_EQ(-EFAULT, dcx_probe_writable(self->ro, 32));
}

TEST_F(args, connectex_arguments)
{
	struct tst_addr a = self->addr;
	OVERLAPPED *ro = (OVERLAPPED *)self->ro;
	int s, fds[2];

	s = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	EXPECT_EQ(FALSE, ConnectEx(s, NULL, 0, NULL, 0, NULL, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&a), 4, NULL, 0, NULL,
				   NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&a), (int)self->addr.len,
				   NULL, 10, NULL, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&a), (int)self->addr.len,
				   NULL, 0, NULL, ro));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&a), (int)self->addr.len,
				   NULL, 0, (DWORD *)self->ro, NULL));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	/* Still unconnected after all that. */
	EXPECT_EQ(7, tst_tcp_state(s));
	close(s);

	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(FALSE, ConnectEx(fds[0], tst_sa(&a),
				   (int)self->addr.len, NULL, 0, NULL, NULL));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	close(fds[0]);
	close(fds[1]);

	s = socket(variant->family, SOCK_DGRAM, 0);
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&a), (int)self->addr.len,
				   NULL, 0, NULL, NULL));
	EXPECT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	close(s);

	/* Already connected. */
	EXPECT_EQ(FALSE, ConnectEx(self->cfd, tst_sa(&a),
				   (int)self->addr.len, NULL, 0, NULL, NULL));
	EXPECT_EQ(WSAEISCONN, WSAGetLastError());
}

TEST_F(args, connectex_refused)
{
	struct tst_addr a;
	OVERLAPPED ov;
	int lfd, s;

	/* A port nobody listens on: bound, never listening. */
	lfd = tst_listen(variant->family, 1024, &a);
	ASSERT_GE(lfd, 0);
	close(lfd);

	s = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&a), (int)a.len, "x", 1,
				   NULL, NULL));
	EXPECT_EQ(WSAECONNREFUSED, WSAGetLastError());

	tst_ov_init(&ov);
	EXPECT_EQ(FALSE, ConnectEx(s, tst_sa(&a), (int)a.len, "x", 1,
				   NULL, &ov));
	EXPECT_EQ(WSA_IO_PENDING, WSAGetLastError());
	EXPECT_EQ(WSAECONNREFUSED, tst_overlapped_result(&ov, NULL, 5000));
	WSACloseEvent(ov.hEvent);
	close(s);
}

/*
 * The probes name their own process to the kernel; a forked child must be
 * asked about, not its parent: memory mapped only in the child is probed
 * fine there.
 */
TEST(probe_after_fork)
{
	OVERLAPPED ov;
	int status;
	pid_t pid;

	/* Let the parent look its pid up first. */
	ASSERT_EQ(0, dcx_probe_writable(&ov, sizeof(ov)));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		_exit(p != MAP_FAILED && !dcx_probe_writable(p, 64) &&
		      !dcx_probe_readable(p, 64) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
