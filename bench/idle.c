// SPDX-License-Identifier: GPL-2.0
/*
 * portbench P2: N connected, silent sockets, a receive pending on each.
 *
 * One process holds both ends (2N sockets: RLIMIT_NOFILE is raised by
 * main()). The peers connect one at a time and the server side takes each
 * with Winsock's accept(); then, on the same N server sockets:
 *
 *   stage            what is added                     measured against
 *   connected        -                                 (the baseline)
 *   liburing         a recv SQE on each, one io_uring  connected
 *   ring gone        the recvs cancelled, ring closed  -
 *   associated       CreateIoCompletionPort on each    ring gone
 *   pending          an overlapped WSARecv on each     associated
 *   done             the peers reset, N packets        -
 *
 * At each stage: threads of this process (/proc/self/task), tasks the
 * guest created ("processes" in /proc/stat), VmRSS, malloc'd bytes
 * (mallinfo2), meminfo Slab and the slab objects of /proc/slabinfo. The
 * liburing ring and the port are created before the baseline, and the
 * program's OVERLAPPEDs and buffers too, so a delta divided by N is what
 * one pending receive costs in the library (heap) and in the kernel
 * (slab), and nothing else. The liburing row is the kernel's own cost of a
 * pending recv, for comparison.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <liburing.h>

#include "guest.h"
#include "idle.h"
#include "idle_port.h"
#include "pbstat.h"
#include "util.h"

#define DRAIN_MS	30000
#define SETTLE_S	3.0

static struct guest_mem slabs[6];

static void stage(struct pb_idle_result *r, int k)
{
	struct pb_idle_stage *s = &r->s[k];
	struct guest_cpu cpu = { 0 };

	guest_mem_read(&slabs[k]);
	guest_cpu_read(&cpu);
	s->forks = cpu.forks;
	s->tasks = pb_tasks();
	s->rss = pb_rss();
	s->heap = pb_heap();
	s->slab = slabs[k].slab;
	s->objs = slabs[k].objs;
	s->t = bench_now();
}

static int peer_connect(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* With an RST, so that no TIME_WAIT is left and each receive fails. */
static void peer_reset(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static int uring_init(struct io_uring *ring, int n)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
		.cq_entries = 2 * n + 8,
	};

	return io_uring_queue_init_params(1024, ring, &p);
}

/* A recv on each socket, the "liburing" stage, then all cancelled. */
static int uring_stage(struct io_uring *ring, struct pb_idle_port *ip, int n,
		       struct pb_idle_result *r)
{
	struct __kernel_timespec ts = { .tv_sec = 1 };
	double deadline, t = bench_now();
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int i, got = 0, ret;
	size_t len;
	void *buf;

	for (i = 0; i < n; i++) {
		sqe = io_uring_get_sqe(ring);
		buf = pb_idle_port_buf(ip, i, &len);
		io_uring_prep_recv(sqe, pb_idle_port_fd(ip, i), buf, len, 0);
		io_uring_sqe_set_data64(sqe, i + 1);
		/* One submission each, as each WSARecv() makes. */
		io_uring_submit(ring);
	}
	r->uring_submit_us = (bench_now() - t) * 1e6 / n;
	if (!io_uring_peek_cqe(ring, &cqe)) {
		bench_log("# portbench: P2: a recv completed while every peer is silent (%d)",
		       cqe->res);
		return -EPROTO;
	}
	stage(r, PB_IDLE_URING);

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(sqe, 0);
	io_uring_submit(ring);
	deadline = bench_now() + 10;
	while (got < n + 1 && bench_now() < deadline) {
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
		if (ret == -ETIME || ret == -EINTR)
			continue;
		if (ret)
			return ret;
		if (cqe->user_data && cqe->res != -ECANCELED) {
			bench_log("# portbench: P2: a recv ended with %d, not -ECANCELED",
			       cqe->res);
			return -EPROTO;
		}
		io_uring_cqe_seen(ring, cqe);
		got++;
	}
	return got == n + 1 ? 0 : -ETIMEDOUT;
}

/* io_uring frees a closed ring's requests from a workqueue: wait for it. */
static void settle(const struct pb_idle_result *r, int n)
{
	double deadline = bench_now() + SETTLE_S;
	struct guest_mem now;

	do {
		guest_mem_read(&now);
		if (now.objs < 0 || now.objs <= r->s[PB_IDLE_CONNECTED].objs + n * 16LL)
			return;
		usleep(50000);
	} while (bench_now() < deadline);
}

int pb_idle_run(int n, struct pb_idle_result *r)
{
	struct pb_idle_port *ip;
	struct io_uring ring;
	struct sockaddr_in addr;
	int *peers, lfd, i, ret, npeers = 0;
	bool ring_ok = false;
	double t;

	memset(r, 0, sizeof(*r));
	r->n = n;
	peers = calloc(n, sizeof(*peers));
	ip = pb_idle_port_new(n);
	lfd = pb_listen(&addr, 1024);
	ret = !peers || !ip ? -ENOMEM : lfd < 0 ? lfd : 0;
	if (!ret) {
		ret = uring_init(&ring, n);
		ring_ok = !ret;
	}
	t = bench_now();
	for (i = 0; i < n && !ret; i++) {
		ret = peers[i] = peer_connect(&addr);
		if (ret < 0)
			break;
		npeers++;
		ret = pb_idle_port_accept(ip, i, lfd) ? -EIO : 0;
	}
	if (ret) {
		bench_log("# portbench: P2: setup, connection %d of %d: %s", i, n,
		       strerror(-ret));
		goto out;
	}
	r->setup_s = bench_now() - t;
	stage(r, PB_IDLE_CONNECTED);

	ret = uring_stage(&ring, ip, n, r);
	io_uring_queue_exit(&ring);
	ring_ok = false;
	if (ret) {
		bench_log("# portbench: P2: liburing stage: %s", strerror(-ret));
		goto out;
	}
	settle(r, n);
	stage(r, PB_IDLE_URING_GONE);

	r->failures += pb_idle_port_assoc(ip);
	stage(r, PB_IDLE_ASSOC);
	t = bench_now();
	r->failures += pb_idle_port_recv(ip);
	r->submit_us = (bench_now() - t) * 1e6 / n;
	stage(r, PB_IDLE_PENDING);
	guest_mem_top(&slabs[PB_IDLE_CONNECTED], &slabs[PB_IDLE_URING], n, 6,
		      r->uring_top, sizeof(r->uring_top));
	guest_mem_top(&slabs[PB_IDLE_ASSOC], &slabs[PB_IDLE_PENDING], n, 6,
		      r->port_top, sizeof(r->port_top));

	for (i = 0; i < npeers; i++)
		peer_reset(peers[i]);
	npeers = 0;
	r->packets = pb_idle_port_drain(ip, DRAIN_MS);
	if (r->packets != n) {
		bench_log("# portbench: P2: %ld of %d receives reported once", r->packets, n);
		r->failures++;
	}
	stage(r, PB_IDLE_DONE);

out:
	if (ret)
		r->failures++;
	for (i = 0; i < npeers; i++)
		peer_reset(peers[i]);
	if (ring_ok)
		io_uring_queue_exit(&ring);
	pb_idle_port_free(ip);
	if (lfd >= 0)
		close(lfd);
	free(peers);
	return ret;
}
