// SPDX-License-Identifier: GPL-2.0
/*
 * ABI fuzzer: random requests through the ioctl and io_uring against fds of
 * every kind and state - TCP pairs established, half closed, reset, silent,
 * listening, connecting, unconnected; UDP, UNIX, pipes, eventfds, the device
 * itself, closed and absurd numbers - with random flags, reserved fields,
 * timeouts, SQE flags and links, and malformed SQEs. Every call must give a
 * documented result; the VM's init judges the kernel log afterwards.
 *
 * DCX_FUZZ_SEED and DCX_FUZZ_COUNT in the environment reproduce a run.
 */
#include <sys/eventfd.h>
#include <sys/un.h>

#include "kselftest_harness.h"
#include "selftest.h"

#define POOL		48	/* fds the fuzzer picks from */
#define RING_DEPTH	256

enum kind { K_PAIR, K_LISTEN, K_FRESH, K_UDP, K_UNIX, K_PIPE, K_EVENTFD,
	    K_DEV, K_CLOSED, K_SYN, K_NR };

struct slot {
	enum kind kind;
	int fd;
	int peer;	/* K_PAIR: the server's end, -1 once closed */
	int num;	/* K_CLOSED: a number that was an fd; never closed */
};

FIXTURE(fuzz) {
	int devfd;
	int lfd, synlfd, synblock;
	struct tst_addr addr, synaddr;
	struct io_uring ring;
	struct slot slot[POOL];
	unsigned int seed, first_seed;
	unsigned long count;
	unsigned long by_result[160];
	unsigned long inflight;
};

TST_FAMILY_VARIANTS(fuzz);

static unsigned int rnd(unsigned int *seed)
{
	/* xorshift32: small, fast, and the same on every libc. */
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed;
}

static void slot_close(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->peer >= 0)
		close(s->peer);
	s->fd = s->peer = -1;
}

/* (Re)fill one slot with a fresh fd of a random kind. */
static void slot_fill(FIXTURE_DATA(fuzz) *self, int family, struct slot *s)
{
	int sp[2], closed;

	slot_close(s);
	s->kind = rnd(&self->seed) % K_NR;
	/* Established pairs are what the operation is for: favour them. */
	if (rnd(&self->seed) % 2)
		s->kind = K_PAIR;

	switch (s->kind) {
	case K_PAIR:
		s->fd = tst_connect(-1, &self->addr);
		s->peer = s->fd >= 0 ? accept(self->lfd, NULL, NULL) : -1;
		break;
	case K_LISTEN:
		s->fd = dup(self->lfd);
		break;
	case K_FRESH:
		s->fd = socket(family, SOCK_STREAM, 0);
		break;
	case K_UDP:
		s->fd = socket(family, SOCK_DGRAM, 0);
		break;
	case K_UNIX:
		if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) {
			s->fd = sp[0];
			s->peer = sp[1];
		}
		break;
	case K_PIPE:
		if (!pipe(sp)) {
			s->fd = sp[0];
			s->peer = sp[1];
		}
		break;
	case K_EVENTFD:
		s->fd = eventfd(0, 0);
		break;
	case K_DEV:
		s->fd = dup(self->devfd);
		break;
	case K_CLOSED:
		closed = dup(self->devfd);
		close(closed);
		s->num = closed;
		return;
	case K_SYN:
		s->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s->fd >= 0)
			connect(s->fd, (struct sockaddr *)&self->synaddr.ss,
				self->synaddr.len);
		break;
	default:
		break;
	}
}

