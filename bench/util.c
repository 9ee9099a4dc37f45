// SPDX-License-Identifier: GPL-2.0
/* bench/ bottom layer: see util.h. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

void bench_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
