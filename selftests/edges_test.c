// SPDX-License-Identifier: GPL-2.0
/*
 * Edges of the contract found by review, one test (or a few) each: threads
 * still blocked on a recycled connection, the timeout ceiling, owners that
 * go away through a fixed file, exec or SIGKILL, a blocking ioctl and its
 * thread's io_uring completions, non-blocking and dual-stack sockets,
 * system suspend, urgent data with a signal, an operation outliving its
 * connection, IP_RECVERR, a data flood, the rejection counter; and the
 * newer semantics: DisconnectEx(0) as a half close, and the cancel request.
 */
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "selftest.h"

#define EXEC_EXIT_ENV	"DCX_EDGES_EXEC_EXIT"

/* The image that edges tests exec: it leaves at once. */
__attribute__((constructor)) static void exec_target(void)
{
	if (getenv(EXEC_EXIT_ENV))
		_exit(0);
}

TST_CONN_FIXTURE(edge)

static void expect_cancel_both(struct __test_metadata *_metadata, int devfd,
			       struct io_uring *ring,
			       const struct dcx_disconnect *req, int want)
{
	EXPECT_EQ(want, tst_cancel(devfd, req));
	EXPECT_EQ(want, tst_uring_op(ring, devfd, DCX_CMD_CANCEL, req, 0));
}

/* Wait up to @ms for the CQE of @ring; its res, or INT_MIN. */
static int reap_within(struct io_uring *ring, int ms, __u64 *user_data)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000,
					.tv_nsec = (ms % 1000) * 1000000LL };
	long long end = tst_now_ms() + ms;
	struct io_uring_cqe *cqe;
	int res, err;

	do {
		err = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	} while (err == -EINTR && tst_now_ms() < end);
	if (err)
		return INT_MIN;
	res = cqe->res;
	if (user_data)
		*user_data = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* Replace the fixture's connection by a fresh one to its listener. */
