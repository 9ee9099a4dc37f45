// SPDX-License-Identifier: GPL-2.0
/*
 * The server half of the reuse loop, through the Windows surface with the
 * module loaded: a pool of accept sockets, each AcceptEx'd,
 * served, DisconnectEx(TF_REUSE_SOCKET)'d and AcceptEx'd again as the same
 * SOCKET, IPv4 and IPv6.
 *
 *   pool_reuse_cycles    DCX_ACCEPT_CYCLES (10,000) connections on a pool
 *                        of 16 through a completion port; the client closes
 *                        first. Every echo checked, the 16 SOCKET values the
 *                        only ones, each used about cycles / 16 times, and
 *                        the process's fds and the kernel's socket slabs
 *                        the same before and after.
 *   active_close         the server disconnects first, by event: the client
 *                        sees a FIN, never a reset, and the DisconnectEx
 *                        completes a round trip after the client's close
 *                        (Windows may wait out TIME_WAIT; we must not);
 *                        then the same SOCKET accepts the next client.
 *   connectex_then_acceptex  one SOCKET alternating roles: ConnectEx'd,
 *                        recycled, AcceptEx'd, recycled, ConnectEx'd ...
 *                        (win_acceptex.c recycles only accepted sockets).
 *
 * The census: the process's fds exactly, and the active objects of the
 * socket caches (TCP, TCPv6, request_sock_TCP[v6], sock_inode_cache, filp)
 * within SLAB_TOLERANCE, sampled after a warm-up run and again after the
 * run's teardown. The server closes second, so its sockets leave no
 * TIME_WAIT; the clients' TIME_WAIT entries live in tw_sock_TCP[v6], shown
 * and not judged (the kernel keeps them 60 s by design). Slab counts are
 * judged only in the VM on a stock kernel: on the host other processes
 * share the caches, and a debug kernel's KASAN quarantine holds freed
 * objects (kmemleak judges there). The figures are printed everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm.h"
#include "tst_addr.h"
#include "tst_variants.h"
#include <windows.h>

#define POOL		16
#define CLIENTS		8	/* half shutdown+close(), half DisconnectEx */
#define RXLEN		256	/* AcceptEx's receive part, on even sockets */
#define SLOT		(sizeof(struct sockaddr_in6) + 16)
#define BUFSZ		4096
#define REQ_MAX		1000
#define WARMUP		64	/* fills the caches before the first sample */
#define DEF_CYCLES	10000
#define KEY_LISTENER	1
#define KEY_STOP	2
#define KEY_CONN	16
/*
 * In objects per cache, after a settle (SLUB's per-cpu slabs flushed,
 * RCU-freed inodes and files given time): nothing else in the guest makes
 * sockets or opens files while the test runs, so the counts come back
 * exactly - one leaked socket is past it (measured: 0 left over).
 */
#define SLAB_TOLERANCE	0
#define SETTLE_MS	3000
/*
 * The server's DisconnectEx after an active close, from the client's close:
 * one round trip on loopback (measured: about 0.5 ms median in the stock
 * VM, 20 ms at worst with the host busy). The median must stay below TCP's
 * 200 ms minimum retransmission timeout - a completion that waited for a
 * retransmission would not - and every round well under a second, far from
 * any TIME_WAIT (60 s here, up to 240 s on Windows). A debug kernel is
 * about 20 times slower: there a round may take ACTIVE_DEBUG_BOUND_MS.
 */
#define ACTIVE_ROUNDS	32
#define ACTIVE_MEDIAN_MS	100
#define ACTIVE_BOUND_MS	500
#define ACTIVE_DEBUG_BOUND_MS	2000

FIXTURE(acc) {
	int unused;
};

TST_FAMILY_VARIANTS(acc);

FIXTURE_SETUP(acc)
{
	signal(SIGPIPE, SIG_IGN);
	if (!vm_present())
		return;
	ASSERT_EQ(0, vm_backend_setup());
}

