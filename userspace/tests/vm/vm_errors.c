// SPDX-License-Identifier: GPL-2.0
/*
 * Error paths through the Windows surface with the module loaded, each
 * checked to leave no trace: datagram -> WSAEOPNOTSUPP, unconnected and
 * listening -> WSAENOTCONN, reserved / bad flags -> WSAEINVAL, unwritable
 * OVERLAPPED -> WSAEFAULT, not a socket -> WSAENOTSOCK, peer reset ->
 * WSAECONNRESET, second disconnect -> WSAEALREADY, timeout ->
 * WSAETIMEDOUT with the socket reusable, and close() while in flight.
 *
 * The module checks the socket when the request is issued and reports
 * through the completion; tst_disconnect_wsa() accepts the error either at
 * once or from WSAGetOverlappedResult(), as a Windows program must.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vm.h"

TST_PAIR_FIXTURE(errors, vm_present(), vm_backend_setup, true)

static int untouched(int cfd, int sfd)
{
	if (tst_tcp_state(cfd) != TCP_ESTABLISHED)
		return -1;
	return tst_nothing_to_read(sfd);
}

/*
 * DisconnectEx on @s fails with @err, with either flag through
 * tst_disconnect_wsa(), and with no OVERLAPPED at all.
 */
static void expect_refused(struct __test_metadata *_metadata, int s, int err)
{
	EXPECT_EQ(err, tst_disconnect_wsa(s, 0, 0, VM_TIMEOUT_MS));
	EXPECT_EQ(err, tst_disconnect_wsa(s, TF_REUSE_SOCKET, 0,
					  VM_TIMEOUT_MS));
	EXPECT_EQ(FALSE, DisconnectEx(s, NULL, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(err, WSAGetLastError());
}

TEST_F(errors, datagram_socket)
{
	int u;

	VM_REQUIRE();
	u = socket(variant->family, SOCK_DGRAM, 0);
	ASSERT_GE(u, 0);
	EXPECT_EQ(0, connect(u, (struct sockaddr *)&self->addr.ss, self->addr.len));
	expect_refused(_metadata, u, WSAEOPNOTSUPP);
	close(u);
}

TEST_F(errors, unix_socket)
{
	int sp[2];

	VM_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	EXPECT_EQ(WSAEOPNOTSUPP, tst_disconnect_wsa(sp[0], 0, 0,
						    VM_TIMEOUT_MS));
	close(sp[0]);
	close(sp[1]);
}

TEST_F(errors, unconnected_and_listening)
{
	int s;

	VM_REQUIRE();
	s = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(s, 0);
	expect_refused(_metadata, s, WSAENOTCONN);
	close(s);
	EXPECT_EQ(WSAENOTCONN, tst_disconnect_wsa(self->lfd, TF_REUSE_SOCKET,
						  0, VM_TIMEOUT_MS));
}

TEST_F(errors, reserved_and_flags)
{
	VM_REQUIRE();
	EXPECT_EQ(WSAEINVAL, tst_disconnect_wsa(self->cfd, 0, 1,
						VM_TIMEOUT_MS));
	EXPECT_EQ(WSAEINVAL, tst_disconnect_wsa(self->cfd, TF_DISCONNECT, 0,
						VM_TIMEOUT_MS));
	EXPECT_EQ(WSAEINVAL, tst_disconnect_wsa(self->cfd, 0x10, 0,
						VM_TIMEOUT_MS));
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, NULL, TF_REUSE_SOCKET, 2));
	EXPECT_EQ(WSAEINVAL, WSAGetLastError());
	EXPECT_EQ(-EINVAL, dcx_disconnect(self->cfd, 0x4, 0));
	EXPECT_EQ(0, untouched(self->cfd, self->sfd));
}

TEST_F(errors, unwritable_overlapped)
{
	OVERLAPPED *ro;

	VM_REQUIRE();
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, ro, TF_REUSE_SOCKET, 0));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(FALSE, DisconnectEx(self->cfd, (OVERLAPPED *)8, 0, 0));
	EXPECT_EQ(WSAEFAULT, WSAGetLastError());
	EXPECT_EQ(0, untouched(self->cfd, self->sfd));
	munmap(ro, 4096);
}

