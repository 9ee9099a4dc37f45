// SPDX-License-Identifier: GPL-2.0
/*
 * The disconnect request: every row of the ABI's error table through both
 * the ioctl and io_uring, and the operation itself - graceful FIN after all
 * queued data, peer data discarded, reset, timeout, and reuse of the same
 * socket - for IPv4 and IPv6.
 */
#include <linux/bpf.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "kselftest_harness.h"
#include "selftest.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define SHORT_TIMEOUT_MS	400
/* Beyond the module's DCX_NEAR_JIFFIES (2 s): the watch moves its timer. */
#define FAR_TIMEOUT_MS		3200

TST_CONN_FIXTURE(conn)

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(TST_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 0777);
}

TEST(unknown_requests)
{
	struct dcx_disconnect req = tst_req(-1, 0, 0);
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int devfd;

	devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, devfd);
	EXPECT_EQ(-1, ioctl(devfd, _IOW(DCX_IOC_MAGIC, 0x7f, struct dcx_disconnect), &req));
	EXPECT_EQ(ENOTTY, errno);
	/* A payload pointer the kernel cannot read. */
	EXPECT_EQ(-1, ioctl(devfd, DCX_IOC_DISCONNECT, (void *)16));
	EXPECT_EQ(EFAULT, errno);

	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	sqe = io_uring_get_sqe(&ring);
	tst_fill_sqe(sqe, devfd, &req);
	/* DCX_CMD_DISCONNECT + 1 is DCX_CMD_CANCEL: a number nothing uses. */
	sqe->cmd_op = _IOW(DCX_IOC_MAGIC, 0x7f, struct dcx_disconnect);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-EINVAL, tst_reap(&ring, NULL));

	/* io_uring itself rejects a non-zero __pad1. */
	sqe = io_uring_get_sqe(&ring);
	tst_fill_sqe(sqe, devfd, &req);
	sqe->__pad1 = 1;
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-EINVAL, tst_reap(&ring, NULL));
	io_uring_queue_exit(&ring);
	close(devfd);
}

TEST_F(conn, reserved_nonzero)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);

	req.reserved = 1;
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	req.reserved = 0x80000000;
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	/* Checked before the fd: even a closed fd says EINVAL. */
	req.fd = -1;
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

TEST_F(conn, unknown_flags)
{
	static const __u32 bad[] = { 0x1, 0x4, 0x3, 0x80000000, 0xffffffff };
	struct dcx_disconnect req;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req = tst_req(self->cfd, bad[i], 0);
		tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EINVAL);
	}
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

TEST_F(conn, bad_fds)
{
	struct dcx_disconnect req;
	int pfd[2], closed;

	closed = dup(self->cfd);
	ASSERT_LE(0, closed);
	close(closed);
	req = tst_req(closed, 0, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EBADF);
	req = tst_req(-1, 0, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EBADF);
	req = tst_req(0x7fffffff, 0, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EBADF);

	ASSERT_EQ(0, pipe(pfd));
	req = tst_req(pfd[0], DCX_REUSE_SOCKET, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTSOCK);
	/* The device itself is no socket either. */
	req = tst_req(self->devfd, 0, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTSOCK);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * A socket of a kind the kernel may not offer (raw, MPTCP): where it
 * exists, both request paths refuse it with EOPNOTSUPP.
 */
static void expect_refused_if_any(struct __test_metadata *_metadata,
				  FIXTURE_DATA(conn) *self, int family,
				  int type, int protocol, const char *what)
{
	struct dcx_disconnect req;
	int fd = socket(family, type, protocol);

	if (fd < 0) {
		TH_LOG("%s: %s, not checked", what, strerror(errno));
		return;
	}
	req = tst_req(fd, 0, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EOPNOTSUPP);
	close(fd);
}

TEST_F(conn, not_tcp)
{
	struct dcx_disconnect req;
	int udp, sp[2];

	udp = socket(variant->family, SOCK_DGRAM, 0);
	ASSERT_LE(0, udp);
	/* A connected UDP socket, the closest a datagram gets to a peer. */
	ASSERT_EQ(0, connect(udp, (struct sockaddr *)&self->addr.ss, self->addr.len));
	req = tst_req(udp, DCX_REUSE_SOCKET, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EOPNOTSUPP);
	close(udp);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	req = tst_req(sp[0], DCX_REUSE_SOCKET, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EOPNOTSUPP);
	close(sp[0]);
	close(sp[1]);

	expect_refused_if_any(_metadata, self, variant->family, SOCK_RAW,
			      IPPROTO_TCP, "raw socket");
	/* An MPTCP socket says EOPNOTSUPP before ENOTCONN. */
	expect_refused_if_any(_metadata, self, variant->family, SOCK_STREAM,
			      IPPROTO_MPTCP, "MPTCP");
}

TEST_F(conn, tcp_repair)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);
	int on = 1, off = 0;

	if (setsockopt(self->cfd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)))
		SKIP(return, "TCP_REPAIR: %s", strerror(errno));
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EOPNOTSUPP);
	ASSERT_EQ(0, setsockopt(self->cfd, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)));
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

