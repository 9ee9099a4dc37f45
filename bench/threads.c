// SPDX-License-Identifier: GPL-2.0
/* bench/ bottom layer: see threads.h. */
#include "threads.h"

int bench_threads_start(pthread_t *tid, int n, void *(*fn)(void *), void *arg)
{
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, fn, arg))
			break;
	return i;
}

void bench_threads_join(const pthread_t *tid, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
}
