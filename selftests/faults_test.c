// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection across a real link: the test and its peer are separate
 * hosts (network namespaces joined by a veth pair, inside the test VM), and
 * tc netem, link failure and peer behaviour supply the faults. Needs ip(8)
 * and tc(8) in /bin and the veth / sch_netem modules (built in, or in
 * /lib/modules/extra); skips otherwise.
 */
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "selftest.h"

#define PEER_PORT	5001

enum peer_mode { P_READ_ALL, P_SILENT, P_RESET_AFTER_FIN, P_FLOOD };

struct peer_report {
	long long bytes;
	int err;
};

FIXTURE(hosts) {
	pid_t peer;
	int report;	/* read end: one struct peer_report */
	int go;		/* write end: the peer may stop */
	struct tst_addr addr;
	int devfd;
	struct io_uring ring;
};

FIXTURE_VARIANT(hosts) {
	int family;
	const char *ours, *theirs;	/* address/prefix */
	const char *theirs_addr;
};

FIXTURE_VARIANT_ADD(hosts, ipv4) {
	.family = AF_INET,
	.ours = "192.0.2.1/24",
	.theirs = "192.0.2.2/24",
	.theirs_addr = "192.0.2.2",
};

FIXTURE_VARIANT_ADD(hosts, ipv6) {
	.family = AF_INET6,
	.ours = "2001:db8::1/64",
	.theirs = "2001:db8::2/64",
	.theirs_addr = "2001:db8::2",
};

/* Run /bin/@argv[0]; 0 if it exited 0. */
static int run(const char *const argv[])
{
	char path[64];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execv(path, (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

static void peer_serve(const FIXTURE_VARIANT(hosts) *variant, enum peer_mode mode,
		       int ready, int report, int go)
{
	struct peer_report rep = { };
	struct linger lg = { 1, 0 };
	static char buf[65536];
	struct tst_addr a;
	int lfd, fd, one = 1;
	ssize_t n;
	char c;

	if (unshare(CLONE_NEWNET))
		_exit(1);
	c = 'n';
	write(ready, &c, 1);		/* namespace exists: add the link */
	if (read(go, &c, 1) != 1)	/* our side of the link is set up */
		_exit(2);
	if (RUN("ip", "addr", "add", variant->theirs, "dev", "dcx1", "nodad") ||
	    RUN("ip", "link", "set", "dcx1", "up") ||
	    RUN("ip", "link", "set", "lo", "up"))
		_exit(3);

	memset(&a, 0, sizeof(a));
	a.ss.ss_family = variant->family;
	if (variant->family == AF_INET) {
		inet_pton(AF_INET, variant->theirs_addr, &((struct sockaddr_in *)&a.ss)->sin_addr);
		((struct sockaddr_in *)&a.ss)->sin_port = htons(PEER_PORT);
		a.len = sizeof(struct sockaddr_in);
	} else {
		inet_pton(AF_INET6, variant->theirs_addr, &((struct sockaddr_in6 *)&a.ss)->sin6_addr);
		((struct sockaddr_in6 *)&a.ss)->sin6_port = htons(PEER_PORT);
		a.len = sizeof(struct sockaddr_in6);
	}
	lfd = socket(variant->family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a.ss, a.len) || listen(lfd, 8))
		_exit(4);
	c = 'l';
	write(ready, &c, 1);		/* listening */

	/* Serve connections until told to stop; report on the first. */
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(5);
		switch (mode) {
		case P_READ_ALL:
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				rep.bytes += n;
			rep.err = n < 0 ? errno : 0;
			close(fd);
			break;
		case P_SILENT:
			/* Hold it open; the next accept waits for a reuse. */
			break;
		case P_RESET_AFTER_FIN:
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				rep.bytes += n;
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
			break;
		case P_FLOOD:
			while ((n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL)) > 0)
				rep.bytes += n;
			rep.err = errno;
			close(fd);
			break;
		}
		if (write(report, &rep, sizeof(rep)) != sizeof(rep))
			_exit(6);
		memset(&rep, 0, sizeof(rep));
	}
}

