// SPDX-License-Identifier: MIT
/*
 * echo_server - the other end of recycle_client, in plain POSIX: echoes
 * what it reads, closes its side when the client's FIN arrives, and counts
 * how each connection ended - a FIN (read returned 0) or a reset
 * (ECONNRESET) - which is what tells a graceful disconnect from an abortive
 * one.
 *
 * Usage: echo_server [-6] [-a ADDR] [-p PORT] [-n CONNECTIONS]
 *
 * Prints "listening on ADDR port PORT" once ready (-p 0: any free port),
 * and at the end "connections N fin F reset R bytes B". Exits after N
 * connections (default: never) with status 0 if every one ended with a FIN.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS	1024

static struct pollfd pfds[MAX_CONNS + 1];
static unsigned long long total_bytes;
static long conns, fins, resets;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Returns 1 when the connection is over. */
static int serve(int fd)
{
	char buf[65536];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0) {
		total_bytes += (unsigned long long)n;
		/* A peer that stopped reading is its business: drop data. */
		if (write_all(fd, buf, (size_t)n) && errno == ECONNRESET) {
			resets++;
			return 1;
		}
		return 0;
	}
	if (n == 0) {
		fins++;
		return 1;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	if (errno == ECONNRESET)
		resets++;
	else
		fprintf(stderr, "echo_server: recv: %s\n", strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const char *addr = NULL;
	long limit = -1;
	int family = AF_INET, port = 0, lfd, one = 1, opt, i, nfds = 1;
	char text[INET6_ADDRSTRLEN];
	socklen_t len;

	while ((opt = getopt(argc, argv, "6a:p:n:")) != -1) {
		switch (opt) {
		case '6':
			family = AF_INET6;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			limit = atol(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-6] [-a ADDR] [-p PORT] [-n CONNECTIONS]\n",
				argv[0]);
			return 2;
		}
	}

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (addr && inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			goto bad_addr;
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		sin6->sin6_addr = in6addr_loopback;
		if (addr && inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			goto bad_addr;
		len = sizeof(*sin6);
	}

	lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		perror("echo_server: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 1024) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len)) {
		perror("echo_server: bind/listen");
		return 1;
	}
	inet_ntop(family, family == AF_INET ? (void *)&sin->sin_addr :
					      (void *)&sin6->sin6_addr,
		  text, sizeof(text));
	printf("listening on %s port %d\n", text,
	       ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port));
	fflush(stdout);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pfds[0].fd = lfd;
	pfds[0].events = POLLIN;

	while (!stop && (limit < 0 || conns < limit || nfds > 1)) {
		if (poll(pfds, (nfds_t)nfds, 1000) < 0) {
			if (errno == EINTR)
				continue;
			perror("echo_server: poll");
			break;
		}
		if ((pfds[0].revents & POLLIN) && nfds <= MAX_CONNS &&
		    (limit < 0 || conns < limit)) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				conns++;
				pfds[nfds].fd = fd;
				pfds[nfds].events = POLLIN;
				pfds[nfds].revents = 0;
				nfds++;
			}
		}
		for (i = 1; i < nfds; i++) {
			if (!pfds[i].revents)
				continue;
			if (serve(pfds[i].fd)) {
				close(pfds[i].fd);
				pfds[i] = pfds[--nfds];
				i--;
			}
		}
	}

	printf("connections %ld fin %ld reset %ld bytes %llu\n", conns, fins,
	       resets, total_bytes);
	return resets == 0 && fins == conns ? 0 : 1;

bad_addr:
	fprintf(stderr, "echo_server: bad address %s\n", addr);
	return 2;
}