static void reconnect(struct __test_metadata *_metadata, FIXTURE_DATA(edge) *self)
{
	ASSERT_EQ(self->cfd, tst_connect(self->cfd, &self->addr));
	if (self->sfd >= 0)
		close(self->sfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
}

/* Unconnected, and connect() to the same server works again at once. */
static void check_reusable(struct __test_metadata *_metadata,
			   FIXTURE_DATA(edge) *self)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
	EXPECT_EQ(-1, getpeername(self->cfd, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(ENOTCONN, errno);
	reconnect(_metadata, self);
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

static pid_t tst_gettid(void)
{
	return syscall(SYS_gettid);
}

/* The scheduler state letter of task @tid of this process, or '?'. */
static char task_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

/* Wait up to @ms until thread *@tid (set by itself) sleeps, twice in a row. */
static bool wait_asleep(volatile pid_t *tid, int ms)
{
	int seen = 0;

	for (; ms > 0; ms -= 5) {
		char c = *tid ? task_state(*tid) : '?';

		seen = (c == 'S' || c == 'D') ? seen + 1 : 0;
		if (seen == 2)
			return true;
		usleep(5000);
	}
	return false;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *delayed_close(void *arg)
{
	int *p = arg;

	usleep(p[1] * 1000);
	close(p[0]);
	return NULL;
}

/* ---- 1. A thread blocked on the old connection stays out of the next. */

/*
 * A real-time spinner on the blocked thread's CPU: woken, that thread
 * cannot run until the spinner stops, so the recycle and the next
 * connection reliably happen in between - the window a real scheduler
 * opens only now and then.
 */
struct hog {
	int cpu;
	volatile int stop;
	volatile int running;
	int err;
};

static void *hog_run(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct hog *h = arg;
	long long end;

	pin_cpu(h->cpu);
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		h->err = errno;
		h->running = -1;
		return NULL;
	}
	h->running = 1;
	/* Below the RT throttle's 950 ms, which would let the thread run. */
	end = tst_now_ms() + 900;
	while (!h->stop && tst_now_ms() < end)
		;
	return NULL;
}

struct blocked_io {
	int fd;
	bool send;
	size_t len;
	volatile pid_t tid;
	volatile int done;
	ssize_t ret;
	int err;
};

static void *blocked_io_run(void *arg)
{
	struct blocked_io *b = arg;
	char *buf = malloc(b->len);

	pin_cpu(1);
	memset(buf, 'A', b->len);
	b->tid = tst_gettid();
	if (b->send)
		b->ret = send(b->fd, buf, b->len, 0);
	else
		b->ret = recv(b->fd, buf, b->len, MSG_WAITALL);
	b->err = errno;
	free(buf);
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static bool wait_done(volatile int *done, int ms)
{
	for (; ms > 0 && !*done; ms -= 5)
		usleep(5000);
	return *done;
}

/* Read what @fd has within @ms, without blocking longer: the byte count. */
static size_t read_for(int fd, int ms)
{
	long long end = tst_now_ms() + ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[65536];
	size_t total = 0;
	ssize_t n;

	while (tst_now_ms() < end) {
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		total += n;
	}
	return total;
}

static void blocked_then_recycled(struct __test_metadata *_metadata,
				  FIXTURE_DATA(edge) *self, bool send)
{
	int round, sndbuf = 8192;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	pin_cpu(0);
	if (send)
		ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF,
					&sndbuf, sizeof(sndbuf)));

	for (round = 0; round < 3; round++) {
		struct blocked_io b = { .fd = self->cfd, .send = send,
					.len = send ? 4 << 20 : 2000 };
		struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
		struct hog h = { .cpu = 1 };
		pthread_t bt, ht;
		size_t n, leaked;
		char data[2000];

		ASSERT_EQ(0, pthread_create(&bt, NULL, blocked_io_run, &b));
		ASSERT_TRUE(wait_asleep(&b.tid, 3000)) TH_LOG("round %d: the %s never blocked",
							       round, send ? "send" : "recv");
		ASSERT_EQ(0, pthread_create(&ht, NULL, hog_run, &h));
		while (!h.running)
			usleep(1000);
		if (h.running < 0) {
			shutdown(self->cfd, SHUT_RDWR);
			pthread_join(ht, NULL);
			pthread_join(bt, NULL);
			SKIP(return, "SCHED_FIFO: %s", strerror(h.err));
		}

		/* A ends gracefully and the socket is recycled ... */
		ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		if (send)
			EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
		close(self->sfd);
		self->sfd = -1;
		EXPECT_EQ(0, reap_within(&self->ring, 3000, NULL));
		/* ... and connected to B, who sends, before the thread runs. */
		reconnect(_metadata, self);
		memset(data, 'B', sizeof(data));
		if (!send)
			ASSERT_EQ(sizeof(data), write(self->sfd, data, sizeof(data)));
		usleep(20000);
		h.stop = 1;
		pthread_join(ht, NULL);

		if (send) {
			wait_done(&b.done, 1000);
			leaked = read_for(self->sfd, 500);
		} else {
			wait_done(&b.done, 2000);
			leaked = b.done && b.ret > 0 ? b.ret : 0;
		}
		if (!b.done)
			shutdown(self->cfd, SHUT_RDWR);
		pthread_join(bt, NULL);
		TH_LOG("round %d: the blocked %s returned %zd (%s); B %s %zu bytes of it",
		       round, send ? "send" : "recv", b.ret,
		       b.ret < 0 ? strerror(b.err) : "-",
		       send ? "received" : "sent", leaked);
		EXPECT_EQ(0, leaked);
		if (leaked)
			return;
		if (!send) {
			/* B's bytes are there for a new reader. */
			EXPECT_EQ(sizeof(data), recv(self->cfd, data, sizeof(data),
						     MSG_WAITALL));
		}
		EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
	}
}

TEST_F_TIMEOUT(edge, blocked_recv_stays_off_next_connection, 60)
{
	blocked_then_recycled(_metadata, self, false);
}

TEST_F_TIMEOUT(edge, blocked_send_stays_off_next_connection, 60)
{
	blocked_then_recycled(_metadata, self, true);
}

/* ---- 2. The timeout ceiling. */

TEST_F(edge, timeout_above_max)
{
	static const __u32 bad[] = { DCX_TIMEOUT_MAX_MS + 1, 240000, 0xffffffff };
	struct dcx_disconnect req;
	unsigned int i;

	/* The peer has closed: a request that got through would finish. */
	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(TCP_CLOSE_WAIT, tst_wait_tcp_state(self->cfd, TCP_CLOSE_WAIT, 2000));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req = tst_req(self->cfd, DCX_REUSE_SOCKET, bad[i]);
		tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
		req.flags = 0;
		tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	}
	/* No side effect: still the half-closed connection. */
	EXPECT_EQ(TCP_CLOSE_WAIT, tst_tcp_state(self->cfd));
	req = tst_req(self->cfd, DCX_REUSE_SOCKET, DCX_TIMEOUT_MAX_MS);
	EXPECT_EQ(0, tst_uring(&self->ring, self->devfd, &req, 0));
	check_reusable(_metadata, self);
}

static int read_param(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

TEST(timeout_parameter_max)
{
	char before[32], now[32];
	int pfd;

	pfd = open(TST_PARAMS "timeout_ms", O_RDWR);
	ASSERT_LE(0, pfd);
	ASSERT_EQ(0, read_param(pfd, before, sizeof(before)));
	EXPECT_EQ(-1, pwrite(pfd, "120001", 6, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(pfd, "4294967295", 10, 0));
	EXPECT_EQ(-1, pwrite(pfd, "240000", 6, 0));
	ASSERT_EQ(0, read_param(pfd, now, sizeof(now)));
	EXPECT_STREQ(before, now);
	EXPECT_EQ(6, pwrite(pfd, "120000", 6, 0));
	ASSERT_EQ(0, read_param(pfd, now, sizeof(now)));
	EXPECT_EQ(120000, atoi(now));
	/* Put back what was there. */
	EXPECT_EQ((ssize_t)strlen(before), pwrite(pfd, before, strlen(before), 0));
	close(pfd);
}

/* ---- 3 and 4. Owners that go away: fixed device file, exec, SIGKILL. */

/* An operation long enough that only an abort explains a quick end. */
#define OWNER_GONE_TIMEOUT_MS	8000

enum owner_end { END_EXIT, END_EXEC, END_EXEC_KILL };

/*
 * A child submits one REUSE operation against the fixture's silent peer
 * on a default ring, then, when told, exits (with the device fd only a
 * fixed file of the ring if @fixed), or execs, or execs and is killed.
 */
static void owner_goes_away(struct __test_metadata *_metadata,
			    FIXTURE_DATA(edge) *self, enum owner_end how,
			    bool fixed)
{
	long base = tst_stat("inflight");
	int ready[2], go[2], status, i;
	long long start, took;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET,
						    OWNER_GONE_TIMEOUT_MS);
		char *argv[] = { "edges_test", NULL };
		char *envp[] = { EXEC_EXIT_ENV "=1", NULL };
		struct io_uring ring;
		int devfd;

		devfd = open(TST_DEV, O_RDWR | O_CLOEXEC);
		if (devfd < 0 || io_uring_queue_init(8, &ring, 0))
			_exit(2);
		if (fixed) {
			if (io_uring_register_files(&ring, &devfd, 1))
				_exit(3);
			close(devfd);
			if (tst_queue(&ring, 0, &req, IOSQE_FIXED_FILE, 0))
				_exit(4);
		} else if (tst_queue(&ring, devfd, &req, 0, 0)) {
			_exit(4);
		}
		if (io_uring_submit(&ring) != 1)
			_exit(5);
		c = 'r';
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		if (how != END_EXIT)
			execve("/proc/self/exe", argv, envp);
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the child failed to submit");
	EXPECT_EQ(base + 1, tst_wait_inflight(base + 1, 5000));
	start = tst_now_ms();
	write(go[1], &c, 1);

	if (how == END_EXEC_KILL) {
		usleep(300000);	/* into the exec, or through it */
		kill(pid, SIGKILL);
		for (i = 0; i < 200 && waitpid(pid, &status, WNOHANG) != pid; i++)
			usleep(10000);
		took = tst_now_ms() - start;
		EXPECT_GT(200, i) TH_LOG("SIGKILL in exec: still alive after %lld ms", took);
		if (i == 200) {
			char path[64], buf[512], *p;
			unsigned long ut = 0, st = 0;
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			f = fopen(path, "r");
			if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
				sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				       &ut, &st);
			if (f)
				fclose(f);
			TH_LOG("the killed child used %lu ticks of CPU in 2 s", ut + st);
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
		}
	} else {
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		took = tst_now_ms() - start;
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("status %#x", status);
		if (how == END_EXEC)
			EXPECT_GT(3000, took) TH_LOG("exec took %lld ms", took);
	}
	TH_LOG("the owner was gone in %lld ms", took);
	EXPECT_EQ(base, tst_wait_inflight(base, 2000))
		TH_LOG("operation still in flight 2 s after its owner went");
	/* Leave no operation behind for the next test. */
	tst_wait_inflight(base, OWNER_GONE_TIMEOUT_MS + 3000);
	close(ready[0]);
	close(go[0]);
	close(go[1]);
}

TEST_F_TIMEOUT(edge, exit_with_fixed_device_file, 60)
{
	owner_goes_away(_metadata, self, END_EXIT, true);
}

TEST_F_TIMEOUT(edge, exec_with_operation_in_flight, 60)
{
	owner_goes_away(_metadata, self, END_EXEC, false);
}

TEST_F_TIMEOUT(edge, sigkill_during_exec, 60)
{
	owner_goes_away(_metadata, self, END_EXEC_KILL, false);
}

/* ---- 5. A blocking ioctl does not hold back the thread's ring. */

struct cq_watch {
	struct io_uring *ring;
	long long start;
	long long seen_at;
	int res;
};

static void *watch_cq(void *arg)
{
	struct cq_watch *w = arg;
	struct io_uring_cqe *cqe;

	w->seen_at = -1;
	while (tst_now_ms() - w->start < 6000) {
		if (!io_uring_peek_cqe(w->ring, &cqe)) {
			w->seen_at = tst_now_ms() - w->start;
			w->res = cqe->res;
			io_uring_cqe_seen(w->ring, cqe);
			break;
		}
		usleep(1000);
	}
	return NULL;
}

TEST_F_TIMEOUT(edge, blocking_ioctl_keeps_ring_completions, 30)
{
	struct dcx_disconnect a = tst_req(self->cfd, DCX_REUSE_SOCKET, 10000);
	struct cq_watch w = { .ring = &self->ring };
	int close_a[2], close_b[2], cfd2, sfd2;
	pthread_t ta, tb, tw;
	struct dcx_disconnect b;
	long long took;

	cfd2 = tst_connect(-1, &self->addr);
	ASSERT_LE(0, cfd2);
	sfd2 = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, sfd2);
	b = tst_req(cfd2, DCX_REUSE_SOCKET, 10000);

	w.start = tst_now_ms();
	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &a, 0, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	close_a[0] = self->sfd;
	close_a[1] = 200;
	self->sfd = -1;
	close_b[0] = sfd2;
	close_b[1] = 2500;
	ASSERT_EQ(0, pthread_create(&ta, NULL, delayed_close, close_a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, delayed_close, close_b));
	ASSERT_EQ(0, pthread_create(&tw, NULL, watch_cq, &w));
	/* A ends at 200 ms while this thread sleeps in B's ioctl until 2.5 s. */
	EXPECT_EQ(0, tst_ioctl(self->devfd, &b));
	took = tst_now_ms() - w.start;
	pthread_join(tw, NULL);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	TH_LOG("A's CQE at %lld ms, B's ioctl returned at %lld ms", w.seen_at, took);
	EXPECT_LE(0, w.seen_at);
	EXPECT_GT(1200, w.seen_at);
	EXPECT_EQ(0, w.res);
	close(cfd2);
}

