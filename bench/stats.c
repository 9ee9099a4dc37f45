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

double bench_field_get(const void *r, const struct bench_field *f)
{
	const char *p = (const char *)r + f->off;

	if (f->fn)
		return f->fn(r);
	return f->is_long ? (double)*(const long *)p : *(const double *)p;
}

void bench_field_set(void *r, const struct bench_field *f, double v)
{
	char *p = (char *)r + f->off;

	if (f->fn)
		return;
	if (f->is_long)
		*(long *)p = lround(v);
	else
		*(double *)p = v;
}