TEST_F(errors, not_a_socket)
{
	int fds[2];

	VM_REQUIRE();
	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(WSAENOTSOCK, tst_disconnect_wsa(fds[0], 0, 0,
						  VM_TIMEOUT_MS));
	EXPECT_EQ(-ENOTSOCK, dcx_disconnect(fds[0], 0, 0));
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(WSAENOTSOCK, tst_disconnect_wsa(fds[0], 0, 0,
						  VM_TIMEOUT_MS));
	EXPECT_EQ(-EBADF, dcx_disconnect(fds[0], 0, 0));
}

TEST_F(errors, peer_reset)
{
	OVERLAPPED ov;

	VM_REQUIRE();
	ASSERT_EQ(WSA_IO_PENDING,
		  tst_disconnect_start(self->cfd, &ov, TF_REUSE_SOCKET));
	tst_reset_close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(WSAECONNRESET, tst_overlapped_result(&ov, NULL,
						       VM_TIMEOUT_MS));
	WSACloseEvent(ov.hEvent);
	/* Reusable after a reset too. */
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
	EXPECT_EQ(0, connect(self->cfd, (struct sockaddr *)&self->addr.ss,
			     self->addr.len));
}

TEST_F(errors, already_in_flight)
{
	OVERLAPPED ov;
	int dupfd;

	VM_REQUIRE();
	ASSERT_EQ(WSA_IO_PENDING,
		  tst_disconnect_start(self->cfd, &ov, TF_REUSE_SOCKET));
	EXPECT_EQ(WSAEALREADY, tst_disconnect_wsa(self->cfd, TF_REUSE_SOCKET,
						  0, VM_TIMEOUT_MS));
	EXPECT_EQ(-EALREADY, dcx_disconnect(self->cfd, 0, 0));
	/* The same socket through another fd. */
	dupfd = dup(self->cfd);
	EXPECT_EQ(-EALREADY, dcx_disconnect(dupfd, 0, 0));
	close(dupfd);
	EXPECT_EQ(0, tst_disconnect_finish(&ov, &self->sfd, VM_TIMEOUT_MS));
}

TEST_F(errors, timeout_then_reusable)
{
	int64_t t0 = tst_now_ms();

	VM_REQUIRE();
	/* The peer never closes: abort with an RST after 300 ms. */
	EXPECT_EQ(-ETIMEDOUT, dcx_disconnect(self->cfd, DCX_REUSE_SOCKET, 300));
	EXPECT_GE(tst_now_ms() - t0, 290);
	EXPECT_EQ(TCP_CLOSE, tst_wait_tcp_state(self->sfd, TCP_CLOSE,
						   VM_TIMEOUT_MS));
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
	/* No error left over from the aborted connection. */
	EXPECT_EQ(0, tst_reconnect(self->cfd, self->lfd, &self->addr,
				   VM_TIMEOUT_MS));
}

TEST_F(errors, shut_down_for_sending)
{
	struct tst_peer peer;

	VM_REQUIRE();
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(0, tst_peer_start(&peer, self->sfd, VM_TIMEOUT_MS));
	self->sfd = -1;
	/*
	 * DisconnectEx(0) on a socket already shut down finishes with 0, as
	 * on Windows, on both backends.
	 */
	EXPECT_EQ(0, tst_disconnect_wsa(self->cfd, 0, 0, VM_TIMEOUT_MS));
	EXPECT_EQ(0, tst_disconnect_wsa(self->cfd, TF_REUSE_SOCKET, 0,
					VM_TIMEOUT_MS));
	EXPECT_EQ(0, tst_peer_join(&peer));
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
}

