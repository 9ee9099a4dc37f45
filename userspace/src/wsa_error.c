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
 * NT(name, status, wsa, win32): the status' name (STATUS_ dropped), which
 * the errno table below uses as DCX_NT_<name>, and in the comment, where
 * it is not the same name, the Win32 error's (ERROR_ dropped).
 */
#define DCX_NT_STATUSES(NT) \
	NT(TIMEOUT, 0x00000102, 0, 1460) \
	NT(PENDING, 0x00000103, 0, 997) /* IO_PENDING */ \
	NT(BUFFER_OVERFLOW, 0x80000005, WSAEMSGSIZE, 234) /* MORE_DATA */ \
	NT(NOT_IMPLEMENTED, 0xC0000002, WSAEOPNOTSUPP, 1) /* INVALID_FUNCTION */ \
	NT(ACCESS_VIOLATION, 0xC0000005, WSAEFAULT, 998) /* NOACCESS */ \
	NT(PAGEFILE_QUOTA, 0xC0000007, WSAENOBUFS, 1454) \
	NT(INVALID_HANDLE, 0xC0000008, WSAENOTSOCK, 6) \
	NT(INVALID_PARAMETER, 0xC000000D, 0, 87) \
	NT(NO_SUCH_DEVICE, 0xC000000E, WSAENETDOWN, 433) \
	NT(NO_SUCH_FILE, 0xC000000F, WSAENETDOWN, 2) /* FILE_NOT_FOUND */ \
	NT(NO_MEMORY, 0xC0000017, WSAENOBUFS, 8) /* NOT_ENOUGH_MEMORY */ \
	NT(CONFLICTING_ADDRESSES, 0xC0000018, WSAENOBUFS, 487) /* INVALID_ADDRESS */ \
	NT(ACCESS_DENIED, 0xC0000022, WSAEACCES, 5) \
	NT(BUFFER_TOO_SMALL, 0xC0000023, WSAEFAULT, 122) /* INSUFFICIENT_BUFFER */ \
	NT(OBJECT_TYPE_MISMATCH, 0xC0000024, WSAENOTSOCK, 6) /* INVALID_HANDLE */ \
	NT(OBJECT_NAME_NOT_FOUND, 0xC0000034, WSAENETDOWN, 2) /* FILE_NOT_FOUND */ \
	NT(OBJECT_PATH_NOT_FOUND, 0xC000003A, WSAENETDOWN, 3) /* PATH_NOT_FOUND */ \
	NT(SHARING_VIOLATION, 0xC0000043, WSAEADDRINUSE, 32) \
	NT(QUOTA_EXCEEDED, 0xC0000044, WSAENOBUFS, 1816) /* NOT_ENOUGH_QUOTA */ \
	NT(TOO_MANY_PAGING_FILES, 0xC0000097, WSAENOBUFS, 8) \
	NT(INSUFFICIENT_RESOURCES, 0xC000009A, WSAENOBUFS, 1450) \
	NT(WORKING_SET_QUOTA, 0xC00000A1, WSAENOBUFS, 1453) \
	NT(DEVICE_NOT_READY, 0xC00000A3, WSAEWOULDBLOCK, 21) /* NOT_READY */ \
	NT(PIPE_DISCONNECTED, 0xC00000B0, WSAESHUTDOWN, 233) /* PIPE_NOT_CONNECTED */ \
	NT(PIPE_CLOSING, 0xC00000B1, 0, 232) /* NO_DATA */ \
	NT(IO_TIMEOUT, 0xC00000B5, WSAETIMEDOUT, 121) /* SEM_TIMEOUT */ \
	NT(NOT_SUPPORTED, 0xC00000BB, WSAEOPNOTSUPP, 50) \
	NT(REMOTE_NOT_LISTENING, 0xC00000BC, WSAECONNREFUSED, 51) /* REM_NOT_LIST */ \
	NT(BAD_NETWORK_PATH, 0xC00000BE, WSAENETUNREACH, 53) \
	NT(NETWORK_BUSY, 0xC00000BF, WSAENETDOWN, 54) \
	NT(INVALID_NETWORK_RESPONSE, 0xC00000C3, WSAENETDOWN, 58) /* BAD_NET_RESP */ \
	NT(UNEXPECTED_NETWORK_ERROR, 0xC00000C4, WSAENETDOWN, 59) \
	NT(NETWORK_NAME_DELETED, 0xC00000C9, 0, 64) \
	NT(REQUEST_NOT_ACCEPTED, 0xC00000D0, WSAEWOULDBLOCK, 71) /* REQ_NOT_ACCEP */ \
	NT(CANCELLED, 0xC0000120, WSA_OPERATION_ABORTED, 995) /* OPERATION_ABORTED */ \
	NT(COMMITMENT_LIMIT, 0xC000012D, WSAENOBUFS, 1455) \
	NT(LOCAL_DISCONNECT, 0xC000013B, WSAECONNABORTED, 64) /* NETNAME_DELETED */ \
	NT(REMOTE_DISCONNECT, 0xC000013C, WSAECONNRESET, 64) /* NETNAME_DELETED */ \
	NT(REMOTE_RESOURCES, 0xC000013D, WSAENOBUFS, 51) /* REM_NOT_LIST */ \
	NT(LINK_FAILED, 0xC000013E, WSAECONNRESET, 59) /* UNEXP_NET_ERR */ \
	NT(LINK_TIMEOUT, 0xC000013F, WSAETIMEDOUT, 59) /* UNEXP_NET_ERR */ \
	NT(INVALID_CONNECTION, 0xC0000140, WSAENOTCONN, 59) /* UNEXP_NET_ERR */ \
	NT(INVALID_ADDRESS, 0xC0000141, WSAEADDRNOTAVAIL, 59) /* UNEXP_NET_ERR */ \
	NT(INVALID_BUFFER_SIZE, 0xC0000206, WSAEMSGSIZE, 1784) /* INVALID_USER_BUFFER */ \
	NT(INVALID_ADDRESS_COMPONENT, 0xC0000207, WSAEADDRNOTAVAIL, 1214) /* INVALID_NETNAME */ \
	NT(TOO_MANY_ADDRESSES, 0xC0000209, WSAENOBUFS, 68) /* TOO_MANY_NAMES */ \
	NT(ADDRESS_ALREADY_EXISTS, 0xC000020A, WSAEADDRINUSE, 52) /* DUP_NAME */ \
	NT(CONNECTION_DISCONNECTED, 0xC000020C, WSAECONNRESET, 64) /* NETNAME_DELETED */ \
	NT(CONNECTION_RESET, 0xC000020D, WSAECONNRESET, 64) /* NETNAME_DELETED */ \
	NT(TRANSACTION_ABORTED, 0xC000020F, WSAECONNABORTED, 59) /* UNEXP_NET_ERR */ \
	NT(CONNECTION_REFUSED, 0xC0000236, WSAECONNREFUSED, 1225) \
	NT(GRACEFUL_DISCONNECT, 0xC0000237, WSAEDISCON, 1226) \
	NT(ADDRESS_ALREADY_ASSOCIATED, 0xC0000238, 0, 1227) \
	NT(ADDRESS_NOT_ASSOCIATED, 0xC0000239, 0, 1228) \
	NT(CONNECTION_INVALID, 0xC000023A, 0, 1229) \
	NT(CONNECTION_ACTIVE, 0xC000023B, WSAEISCONN, 1230) \
	NT(NETWORK_UNREACHABLE, 0xC000023C, WSAENETUNREACH, 1231) \
	NT(HOST_UNREACHABLE, 0xC000023D, WSAEHOSTUNREACH, 1232) \
	NT(PROTOCOL_UNREACHABLE, 0xC000023E, WSAENETUNREACH, 1233) \
	NT(PORT_UNREACHABLE, 0xC000023F, WSAECONNRESET, 1234) \
	NT(REQUEST_ABORTED, 0xC0000240, WSAEINTR, 1235) \
	NT(CONNECTION_ABORTED, 0xC0000241, WSAECONNABORTED, 1236) \
	NT(DATATYPE_MISALIGNMENT_ERROR, 0xC00002C5, WSAEFAULT, 998) /* NOACCESS */ \
	NT(HOST_DOWN, 0xC0000350, WSAEHOSTDOWN, 1256)

