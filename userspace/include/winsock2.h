/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * winsock2.h - the part of the Winsock 2 API that libdisconnectex provides
 * on Linux, with Windows' type widths, numeric values and struct layouts, so
 * that Winsock code using overlapped DisconnectEx / ConnectEx builds here.
 *
 * The BSD-named calls (socket, bind, connect, send, recv, setsockopt, ...)
 * are Winsock's, reporting through WSAGetLastError() (see the end of this
 * file; DCX_BSD_SOCKETS keeps the C library's). A SOCKET is a file
 * descriptor.
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
#define STATUS_CANCELLED	((DWORD)0xC0000120L)

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
#define ERROR_TOO_MANY_OPEN_FILES	4L
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

/*
 * The BSD-named calls - socket, bind, listen, accept, connect, send, recv,
 * sendto, recvfrom, shutdown, setsockopt, getsockopt, getsockname,
 * getpeername, select - with Windows' prototypes and behaviour: a failure
 * returns SOCKET_ERROR (INVALID_SOCKET) and sets WSAGetLastError() to
 * Windows' number, a success sets it to 0 (as Windows 7 and later do), errno
 * is left as the C library set it. See winsock_bsd_calls(3).
 *
 * They are declared under the library's names (dcx_ws_bind ...) and
 * selected by object-like macros, so that every use of the name in the
 * translation unit - calls, function pointers, even the program's own
 * identifiers - is renamed alike. The C library's declarations, already
 * included above through <sys/socket.h>, stay untouched, and translation
 * units that do not include this header get the C library's calls. A rename
 * is the only way that works: Windows' prototypes take int lengths where the
 * C library's take socklen_t (so a Windows program compiles unchanged, with
 * -Werror, only against Windows' prototypes), and replacing the C library's
 * functions would change the behaviour of everything else in the process.
 *
 * The cost, which Windows' own <winsock2.h> (plain prototypes, no macros)
 * does not have: a name is renamed wherever it appears after this header.
 * A C++ file that includes <winsock2.h> and then uses std::bind, or a class
 * with a member named connect, send, select ..., sees those renamed too
 * (std::dcx_ws_bind does not exist): such a file defines DCX_BSD_SOCKETS
 * before including this header, or avoids those names after it. So does a
 * translation unit that wants the C library's calls - Linux-style code in
 * the same program; it still gets every other declaration here.
 *
 * Not provided: in_addr's S_un union (S_un.S_addr, S_un_b ...). glibc's
 * struct in_addr has only s_addr, and no macro can make "x.S_un.S_addr"
 * name it; Windows code that writes s_addr builds unchanged.
 */
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/time.h>

/* <sys/types.h> defines them unless the C library was asked for strict ISO C. */
#ifndef __u_char_defined
#define __u_char_defined
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
#endif

typedef struct timeval TIMEVAL, *PTIMEVAL, *LPTIMEVAL;
typedef unsigned int GROUP;
#ifndef DCX_WCHAR_DEFINED
#define DCX_WCHAR_DEFINED
typedef unsigned short WCHAR;		/* UTF-16, as on Windows */
#endif

#ifndef NO_ERROR
#define NO_ERROR			0L
#endif

/* shutdown() */
#define SD_RECEIVE			0x00
#define SD_SEND				0x01
#define SD_BOTH				0x02

/*
 * ioctlsocket() commands. <sys/ioctl.h> (included above) defines them with
 * Linux's numbers, which are what a program compiled here passes;
 * ioctlsocket() also accepts Windows' (FIONBIO 0x8004667E, FIONREAD
 * 0x4004667F, SIOCATMARK 0x40047307), from programs that hard-code them.
 */
#ifndef FIONBIO
#define FIONBIO				((long)0x8004667EL)
#endif
#ifndef FIONREAD
#define FIONREAD			((long)0x4004667FL)
#endif
#ifndef SIOCATMARK
#define SIOCATMARK			((long)0x40047307L)
#endif

typedef struct linger LINGER, *PLINGER, *LPLINGER;