FIXTURE_TEARDOWN(acc)
{
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static unsigned long env_count(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* Request @n: 1..REQ_MAX bytes that say which request they are. */
static size_t req_fill(char *buf, unsigned long n)
{
	size_t len = 1 + (n * 97 + n / 7) % REQ_MAX, k;

	for (k = 0; k < len; k++)
		buf[k] = (char)(n * 131 + k * 7 + (n >> 8));
	memcpy(buf, &n, len < sizeof(n) ? len : sizeof(n));
	return len;
}

static int send_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len) {
		w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int update_accept_context(SOCKET a, SOCKET l)
{
	return dcx_ws_setsockopt(a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
				 (const char *)&l, sizeof(l)) ?
	       WSAGetLastError() : 0;
}

/* ---- slabs and fds --------------------------------------------------- */

/* The first NSLAB_CHECKED are judged; the TIME_WAIT caches are shown. */
static const char *const slab_names[] = {
	"TCP", "TCPv6", "request_sock_TCP", "request_sock_TCPv6",
	"sock_inode_cache", "filp", "tw_sock_TCP", "tw_sock_TCPv6",
};
#define NSLAB		ARRAY_SIZE(slab_names)
#define NSLAB_CHECKED	6

struct census {
	int fds;
	bool slabinfo;		/* /proc/slabinfo was readable */
	long obj[NSLAB];	/* active objects, -1: no such cache */
};

/* Active objects per cache from /proc/slabinfo; false if unreadable. */
static bool read_slabs(long *obj)
{
	char line[512], name[64];
	bool any = false;
	long active;
	size_t i;
	FILE *f;

	for (i = 0; i < NSLAB; i++)
		obj[i] = -1;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld", name, &active) != 2)
			continue;
		for (i = 0; i < NSLAB; i++)
			if (!strcmp(name, slab_names[i])) {
				obj[i] = active;
				any = true;
			}
	}
	fclose(f);
	return any;
}

/*
 * SLUB counts the free objects of a CPU's own slabs as in use: flush them
 * (writing the cache's shrink file) so that the count is exact.
 */
static void shrink_slabs(void)
{
	char path[128];
	size_t i;
	int fd;

	for (i = 0; i < NSLAB_CHECKED; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 slab_names[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) != 1) {
			/* A cache that cannot shrink is counted as it is. */
		}
		close(fd);
	}
}

static void take_census(struct census *c)
{
	shrink_slabs();
	c->fds = tst_count_fds();
	c->slabinfo = read_slabs(c->obj);
}

/* kmemleak and KASAN: the debug kernel (as dcx_debug_kernel() tells). */
static bool debug_kernel(void)
{
	return !access("/sys/kernel/debug/kmemleak", F_OK);
}

static bool slabs_judged(void)
{
#ifdef VM_ON_EMULATED
	return false;
#else
	/* KASAN's quarantine holds freed objects (see soak_test.c). */
	return !debug_kernel();
#endif
}

/* The first checked cache more than @tol above @before, or -1. */
static int census_grown(const struct census *before,
			const struct census *after, long tol)
{
	size_t i;

	for (i = 0; i < NSLAB_CHECKED; i++)
		if (before->obj[i] >= 0 &&
		    after->obj[i] > before->obj[i] + tol)
			return (int)i;
	return -1;
}

static bool census_same(const struct census *a, const struct census *b)
{
	return a->fds == b->fds &&
	       !memcmp(a->obj, b->obj, NSLAB_CHECKED * sizeof(a->obj[0]));
}

/* The census before: once two in a row agree (the warm-up's last frees). */
static void stable_census(struct census *c)
{
	int64_t end = tst_now_ms() + SETTLE_MS;
	struct census next;

	take_census(c);
	while (tst_now_ms() < end) {
		tst_sleep_ms(50);
		take_census(&next);
		if (census_same(c, &next))
			return;
		*c = next;
	}
}

/*
 * The census after the run, once the kernel has let go: the last sockets'
 * FIN handshakes end and RCU frees their inodes and files within
 * SETTLE_MS; what still holds after that is a leak.
 */
static int settle_census(const struct census *before, struct census *after)
{
	int64_t start = tst_now_ms();

	for (;;) {
		take_census(after);
		if ((after->fds == before->fds &&
		     census_grown(before, after, SLAB_TOLERANCE) < 0) ||
		    tst_now_ms() > start + SETTLE_MS)
			return (int)(tst_now_ms() - start);
		tst_sleep_ms(50);
	}
}

static void log_census(struct __test_metadata *_metadata,
		       const struct census *b, const struct census *a,
		       int settle_ms)
{
	char line[512];
	size_t i, n = 0;

	for (i = 0; i < NSLAB; i++) {
		if (b->obj[i] < 0 && a->obj[i] < 0)
			n += snprintf(line + n, sizeof(line) - n, " %s -",
				      slab_names[i]);
		else
			n += snprintf(line + n, sizeof(line) - n,
				      " %s %ld->%ld", slab_names[i], b->obj[i],
				      a->obj[i]);
	}
	TH_LOG("fds %d->%d; slab active objects%s (after %d ms)%s", b->fds,
	       a->fds, line, settle_ms, slabs_judged() ? "" : ", not judged here");
}

