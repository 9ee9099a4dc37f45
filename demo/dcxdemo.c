// SPDX-License-Identifier: GPL-2.0
/*
 * dcxdemo: the main job, run in the test VM by `make run`.
 *
 * An echo server (a child process) and a client that recycles a small pool
 * of sockets the way a Windows server does: ConnectEx with a first request,
 * read the echo, overlapped DisconnectEx(TF_REUSE_SOCKET), wait on the
 * events, ConnectEx again on the very same socket. Prints progress, then a
 * report; exits non-zero if anything in it is wrong.
 *
 * usage: dcxdemo [CONNECTIONS [POOL [BACKEND]]]   (BACKEND: kernel, emulated)
 */
/* The echo server and the setup are Linux code: the C library's calls. */
#define DCX_BSD_SOCKETS 1
#include <mswsock.h>

#include <disconnectex.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REQ_LEN		1024
#define MAX_POOL	64
#define WAIT_MS		30000
#define STATS		"/sys/class/misc/disconnectex/stats/"

struct server_report {
	long conns, fins, resets;
	unsigned long long bytes;
};

struct slot {
	SOCKET s;
	OVERLAPPED ov;
	int connecting;
	int uses;
	char req[REQ_LEN], reply[REQ_LEN];
};

static struct slot slots[MAX_POOL];
static WSAEVENT events[MAX_POOL];
static LPFN_CONNECTEX pConnectEx;
static LPFN_DISCONNECTEX pDisconnectEx;
static struct sockaddr_in server_addr;
static long started;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Echo every byte back until EOF, for all connections at once (the client
 * reads a reply on one socket while another is being disconnected), and
 * count how each connection ended.
 */
static void serve(int lfd, long total, int report)
{
	struct pollfd pfd[2 * MAX_POOL + 1];
	struct server_report rep = { 0 };
	int nfd = 1, i, fd;
	char buf[REQ_LEN];
	ssize_t n;

	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	while (rep.fins + rep.resets < total) {
		if (poll(pfd, nfd, -1) < 0)
			break;
		if ((pfd[0].revents & POLLIN) && nfd < 2 * MAX_POOL + 1) {
			fd = accept(lfd, NULL, NULL);
			if (fd >= 0) {
				rep.conns++;
				pfd[nfd].fd = fd;
				pfd[nfd++].events = POLLIN;
			}
		}
		for (i = 1; i < nfd; i++) {
			if (!pfd[i].revents)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n > 0) {
				rep.bytes += n;
				if (write(pfd[i].fd, buf, n) == n)
					continue;
			}
			if (n == 0)
				rep.fins++;
			else
				rep.resets++;
			close(pfd[i].fd);
			pfd[i--] = pfd[--nfd];
		}
	}
	if (write(report, &rep, sizeof(rep)) != sizeof(rep))
		_exit(1);
	_exit(0);
}

static int fail(const char *what)
{
	fprintf(stderr, "dcxdemo: %s failed: WSA error %d\n", what,
		WSAGetLastError());
	return -1;
}

static int start_connect(struct slot *sl)
{
	int i;

	for (i = 0; i < REQ_LEN; i++)
		sl->req[i] = (char)(started * 31 + i);
	started++;
	sl->connecting = 1;
	if (!pConnectEx(sl->s, (struct sockaddr *)&server_addr,
			sizeof(server_addr), sl->req, REQ_LEN, NULL, &sl->ov) &&
	    WSAGetLastError() != ERROR_IO_PENDING)
		return fail("ConnectEx");
	return 0;
}

static int finish_connect(struct slot *sl)
{
	int got = 0, n;

	while (got < REQ_LEN) {
		n = recv(sl->s, sl->reply + got, REQ_LEN - got, 0);
		if (n <= 0) {
			fprintf(stderr, "dcxdemo: echo cut short\n");
			return -1;
		}
		got += n;
	}
	if (memcmp(sl->req, sl->reply, REQ_LEN)) {
		fprintf(stderr, "dcxdemo: echo differs\n");
		return -1;
	}
	sl->connecting = 0;
	if (!pDisconnectEx(sl->s, &sl->ov, TF_REUSE_SOCKET, 0) &&
	    WSAGetLastError() != ERROR_IO_PENDING)
		return fail("DisconnectEx");
	return 0;
}

