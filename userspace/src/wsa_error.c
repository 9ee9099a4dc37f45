// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Errors at the Windows surface: the per-thread last error behind
 * WSAGetLastError(), and the maps from -errno to Winsock errors and to the
 * NTSTATUS values that OVERLAPPED.Internal holds.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <winsock2.h>

#include "internal.h"

static __thread int dcx_last_error;

/*
 * One row per errno the library can produce. The NTSTATUS column is what
 * Windows stores in OVERLAPPED.Internal for the same outcome, chosen so that
 * Windows' own maps below turn it back into the right Winsock and Win32
 * errors; errnos without a Windows counterpart are carried as a customer
 * status (see dcx_status_from_errno()).
 */
static const struct dcx_error_row {
	int err;
	uint32_t status;
	int wsa;
} dcx_error_map[] = {
	{ EINVAL,	0xC000000D, WSAEINVAL },	/* INVALID_PARAMETER */
	{ EFAULT,	0xC0000005, WSAEFAULT },	/* ACCESS_VIOLATION */
	{ ENOTCONN,	0xC0000140, WSAENOTCONN },	/* INVALID_CONNECTION */
	{ EBADF,	0xC0000008, WSAENOTSOCK },	/* INVALID_HANDLE */
	{ ENOTSOCK,	0xC0000024, WSAENOTSOCK },	/* OBJECT_TYPE_MISMATCH */
	{ EOPNOTSUPP,	0xC00000BB, WSAEOPNOTSUPP },	/* NOT_SUPPORTED */
	{ EALREADY,	0,	    WSAEALREADY },
	{ ECONNRESET,	0xC000020D, WSAECONNRESET },	/* CONNECTION_RESET */
	{ ETIMEDOUT,	0xC00000B5, WSAETIMEDOUT },	/* IO_TIMEOUT */
	{ ECANCELED,	0xC0000120, WSA_OPERATION_ABORTED }, /* CANCELLED */
	{ EISCONN,	0xC000023B, WSAEISCONN },	/* CONNECTION_ACTIVE */
	{ ECONNREFUSED,	0xC0000236, WSAECONNREFUSED },	/* CONNECTION_REFUSED */
	{ ENETUNREACH,	0xC000023C, WSAENETUNREACH },	/* NETWORK_UNREACHABLE */
	{ EHOSTUNREACH,	0xC000023D, WSAEHOSTUNREACH },	/* HOST_UNREACHABLE */
	{ ECONNABORTED,	0xC0000241, WSAECONNABORTED },	/* CONNECTION_ABORTED */
	{ EADDRINUSE,	0xC000020A, WSAEADDRINUSE },	/* ADDRESS_ALREADY_EXISTS */
	{ ENOMEM,	0xC000009A, WSAENOBUFS },	/* INSUFFICIENT_RESOURCES */
	{ ENOBUFS,	0xC000009A, WSAENOBUFS },
	{ EADDRNOTAVAIL, 0xC0000141, WSAEADDRNOTAVAIL }, /* INVALID_ADDRESS */
	{ EACCES,	0xC0000022, WSAEACCES },	/* ACCESS_DENIED */
	{ EPERM,	0xC0000022, WSAEACCES },
	{ EPIPE,	0xC00000B0, WSAESHUTDOWN },	/* PIPE_DISCONNECTED */
	{ ESHUTDOWN,	0xC00000B0, WSAESHUTDOWN },
	{ EMSGSIZE,	0x80000005, WSAEMSGSIZE },	/* BUFFER_OVERFLOW */
	/* AcceptEx's address slot too small (accept.c). */
	{ EOVERFLOW,	0xC0000023, WSAEFAULT },	/* BUFFER_TOO_SMALL */
	{ EAGAIN,	0xC00000A3, WSAEWOULDBLOCK },	/* DEVICE_NOT_READY */
	{ EINTR,	0xC0000240, WSAEINTR },		/* REQUEST_ABORTED */
	{ ENETDOWN,	0xC00000C4, WSAENETDOWN },	/* UNEXPECTED_NETWORK_ERROR */
	{ EHOSTDOWN,	0xC0000350, WSAEHOSTDOWN },	/* HOST_DOWN */
	/* The device missing maps to "not supported". */
	{ ENODEV,	0xC00000BB, WSAEOPNOTSUPP },
	/* Winsock errors only. */
	{ EAFNOSUPPORT,	0,	    WSAEAFNOSUPPORT },
	{ EPFNOSUPPORT,	0,	    WSAEPFNOSUPPORT },
	{ EPROTONOSUPPORT, 0,	    WSAEPROTONOSUPPORT },
	{ ESOCKTNOSUPPORT, 0,	    WSAESOCKTNOSUPPORT },
	{ EPROTOTYPE,	0,	    WSAEPROTOTYPE },
	{ ENOPROTOOPT,	0,	    WSAENOPROTOOPT },
	{ EINPROGRESS,	0,	    WSAEINPROGRESS },
	{ EMFILE,	0,	    WSAEMFILE },
	{ ENFILE,	0,	    WSAEMFILE },
	{ EDESTADDRREQ,	0,	    WSAEDESTADDRREQ },
	{ ENETRESET,	0,	    WSAENETRESET },
	{ ELOOP,	0,	    WSAELOOP },
	{ ENAMETOOLONG,	0,	    WSAENAMETOOLONG },
};

