/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the host tests and the VM tests: loopback sockets, a
 * peer that reads to the end and tells a FIN from a reset, and the Windows
 * dance of "issue overlapped, wait, fetch the result".
 *
 * Nothing here uses the harness's ASSERT_* (they longjmp, which is only
 * valid on the test's main thread): helpers return 0 / -errno.
 */
#ifndef DCX_TEST_HELPERS_H
#define DCX_TEST_HELPERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux-style code: the C library's socket calls, not Winsock's. */
#ifndef DCX_BSD_SOCKETS
#define DCX_BSD_SOCKETS 1
#endif
#include <winsock2.h>
#include <mswsock.h>

/* Loopback addresses. */
int tst_listener(int family, struct sockaddr_storage *addr, socklen_t *len);
int tst_connect(int family, const struct sockaddr_storage *addr,
		socklen_t len);
int tst_accept(int lfd, int timeout_ms);
int tst_pair(int family, int lfd, const struct sockaddr_storage *addr,
	     socklen_t len, int *cfd, int *sfd);

/* Time and process state. */
int64_t tst_now_ms(void);
void tst_sleep_ms(int ms);
int tst_count_fds(void);
int tst_count_threads(const char *name);
bool tst_device_present(void);
/* Run @fn with stderr captured: what it printed (a static buffer). */
const char *tst_capture_stderr(void (*fn)(void));

/* Socket state. */
int tst_tcp_state(int fd);		/* tcpi_state, or -errno */
int tst_wait_tcp_state(int fd, int state, int timeout_ms);
int tst_get_int_opt(int fd, int level, int name);
int tst_set_int_opt(int fd, int level, int name, int val);
int tst_send_all(int fd, size_t n);	/* n pattern bytes: 0 / -errno */
int tst_recv_exact(int fd, void *buf, size_t n, int timeout_ms);
int tst_nothing_to_read(int fd);	/* 0 when no byte and no EOF */
void tst_reset_close(int fd);		/* close with an RST */

/*
 * Read until EOF (0), a reset (-ECONNRESET / -EPIPE ...) or the timeout
 * (-ETIMEDOUT), counting bytes.
 */
int tst_read_to_end(int fd, size_t *bytes, int timeout_ms);

/* The same in a thread, which closes the fd at the end. */
struct tst_peer {
	int fd;
	int timeout_ms;
	size_t bytes;
	int end;
	pthread_t thread;
};

int tst_peer_start(struct tst_peer *p, int fd, int timeout_ms);
int tst_peer_join(struct tst_peer *p);

/*
 * A server thread for reuse loops: accepts @conns connections one after the
 * other, reads each to its end, closes it, and counts bytes, FINs and
 * resets.
 */
struct tst_server {
	int lfd;
	int conns;
	int timeout_ms;
	size_t bytes;
	int fins;
	int resets;
	int errors;
	pthread_t thread;
};

int tst_server_start(struct tst_server *s, int lfd, int conns,
		     int timeout_ms);
int tst_server_join(struct tst_server *s);

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
LPFN_DISCONNECTEX tst_get_disconnectex(SOCKET s);
LPFN_CONNECTEX tst_get_connectex(SOCKET s);

#endif /* DCX_TEST_HELPERS_H */
