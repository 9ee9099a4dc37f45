// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The Winsock catalogue: WSAStartup / WSACleanup, closesocket, and WSAIoctl,
 * through which Windows programs find the Microsoft extensions.
 *
 * WSAStartup() is counted as on Windows, but the other functions do not
 * insist on it (there is no provider to load here): a program that never
 * calls it still works. The last WSACleanup() stops the completion engine
 * unless a result is still owed to the program, so a program that cleans up
 * leaves no thread behind.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <winsock2.h>
#include <mswsock.h>

#include "internal.h"

static pthread_mutex_t dcx_startup_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int dcx_startup_count;

int WSAAPI WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)
{
	BYTE major = LOBYTE(wVersionRequested);
	BYTE minor = HIBYTE(wVersionRequested);
	WORD version;

	/*
	 * DCX_BACKEND names no backend: Windows' answer when "the underlying
	 * network subsystem is not ready" (backend.c). Nothing is counted,
	 * so WSACleanup() then says WSANOTINITIALISED.
	 */
	if (dcx_backend_check())
		return WSASYSNOTREADY;
	/* As ws2_32: 1.0 to 2.2 are served, above 2.2 gets 2.2, 0.x none. */
	if (major < 1)
		return WSAVERNOTSUPPORTED;
	if (!lpWSAData)
		return WSAEFAULT;
	version = major > 2 || (major == 2 && minor > 2) ? MAKEWORD(2, 2) :
							   wVersionRequested;

	memset(lpWSAData, 0, sizeof(*lpWSAData));
	lpWSAData->wVersion = version;
	lpWSAData->wHighVersion = MAKEWORD(2, 2);
	snprintf(lpWSAData->szDescription, sizeof(lpWSAData->szDescription),
		 "libdisconnectex (%s backend)", dcx_backend_name());
	snprintf(lpWSAData->szSystemStatus, sizeof(lpWSAData->szSystemStatus),
		 "%s", dcx_backend_error() ? "Not ready" : "Running");

	pthread_mutex_lock(&dcx_startup_lock);
	dcx_startup_count++;
	pthread_mutex_unlock(&dcx_startup_lock);
	return 0;
}

int WSAAPI WSACleanup(void)
{
	bool last;

	pthread_mutex_lock(&dcx_startup_lock);
	if (!dcx_startup_count) {
		pthread_mutex_unlock(&dcx_startup_lock);
		dcx_set_last_error(WSANOTINITIALISED);
		return SOCKET_ERROR;
	}
	last = --dcx_startup_count == 0;
	pthread_mutex_unlock(&dcx_startup_lock);
	if (last)
		dcx_engine_shutdown();
	return 0;
}

static int dcx_socket_fail(int wsa)
{
	dcx_set_last_error(wsa);
	return SOCKET_ERROR;
}

int WSAAPI closesocket(SOCKET s)
{
	struct stat st;

	if (s < 0 || fstat(s, &st) || !S_ISSOCK(st.st_mode))
		return dcx_socket_fail(WSAENOTSOCK);
	/*
	 * What is pending on it is aborted and still completes, as on
	 * Windows: ERROR_CONNECTION_ABORTED (cancel.c). A disconnect in
	 * flight runs to its end instead (the module, and the emulated
	 * backend's duplicate, hold the socket) and completes normally.
	 */
	dcx_cancel_fd(s, NULL, false, -ECONNABORTED);
	dcx_port_forget_fd(s);
	/* After EINTR the fd is closed anyway (Linux). */
	dcx_bsd_forget(s);
	if (close(s) && errno != EINTR)
		return dcx_socket_fail(dcx_wsa_from_errno(errno));
	dcx_set_last_error(0);
	return 0;
}

static const GUID dcx_guid_disconnectex = WSAID_DISCONNECTEX;
static const GUID dcx_guid_connectex = WSAID_CONNECTEX;
static const GUID dcx_guid_acceptex = WSAID_ACCEPTEX;
static const GUID dcx_guid_getacceptexsockaddrs = WSAID_GETACCEPTEXSOCKADDRS;
static const GUID dcx_guid_transmitfile = WSAID_TRANSMITFILE;

/* The extension function for a GUID, or NULL. */
static void *dcx_extension(const GUID *guid)
{
	if (!memcmp(guid, &dcx_guid_disconnectex, sizeof(*guid)))
		return (void *)DisconnectEx;
	if (!memcmp(guid, &dcx_guid_connectex, sizeof(*guid)))
		return (void *)ConnectEx;
	if (!memcmp(guid, &dcx_guid_acceptex, sizeof(*guid)))
		return (void *)AcceptEx;
	if (!memcmp(guid, &dcx_guid_getacceptexsockaddrs, sizeof(*guid)))
		return (void *)GetAcceptExSockaddrs;
	if (!memcmp(guid, &dcx_guid_transmitfile, sizeof(*guid)))
		return (void *)TransmitFile;
	return NULL;
}

