// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Errors at the Windows surface: the per-thread last error behind
 * WSAGetLastError(), and the maps from -errno to Winsock errors and to the
 * NTSTATUS values that OVERLAPPED.Internal holds.
 */
#include <errno.h>
#include <stddef.h>

#include <winsock2.h>

#include "internal.h"

static __thread int dcx_last_error;

/*
 * One row per errno the library can produce. The NTSTATUS column is what
 * Windows stores in OVERLAPPED.Internal for the same outcome; errnos without
 * a Windows counterpart are carried losslessly as a customer status (see
 * dcx_status_from_errno()).
 */
static const struct {
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
	/* Winsock errors only. The device missing maps to "not supported". */
	{ ENODEV,	0,	    WSAEOPNOTSUPP },
	{ ENOBUFS,	0,	    WSAENOBUFS },
	{ EADDRNOTAVAIL, 0,	    WSAEADDRNOTAVAIL },
	{ EAFNOSUPPORT,	0,	    WSAEAFNOSUPPORT },
	{ EPFNOSUPPORT,	0,	    WSAEPFNOSUPPORT },
	{ EPROTONOSUPPORT, 0,	    WSAEPROTONOSUPPORT },
	{ ESOCKTNOSUPPORT, 0,	    WSAESOCKTNOSUPPORT },
	{ EPROTOTYPE,	0,	    WSAEPROTOTYPE },
	{ ENOPROTOOPT,	0,	    WSAENOPROTOOPT },
	{ EINPROGRESS,	0,	    WSAEINPROGRESS },
	{ EAGAIN,	0,	    WSAEWOULDBLOCK },
	{ EINTR,	0,	    WSAEINTR },
	{ EACCES,	0,	    WSAEACCES },
	{ EPERM,	0,	    WSAEACCES },
	{ EMFILE,	0,	    WSAEMFILE },
	{ ENFILE,	0,	    WSAEMFILE },
	{ EMSGSIZE,	0,	    WSAEMSGSIZE },
	{ EDESTADDRREQ,	0,	    WSAEDESTADDRREQ },
	{ ENETDOWN,	0,	    WSAENETDOWN },
	{ ENETRESET,	0,	    WSAENETRESET },
	{ EPIPE,	0,	    WSAESHUTDOWN },
	{ ESHUTDOWN,	0,	    WSAESHUTDOWN },
	{ EHOSTDOWN,	0,	    WSAEHOSTDOWN },
	{ ELOOP,	0,	    WSAELOOP },
	{ ENAMETOOLONG,	0,	    WSAENAMETOOLONG },
};

#define DCX_N_ERRORS	(sizeof(dcx_error_map) / sizeof(dcx_error_map[0]))

/*
 * NTSTATUS layout: severity in bits 31-30 (3 = error) and the customer bit
 * 29. An error status with the customer bit set never collides with a
 * Microsoft code, so it can carry any errno that has no row above.
 */
#define DCX_STATUS_CUSTOMER	0xE0000000U
#define DCX_STATUS_CODE_MASK	0x0000FFFFU

int dcx_wsa_from_errno(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	if (!err)
		return 0;
	for (i = 0; i < DCX_N_ERRORS; i++)
		if (dcx_error_map[i].err == err)
			return dcx_error_map[i].wsa;
	return WSASYSCALLFAILURE;
}

uint32_t dcx_status_from_errno(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	if (!err)
		return 0;
	for (i = 0; i < DCX_N_ERRORS; i++)
		if (dcx_error_map[i].err == err && dcx_error_map[i].status)
			return dcx_error_map[i].status;
	return DCX_STATUS_CUSTOMER | ((uint32_t)err & DCX_STATUS_CODE_MASK);
}

int dcx_errno_from_status(uint32_t status)
{
	size_t i;

	if (!status)
		return 0;
	if ((status & DCX_STATUS_CUSTOMER) == DCX_STATUS_CUSTOMER)
		return -(int)(status & DCX_STATUS_CODE_MASK);
	for (i = 0; i < DCX_N_ERRORS; i++)
		if (dcx_error_map[i].status == status)
			return -dcx_error_map[i].err;
	/* A status nobody here produced (the caller wrote Internal). */
	return -EIO;
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
