// SPDX-License-Identifier: GPL-2.0
/* bench/ shared layer, liburing side: see ring.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ring.h"

struct io_uring_sqe *bench_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	if (!sqe) {
		fprintf(stderr, "%s: no SQE after a submit\n",
			program_invocation_short_name);
		abort();
	}
	return sqe;
}
