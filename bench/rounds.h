/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dcxbench's variant table and its rounds: which variants run, in which
 * order, and every round's result of each.
 */
#ifndef DCXBENCH_ROUNDS_H
#define DCXBENCH_ROUNDS_H

#include <stdbool.h>

#include "floor.h"
#include "frame.h"
#include "workload.h"

#define DCXB_MAX_VARIANTS	24
#define DCXB_MAX_ROUNDS		31
#define DCXB_W1_CONCS		3

/* W1's concurrencies: 1, 64, 1024. */
extern const int dcxb_w1_concs[DCXB_W1_CONCS];

struct dcxb_rounds {
	int rounds;			/* 1..DCXB_MAX_ROUNDS */
	int w2_rounds;			/* W2 in this many of them */
	bool repeatable;		/* --repeatable: the A/A, a warm-up, report.c's table */
	const char *module_b;		/* --module-b: the A/B variant */
	long warmup_failures;		/* --repeatable: of the unmeasured W2 pass */
	long floor_failures;		/* rounds whose floor could not be measured */
	int nvariants;
	struct dcxb_variant variants[DCXB_MAX_VARIANTS];
	struct dcxb_result results[DCXB_MAX_VARIANTS][DCXB_MAX_ROUNDS];
	/*
	 * Measured at the end of each round that runs W2 (of each, without
	 * W2), floor_n ops of each part; NAN in the others.
	 */
	struct dcxb_floor floor[DCXB_MAX_ROUNDS];
	int floor_n;
};

/*
 * The variants in groups that run back to back, the baseline first in
 * each (its own base): W1's three ways at each concurrency and blocking,
 * then W2's six at @n, graceful the baseline, with t->repeatable a
 * seventh, the kernel's again (the A/A).
 */
void dcxb_rounds_build(struct dcxb_rounds *t, bool w1, bool w2, int n);
/* The index of a variant, or -1. */
int dcxb_rounds_find(const struct dcxb_rounds *t, int workload,
		     enum dcxb_way way, bool blocking, int conc);
/* Every round, each in another order; progress on stdout. */
void dcxb_rounds_run(struct dcxb_ctx *c, struct dcxb_rounds *t);
/* Failures of all variants in all rounds. */
long dcxb_rounds_failures(const struct dcxb_rounds *t);

#endif /* DCXBENCH_ROUNDS_H */