/* ---- the clients ------------------------------------------------------ */

struct load {
	int family;
	struct tst_addr addr;
	unsigned long cycles;
	HANDLE port;
	atomic_ulong next;
	atomic_ulong checked;	/* echoes that came back right */
	atomic_int failed;
	char why[160];		/* the first failure */
};

struct client {
	struct load *load;
	bool recycle;
	pthread_t thread;
};

static void load_fail(struct load *ld, unsigned long n, const char *what,
		      int err)
{
	if (atomic_exchange(&ld->failed, 1))
		return;
	snprintf(ld->why, sizeof(ld->why), "client, request %lu: %s (%d)", n,
		 what, err);
	/* Wake the server rather than let it wait out its timeout. */
	PostQueuedCompletionStatus(ld->port, 0, KEY_STOP, NULL);
}

/*
 * Connect, send request n, read the echo, end first: shutdown(SHUT_WR),
 * the server's FIN, close() - or, with @recycle, blocking ConnectEx and
 * DisconnectEx(TF_REUSE_SOCKET) on one socket.
 *
 * Not close() at once: that orphan's FIN_WAIT2 is moved into a TIME_WAIT
 * bucket when the server acknowledges our FIN on its own, and once the
 * clients' TIME_WAITs fill tcp_max_tw_buckets (8,192 at boot: the IPv4
 * run leaves ~7,800; make check's VM raises it, other VMs may not) the
 * kernel drops the orphan instead, so the server's FIN meets a reset -
 * seen as DisconnectEx failing with ERROR_NETNAME_DELETED after 4,023 IPv6
 * cycles. A socket still open stays whole in FIN_WAIT2, and a full table
 * only costs it its TIME_WAIT.
 */
static void *client_main(void *arg)
{
	struct client *c = arg;
	struct load *ld = c->load;
	char req[REQ_MAX], echo[REQ_MAX];
	SOCKET s = INVALID_SOCKET;
	unsigned long n;
	DWORD sent;
	size_t len;
	int err;

	while (!atomic_load(&ld->failed) &&
	       (n = atomic_fetch_add(&ld->next, 1)) < ld->cycles) {
		len = req_fill(req, n);
		if (s == INVALID_SOCKET)
			s = socket(ld->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s == INVALID_SOCKET) {
			load_fail(ld, n, "socket", errno);
			break;
		}
		if (c->recycle) {
			sent = 0;
			if (!ConnectEx(s, (struct sockaddr *)&ld->addr,
				       (int)ld->addr.len, req, (DWORD)len, &sent,
				       NULL) || sent != len) {
				load_fail(ld, n, "ConnectEx", WSAGetLastError());
				break;
			}
		} else if (connect(s, (struct sockaddr *)&ld->addr, ld->addr.len) ||
			   send_all(s, req, len)) {
			load_fail(ld, n, "connect/send", errno);
			break;
		}
		err = tst_recv_exact(s, echo, len, VM_TIMEOUT_MS);
		if (err || memcmp(req, echo, len)) {
			load_fail(ld, n, err ? "no echo" : "wrong echo", err);
			break;
		}
		atomic_fetch_add(&ld->checked, 1);
		if (c->recycle) {
			if (!DisconnectEx(s, NULL, TF_REUSE_SOCKET, 0)) {
				load_fail(ld, n, "DisconnectEx",
					  WSAGetLastError());
				break;
			}
		} else {
			size_t extra = 0;

			shutdown(s, SHUT_WR);
			err = tst_read_to_end(s, &extra, VM_TIMEOUT_MS);
			close(s);
			s = INVALID_SOCKET;
			if (err || extra) {
				load_fail(ld, n, err ? "no FIN from the server" :
					  "more than the echo", err);
				break;
			}
		}
	}
	if (s != INVALID_SOCKET)
		closesocket(s);
	return NULL;
}

/* ---- the server: a pool of accept sockets on one completion port ------ */

enum { ST_IDLE, ST_ACCEPT, ST_RECV, ST_SEND, ST_DISC };

struct conn {
	OVERLAPPED ov;		/* first: a packet's OVERLAPPED is its conn */
	SOCKET s;
	int state;
	bool rx;		/* AcceptEx with a receive part */
	unsigned long uses;
	WSABUF wb;
	char buf[BUFSZ];
};

