/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench --syscalls: the server's system calls, counted by a histogram
 * trigger on raw_syscalls:sys_enter (pbtrace.c).
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_TRACE_H
#define PB_TRACE_H

#include <sys/types.h>

/* --syscalls: system calls by name, per request. */
#define PB_MAX_SYSCALLS		64

struct pb_syscalls {
	int n;
	double total;
	double dropped;		/* hits of names beyond the table */
	char name[PB_MAX_SYSCALLS][32];
	double count[PB_MAX_SYSCALLS];
};

int pb_trace_start(void);
void pb_trace_stop(void);
int pb_trace_read(pid_t tgid, struct pb_syscalls *sc);
void pb_syscalls_delta(const struct pb_syscalls *a, const struct pb_syscalls *b,
		       double per, struct pb_syscalls *out);

#endif /* PB_TRACE_H */
