// SPDX-License-Identifier: GPL-2.0
/* dcxbench's floor micro-benchmarks: see floor.h. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <disconnectex.h>

#include "floor.h"
#include "ring.h"
#include "util.h"

/* Requests per submission: W2 submits its disconnects in batches too. */
#define FLOOR_BATCH		64

void dcxb_floor_init(struct dcxb_floor *f)
{
	f->socket_close_us = f->rejected_cmd_us = f->nop_us = f->unconnect_us = NAN;
}

static int floor_socket_close(int n, double *us)
{
	double t0 = bench_now();
	int i, fd;

	for (i = 0; i < n; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	*us = (bench_now() - t0) * 1e6 / n;
	return 0;
}

/*
 * tcp_disconnect() runs for every connect(AF_UNSPEC), whatever the state:
 * on a socket that never connected it has nothing else to do, and sends
 * nothing.
 */
static int floor_unconnect(int n, double *us)
{
	static const struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int i, fd, err = 0;
	double t0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	t0 = bench_now();
	for (i = 0; i < n && !err; i++)
		if (connect(fd, &unspec, sizeof(unspec)))
			err = -errno;
	*us = (bench_now() - t0) * 1e6 / n;
	close(fd);
	return err;
}

/*
 * @n requests in batches, each CQE checked: a NOP must give 0, the
 * module's disconnect of fd -1 -EBADF (turned down at issue, completed
 * inline).
 */
static int floor_ring(struct io_uring *ring, int devfd, bool nop, int n, double *us)
{
	struct io_uring_cqe *cqe;
	int want = nop ? 0 : -EBADF;
	int i, k, batch, ret;
	double t0 = bench_now();

	for (i = 0; i < n; i += batch) {
		batch = n - i < FLOOR_BATCH ? n - i : FLOOR_BATCH;
		for (k = 0; k < batch; k++) {
			struct io_uring_sqe *sqe = bench_sqe(ring);

			if (nop)
				io_uring_prep_nop(sqe);
			else
				dcx_prep_disconnect(sqe, devfd, -1, DCX_REUSE_SOCKET, 1000);
		}
		ret = io_uring_submit_and_wait(ring, batch);
		if (ret < 0)
			return ret;
		for (k = 0; k < batch; k++) {
			ret = io_uring_wait_cqe(ring, &cqe);
			if (ret)
				return ret;
			ret = cqe->res;
			io_uring_cqe_seen(ring, cqe);
			if (ret != want) {
				bench_log("# dcxbench: floor: %s gave %d, not %d",
					  nop ? "NOP" : "uring_cmd of fd -1", ret, want);
				return -EPROTO;
			}
		}
	}
	*us = (bench_now() - t0) * 1e6 / n;
	return 0;
}

int dcxb_floor_measure(struct dcxb_ctx *c, int n, struct dcxb_floor *f)
{
	struct io_uring ring;
	int ret;

	dcxb_floor_init(f);
	ret = io_uring_queue_init(FLOOR_BATCH, &ring, 0);
	if (ret)
		goto fail;
	ret = floor_ring(&ring, c->devfd, true, n, &f->nop_us) ?:
	      floor_ring(&ring, c->devfd, false, n, &f->rejected_cmd_us);
	io_uring_queue_exit(&ring);
	if (!ret)
		ret = floor_socket_close(n, &f->socket_close_us) ?:
		      floor_unconnect(n, &f->unconnect_us);
	if (!ret)
		return 0;
fail:
	bench_log("# dcxbench: floor: %s", strerror(-ret));
	return ret;
}
