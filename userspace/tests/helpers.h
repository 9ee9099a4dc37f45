/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the host tests and the VM tests on top of the common
 * test library (testlib/tst_net.h: loopback sockets, TCP state, a peer that
 * reads to the end and tells a FIN from a reset): the Windows dance of
 * "issue overlapped, wait, fetch the result", and the library's process
 * state.
 *
 * Nothing here uses the harness's ASSERT_* (they longjmp, which is only
 * valid on the test's main thread): helpers return 0 / -errno.
 */
#ifndef DCX_TEST_HELPERS_H
#define DCX_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux-style code: the C library's socket calls, not Winsock's. */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1
#endif
#include <winsock2.h>
#include <mswsock.h>

#include "tst_net.h"

bool tst_device_present(void);		/* /dev/disconnectex opens */
/* Run @fn with stderr captured: what it printed (a static buffer). */
const char *tst_capture_stderr(void (*fn)(void));

/*
 * Windows-style helpers. tst_overlapped_result() issues nothing: it waits
 * for @ov (on its hEvent) and returns 0 when WSAGetOverlappedResult() says
 * TRUE, else the WSA error. tst_disconnect_wsa() runs DisconnectEx in
 * overlapped mode and returns 0 or the WSA error, whether it came at once or
 * through the completion.
 */
int tst_overlapped_result(OVERLAPPED *ov, DWORD *bytes, int timeout_ms);
int tst_disconnect_wsa(SOCKET s, DWORD flags, DWORD reserved,
		       int timeout_ms);
/* SIO_GET_EXTENSION_FUNCTION_POINTER for @guid: the function, or NULL. */
void *tst_extension(SOCKET s, GUID guid);

#endif /* DCX_TEST_HELPERS_H */
