/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench: the process's own counters, and its listener (pbstat.c); the
 * clock and the guest's counters are bench/'s shared layer (util.h, guest.h).
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_STAT_H
#define PB_STAT_H

#include <stdint.h>
#include <netinet/in.h>

long pb_tasks(void);
long long pb_rss(void);
long long pb_heap(void);
uint64_t pb_self_cpu_us(void);
int pb_listen(struct sockaddr_in *addr, int backlog);

#endif /* PB_STAT_H */
