/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * winsock2.h - the part of the Winsock 2 API that libdisconnectex provides
 * on Linux, with Windows' type widths, numeric values and struct layouts, so
 * that Winsock code using overlapped DisconnectEx / ConnectEx builds here.
 *
 * The BSD socket calls (socket, bind, connect, send, recv, setsockopt, ...)
 * are the C library's: they report errors in errno, not through
 * WSAGetLastError(). A SOCKET is a file descriptor.
 */
#ifndef DCX_WINSOCK2_H
#define DCX_WINSOCK2_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Calling conventions mean nothing on x86-64 Linux. */
#define WINAPI
#define WSAAPI
#define PASCAL
#define CALLBACK
#define FAR

/* Windows integer types: LLP64, so DWORD and ULONG are 32 bits. */
typedef int BOOL;
typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int INT;
typedef unsigned int UINT;
typedef char CHAR;
typedef uintptr_t ULONG_PTR;
typedef void *PVOID;
typedef void *LPVOID;
typedef void *HANDLE;
typedef DWORD *LPDWORD;
typedef BOOL *LPBOOL;
typedef int *LPINT;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#define MAKEWORD(lo, hi)	((WORD)(((BYTE)(lo)) | ((WORD)((BYTE)(hi))) << 8))
#define LOBYTE(w)		((BYTE)((w) & 0xff))
#define HIBYTE(w)		((BYTE)(((WORD)(w) >> 8) & 0xff))

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
	uint32_t Data1;
	uint16_t Data2;
	uint16_t Data3;
	uint8_t Data4[8];
} GUID, *LPGUID;
#endif

/* A SOCKET is a Linux file descriptor. */
typedef int SOCKET;
#define INVALID_SOCKET		((SOCKET)-1)
#define SOCKET_ERROR		(-1)

typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;
typedef struct sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
typedef struct sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE;

/* Status values as they appear in OVERLAPPED.Internal. */
#define STATUS_PENDING		((DWORD)0x00000103L)

/*
 * OVERLAPPED as Windows lays it out on x86-64: 32 bytes, Internal and
 * InternalHigh pointer-sized. Internal holds the NTSTATUS of the operation
 * (STATUS_PENDING while it is in flight), InternalHigh the byte count.
 */
typedef struct _OVERLAPPED {
	ULONG_PTR Internal;
	ULONG_PTR InternalHigh;
	union {
		struct {
			DWORD Offset;
			DWORD OffsetHigh;
		};
		PVOID Pointer;
	};
	HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

typedef OVERLAPPED WSAOVERLAPPED;
typedef OVERLAPPED *LPWSAOVERLAPPED;

#if defined(__cplusplus)
static_assert(sizeof(OVERLAPPED) == 32, "OVERLAPPED is 32 bytes on x86-64");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(DWORD) == 4, "DWORD is 32 bits");
_Static_assert(sizeof(OVERLAPPED) == 32, "OVERLAPPED is 32 bytes on x86-64");
_Static_assert(offsetof(OVERLAPPED, Internal) == 0, "OVERLAPPED.Internal");
_Static_assert(offsetof(OVERLAPPED, InternalHigh) == 8,
	       "OVERLAPPED.InternalHigh");
_Static_assert(offsetof(OVERLAPPED, Offset) == 16, "OVERLAPPED.Offset");
_Static_assert(offsetof(OVERLAPPED, OffsetHigh) == 20,
	       "OVERLAPPED.OffsetHigh");
_Static_assert(offsetof(OVERLAPPED, Pointer) == 16, "OVERLAPPED.Pointer");
_Static_assert(offsetof(OVERLAPPED, hEvent) == 24, "OVERLAPPED.hEvent");
#endif

typedef void (CALLBACK *LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwError,
		DWORD cbTransferred, LPWSAOVERLAPPED lpOverlapped,
		DWORD dwFlags);

/* Events. WSA events are manual-reset, created non-signalled. */
typedef HANDLE WSAEVENT;
typedef HANDLE *LPWSAEVENT;
#define WSA_INVALID_EVENT	((WSAEVENT)NULL)
#define WSA_MAXIMUM_WAIT_EVENTS	64
#define WSA_WAIT_EVENT_0	((DWORD)0)
#define WSA_WAIT_IO_COMPLETION	((DWORD)0xC0)
#define WSA_WAIT_TIMEOUT	((DWORD)258)
#define WSA_WAIT_FAILED		((DWORD)0xFFFFFFFF)
#define WSA_INFINITE		((DWORD)0xFFFFFFFF)

/* WSAStartup */
#define WSADESCRIPTION_LEN	256
#define WSASYS_STATUS_LEN	128

