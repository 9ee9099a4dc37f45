// SPDX-License-Identifier: GPL-2.0
/*
 * Soak and module lifetime: many reuse cycles across a pool of sockets with
 * slab usage and the in-flight counter sampled before and after, and the
 * module unloaded and loaded again with traffic in between.
 *
 * DCX_SOAK_CYCLES and DCX_SOAK_RELOADS in the environment set the counts
 * (default 100000 and 100).
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "selftest.h"

#define POOL		64
#define MODULE_FILE	"/disconnectex.ko"

static unsigned long env_count(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v ? strtoul(v, NULL, 0) : def;
}

static long slab_kb(void)
{
	char line[128];
	long val = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &val) == 1)
			break;
	fclose(f);
	return val;
}

#define TW_SOAK		8192

/*
 * One round: every socket of the pool connects, sends, and is disconnected
 * with reuse in one submission; the servers read to EOF and close.
 */
static int reuse_round(struct io_uring *ring, int devfd, int lfd,
		       const struct tst_addr *addr, const int *pool,
		       unsigned long *bytes)
{
	static const char msg[64] = "soak";
	struct dcx_disconnect req;
	int sfd[POOL], i, res;
	size_t n;

	for (i = 0; i < POOL; i++) {
		if (tst_connect(pool[i], addr) != pool[i])
			return -ENOTCONN;
		sfd[i] = accept(lfd, NULL, NULL);
		if (sfd[i] < 0 || write(pool[i], msg, sizeof(msg)) != sizeof(msg))
			return -EIO;
		req = tst_req(pool[i], DCX_REUSE_SOCKET, 30000);
		res = tst_queue(ring, devfd, &req, 0, i);
		if (res)
			return res;
	}
	if (io_uring_submit(ring) != POOL)
		return -EIO;
	for (i = 0; i < POOL; i++) {
		res = tst_read_to_end(sfd[i], &n, TST_EOF_MS);
		close(sfd[i]);
		if (res || n != sizeof(msg))
			return res ?: -EPROTO;
		*bytes += n;
	}
	for (i = 0; i < POOL; i++) {
		res = tst_reap(ring, NULL);
		if (res)
			return res;
	}
	return 0;
}

/* TEST_F_TIMEOUT needs a fixture: one that holds nothing. */
FIXTURE(soak) {
	int unused;
};

