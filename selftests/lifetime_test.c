// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime of operations: the socket closed mid-operation, the owner closing
 * the device or exiting or being killed with operations in flight, the ring
 * closed under them, ten thousand in flight at once (kernel threads and slab
 * memory measured), and rmmod while the device is in use.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "selftest.h"

/* Tasks whose parent is kthreadd: kernel threads. */
static int count_kthreads(void)
{
	struct dirent *de;
	int n = 0, ppid;
	char path[300];
	DIR *d;
	FILE *f;

	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* pid (comm) state ppid: comm has no ')' in kernel threads we count */
		if (fscanf(f, "%*d (%*[^)]) %*c %d", &ppid) == 1 && ppid == 2)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static long meminfo_kb(const char *key)
{
	char line[128];
	long val = -1;
	size_t klen = strlen(key);
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* @n connected pairs to a listener of @family; fds in @cfd / @sfd. */
static int make_pairs(int family, int n, int *lfd, int *cfd, int *sfd)
{
	struct tst_addr addr;
	int i;

	*lfd = tst_listen(family, 4096, &addr);
	if (*lfd < 0)
		return *lfd;
	for (i = 0; i < n; i++) {
		cfd[i] = tst_connect(-1, &addr);
		if (cfd[i] < 0)
			return cfd[i];
		sfd[i] = accept(*lfd, NULL, NULL);
		if (sfd[i] < 0)
			return -errno;
	}
	return 0;
}

/* make_pairs() for a large @n: the arrays allocated, the fd limit raised. */
static int alloc_pairs(int n, int *lfd, int **cfd, int **sfd)
{
	tst_raise_nofile(4 * n + 64);
	*cfd = calloc(n, sizeof(int));
	*sfd = calloc(n, sizeof(int));
	if (!*cfd || !*sfd)
		return -ENOMEM;
	return make_pairs(AF_INET, n, lfd, *cfd, *sfd);
}

/*
 * The device, @n connections of @family and a ring with one REUSE
 * disconnect of @timeout_ms queued and submitted for each client (user_data
 * its index): 0 or -errno.
 */
static int submit_reuse_all(int family, int n, int *devfd, int *lfd,
			    int *cfd, int *sfd, struct io_uring *ring,
			    __u32 timeout_ms)
{
	struct dcx_disconnect req;
	int i, err;

	*devfd = open(TST_DEV, O_RDWR);
	if (*devfd < 0)
		return -errno;
	err = make_pairs(family, n, lfd, cfd, sfd);
	if (err)
		return err;
	err = io_uring_queue_init(64, ring, 0);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		req = tst_req(cfd[i], DCX_REUSE_SOCKET, timeout_ms);
		err = tst_queue(ring, *devfd, &req, 0, i);
		if (err)
			return err;
	}
	err = io_uring_submit(ring);
	return err == n ? 0 : (err < 0 ? err : -EIO);
}

static void close_pairs(int n, int lfd, int *cfd, int *sfd)
{
	int i;

	for (i = 0; i < n; i++) {
		close(cfd[i]);
		close(sfd[i]);
	}
	close(lfd);
}

TEST(close_socket_mid_operation)
{
	struct io_uring ring;
	int lfd, cfd, sfd, devfd;
	size_t n;

	devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, devfd);
	ASSERT_EQ(0, make_pairs(AF_INET, 1, &lfd, &cfd, &sfd));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));

	struct dcx_disconnect req = tst_req(cfd, DCX_REUSE_SOCKET, 30000);

	ASSERT_EQ(0, tst_queue(&ring, devfd, &req, 0, 0));
	ASSERT_EQ(1, io_uring_submit(&ring));
	close(cfd);	/* the operation holds the socket: it goes on */
	EXPECT_EQ(0, tst_read_to_end(sfd, &n, TST_EOF_MS));
	close(sfd);
	EXPECT_EQ(0, tst_reap(&ring, NULL));
	io_uring_queue_exit(&ring);
	close(lfd);
	close(devfd);
}

TEST(close_device_aborts)
{
	enum { N = 16 };
	int lfd, cfd[N], sfd[N], devfd, i, res;
	long canceled = tst_stat("canceled");
	struct io_uring ring;
	long long start;

	ASSERT_EQ(0, submit_reuse_all(AF_INET6, N, &devfd, &lfd, cfd, sfd,
				      &ring, 60000));
	usleep(100000);

	start = tst_now_ms();
	close(devfd);
	for (i = 0; i < N; i++) {
		res = tst_reap(&ring, NULL);
		EXPECT_EQ(-ECANCELED, res);
	}
	EXPECT_GT(5000, tst_now_ms() - start);
	EXPECT_EQ(canceled + N, tst_stat("canceled"));
	/* Aborted with reuse: every socket is ready for connect() again. */
	for (i = 0; i < N; i++)
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(cfd[i]));
	io_uring_queue_exit(&ring);
	close_pairs(N, lfd, cfd, sfd);
}