/* ---- 6. A socket connected without blocking, then reset. */

TEST_F(edge, nonblocking_connect_then_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct dcx_disconnect req;
	socklen_t len = sizeof(int);
	struct pollfd pfd;
	int fd, err = -1, res;

	fd = socket(variant->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	res = connect(fd, (struct sockaddr *)&self->addr.ss, self->addr.len);
	ASSERT_TRUE(res == 0 || errno == EINPROGRESS);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 2000));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	ASSERT_EQ(0, err);
	close(self->sfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(TCP_CLOSE, tst_wait_tcp_state(fd, TCP_CLOSE, 2000));

	req = tst_req(fd, DCX_REUSE_SOCKET, 2000);
	res = tst_ioctl(self->devfd, &req);
	EXPECT_TRUE(res == 0 || res == -ECONNRESET) TH_LOG("REUSE: %s", strerror(-res));
	/* Blocking again, the same socket connects. */
	ASSERT_EQ(0, fcntl(fd, F_SETFL, 0));
	res = connect(fd, (struct sockaddr *)&self->addr.ss, self->addr.len);
	EXPECT_EQ(0, res) TH_LOG("connect: %s", strerror(errno));
	if (res) {
		close(fd);
		return;
	}
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	EXPECT_TRUE(tst_still_connected(fd, self->sfd));
	close(fd);
}

/* ---- 7. Dual stack: IPv4-mapped, then native IPv6 on the same socket. */

/* Connect @fd to @a within @ms; 0 or -errno (-ETIMEDOUT if no answer). */
static int connect_within(int fd, const struct tst_addr *a, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		return -errno;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) && errno != EINPROGRESS)
		return -errno;
	if (poll(&pfd, 1, ms) != 1)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	fcntl(fd, F_SETFL, 0);
	return -err;
}

static void mapped_addr(struct tst_addr *m, const struct tst_addr *v4)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&v4->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&m->ss;

	memset(m, 0, sizeof(*m));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = sin->sin_port;
	sin6->sin6_addr.s6_addr[10] = 0xff;
	sin6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&sin6->sin6_addr.s6_addr[12], &sin->sin_addr, 4);
	m->len = sizeof(*sin6);
}

static void dual_stack(struct __test_metadata *_metadata, bool mapped_first)
{
	struct tst_addr a4, a6, m, *first, *second;
	int l4, l6, devfd, fd, s, off = 0, res;
	struct dcx_disconnect req;
	long long start;

	signal(SIGPIPE, SIG_IGN);
	devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, devfd);
	l4 = tst_listen(AF_INET, 8, &a4);
	ASSERT_LE(0, l4);
	l6 = tst_listen(AF_INET6, 8, &a6);
	ASSERT_LE(0, l6);
	mapped_addr(&m, &a4);
	first = mapped_first ? &m : &a6;
	second = mapped_first ? &a6 : &m;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)));
	ASSERT_EQ(0, connect_within(fd, first, 2000));
	s = accept(mapped_first ? l4 : l6, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_TRUE(tst_still_connected(fd, s));
	close(s);
	req = tst_req(fd, DCX_REUSE_SOCKET, 5000);
	ASSERT_EQ(0, tst_ioctl(devfd, &req));

	start = tst_now_ms();
	res = connect_within(fd, second, 2000);
	EXPECT_EQ(0, res) TH_LOG("connect to the %s address: %s after %lld ms",
				 mapped_first ? "native IPv6" : "IPv4-mapped",
				 strerror(-res), tst_now_ms() - start);
	if (!res) {
		s = accept(mapped_first ? l6 : l4, NULL, NULL);
		ASSERT_LE(0, s);
		EXPECT_TRUE(tst_still_connected(fd, s));
		close(s);
	}
	close(fd);
	close(l4);
	close(l6);
	close(devfd);
}

