// SPDX-License-Identifier: GPL-2.0
/*
 * The disconnect request through io_uring at scale: a thousand sockets in
 * one submission, inline and through io-wq (IOSQE_ASYNC), rings with every
 * task_work mode and SQPOLL, and the payload read exactly once at issue time.
 */
#include "kselftest_harness.h"
#include "selftest.h"

#define BATCH	1000

FIXTURE(batch) {
	int devfd;
	int lfd;
	struct tst_addr addr;
	struct io_uring ring;
	int cfd[BATCH];
	int sfd[BATCH];
};

TST_FAMILY_VARIANTS(batch);

FIXTURE_SETUP(batch)
{
	int i;

	signal(SIGPIPE, SIG_IGN);
	tst_raise_nofile(8192);
	self->devfd = open(TST_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->devfd);
	self->lfd = tst_listen(variant->family, 1024, &self->addr);
	ASSERT_LE(0, self->lfd);
	for (i = 0; i < BATCH; i++) {
		self->cfd[i] = tst_connect(-1, &self->addr);
		ASSERT_LE(0, self->cfd[i]) TH_LOG("connect %d: %s", i, strerror(-self->cfd[i]));
		self->sfd[i] = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, self->sfd[i]);
	}
	ASSERT_EQ(0, io_uring_queue_init(1024, &self->ring, 0));
}

FIXTURE_TEARDOWN(batch)
{
	int i;

	io_uring_queue_exit(&self->ring);
	for (i = 0; i < BATCH; i++) {
		close(self->cfd[i]);
		if (self->sfd[i] >= 0)
			close(self->sfd[i]);
	}
	close(self->lfd);
	close(self->devfd);
}

/*
 * Disconnect sockets [@first, @first + @count) in one io_uring_submit() on
 * @ring; the servers close; every one completes with 0 and is reusable.
 */
static void run_batch(struct __test_metadata *_metadata,
		      FIXTURE_DATA(batch) *self, struct io_uring *ring,
		      int first, int count, __u8 sqe_flags)
{
	static bool seen[BATCH];
	struct dcx_disconnect req;
	long base = tst_stat("inflight");
	__u64 ud;
	size_t n;
	int i, res;

	memset(seen, 0, sizeof(seen));
	for (i = first; i < first + count; i++) {
		req = tst_req(self->cfd[i], DCX_REUSE_SOCKET, 30000);
		ASSERT_EQ(0, tst_queue(ring, self->devfd, &req, sqe_flags, i));
	}
	ASSERT_EQ(count, io_uring_submit(ring));

	for (i = first; i < first + count; i++) {
		res = tst_read_to_end(self->sfd[i], &n, TST_EOF_MS);
		ASSERT_EQ(0, res) TH_LOG("server %d: %s", i, strerror(-res));
		close(self->sfd[i]);
		self->sfd[i] = -1;
	}
	for (i = 0; i < count; i++) {
		res = tst_reap(ring, &ud);
		ASSERT_EQ(0, res) TH_LOG("completion %d: %d", i, res);
		ASSERT_LE(first, ud);
		ASSERT_GT(first + count, ud);
		EXPECT_FALSE(seen[ud]);
		seen[ud] = true;
	}
	EXPECT_EQ(base, tst_wait_inflight(base, 2000));
	for (i = first; i < first + count; i++) {
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd[i]));
		EXPECT_EQ(self->cfd[i], tst_connect(self->cfd[i], &self->addr));
	}
}

TEST_F_TIMEOUT(batch, one_submission, 300)
{
	run_batch(_metadata, self, &self->ring, 0, BATCH, 0);
}

TEST_F_TIMEOUT(batch, one_submission_async, 300)
{
	run_batch(_metadata, self, &self->ring, 0, BATCH, IOSQE_ASYNC);
}

/*
 * An operation runs in its submitter's task_work: it must also complete on
 * rings that run task_work only when asked (COOP_TASKRUN, DEFER_TASKRUN)
 * and on an SQPOLL ring, whose requests belong to the SQ thread.
 */
TEST_F_TIMEOUT(batch, ring_setup_flags, 300)
{
	static const struct {
		const char *name;
		unsigned int flags;
	} modes[] = {
		{ "COOP_TASKRUN", IORING_SETUP_COOP_TASKRUN },
		{ "SINGLE_ISSUER|DEFER_TASKRUN",
		  IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN },
		{ "SQPOLL", IORING_SETUP_SQPOLL },
	};
	struct io_uring ring;
	unsigned int m;
	int res;

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		TH_LOG("%s", modes[m].name);
		res = io_uring_queue_init(64, &ring, modes[m].flags);
		ASSERT_EQ(0, res) TH_LOG("%s: %s", modes[m].name, strerror(-res));
		run_batch(_metadata, self, &ring, m * 64, 64, 0);
		io_uring_queue_exit(&ring);
	}
}

TEST_F_TIMEOUT(batch, payload_read_once, 60)
{
	struct dcx_disconnect req = tst_req(self->cfd[0], DCX_REUSE_SOCKET, 30000);
	struct dcx_disconnect junk = { .fd = -1, .flags = ~0u, .reserved = ~0u };
	static const __u8 flags[] = { 0, IOSQE_ASYNC };
	struct io_uring_sqe *sqe;
	unsigned int i;
	size_t n;

	for (i = 0; i < sizeof(flags); i++) {
		req.fd = self->cfd[i];
		sqe = io_uring_get_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		tst_fill_sqe(sqe, self->devfd, &req);
		sqe->flags = flags[i];
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		/* Scribble over the SQE the kernel was given. */
		memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), &junk,
		       sizeof(junk));

		ASSERT_EQ(0, tst_read_to_end(self->sfd[i], &n, TST_EOF_MS));
		close(self->sfd[i]);
		self->sfd[i] = -1;
		EXPECT_EQ(0, tst_reap(&self->ring, NULL));
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd[i]));
	}
}

TEST_F(batch, linked_after_nop)
{
	struct dcx_disconnect req = tst_req(self->cfd[0], DCX_REUSE_SOCKET, 30000);
	struct io_uring_sqe *sqe;
	__u64 ud = 0;
	size_t n;
	int i, res;

	/* A NOP linked to the disconnect, and a disconnect linked to a NOP. */
	sqe = io_uring_get_sqe(&self->ring);
	io_uring_prep_nop(sqe);
	sqe->flags = IOSQE_IO_LINK;
	sqe->user_data = 100;
	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, IOSQE_IO_LINK, 101));
	sqe = io_uring_get_sqe(&self->ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 102;
	ASSERT_EQ(3, io_uring_submit(&self->ring));

	ASSERT_EQ(0, tst_read_to_end(self->sfd[0], &n, TST_EOF_MS));
	close(self->sfd[0]);
	self->sfd[0] = -1;
	for (i = 0; i < 3; i++) {
		res = tst_reap(&self->ring, &ud);
		EXPECT_EQ(0, res) TH_LOG("user_data %llu", (unsigned long long)ud);
	}
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd[0]));
}

TEST_HARNESS_MAIN
