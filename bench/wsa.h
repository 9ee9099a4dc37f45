/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portbench: what its two Winsock servers, P1's completion port
 * (echo_port.c) and P2's idle sockets (idle_port.c), do alike to a socket
 * and to the port they put it on (wsa.c).
 *
 * The one portbench header that includes <winsock2.h>: it is for the .c
 * files that already see that API and no other, so no names can clash.
 */
#ifndef PB_WSA_H
#define PB_WSA_H

#include <stdbool.h>

#include <winsock2.h>
#include <windows.h>

/* @s as the HANDLE CreateIoCompletionPort() takes. */
static inline HANDLE pb_wsa_handle(SOCKET s)
{
	return (HANDLE)(ULONG_PTR)s;
}

/*
 * An overlapped WSARecv() on @s into @wb, on @ov (zeroed first): 0 when it
 * completed at once, else WSAGetLastError() - WSA_IO_PENDING when it is
 * under way. Both complete through the port @s is on.
 */
int pb_wsa_recv(SOCKET s, WSABUF *wb, OVERLAPPED *ov);

/* closesocket(@s) unless it is INVALID_SOCKET. */
void pb_wsa_close(SOCKET s);
/* The port closed unless NULL, then WSACleanup() if @wsa (WSAStartup() ran). */
void pb_wsa_end(HANDLE port, bool wsa);

#endif /* PB_WSA_H */