/*
 * setsockopt(SOL_SOCKET, ...) options Linux lacks, with Windows' values.
 * SO_EXCLUSIVEADDRUSE is accepted and does nothing: Linux never lets a
 * second socket bind an address in use unless both set SO_REUSEADDR
 * (SO_REUSEPORT for listeners). SO_DONTLINGER TRUE turns SO_LINGER off.
 */
#ifndef SO_EXCLUSIVEADDRUSE
#define SO_EXCLUSIVEADDRUSE		((int)(~SO_REUSEADDR))
#endif
#ifndef SO_DONTLINGER
#define SO_DONTLINGER			((int)(~SO_LINGER))
#endif

/* setsockopt(SOL_SOCKET, ...) options of <mswsock.h>'s extensions */
#ifndef SO_UPDATE_ACCEPT_CONTEXT
#define SO_UPDATE_ACCEPT_CONTEXT	0x700B
#endif
#ifndef SO_UPDATE_CONNECT_CONTEXT
#define SO_UPDATE_CONNECT_CONTEXT	0x7010
#endif

/* WSASocket() */
#ifndef WSA_FLAG_OVERLAPPED
#define WSA_FLAG_OVERLAPPED		0x01
#endif
#define WSA_FLAG_MULTIPOINT_C_ROOT	0x02
#define WSA_FLAG_MULTIPOINT_C_LEAF	0x04
#define WSA_FLAG_MULTIPOINT_D_ROOT	0x08
#define WSA_FLAG_MULTIPOINT_D_LEAF	0x10
#define WSA_FLAG_ACCESS_SYSTEM_SECURITY	0x40
#define WSA_FLAG_NO_HANDLE_INHERIT	0x80
#define WSA_FLAG_REGISTERED_IO		0x100

#define FROM_PROTOCOL_INFO		(-1)
#define MAX_PROTOCOL_CHAIN		7
#define BASE_PROTOCOL			1
#define LAYERED_PROTOCOL		0
#define WSAPROTOCOL_LEN			255

typedef struct _WSAPROTOCOLCHAIN {
	int ChainLen;
	DWORD ChainEntries[MAX_PROTOCOL_CHAIN];
} WSAPROTOCOLCHAIN, *LPWSAPROTOCOLCHAIN;

/*
 * As Windows lays them out. WSASocket() reads iAddressFamily, iSocketType
 * and iProtocol; nothing here fills one in (WSAEnumProtocols() and
 * WSADuplicateSocket() do not exist), so lpProtocolInfo is normally NULL.
 * The two differ only in the character type of szProtocol.
 */
#define DCX_WSAPROTOCOL_INFO_FIELDS(char_type) \
	DWORD dwServiceFlags1; \
	DWORD dwServiceFlags2; \
	DWORD dwServiceFlags3; \
	DWORD dwServiceFlags4; \
	DWORD dwProviderFlags; \
	GUID ProviderId; \
	DWORD dwCatalogEntryId; \
	WSAPROTOCOLCHAIN ProtocolChain; \
	int iVersion; \
	int iAddressFamily; \
	int iMaxSockAddr; \
	int iMinSockAddr; \
	int iSocketType; \
	int iProtocol; \
	int iProtocolMaxOffset; \
	int iNetworkByteOrder; \
	int iSecurityScheme; \
	DWORD dwMessageSize; \
	DWORD dwProviderReserved; \
	char_type szProtocol[WSAPROTOCOL_LEN + 1]

typedef struct _WSAPROTOCOL_INFOA {
	DCX_WSAPROTOCOL_INFO_FIELDS(CHAR);
} WSAPROTOCOL_INFOA, *LPWSAPROTOCOL_INFOA;

typedef struct _WSAPROTOCOL_INFOW {
	DCX_WSAPROTOCOL_INFO_FIELDS(WCHAR);
} WSAPROTOCOL_INFOW, *LPWSAPROTOCOL_INFOW;
#undef DCX_WSAPROTOCOL_INFO_FIELDS