TEST_F(conn, ktls)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);

	tst_load_extra_modules();	/* tls.ko on the stock kernel */
	if (setsockopt(self->cfd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		SKIP(return, "kTLS ULP: %s", strerror(errno));
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EOPNOTSUPP);
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

TEST_F(conn, sockmap)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);
	union bpf_attr attr;
	int map, key = 0, fd = self->cfd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_SOCKMAP;
	attr.key_size = sizeof(int);
	attr.value_size = sizeof(int);
	attr.max_entries = 1;
	map = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (map < 0)
		SKIP(return, "sockmap: %s", strerror(errno));
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (unsigned long)&key;
	attr.value = (unsigned long)&fd;
	ASSERT_EQ(0, syscall(__NR_bpf, BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr)))
		TH_LOG("sockmap update: %s", strerror(errno));
	/* In a sockmap, TCP's proto is BPF's: not ours to drive. */
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -EOPNOTSUPP);
	close(map);
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

TEST_F(conn, not_connected)
{
	struct dcx_disconnect req;
	int fresh, blocker, syn, blfd;
	struct tst_addr bl;

	/* Never connected, with and without reuse. */
	fresh = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fresh);
	req = tst_req(fresh, 0, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTCONN);
	req = tst_req(fresh, DCX_REUSE_SOCKET, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTCONN);
	close(fresh);

	/* Listening. */
	req = tst_req(self->lfd, DCX_REUSE_SOCKET, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTCONN);

	/*
	 * Connecting: a listener with backlog 0 takes one connection into its
	 * accept queue and then drops SYNs, leaving the next one in SYN_SENT.
	 */
	blfd = tst_listen(variant->family, 0, &bl);
	ASSERT_LE(0, blfd);
	blocker = tst_connect(-1, &bl);
	ASSERT_LE(0, blocker);
	syn = socket(variant->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, syn);
	ASSERT_EQ(-1, connect(syn, (struct sockaddr *)&bl.ss, bl.len));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(TCP_SYN_SENT, tst_tcp_state(syn));
	req = tst_req(syn, DCX_REUSE_SOCKET, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTCONN);
	EXPECT_EQ(TCP_SYN_SENT, tst_tcp_state(syn));
	close(syn);
	close(blocker);
	close(blfd);

	/* The fixture's connection was never touched. */
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
}

TEST_F(conn, shut_down_without_reuse)
{
	struct dcx_disconnect req = tst_req(self->cfd, 0, 0);
	size_t n;

	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	/* Already shut down for sending: DisconnectEx(0) has nothing left. */
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, 0);
	/* Still half open: the server can send, the client receive. */
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
	EXPECT_EQ(1, write(self->sfd, "y", 1));
	EXPECT_EQ(1, read(self->cfd, &req, 1));

	/* With reuse the operation finishes the close and recycles. */
	req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);
	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, tst_reap(&self->ring, NULL));
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
}