TEST(dual_stack_mapped_then_native)
{
	dual_stack(_metadata, true);
}

TEST(dual_stack_native_then_mapped)
{
	dual_stack(_metadata, false);
}

/* ---- 8. A thread in the blocking ioctl does not block system suspend. */

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static int read_str(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

struct ioctl_thread {
	int devfd;
	struct dcx_disconnect req;
	volatile pid_t tid;
	volatile int done;
	int res;
	long long took;
};

static void *ioctl_run(void *arg)
{
	struct ioctl_thread *t = arg;
	long long start = tst_now_ms();

	t->tid = tst_gettid();
	t->res = tst_ioctl(t->devfd, &t->req);
	t->took = tst_now_ms() - start;
	__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

#define PM	"/sys/power/"

TEST_F_TIMEOUT(edge, suspend_with_ioctl_asleep, 60)
{
	struct ioctl_thread t = {
		.devfd = self->devfd,
		.req = tst_req(self->cfd, DCX_REUSE_SOCKET, 30000),
	};
	char states[128], timeout[32], delay[32];
	pthread_t tid;
	int res;

	/*
	 * The system freezer for real, stopping short of suspending:
	 * pm_test "freezer" freezes every task, then thaws them at once.
	 * Without CONFIG_PM_DEBUG or suspend to idle there is no safe way.
	 */
	if (read_str(PM "state", states, sizeof(states)) || !strstr(states, "freeze"))
		SKIP(return, "no suspend to idle in %sstate", PM);
	if (access(PM "pm_test", W_OK))
		SKIP(return, "no %spm_test (CONFIG_PM_DEBUG)", PM);
	ASSERT_EQ(0, read_str(PM "pm_freeze_timeout", timeout, sizeof(timeout)));
	if (read_str("/sys/module/suspend/parameters/pm_test_delay", delay, sizeof(delay)))
		strcpy(delay, "");

	ASSERT_EQ(0, pthread_create(&tid, NULL, ioctl_run, &t));
	ASSERT_TRUE(wait_asleep(&t.tid, 3000));
	usleep(100000);

	ASSERT_EQ(0, write_str(PM "pm_test", "freezer"));
	write_str(PM "pm_freeze_timeout", "3000");
	if (delay[0])
		write_str("/sys/module/suspend/parameters/pm_test_delay", "0");
	res = write_str(PM "state", "freeze");
	write_str(PM "pm_test", "none");
	write_str(PM "pm_freeze_timeout", timeout);
	if (delay[0])
		write_str("/sys/module/suspend/parameters/pm_test_delay", delay);
	EXPECT_EQ(0, res) TH_LOG("freezing with a thread in the ioctl: %s", strerror(-res));
	EXPECT_FALSE(t.done);

	/* Thawed, the operation goes on and ends when the peer closes. */
	close(self->sfd);
	self->sfd = -1;
	pthread_join(tid, NULL);
	EXPECT_EQ(0, t.res);
	check_reusable(_metadata, self);
}

/* ---- 9. Urgent data and a handled signal. */

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen++;
}

struct oob_peer {
	int fd;
	pthread_t target;	/* gets SIGUSR1 */
	size_t size;
	size_t sent;
};

/* A signal to the target, 1 urgent byte, bulk data, then a FIN. */
static void *oob_peer_run(void *arg)
{
	struct oob_peer *p = arg;

	usleep(100000);
	/* First the signal: it must be pending when the urgent byte lands. */
	pthread_kill(p->target, SIGUSR1);
	usleep(50000);
	if (send(p->fd, "!", 1, MSG_OOB) != 1)
		goto out;
	tst_send_count(p->fd, p->size, &p->sent);
out:
	close(p->fd);
	return NULL;
}

static void urgent_with_signal(struct __test_metadata *_metadata,
			       FIXTURE_DATA(edge) *self, bool ring)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 10000);
	struct oob_peer p = { .fd = self->sfd, .target = pthread_self(),
			      .size = 4 << 20 };
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	int rcvbuf = 65536, res, status;
	long long start;
	pthread_t tid;

	sigaction(SIGUSR1, &sa, NULL);
	usr1_seen = 0;
	/* A window the bulk data fills: the FIN waits behind it. */
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	self->sfd = -1;
	start = tst_now_ms();
	if (!ring) {
		ASSERT_EQ(0, pthread_create(&tid, NULL, oob_peer_run, &p));
		/* The signal comes while this thread sleeps in the ioctl. */
		res = tst_ioctl(self->devfd, &req);
	} else {
		pid_t pid;

		ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		ASSERT_EQ(0, pthread_create(&tid, NULL, oob_peer_run, &p));
		/*
		 * Data and the signal arrive while this thread sleeps where
		 * neither task_work nor the signal is handled (a vfork
		 * parent's killable wait): the operation's task_work then
		 * runs with the signal pending, on the way out.
		 */
		pid = vfork();
		if (!pid) {
			struct timespec ts = { 0, 800000000 };

			syscall(SYS_nanosleep, &ts, NULL);
			_exit(0);
		}
		ASSERT_LT(0, pid);
		waitpid(pid, &status, 0);
		res = reap_within(&self->ring, 15000, NULL);
	}
	TH_LOG("urgent byte, %zu bytes and a FIN, %d signal(s): %d after %lld ms",
	       p.sent, (int)usr1_seen, res, tst_now_ms() - start);
	pthread_join(tid, NULL);
	EXPECT_EQ(0, res);
	EXPECT_EQ(p.size, p.sent);
	EXPECT_LT(0, usr1_seen);
	check_reusable(_metadata, self);
}

