// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The process's own pid and the calling thread's tid, each looked up once:
 * glibc caches neither. The pid is what the memory probes (probe.c) point
 * process_vm_*v() at, the tid what CancelIo() matches operations by
 * (cancel.c). A forked child must look again - a stale pid would point the
 * probes at the parent - so the first lookup registers a fork handler of
 * its own, whether or not the engine ever started. In the child the only
 * thread is the one that forked, so forgetting its tid forgets them all.
 */
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "internal.h"

static pid_t dcx_pid;
static __thread pid_t dcx_tid;
static pthread_once_t dcx_ids_once = PTHREAD_ONCE_INIT;

static void dcx_ids_forget(void)
{
	dcx_pid = 0;
	dcx_tid = 0;
}

static void dcx_ids_register(void)
{
	pthread_atfork(NULL, NULL, dcx_ids_forget);
}

pid_t dcx_getpid(void)
{
	pid_t pid;

	pthread_once(&dcx_ids_once, dcx_ids_register);
	pid = __atomic_load_n(&dcx_pid, __ATOMIC_RELAXED);
	if (!pid) {
		pid = getpid();
		__atomic_store_n(&dcx_pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

pid_t dcx_gettid(void)
{
	if (!dcx_tid) {
		pthread_once(&dcx_ids_once, dcx_ids_register);
		dcx_tid = (pid_t)syscall(SYS_gettid);
	}
	return dcx_tid;
}