TEST_F(errors, close_while_in_flight)
{
	OVERLAPPED ov;
	int during;

	VM_REQUIRE();
	ASSERT_EQ(WSA_IO_PENDING,
		  tst_disconnect_start(self->cfd, &ov, TF_REUSE_SOCKET));
	during = tst_count_fds();
	EXPECT_EQ(0, closesocket(self->cfd));
	self->cfd = -1;
	/* The operation goes on; the FIN already left. */
	EXPECT_EQ(0, tst_disconnect_finish(&ov, &self->sfd, VM_TIMEOUT_MS));
	/*
	 * Our two fds are gone, and with them the emulated backend's
	 * duplicate of the socket (the module holds the file, not an fd):
	 * nothing leaked.
	 */
	EXPECT_EQ(during - 2 - (dcx_backend() == DCX_BACKEND_EMULATED),
		  tst_count_fds());
}

/*
 * The kernel backend learns of a refusal inside its own submission, racing
 * the engine thread that reaps the same CQE: many threads at once must each
 * get their refusal at once, with no completion, and every real disconnect
 * among them its completion.
 */
#define REFUSERS	4
#define REFUSALS	400

/*
 * Counts the refusals that came as they must: refused at once, the
 * OVERLAPPED untouched, no completion. A wrong one does not stop the
 * thread, so that the load on the ring stays.
 */
static void refuse_loop(struct tst_looper *l)
{
	OVERLAPPED ov;
	int i, s;

	tst_ov_init(&ov);
	for (i = 0; i < REFUSALS; i++) {
		s = socket(l->family, SOCK_STREAM, 0);
		ov.InternalHigh = 0x5eed;
		if (!DisconnectEx(s, &ov, i & 1 ? TF_REUSE_SOCKET : 0, 0) &&
		    WSAGetLastError() == WSAENOTCONN &&
		    ov.Internal == STATUS_PENDING && ov.InternalHigh == 0x5eed &&
		    WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE) ==
		    WSA_WAIT_TIMEOUT)
			l->done++;
		close(s);
	}
	WSACloseEvent(ov.hEvent);
}

TEST_F(errors, refusals_at_once_under_load)
{
	struct tst_looper r[REFUSERS];
	struct tst_gang g;
	int i;

	VM_REQUIRE();
	ASSERT_EQ(0, tst_loopers_start(&g, r, REFUSERS, refuse_loop,
				       variant->family, NULL));
	/* Real disconnects meanwhile, through the same ring. */
	for (i = 0; i < 20; i++) {
		EXPECT_EQ(0, tst_disconnect_wsa(self->cfd, 0, 0,
						VM_TIMEOUT_MS));
	}
	tst_gang_join(&g);
	for (i = 0; i < REFUSERS; i++)
		EXPECT_EQ(REFUSALS, r[i].done) TH_LOG("thread %d", i);
}

/* dcx_prep_cancel() on a ring of the program's own. */
TEST_F(errors, native_prep_cancel)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int devfd, i, res[2] = { 1, 1 };

	VM_REQUIRE();
	if (dcx_backend() != DCX_BACKEND_KERNEL)
		SKIP(return, "the module's request");
	devfd = dcx_open_device();
	ASSERT_GE(devfd, 0);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	/* The peer neither reads nor closes: the reuse waits for its FIN. */
	sqe = io_uring_get_sqe(&ring);
	dcx_prep_disconnect(sqe, devfd, self->cfd, DCX_REUSE_SOCKET, 0);
	io_uring_sqe_set_data64(sqe, 0);
	ASSERT_EQ(1, io_uring_submit(&ring));
	tst_sleep_ms(100);
	sqe = io_uring_get_sqe(&ring);
	dcx_prep_cancel(sqe, devfd, self->cfd);
	io_uring_sqe_set_data64(sqe, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		res[cqe->user_data & 1] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	EXPECT_EQ(-ECANCELED, res[0]);
	EXPECT_EQ(0, res[1]);
	/* Nothing in flight any more. */
	dcx_prep_cancel(io_uring_get_sqe(&ring), devfd, self->cfd);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(-ENOENT, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	close(devfd);
}

TEST_HARNESS_MAIN
