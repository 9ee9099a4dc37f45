/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * windows.h - the subset of the Win32 API that libdisconnectex provides on
 * Linux; nothing else of Windows is declared here. The types, constants and
 * Winsock declarations come from <winsock2.h>.
 */
#ifndef DCX_WINDOWS_H
#define DCX_WINDOWS_H

#include <winsock2.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Errors. The thread's last error is one value, as on Windows, where
 * WSAGetLastError() is GetLastError(): each reads what the other's setter,
 * or any call of this library, last stored. See winsock_bsd_calls(3).
 */
DWORD WINAPI GetLastError(void);
void WINAPI SetLastError(DWORD dwErrCode);

#ifdef __cplusplus
}
#endif

#endif /* DCX_WINDOWS_H */
