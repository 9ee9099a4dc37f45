/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test-helper library shared by every test tree: selftests/ (the
 * module's kselftests), userspace/tests/ (the library's host tests) and
 * userspace/tests/vm/ (the library on the module, in the VM). Loopback TCP
 * sockets for both families, TCP state, reading to the end of a connection
 * and telling a FIN from a reset, and a little process state.
 *
 * Plain POSIX: nothing here knows the module, the library or Winsock, and
 * nothing uses the harness's ASSERT_* (they longjmp, which is only valid on
 * a test's main thread). Helpers return a value or -errno. TCP state
 * numbers are <netinet/tcp.h>'s (TCP_ESTABLISHED, TCP_CLOSE, ...).
 *
 * The sockets made here are not close-on-exec: the module's tests hand them
 * across fork() and exec() as a server would (edges_test's owner_goes_away).
 */
#ifndef TST_NET_H
#define TST_NET_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A socket address with its length, as bind()/connect() take them. */
struct tst_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

#define tst_sa(a)	((struct sockaddr *)&(a)->ss)

/*
 * A listener on the loopback address of @family (AF_INET or AF_INET6), port
 * chosen by the kernel, SO_REUSEADDR; @a gets its address.
 * Returns the fd or -errno.
 */
int tst_listen(int family, int backlog, struct tst_addr *a);
/* Connect @fd (a new socket if @fd < 0) to @a: the fd or -errno. */
int tst_connect(int fd, const struct tst_addr *a);
/* Accept within @timeout_ms: the fd, -ETIMEDOUT or -errno. */
int tst_accept(int lfd, int timeout_ms);
/* A new connection to listener @lfd at @a: both ends, 0 or -errno. */
int tst_pair(int lfd, const struct tst_addr *a, int *cfd, int *sfd);
/*
 * @cfd, a socket disconnected for reuse, connects to listener @lfd at @a
 * again (the accepted end is closed) with nothing left over to read: 0, or
 * -errno (tst_nothing_to_read()'s for a leftover).
 */
int tst_reconnect(int cfd, int lfd, const struct tst_addr *a, int timeout_ms);

/* Time and process state. */
int64_t tst_now_ms(void);		/* CLOCK_MONOTONIC */
void tst_sleep_ms(int ms);
int tst_count_fds(void);
int tst_count_threads(const char *name);

/* Socket state. */
int tst_tcp_state(int fd);		/* tcpi_state, or -errno */
/* Poll until @fd is in @state: the state, -ETIMEDOUT or -errno. */
int tst_wait_tcp_state(int fd, int state, int timeout_ms);

/*
 * net.ipv4.tcp_max_tw_buckets: the value before, -errno if unreadable; @set
 * is written if >= 0 (VM only: never on the host). With the table full the
 * kernel drops an orphan in FIN_WAIT2 instead of keeping it, so a peer's
 * late FIN meets a reset - in whichever program runs next, for the 60 s the
 * TIME_WAITs last: the test VM boots with a table no test fills (the
 * top-level Makefile's VM_TEST_APPEND).
 */
long tst_tw_buckets(long set);
int tst_get_int_opt(int fd, int level, int name);
int tst_set_int_opt(int fd, int level, int name, int val);
int tst_send_all(int fd, size_t n);	/* n pattern bytes: 0 / -errno */
/* The same, counting in @sent (may be NULL) what went before an error. */
int tst_send_count(int fd, size_t n, size_t *sent);
int tst_recv_exact(int fd, void *buf, size_t n, int timeout_ms);
int tst_nothing_to_read(int fd);	/* 0 when no byte and no EOF */
bool tst_still_connected(int a, int b);	/* one byte each way gets through */
void tst_reset_close(int fd);		/* close with an RST */

/*
 * Read until EOF (0), a reset (-ECONNRESET / -EPIPE ...) or the timeout
 * (-ETIMEDOUT), counting bytes (@bytes may be NULL).
 */
int tst_read_to_end(int fd, size_t *bytes, int timeout_ms);

/* How a connection ended, from tst_read_to_end()'s result. */
enum tst_end { TST_FIN, TST_RESET, TST_ERROR };
enum tst_end tst_end_of(int read_to_end_result);

/*
 * A peer thread, which closes the fd at the end: tst_peer_start() reads to
 * the end (tst_read_to_end()), tst_writer_start() sends @size pattern bytes
 * (tst_send_count()), tst_flooder_start() sends them for @ms (or until an
 * error). Each counts in @bytes; join returns the result.
 */
struct tst_peer {
	int fd;
	int timeout_ms;		/* a flooder's: how long it sends */
	size_t size;		/* to send: a writer */
	bool flood;		/* a flooder */
	size_t bytes;
	int end;
	pthread_t thread;
};

int tst_peer_start(struct tst_peer *p, int fd, int timeout_ms);
int tst_writer_start(struct tst_peer *p, int fd, size_t size);
int tst_flooder_start(struct tst_peer *p, int fd, int ms);
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
int tst_server_join(struct tst_server *s);	/* 0, or -EIO on any error */

/*
 * A gang of threads for the tests that run many at once: thread i runs
 * fn(g, items + i * size), items being the caller's array of per-thread
 * structs. The threads and the caller meet at tst_gang_meet() (a barrier
 * of every thread and the caller), so that they act at one instant; a gang
 * whose threads never meet needs none. No fn runs before every thread has
 * started, so a start that fails leaves nothing waiting at the barrier.
 */
struct tst_gang;
typedef void tst_gang_fn(struct tst_gang *g, void *item);

struct tst_gang_member {
	struct tst_gang *gang;
	void *item;
	pthread_t thread;
};

struct tst_gang {
	tst_gang_fn *fn;
	int n;
	struct tst_gang_member *members;
	pthread_barrier_t meet;
	pthread_mutex_t lock;
	pthread_cond_t go_cond;
	int go;			/* 0 starting, 1 run fn, -1 a start failed */
};

/* 0, or -errno with no thread left. */
int tst_gang_start(struct tst_gang *g, int n, tst_gang_fn *fn, void *items,
		   size_t size);
void tst_gang_meet(struct tst_gang *g);
void tst_gang_join(struct tst_gang *g);	/* every thread ended; g freed */

#endif /* TST_NET_H */