TEST_F_TIMEOUT(edge, urgent_data_signal_ioctl, 60)
{
	urgent_with_signal(_metadata, self, false);
}

TEST_F_TIMEOUT(edge, urgent_data_signal_ring, 60)
{
	urgent_with_signal(_metadata, self, true);
}

/* ---- 10. An operation never ends a later connection. */

static int disconnect_unspec(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	return connect(fd, &sa, sizeof(sa)) ? -errno : 0;
}

static void check_b_alive(struct __test_metadata *_metadata, int cfd, int bfd)
{
	char c;

	EXPECT_EQ(TCP_ESTABLISHED, tst_tcp_state(cfd));
	EXPECT_EQ(TCP_ESTABLISHED, tst_tcp_state(bfd));
	EXPECT_TRUE(tst_still_connected(cfd, bfd));
	EXPECT_TRUE(tst_still_connected(bfd, cfd));
	/* No RST came: nothing but EAGAIN on either side. */
	EXPECT_EQ(-1, recv(bfd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(cfd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F_TIMEOUT(edge, stale_operation_defer_taskrun, 30)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 1000);
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	struct io_uring ring;
	int res;

	res = io_uring_queue_init_params(8, &ring, &p);
	if (res == -EINVAL)
		SKIP(return, "no IORING_SETUP_DEFER_TASKRUN");
	ASSERT_EQ(0, res);
	/* Submitted against A; its events wait until the ring is entered. */
	ASSERT_EQ(0, tst_queue(&ring, self->devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&ring));
	/* The program drops A itself and connects the socket to B. */
	ASSERT_EQ(0, disconnect_unspec(self->cfd));
	reconnect(_metadata, self);
	/* Past the operation's timeout: only then does it get to run. */
	usleep(1500000);
	res = reap_within(&ring, 3000, NULL);
	TH_LOG("the stale operation ended %d", res);
	EXPECT_NE(INT_MIN, res);
	EXPECT_NE(0, res);
	check_b_alive(_metadata, self->cfd, self->sfd);
	io_uring_queue_exit(&ring);
}

TEST_F_TIMEOUT(edge, stale_operation_other_process, 30)
{
	int ready[2], go[2], status, res = INT_MIN;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 1000);
		struct io_uring ring;
		int devfd, r;

		devfd = open(TST_DEV, O_RDWR);
		if (devfd < 0 || io_uring_queue_init(8, &ring, 0) ||
		    tst_queue(&ring, devfd, &req, 0, 0) || io_uring_submit(&ring) != 1)
			_exit(2);
		c = 'r';
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		r = reap_within(&ring, 3000, NULL);
		write(ready[1], &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	/* Stopped, the child runs none of its task_work meanwhile. */
	kill(pid, SIGSTOP);
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_EQ(0, disconnect_unspec(self->cfd));
	reconnect(_metadata, self);
	kill(pid, SIGCONT);
	usleep(1500000);
	write(go[1], &c, 1);
	EXPECT_EQ(sizeof(res), read(ready[0], &res, sizeof(res)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	TH_LOG("the other process's stale operation ended %d", res);
	EXPECT_NE(INT_MIN, res);
	EXPECT_NE(0, res);
	check_b_alive(_metadata, self->cfd, self->sfd);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* ---- 11. IP_RECVERR and an ICMP error in FIN_WAIT2. */

static unsigned short inet_csum(const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* "Host unreachable" for the segment @local -> @peer with sequence @seq. */
static int send_unreachable(int family, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *peer, uint32_t seq)
{
	unsigned char pkt[128];
	struct tcp8 {
		uint16_t source, dest;
		uint32_t seq;
	} th;
	size_t len;
	int fd, err = 0;

	memset(pkt, 0, sizeof(pkt));
	if (family == AF_INET) {
		const struct sockaddr_in *l = (const void *)local, *r = (const void *)peer;
		struct icmphdr *ih = (struct icmphdr *)pkt;
		struct iphdr *ip = (struct iphdr *)(ih + 1);

		ih->type = ICMP_DEST_UNREACH;
		ih->code = ICMP_HOST_UNREACH;
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(sizeof(*ip) + 20);
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->saddr = l->sin_addr.s_addr;
		ip->daddr = r->sin_addr.s_addr;
		ip->check = inet_csum(ip, sizeof(*ip));
		th.source = l->sin_port;
		th.dest = r->sin_port;
		th.seq = htonl(seq);
		memcpy(ip + 1, &th, sizeof(th));
		len = sizeof(*ih) + sizeof(*ip) + sizeof(th);
		ih->checksum = inet_csum(pkt, len);
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	} else {
		const struct sockaddr_in6 *l = (const void *)local, *r = (const void *)peer;
		struct icmp6_hdr *ih = (struct icmp6_hdr *)pkt;
		struct ip6_hdr *ip = (struct ip6_hdr *)(ih + 1);

		ih->icmp6_type = ICMP6_DST_UNREACH;
		ih->icmp6_code = ICMP6_DST_UNREACH_ADDR;
		ip->ip6_flow = htonl(6 << 28);
		ip->ip6_plen = htons(20);
		ip->ip6_nxt = IPPROTO_TCP;
		ip->ip6_hlim = 64;
		ip->ip6_src = l->sin6_addr;
		ip->ip6_dst = r->sin6_addr;
		th.source = l->sin6_port;
		th.dest = r->sin6_port;
		th.seq = htonl(seq);
		memcpy(ip + 1, &th, sizeof(th));
		len = sizeof(*ih) + sizeof(*ip) + sizeof(th);
		/* The kernel computes an ICMPv6 raw socket's checksum. */
		fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	}
	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in to = *(const struct sockaddr_in *)peer;

		to.sin_port = 0;
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
			err = -errno;
	} else {
		struct sockaddr_in6 to = *(const struct sockaddr_in6 *)peer;

		to.sin6_port = 0;
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
			err = -errno;
	}
	close(fd);
	return err;
}

/* A counter from /proc/net/netstat or /proc/net/snmp ("TcpExt", "OutOfWindowIcmps"). */
static long proc_net_counter(const char *file, const char *group, const char *name)
{
	char names[4096], values[4096], *np, *vp, *ns, *vs, *n, *v;
	size_t glen = strlen(group);
	long val = -1;
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, group, glen) || names[glen] != ':')
			continue;
		np = names + glen + 1;
		vp = values + glen + 1;
		while ((n = strtok_r(np, " \n", &ns)) && (v = strtok_r(vp, " \n", &vs))) {
			np = vp = NULL;
			if (!strcmp(n, name)) {
				val = strtol(v, NULL, 10);
				break;
			}
		}
		break;
	}
	fclose(f);
	return val;
}

TEST_F_TIMEOUT(edge, recverr_icmp_in_fin_wait2, 30)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);
	int on = 1, off = 0, q = TCP_SEND_QUEUE, err, res;
	long oow, unreach;
	socklen_t len = sizeof(int);
	uint32_t write_seq;

	if (variant->family == AF_INET)
		err = setsockopt(self->cfd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	else
		err = setsockopt(self->cfd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
	ASSERT_EQ(0, err);
	/* The next sequence number, which the ICMP must quote, via repair mode. */
	if (setsockopt(self->cfd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)))
		SKIP(return, "TCP_REPAIR: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(self->cfd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)));
	ASSERT_EQ(0, getsockopt(self->cfd, IPPROTO_TCP, TCP_QUEUE_SEQ, &write_seq, &len));
	ASSERT_EQ(0, setsockopt(self->cfd, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)));
	ASSERT_EQ(0, getsockname(self->cfd, (struct sockaddr *)&local, &llen));
	ASSERT_EQ(0, getpeername(self->cfd, (struct sockaddr *)&peer, &plen));

	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	/* Our FIN is acknowledged; the peer keeps its side open. */
	ASSERT_EQ(TCP_FIN_WAIT2, tst_wait_tcp_state(self->cfd, TCP_FIN_WAIT2, 2000));

	oow = proc_net_counter("/proc/net/netstat", "TcpExt", "OutOfWindowIcmps");
	unreach = variant->family == AF_INET ?
		  proc_net_counter("/proc/net/snmp", "Icmp", "InDestUnreachs") : -1;
	/* After the FIN, snd_una == snd_nxt == write_seq + 1. */
	err = send_unreachable(variant->family, &local, &peer, write_seq + 1);
	ASSERT_EQ(0, err) TH_LOG("raw ICMP: %s", strerror(-err));
	usleep(100000);
	TH_LOG("ICMP in: DestUnreachs %ld -> %ld, out-of-window %ld -> %ld",
	       unreach, variant->family == AF_INET ?
	       proc_net_counter("/proc/net/snmp", "Icmp", "InDestUnreachs") : -1,
	       oow, proc_net_counter("/proc/net/netstat", "TcpExt", "OutOfWindowIcmps"));
	EXPECT_EQ(TCP_FIN_WAIT2, tst_tcp_state(self->cfd));

	/* Then the peer closes: a graceful end all the same. */
	close(self->sfd);
	self->sfd = -1;
	res = reap_within(&self->ring, 3000, NULL);
	EXPECT_EQ(0, res) TH_LOG("REUSE after an ICMP error in FIN_WAIT2: %d", res);
	check_reusable(_metadata, self);
}

/* ---- 12. A flood of data does not take over the submitting thread. */

TEST_F_TIMEOUT(edge, flood_keeps_submitter_responsive, 30)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 20000);
	struct __kernel_timespec ts = { .tv_nsec = 100000000 };
	long long start, t0, dt, worst = 0;
	struct io_uring_cqe *cqe;
	int res = INT_MIN, err, waits = 0;
	struct tst_peer f;

	/* How its sending ends is not what this test checks. */
	ASSERT_EQ(0, tst_flooder_start(&f, self->sfd, 2000));
	self->sfd = -1;
	usleep(100000);
	start = tst_now_ms();
	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	while (tst_now_ms() - start < 8000) {
		t0 = tst_now_ms();
		err = io_uring_wait_cqe_timeout(&self->ring, &cqe, &ts);
		dt = tst_now_ms() - t0;
		waits++;
		if (dt > worst)
			worst = dt;
		if (!err) {
			res = cqe->res;
			io_uring_cqe_seen(&self->ring, cqe);
			break;
		}
		if (err != -ETIME && err != -EINTR)
			break;
	}
	tst_peer_join(&f);
	TH_LOG("%zu bytes flooded; %d waits of 100 ms, the longest %lld ms; done %d after %lld ms",
	       f.bytes, waits, worst, res, tst_now_ms() - start);
	EXPECT_GT(1000, worst);
	EXPECT_EQ(0, res);
	check_reusable(_metadata, self);
}