#define DCX_N_ERRORS	(sizeof(dcx_error_map) / sizeof(dcx_error_map[0]))

/*
 * NTSTATUS layout: severity in bits 31-30 (3 = error, 2 = warning) and the
 * customer bit 29. An error status with the customer bit set never collides
 * with a Microsoft code, so it can carry any errno that has no row above.
 */
#define DCX_STATUS_CUSTOMER	0xE0000000U
#define DCX_STATUS_CODE_MASK	0x0000FFFFU

/* NT_SUCCESS(): severity success or informational. */
bool dcx_status_success(uint32_t status)
{
	return !(status & 0x80000000U);
}

static bool dcx_status_ours(uint32_t status)
{
	return (status & ~DCX_STATUS_CODE_MASK) == DCX_STATUS_CUSTOMER;
}

/*
 * What a finished operation's NTSTATUS becomes, one row per status:
 *
 *  wsa	Windows' map to a Winsock error, as WSAGetOverlappedResult()
 *	applies it: every entry is a fact of Wine's conformance tests
 *	(dlls/ws2_32/tests/sock.c, test_WSAGetOverlappedResult, which passes
 *	on Windows). 0: none, and the error status is WSAEINVAL.
 *  win32	RtlNtStatusToDosError() for the statuses a socket operation
 *	ends with: what GetOverlappedResult() and
 *	GetQueuedCompletionStatus() report. The entries for
 *	CONNECTION_RESET, CONNECTION_REFUSED, CANCELLED, CONNECTION_ABORTED,
 *	BUFFER_TOO_SMALL and NOT_SUPPORTED are facts of Wine's conformance
 *	tests; the rest follow Windows' published table (as Wine's
 *	dlls/ntdll/error.h carries it). 0: none, and the status is
 *	ERROR_MR_MID_NOT_FOUND, as on Windows.
 *
 * The comment names the status (STATUS_ dropped) and, where it is not the
 * same name, the Win32 error (ERROR_ dropped).
 */