TEST(ring_closed_with_operations)
{
	enum { N = 16 };
	int lfd, cfd[N], sfd[N], devfd, i;
	long base = tst_stat("inflight");
	struct io_uring ring;

	ASSERT_EQ(0, submit_reuse_all(AF_INET, N, &devfd, &lfd, cfd, sfd,
				      &ring, 500));
	/*
	 * 6.1 cannot cancel a uring_cmd and tells the driver nothing when
	 * the ring goes away: the operations run to their own timeout (the
	 * device fd is still open, so flush does not fire), then free all.
	 */
	io_uring_queue_exit(&ring);
	EXPECT_EQ(base, tst_wait_inflight(base, 5000));
	for (i = 0; i < N; i++)
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(cfd[i]));
	close_pairs(N, lfd, cfd, sfd);
	close(devfd);
}

/*
 * A child with @n operations in flight against silent peers, on a ring set
 * up with @ring_flags; then it dies.
 */
static void child_dies_with_operations(struct __test_metadata *_metadata,
				       int n, bool use_ioctl, int sig,
				       unsigned int ring_flags)
{
	long base = tst_stat("inflight");
	long canceled = tst_stat("canceled");
	/*
	 * 6.1's SQ thread, exiting, waits for every request of its ring before
	 * the process's files close, so flush comes too late: the timer's look
	 * at the ring (once a second) finds the SQ thread cancelling and
	 * aborts them instead.
	 */
	bool sqpoll = ring_flags & IORING_SETUP_SQPOLL;
	int timeout_ms = 60000;
	int lfd, *cfd, *sfd, ready[2], go[2], status;
	long long start, took;
	pid_t pid;
	char c;

	ASSERT_EQ(0, alloc_pairs(n, &lfd, &cfd, &sfd));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct io_uring_params p = { };
		struct dcx_disconnect req;
		struct io_uring ring;
		int devfd, i;

		devfd = open(TST_DEV, O_RDWR);
		if (devfd < 0)
			_exit(2);
		if (use_ioctl) {
			req = tst_req(cfd[0], DCX_REUSE_SOCKET, 60000);
			c = 'r';
			write(ready[1], &c, 1);
			tst_ioctl(devfd, &req);
			_exit(3);	/* only if the kill never came */
		}
		p.flags = IORING_SETUP_CQSIZE | ring_flags;
		p.cq_entries = 2 * n;
		if (io_uring_queue_init_params(n < 1024 ? n : 1024, &ring, &p))
			_exit(4);
		for (i = 0; i < n; i++) {
			req = tst_req(cfd[i], DCX_REUSE_SOCKET, timeout_ms);
			if (tst_queue(&ring, devfd, &req, 0, i)) {
				io_uring_submit(&ring);
				i--;
			}
		}
		io_uring_submit(&ring);
		c = 'r';
		write(ready[1], &c, 1);
		/* Exit when told to, with everything still in flight. */
		read(go[0], &c, 1);
		_exit(0);
	}

	/* A child that fails before it is ready closes the pipe: EOF. */
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	/* Let the operations reach the network. */
	EXPECT_EQ(base + n, tst_wait_inflight(base + n, 10000));
	start = tst_now_ms();
	if (sig)
		kill(pid, sig);
	else
		write(go[1], &c, 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	took = tst_now_ms() - start;
	TH_LOG("%d operations in flight: the owner was gone in %lld ms", n, took);
	EXPECT_GT(sqpoll ? 3000 : 10000, took);
	if (sig) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig);
	} else {
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	EXPECT_EQ(base, tst_wait_inflight(base, 10000));
	EXPECT_EQ(canceled + n, tst_stat("canceled"));

	close_pairs(n, lfd, cfd, sfd);
	close(ready[0]);
	close(go[0]);
	close(go[1]);
	free(cfd);
	free(sfd);
}

/* Long tests need TEST_F_TIMEOUT, so a fixture that holds nothing. */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, exit_with_1000_in_flight, 300)
{
	child_dies_with_operations(_metadata, 1000, false, 0, 0);
}

/*
 * Operations run in their submitter's task_work; on these rings io_uring
 * runs it only when asked, or in the SQ thread. The abort must still come;
 * on SQPOLL, the operations' own timeout.
 */
TEST_F_TIMEOUT(slow, exit_in_flight_defer_taskrun, 300)
{
	child_dies_with_operations(_metadata, 200, false, 0,
				   IORING_SETUP_SINGLE_ISSUER |
				   IORING_SETUP_DEFER_TASKRUN);
}

