// SPDX-License-Identifier: GPL-2.0
/* The test-helper library shared by every test tree; see tst_net.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tst_net.h"

int tst_listen(int family, int backlog, struct tst_addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	int fd, one = 1;

	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		a->len = sizeof(*sin6);
	}
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, tst_sa(a), a->len) || listen(fd, backlog) ||
	    getsockname(fd, tst_sa(a), &a->len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int tst_connect(int fd, const struct tst_addr *a)
{
	bool own = fd < 0;

	if (own) {
		fd = socket(a->ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0)
			return -errno;
	}
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len)) {
		int err = -errno;

		if (own)
			close(fd);
		return err;
	}
	return fd;
}

int tst_accept(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd, ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	fd = accept(lfd, NULL, NULL);
	return fd < 0 ? -errno : fd;
}

int tst_pair(int lfd, const struct tst_addr *a, int *cfd, int *sfd)
{
	*cfd = tst_connect(-1, a);
	if (*cfd < 0)
		return *cfd;
	*sfd = tst_accept(lfd, 5000);
	if (*sfd < 0) {
		int err = *sfd;

		close(*cfd);
		*cfd = -1;
		return err;
	}
	return 0;
}

int tst_reconnect(int cfd, int lfd, const struct tst_addr *a, int timeout_ms)
{
	int sfd, err;

	if (connect(cfd, tst_sa(a), a->len))
		return -errno;
	sfd = tst_accept(lfd, timeout_ms);
	if (sfd < 0)
		return sfd;
	err = tst_nothing_to_read(cfd);
	close(sfd);
	return err;
}

int64_t tst_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tst_sleep_ms(int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int tst_count_dir(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Not counting the directory stream's own fd. */
int tst_count_fds(void)
{
	int n = tst_count_dir("/proc/self/fd");

	return n < 0 ? n : n - 1;
}

/* Threads of this process whose name (comm) is @name. */
int tst_count_threads(const char *name)
{
	char path[300], comm[32];
	struct dirent *de;
	int n = 0, fd;
	ssize_t len;
	DIR *d;

	d = opendir("/proc/self/task");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (len <= 0)
			continue;
		comm[len] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		if (!strcmp(comm, name))
			n++;
	}
	closedir(d);
	return n;
}

/* struct tcp_info starts with tcpi_state in every version. */
int tst_tcp_state(int fd)
{
	unsigned char info[256];
	socklen_t len = sizeof(info);

	memset(info, 0, sizeof(info));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &len))
		return -errno;
	return info[0];
}

int tst_wait_tcp_state(int fd, int state, int timeout_ms)
{
	int64_t end = tst_now_ms() + timeout_ms;
	int s;

	for (;;) {
		s = tst_tcp_state(fd);
		if (s == state || s < 0)
			return s;
		if (tst_now_ms() > end)
			return -ETIMEDOUT;
		tst_sleep_ms(1);
	}
}

long tst_tw_buckets(long set)
{
	char buf[32];
	long old = -EIO;
	int fd, n;

	fd = open("/proc/sys/net/ipv4/tcp_max_tw_buckets", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		old = strtol(buf, NULL, 10);
	}
	if (set >= 0) {
		n = snprintf(buf, sizeof(buf), "%ld\n", set);
		if (pwrite(fd, buf, n, 0) != n)
			old = -EIO;
	}
	close(fd);
	return old;
}

int tst_get_int_opt(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v;

	if (getsockopt(fd, level, name, &v, &len))
		return -errno;
	return v;
}

int tst_set_int_opt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) ? -errno : 0;
}

