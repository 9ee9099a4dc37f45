/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench P2: the Windows side, on the n accepted sockets (idle_port.c).
 *
 * Like every portbench header, this one includes neither <liburing.h> nor
 * <winsock2.h>: each .c file sees one of the two APIs at most, so neither's
 * names can clash.
 */
#ifndef PB_IDLE_PORT_H
#define PB_IDLE_PORT_H

#include <stddef.h>

struct pb_idle_port;
struct pb_idle_port *pb_idle_port_new(int n);
int pb_idle_port_accept(struct pb_idle_port *ip, int i, int lfd);
int pb_idle_port_assoc(struct pb_idle_port *ip);
int pb_idle_port_recv(struct pb_idle_port *ip);
long pb_idle_port_drain(struct pb_idle_port *ip, int timeout_ms);
int pb_idle_port_fd(const struct pb_idle_port *ip, int i);
void *pb_idle_port_buf(struct pb_idle_port *ip, int i, size_t *len);
void pb_idle_port_free(struct pb_idle_port *ip);

#endif /* PB_IDLE_PORT_H */
