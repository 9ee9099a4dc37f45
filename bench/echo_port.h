/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench P1: the server on one completion port, through the Windows API
 * only (echo_port.c).
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_ECHO_PORT_H
#define PB_ECHO_PORT_H

#include "echo.h"

/*
 * Each serves @n accepted connections of
 * @lfd with @threads threads until every one has ended. start returns an
 * opaque server (NULL on failure, with a message), wait joins its threads
 * and frees it.
 */
void *pb_port_start(int lfd, int n, int threads, struct pb_counts *c);
void pb_port_wait(void *srv);

#endif /* PB_ECHO_PORT_H */