TEST_F_TIMEOUT(slow, sigkill_in_flight_defer_taskrun, 300)
{
	child_dies_with_operations(_metadata, 200, false, SIGKILL,
				   IORING_SETUP_SINGLE_ISSUER |
				   IORING_SETUP_DEFER_TASKRUN);
}

TEST_F_TIMEOUT(slow, exit_in_flight_sqpoll, 300)
{
	child_dies_with_operations(_metadata, 200, false, 0,
				   IORING_SETUP_SQPOLL);
}

TEST_F_TIMEOUT(slow, sigkill_with_1000_in_flight, 300)
{
	child_dies_with_operations(_metadata, 1000, false, SIGKILL, 0);
}

TEST_F_TIMEOUT(slow, sigkill_in_ioctl, 60)
{
	child_dies_with_operations(_metadata, 1, true, SIGKILL, 0);
}

TEST_F_TIMEOUT(slow, ten_thousand_in_flight, 900)
{
	enum { N = 10000 };
	int lfd, *cfd, *sfd, devfd, i, res, kt_before, kt_during;
	long slab_before, slab_during, base = tst_stat("inflight");
	struct io_uring_params p = { };
	struct dcx_disconnect req;
	struct io_uring ring;

	ASSERT_EQ(0, alloc_pairs(N, &lfd, &cfd, &sfd));
	devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, devfd);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 2 * N;
	ASSERT_EQ(0, io_uring_queue_init_params(4096, &ring, &p));

	sleep(1);	/* let the handshakes' timers and skbs settle */
	kt_before = count_kthreads();
	slab_before = meminfo_kb("Slab");
	for (i = 0; i < N; i++) {
		req = tst_req(cfd[i], DCX_REUSE_SOCKET, 120000);
		if (tst_queue(&ring, devfd, &req, 0, i)) {
			ASSERT_LT(0, io_uring_submit(&ring));
			i--;
		}
	}
	ASSERT_LT(0, io_uring_submit(&ring));
	ASSERT_EQ(base + N, tst_wait_inflight(base + N, 60000));
	/* Consume the peers' FINs, so only the operations stay counted. */
	for (i = 0; i < N; i++) {
		char c;

		ASSERT_EQ(0, read(sfd[i], &c, 1)) TH_LOG("peer %d", i);
	}
	sleep(1);
	kt_during = count_kthreads();
	slab_during = meminfo_kb("Slab");
	TH_LOG("%d in flight: kernel threads %d -> %d, slab %ld -> %ld kB (%ld bytes per operation)",
	       N, kt_before, kt_during, slab_before, slab_during,
	       (slab_during - slab_before) * 1024 / N);
	EXPECT_GE(kt_before + 2, kt_during);
	/* Our object and io_uring's request, plus noise. */
	if (!tst_debug_kernel())
		EXPECT_GT(1024, (slab_during - slab_before) * 1024 / N);

	/* Abort them all through flush; every one completes. */
	close(devfd);
	for (i = 0; i < N; i++) {
		res = tst_reap(&ring, NULL);
		ASSERT_EQ(-ECANCELED, res) TH_LOG("completion %d", i);
	}
	EXPECT_EQ(base, tst_wait_inflight(base, 10000));
	io_uring_queue_exit(&ring);
	close_pairs(N, lfd, cfd, sfd);
	free(cfd);
	free(sfd);
}

TEST(counters_in_sysfs)
{
	static const char * const names[] = {
		"inflight", "submitted", "rejected", "completed", "graceful",
		"reset", "timedout", "canceled", "reused",
	};
	struct dcx_disconnect req;
	long rejected, submitted;
	char path[128];
	struct stat st;
	unsigned int i;
	int devfd, fd;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), TST_STATS "%s", names[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0444, st.st_mode & 0777);
		EXPECT_LE(0, tst_stat(names[i]));
	}
	devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, devfd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	rejected = tst_stat("rejected");
	submitted = tst_stat("submitted");
	req = tst_req(fd, 0, 0);
	EXPECT_EQ(-ENOTCONN, tst_ioctl(devfd, &req));
	EXPECT_EQ(rejected + 1, tst_stat("rejected"));
	EXPECT_EQ(submitted + 1, tst_stat("submitted"));
	/* A bad payload never becomes an operation. */
	req.reserved = 1;
	EXPECT_EQ(-EINVAL, tst_ioctl(devfd, &req));
	EXPECT_EQ(submitted + 1, tst_stat("submitted"));
	close(fd);
	close(devfd);
}

TEST(rmmod_while_open)
{
	int devfd = open(TST_DEV, O_RDWR);

	ASSERT_LE(0, devfd);
	/* 6.1's delete_module() says EWOULDBLOCK for a module in use. */
	EXPECT_EQ(-1, syscall(__NR_delete_module, "disconnectex", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, access(TST_DEV, F_OK));
	close(devfd);
}

TEST_HARNESS_MAIN