static const struct {
	uint32_t status;
	int wsa;
	uint32_t win32;
} dcx_nt_map[] = {
	{ 0x00000102, 0, 1460 },		/* TIMEOUT */
	{ 0x00000103, 0, 997 },			/* PENDING: IO_PENDING */
	{ 0x80000005, WSAEMSGSIZE, 234 },	/* BUFFER_OVERFLOW: MORE_DATA */
	{ 0xC0000002, WSAEOPNOTSUPP, 1 },	/* NOT_IMPLEMENTED: INVALID_FUNCTION */
	{ 0xC0000005, WSAEFAULT, 998 },		/* ACCESS_VIOLATION: NOACCESS */
	{ 0xC0000007, WSAENOBUFS, 1454 },	/* PAGEFILE_QUOTA */
	{ 0xC0000008, WSAENOTSOCK, 6 },		/* INVALID_HANDLE */
	{ 0xC000000D, 0, 87 },			/* INVALID_PARAMETER */
	{ 0xC000000E, WSAENETDOWN, 433 },	/* NO_SUCH_DEVICE */
	{ 0xC000000F, WSAENETDOWN, 2 },		/* NO_SUCH_FILE: FILE_NOT_FOUND */
	{ 0xC0000017, WSAENOBUFS, 8 },		/* NO_MEMORY: NOT_ENOUGH_MEMORY */
	{ 0xC0000018, WSAENOBUFS, 487 },	/* CONFLICTING_ADDRESSES: INVALID_ADDRESS */
	{ 0xC0000022, WSAEACCES, 5 },		/* ACCESS_DENIED */
	{ 0xC0000023, WSAEFAULT, 122 },		/* BUFFER_TOO_SMALL: INSUFFICIENT_BUFFER */
	{ 0xC0000024, WSAENOTSOCK, 6 },		/* OBJECT_TYPE_MISMATCH: INVALID_HANDLE */
	{ 0xC0000034, WSAENETDOWN, 2 },		/* OBJECT_NAME_NOT_FOUND: FILE_NOT_FOUND */
	{ 0xC000003A, WSAENETDOWN, 3 },		/* OBJECT_PATH_NOT_FOUND: PATH_NOT_FOUND */
	{ 0xC0000043, WSAEADDRINUSE, 32 },	/* SHARING_VIOLATION */
	{ 0xC0000044, WSAENOBUFS, 1816 },	/* QUOTA_EXCEEDED: NOT_ENOUGH_QUOTA */
	{ 0xC0000097, WSAENOBUFS, 8 },		/* TOO_MANY_PAGING_FILES */
	{ 0xC000009A, WSAENOBUFS, 1450 },	/* INSUFFICIENT_RESOURCES */
	{ 0xC00000A1, WSAENOBUFS, 1453 },	/* WORKING_SET_QUOTA */
	{ 0xC00000A3, WSAEWOULDBLOCK, 21 },	/* DEVICE_NOT_READY: NOT_READY */
	{ 0xC00000B0, WSAESHUTDOWN, 233 },	/* PIPE_DISCONNECTED: PIPE_NOT_CONNECTED */
	{ 0xC00000B1, 0, 232 },			/* PIPE_CLOSING: NO_DATA */
	{ 0xC00000B5, WSAETIMEDOUT, 121 },	/* IO_TIMEOUT: SEM_TIMEOUT */
	{ 0xC00000BB, WSAEOPNOTSUPP, 50 },	/* NOT_SUPPORTED */
	{ 0xC00000BC, WSAECONNREFUSED, 51 },	/* REMOTE_NOT_LISTENING: REM_NOT_LIST */
	{ 0xC00000BE, WSAENETUNREACH, 53 },	/* BAD_NETWORK_PATH */
	{ 0xC00000BF, WSAENETDOWN, 54 },	/* NETWORK_BUSY */
	{ 0xC00000C3, WSAENETDOWN, 58 },	/* INVALID_NETWORK_RESPONSE: BAD_NET_RESP */
	{ 0xC00000C4, WSAENETDOWN, 59 },	/* UNEXPECTED_NETWORK_ERROR */
	{ 0xC00000C9, 0, 64 },			/* NETWORK_NAME_DELETED */
	{ 0xC00000D0, WSAEWOULDBLOCK, 71 },	/* REQUEST_NOT_ACCEPTED: REQ_NOT_ACCEP */
	{ 0xC0000120, WSA_OPERATION_ABORTED, 995 },	/* CANCELLED: OPERATION_ABORTED */
	{ 0xC000012D, WSAENOBUFS, 1455 },	/* COMMITMENT_LIMIT */
	{ 0xC000013B, WSAECONNABORTED, 64 },	/* LOCAL_DISCONNECT: NETNAME_DELETED */
	{ 0xC000013C, WSAECONNRESET, 64 },	/* REMOTE_DISCONNECT: NETNAME_DELETED */
	{ 0xC000013D, WSAENOBUFS, 51 },		/* REMOTE_RESOURCES: REM_NOT_LIST */
	{ 0xC000013E, WSAECONNRESET, 59 },	/* LINK_FAILED: UNEXP_NET_ERR */
	{ 0xC000013F, WSAETIMEDOUT, 59 },	/* LINK_TIMEOUT: UNEXP_NET_ERR */
	{ 0xC0000140, WSAENOTCONN, 59 },	/* INVALID_CONNECTION: UNEXP_NET_ERR */
	{ 0xC0000141, WSAEADDRNOTAVAIL, 59 },	/* INVALID_ADDRESS: UNEXP_NET_ERR */
	{ 0xC0000206, WSAEMSGSIZE, 1784 },	/* INVALID_BUFFER_SIZE: INVALID_USER_BUFFER */
	{ 0xC0000207, WSAEADDRNOTAVAIL, 1214 },	/* INVALID_ADDRESS_COMPONENT: INVALID_NETNAME */
	{ 0xC0000209, WSAENOBUFS, 68 },		/* TOO_MANY_ADDRESSES: TOO_MANY_NAMES */
	{ 0xC000020A, WSAEADDRINUSE, 52 },	/* ADDRESS_ALREADY_EXISTS: DUP_NAME */
	{ 0xC000020C, WSAECONNRESET, 64 },	/* CONNECTION_DISCONNECTED: NETNAME_DELETED */
	{ 0xC000020D, WSAECONNRESET, 64 },	/* CONNECTION_RESET: NETNAME_DELETED */
	{ 0xC000020F, WSAECONNABORTED, 59 },	/* TRANSACTION_ABORTED: UNEXP_NET_ERR */
	{ 0xC0000236, WSAECONNREFUSED, 1225 },	/* CONNECTION_REFUSED */
	{ 0xC0000237, WSAEDISCON, 1226 },	/* GRACEFUL_DISCONNECT */
	{ 0xC0000238, 0, 1227 },		/* ADDRESS_ALREADY_ASSOCIATED */
	{ 0xC0000239, 0, 1228 },		/* ADDRESS_NOT_ASSOCIATED */
	{ 0xC000023A, 0, 1229 },		/* CONNECTION_INVALID */
	{ 0xC000023B, WSAEISCONN, 1230 },	/* CONNECTION_ACTIVE */
	{ 0xC000023C, WSAENETUNREACH, 1231 },	/* NETWORK_UNREACHABLE */
	{ 0xC000023D, WSAEHOSTUNREACH, 1232 },	/* HOST_UNREACHABLE */
	{ 0xC000023E, WSAENETUNREACH, 1233 },	/* PROTOCOL_UNREACHABLE */
	{ 0xC000023F, WSAECONNRESET, 1234 },	/* PORT_UNREACHABLE */
	{ 0xC0000240, WSAEINTR, 1235 },		/* REQUEST_ABORTED */
	{ 0xC0000241, WSAECONNABORTED, 1236 },	/* CONNECTION_ABORTED */
	{ 0xC00002C5, WSAEFAULT, 998 },		/* DATATYPE_MISALIGNMENT_ERROR: NOACCESS */
	{ 0xC0000350, WSAEHOSTDOWN, 1256 },	/* HOST_DOWN */
	/* ERROR_IO_INCOMPLETE wrapped as an NTSTATUS. */
	{ 0x800703E4, ERROR_IO_INCOMPLETE, 0 },
	{ 0xC00103E4, ERROR_IO_INCOMPLETE, 0 },
	{ 0xC00703E4, ERROR_IO_INCOMPLETE, 0 },
};

