/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/ guest tuning: what a benchmark changes in the guest before it
 * measures - sysctls, kprobes, tracefs triggers. Only ever inside the test
 * VM (dcxbench runs only where /dev/disconnectex is). Reading the guest's
 * counters is guest.h's.
 */
#ifndef BENCH_TUNE_H
#define BENCH_TUNE_H

#define TRACEFS		"/sys/kernel/tracing/"

/* Write @text to a /proc, /sys or tracefs file in one write(); 0 or -errno. */
int tune_write(const char *path, int flags, const char *text);

/* tracefs, mounted at TRACEFS if it is not yet. */
void tune_tracefs(void);

/*
 * W2 connects 10,000 sockets to one listener at once, and the churn leaves
 * a TIME_WAIT per connection behind: a deep accept queue and the whole
 * port range keep setup failures out of the figures. Every variant runs
 * with the same settings; each is logged.
 */
void tune_sysctls(void);

/*
 * --repeatable: quickack 1 (RTAX_QUICKACK) on the local table's loopback
 * routes, 127.0.0.0/8 and 127.0.0.1/32, over rtnetlink (the VM has no ip(8)).
 * Without it a burst of 10,000 FINs sometimes retransmits, as the peer's
 * delayed ACK races the loss-probe timer. Connections to 127.0.0.1 take
 * the /32 (the longest match), so both get it; then a lookup of the route
 * 127.0.0.1 matches (RTM_F_FIB_MATCH) must show quickack 1. 0 or -errno,
 * each failure logged with the kernel's own message if it gave one.
 */
int tune_lo_quickack(void);

/*
 * --module-b: the module @name replaced by the one in file @path, without
 * parameters, as the VM's init loads it. Nothing may hold the module (the
 * device closed). 0 or -errno, logged.
 */
int tune_module_replace(const char *name, const char *path);

/*
 * --profile: a kprobe on each of tune_probes[], counted in
 * kprobe_profile (tracing itself stays off, so a hit costs the probe and
 * nothing more). perf does not exist in the VM; hits per connection say
 * what each variant makes the kernel do. The probes slow everything down:
 * a profiling run's rates are not the benchmark's. tune_nprobes is 0 until
 * tune_probes_setup() succeeds.
 */
#define TUNE_MAX_PROBES		14
struct tune_probe {
	const char *func;	/* a kernel or module function */
	const char *what;	/* what its hits count, for the report */
};
extern const struct tune_probe tune_probes[TUNE_MAX_PROBES];
extern int tune_nprobes;

/* The index of @func's probe, or -1 (also while none is set up). */
int tune_probe_index(const char *func);

int tune_probes_setup(void);			/* 0 or -errno */
void tune_probes_read(unsigned long long *hits);	/* tune_nprobes of them */

#endif /* BENCH_TUNE_H */
