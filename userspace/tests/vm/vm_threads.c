// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency with the module loaded: 64 threads issuing overlapped
 * DisconnectEx(TF_REUSE_SOCKET) at the same instant, and 64 threads each
 * running its own reuse loop against one server.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "vm.h"

#define NTHREADS	64
#define LOOPS		16

TST_PAIR_FIXTURE(threads, vm_present(), vm_backend_setup, false)

struct at_once {
	int fd;
	int issue_err;
	int result;
	OVERLAPPED ov;
};

static void at_once_main(struct tst_gang *g, void *p)
{
	struct at_once *t = p;

	tst_gang_meet(g);
	t->issue_err = DisconnectEx(t->fd, &t->ov, TF_REUSE_SOCKET, 0) ?
		       0 : WSAGetLastError();
	tst_gang_meet(g);
	t->result = tst_overlapped_result(&t->ov, NULL, VM_TIMEOUT_MS);
}

TEST_F_TIMEOUT(threads, disconnect_64_at_once, 300)
{
	struct at_once t[NTHREADS];
	struct tst_gang g;
	int sfd[NTHREADS], i, fins = 0;
	size_t got;

	VM_REQUIRE();
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(0, tst_pair(self->lfd, &self->addr, &t[i].fd, &sfd[i]));
		ASSERT_EQ(0, tst_send_all(t[i].fd, 4096));
		t[i].issue_err = t[i].result = -1;
		tst_ov_init(&t[i].ov);
		ASSERT_NE(WSA_INVALID_EVENT, t[i].ov.hEvent);
	}
	ASSERT_EQ(0, tst_gang_start(&g, NTHREADS, at_once_main, t,
				    sizeof(t[0])));
	tst_gang_meet(&g);
	tst_gang_meet(&g);
	for (i = 0; i < NTHREADS; i++) {
		if (!tst_read_to_end(sfd[i], &got, VM_TIMEOUT_MS) &&
		    got == 4096)
			fins++;
		close(sfd[i]);
	}
	tst_gang_join(&g);
	for (i = 0; i < NTHREADS; i++) {
		EXPECT_EQ(WSA_IO_PENDING, t[i].issue_err) TH_LOG("thread %d", i);
		EXPECT_EQ(0, t[i].result) TH_LOG("thread %d", i);
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(t[i].fd));
		WSACloseEvent(t[i].ov.hEvent);
		close(t[i].fd);
	}
	EXPECT_EQ(NTHREADS, fins);
}

static void looper_main(struct tst_looper *l)
{
	OVERLAPPED ov;
	DWORD bytes;
	int s, i;

	s = socket(l->family, SOCK_STREAM, 0);
	tst_ov_init(&ov);
	for (i = 0; i < LOOPS; i++) {
		if (ConnectEx(s, tst_sa(l->addr), (int)l->addr->len,
			      "ping", 4, NULL, &ov) ||
		    WSAGetLastError() != WSA_IO_PENDING ||
		    tst_overlapped_result(&ov, &bytes, VM_TIMEOUT_MS) ||
		    bytes != 4) {
			l->err = 1;
			break;
		}
		if (DisconnectEx(s, &ov, TF_REUSE_SOCKET, 0) ||
		    WSAGetLastError() != WSA_IO_PENDING ||
		    tst_overlapped_result(&ov, NULL, VM_TIMEOUT_MS)) {
			l->err = 2;
			break;
		}
		l->done++;
	}
	WSACloseEvent(ov.hEvent);
	close(s);
}

TEST_F_TIMEOUT(threads, reuse_loops_64, 500)
{
	struct tst_looper l[NTHREADS];
	struct tst_gang g;
	struct tst_server srv[4];
	int i, fins = 0, resets = 0;
	size_t bytes = 0;

	VM_REQUIRE();
	/* Four acceptors share the load; each takes a quarter. */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, tst_server_start(&srv[i], self->lfd,
					      NTHREADS * LOOPS / 4,
					      VM_TIMEOUT_MS));
	ASSERT_EQ(0, tst_loopers_start(&g, l, NTHREADS, looper_main,
				       variant->family, &self->addr));
	tst_gang_join(&g);
	for (i = 0; i < NTHREADS; i++) {
		EXPECT_EQ(0, l[i].err) TH_LOG("thread %d after %d", i,
					       l[i].done);
		EXPECT_EQ(LOOPS, l[i].done);
	}
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, tst_server_join(&srv[i]));
		fins += srv[i].fins;
		resets += srv[i].resets;
		bytes += srv[i].bytes;
	}
	EXPECT_EQ(NTHREADS * LOOPS, fins);
	EXPECT_EQ(0, resets);
	EXPECT_EQ((size_t)NTHREADS * LOOPS * 4, bytes);
}

TEST_HARNESS_MAIN