/* The peer host, its side of the link and ours, for @mode. */
static void start_peer(struct __test_metadata *_metadata,
		       FIXTURE_DATA(hosts) *self,
		       const FIXTURE_VARIANT(hosts) *variant, enum peer_mode mode)
{
	int ready[2], report[2], go[2];
	char pid[16], c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(go));
	self->peer = fork();
	ASSERT_LE(0, self->peer);
	if (!self->peer) {
		close(ready[0]);
		close(report[0]);
		close(go[1]);
		peer_serve(variant, mode, ready[1], report[1], go[0]);
		_exit(0);
	}
	close(ready[1]);
	close(report[1]);
	close(go[0]);
	self->report = report[0];
	self->go = go[1];

	ASSERT_EQ(1, read(ready[0], &c, 1));
	snprintf(pid, sizeof(pid), "%d", self->peer);
	ASSERT_EQ(0, RUN("ip", "link", "add", "dcx0", "type", "veth", "peer",
			 "name", "dcx1", "netns", pid));
	ASSERT_EQ(0, RUN("ip", "addr", "add", variant->ours, "dev", "dcx0", "nodad"));
	ASSERT_EQ(0, RUN("ip", "link", "set", "dcx0", "up"));
	ASSERT_EQ(0, RUN("ip", "link", "set", "lo", "up"));
	c = 'g';
	ASSERT_EQ(1, write(self->go, &c, 1));
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the peer host did not come up");
	close(ready[0]);
}

FIXTURE_SETUP(hosts)
{
	signal(SIGPIPE, SIG_IGN);
	self->peer = -1;
	if (access("/bin/ip", X_OK) || access("/bin/tc", X_OK))
		SKIP(return, "no ip(8)/tc(8) in the VM");
	tst_load_extra_modules();
	/* Our own host: a network namespace of our own, so nothing leaks. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, self->devfd);
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));

	memset(&self->addr, 0, sizeof(self->addr));
	self->addr.ss.ss_family = variant->family;
	if (variant->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&self->addr.ss;

		inet_pton(AF_INET, variant->theirs_addr, &sin->sin_addr);
		sin->sin_port = htons(PEER_PORT);
		self->addr.len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&self->addr.ss;

		inet_pton(AF_INET6, variant->theirs_addr, &sin6->sin6_addr);
		sin6->sin6_port = htons(PEER_PORT);
		self->addr.len = sizeof(*sin6);
	}
}

FIXTURE_TEARDOWN(hosts)
{
	if (self->peer > 0) {
		kill(self->peer, SIGKILL);
		waitpid(self->peer, NULL, 0);
		close(self->report);
		close(self->go);
	}
	if (self->devfd > 0) {
		io_uring_queue_exit(&self->ring);
		close(self->devfd);
	}
}

static struct peer_report peer_report(struct __test_metadata *_metadata,
				      FIXTURE_DATA(hosts) *self)
{
	struct peer_report rep = { -1, -1 };

	EXPECT_EQ(sizeof(rep), read(self->report, &rep, sizeof(rep)));
	return rep;
}

/* Reusable: the same fd connects to the peer again at once. */
static void reconnect(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hosts) *self, int fd)
{
	int res, tries = 300;

	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(fd));
	/* After a link comes back up, IPv6 needs a moment for its route. */
	while ((res = tst_connect(fd, &self->addr)) == -ENETUNREACH && --tries)
		usleep(10000);
	EXPECT_EQ(fd, res);
}

TEST_F_TIMEOUT(hosts, loss_and_delay, 300)
{
	const size_t size = 1 << 20;
	struct dcx_disconnect req;
	struct peer_report rep;
	long long start;
	char *data;
	size_t off;
	ssize_t n;
	int fd;

	start_peer(_metadata, self, variant, P_READ_ALL);
	ASSERT_EQ(0, RUN("tc", "qdisc", "add", "dev", "dcx0", "root", "netem",
			 "loss", "10%", "delay", "20ms"));
	fd = tst_connect(-1, &self->addr);
	ASSERT_LE(0, fd);
	data = calloc(1, size);
	ASSERT_NE(NULL, data);
	for (off = 0; off < size; off += n) {
		n = write(fd, data + off, size - off);
		ASSERT_LT(0, n);
	}
	start = tst_now_ms();
	req = tst_req(fd, DCX_REUSE_SOCKET, DCX_TIMEOUT_MAX_MS);
	EXPECT_EQ(0, tst_ioctl(self->devfd, &req));
	TH_LOG("1 MiB through 10%% loss and 20 ms delay, then FIN: %lld ms",
	       tst_now_ms() - start);
	rep = peer_report(_metadata, self);
	EXPECT_EQ(size, rep.bytes);
	EXPECT_EQ(0, rep.err);
	free(data);
	close(fd);
}

