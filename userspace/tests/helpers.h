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
#include "tst_variants.h"

bool tst_device_present(void);		/* /dev/disconnectex opens */
/* Force the emulated backend, before any library call: 0 or -1. */
int tst_use_emulated(void);
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
/* Zeroed, with a fresh manual-reset event: the usual overlapped call. */
void tst_ov_init(OVERLAPPED *ov);
/*
 * An overlapped DisconnectEx(@flags) on @s, @ov made by tst_ov_init():
 * WSA_IO_PENDING while it runs, 0 if it finished at once, else the WSA
 * error it failed with at once.
 */
int tst_disconnect_start(SOCKET s, OVERLAPPED *ov, DWORD flags);
/*
 * The end of a DisconnectEx pending on @ov (an event of its own, as from
 * tst_ov_init()) whose peer is *@sfd: the peer reads to the end and closes
 * (*@sfd becomes -1), then the result comes and the event is closed. 0; the
 * peer's tst_read_to_end() error (< 0) if it saw no FIN; else the result's
 * WSA error.
 */
int tst_disconnect_finish(OVERLAPPED *ov, int *sfd, int timeout_ms);
/* SIO_GET_EXTENSION_FUNCTION_POINTER for @guid: the function, or NULL. */
void *tst_extension(SOCKET s, GUID guid);

/*
 * A gang of threads that never meet (tst_gang_start()), each repeating a
 * round on sockets of its own: thread i runs @fn(@l + i), every record made
 * with the test's @family and listener address @addr (NULL for none). A
 * thread counts in @done the rounds that went right and, if it stops at a
 * failure, puts in @err which step failed (a code of its own); the test
 * reads every record after tst_gang_join().
 */
struct tst_looper;
typedef void tst_looper_fn(struct tst_looper *l);

struct tst_looper {
	tst_looper_fn *fn;
	int family;
	const struct tst_addr *addr;
	int done;
	int err;
};

/* 0, or -errno with no thread left. */
int tst_loopers_start(struct tst_gang *g, struct tst_looper *l, int n,
		      tst_looper_fn *fn, int family,
		      const struct tst_addr *addr);

/*
 * The fixture of the library's end-to-end tests (include the harness
 * first): a loopback listener of the variant's family (TST_FAMILY_VARIANTS)
 * and, if @with_pair, one connection - cfd the client, the socket the tests
 * disconnect, sfd the server's end (-1 once a test closed it). Setup does
 * nothing unless @present (the tests then skip), and fails unless
 * @backend_setup() - which picks the backend before any library call, as
 * the choice is made once - returns 0.
 */
#define TST_PAIR_FIXTURE(f, present, backend_setup, with_pair)		\
	FIXTURE(f) {							\
		int lfd, cfd, sfd;					\
		struct tst_addr addr;					\
	};								\
	TST_FAMILY_VARIANTS(f);						\
	FIXTURE_SETUP(f)						\
	{								\
		self->lfd = self->cfd = self->sfd = -1;			\
		if (!(present))						\
			return;						\
		ASSERT_EQ(0, backend_setup());				\
		self->lfd = tst_listen(variant->family, 1024, &self->addr); \
		ASSERT_GE(self->lfd, 0);				\
		if (with_pair)						\
			ASSERT_EQ(0, tst_pair(self->lfd, &self->addr,	\
					      &self->cfd, &self->sfd));	\
	}								\
	FIXTURE_TEARDOWN(f)						\
	{								\
		if (self->cfd >= 0)					\
			close(self->cfd);				\
		if (self->sfd >= 0)					\
			close(self->sfd);				\
		if (self->lfd >= 0)					\
			close(self->lfd);				\
	}

#endif /* DCX_TEST_HELPERS_H */