#define DCX_N_NT	(sizeof(dcx_nt_map) / sizeof(dcx_nt_map[0]))
#define DCX_ERROR_MR_MID_NOT_FOUND	317U

/* @err's row (either sign), or NULL when it has none. */
static const struct dcx_error_row *dcx_error_row(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < DCX_N_ERRORS; i++)
		if (dcx_error_map[i].err == err)
			return &dcx_error_map[i];
	return NULL;
}

int dcx_wsa_from_errno(int err)
{
	const struct dcx_error_row *row;

	if (!err)
		return 0;
	row = dcx_error_row(err);
	return row ? row->wsa : WSASYSCALLFAILURE;
}

uint32_t dcx_status_from_errno(int err)
{
	const struct dcx_error_row *row;

	if (!err)
		return 0;
	row = dcx_error_row(err);
	if (row && row->status)
		return row->status;
	if (err < 0)
		err = -err;
	return DCX_STATUS_CUSTOMER | ((uint32_t)err & DCX_STATUS_CODE_MASK);
}

/*
 * What WSAGetOverlappedResult() says for a finished operation's status: 0
 * for a success status, else the Winsock error. Statuses the library made
 * up for an errno without a Windows code map back through that errno.
 */
int dcx_wsa_from_status(uint32_t status)
{
	size_t i;

	if (dcx_status_success(status))
		return 0;
	if (dcx_status_ours(status))
		return dcx_wsa_from_errno((int)(status & DCX_STATUS_CODE_MASK));
	for (i = 0; i < DCX_N_NT; i++)
		if (dcx_nt_map[i].status == status && dcx_nt_map[i].wsa)
			return dcx_nt_map[i].wsa;
	return WSAEINVAL;
}

