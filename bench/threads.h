/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ bottom layer: a server's worker threads, started and joined as a
 * group. No benchmark knowledge here.
 */
#ifndef BENCH_THREADS_H
#define BENCH_THREADS_H

#include <pthread.h>

/*
 * Start @n threads, each running @fn(@arg), into @tid[0..n-1]: how many
 * started. Fewer than @n: pthread_create() failed, and the caller stops the
 * ones that did start (however its threads are told to leave), then joins
 * them.
 */
int bench_threads_start(pthread_t *tid, int n, void *(*fn)(void *), void *arg);
/* Wait for the first @n threads of @tid. */
void bench_threads_join(const pthread_t *tid, int n);

#endif /* BENCH_THREADS_H */