/* DCX_NT_<name>: the status, by the name Windows gives it. */
enum {
#define DCX_NT_NAME(name, status, wsa, win32) DCX_NT_##name = status,
	DCX_NT_STATUSES(DCX_NT_NAME)
#undef DCX_NT_NAME
};

static const struct {
	uint32_t status;
	int wsa;
	uint32_t win32;
} dcx_nt_map[] = {
#define DCX_NT_ROW(name, status, wsa, win32) { status, wsa, win32 },
	DCX_NT_STATUSES(DCX_NT_ROW)
#undef DCX_NT_ROW
	/* ERROR_IO_INCOMPLETE wrapped as an NTSTATUS. */
	{ 0x800703E4, ERROR_IO_INCOMPLETE, 0 },
	{ 0xC00103E4, ERROR_IO_INCOMPLETE, 0 },
	{ 0xC00703E4, ERROR_IO_INCOMPLETE, 0 },
};

#define DCX_N_NT	(sizeof(dcx_nt_map) / sizeof(dcx_nt_map[0]))
#define DCX_ERROR_MR_MID_NOT_FOUND	317U

/*
 * One row per errno the library can produce. The NTSTATUS column is what
 * Windows stores in OVERLAPPED.Internal for the same outcome, chosen so that
 * Windows' own maps above turn it back into the right Winsock and Win32
 * errors; errnos without a Windows counterpart are carried as a customer
 * status (see dcx_status_from_errno()).
 */
