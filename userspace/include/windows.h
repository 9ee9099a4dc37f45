/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * windows.h - the subset of the Win32 API that libdisconnectex provides on
 * Linux, and nothing else of Windows: the thread's last error, I/O
 * completion ports and the handle calls that go with them. The types,
 * constants and Winsock declarations come from <winsock2.h>, which includes
 * this header as Windows' does.
 *
 * A SOCKET is a file descriptor (an int), so the Windows idiom
 * (HANDLE)sock draws GCC's int-to-pointer warning here; write
 * (HANDLE)(ULONG_PTR)sock, which builds warning-free on both systems.
 */
#ifndef DCX_WINDOWS_H
#define DCX_WINDOWS_H

#include <winsock2.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef intptr_t LONG_PTR;
typedef unsigned char UCHAR;
typedef ULONG *PULONG;
typedef ULONG_PTR *PULONG_PTR;

#define INVALID_HANDLE_VALUE	((HANDLE)(LONG_PTR)-1)
#define INFINITE		0xFFFFFFFF

/*
 * Errors. The thread's last error is one value, as on Windows, where
 * WSAGetLastError() is GetLastError(): each reads what the other's setter,
 * or any call of this library, last stored. See winsock_bsd_calls(3).
 */
DWORD WINAPI GetLastError(void);
void WINAPI SetLastError(DWORD dwErrCode);

/* One dequeued completion packet (GetQueuedCompletionStatusEx()). */
typedef struct _OVERLAPPED_ENTRY {
	ULONG_PTR lpCompletionKey;
	LPOVERLAPPED lpOverlapped;
	ULONG_PTR Internal;
	DWORD dwNumberOfBytesTransferred;
} OVERLAPPED_ENTRY, *LPOVERLAPPED_ENTRY;

/* SetFileCompletionNotificationModes() */
#define FILE_SKIP_COMPLETION_PORT_ON_SUCCESS	0x1
#define FILE_SKIP_SET_EVENT_ON_HANDLE		0x2

/*
 * I/O completion ports (CreateIoCompletionPort(3)). Each port is an
 * io_uring of its own, reaped by the threads that wait on it.
 */
HANDLE WINAPI CreateIoCompletionPort(HANDLE FileHandle,
				     HANDLE ExistingCompletionPort,
				     ULONG_PTR CompletionKey,
				     DWORD NumberOfConcurrentThreads);
BOOL WINAPI GetQueuedCompletionStatus(HANDLE CompletionPort,
				      LPDWORD lpNumberOfBytesTransferred,
				      PULONG_PTR lpCompletionKey,
				      LPOVERLAPPED *lpOverlapped,
				      DWORD dwMilliseconds);
BOOL WINAPI GetQueuedCompletionStatusEx(HANDLE CompletionPort,
					LPOVERLAPPED_ENTRY lpCompletionPortEntries,
					ULONG ulCount,
					PULONG ulNumEntriesRemoved,
					DWORD dwMilliseconds, BOOL fAlertable);
BOOL WINAPI PostQueuedCompletionStatus(HANDLE CompletionPort,
				       DWORD dwNumberOfBytesTransferred,
				       ULONG_PTR dwCompletionKey,
				       LPOVERLAPPED lpOverlapped);
BOOL WINAPI SetFileCompletionNotificationModes(HANDLE FileHandle,
					       UCHAR Flags);

/* Cancelling a socket's overlapped operations (CancelIoEx(3)). */
BOOL WINAPI CancelIo(HANDLE hFile);
BOOL WINAPI CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped);

/* Closes a completion port or a WSA event (not a socket: closesocket()). */
BOOL WINAPI CloseHandle(HANDLE hObject);

#ifdef __cplusplus
}
#endif

#endif /* DCX_WINDOWS_H */
