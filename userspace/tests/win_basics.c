// SPDX-License-Identifier: GPL-2.0
/*
 * Windows facts every Winsock program relies on, checked on Windows (Wine)
 * and on libdisconnectex alike: WSAStartup(2.2) gives 2.2; closesocket() of
 * a non-socket is WSAENOTSOCK; WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)
 * gives DisconnectEx and ConnectEx, a pointer's worth of bytes; a loopback
 * pair carries data both ways and ends with a FIN, for IPv4 and IPv6; recv()
 * on an empty non-blocking socket is WSAEWOULDBLOCK.
 */
#include "wintest.h"
#include "tst_variants.h"

#define WAIT_MS		5000

TEST(wsastartup_gives_2_2)
{
	WSADATA data;

	memset(&data, 0, sizeof(data));
	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &data));
	EXPECT_EQ(MAKEWORD(2, 2), data.wVersion);
	EXPECT_EQ(2, LOBYTE(data.wVersion));
	EXPECT_EQ(2, HIBYTE(data.wVersion));
	EXPECT_EQ(0, WSACleanup());
}

TEST(closesocket_invalid_is_enotsock)
{
	wt_init();
	WT_EXPECT_WSA_ERROR(WSAENOTSOCK, closesocket(INVALID_SOCKET));
}

TEST(platform_is_consistent)
{
	const char *p = wt_platform();

	TH_LOG("platform: %s", p);
	if (wt_on_linux()) {
		EXPECT_FALSE(wt_on_wine());
		EXPECT_EQ(0, strncmp(p, "linux-", 6));
	} else {
		EXPECT_FALSE(wt_kernel_backend());
		EXPECT_STREQ(wt_on_wine() ? "wine" : "windows", p);
	}
}

FIXTURE(basics) {
	SOCKET client;
	SOCKET server;
};

TST_FAMILY_VARIANTS(basics);

FIXTURE_SETUP(basics)
{
	wt_init();
	ASSERT_EQ(0, wt_pair(variant->family, &self->client, &self->server));
}

FIXTURE_TEARDOWN(basics)
{
	wt_close(&self->client);
	wt_close(&self->server);
}

/* WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) gives @guid's function,
 * a pointer's worth of bytes. */
static void expect_pointer(struct __test_metadata *_metadata, SOCKET s,
			   GUID guid)
{
	void *fn = NULL;
	DWORD bytes = 0;

	EXPECT_EQ(0, WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid,
			      sizeof(guid), &fn, sizeof(fn), &bytes, NULL,
			      NULL));
	EXPECT_NONNULL(fn);
	EXPECT_EQ(sizeof(void *), bytes);
}

TEST_F(basics, disconnectex_pointer)
{
	expect_pointer(_metadata, self->client, (GUID)WSAID_DISCONNECTEX);
	EXPECT_NONNULL(wt_disconnectex(self->server));
}

TEST_F(basics, connectex_pointer)
{
	expect_pointer(_metadata, self->client, (GUID)WSAID_CONNECTEX);
	EXPECT_NONNULL(wt_connectex(self->server));
}

TEST_F(basics, data_both_ways_then_fin)
{
	static const char ping[] = "ping", pong[] = "pong!";
	char buf[16];
	long bytes = -1;

	ASSERT_EQ((int)sizeof(ping), send(self->client, ping, sizeof(ping), 0));
	ASSERT_EQ((int)sizeof(ping),
		  wt_recv_all(self->server, buf, sizeof(ping), WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, ping, sizeof(ping)));

	ASSERT_EQ((int)sizeof(pong), send(self->server, pong, sizeof(pong), 0));
	ASSERT_EQ((int)sizeof(pong),
		  wt_recv_all(self->client, buf, sizeof(pong), WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, pong, sizeof(pong)));

	/* Nothing more yet; then a close with nothing unread is a FIN. */
	EXPECT_EQ(0, wt_wait_readable(self->server, 50));
	ASSERT_EQ(1, send(self->client, ping, 1, 0));
	EXPECT_EQ(0, closesocket(self->client));
	self->client = INVALID_SOCKET;
	EXPECT_EQ(0, wt_read_to_end(self->server, &bytes, WAIT_MS));
	EXPECT_EQ(1, bytes);
}

TEST_F(basics, nonblocking_recv_would_block)
{
	char c;

	ASSERT_EQ(0, wt_set_nonblocking(self->server, true));
	WT_EXPECT_WSA_ERROR(WSAEWOULDBLOCK, recv(self->server, &c, 1, 0));
	ASSERT_EQ(0, wt_set_nonblocking(self->server, false));
	EXPECT_EQ(0, wt_wait_readable(self->server, 0));
}

TEST_HARNESS_MAIN