TEST_F(conn, already_in_flight)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	struct dcx_disconnect again = tst_req(self->cfd, 0, 0);
	int dupfd;
	size_t n;

	/* The server stays silent, so the first request stays in flight. */
	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));

	tst_expect_both(_metadata, self->devfd, &self->ring, &again, -EALREADY);
	/* Another fd of the same socket is the same socket. */
	dupfd = dup(self->cfd);
	ASSERT_LE(0, dupfd);
	again = tst_req(dupfd, DCX_REUSE_SOCKET, 0);
	tst_expect_both(_metadata, self->devfd, &self->ring, &again, -EALREADY);
	close(dupfd);

	/* The first one goes on: the server sees EOF, closes, it completes. */
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, tst_reap(&self->ring, NULL));
}

static void check_reusable(struct __test_metadata *_metadata,
			   FIXTURE_DATA(conn) *self)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = self->cfd;
	size_t n;

	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(fd));
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&ss, &len));
	EXPECT_EQ(ENOTCONN, errno);
	/* The same fd connects again at once, to the same server. */
	ASSERT_EQ(fd, tst_connect(fd, &self->addr));
	if (self->sfd >= 0)
		close(self->sfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
	/* And ends gracefully once more. */
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
}

TEST_F(conn, reuse_keeps_options)
{
	static const char data[] = "every byte of this reaches the peer";
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);
	int on = 1, rcvbuf = 65536, val, before_rcvbuf;
	socklen_t len = sizeof(val);
	char buf[128];
	size_t n = 0;
	ssize_t r;

	ASSERT_EQ(0, setsockopt(self->cfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_RCVBUF, &before_rcvbuf, &len));

	ASSERT_EQ(sizeof(data), write(self->cfd, data, sizeof(data)));
	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&self->ring));

	/* The peer reads every byte, then EOF - not ECONNRESET. */
	while ((r = read(self->sfd, buf + n, sizeof(buf) - n)) > 0)
		n += r;
	EXPECT_EQ(0, r) TH_LOG("server read: %s", strerror(errno));
	EXPECT_EQ(sizeof(data), n);
	EXPECT_EQ(0, memcmp(buf, data, sizeof(data)));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, tst_reap(&self->ring, NULL));

	len = sizeof(val);
	EXPECT_EQ(0, getsockopt(self->cfd, IPPROTO_TCP, TCP_NODELAY, &val, &len));
	EXPECT_EQ(1, val);
	EXPECT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_KEEPALIVE, &val, &len));
	EXPECT_EQ(1, val);
	EXPECT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_RCVBUF, &val, &len));
	EXPECT_EQ(before_rcvbuf, val);
	check_reusable(_metadata, self);
}

TEST_F(conn, bound_port_kept)
{
	struct dcx_disconnect req = tst_req(-1, DCX_REUSE_SOCKET, 0);
	struct tst_addr local, after = { .len = sizeof(after.ss) };
	struct tst_addr other;
	int fd, ofd, one = 1;
	size_t n;

	/* A port the kernel just handed out is free: bind it explicitly. */
	fd = tst_listen(variant->family, 1, &local);
	ASSERT_LE(0, fd);
	close(fd);
	fd = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&local.ss, local.len));
	ASSERT_EQ(fd, tst_connect(fd, &self->addr));
	close(self->sfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	close(self->cfd);
	self->cfd = fd;

	/* The server closes first: we are the passive side, CLOSE_WAIT. */
	close(self->sfd);
	self->sfd = -1;
	req.fd = fd;
	EXPECT_EQ(0, tst_ioctl(self->devfd, &req));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&after.ss, &after.len));
	EXPECT_EQ(local.len, after.len);
	EXPECT_EQ(0, memcmp(&local.ss, &after.ss, local.len));

	/* From the same address and port to another server. */
	ofd = tst_listen(variant->family, 1, &other);
	ASSERT_LE(0, ofd);
	ASSERT_EQ(fd, tst_connect(fd, &other));
	self->sfd = accept(ofd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	close(ofd);
	after.len = sizeof(after.ss);
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&after.ss, &after.len));
	EXPECT_EQ(0, memcmp(&local.ss, &after.ss, local.len));
	EXPECT_TRUE(tst_still_connected(self->cfd, self->sfd));
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
}

