// SPDX-License-Identifier: GPL-2.0
/* portbench: the Winsock servers' shared socket calls; see wsa.h. */
#include <string.h>

#include "wsa.h"

int pb_wsa_recv(SOCKET s, WSABUF *wb, OVERLAPPED *ov)
{
	DWORD flags = 0;

	memset(ov, 0, sizeof(*ov));
	if (!WSARecv(s, wb, 1, NULL, &flags, ov, NULL))
		return 0;
	return WSAGetLastError();
}

void pb_wsa_close(SOCKET s)
{
	if (s != INVALID_SOCKET)
		closesocket(s);
}

void pb_wsa_end(HANDLE port, bool wsa)
{
	if (port)
		CloseHandle(port);
	if (wsa)
		WSACleanup();
}