struct server {
	int family;
	SOCKET l;
	HANDLE port;
	unsigned long cycles, started, done;
	size_t echoed;
	bool closed;
	struct conn conn[POOL];
	char why[160];
};

static int srv_fail(struct server *srv, struct conn *c, const char *what,
		    DWORD err)
{
	snprintf(srv->why, sizeof(srv->why),
		 "socket %d (pool %d), after %lu cycles: %s (%lu)",
		 c ? c->s : -1, c ? (int)(c - srv->conn) : -1, srv->done,
		 what, (unsigned long)err);
	return -1;
}

/* Each start: 0 when a packet is coming (pending, or done at once). */
static int conn_accept(struct server *srv, struct conn *c)
{
	DWORD bytes = 0;

	memset(&c->ov, 0, sizeof(c->ov));
	c->state = ST_ACCEPT;
	srv->started++;
	if (AcceptEx(srv->l, c->s, c->buf, c->rx ? RXLEN : 0, SLOT, SLOT,
		     &bytes, &c->ov) || WSAGetLastError() == WSA_IO_PENDING)
		return 0;
	return srv_fail(srv, c, "AcceptEx", WSAGetLastError());
}

static int conn_recv(struct server *srv, struct conn *c)
{
	DWORD n = 0, flags = 0;

	memset(&c->ov, 0, sizeof(c->ov));
	c->state = ST_RECV;
	c->wb.buf = c->buf;
	c->wb.len = BUFSZ;
	if (!WSARecv(c->s, &c->wb, 1, &n, &flags, &c->ov, NULL) ||
	    WSAGetLastError() == WSA_IO_PENDING)
		return 0;
	return srv_fail(srv, c, "WSARecv", WSAGetLastError());
}

static int conn_send(struct server *srv, struct conn *c, DWORD len)
{
	DWORD n = 0;

	memset(&c->ov, 0, sizeof(c->ov));
	c->state = ST_SEND;
	c->wb.buf = c->buf;
	c->wb.len = len;
	if (!WSASend(c->s, &c->wb, 1, &n, 0, &c->ov, NULL) ||
	    WSAGetLastError() == WSA_IO_PENDING)
		return 0;
	return srv_fail(srv, c, "WSASend", WSAGetLastError());
}

static int conn_disconnect(struct server *srv, struct conn *c)
{
	memset(&c->ov, 0, sizeof(c->ov));
	c->state = ST_DISC;
	if (DisconnectEx(c->s, &c->ov, TF_REUSE_SOCKET, 0) ||
	    WSAGetLastError() == WSA_IO_PENDING)
		return 0;
	return srv_fail(srv, c, "DisconnectEx", WSAGetLastError());
}

/* The accepted connection is behind c->s, from a client of our family. */
static int conn_accepted(struct server *srv, struct conn *c, DWORD bytes)
{
	struct sockaddr *local, *remote;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int llen = 0, rlen = 0;
	DWORD err;

	c->uses++;
	err = update_accept_context(c->s, srv->l);
	if (err)
		return srv_fail(srv, c, "SO_UPDATE_ACCEPT_CONTEXT", err);
	if (getpeername(c->s, (struct sockaddr *)&peer, &plen) ||
	    peer.ss_family != srv->family)
		return srv_fail(srv, c, "getpeername", errno);
	if (!c->rx)
		return conn_recv(srv, c);
	GetAcceptExSockaddrs(c->buf, RXLEN, SLOT, SLOT, &local, &llen,
			     &remote, &rlen);
	if (!remote || remote->sa_family != srv->family)
		return srv_fail(srv, c, "GetAcceptExSockaddrs", 0);
	if (!bytes)
		return srv_fail(srv, c, "no request with the accept", 0);
	return conn_send(srv, c, bytes);
}

static int conn_step(struct server *srv, struct conn *c, BOOL ok, DWORD bytes,
		     DWORD err)
{
	switch (c->state) {
	case ST_ACCEPT:
		if (!ok)
			return srv_fail(srv, c, "AcceptEx completed", err);
		return conn_accepted(srv, c, bytes);
	case ST_RECV:
		if (!ok)
			return srv_fail(srv, c, "WSARecv completed", err);
		/* The client's FIN: the server's end of the cycle. */
		return bytes ? conn_send(srv, c, bytes) :
			       conn_disconnect(srv, c);
	case ST_SEND:
		if (!ok || bytes != c->wb.len)
			return srv_fail(srv, c, "WSASend completed",
					ok ? bytes : err);
		srv->echoed += bytes;
		return conn_recv(srv, c);
	case ST_DISC:
		if (!ok)
			return srv_fail(srv, c, "DisconnectEx completed", err);
		srv->done++;
		if (srv->started < srv->cycles)
			return conn_accept(srv, c);
		c->state = ST_IDLE;
		return 0;
	}
	return srv_fail(srv, c, "packet for an idle socket", 0);
}

