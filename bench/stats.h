/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ statistics: one quantile function for every figure - the medians
 * and quartiles over rounds and the p50/p99 of latency samples alike, so
 * that no two tables disagree on what "median" means.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>

/*
 * The @q quantile (0..1) of the values of @v that are not NaN, linearly
 * interpolated between the two nearest ranks (Hyndman & Fan type 7, as R's
 * and numpy's default); NaN if there are none. Reorders @v: the NaNs are
 * dropped from the front and the rest sorted.
 */
double bench_quantile(double *v, size_t n, double q);

/* Samples of one run (latencies, in microseconds), growing as they come. */
struct bench_samples {
	double *v;
	size_t n, cap;
};

void bench_samples_add(struct bench_samples *s, double x);
void bench_samples_free(struct bench_samples *s);

/*
 * f_@field(): @field of a result of @type as a double, for the helpers that
 * take a quantile of one field over rounds.
 */
#define BENCH_FIELD_FN(type, field)					\
	static double f_##field(const type *r)				\
	{ return (double)r->field; }

#endif /* BENCH_STATS_H */
