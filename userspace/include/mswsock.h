/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * mswsock.h - the Microsoft Winsock extensions that libdisconnectex provides
 * on Linux: DisconnectEx, ConnectEx, AcceptEx, GetAcceptExSockaddrs and
 * TransmitFile, found as Windows programs find them, through
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER), or called directly.
 */
#ifndef DCX_MSWSOCK_H
#define DCX_MSWSOCK_H

#include <winsock2.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TransmitFile / DisconnectEx flags */
#define TF_DISCONNECT		0x01
#define TF_REUSE_SOCKET		0x02
#define TF_WRITE_BEHIND		0x04
#define TF_USE_DEFAULT_WORKER	0x00
#define TF_USE_SYSTEM_THREAD	0x10
#define TF_USE_KERNEL_APC	0x20

#define WSAID_CONNECTEX \
	{0x25a207b9, 0xddf3, 0x4660, \
	 {0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e}}
#define WSAID_DISCONNECTEX \
	{0x7fda2e11, 0x8630, 0x436f, \
	 {0xa0, 0x31, 0xf5, 0x36, 0xa6, 0xee, 0xc1, 0x57}}

/* mswsock.dll's first three extensions: their GUIDs differ in Data1 only. */
#define DCX_WSAID_MSWSOCK(data1) \
	{data1, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}}
#define WSAID_TRANSMITFILE		DCX_WSAID_MSWSOCK(0xb5367df0)
#define WSAID_ACCEPTEX			DCX_WSAID_MSWSOCK(0xb5367df1)
#define WSAID_GETACCEPTEXSOCKADDRS	DCX_WSAID_MSWSOCK(0xb5367df2)

/* What TransmitFile() sends before and after the file. */
typedef struct _TRANSMIT_FILE_BUFFERS {
	LPVOID Head;
	DWORD HeadLength;
	LPVOID Tail;
	DWORD TailLength;
} TRANSMIT_FILE_BUFFERS, *PTRANSMIT_FILE_BUFFERS, FAR *LPTRANSMIT_FILE_BUFFERS;

typedef BOOL (PASCAL FAR *LPFN_TRANSMITFILE)(SOCKET hSocket, HANDLE hFile,
		DWORD nNumberOfBytesToWrite, DWORD nNumberOfBytesPerSend,
		LPOVERLAPPED lpOverlapped,
		LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers, DWORD dwReserved);

typedef BOOL (PASCAL FAR *LPFN_ACCEPTEX)(SOCKET sListenSocket,
		SOCKET sAcceptSocket, PVOID lpOutputBuffer,
		DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
		DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived,
		LPOVERLAPPED lpOverlapped);

typedef void (PASCAL FAR *LPFN_GETACCEPTEXSOCKADDRS)(PVOID lpOutputBuffer,
		DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
		DWORD dwRemoteAddressLength, struct sockaddr **LocalSockaddr,
		LPINT LocalSockaddrLength, struct sockaddr **RemoteSockaddr,
		LPINT RemoteSockaddrLength);

typedef BOOL (PASCAL FAR *LPFN_CONNECTEX)(SOCKET s,
		const struct sockaddr FAR *name, int namelen,
		PVOID lpSendBuffer, DWORD dwSendDataLength,
		LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped);

typedef BOOL (PASCAL FAR *LPFN_DISCONNECTEX)(SOCKET s,
		LPOVERLAPPED lpOverlapped, DWORD dwFlags, DWORD dwReserved);

/*
 * Windows' mswsock.dll exports AcceptEx, GetAcceptExSockaddrs and
 * TransmitFile by name but not ConnectEx and DisconnectEx; this library
 * exports all five. In TransmitFile() a file HANDLE holds a POSIX file
 * descriptor: (HANDLE)(ULONG_PTR)fd. A
 * program that names its own function pointers ConnectEx / DisconnectEx
 * defines DCX_NO_EXTENSION_PROTOTYPES before including this header.
 */
BOOL PASCAL AcceptEx(SOCKET sListenSocket, SOCKET sAcceptSocket,
		     PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
		     DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
		     LPDWORD lpdwBytesReceived, LPOVERLAPPED lpOverlapped);
void PASCAL GetAcceptExSockaddrs(PVOID lpOutputBuffer,
				 DWORD dwReceiveDataLength,
				 DWORD dwLocalAddressLength,
				 DWORD dwRemoteAddressLength,
				 struct sockaddr **LocalSockaddr,
				 LPINT LocalSockaddrLength,
				 struct sockaddr **RemoteSockaddr,
				 LPINT RemoteSockaddrLength);
BOOL PASCAL TransmitFile(SOCKET hSocket, HANDLE hFile,
			 DWORD nNumberOfBytesToWrite,
			 DWORD nNumberOfBytesPerSend, LPOVERLAPPED lpOverlapped,
			 LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers,
			 DWORD dwReserved);
#ifndef DCX_NO_EXTENSION_PROTOTYPES
BOOL PASCAL ConnectEx(SOCKET s, const struct sockaddr *name, int namelen,
		      PVOID lpSendBuffer, DWORD dwSendDataLength,
		      LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped);
BOOL PASCAL DisconnectEx(SOCKET s, LPOVERLAPPED lpOverlapped, DWORD dwFlags,
			 DWORD dwReserved);
#endif

#ifdef __cplusplus
}
#endif

#endif /* DCX_MSWSOCK_H */