/* The listener and the pool, once. */
static void srv_close(struct server *srv)
{
	int i;

	if (srv->closed)
		return;
	srv->closed = true;
	for (i = 0; i < POOL; i++)
		if (srv->conn[i].s != INVALID_SOCKET)
			closesocket(srv->conn[i].s);
	if (srv->l >= 0)
		closesocket(srv->l);
}

struct run {
	unsigned long cycles;
	unsigned long checked;
	size_t echoed, expected;
	unsigned long min_uses, max_uses;
	int64_t us;
	bool same_sockets;
};

/*
 * @cycles connections served by a pool of POOL accept sockets, everything
 * made and closed here. 0, or -1 with the reason in @why.
 */
static int run_pool(int family, unsigned long cycles, struct run *r,
		    char *why, size_t whylen, bool progress,
		    struct __test_metadata *_metadata)
{
	struct client cl[CLIENTS];
	SOCKET first[POOL];
	struct server *srv;
	struct load ld;
	OVERLAPPED *ov;
	ULONG_PTR key;
	DWORD bytes, err;
	unsigned long n, last = 0;
	int i, ret = -1, nthreads = 0;
	int64_t t0;
	BOOL ok;

	memset(r, 0, sizeof(*r));
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -1;
	memset(&ld, 0, sizeof(ld));
	for (i = 0; i < POOL; i++)
		srv->conn[i].s = first[i] = INVALID_SOCKET;
	srv->family = ld.family = family;
	srv->cycles = ld.cycles = cycles;
	srv->l = tst_listen(family, 1024, &ld.addr);
	srv->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
	ld.port = srv->port;
	if (srv->l < 0 || !srv->port ||
	    !CreateIoCompletionPort((HANDLE)(ULONG_PTR)srv->l, srv->port,
				    KEY_LISTENER, 0)) {
		srv_fail(srv, NULL, "listener or port", errno);
		goto out;
	}
	for (i = 0; i < POOL; i++) {
		struct conn *c = &srv->conn[i];

		c->s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
		c->rx = i % 2 == 0;
		first[i] = c->s;
		if (c->s == INVALID_SOCKET ||
		    !CreateIoCompletionPort((HANDLE)(ULONG_PTR)c->s, srv->port,
					    KEY_CONN + i, 0)) {
			srv_fail(srv, c, "accept socket", errno);
			goto out;
		}
	}
	for (i = 0; i < POOL && srv->started < cycles; i++)
		if (conn_accept(srv, &srv->conn[i]))
			goto out;