/* Whatever a pair's peer does next: nothing, close, reset, or write. */
static void poke_peer(FIXTURE_DATA(fuzz) *self, struct slot *s)
{
	struct linger lg = { 1, 0 };
	char buf[512] = { 0 };

	if (s->kind != K_PAIR || s->peer < 0)
		return;
	switch (rnd(&self->seed) % 6) {
	case 0:
		setsockopt(s->peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		/* fallthrough */
	case 1:
		close(s->peer);
		s->peer = -1;
		break;
	case 2:
		send(s->peer, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	case 3:
		shutdown(s->fd, SHUT_WR);
		break;
	default:
		break;
	}
}

static int pick_fd(FIXTURE_DATA(fuzz) *self, struct slot **sp)
{
	unsigned int r = rnd(&self->seed);

	*sp = NULL;
	switch (r % 16) {
	case 0:
		return -(int)(rnd(&self->seed) % 1000) - 1;
	case 1:
		return (int)(rnd(&self->seed) | 0x40000000);
	case 2:
		return self->devfd;
	default:
		*sp = &self->slot[rnd(&self->seed) % POOL];
		return (*sp)->kind == K_CLOSED ? (*sp)->num : (*sp)->fd;
	}
}

static void random_request(FIXTURE_DATA(fuzz) *self, struct dcx_disconnect *req,
			   struct slot **sp)
{
	unsigned int r = rnd(&self->seed);

	req->fd = pick_fd(self, sp);
	req->flags = r % 4 ? DCX_REUSE_SOCKET * (r >> 8 & 1) : rnd(&self->seed);
	req->reserved = r % 32 ? 0 : rnd(&self->seed);
	/* Short timeouts keep silent peers from piling up; 0 is the param. */
	req->timeout_ms = r % 8 ? 1 + (rnd(&self->seed) % 5) : 0;
}

static bool documented(int res)
{
	switch (res) {
	case 0: case -EINVAL: case -EBADF: case -ENOTSOCK: case -EOPNOTSUPP:
	case -EALREADY: case -ENOTCONN: case -ECONNRESET: case -ETIMEDOUT:
	case -ECANCELED:
		return true;
	default:
		return false;
	}
}

static void tally(FIXTURE_DATA(fuzz) *self, int res)
{
	self->count++;
	if (-res >= 0 && -res < 160)
		self->by_result[-res]++;
}

FIXTURE_SETUP(fuzz)
{
	const char *env;
	int i, pfd;

	signal(SIGPIPE, SIG_IGN);
	tst_raise_nofile(4096);
	env = getenv("DCX_FUZZ_SEED");
	self->seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	if (!self->seed)
		self->seed = 1;
	self->first_seed = self->seed;
	env = getenv("DCX_FUZZ_COUNT");
	self->count = env ? strtoul(env, NULL, 0) : 50000;
	TH_LOG("seed %u, %lu requests (DCX_FUZZ_SEED=%u DCX_FUZZ_COUNT=%lu)",
	       self->seed, self->count, self->seed, self->count);

	/* A request with timeout 0 must not wait 10 s on a silent peer. */
	pfd = open(TST_PARAMS "timeout_ms", O_WRONLY);
	ASSERT_LE(0, pfd);
	ASSERT_EQ(2, write(pfd, "50", 2));
	close(pfd);

	self->devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, self->devfd);
	self->lfd = tst_listen(variant->family, 1024, &self->addr);
	ASSERT_LE(0, self->lfd);
	/* Backlog 0 and one queued connection: later SYNs stay unanswered. */
	self->synlfd = tst_listen(variant->family, 0, &self->synaddr);
	ASSERT_LE(0, self->synlfd);
	self->synblock = tst_connect(-1, &self->synaddr);
	ASSERT_LE(0, self->synblock);
	ASSERT_EQ(0, io_uring_queue_init(RING_DEPTH, &self->ring, 0));
	for (i = 0; i < POOL; i++) {
		self->slot[i].fd = self->slot[i].peer = -1;
		slot_fill(self, variant->family, &self->slot[i]);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	int i, pfd;

	io_uring_queue_exit(&self->ring);
	for (i = 0; i < POOL; i++)
		slot_close(&self->slot[i]);
	close(self->synblock);
	close(self->synlfd);
	close(self->lfd);
	close(self->devfd);
	pfd = open(TST_PARAMS "timeout_ms", O_WRONLY);
	if (pfd >= 0) {
		write(pfd, "10000", 5);
		close(pfd);
	}
}

/*
 * io_uring_submit() stops at an SQE that fails its prep (bad __pad1, flags):
 * the rest stays in the SQ ring. Push until the ring is empty.
 */
static void submit_all(struct io_uring *ring)
{
	while (io_uring_sq_ready(ring) && io_uring_submit(ring) > 0)
		;
}

/* Reap whatever has completed; wait for one if @wait. */
static void reap(struct __test_metadata *_metadata, FIXTURE_DATA(fuzz) *self,
		 bool wait)
{
	struct io_uring_cqe *cqe;
	int res;

	while (self->inflight) {
		if (wait)
			res = io_uring_wait_cqe(&self->ring, &cqe);
		else
			res = io_uring_peek_cqe(&self->ring, &cqe);
		if (res == -EAGAIN && !wait)
			return;
		ASSERT_EQ(0, res) TH_LOG("waiting for a completion: %s", strerror(-res));
		wait = false;
		ASSERT_TRUE(documented(cqe->res) || (cqe->user_data == 1 && cqe->res == -EFAULT))
			TH_LOG("uring: unexpected result %d (user_data %llu)",
			       cqe->res, (unsigned long long)cqe->user_data);
		tally(self, cqe->res);
		io_uring_cqe_seen(&self->ring, cqe);
		self->inflight--;
	}
}

TEST_F_TIMEOUT(fuzz, random_requests, 900)
{
	unsigned long total = self->count, i;
	long base = tst_stat("inflight");
	struct dcx_disconnect req;
	struct io_uring_sqe *sqe;
	struct slot *s;
	unsigned int r;
	int res;

	self->count = 0;
	for (i = 0; i < total; i++) {
		random_request(self, &req, &s);
		r = rnd(&self->seed);

		if (s && s->kind == K_PAIR && !(r % 7))
			poke_peer(self, s);

		if (r % 3 == 0) {
			/* ioctl: blocks at most the request's short timeout. */
			res = tst_ioctl(self->devfd, &req);
			ASSERT_TRUE(documented(res))
				TH_LOG("ioctl: unexpected %d for fd %d flags %#x",
				       res, req.fd, req.flags);
			tally(self, res);
		} else {
			if (self->inflight >= RING_DEPTH - 2) {
				submit_all(&self->ring);
				reap(_metadata, self, true);
			}
			sqe = io_uring_get_sqe(&self->ring);
			ASSERT_NE(NULL, sqe);
			tst_fill_sqe(sqe, self->devfd, &req);
			sqe->user_data = 0;
			switch (r >> 4 & 15) {
			case 0:
				sqe->flags = IOSQE_ASYNC;
				break;
			case 1:
				sqe->flags = IOSQE_IO_LINK;
				break;
			case 2:
				sqe->flags = IOSQE_IO_HARDLINK | IOSQE_ASYNC;
				break;
			case 3:
				sqe->cmd_op = rnd(&self->seed);
				break;
			case 4:
				sqe->__pad1 = rnd(&self->seed) | 1;
				break;
			case 5:
				/* A fixed buffer that was never registered. */
				sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
				sqe->user_data = 1;
				break;
			case 6:
				sqe->uring_cmd_flags = rnd(&self->seed) | 2;
				break;
			default:
				break;
			}
			self->inflight++;
			if (r % 5 == 0)
				submit_all(&self->ring);
			reap(_metadata, self, false);
		}

		/* Keep the pool stocked: ended and recycled fds get replaced. */
		if (s && !(rnd(&self->seed) % 6))
			slot_fill(self, variant->family, s);
	}
	submit_all(&self->ring);
	while (self->inflight)
		reap(_metadata, self, true);

	for (res = 0; res < 160; res++) {
		if (self->by_result[res])
			TH_LOG("%6lu x %s", self->by_result[res],
			       res ? strerror(res) : "success");
	}
	TH_LOG("%lu requests, seed %u", self->count, self->first_seed);
	EXPECT_LE(total, self->count);
	/* Nothing stays in flight once the last completion is in. */
	EXPECT_EQ(base, tst_wait_inflight(base, 5000));
}

TEST_HARNESS_MAIN