#ifdef UNICODE
typedef WSAPROTOCOL_INFOW WSAPROTOCOL_INFO;
typedef LPWSAPROTOCOL_INFOW LPWSAPROTOCOL_INFO;
#define WSASocket			WSASocketW
#else
typedef WSAPROTOCOL_INFOA WSAPROTOCOL_INFO;
typedef LPWSAPROTOCOL_INFOA LPWSAPROTOCOL_INFO;
#define WSASocket			WSASocketA
#endif

SOCKET WSAAPI WSASocketA(int af, int type, int protocol,
			 LPWSAPROTOCOL_INFOA lpProtocolInfo, GROUP g,
			 DWORD dwFlags);
SOCKET WSAAPI WSASocketW(int af, int type, int protocol,
			 LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g,
			 DWORD dwFlags);
int WSAAPI ioctlsocket(SOCKET s, long cmd, u_long *argp);

/* Scatter/gather buffers of WSARecv() and WSASend(), in Windows' layout. */
typedef struct _WSABUF {
	ULONG len;
	CHAR *buf;
} WSABUF, *LPWSABUF;

#define MSG_PARTIAL	0x8000

/*
 * Overlapped receive and send (WSARecv(3)): with lpOverlapped they complete
 * through the socket's completion port or hEvent; without it they block.
 * lpCompletionRoutine (APCs) is not supported: WSAEOPNOTSUPP.
 */
int WSAAPI WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		   LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
		   LPWSAOVERLAPPED lpOverlapped,
		   LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
int WSAAPI WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		   LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
		   LPWSAOVERLAPPED lpOverlapped,
		   LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

SOCKET WSAAPI dcx_ws_socket(int af, int type, int protocol);
int WSAAPI dcx_ws_bind(SOCKET s, const struct sockaddr *name, int namelen);
int WSAAPI dcx_ws_listen(SOCKET s, int backlog);
SOCKET WSAAPI dcx_ws_accept(SOCKET s, struct sockaddr *addr, int *addrlen);
int WSAAPI dcx_ws_connect(SOCKET s, const struct sockaddr *name,
			  int namelen);
int WSAAPI dcx_ws_send(SOCKET s, const char *buf, int len, int flags);
int WSAAPI dcx_ws_recv(SOCKET s, char *buf, int len, int flags);
int WSAAPI dcx_ws_sendto(SOCKET s, const char *buf, int len, int flags,
			 const struct sockaddr *to, int tolen);
int WSAAPI dcx_ws_recvfrom(SOCKET s, char *buf, int len, int flags,
			   struct sockaddr *from, int *fromlen);
int WSAAPI dcx_ws_shutdown(SOCKET s, int how);
int WSAAPI dcx_ws_setsockopt(SOCKET s, int level, int optname,
			     const char *optval, int optlen);
int WSAAPI dcx_ws_getsockopt(SOCKET s, int level, int optname, char *optval,
			     int *optlen);
int WSAAPI dcx_ws_getsockname(SOCKET s, struct sockaddr *name, int *namelen);
int WSAAPI dcx_ws_getpeername(SOCKET s, struct sockaddr *name, int *namelen);
int WSAAPI dcx_ws_select(int nfds, fd_set *readfds, fd_set *writefds,
			 fd_set *exceptfds, const struct timeval *timeout);

#ifndef DCX_BSD_SOCKETS
#define socket		dcx_ws_socket
#define bind		dcx_ws_bind
#define listen		dcx_ws_listen
#define accept		dcx_ws_accept
#define connect		dcx_ws_connect
#define send		dcx_ws_send
#define recv		dcx_ws_recv
#define sendto		dcx_ws_sendto
#define recvfrom	dcx_ws_recvfrom
#define shutdown	dcx_ws_shutdown
#define setsockopt	dcx_ws_setsockopt
#define getsockopt	dcx_ws_getsockopt
#define getsockname	dcx_ws_getsockname
#define getpeername	dcx_ws_getpeername
#define select		dcx_ws_select
#endif

#ifdef __cplusplus
}
#endif

/* As on Windows, where <winsock2.h> includes <windows.h>: ports, handles. */
#include <windows.h>

#endif /* DCX_WINSOCK2_H */
