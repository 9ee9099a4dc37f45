// SPDX-License-Identifier: GPL-2.0
/*
 * WSA events: manual reset, wait-any returning the lowest signalled index,
 * wait-all only when all are signalled at once, timeouts, invalid handles,
 * and many threads waiting and setting at once.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "helpers.h"

FIXTURE(events) {
	WSAEVENT ev[4];
};

FIXTURE_SETUP(events)
{
	int i;

	for (i = 0; i < 4; i++) {
		self->ev[i] = WSACreateEvent();
		ASSERT_NE(WSA_INVALID_EVENT, self->ev[i]);
	}
}

FIXTURE_TEARDOWN(events)
{
	int i;

	for (i = 0; i < 4; i++)
		WSACloseEvent(self->ev[i]);
}

TEST_F(events, created_unsignalled_manual_reset)
{
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, self->ev, FALSE, 0, FALSE));
	EXPECT_EQ(TRUE, WSASetEvent(self->ev[0]));
	/* Manual reset: a satisfied wait does not consume the signal. */
	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, self->ev, FALSE, 0, FALSE));
	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, self->ev, FALSE, 100, FALSE));
	EXPECT_EQ(TRUE, WSAResetEvent(self->ev[0]));
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, self->ev, FALSE, 0, FALSE));
}

TEST_F(events, wait_any_lowest_index)
{
	EXPECT_EQ(TRUE, WSASetEvent(self->ev[3]));
	EXPECT_EQ(WSA_WAIT_EVENT_0 + 3,
		  WSAWaitForMultipleEvents(4, self->ev, FALSE, 0, FALSE));
	EXPECT_EQ(TRUE, WSASetEvent(self->ev[1]));
	EXPECT_EQ(WSA_WAIT_EVENT_0 + 1,
		  WSAWaitForMultipleEvents(4, self->ev, FALSE, 0, FALSE));
}

TEST_F(events, wait_all_needs_all)
{
	WSASetEvent(self->ev[0]);
	WSASetEvent(self->ev[1]);
	WSASetEvent(self->ev[2]);
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(4, self->ev, TRUE, 20, FALSE));
	WSASetEvent(self->ev[3]);
	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(4, self->ev, TRUE, 0, FALSE));
}

TEST_F(events, timeout_duration)
{
	int64_t t0 = tst_now_ms(), dt;

	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(4, self->ev, FALSE, 150, FALSE));
	dt = tst_now_ms() - t0;
	EXPECT_GE(dt, 150);
	EXPECT_LT(dt, 3000);

	t0 = tst_now_ms();
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(4, self->ev, TRUE, 100, FALSE));
	dt = tst_now_ms() - t0;
	EXPECT_GE(dt, 100);
	EXPECT_LT(dt, 3000);
}

struct setter {
	WSAEVENT *ev;
	int n;
	int delay_ms;
};

static void *setter_main(void *p)
{
	struct setter *s = p;
	int i;

	for (i = 0; i < s->n; i++) {
		tst_sleep_ms(s->delay_ms);
		WSASetEvent(s->ev[i]);
	}
	return NULL;
}

TEST_F(events, wait_any_wakes_on_set)
{
	struct setter s = { .ev = &self->ev[2], .n = 1, .delay_ms = 50 };
	pthread_t th;
	int64_t t0 = tst_now_ms();

	ASSERT_EQ(0, pthread_create(&th, NULL, setter_main, &s));
	EXPECT_EQ(WSA_WAIT_EVENT_0 + 2,
		  WSAWaitForMultipleEvents(4, self->ev, FALSE, WSA_INFINITE,
					   FALSE));
	EXPECT_GE(tst_now_ms() - t0, 40);
	pthread_join(th, NULL);
}

TEST_F(events, wait_all_wakes_when_last_set)
{
	struct setter s = { .ev = self->ev, .n = 4, .delay_ms = 20 };
	pthread_t th;
	int64_t t0 = tst_now_ms();

	ASSERT_EQ(0, pthread_create(&th, NULL, setter_main, &s));
	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(4, self->ev, TRUE, 10000, FALSE));
	EXPECT_GE(tst_now_ms() - t0, 70);
	pthread_join(th, NULL);
	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(4, self->ev, TRUE, 0, FALSE));
}