/* ---- 13. Every rejection is counted, through both paths. */

static void expect_rejected(struct __test_metadata *_metadata,
			    FIXTURE_DATA(edge) *self,
			    const struct dcx_disconnect *req, int want)
{
	long before = tst_stat("rejected");

	EXPECT_EQ(want, tst_ioctl(self->devfd, req));
	EXPECT_EQ(before + 1, tst_stat("rejected"))
		TH_LOG("ioctl %s (fd %d) not counted", strerror(-want), req->fd);
	before = tst_stat("rejected");
	EXPECT_EQ(want, tst_uring(&self->ring, self->devfd, req, 0));
	EXPECT_EQ(before + 1, tst_stat("rejected"))
		TH_LOG("uring_cmd %s (fd %d) not counted", strerror(-want), req->fd);
}

TEST_F(edge, rejections_counted)
{
	struct dcx_disconnect req, busy;
	struct io_uring other;
	int pfd[2], udp, fresh;
	size_t n;

	req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);
	req.reserved = 1;
	expect_rejected(_metadata, self, &req, -EINVAL);
	req = tst_req(self->cfd, 0x4, 0);
	expect_rejected(_metadata, self, &req, -EINVAL);
	req = tst_req(-1, 0, 0);
	expect_rejected(_metadata, self, &req, -EBADF);
	ASSERT_EQ(0, pipe(pfd));
	req = tst_req(pfd[0], 0, 0);
	expect_rejected(_metadata, self, &req, -ENOTSOCK);
	close(pfd[0]);
	close(pfd[1]);
	udp = socket(variant->family, SOCK_DGRAM, 0);
	ASSERT_LE(0, udp);
	req = tst_req(udp, 0, 0);
	expect_rejected(_metadata, self, &req, -EOPNOTSUPP);
	close(udp);
	fresh = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fresh);
	req = tst_req(fresh, DCX_REUSE_SOCKET, 0);
	expect_rejected(_metadata, self, &req, -ENOTCONN);
	/* The timeout is checked first (a never-connected socket, so that a
	 * module without the check answers at once). */
	req = tst_req(fresh, DCX_REUSE_SOCKET, DCX_TIMEOUT_MAX_MS + 1);
	expect_rejected(_metadata, self, &req, -EINVAL);
	close(fresh);

	/* One in flight on the fixture's socket, from another ring. */
	ASSERT_EQ(0, io_uring_queue_init(8, &other, 0));
	busy = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	ASSERT_EQ(0, tst_queue(&other, self->devfd, &busy, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&other));
	req = tst_req(self->cfd, 0, 0);
	expect_rejected(_metadata, self, &req, -EALREADY);
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, reap_within(&other, 3000, NULL));
	io_uring_queue_exit(&other);
}

