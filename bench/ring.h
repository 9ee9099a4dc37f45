/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ shared layer, liburing side: included only by the .c files that
 * drive an io_uring (no portbench header includes <liburing.h>).
 */
#ifndef BENCH_RING_H
#define BENCH_RING_H

#include <liburing.h>

/*
 * An SQE of @ring, submitting what is queued first if the SQ is full. With
 * an empty SQ there is always one; if not, nothing sane can go on: abort().
 */
struct io_uring_sqe *bench_sqe(struct io_uring *ring);

#endif /* BENCH_RING_H */