/*
 * A request that completes at once but has an OVERLAPPED: Windows still
 * reports it through it - Internal, InternalHigh, then hEvent - and
 * WSAIoctl() returns what the request itself would (0, or SOCKET_ERROR with
 * WSA_IO_PENDING for a status that is an error). The OVERLAPPED is taken
 * (dcx_ov_begin()) before any output is written, so a bad one fails the
 * call with no side effect.
 */
static int dcx_ioctl_complete(SOCKET s, struct dcx_sink *sink, int err,
			      unsigned int bytes)
{
	/* The packet too, if the socket has a port (CreateIoCompletionPort()). */
	dcx_port_attach(s, sink, !err);
	dcx_sink_complete(sink, err, bytes);
	if (err)
		return dcx_socket_fail(WSA_IO_PENDING);
	dcx_set_last_error(0);
	return 0;
}

/*
 * SIO_GET_EXTENSION_FUNCTION_POINTER for WSAID_DISCONNECTEX and
 * WSAID_CONNECTEX, as Windows answers it (docs/WINDOWS.md): success sets the
 * last error to 0 and the byte count to the pointer size; with an
 * OVERLAPPED the byte count is still required (WSAEFAULT), and Internal and
 * InternalHigh both end 0. An unknown GUID is WSAEINVAL and leaves the byte
 * count and the OVERLAPPED alone. Any other control code is not supported:
 * WSAEOPNOTSUPP with the byte count 0, or through an OVERLAPPED
 * WSA_IO_PENDING and a completion with STATUS_NOT_SUPPORTED. Completion
 * routines (APCs) do not exist here.
 */
int WSAAPI WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer,
		    DWORD cbInBuffer, LPVOID lpvOutBuffer, DWORD cbOutBuffer,
		    LPDWORD lpcbBytesReturned, LPWSAOVERLAPPED lpOverlapped,
		    LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	struct dcx_sink sink;
	struct stat st;
	void *fn;
	GUID guid;
	int wsa;

	if (dcx_backend_check())
		return dcx_socket_fail(WSASYSNOTREADY);
	if (s < 0 || fstat(s, &st) || !S_ISSOCK(st.st_mode))
		return dcx_socket_fail(WSAENOTSOCK);
	if (lpCompletionRoutine)
		return dcx_socket_fail(WSAEOPNOTSUPP);
	if (lpcbBytesReturned &&
	    dcx_probe_writable(lpcbBytesReturned, sizeof(*lpcbBytesReturned)))
		return dcx_socket_fail(WSAEFAULT);
	if (lpOverlapped && !lpcbBytesReturned)
		return dcx_socket_fail(WSAEFAULT);

	if (dwIoControlCode != SIO_GET_EXTENSION_FUNCTION_POINTER) {
		if (lpOverlapped) {
			wsa = dcx_ov_begin(lpOverlapped, &sink);
			if (wsa)
				return dcx_socket_fail(wsa);
			return dcx_ioctl_complete(s, &sink, -EOPNOTSUPP, 0);
		}
		if (lpcbBytesReturned)
			*lpcbBytesReturned = 0;
		return dcx_socket_fail(WSAEOPNOTSUPP);
	}

	if (!lpvInBuffer || cbInBuffer < sizeof(GUID) ||
	    dcx_probe_readable(lpvInBuffer, sizeof(GUID)))
		return dcx_socket_fail(WSAEFAULT);
	memcpy(&guid, lpvInBuffer, sizeof(guid));
	fn = dcx_extension(&guid);
	if (!fn)
		return dcx_socket_fail(WSAEINVAL);
	if (!lpvOutBuffer || cbOutBuffer < sizeof(fn) ||
	    dcx_probe_writable(lpvOutBuffer, sizeof(fn)))
		return dcx_socket_fail(WSAEFAULT);
	if (!lpcbBytesReturned)
		return dcx_socket_fail(WSAEFAULT);
	if (lpOverlapped) {
		wsa = dcx_ov_begin(lpOverlapped, &sink);
		if (wsa)
			return dcx_socket_fail(wsa);
	}

	memcpy(lpvOutBuffer, &fn, sizeof(fn));
	*lpcbBytesReturned = sizeof(fn);
	if (lpOverlapped)
		return dcx_ioctl_complete(s, &sink, 0, 0);
	dcx_set_last_error(0);
	return 0;
}
