// SPDX-License-Identifier: GPL-2.0
/* bench/ statistics: see stats.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double q)
{
	size_t i, m = 0;
	double pos;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			v[m++] = v[i];
	if (!m)
		return NAN;
	qsort(v, m, sizeof(*v), cmp_double);
	pos = q * (m - 1);
	i = (size_t)pos;
	return i + 1 < m ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i];
}

void bench_samples_add(struct bench_samples *s, double x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		double *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return;		/* a sample fewer, not a failed run */
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
}

void bench_samples_free(struct bench_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