/* Pattern bytes until @n went or @deadline passed, counted in @sent. */
static int tst_send_until(int fd, size_t n, int64_t deadline, size_t *sent)
{
	char buf[65536];
	size_t i, chunk;
	ssize_t w;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	if (sent)
		*sent = 0;
	while (n && tst_now_ms() < deadline) {
		chunk = n < sizeof(buf) ? n : sizeof(buf);
		w = send(fd, buf, chunk, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n -= (size_t)w;
		if (sent)
			*sent += (size_t)w;
	}
	return 0;
}

int tst_send_count(int fd, size_t n, size_t *sent)
{
	return tst_send_until(fd, n, INT64_MAX, sent);
}

int tst_send_all(int fd, size_t n)
{
	return tst_send_count(fd, n, NULL);
}

int tst_recv_exact(int fd, void *buf, size_t n, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t end = tst_now_ms() + timeout_ms;
	size_t got = 0;
	ssize_t r;
	int left;

	while (got < n) {
		left = (int)(end - tst_now_ms());
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return -errno;
		r = recv(fd, (char *)buf + got, n - got, MSG_DONTWAIT);
		if (r == 0)
			return -ENODATA;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}

int tst_nothing_to_read(int fd)
{
	char c;
	ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return r < 0 ? -errno : (r == 0 ? -ENODATA : -EEXIST);
}

bool tst_still_connected(int a, int b)
{
	char c = 'x';

	return write(a, &c, 1) == 1 && read(b, &c, 1) == 1 &&
	       write(b, &c, 1) == 1 && read(a, &c, 1) == 1;
}

void tst_reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

int tst_read_to_end(int fd, size_t *bytes, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t end = tst_now_ms() + timeout_ms;
	char buf[65536];
	ssize_t r;
	int left;

	if (bytes)
		*bytes = 0;
	for (;;) {
		left = (int)(end - tst_now_ms());
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return -errno;
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (bytes)
			*bytes += (size_t)r;
	}
}

enum tst_end tst_end_of(int read_to_end_result)
{
	if (!read_to_end_result)
		return TST_FIN;
	if (read_to_end_result == -ECONNRESET ||
	    read_to_end_result == -EPIPE)
		return TST_RESET;
	return TST_ERROR;
}

static void *tst_peer_main(void *arg)
{
	struct tst_peer *p = arg;

	if (p->flood)
		p->end = tst_send_until(p->fd, SIZE_MAX,
					tst_now_ms() + p->timeout_ms,
					&p->bytes);
	else if (p->size)
		p->end = tst_send_count(p->fd, p->size, &p->bytes);
	else
		p->end = tst_read_to_end(p->fd, &p->bytes, p->timeout_ms);
	close(p->fd);
	return NULL;
}

static int tst_peer_spawn(struct tst_peer *p, int fd, int timeout_ms,
			  size_t size, bool flood)
{
	p->fd = fd;
	p->timeout_ms = timeout_ms;
	p->size = size;
	p->flood = flood;
	p->bytes = 0;
	p->end = -EINPROGRESS;
	return -pthread_create(&p->thread, NULL, tst_peer_main, p);
}

int tst_peer_start(struct tst_peer *p, int fd, int timeout_ms)
{
	return tst_peer_spawn(p, fd, timeout_ms, 0, false);
}

int tst_writer_start(struct tst_peer *p, int fd, size_t size)
{
	return tst_peer_spawn(p, fd, 0, size, false);
}

int tst_flooder_start(struct tst_peer *p, int fd, int ms)
{
	return tst_peer_spawn(p, fd, ms, 0, true);
}

int tst_peer_join(struct tst_peer *p)
{
	pthread_join(p->thread, NULL);
	return p->end;
}

static void *tst_server_main(void *arg)
{
	struct tst_server *s = arg;
	size_t bytes;
	int i, fd, end;

	for (i = 0; i < s->conns; i++) {
		fd = tst_accept(s->lfd, s->timeout_ms);
		if (fd < 0) {
			s->errors++;
			break;
		}
		end = tst_read_to_end(fd, &bytes, s->timeout_ms);
		s->bytes += bytes;
		switch (tst_end_of(end)) {
		case TST_FIN:
			s->fins++;
			break;
		case TST_RESET:
			s->resets++;
			break;
		default:
			s->errors++;
		}
		close(fd);
	}
	return NULL;
}

int tst_server_start(struct tst_server *s, int lfd, int conns,
		     int timeout_ms)
{
	memset(s, 0, sizeof(*s));
	s->lfd = lfd;
	s->conns = conns;
	s->timeout_ms = timeout_ms;
	return -pthread_create(&s->thread, NULL, tst_server_main, s);
}

int tst_server_join(struct tst_server *s)
{
	pthread_join(s->thread, NULL);
	return s->errors ? -EIO : 0;
}

static void *tst_gang_main(void *arg)
{
	struct tst_gang_member *m = arg;
	struct tst_gang *g = m->gang;
	int go;

	pthread_mutex_lock(&g->lock);
	while (!g->go)
		pthread_cond_wait(&g->go_cond, &g->lock);
	go = g->go;
	pthread_mutex_unlock(&g->lock);
	if (go > 0)
		g->fn(g, m->item);
	return NULL;
}

/* Let the threads started run fn (@go 1) or return at once (-1). */
static void tst_gang_go(struct tst_gang *g, int go)
{
	pthread_mutex_lock(&g->lock);
	g->go = go;
	pthread_cond_broadcast(&g->go_cond);
	pthread_mutex_unlock(&g->lock);
}

static void tst_gang_free(struct tst_gang *g, int started)
{
	int i;

	for (i = 0; i < started; i++)
		pthread_join(g->members[i].thread, NULL);
	pthread_cond_destroy(&g->go_cond);
	pthread_mutex_destroy(&g->lock);
	pthread_barrier_destroy(&g->meet);
	free(g->members);
}

int tst_gang_start(struct tst_gang *g, int n, tst_gang_fn *fn, void *items,
		   size_t size)
{
	int i, err;

	memset(g, 0, sizeof(*g));
	g->fn = fn;
	g->n = n;
	g->members = calloc(n, sizeof(*g->members));
	if (!g->members)
		return -ENOMEM;
	err = -pthread_barrier_init(&g->meet, NULL, n + 1);
	if (err) {
		free(g->members);
		return err;
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->go_cond, NULL);
	for (i = 0; i < n; i++) {
		g->members[i].gang = g;
		g->members[i].item = (char *)items + i * size;
		err = -pthread_create(&g->members[i].thread, NULL,
				      tst_gang_main, &g->members[i]);
		if (err) {
			tst_gang_go(g, -1);
			tst_gang_free(g, i);
			return err;
		}
	}
	tst_gang_go(g, 1);
	return 0;
}

void tst_gang_meet(struct tst_gang *g)
{
	pthread_barrier_wait(&g->meet);
}

void tst_gang_join(struct tst_gang *g)
{
	tst_gang_free(g, g->n);
}