TEST_F(conn, passive_close)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);

	close(self->sfd);
	self->sfd = -1;
	/* Wait for the FIN to land: CLOSE_WAIT. */
	ASSERT_EQ(TCP_CLOSE_WAIT, tst_wait_tcp_state(self->cfd, TCP_CLOSE_WAIT, 2000));
	EXPECT_EQ(0, tst_uring(&self->ring, self->devfd, &req, 0));
	check_reusable(_metadata, self);
}

TEST_F(conn, without_reuse_then_again)
{
	struct dcx_disconnect req = tst_req(self->cfd, 0, 0);
	size_t n;

	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(0, tst_reap(&self->ring, NULL));
	/* It may have finished at FIN_WAIT2; the server's FIN ends it. */
	EXPECT_EQ(TCP_CLOSE, tst_wait_tcp_state(self->cfd, TCP_CLOSE, 2000));
	/* Ended without reuse: a second DisconnectEx(0) succeeds. */
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, 0);
	/* Still connected as far as the socket layer knows: no reuse. */
	EXPECT_EQ(-1, connect(self->cfd, (struct sockaddr *)&self->addr.ss, self->addr.len));
	EXPECT_EQ(EISCONN, errno);
	/* An ended connection with reuse is recycled. */
	req.flags = DCX_REUSE_SOCKET;
	EXPECT_EQ(0, tst_ioctl(self->devfd, &req));
	check_reusable(_metadata, self);
}

TEST_F(conn, peer_reset)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(-ECONNRESET, tst_reap(&self->ring, NULL));
	check_reusable(_metadata, self);
}

/*
 * A disconnect that waits for a silent peer's FIN ends with -ETIMEDOUT no
 * sooner than @ms and before @ms + @late, through the ioctl or io_uring;
 * our FIN arrived first (EOF), the abort's RST then closed the peer.
 */
static void silent_peer_times_out(struct __test_metadata *_metadata,
				  FIXTURE_DATA(conn) *self, unsigned int ms,
				  long long late, bool uring)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, ms);
	long long start, took;
	size_t n;

	start = tst_now_ms();
	EXPECT_EQ(-ETIMEDOUT, uring ? tst_uring(&self->ring, self->devfd, &req, 0) :
				      tst_ioctl(self->devfd, &req));
	took = tst_now_ms() - start;
	EXPECT_LE(ms - 20, took);
	EXPECT_GT(ms + late, took);
	EXPECT_EQ(0, tst_read_to_end(self->sfd, &n, TST_EOF_MS));
	EXPECT_EQ(TCP_CLOSE, tst_wait_tcp_state(self->sfd, TCP_CLOSE, 2000));
	check_reusable(_metadata, self);
}

TEST_F(conn, peer_silent_times_out)
{
	silent_peer_times_out(_metadata, self, SHORT_TIMEOUT_MS, 3000, false);
}

/*
 * A timeout past two seconds is armed in the timer wheel's coarse slots
 * at the start; the device file's once-a-second watch moves it to the fine
 * ones when it comes near. It must still end on time.
 */
TEST_F(conn, far_timeout_ends_on_time)
{
	silent_peer_times_out(_metadata, self, FAR_TIMEOUT_MS, 500, true);
}

