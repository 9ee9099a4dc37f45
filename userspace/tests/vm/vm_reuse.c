// SPDX-License-Identifier: GPL-2.0
/*
 * The point of the project, through the Windows surface with the module
 * loaded: one socket, 1,000 times ConnectEx + send + overlapped
 * DisconnectEx(TF_REUSE_SOCKET) + wait on hEvent + WSAGetOverlappedResult.
 * The server sees every byte and a FIN each time, never a reset; the socket
 * keeps its fd, its open file and TCP_NODELAY. Also the blocking (ioctl)
 * path and a program's own ring with dcx_prep_disconnect().
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "vm.h"

TST_PAIR_FIXTURE(reuse, vm_present(), vm_backend_setup, false)

TEST_F(reuse, backend_is_kernel)
{
	VM_REQUIRE();
#ifdef VM_ON_EMULATED
	SKIP(return, "emulated self-check");
#endif
	EXPECT_EQ(DCX_BACKEND_KERNEL, dcx_backend());
	EXPECT_STREQ("kernel", dcx_backend_name());
	EXPECT_EQ(0, dcx_backend_error());
}

TEST_F_TIMEOUT(reuse, loop_1000, 500)
{
	const int iterations = 1000, len = 1024;
	LPFN_DISCONNECTEX disconnect_ex;
	LPFN_CONNECTEX connect_ex;
	struct tst_server srv;
	struct stat st0, st;
	int s, first_fd, i, err = 0;
	DWORD bytes = 0, flags = 0;
	OVERLAPPED ov;
	char buf[1024];

	VM_REQUIRE();
	memset(buf, 'k', sizeof(buf));
	s = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, s);
	first_fd = s;
	ASSERT_EQ(0, tst_set_int_opt(s, IPPROTO_TCP, TCP_NODELAY, 1));
	ASSERT_EQ(0, fstat(s, &st0));
	disconnect_ex = tst_extension(s, (GUID)WSAID_DISCONNECTEX);
	connect_ex = tst_extension(s, (GUID)WSAID_CONNECTEX);
	ASSERT_NE(NULL, disconnect_ex);
	ASSERT_NE(NULL, connect_ex);

	ASSERT_EQ(0, tst_server_start(&srv, self->lfd, iterations,
				      VM_TIMEOUT_MS));
	tst_ov_init(&ov);
	ASSERT_NE(WSA_INVALID_EVENT, ov.hEvent);

	for (i = 0; i < iterations; i++) {
		/* Half the time the first buffer goes with ConnectEx. */
		bool with_buf = i % 2 == 0;

		if (connect_ex(s, (struct sockaddr *)&self->addr.ss,
			       (int)self->addr.len, with_buf ? buf : NULL,
			       with_buf ? len : 0, NULL, &ov) ||
		    WSAGetLastError() != WSA_IO_PENDING) {
			err = 1;
			break;
		}
		if (WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE,
					     VM_TIMEOUT_MS, FALSE) !=
		    WSA_WAIT_EVENT_0 ||
		    !WSAGetOverlappedResult(s, &ov, &bytes, FALSE, &flags) ||
		    bytes != (with_buf ? (DWORD)len : 0)) {
			err = 2;
			break;
		}
		if (!with_buf && tst_send_all(s, len)) {
			err = 3;
			break;
		}
		if (disconnect_ex(s, &ov, TF_REUSE_SOCKET, 0) ||
		    WSAGetLastError() != WSA_IO_PENDING) {
			err = 4;
			break;
		}
		if (WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE,
					     VM_TIMEOUT_MS, FALSE) !=
		    WSA_WAIT_EVENT_0) {
			err = 5;
			break;
		}
		if (!WSAGetOverlappedResult(s, &ov, &bytes, FALSE, &flags)) {
			err = 6;
			break;
		}
		if (fstat(s, &st) || st.st_ino != st0.st_ino ||
		    st.st_dev != st0.st_dev) {
			err = 7;
			break;
		}
		if (tst_get_int_opt(s, IPPROTO_TCP, TCP_NODELAY) != 1) {
			err = 8;
			break;
		}
		if (tst_tcp_state(s) != TCP_CLOSE) {
			err = 9;
			break;
		}
	}
	EXPECT_EQ(0, err) TH_LOG("iteration %d, step %d, WSA error %d", i, err,
				 WSAGetLastError());
	EXPECT_EQ(iterations, i);
	EXPECT_EQ(first_fd, s);
	EXPECT_EQ(0, tst_server_join(&srv));
	EXPECT_EQ(iterations, srv.fins);
	EXPECT_EQ(0, srv.resets);
	EXPECT_EQ((size_t)iterations * len, srv.bytes);
	WSACloseEvent(ov.hEvent);
	closesocket(s);
}

TEST_F(reuse, blocking_ioctl_path)
{
	struct tst_server srv;
	DWORD sent = 0;
	int s, i;

	VM_REQUIRE();
	s = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	ASSERT_EQ(0, tst_server_start(&srv, self->lfd, 10, VM_TIMEOUT_MS));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(TRUE, ConnectEx(s, (struct sockaddr *)&self->addr.ss,
					  (int)self->addr.len, "0123456789", 10,
					  &sent, NULL));
		EXPECT_EQ(10U, sent);
		ASSERT_EQ(TRUE, DisconnectEx(s, NULL, TF_REUSE_SOCKET, 0))
			TH_LOG("error %d", WSAGetLastError());
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(s));
	}
	EXPECT_EQ(0, tst_server_join(&srv));
	EXPECT_EQ(10, srv.fins);
	EXPECT_EQ(0, srv.resets);
	EXPECT_EQ(100U, srv.bytes);
	close(s);
}

TEST_F(reuse, own_ring_prep_disconnect)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct tst_peer peer;
	int devfd, cfd, sfd;

	VM_REQUIRE();
#ifdef VM_ON_EMULATED
	SKIP(return, "emulated self-check: needs the device");
#endif
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	devfd = dcx_open_device();
	ASSERT_GE(devfd, 0);
	ASSERT_EQ(0, tst_pair(self->lfd, &self->addr, &cfd, &sfd));
	ASSERT_EQ(0, tst_send_all(cfd, 100000));
	ASSERT_EQ(0, tst_peer_start(&peer, sfd, VM_TIMEOUT_MS));

	sqe = io_uring_get_sqe(&ring);
	dcx_prep_disconnect(sqe, devfd, cfd, DCX_REUSE_SOCKET, 5000);
	io_uring_sqe_set_data64(sqe, 0x1234);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(0x1234U, cqe->user_data);
	EXPECT_EQ(0, cqe->res);
	io_uring_cqe_seen(&ring, cqe);

	EXPECT_EQ(0, tst_peer_join(&peer));
	EXPECT_EQ(100000U, peer.bytes);
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(cfd));
	/* connect() succeeds at once: TIME_WAIT is not on our fd. */
	EXPECT_EQ(0, connect(cfd, (struct sockaddr *)&self->addr.ss, self->addr.len));
	sfd = tst_accept(self->lfd, VM_TIMEOUT_MS);
	EXPECT_GE(sfd, 0);
	close(sfd);
	close(cfd);
	close(devfd);
	io_uring_queue_exit(&ring);
}

TEST_HARNESS_MAIN