/* ---- DisconnectEx(s, 0): a half close, one round trip. */

TEST_F(edge, without_reuse_is_half_close)
{
	struct dcx_disconnect req = tst_req(self->cfd, 0, 5000);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[16];
	long long took;

	ASSERT_EQ(5, write(self->sfd, "early", 5));
	took = tst_now_ms();
	/* The peer stays open and silent: only its ACK of our FIN counts. */
	EXPECT_EQ(0, tst_ioctl(self->devfd, &req));
	took = tst_now_ms() - took;
	EXPECT_GT(2000, took) TH_LOG("DisconnectEx(0) took %lld ms", took);
	EXPECT_EQ(TCP_FIN_WAIT2, tst_wait_tcp_state(self->cfd, TCP_FIN_WAIT2, 1000));
	/* The peer got our FIN ... */
	EXPECT_EQ(0, read(self->sfd, buf, sizeof(buf)));
	/* ... and can still send: nothing of it is discarded. */
	ASSERT_EQ(5, write(self->sfd, "later", 5));
	EXPECT_EQ(10, recv(self->cfd, buf, 10, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "earlylater", 10));
	EXPECT_EQ(0, getpeername(self->cfd, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	/* A second DisconnectEx(0) succeeds, as on Windows. */
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, 0);
	/* The peer closes: EOF, no reset. */
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, read(self->cfd, buf, sizeof(buf)));
	EXPECT_EQ(TCP_CLOSE, tst_wait_tcp_state(self->cfd, TCP_CLOSE, 2000));
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, 0);
	/* And reuse still recycles what is left. */
	req.flags = DCX_REUSE_SOCKET;
	EXPECT_EQ(0, tst_uring(&self->ring, self->devfd, &req, 0));
	check_reusable(_metadata, self);
}

TEST_F(edge, without_reuse_after_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct dcx_disconnect req = tst_req(self->cfd, 0, 2000);
	int res;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(TCP_CLOSE, tst_wait_tcp_state(self->cfd, TCP_CLOSE, 2000));
	/* Already ended, however: nothing to do. */
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, 0);
	req.flags = DCX_REUSE_SOCKET;
	res = tst_ioctl(self->devfd, &req);
	EXPECT_TRUE(res == 0 || res == -ECONNRESET) TH_LOG("REUSE: %d", res);
	check_reusable(_metadata, self);
	/* Never connected and listening stay ENOTCONN. */
	req = tst_req(self->lfd, 0, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTCONN);
}

/* ---- The cancel request. */

TEST_F(edge, cancel_nothing_in_flight)
{
	struct dcx_disconnect req = tst_req(self->cfd, 0, 0);

	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -ENOENT);
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

TEST_F(edge, cancel_bad_payload)
{
	struct dcx_disconnect op = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	struct dcx_disconnect req;
	struct io_uring other;
	size_t n;

	ASSERT_EQ(0, io_uring_queue_init(8, &other, 0));
	ASSERT_EQ(0, tst_queue(&other, self->devfd, &op, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&other));
	/* Only fd may be set; none of these touches the operation. */
	req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);
	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	req = tst_req(self->cfd, 0, 1);
	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	req = tst_req(self->cfd, 0, 0);
	req.reserved = 1;
	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	req = tst_req(-1, 0, 0);
	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -EBADF);
	req = tst_req(0x7fffffff, 0, 0);
	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -EBADF);
	/* Not a socket: the device itself. */
	req = tst_req(self->devfd, 0, 0);
	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -ENOTSOCK);
	/* The operation goes on and ends gracefully. */
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, reap_within(&other, 3000, NULL));
	io_uring_queue_exit(&other);
}

static void cancel_in_flight(struct __test_metadata *_metadata,
			     FIXTURE_DATA(edge) *self, bool by_ring)
{
	struct dcx_disconnect op = tst_req(self->cfd, DCX_REUSE_SOCKET, 20000);
	struct dcx_disconnect req = tst_req(self->cfd, 0, 0);
	long canceled = tst_stat("canceled");
	int res, i, cancel_res = INT_MIN, op_res = INT_MIN;
	long long start;
	__u64 ud;

	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &op, 0, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	usleep(50000);	/* the silent peer has acknowledged our FIN */
	start = tst_now_ms();
	if (by_ring) {
		ASSERT_EQ(0, tst_queue_op(&self->ring, self->devfd, DCX_CMD_CANCEL,
					  &req, 0, 2));
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		for (i = 0; i < 2; i++) {
			res = reap_within(&self->ring, 2000, &ud);
			if (res == INT_MIN)
				break;
			if (ud == 2)
				cancel_res = res;
			else
				op_res = res;
		}
	} else {
		cancel_res = tst_cancel(self->devfd, &req);
		op_res = reap_within(&self->ring, 2000, NULL);
	}
	TH_LOG("cancel %d, operation %d after %lld ms", cancel_res, op_res,
	       tst_now_ms() - start);
	EXPECT_EQ(0, cancel_res);
	EXPECT_EQ(-ECANCELED, op_res);
	if (op_res == INT_MIN) {
		/* Old module: let the operation end before the teardown. */
		close(self->sfd);
		self->sfd = -1;
		reap_within(&self->ring, 3000, NULL);
		return;
	}
	EXPECT_EQ(canceled + 1, tst_stat("canceled"));
	/* Nothing left to cancel. */
	expect_cancel_both(_metadata, self->devfd, &self->ring, &req, -ENOENT);
	check_reusable(_metadata, self);
}

TEST_F(edge, cancel_ring_operation_by_ioctl)
{
	cancel_in_flight(_metadata, self, false);
}