static long stat_read(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), STATS "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The pool's loop: every completion starts the socket's next step. */
static int run_client(long total, int pool)
{
	long done = 0, step = total / 10 ? total / 10 : 1;
	DWORD w, bytes, flags;
	struct slot *sl;
	int i;

	for (i = 0; i < pool; i++)
		if (start_connect(&slots[i]))
			return -1;
	while (done < total) {
		w = WSAWaitForMultipleEvents(pool, events, FALSE, WAIT_MS, FALSE);
		if (w == WSA_WAIT_TIMEOUT || w == WSA_WAIT_FAILED)
			return fail("WSAWaitForMultipleEvents");
		sl = &slots[w - WSA_WAIT_EVENT_0];
		WSAResetEvent(sl->ov.hEvent);
		if (!WSAGetOverlappedResult(sl->s, &sl->ov, &bytes, FALSE, &flags))
			return fail(sl->connecting ? "ConnectEx" : "DisconnectEx");
		if (sl->connecting) {
			if (bytes != REQ_LEN || finish_connect(sl))
				return -1;
			continue;
		}
		sl->uses++;
		if (++done % step == 0)
			printf("dcxdemo: %ld/%ld connections\n", done, total);
		if (started < total && start_connect(sl))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	GUID gc = WSAID_CONNECTEX, gd = WSAID_DISCONNECTEX;
	static const char * const stats[] = {
		"submitted", "completed", "graceful", "reset", "timedout",
		"canceled", "reused", "inflight",
	};
	long total = argc > 1 ? atol(argv[1]) : 5000;
	int pool = argc > 2 ? atoi(argv[2]) : 8;
	int lfd, rep_pipe[2], status, bad = 0, i, one = 1;
	long before[8], reused_min = -1, reused_max = 0;
	socklen_t alen = sizeof(server_addr);
	struct server_report rep;
	unsigned int nodelay;
	double t0, elapsed;
	DWORD bytes;
	WSADATA wsa;
	pid_t srv;

	if (total < 1 || pool < 1 || pool > MAX_POOL || pool > total) {
		fprintf(stderr, "usage: dcxdemo [CONNECTIONS [POOL <= %d [BACKEND]]]\n",
			MAX_POOL);
		return 2;
	}
	/* The library reads DCX_BACKEND once, at its first use. */
	if (argc > 3 && *argv[3])
		setenv("DCX_BACKEND", argv[3], 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&server_addr, alen) ||
	    listen(lfd, 128) ||
	    getsockname(lfd, (struct sockaddr *)&server_addr, &alen) ||
	    pipe(rep_pipe)) {
		perror("dcxdemo: server");
		return 1;
	}
	srv = fork();
	if (srv == 0)
		serve(lfd, total, rep_pipe[1]);
	close(lfd);

	if (WSAStartup(MAKEWORD(2, 2), &wsa))
		return 1;
	printf("dcxdemo: %ld connections over a pool of %d sockets, backend %s\n",
	       total, pool, dcx_backend_name());
	for (i = 0; i < 8; i++)
		before[i] = stat_read(stats[i]);
	for (i = 0; i < pool; i++) {
		slots[i].s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
		events[i] = WSACreateEvent();
		if (slots[i].s == INVALID_SOCKET || events[i] == WSA_INVALID_EVENT)
			return fail("socket");
		setsockopt(slots[i].s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		slots[i].ov.hEvent = events[i];
	}
	if (WSAIoctl(slots[0].s, SIO_GET_EXTENSION_FUNCTION_POINTER, &gc,
		     sizeof(gc), &pConnectEx, sizeof(pConnectEx), &bytes, NULL, NULL) ||
	    WSAIoctl(slots[0].s, SIO_GET_EXTENSION_FUNCTION_POINTER, &gd,
		     sizeof(gd), &pDisconnectEx, sizeof(pDisconnectEx), &bytes, NULL, NULL))
		return fail("WSAIoctl");

	t0 = now_s();
	if (run_client(total, pool))
		bad = 1;
	elapsed = now_s() - t0;

	if (bad)
		kill(srv, SIGKILL);
	waitpid(srv, &status, 0);
	if (read(rep_pipe[0], &rep, sizeof(rep)) != sizeof(rep))
		memset(&rep, 0, sizeof(rep));

	printf("\n==== dcxdemo report ====\n");
	printf("backend               %s\n", dcx_backend_name());
	printf("connections made      %ld of %ld\n", started, total);
	printf("sockets used          %d (fd", pool);
	for (i = 0; i < pool; i++) {
		printf(" %d", slots[i].s);
		if (reused_min < 0 || slots[i].uses < reused_min)
			reused_min = slots[i].uses;
		if (slots[i].uses > reused_max)
			reused_max = slots[i].uses;
	}
	printf(")\n");
	printf("uses per fd           %ld to %ld\n", reused_min, reused_max);
	printf("bytes echoed          %llu (expected %llu)\n", rep.bytes,
	       (unsigned long long)total * REQ_LEN);
	printf("server saw            %ld connections: %ld FIN, %ld reset\n",
	       rep.conns, rep.fins, rep.resets);
	for (i = 0; i < 8 && before[i] >= 0; i++)
		printf("module %-14s %ld (+%ld)\n", stats[i], stat_read(stats[i]),
		       stat_read(stats[i]) - before[i]);
	printf("elapsed               %.2f s (%.0f connections/s)\n", elapsed,
	       total / elapsed);
	for (i = 0; i < pool; i++) {
		socklen_t len = sizeof(nodelay);

		getsockopt(slots[i].s, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
		if (!nodelay) {
			printf("ERROR: fd %d lost TCP_NODELAY\n", slots[i].s);
			bad = 1;
		}
		closesocket(slots[i].s);
	}
	if (rep.conns != total || rep.fins != total || rep.resets ||
	    rep.bytes != (unsigned long long)total * REQ_LEN) {
		printf("ERROR: the server's view differs from %ld graceful connections\n", total);
		bad = 1;
	}
	if (dcx_backend() == DCX_BACKEND_KERNEL &&
	    (stat_read("graceful") - before[2] != total ||
	     stat_read("reused") - before[6] != total)) {
		printf("ERROR: the module did not count %ld graceful reuses\n", total);
		bad = 1;
	}
	WSACleanup();
	printf("%s 1 dcxdemo\n", bad ? "not ok" : "ok");
	return bad;
}