typedef struct WSAData {
	WORD wVersion;
	WORD wHighVersion;
	unsigned short iMaxSockets;
	unsigned short iMaxUdpDg;
	char *lpVendorInfo;
	char szDescription[WSADESCRIPTION_LEN + 1];
	char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

/* WSAIoctl control codes */
#define SIO_GET_EXTENSION_FUNCTION_POINTER	((DWORD)0xC8000006)

/*
 * Win32 errors that Winsock and GetOverlappedResult() report (on Windows
 * <winsock2.h> pulls them in through <windows.h>).
 */
#define ERROR_SUCCESS			0L
#define ERROR_INVALID_FUNCTION		1L
#define ERROR_ACCESS_DENIED		5L
#define ERROR_INVALID_HANDLE		6L
#define ERROR_NOT_ENOUGH_MEMORY		8L
#define ERROR_NOT_SUPPORTED		50L
#define ERROR_UNEXP_NET_ERR		59L
#define ERROR_NETNAME_DELETED		64L
#define ERROR_INVALID_PARAMETER		87L
#define ERROR_SEM_TIMEOUT		121L
#define ERROR_INSUFFICIENT_BUFFER	122L
#define ERROR_MORE_DATA			234L
#define WAIT_TIMEOUT			258L
#define ERROR_MR_MID_NOT_FOUND		317L
#define ERROR_ABANDONED_WAIT_0		735L
#define ERROR_OPERATION_ABORTED		995L
#define ERROR_IO_INCOMPLETE		996L
#define ERROR_IO_PENDING		997L
#define ERROR_NOACCESS			998L
#define ERROR_NOT_FOUND			1168L
#define ERROR_CONNECTION_REFUSED	1225L
#define ERROR_GRACEFUL_DISCONNECT	1226L
#define ERROR_CONNECTION_INVALID	1229L
#define ERROR_CONNECTION_ACTIVE		1230L
#define ERROR_NETWORK_UNREACHABLE	1231L
#define ERROR_HOST_UNREACHABLE		1232L
#define ERROR_PORT_UNREACHABLE		1234L
#define ERROR_REQUEST_ABORTED		1235L
#define ERROR_CONNECTION_ABORTED	1236L
#define ERROR_TIMEOUT			1460L

#define WSA_INVALID_HANDLE		(ERROR_INVALID_HANDLE)
#define WSA_NOT_ENOUGH_MEMORY		(ERROR_NOT_ENOUGH_MEMORY)
#define WSA_INVALID_PARAMETER		(ERROR_INVALID_PARAMETER)
#define WSA_OPERATION_ABORTED		(ERROR_OPERATION_ABORTED)
#define WSA_IO_INCOMPLETE		(ERROR_IO_INCOMPLETE)
#define WSA_IO_PENDING			(ERROR_IO_PENDING)

/* Winsock errors */
#define WSABASEERR			10000
#define WSAEINTR			10004L
#define WSAEBADF			10009L
#define WSAEACCES			10013L
#define WSAEFAULT			10014L
#define WSAEINVAL			10022L
#define WSAEMFILE			10024L
#define WSAEWOULDBLOCK			10035L
#define WSAEINPROGRESS			10036L
#define WSAEALREADY			10037L
#define WSAENOTSOCK			10038L
#define WSAEDESTADDRREQ			10039L
#define WSAEMSGSIZE			10040L
#define WSAEPROTOTYPE			10041L
#define WSAENOPROTOOPT			10042L
#define WSAEPROTONOSUPPORT		10043L
#define WSAESOCKTNOSUPPORT		10044L
#define WSAEOPNOTSUPP			10045L
#define WSAEPFNOSUPPORT			10046L
#define WSAEAFNOSUPPORT			10047L
#define WSAEADDRINUSE			10048L
#define WSAEADDRNOTAVAIL		10049L
#define WSAENETDOWN			10050L
#define WSAENETUNREACH			10051L
#define WSAENETRESET			10052L
#define WSAECONNABORTED			10053L
#define WSAECONNRESET			10054L
#define WSAENOBUFS			10055L
#define WSAEISCONN			10056L
#define WSAENOTCONN			10057L
#define WSAESHUTDOWN			10058L
#define WSAETOOMANYREFS			10059L
#define WSAETIMEDOUT			10060L
#define WSAECONNREFUSED			10061L
#define WSAELOOP			10062L
#define WSAENAMETOOLONG			10063L
#define WSAEHOSTDOWN			10064L
#define WSAEHOSTUNREACH			10065L
#define WSAENOTEMPTY			10066L
#define WSAEPROCLIM			10067L
#define WSAEUSERS			10068L
#define WSAEDQUOT			10069L
#define WSAESTALE			10070L
#define WSAEREMOTE			10071L
#define WSASYSNOTREADY			10091L
#define WSAVERNOTSUPPORTED		10092L
#define WSANOTINITIALISED		10093L
#define WSAEDISCON			10101L
#define WSAECANCELLED			10103L
#define WSASYSCALLFAILURE		10107L

int WSAAPI WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData);
int WSAAPI WSACleanup(void);
int WSAAPI WSAGetLastError(void);
void WSAAPI WSASetLastError(int iError);
int WSAAPI closesocket(SOCKET s);

int WSAAPI WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer,
		    DWORD cbInBuffer, LPVOID lpvOutBuffer, DWORD cbOutBuffer,
		    LPDWORD lpcbBytesReturned, LPWSAOVERLAPPED lpOverlapped,
		    LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

WSAEVENT WSAAPI WSACreateEvent(void);
BOOL WSAAPI WSASetEvent(WSAEVENT hEvent);
BOOL WSAAPI WSAResetEvent(WSAEVENT hEvent);
BOOL WSAAPI WSACloseEvent(WSAEVENT hEvent);
DWORD WSAAPI WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
				      BOOL fWaitAll, DWORD dwTimeout,
				      BOOL fAlertable);

BOOL WSAAPI WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
				   LPDWORD lpcbTransfer, BOOL fWait,
				   LPDWORD lpdwFlags);

/*
 * kernel32's GetOverlappedResult(): the same result with Win32 errors (a
 * reset connection is ERROR_NETNAME_DELETED here, WSAECONNRESET above).
 * On Windows <winsock2.h> declares it through <windows.h>.
 */
BOOL WINAPI GetOverlappedResult(HANDLE hFile, LPOVERLAPPED lpOverlapped,
				LPDWORD lpNumberOfBytesTransferred, BOOL bWait);

/* A macro in <winbase.h>; a function here, reading Internal atomically. */
BOOL WINAPI HasOverlappedIoCompleted(const OVERLAPPED *lpOverlapped);

#ifdef __cplusplus
}
#endif

#endif /* DCX_WINSOCK2_H */
