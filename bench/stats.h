/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ statistics: one quantile function for every figure - the medians
 * and quartiles over rounds and the p50/p99 of latency samples alike, so
 * that no two tables disagree on what "median" means.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdbool.h>
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
 * One figure of a result struct: a long or a double field found by its
 * offset, or one computed from several (@fn). A program lists the fields it
 * takes quantiles of over rounds once, as a table of these, and walks it.
 * BENCH_FIELD(type, field) makes one; a field of any other type does not
 * compile.
 */
struct bench_field {
	size_t off;
	bool is_long;
	double (*fn)(const void *r);	/* if set: the figure, computed */
};

#define BENCH_FIELD(type, field)					\
	{ .off = offsetof(type, field),					\
	  .is_long = _Generic(((type *)0)->field, long: true, double: false) }

double bench_field_get(const void *r, const struct bench_field *f);
/* A long field gets @v rounded to the nearest; a computed one, nothing. */
void bench_field_set(void *r, const struct bench_field *f, double v);

#endif /* BENCH_STATS_H */