FIXTURE_SETUP(soak)
{
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(soak)
{
}

TEST_F_TIMEOUT(soak, reuse_cycles, 3600)
{
	unsigned long cycles = env_count("DCX_SOAK_CYCLES", 100000);
	unsigned long done = 0, bytes = 0;
	long slab_before, slab_mid = -1, slab_after, base, tw_boot;
	struct tst_addr addr;
	int pool[POOL], lfd, devfd, i, res;
	struct io_uring ring;
	long long start;

	signal(SIGPIPE, SIG_IGN);
	devfd = open(TST_DEV, O_RDWR);
	ASSERT_LE(0, devfd);
	lfd = tst_listen(AF_INET, POOL, &addr);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, io_uring_queue_init(2 * POOL, &ring, 0));
	for (i = 0; i < POOL; i++) {
		pool[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_LE(0, pool[i]);
	}

	/*
	 * Every graceful cycle leaves a TIME_WAIT: a table of TW_SOAK fills in
	 * the first half, and memory must be flat after. The boot's value
	 * (one that cannot fill: see tst_tw_buckets()) is put back after.
	 */
	tw_boot = tst_tw_buckets(TW_SOAK);
	ASSERT_LT(0, tw_boot);
	/* A warm-up round fills the caches, so growth means a leak. */
	ASSERT_EQ(0, reuse_round(&ring, devfd, lfd, &addr, pool, &bytes));
	base = tst_stat("inflight");
	slab_before = slab_kb();
	start = tst_now_ms();
	while (done < cycles) {
		res = reuse_round(&ring, devfd, lfd, &addr, pool, &bytes);
		ASSERT_EQ(0, res) TH_LOG("after %lu cycles: %s", done, strerror(-res));
		done += POOL;
		if (slab_mid < 0 && done >= cycles / 2)
			slab_mid = slab_kb();
		if (done % (POOL * 64) == 0)
			TH_LOG("%lu cycles, %lld ms", done, tst_now_ms() - start);
	}
	slab_after = slab_kb();
	TH_LOG("%lu reuse cycles on %d sockets in %lld ms; slab %ld -> %ld -> %ld kB; in flight %ld -> %ld",
	       done, POOL, tst_now_ms() - start, slab_before, slab_mid,
	       slab_after, base, tst_stat("inflight"));
	EXPECT_EQ(base, tst_stat("inflight"));
	/*
	 * TIME_WAIT socks fill up to TW_SOAK in the first half; from then
	 * on, memory that still grows is memory we leak. On a
	 * debug kernel, init's kmemleak scan judges instead.
	 */
	if (!tst_debug_kernel())
		EXPECT_GT(slab_mid + 1024, slab_after);
	EXPECT_EQ(TW_SOAK, tst_tw_buckets(tw_boot));

	io_uring_queue_exit(&ring);
	for (i = 0; i < POOL; i++)
		close(pool[i]);
	close(lfd);
	close(devfd);
}

static int load_module(void)
{
	int fd = open(MODULE_FILE, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(soak, reload_with_traffic, 1200)
{
	unsigned long reloads = env_count("DCX_SOAK_RELOADS", 100), i;
	struct dcx_disconnect req;
	struct io_uring ring;
	struct tst_addr addr;
	int lfd, cfd, sfd, devfd;
	size_t n;

	if (access(MODULE_FILE, R_OK))
		SKIP(return, "%s not in the VM", MODULE_FILE);
	signal(SIGPIPE, SIG_IGN);
	lfd = tst_listen(AF_INET6, 8, &addr);
	ASSERT_LE(0, lfd);
	for (i = 0; i < reloads; i++) {
		ASSERT_EQ(0, syscall(__NR_delete_module, "disconnectex", O_NONBLOCK))
			TH_LOG("unload %lu: %s", i, strerror(errno));
		EXPECT_NE(0, access(TST_DEV, F_OK));
		ASSERT_EQ(0, load_module()) TH_LOG("load %lu", i);

		/*
		 * Traffic: a graceful disconnect with reuse through io_uring,
		 * then a reconnect of the same fd. We close first, so the
		 * TIME_WAIT is ours and no new connection collides with it.
		 */
		devfd = open(TST_DEV, O_RDWR);
		ASSERT_LE(0, devfd) TH_LOG("open after load %lu: %s", i, strerror(errno));
		ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
		cfd = tst_connect(-1, &addr);
		ASSERT_LE(0, cfd);
		sfd = accept(lfd, NULL, NULL);
		ASSERT_LE(0, sfd);
		req = tst_req(cfd, DCX_REUSE_SOCKET, 5000);
		ASSERT_EQ(0, tst_queue(&ring, devfd, &req, 0, 0));
		ASSERT_EQ(1, io_uring_submit(&ring));
		ASSERT_EQ(0, tst_read_to_end(sfd, &n, TST_EOF_MS));
		close(sfd);
		ASSERT_EQ(0, tst_reap(&ring, NULL)) TH_LOG("reload %lu", i);
		io_uring_queue_exit(&ring);
		ASSERT_EQ(cfd, tst_connect(cfd, &addr));
		sfd = accept(lfd, NULL, NULL);
		ASSERT_LE(0, sfd);
		ASSERT_EQ(0, shutdown(cfd, SHUT_WR));
		ASSERT_EQ(0, tst_read_to_end(sfd, &n, TST_EOF_MS));
		close(sfd);
		close(cfd);
		close(devfd);
	}
	close(lfd);
}

TEST_HARNESS_MAIN
