// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_server: W3's native baseline - the echo server a Linux programmer
 * writes without this project: one thread, one epoll, non-blocking
 * sockets; accept4(), read the request, write it back, read until the
 * client's FIN, close(). A new socket for every connection.
 *
 * Its command line is iocp_server's (userspace/examples/iocp_server.c), so
 * that serverbench drives both the same way:
 *
 *   epoll_server [-6] [-a ADDR] [-p PORT] [-n CONNECTIONS] [-q]
 *
 * Prints "listening on ADDR port N" once ready, and after CONNECTIONS
 * connections "connections N fin F reset R bytes B"; exit status 0 only if
 * every connection ended with the client's FIN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_LEN		4096
#define EVENTS		256

/* One connection: the bytes read and not yet written back. */
struct conn {
	int fd;
	int pending;		/* bytes of buf still to write */
	int off;
	char buf[BUF_LEN];
};

static long done, fins, resets;
static unsigned long long bytes;

static void conn_end(int ep, struct conn *c, bool fin)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
	done++;
	if (fin)
		fins++;
	else
		resets++;
}

/* Write what is pending; false if the connection failed. */
static bool conn_flush(struct conn *c)
{
	while (c->pending) {
		ssize_t n = write(c->fd, c->buf + c->off, (size_t)c->pending);

		if (n < 0)
			return errno == EAGAIN;
		c->off += (int)n;
		c->pending -= (int)n;
		bytes += (unsigned long long)n;
	}
	return true;
}

/* Readable: echo, or the end. */
static void conn_io(int ep, struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };
	ssize_t n;

	if (!conn_flush(c)) {
		conn_end(ep, c, false);
		return;
	}
	while (!c->pending) {
		n = read(c->fd, c->buf, sizeof(c->buf));
		if (n == 0) {
			conn_end(ep, c, true);
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			conn_end(ep, c, false);
			return;
		}
		c->off = 0;
		c->pending = (int)n;
		if (!conn_flush(c)) {
			conn_end(ep, c, false);
			return;
		}
	}
	ev.events = c->pending ? EPOLLOUT : EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct epoll_event evs[EVENTS], ev;
	const char *addr = NULL;
	int family = AF_INET, port = 0, opt, l, ep, one = 1, i, n;
	long limit = 0;
	socklen_t len;
	char text[INET6_ADDRSTRLEN];

	while ((opt = getopt(argc, argv, "6a:p:n:q")) != -1) {
		switch (opt) {
		case '6': family = AF_INET6; break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': limit = atol(optarg); break;
		case 'q': break;
		default:
			fprintf(stderr, "usage: epoll_server [-6] [-a ADDR] [-p PORT] [-n CONNECTIONS] [-q]\n");
			return 2;
		}
	}
	if (!addr)
		addr = family == AF_INET6 ? "::1" : "127.0.0.1";
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		a6->sin6_port = htons((uint16_t)port);
		n = inet_pton(AF_INET6, addr, &a6->sin6_addr);
		len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

		a4->sin_port = htons((uint16_t)port);
		n = inet_pton(AF_INET, addr, &a4->sin_addr);
		len = sizeof(*a4);
	}
	if (n != 1) {
		fprintf(stderr, "epoll_server: %s: not a numeric address\n", addr);
		return 2;
	}
	l = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&ss, len) || listen(l, SOMAXCONN) ||
	    getsockname(l, (struct sockaddr *)&ss, &len)) {
		perror("epoll_server: listener");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev)) {
		perror("epoll_server: epoll");
		return 1;
	}
	inet_ntop(family, family == AF_INET6 ?
		  (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
		  (void *)&((struct sockaddr_in *)&ss)->sin_addr, text, sizeof(text));
	printf("listening on %s port %d\n", text,
	       ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
				       ((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);

	while (!limit || done < limit) {
		n = epoll_wait(ep, evs, EVENTS, -1);
		if (n < 0 && errno != EINTR) {
			perror("epoll_server: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			int fd;

			if (c) {
				conn_io(ep, c);
				continue;
			}
			while ((fd = accept4(l, NULL, NULL,
					     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				c = malloc(sizeof(*c));
				if (!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				c->pending = 0;
				c->off = 0;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			}
		}
	}
	printf("connections %ld fin %ld reset %ld bytes %llu\n", done, fins,
	       resets, bytes);
	return resets ? 1 : 0;
}