TEST_F_TIMEOUT(hosts, link_down, 60)
{
	struct dcx_disconnect req;
	long long start, took;
	int fd;

	start_peer(_metadata, self, variant, P_SILENT);
	/* IPv6 flushes an address when its link goes down, unless told not to. */
	if (variant->family == AF_INET6) {
		int sfd = open("/proc/sys/net/ipv6/conf/dcx0/keep_addr_on_down", O_WRONLY);

		ASSERT_LE(0, sfd);
		ASSERT_EQ(1, write(sfd, "1", 1));
		close(sfd);
	}
	fd = tst_connect(-1, &self->addr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, RUN("ip", "link", "set", "dcx0", "down"));
	start = tst_now_ms();
	req = tst_req(fd, DCX_REUSE_SOCKET, 1000);
	EXPECT_EQ(-ETIMEDOUT, tst_uring(&self->ring, self->devfd, &req, 0));
	took = tst_now_ms() - start;
	EXPECT_LE(980, took);
	EXPECT_GT(5000, took);
	ASSERT_EQ(0, RUN("ip", "link", "set", "dcx0", "up"));
	reconnect(_metadata, self, fd);
	close(fd);
}

/*
 * A peer of kind @mode; the REUSE disconnect of a fresh connection to it
 * ends with @want, through io_uring or the ioctl, and the socket connects
 * again.
 */
static void peer_ends(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hosts) *self,
		      const FIXTURE_VARIANT(hosts) *variant,
		      enum peer_mode mode,
		      __u32 timeout_ms, bool ring, int want)
{
	struct dcx_disconnect req;
	int fd;

	start_peer(_metadata, self, variant, mode);
	fd = tst_connect(-1, &self->addr);
	ASSERT_LE(0, fd);
	req = tst_req(fd, DCX_REUSE_SOCKET, timeout_ms);
	EXPECT_EQ(want, ring ? tst_uring(&self->ring, self->devfd, &req, 0) :
			       tst_ioctl(self->devfd, &req));
	reconnect(_metadata, self, fd);
	close(fd);
}

TEST_F_TIMEOUT(hosts, peer_silent, 60)
{
	peer_ends(_metadata, self, variant, P_SILENT, 500, false, -ETIMEDOUT);
}

TEST_F_TIMEOUT(hosts, peer_resets, 60)
{
	peer_ends(_metadata, self, variant, P_RESET_AFTER_FIN, 10000, true,
		  -ECONNRESET);
}

TEST_F_TIMEOUT(hosts, peer_sends_forever, 60)
{
	struct dcx_disconnect req;
	struct peer_report rep;
	int fd;

	start_peer(_metadata, self, variant, P_FLOOD);
	fd = tst_connect(-1, &self->addr);
	ASSERT_LE(0, fd);
	usleep(200000);
	req = tst_req(fd, DCX_REUSE_SOCKET, 1500);
	/* Everything it sends is discarded; it never closes: abort. */
	EXPECT_EQ(-ETIMEDOUT, tst_ioctl(self->devfd, &req));
	rep = peer_report(_metadata, self);
	TH_LOG("the peer sent %lld bytes before our RST stopped it", rep.bytes);
	EXPECT_LT(0, rep.bytes);
	EXPECT_TRUE(rep.err == ECONNRESET || rep.err == EPIPE);
	reconnect(_metadata, self, fd);
	close(fd);
}

/*
 * The same through io_uring, where the operation runs in the submitter's
 * task_work: a peer that floods must not keep the submitter there. A NOP
 * every 20 ms must come back promptly while the disconnect runs out its
 * timeout.
 */
TEST_F_TIMEOUT(hosts, peer_sends_forever_ring_responsive, 60)
{
	struct io_uring_sqe *sqe;
	struct dcx_disconnect req;
	struct peer_report rep;
	long long sent, worst = 0;
	__u64 ud;
	int fd, res, nops = 0, result = INT_MIN;

	start_peer(_metadata, self, variant, P_FLOOD);
	fd = tst_connect(-1, &self->addr);
	ASSERT_LE(0, fd);
	usleep(200000);
	req = tst_req(fd, DCX_REUSE_SOCKET, 1500);
	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));

	while (result == INT_MIN) {
		usleep(20000);
		sqe = io_uring_get_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		io_uring_prep_nop(sqe);
		sqe->user_data = 2;
		sent = tst_now_ms();
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		do {
			res = tst_reap(&self->ring, &ud);
			ASSERT_NE(INT_MIN, res);
			if (ud == 1)
				result = res;
		} while (ud != 2);
		if (tst_now_ms() - sent > worst)
			worst = tst_now_ms() - sent;
		nops++;
	}
	TH_LOG("%d NOPs while the flood ran, the slowest took %lld ms", nops, worst);
	EXPECT_EQ(-ETIMEDOUT, result);
	EXPECT_LT(20, nops);
	EXPECT_GT(300, worst);
	rep = peer_report(_metadata, self);
	TH_LOG("the peer sent %lld bytes before our RST stopped it", rep.bytes);
	EXPECT_LT(0, rep.bytes);
	reconnect(_metadata, self, fd);
	close(fd);
}

TEST_HARNESS_MAIN