TEST_F(edge, cancel_ring_operation_by_uring_cmd)
{
	cancel_in_flight(_metadata, self, true);
}

TEST_F(edge, cancel_blocking_ioctl)
{
	struct ioctl_thread t = {
		.devfd = self->devfd,
		.req = tst_req(self->cfd, DCX_REUSE_SOCKET, 20000),
	};
	struct dcx_disconnect req = tst_req(self->cfd, 0, 0);
	pthread_t tid;
	int res;

	ASSERT_EQ(0, pthread_create(&tid, NULL, ioctl_run, &t));
	ASSERT_TRUE(wait_asleep(&t.tid, 3000));
	usleep(50000);
	res = tst_cancel(self->devfd, &req);
	EXPECT_EQ(0, res);
	wait_done(&t.done, 2000);
	EXPECT_TRUE(t.done);
	if (!t.done || res) {
		close(self->sfd);
		self->sfd = -1;
		pthread_join(tid, NULL);
		return;
	}
	pthread_join(tid, NULL);
	TH_LOG("the cancelled ioctl returned %d after %lld ms", t.res, t.took);
	EXPECT_EQ(-ECANCELED, t.res);
	check_reusable(_metadata, self);
}

/* ---- Handled signals: the blocking ioctl restarts, it does not fail. */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static void *closer_run(void *arg)
{
	int *p = arg;

	usleep(p[1] * 1000);
	close(p[0]);
	return NULL;
}

TEST_F_TIMEOUT(edge, handled_signals_restart_ioctl, 30)
{
	struct itimerval every_5ms = { { 0, 5000 }, { 0, 5000 } };
	struct itimerval off = { };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct dcx_disconnect req;
	sigset_t alrm, old;
	int close_after[2] = { self->sfd, 300 };
	long long start, took;
	pthread_t tid;
	int res;

	/* Only this thread may take SIGALRM: the closer blocks it. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &alrm, &old));
	ASSERT_EQ(0, pthread_create(&tid, NULL, closer_run, close_after));
	ASSERT_EQ(0, pthread_sigmask(SIG_SETMASK, &old, NULL));
	self->sfd = -1;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarms = 0;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every_5ms, NULL));

	req = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	start = tst_now_ms();
	res = tst_ioctl(self->devfd, &req);
	took = tst_now_ms() - start;

	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	pthread_join(tid, NULL);
	TH_LOG("ioctl %d after %lld ms, %d handlers ran meanwhile", res, took,
	       (int)alarms);
	EXPECT_EQ(0, res);
	/* The handlers ran while it waited, not after. */
	EXPECT_LE(10, alarms);
	EXPECT_GT(3000, took);
	check_reusable(_metadata, self);
}

/* ---- A handler that never returns into the ioctl: nothing is lost. */

static sigjmp_buf escape;

static void on_usr1_escape(int sig)
{
	siglongjmp(escape, 1);
}

/* The peer is silent: only the handler gets out, and never comes back. */
static bool ioctl_escaped(int devfd, const struct dcx_disconnect *req)
{
	if (sigsetjmp(escape, 1))
		return true;
	tst_ioctl(devfd, req);
	return false;
}

struct kicker {
	pthread_t target;
	int ms;
};

static void *kick_run(void *arg)
{
	struct kicker *k = arg;

	usleep(k->ms * 1000);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/* A disconnect of a fresh connection whose peer closes: 0, or -errno. */
static int second_ioctl_is_its_own(struct __test_metadata *_metadata,
				   int devfd, int family)
{
	struct dcx_disconnect req;
	struct tst_addr addr;
	int lfd, cfd, sfd, res;

	lfd = tst_listen(family, 4, &addr);
	if (lfd < 0)
		return lfd;
	cfd = tst_connect(-1, &addr);
	sfd = cfd < 0 ? -1 : accept(lfd, NULL, NULL);
	if (sfd < 0) {
		res = -EIO;
		goto out;
	}
	shutdown(sfd, SHUT_WR);
	req = tst_req(cfd, DCX_REUSE_SOCKET, 5000);
	res = tst_ioctl(devfd, &req);
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(cfd));
	close(sfd);
out:
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	return res;
}

/*
 * A REUSE ioctl on @self->cfd that a SIGUSR1 handler leaves for good after
 * 100 ms: the operation stays in flight, parked. Returns the in-flight
 * count from before it.
 */
static long abandon_ioctl(struct __test_metadata *_metadata,
			  FIXTURE_DATA(edge) *self)
{
	struct sigaction sa = { .sa_handler = on_usr1_escape };
	struct kicker k = { .target = pthread_self(), .ms = 100 };
	long base = tst_stat("inflight");
	struct dcx_disconnect req;
	pthread_t tid;

	EXPECT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	req = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	EXPECT_EQ(0, pthread_create(&tid, NULL, kick_run, &k));
	EXPECT_TRUE(ioctl_escaped(self->devfd, &req))
		TH_LOG("the ioctl returned before the signal");
	pthread_join(tid, NULL);
	signal(SIGUSR1, SIG_DFL);
	EXPECT_EQ(base + 1, tst_stat("inflight"));
	return base;
}

TEST_F_TIMEOUT(edge, interrupted_ioctl_abandoned, 30)
{
	long base = abandon_ioctl(_metadata, self);

	/* The abandoned operation goes on: the peer's FIN ends it. */
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(base, tst_wait_inflight(base, 3000));
	check_reusable(_metadata, self);

	/* The same thread's next ioctl, on another connection, is its own. */
	EXPECT_EQ(0, second_ioctl_is_its_own(_metadata, self->devfd,
					     variant->family));
}

/* A close() of the device reaps what an abandoned ioctl parked. */
TEST_F_TIMEOUT(edge, interrupted_ioctl_reaped_by_close, 30)
{
	long canceled = tst_stat("canceled");
	long base = abandon_ioctl(_metadata, self);

	/* flush of a dup: the operation aborted, its parked result dropped. */
	EXPECT_EQ(0, close(dup(self->devfd)));
	EXPECT_EQ(base, tst_wait_inflight(base, 3000));
	EXPECT_EQ(canceled + 1, tst_stat("canceled"));
	check_reusable(_metadata, self);
	/* The restart that never came finds nothing: a new request. */
	EXPECT_EQ(0, second_ioctl_is_its_own(_metadata, self->devfd,
					     variant->family));
}

TEST_HARNESS_MAIN
