// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The slow paths of dcx_lock_t (internal.h): sleeping on a held lock and
 * waking a sleeper. A thread that finds the lock held marks it contended
 * (2) and sleeps while it stays so; whoever releases a contended lock
 * wakes one sleeper, which takes it marked contended again, since others
 * may still be asleep.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* errno is kept, as pthread_mutex_lock() keeps it. */
void dcx_lock_wait(dcx_lock_t *l)
{
	DCX_SAVE_ERRNO;

	while (__atomic_exchange_n(&l->v, 2, __ATOMIC_ACQUIRE) != 0)
		syscall(SYS_futex, &l->v, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
	DCX_RESTORE_ERRNO;
}

void dcx_lock_wake(dcx_lock_t *l)
{
	DCX_SAVE_ERRNO;

	syscall(SYS_futex, &l->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	DCX_RESTORE_ERRNO;
}
