/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench P1: the server on one io_uring, through liburing only
 * (echo_uring.c); as echo_port.h's, with @batch for one thread batching.
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_ECHO_URING_H
#define PB_ECHO_URING_H

#include <stdbool.h>

#include "echo.h"

void *pb_uring_start(int lfd, int n, int threads, bool batch,
		     struct pb_counts *c);
void pb_uring_wait(void *srv);

#endif /* PB_ECHO_URING_H */
