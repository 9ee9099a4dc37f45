// SPDX-License-Identifier: GPL-2.0
/*
 * Races: while a disconnect runs, another thread closes the fd, shuts the
 * socket down, connects it, or asks for a second disconnect, and the peer
 * closes or resets at the same moment. Looped many times; every call must
 * give a documented result, every operation must complete, nothing may stay
 * in flight, and the VM's init judges the kernel log.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "selftest.h"

#define ROUNDS	300

enum race { R_CLOSE, R_SHUTDOWN, R_CONNECT, R_DISCONNECT, R_PEER_RESET, R_NR };

struct racer {
	pthread_barrier_t go;
	enum race what;
	int devfd, fd, dupfd, peer;
	struct tst_addr *addr;
	int res;
};

FIXTURE(race) {
	int devfd, lfd;
	struct tst_addr addr;
	struct io_uring ring;
};

TST_FAMILY_VARIANTS(race);

FIXTURE_SETUP(race)
{
	signal(SIGPIPE, SIG_IGN);
	self->devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, self->devfd);
	self->lfd = tst_listen(variant->family, 128, &self->addr);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
}

FIXTURE_TEARDOWN(race)
{
	io_uring_queue_exit(&self->ring);
	close(self->lfd);
	close(self->devfd);
}

static void *race_other(void *arg)
{
	struct racer *r = arg;
	struct linger lg = { 1, 0 };
	struct dcx_disconnect req = tst_req(r->fd, DCX_REUSE_SOCKET, 200);

	pthread_barrier_wait(&r->go);
	switch (r->what) {
	case R_CLOSE:
		r->res = close(r->dupfd) ? -errno : 0;
		r->dupfd = -1;
		break;
	case R_SHUTDOWN:
		r->res = shutdown(r->fd, SHUT_RDWR) ? -errno : 0;
		break;
	case R_CONNECT:
		r->res = connect(r->fd, (struct sockaddr *)&r->addr->ss,
				 r->addr->len) ? -errno : 0;
		break;
	case R_DISCONNECT:
		r->res = tst_ioctl(r->devfd, &req);
		break;
	case R_PEER_RESET:
		setsockopt(r->peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		r->res = close(r->peer) ? -errno : 0;
		r->peer = -1;
		break;
	default:
		break;
	}
	return NULL;
}

static bool documented(int res)
{
	switch (res) {
	case 0: case -EBADF: case -ENOTSOCK: case -EALREADY: case -ENOTCONN:
	case -ECONNRESET: case -ETIMEDOUT: case -ECANCELED:
		return true;
	default:
		return false;
	}
}

TEST_F_TIMEOUT(race, everything_at_once, 600)
{
	long base = tst_stat("inflight");
	unsigned long results[R_NR][2] = { };
	struct dcx_disconnect req;
	struct racer r = { };
	pthread_t tid;
	int i, res;

	r.devfd = self->devfd;
	r.addr = &self->addr;
	for (i = 0; i < ROUNDS * R_NR; i++) {
		r.what = i % R_NR;
		r.fd = tst_connect(-1, &self->addr);
		ASSERT_LE(0, r.fd);
		r.peer = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, r.peer);
		r.dupfd = dup(r.fd);
		ASSERT_LE(0, r.dupfd);
		ASSERT_EQ(0, pthread_barrier_init(&r.go, NULL, 2));
		ASSERT_EQ(0, pthread_create(&tid, NULL, race_other, &r));

		req = tst_req(r.fd, DCX_REUSE_SOCKET, 200);
		ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
		pthread_barrier_wait(&r.go);
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		pthread_join(tid, NULL);
		pthread_barrier_destroy(&r.go);

		/* Let the peer finish too, unless it already reset. */
		if (r.peer >= 0) {
			shutdown(r.peer, SHUT_WR);
			close(r.peer);
		}
		res = tst_reap(&self->ring, NULL);
		ASSERT_TRUE(documented(res)) TH_LOG("round %d (%d): disconnect gave %d", i, r.what, res);
		ASSERT_TRUE(documented(r.res) || r.what == R_CONNECT)
			TH_LOG("round %d (%d): the other side gave %d", i, r.what, r.res);
		results[r.what][res == 0]++;
		if (r.dupfd >= 0)
			close(r.dupfd);
		close(r.fd);
	}
	for (i = 0; i < R_NR; i++)
		TH_LOG("race %d: %lu graceful, %lu otherwise", i, results[i][1], results[i][0]);
	EXPECT_EQ(base, tst_wait_inflight(base, 5000));
}

TEST_HARNESS_MAIN