TEST_F(events, invalid_arguments)
{
	WSAEVENT dup[2] = { self->ev[0], self->ev[0] };
	WSAEVENT many[WSA_MAXIMUM_WAIT_EVENTS + 1];
	WSAEVENT closed, bogus = (WSAEVENT)(uintptr_t)0x12345678;
	int i;

	WSASetLastError(0);
	EXPECT_EQ(WSA_WAIT_FAILED,
		  WSAWaitForMultipleEvents(0, self->ev, FALSE, 0, FALSE));
	EXPECT_EQ(WSA_INVALID_PARAMETER, WSAGetLastError());
	for (i = 0; i < WSA_MAXIMUM_WAIT_EVENTS + 1; i++)
		many[i] = self->ev[0];
	EXPECT_EQ(WSA_WAIT_FAILED,
		  WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS + 1, many,
					   FALSE, 0, FALSE));
	EXPECT_EQ(WSA_INVALID_PARAMETER, WSAGetLastError());
	EXPECT_EQ(WSA_WAIT_FAILED,
		  WSAWaitForMultipleEvents(1, NULL, FALSE, 0, FALSE));
	/* Waiting for all of one event twice. */
	EXPECT_EQ(WSA_WAIT_FAILED,
		  WSAWaitForMultipleEvents(2, dup, TRUE, 0, FALSE));
	EXPECT_EQ(WSA_INVALID_PARAMETER, WSAGetLastError());
	/* ... is fine for wait-any. */
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(2, dup, FALSE, 0, FALSE));

	EXPECT_EQ(WSA_WAIT_FAILED,
		  WSAWaitForMultipleEvents(1, &bogus, FALSE, 0, FALSE));
	EXPECT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	EXPECT_EQ(FALSE, WSASetEvent(bogus));
	EXPECT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	EXPECT_EQ(FALSE, WSAResetEvent(NULL));
	EXPECT_EQ(FALSE, WSACloseEvent(NULL));

	/* A closed handle stays invalid even when its slot is reused. */
	closed = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, closed);
	EXPECT_EQ(TRUE, WSACloseEvent(closed));
	EXPECT_EQ(FALSE, WSACloseEvent(closed));
	EXPECT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	many[0] = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, many[0]);
	EXPECT_NE(closed, many[0]);
	EXPECT_EQ(FALSE, WSASetEvent(closed));
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, many, FALSE, 0, FALSE));
	WSACloseEvent(many[0]);
}

TEST(handle_low_bit_ignored)
{
	/* Windows programs set bit 0 of hEvent to bypass a completion port. */
	WSAEVENT ev = WSACreateEvent(), tagged;

	ASSERT_NE(WSA_INVALID_EVENT, ev);
	EXPECT_EQ(0U, (uintptr_t)ev & 1);
	tagged = (WSAEVENT)((uintptr_t)ev | 1);
	EXPECT_EQ(TRUE, WSASetEvent(tagged));
	EXPECT_EQ(WSA_WAIT_EVENT_0,
		  WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE));
	EXPECT_EQ(TRUE, WSACloseEvent(ev));
}

#define NWAITERS 32

struct waiter {
	WSAEVENT ev;
	DWORD ret;
};

static void *waiter_main(void *p)
{
	struct waiter *w = p;

	w->ret = WSAWaitForMultipleEvents(1, &w->ev, FALSE, 10000, FALSE);
	return NULL;
}

TEST(many_threads)
{
	struct waiter w[NWAITERS];
	pthread_t th[NWAITERS];
	int i;

	for (i = 0; i < NWAITERS; i++) {
		w[i].ev = WSACreateEvent();
		w[i].ret = 12345;
		ASSERT_NE(WSA_INVALID_EVENT, w[i].ev);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, waiter_main, &w[i]));
	}
	tst_sleep_ms(20);
	for (i = NWAITERS - 1; i >= 0; i--)
		EXPECT_EQ(TRUE, WSASetEvent(w[i].ev));
	for (i = 0; i < NWAITERS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(WSA_WAIT_EVENT_0, w[i].ret);
		EXPECT_EQ(TRUE, WSACloseEvent(w[i].ev));
	}
}

static void *closer_main(void *p)
{
	WSAEVENT *ev = p;

	tst_sleep_ms(30);
	WSACloseEvent(*ev);
	return NULL;
}

TEST(close_while_waited_on)
{
	/*
	 * Windows leaves this undefined; here the waiter keeps its reference
	 * and simply times out, nothing is freed under it.
	 */
	WSAEVENT ev = WSACreateEvent();
	pthread_t th;

	ASSERT_NE(WSA_INVALID_EVENT, ev);
	ASSERT_EQ(0, pthread_create(&th, NULL, closer_main, &ev));
	EXPECT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(1, &ev, FALSE, 200, FALSE));
	pthread_join(th, NULL);
	EXPECT_EQ(FALSE, WSASetEvent(ev));
}

TEST_HARNESS_MAIN
