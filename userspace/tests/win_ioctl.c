// SPDX-License-Identifier: GPL-2.0
/*
 * WSAIoctl as Windows answers it (docs/WINDOWS.md, "WSAIoctl"): the extension
 * function lookup and the control codes the library does not support,
 * against the Windows API only (Windows/Wine, host, VM).
 */
#include "wintest.h"
#include "tst_variants.h"

/* STATUS_NOT_SUPPORTED, in Internal after an unsupported overlapped code. */
#define NT_NOT_SUPPORTED	0xC00000BBU
/* A control code nobody implements: _WSAIOW(IOC_VENDOR, 0x7ff). */
#define SIO_NOBODY		0x980007FFU

FIXTURE(io)
{
	SOCKET s;
	OVERLAPPED ov;
};

TST_FAMILY_VARIANTS(io);

FIXTURE_SETUP(io)
{
	wt_init();
	self->s = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_NE(INVALID_SOCKET, self->s);
	ASSERT_NE(WSA_INVALID_EVENT, wt_ov_init(&self->ov));
}

FIXTURE_TEARDOWN(io)
{
	WSACloseEvent(self->ov.hEvent);
	closesocket(self->s);
}

static const GUID guid_disconnectex = WSAID_DISCONNECTEX;
static const GUID guid_connectex = WSAID_CONNECTEX;
/* Nobody's extension. */
static const GUID guid_unknown = {
	0x12345678, 0x1234, 0x5678, { 1, 2, 3, 4, 5, 6, 7, 8 }
};

static int lookup(SOCKET s, const GUID *guid, void **fn, DWORD *bytes,
		  OVERLAPPED *ov)
{
	return WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, (void *)guid,
			sizeof(*guid), fn, sizeof(*fn), bytes, ov, NULL);
}

/* Success sets the last error to 0 and the byte count to the pointer size. */
TEST_F(io, lookup_success)
{
	void *fn = NULL;
	DWORD bytes = 0;

	WSASetLastError(12345);
	EXPECT_EQ(0, lookup(self->s, &guid_disconnectex, &fn, &bytes, NULL));
	EXPECT_EQ(0, WSAGetLastError());
	EXPECT_EQ(sizeof(void *), bytes);
	EXPECT_NONNULL(fn);
	fn = NULL;
	WSASetLastError(12345);
	EXPECT_EQ(0, lookup(self->s, &guid_connectex, &fn, &bytes, NULL));
	EXPECT_EQ(0, WSAGetLastError());
	EXPECT_NONNULL(fn);
}

/*
 * Overlapped: Internal and InternalHigh end 0 and the event is set; the byte
 * count is still required.
 */
TEST_F(io, lookup_overlapped)
{
	void *fn = NULL;
	DWORD bytes = 0;

	self->ov.Internal = 0x1234;
	self->ov.InternalHigh = 0x5678;
	WT_EXPECT_WSA_ERROR(WSAEFAULT, lookup(self->s, &guid_connectex, &fn,
					      NULL, &self->ov));
	EXPECT_EQ(0x1234U, self->ov.Internal);
	EXPECT_EQ(0x5678U, self->ov.InternalHigh);
	EXPECT_EQ(WSA_WAIT_TIMEOUT, wt_wait_event(self->ov.hEvent, WT_QUIET_MS));

	WSASetLastError(12345);
	EXPECT_EQ(0, lookup(self->s, &guid_connectex, &fn, &bytes, &self->ov));
	EXPECT_EQ(0, WSAGetLastError());
	EXPECT_NONNULL(fn);
	EXPECT_EQ(sizeof(void *), bytes);
	EXPECT_EQ(0U, self->ov.Internal);
	EXPECT_EQ(0U, self->ov.InternalHigh);
	EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, 0));
}

/* An unknown GUID: WSAEINVAL, the byte count and OVERLAPPED untouched. */
TEST_F(io, unknown_guid)
{
	void *fn = (void *)&fn;
	DWORD bytes = 0xdead;

	WT_EXPECT_WSA_ERROR(WSAEINVAL, lookup(self->s, &guid_unknown, &fn,
					      &bytes, NULL));
	EXPECT_EQ(0xdeadU, bytes);
	EXPECT_EQ((void *)&fn, fn);

	self->ov.Internal = 0x1234;
	self->ov.InternalHigh = 0x5678;
	WT_EXPECT_WSA_ERROR(WSAEINVAL, lookup(self->s, &guid_unknown, &fn,
					      &bytes, &self->ov));
	EXPECT_EQ(0xdeadU, bytes);
	EXPECT_EQ(0x1234U, self->ov.Internal);
	EXPECT_EQ(0x5678U, self->ov.InternalHigh);
	EXPECT_EQ(WSA_WAIT_TIMEOUT, wt_wait_event(self->ov.hEvent, WT_QUIET_MS));
}

/* Unsupported code, no OVERLAPPED: WSAEOPNOTSUPP and a byte count of 0. */
TEST_F(io, unsupported_code)
{
	DWORD bytes = 0xdead;
	char out[16];

	WT_EXPECT_WSA_ERROR(WSAEOPNOTSUPP, WSAIoctl(self->s, SIO_NOBODY, NULL,
						    0, out, sizeof(out), &bytes,
						    NULL, NULL));
	EXPECT_EQ(0U, bytes);
}

/*
 * Unsupported code with an OVERLAPPED: pending, then a completion with
 * STATUS_NOT_SUPPORTED; without the byte count WSAEFAULT.
 */
TEST_F(io, unsupported_code_overlapped)
{
	DWORD bytes = 0xdead, flags = 0;
	char out[16];

	WT_EXPECT_WSA_ERROR(WSAEFAULT, WSAIoctl(self->s, SIO_NOBODY, NULL, 0,
						out, sizeof(out), NULL,
						&self->ov, NULL));

	WT_EXPECT_WSA_ERROR(WSA_IO_PENDING, WSAIoctl(self->s, SIO_NOBODY, NULL,
						     0, out, sizeof(out),
						     &bytes, &self->ov, NULL));
	/* A finished operation sets its event (Wine 8 does not, here). */
	if (!wt_on_wine()) {
		EXPECT_EQ(0, wt_wait_event(self->ov.hEvent, 1000));
	} else {
		wt_sleep_ms(WT_QUIET_MS);
	}
	EXPECT_EQ(NT_NOT_SUPPORTED, self->ov.Internal);
	EXPECT_EQ(0U, self->ov.InternalHigh);
	EXPECT_EQ(0xdeadU, bytes);
	EXPECT_EQ(FALSE, WSAGetOverlappedResult(self->s, &self->ov, &bytes,
						FALSE, &flags));
	EXPECT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
}

/* Not a socket: WSAENOTSOCK. */
TEST_F(io, invalid_socket)
{
	SOCKET dead = socket(variant->family, SOCK_STREAM, IPPROTO_TCP);
	void *fn = NULL;
	DWORD bytes = 0;

	/* Microsoft's documentation of WSAIoctl: WSAENOTSOCK. */
	if (wt_on_wine())
		SKIP(return, "Wine answers this lookup without its socket");
	closesocket(dead);
	WT_EXPECT_WSA_ERROR(WSAENOTSOCK, lookup(dead, &guid_connectex, &fn,
						&bytes, NULL));
}

TEST_HARNESS_MAIN
