/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ bottom layer: what every benchmark program uses - a progress line
 * and the clock. No benchmark knowledge here.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

/* One line (newline added) to stdout, flushed: the VM's results port. */
void bench_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double bench_now(void);			/* CLOCK_MONOTONIC, seconds */

#endif /* BENCH_UTIL_H */
