/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ guest measurement: the guest's own counters, read-only. Nothing
 * here writes to the guest; tuning it (sysctls, kprobes) is tune.h's.
 *
 * CPU comes from /proc/stat for the whole guest, not from getrusage(): the
 * kernel backend does its work in softirq and in kworkers, which no rusage
 * of ours would ever see. Threads come from the "processes" counter (every
 * task the kernel created - nothing else forks in the test VM while we run)
 * and from the children of kthreadd. Memory comes from meminfo's Slab and,
 * per cache, from /proc/slabinfo (slab_nomerge keeps dcx_op on its own).
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The whole of a small /proc or /sys file, NUL-terminated; length or -errno. */
ssize_t guest_read_text(const char *path, char *buf, size_t size);

/*
 * How fast the guest runs right now: a spin loop's iterations per us over
 * 20 ms. The host is shared and QEMU's vCPU threads lose the CPU to
 * whatever else it runs, which the guest cannot see (no steal time under
 * TCG). A round whose figures are off shows up here as a low value.
 */
double guest_speed(void);
double guest_tick_us(void);		/* one USER_HZ tick in us */

/*
 * The repeatable mode's CPU meter: a SCHED_IDLE thread that runs
 * guest_speed()'s loop whenever nothing else wants the (one) CPU. The time
 * it did not get is the time everything else used: elapsed minus its
 * iterations over guest_speed() taken while idle. Its iterations rather
 * than its own CPU time, because this kernel has no IRQ_TIME_ACCOUNTING:
 * an interrupt or softirq that hits the spinner is charged to it, but
 * does not iterate. Under -icount shift=0 a guest ns is an instruction.
 * One spinner at a time; guest_spins() is 0 while none runs.
 */
int guest_spinner_start(void);		/* 0 or -errno */
unsigned long long guest_spins(void);	/* iterations since the start */
void guest_spinner_stop(void);

/* /proc/stat, guest-wide, in ticks. */
struct guest_cpu {
	unsigned long long user;	/* user + nice */
	unsigned long long sys;		/* system + irq + softirq */
	unsigned long long irq;		/* irq + softirq */
	unsigned long long forks;	/* "processes" */
	unsigned long long ctxt;	/* context switches */
};

int guest_cpu_read(struct guest_cpu *c);	/* 0 or -EIO */

/*
 * Tasks whose parent is kthreadd: the kernel threads, kworkers included;
 * and, if @ticks, the CPU ticks they have used (user + system).
 */
long guest_kthreads(unsigned long long *ticks);

#define GUEST_MAX_CACHES	512

/* Kernel memory: meminfo's Slab and /proc/slabinfo's caches. */
struct guest_mem {
	long long slab;		/* meminfo Slab, bytes */
	long long objs;		/* sum of active_objs * objsize; -1 without slabinfo */
	long long kiocb;	/* io_kiocb cache, active bytes */
	long long dcxop;	/* dcx_op cache, active bytes */
	bool slabinfo;
	int ncaches;
	struct {
		char name[32];
		long long bytes;
	} cache[GUEST_MAX_CACHES];
};

void guest_mem_read(struct guest_mem *m);

/*
 * The @max caches that grew or shrank most from @a to @b (none by less
 * than 4 B per op), in bytes per @per operations, as "name +N, name -N":
 * where the memory of an operation in flight really goes.
 */
void guest_mem_top(const struct guest_mem *a, const struct guest_mem *b,
		   long per, int max, char *buf, size_t len);

/*
 * /proc/net/sockstat's TCP line and sockstat6's TCP6 one. tw counts the
 * TIME_WAITs of both families (one table); orphans are sockets closed by
 * their process that TCP still works on (FIN_WAIT1, LAST_ACK, ...).
 */
struct guest_sockstat {
	long inuse, orphan, tw, alloc;	/* TCP */
	long inuse6;			/* TCP6 */
};

int guest_sockstat_read(struct guest_sockstat *s);	/* 0 or -EIO */

/* A counter of the module's /sys/class/misc/disconnectex/stats/; -1 if none. */
long guest_dcx_stat(const char *name);

#endif /* BENCH_GUEST_H */