TEST_F(conn, default_timeout_parameter)
{
	/* Reuse waits for the silent server's FIN; flags 0 only for its ACK. */
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 0);
	long long start, took;
	int pfd;

	pfd = open(TST_PARAMS "timeout_ms", O_WRONLY);
	ASSERT_LE(0, pfd);
	/* 0 is what a request says to mean "the parameter": refused. */
	EXPECT_EQ(-1, write(pfd, "0", 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(3, pwrite(pfd, "300", 3, 0));

	start = tst_now_ms();
	EXPECT_EQ(-ETIMEDOUT, tst_uring(&self->ring, self->devfd, &req, 0));
	took = tst_now_ms() - start;
	ASSERT_EQ(5, pwrite(pfd, "10000", 5, 0));
	close(pfd);
	EXPECT_LE(280, took);
	EXPECT_GT(3300, took);
	/* Aborted and recycled: unconnected, nothing to end any more. */
	EXPECT_EQ(TCP_CLOSE, tst_tcp_state(self->cfd));
	tst_expect_both(_metadata, self->devfd, &self->ring, &req, -ENOTCONN);
}

struct reader {
	int fd;
	size_t total;
	unsigned int sum;
	int err;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	unsigned char buf[65536];
	ssize_t n, i;

	for (;;) {
		n = read(r->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			r->sum = r->sum * 31 + buf[i];
		r->total += n;
	}
	r->err = n < 0 ? -errno : 0;
	close(r->fd);
	return NULL;
}

TEST_F_TIMEOUT(conn, large_transfer, 120)
{
	const size_t size = 8 << 20;
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 60000);
	struct reader r = { .fd = self->sfd };
	unsigned int sum = 0;
	unsigned char *data;
	pthread_t tid;
	size_t off, i;
	ssize_t n;

	data = malloc(size);
	ASSERT_NE(NULL, data);
	for (i = 0; i < size; i++) {
		data[i] = (unsigned char)(i * 7 + (i >> 13));
		sum = sum * 31 + data[i];
	}
	ASSERT_EQ(0, pthread_create(&tid, NULL, read_all, &r));
	self->sfd = -1;	/* the reader closes it at EOF */

	for (off = 0; off < size; off += n) {
		n = write(self->cfd, data + off, size - off);
		ASSERT_LT(0, n);
	}
	/* Right behind the last write: the FIN must follow all 8 MiB. */
	EXPECT_EQ(0, tst_ioctl(self->devfd, &req));
	pthread_join(tid, NULL);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(size, r.total);
	EXPECT_EQ(sum, r.sum);
	free(data);
	check_reusable(_metadata, self);
}

TEST_F_TIMEOUT(conn, unread_peer_data_discarded, 120)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 60000);
	struct tst_peer w;
	int rcvbuf = 65536;
	long long start;

	/* A fixed window that 4 MiB overflows many times over. */
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	ASSERT_EQ(0, tst_writer_start(&w, self->sfd, 4 << 20));
	self->sfd = -1;
	/* Let the window fill: the writer then blocks until we drain. */
	usleep(200000);

	start = tst_now_ms();
	EXPECT_EQ(0, tst_ioctl(self->devfd, &req));
	TH_LOG("disconnect done in %lld ms", tst_now_ms() - start);
	EXPECT_EQ(0, tst_peer_join(&w));
	TH_LOG("peer wrote %zu bytes and closed", w.bytes);
	EXPECT_EQ(w.size, w.bytes);
	check_reusable(_metadata, self);
}

TEST_F_TIMEOUT(conn, reuse_1000_times, 300)
{
	struct dcx_disconnect req = tst_req(self->cfd, DCX_REUSE_SOCKET, 5000);
	const int fd = self->cfd;
	long reused = tst_stat("reused");
	char buf[100];
	int i, res;
	size_t n;

	close(self->sfd);
	self->sfd = -1;
	/* The fixture's connection: ended by the server, recycled. */
	ASSERT_EQ(0, tst_ioctl(self->devfd, &req));

	memset(buf, 'r', sizeof(buf));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(fd, tst_connect(fd, &self->addr)) TH_LOG("round %d", i);
		self->sfd = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, self->sfd);
		ASSERT_EQ(sizeof(buf), write(fd, buf, sizeof(buf)));
		ASSERT_EQ(0, tst_queue(&self->ring, self->devfd, &req, 0, i));
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		res = tst_read_to_end(self->sfd, &n, TST_EOF_MS);
		ASSERT_EQ(0, res) TH_LOG("round %d: server saw %s", i, strerror(-res));
		ASSERT_EQ(sizeof(buf), n);
		close(self->sfd);
		self->sfd = -1;
		ASSERT_EQ(0, tst_reap(&self->ring, NULL)) TH_LOG("round %d", i);
	}
	EXPECT_EQ(reused + 1001, tst_stat("reused"));
}

TEST_HARNESS_MAIN