	t0 = now_us();
	for (i = 0; i < CLIENTS; i++) {
		cl[i].load = &ld;
		cl[i].recycle = i % 2;
		if (pthread_create(&cl[i].thread, NULL, client_main, &cl[i])) {
			srv_fail(srv, NULL, "pthread_create", errno);
			goto out;
		}
		nthreads++;
	}
	while (srv->done < cycles) {
		ov = NULL;
		bytes = 0;
		ok = GetQueuedCompletionStatus(srv->port, &bytes, &key, &ov,
					       VM_TIMEOUT_MS);
		err = ok ? 0 : GetLastError();
		if (!ov) {
			srv_fail(srv, NULL, key == KEY_STOP ? "stopped" :
				 "no packet", err);
			goto out;
		}
		if (conn_step(srv, (struct conn *)ov, ok, bytes, err))
			goto out;
		if (progress && srv->done % 2000 == 0 && srv->done != last) {
			last = srv->done;
			TH_LOG("%lu cycles, %lld ms", srv->done,
			       (long long)(now_us() - t0) / 1000);
		}
	}
	r->us = now_us() - t0;
	ret = 0;
out:
	/*
	 * A failure stops the clients; closing the sockets first spares those
	 * waiting for an echo their timeout.
	 */
	if (ret) {
		atomic_store(&ld.failed, 1);
		srv_close(srv);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(cl[i].thread, NULL);
	if (!ret && atomic_load(&ld.failed))
		ret = -1;
	r->cycles = srv->done;
	r->checked = atomic_load(&ld.checked);
	r->echoed = srv->echoed;
	for (n = 0; n < cycles; n++) {
		char req[REQ_MAX];

		r->expected += req_fill(req, n);
	}
	r->same_sockets = true;
	r->min_uses = (unsigned long)-1;
	for (i = 0; i < POOL; i++) {
		struct conn *c = &srv->conn[i];

		if (c->s != first[i])
			r->same_sockets = false;
		if (c->uses < r->min_uses)
			r->min_uses = c->uses;
		if (c->uses > r->max_uses)
			r->max_uses = c->uses;
	}
	srv_close(srv);
	/* After a failure: the aborted operations' packets, before free(). */
	while (ret && srv->port &&
	       (GetQueuedCompletionStatus(srv->port, &bytes, &key, &ov, 200) ||
		ov))
		;
	if (srv->port)
		CloseHandle(srv->port);
	snprintf(why, whylen, "%s", ld.why[0] ? ld.why : srv->why);
	free(srv);
	return ret;
}

/*
 * 16 accept sockets, DCX_ACCEPT_CYCLES connections: the whole of the
 * server's reuse loop, with nothing left behind.
 */
TEST_F_TIMEOUT(acc, pool_reuse_cycles, 900)
{
	unsigned long cycles = env_count("DCX_ACCEPT_CYCLES", DEF_CYCLES);
	struct census before, after;
	char why[160];
	int grown, settle_ms;
	struct run r;

	VM_REQUIRE();
	ASSERT_GE(cycles, (unsigned long)POOL);
	/* A warm-up run: the library's lasting fds, the caches' slabs. */
	ASSERT_EQ(0, run_pool(variant->family, WARMUP, &r, why, sizeof(why),
			      false, _metadata)) TH_LOG("warm-up: %s", why);
	stable_census(&before);

	EXPECT_EQ(0, run_pool(variant->family, cycles, &r, why, sizeof(why),
			      true, _metadata)) TH_LOG("%s", why);
	settle_ms = settle_census(&before, &after);
	TH_LOG("%lu cycles in %lld ms: %.0f cycles/s; uses per socket %lu..%lu",
	       r.cycles, (long long)r.us / 1000,
	       r.us ? r.cycles * 1e6 / (double)r.us : 0.0, r.min_uses,
	       r.max_uses);
	log_census(_metadata, &before, &after, settle_ms);

	EXPECT_EQ(cycles, r.cycles);
	EXPECT_EQ(cycles, r.checked);
	EXPECT_EQ(r.expected, r.echoed);
	EXPECT_TRUE(r.same_sockets);
	/* About cycles / POOL each: none left out, none hogging. */
	EXPECT_LE(cycles / POOL / 2, r.min_uses);
	EXPECT_GE(cycles / POOL * 2, r.max_uses);

	EXPECT_EQ(before.fds, after.fds);
	grown = census_grown(&before, &after, SLAB_TOLERANCE);
	if (slabs_judged()) {
		EXPECT_TRUE(after.slabinfo) TH_LOG("no /proc/slabinfo");
		EXPECT_EQ(-1, grown) TH_LOG("%s grew past %d",
					    grown < 0 ? "" : slab_names[grown],
					    SLAB_TOLERANCE);
	}
}

/* ---- the server closes first ------------------------------------------ */

/*
 * ACTIVE_ROUNDS clients on one accept socket, by event: AcceptEx (with a
 * receive part every other round), echo, DisconnectEx(TF_REUSE_SOCKET)
 * at once. The client reads the echo and then a FIN - never a reset - and
 * ends (close(), or DisconnectEx in half the rounds); the server's
 * DisconnectEx must not have completed before that, and must complete one
 * round trip after it (ACTIVE_MEDIAN_MS, ACTIVE_BOUND_MS): no TIME_WAIT.
 */
static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F(acc, active_close)
{
	int64_t dt[ACTIVE_ROUNDS], sum = 0, t0, bound_ms;
	struct tst_addr addr;
	char buf[BUFSZ], req[REQ_MAX];
	OVERLAPPED aov, dov;
	size_t len, got, extra;
	SOCKET l, a, c;
	int r, end, early = 0;
	DWORD bytes;
	ssize_t n;

	VM_REQUIRE();
	bound_ms = debug_kernel() ? ACTIVE_DEBUG_BOUND_MS : ACTIVE_BOUND_MS;
	l = tst_listen(variant->family, 1024, &addr);
	ASSERT_GE(l, 0);
	a = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, a);
	memset(&aov, 0, sizeof(aov));
	memset(&dov, 0, sizeof(dov));
	aov.hEvent = WSACreateEvent();
	dov.hEvent = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, aov.hEvent);
	ASSERT_NE(WSA_INVALID_EVENT, dov.hEvent);

	for (r = 0; r < ACTIVE_ROUNDS; r++) {
		bool rx = r % 2 == 0, client_dx = r % 4 >= 2;

		len = req_fill(req, (unsigned long)r);
		if (rx && len > RXLEN)
			len = RXLEN;
		ASSERT_FALSE(AcceptEx(l, a, buf, rx ? RXLEN : 0, SLOT, SLOT,
				      &bytes, &aov));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError()) TH_LOG("round %d", r);
		c = tst_connect(-1, &addr);
		ASSERT_GE(c, 0);
		ASSERT_EQ(0, send_all(c, req, len));

		ASSERT_EQ(0, tst_overlapped_result(&aov, &bytes, VM_TIMEOUT_MS))
			TH_LOG("round %d", r);
		ASSERT_EQ(0, update_accept_context(a, l));
		got = rx ? bytes : 0;
		/* Linux reads for the rest of the request. */
		while (got < len) {
			n = recv(a, buf + got, len - got, 0);
			ASSERT_LT(0, n) TH_LOG("round %d: errno %d", r, errno);
			got += (size_t)n;
		}
		ASSERT_EQ(len, got);
		ASSERT_EQ(0, memcmp(buf, req, len));
		ASSERT_EQ(0, send_all(a, buf, len));
		ASSERT_FALSE(DisconnectEx(a, &dov, TF_REUSE_SOCKET, 0));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());

		/* The client: its echo, then our FIN. */
		ASSERT_EQ(0, tst_recv_exact(c, req, len, VM_TIMEOUT_MS));
		ASSERT_EQ(0, memcmp(buf, req, len));
		end = tst_read_to_end(c, &extra, VM_TIMEOUT_MS);
		EXPECT_EQ(0, end) TH_LOG("round %d: a reset or nothing: %d",
					 r, end);
		EXPECT_EQ(0U, extra);
		/* It waits for the client's FIN. */
		if (WSAWaitForMultipleEvents(1, &dov.hEvent, FALSE, 0, FALSE) ==
		    WSA_WAIT_EVENT_0)
			early++;

		t0 = now_us();
		if (client_dx)
			EXPECT_TRUE(DisconnectEx(c, NULL, TF_REUSE_SOCKET, 0))
				TH_LOG("round %d: client %d", r,
				       WSAGetLastError());
		closesocket(c);
		ASSERT_EQ(0, tst_overlapped_result(&dov, &bytes, VM_TIMEOUT_MS))
			TH_LOG("round %d", r);
		dt[r] = now_us() - t0;
		sum += dt[r];
		EXPECT_GT(bound_ms * 1000, dt[r]) TH_LOG("round %d", r);
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(a));
	}
	qsort(dt, ACTIVE_ROUNDS, sizeof(dt[0]), cmp_i64);
	TH_LOG("server's DisconnectEx after the client's close: median %lld us, mean %lld us, worst %lld us over %d rounds; %d done before it",
	       (long long)dt[ACTIVE_ROUNDS / 2],
	       (long long)(sum / ACTIVE_ROUNDS),
	       (long long)dt[ACTIVE_ROUNDS - 1], ACTIVE_ROUNDS, early);
	EXPECT_GT(ACTIVE_MEDIAN_MS * 1000, dt[ACTIVE_ROUNDS / 2]);
	EXPECT_EQ(0, early);

	/* And once more: the recycled socket serves. */
	ASSERT_FALSE(AcceptEx(l, a, buf, 0, SLOT, SLOT, &bytes, &aov));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	c = tst_connect(-1, &addr);
	ASSERT_GE(c, 0);
	ASSERT_EQ(0, tst_overlapped_result(&aov, &bytes, VM_TIMEOUT_MS));
	ASSERT_EQ(0, send_all(c, "last", 4));
	ASSERT_EQ(0, tst_recv_exact(a, buf, 4, VM_TIMEOUT_MS));
	EXPECT_EQ(0, memcmp(buf, "last", 4));
	closesocket(c);
	closesocket(a);
	closesocket(l);
	WSACloseEvent(aov.hEvent);
	WSACloseEvent(dov.hEvent);
}