/*
 * RtlNtStatusToDosError(), for GetOverlappedResult() and the completion
 * port: 0 for STATUS_SUCCESS, the Win32 error otherwise. As Windows does,
 * 0xD... is read as 0xC..., and ERROR codes wrapped in facility 1 or 7
 * (HRESULT_FROM_WIN32) come back out, and a customer status is returned as
 * it is - except the library's own, which give the Winsock error of their
 * errno (a valid Win32 error code too).
 */
uint32_t dcx_win32_from_status(uint32_t status)
{
	uint32_t hi = status >> 16;
	size_t i;

	if (!status)
		return 0;
	if (dcx_status_ours(status))
		return (uint32_t)dcx_wsa_from_errno((int)(status &
							  DCX_STATUS_CODE_MASK));
	/* Another customer's status is its own error code. */
	if (status & 0x20000000U)
		return status;
	if ((status & 0xF0000000U) == 0xD0000000U)
		status &= ~0x10000000U;
	if (hi == 0xC001 || hi == 0x8007 || hi == 0xC007)
		return status & 0xFFFFU;
	for (i = 0; i < DCX_N_NT; i++)
		if (dcx_nt_map[i].status == status && dcx_nt_map[i].win32)
			return dcx_nt_map[i].win32;
	return DCX_ERROR_MR_MID_NOT_FOUND;
}

void dcx_set_last_error(int wsa)
{
	dcx_last_error = wsa;
}

int dcx_fail(int wsa)
{
	dcx_last_error = wsa;
	return FALSE;
}

int dcx_fail_errno(int err)
{
	return dcx_fail(dcx_wsa_from_errno(err));
}

int WSAAPI WSAGetLastError(void)
{
	return dcx_last_error;
}

void WSAAPI WSASetLastError(int iError)
{
	dcx_last_error = iError;
}