static const struct dcx_error_row {
	int err;
	uint32_t status;
	int wsa;
} dcx_error_map[] = {
	{ EINVAL,	DCX_NT_INVALID_PARAMETER, WSAEINVAL },
	{ EFAULT,	DCX_NT_ACCESS_VIOLATION, WSAEFAULT },
	{ ENOTCONN,	DCX_NT_INVALID_CONNECTION, WSAENOTCONN },
	{ EBADF,	DCX_NT_INVALID_HANDLE, WSAENOTSOCK },
	{ ENOTSOCK,	DCX_NT_OBJECT_TYPE_MISMATCH, WSAENOTSOCK },
	{ EOPNOTSUPP,	DCX_NT_NOT_SUPPORTED, WSAEOPNOTSUPP },
	{ EALREADY,	0, WSAEALREADY },
	{ ECONNRESET,	DCX_NT_CONNECTION_RESET, WSAECONNRESET },
	{ ETIMEDOUT,	DCX_NT_IO_TIMEOUT, WSAETIMEDOUT },
	{ ECANCELED,	DCX_NT_CANCELLED, WSA_OPERATION_ABORTED },
	{ EISCONN,	DCX_NT_CONNECTION_ACTIVE, WSAEISCONN },
	{ ECONNREFUSED,	DCX_NT_CONNECTION_REFUSED, WSAECONNREFUSED },
	{ ENETUNREACH,	DCX_NT_NETWORK_UNREACHABLE, WSAENETUNREACH },
	{ EHOSTUNREACH,	DCX_NT_HOST_UNREACHABLE, WSAEHOSTUNREACH },
	{ ECONNABORTED,	DCX_NT_CONNECTION_ABORTED, WSAECONNABORTED },
	{ EADDRINUSE,	DCX_NT_ADDRESS_ALREADY_EXISTS, WSAEADDRINUSE },
	{ ENOMEM,	DCX_NT_INSUFFICIENT_RESOURCES, WSAENOBUFS },
	{ ENOBUFS,	DCX_NT_INSUFFICIENT_RESOURCES, WSAENOBUFS },
	{ EADDRNOTAVAIL, DCX_NT_INVALID_ADDRESS, WSAEADDRNOTAVAIL },
	{ EACCES,	DCX_NT_ACCESS_DENIED, WSAEACCES },
	{ EPERM,	DCX_NT_ACCESS_DENIED, WSAEACCES },
	{ EPIPE,	DCX_NT_PIPE_DISCONNECTED, WSAESHUTDOWN },
	{ ESHUTDOWN,	DCX_NT_PIPE_DISCONNECTED, WSAESHUTDOWN },
	{ EMSGSIZE,	DCX_NT_BUFFER_OVERFLOW, WSAEMSGSIZE },
	/* AcceptEx's address slot too small (accept.c). */
	{ EOVERFLOW,	DCX_NT_BUFFER_TOO_SMALL, WSAEFAULT },
	{ EAGAIN,	DCX_NT_DEVICE_NOT_READY, WSAEWOULDBLOCK },
	{ EINTR,	DCX_NT_REQUEST_ABORTED, WSAEINTR },
	{ ENETDOWN,	DCX_NT_UNEXPECTED_NETWORK_ERROR, WSAENETDOWN },
	{ EHOSTDOWN,	DCX_NT_HOST_DOWN, WSAEHOSTDOWN },
	/* The device missing maps to "not supported". */
	{ ENODEV,	DCX_NT_NOT_SUPPORTED, WSAEOPNOTSUPP },
	/* Winsock errors only. */
	{ EAFNOSUPPORT,	0, WSAEAFNOSUPPORT },
	{ EPFNOSUPPORT,	0, WSAEPFNOSUPPORT },
	{ EPROTONOSUPPORT, 0, WSAEPROTONOSUPPORT },
	{ ESOCKTNOSUPPORT, 0, WSAESOCKTNOSUPPORT },
	{ EPROTOTYPE,	0, WSAEPROTOTYPE },
	{ ENOPROTOOPT,	0, WSAENOPROTOOPT },
	{ EINPROGRESS,	0, WSAEINPROGRESS },
	{ EMFILE,	0, WSAEMFILE },
	{ ENFILE,	0, WSAEMFILE },
	{ EDESTADDRREQ,	0, WSAEDESTADDRREQ },
	{ ENETRESET,	0, WSAENETRESET },
	{ ELOOP,	0, WSAELOOP },
	{ ENAMETOOLONG,	0, WSAENAMETOOLONG },
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