/* ---- one socket, both roles ------------------------------------------- */

/*
 * One SOCKET: ConnectEx'd (a plain accept() serves it), recycled with
 * DisconnectEx(TF_REUSE_SOCKET) after an active close, then handed to
 * AcceptEx; the client closes first, the socket is recycled again and
 * ConnectEx's again - three times round. Each time it is the connection:
 * data both ways, the right names.
 */
TEST_F(acc, connectex_then_acceptex)
{
	struct tst_addr addr;
	struct sockaddr_storage me, peer;
	socklen_t len;
	char buf[BUFSZ];
	OVERLAPPED ov;
	SOCKET l, s, c;
	size_t extra;
	DWORD bytes;
	int round, sfd;

	VM_REQUIRE();
	l = tst_listen(variant->family, 1024, &addr);
	ASSERT_GE(l, 0);
	s = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, s);
	tst_ov_init(&ov);
	ASSERT_NE(WSA_INVALID_EVENT, ov.hEvent);

	for (round = 0; round < 3; round++) {
		/* The client role. */
		ASSERT_FALSE(ConnectEx(s, (struct sockaddr *)&addr.ss, (int)addr.len,
				       "hello", 5, NULL, &ov));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
		ASSERT_EQ(0, tst_overlapped_result(&ov, &bytes, VM_TIMEOUT_MS))
			TH_LOG("round %d", round);
		EXPECT_EQ(5U, bytes);
		sfd = tst_accept(l, VM_TIMEOUT_MS);
		ASSERT_GE(sfd, 0);
		ASSERT_EQ(0, tst_recv_exact(sfd, buf, 5, VM_TIMEOUT_MS));
		ASSERT_EQ(0, send_all(sfd, "olleh", 5));
		ASSERT_EQ(0, tst_recv_exact(s, buf, 5, VM_TIMEOUT_MS));
		EXPECT_EQ(0, memcmp(buf, "olleh", 5));
		ASSERT_FALSE(DisconnectEx(s, &ov, TF_REUSE_SOCKET, 0));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
		EXPECT_EQ(0, tst_read_to_end(sfd, &extra, VM_TIMEOUT_MS));
		close(sfd);
		ASSERT_EQ(0, tst_overlapped_result(&ov, &bytes, VM_TIMEOUT_MS))
			TH_LOG("round %d", round);
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(s));

		/* The same SOCKET in the server role. */
		ASSERT_FALSE(AcceptEx(l, s, buf, RXLEN, SLOT, SLOT, &bytes,
				      &ov));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError())
			TH_LOG("round %d: AcceptEx into the recycled client socket",
			       round);
		c = tst_connect(-1, &addr);
		ASSERT_GE(c, 0);
		ASSERT_EQ(0, send_all(c, "world", 5));
		ASSERT_EQ(0, tst_overlapped_result(&ov, &bytes, VM_TIMEOUT_MS))
			TH_LOG("round %d", round);
		EXPECT_EQ(5U, bytes);
		EXPECT_EQ(0, memcmp(buf, "world", 5));
		ASSERT_EQ(0, update_accept_context(s, l));
		len = sizeof(peer);
		ASSERT_EQ(0, getpeername(s, (struct sockaddr *)&peer, &len));
		len = sizeof(me);
		ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&me, &len));
		EXPECT_TRUE(tst_same_addr((struct sockaddr *)&peer,
					  (struct sockaddr *)&me));
		len = sizeof(me);
		ASSERT_EQ(0, getsockname(s, (struct sockaddr *)&me, &len));
		EXPECT_TRUE(tst_same_addr((struct sockaddr *)&addr.ss,
					  (struct sockaddr *)&me));
		ASSERT_EQ(0, send_all(s, "dlrow", 5));
		ASSERT_EQ(0, tst_recv_exact(c, buf, 5, VM_TIMEOUT_MS));
		EXPECT_EQ(0, memcmp(buf, "dlrow", 5));
		close(c);
		EXPECT_EQ(0, tst_read_to_end(s, &extra, VM_TIMEOUT_MS));
		EXPECT_EQ(0, tst_disconnect_wsa(s, TF_REUSE_SOCKET, 0,
						VM_TIMEOUT_MS));
		EXPECT_EQ(TCP_CLOSE, tst_tcp_state(s));
	}
	WSACloseEvent(ov.hEvent);
	closesocket(s);
	closesocket(l);
}

TEST_HARNESS_MAIN
