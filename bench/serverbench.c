// SPDX-License-Identifier: GPL-2.0
/*
 * serverbench: W3 (SPEC section 5) - the Windows server pattern through
 * the library against a native epoll server, in the test VM.
 *
 * Servers, each its own process so that wait4()'s rusage is exactly its
 * CPU (every thread of it, io_uring's io-wq workers included; the startup
 * too: a pool of accept sockets, a ring, well under 1 % of a round):
 *
 *   iocp-kernel    userspace/examples/iocp_server (AcceptEx pool as large
 *                  as the concurrency, one worker thread, WSARecv/WSASend,
 *                  DisconnectEx(TF_REUSE_SOCKET), AcceptEx again) on the
 *                  module (DCX_BACKEND=kernel)
 *   iocp-emulated  the same program on the emulated backend
 *   epoll          bench/epoll_server: one thread, accept4, read, write,
 *                  read to the FIN, close - a new socket per connection
 *
 * One thread each, so that CPU per connection compares like with like.
 * The load is the same for all: this program's client, one epoll thread
 * with C connections in flight, each a fresh non-blocking socket that
 * connects, sends a 1 KiB request (its bytes depend on the connection),
 * reads the echo and checks it, shuts down its sending side, reads to the
 * server's FIN and closes (graceful on both sides: every server sees a
 * FIN, never a reset). Rounds interleave the servers (A B C A B C ...), so
 * each ratio to epoll is taken between runs close in time; the medians
 * and the quartiles of those per-round ratios are reported.
 *
 * usage: serverbench [--rounds R] [--conns N] [--conc C[,C...]] [--quick]
 *                    [--bin DIR]
 *
 * Output lines for run-bench.sh: SERVERBENCH-CSV (every run),
 * SERVERBENCH-MEDIAN (by server and concurrency, with the ratios to epoll
 * and their quartiles), SERVERBENCH-TARGET, and the table between
 * SERVERBENCH-TABLE-BEGIN/END.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define REQ_LEN		1024
#define MAX_CONC	1024
#define MAX_ROUNDS	32
#define MAX_CONCS	4
#define WAIT_S		120	/* a run that takes longer has failed */

struct variant {
	const char *name;
	const char *prog;
	const char *backend;	/* DCX_BACKEND, or NULL */
};

static const struct variant variants[] = {
	{ "iocp-kernel", "iocp_server", "kernel" },
	{ "iocp-emulated", "iocp_server", "emulated" },
	{ "epoll", "epoll_server", NULL },
};

/* Where the servers are: /bin in the VM (--bin DIR elsewhere). */
static const char *bin_dir = "/bin";
#define NVAR	(sizeof(variants) / sizeof(variants[0]))
#define EPOLL	2

struct run {
	double rate;		/* connections/s, the client's wall clock */
	double cpu_us;		/* server CPU per connection */
	long fins, resets, errors;
	bool ok;
};

struct slot {
	int fd;
	int state;		/* 0 connecting, 1 sending, 2 echo, 3 to EOF */
	long id;
	int sent, got;
	unsigned char rx[REQ_LEN];
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned char req_byte(long id, int j)
{
	return (unsigned char)(id * 31 + j * 7 + (j >> 8));
}

static int slot_start(int ep, struct slot *s, long id, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };

	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	s->id = id;
	s->state = 0;
	s->sent = s->got = 0;
	if (connect(s->fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS) {
		close(s->fd);
		return -errno;
	}
	return epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) ? -errno : 0;
}

/* One step of a connection: 1 when it is over (*fin: ended by a FIN). */
static int slot_step(int ep, struct slot *s, long *errors, bool *fin)
{
	struct epoll_event ev = { .data.ptr = s };
	unsigned char req[REQ_LEN], buf[256];
	int err = 0, j;
	socklen_t len = sizeof(err);
	ssize_t n;

	*fin = false;
	if (s->state == 0) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
			goto fail;
		s->state = 1;
	}
	if (s->state == 1) {
		for (j = 0; j < REQ_LEN; j++)
			req[j] = req_byte(s->id, j);
		n = send(s->fd, req + s->sent, REQ_LEN - s->sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN)
			goto fail;
		if (n > 0)
			s->sent += (int)n;
		if (s->sent < REQ_LEN)
			return 0;
		s->state = 2;
		ev.events = EPOLLIN;
		epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
	}
	while (s->state == 2) {
		n = recv(s->fd, s->rx + s->got, REQ_LEN - s->got, 0);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			goto fail;
		s->got += (int)n;
		if (s->got < REQ_LEN)
			continue;
		for (j = 0; j < REQ_LEN; j++)
			if (s->rx[j] != req_byte(s->id, j))
				goto fail;
		shutdown(s->fd, SHUT_WR);
		s->state = 3;
	}
	for (;;) {
		n = recv(s->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n != 0)
			goto fail;
		*fin = true;
		close(s->fd);
		return 1;
	}
fail:
	(*errors)++;
	close(s->fd);
	return 1;
}

/* The client: @n connections, @conc in flight, to 127.0.0.1:@port. */
static int client(int port, long n, int conc, struct run *r)
{
	static struct slot slots[MAX_CONC];
	struct epoll_event evs[256];
	long started = 0, ended = 0;
	double t0 = now_s(), deadline = t0 + WAIT_S;
	int ep, i, k;
	bool fin;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	for (i = 0; i < conc && started < n; i++)
		if (slot_start(ep, &slots[i], started++, port))
			r->errors++, ended++;
	while (ended < n) {
		k = epoll_wait(ep, evs, 256, 1000);
		if (now_s() > deadline) {
			fprintf(stderr, "serverbench: client stalled, %ld of %ld\n",
				ended, n);
			close(ep);
			return -ETIMEDOUT;
		}
		for (i = 0; i < k; i++) {
			struct slot *s = evs[i].data.ptr;

			if (!slot_step(ep, s, &r->errors, &fin))
				continue;
			ended++;
			while (started < n) {
				if (!slot_start(ep, s, started++, port))
					break;
				r->errors++;
				ended++;
			}
		}
	}
	r->rate = (double)n / (now_s() - t0);
	close(ep);
	return 0;
}

/* One run of @v at @conc for @n connections. */
static void run_one(const struct variant *v, int conc, long n, struct run *r)
{
	char nbuf[24], pool[16], line[256], path[512];
	struct rusage ru;
	int out[2], status, port = 0;
	pid_t pid;
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/%s", bin_dir, v->prog);
	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	snprintf(pool, sizeof(pool), "%d", conc);
	if (pipe2(out, O_CLOEXEC))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		alarm(WAIT_S + 30);
		if (v->backend)
			setenv("DCX_BACKEND", v->backend, 1);
		if (v->backend)
			execl(path, path, "-q", "-p", "0", "-n", nbuf, "-s",
			      pool, "-t", "1", (char *)NULL);
		else
			execl(path, path, "-q", "-p", "0", "-n", nbuf,
			      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "listening on %*s port %d", &port) == 1)
			break;
	if (port > 0 && !client(port, n, conc, r))
		r->ok = true;
	/* The rest of its output: the report. */
	while (f && fgets(line, sizeof(line), f)) {
		long a;

		if (sscanf(line, "ended by FIN %ld", &a) == 1 ||
		    sscanf(line, "connections %*d fin %ld", &a) == 1)
			r->fins = a;
		if (sscanf(line, "ended by reset %ld", &a) == 1 ||
		    sscanf(line, "connections %*d fin %*d reset %ld", &a) == 1)
			r->resets = a;
	}
	if (f)
		fclose(f);
	if (!r->ok)
		kill(pid, SIGKILL);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		r->ok = false;
	r->cpu_us = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e6 +
		    (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec;
	r->cpu_us /= (double)n;
	if (r->errors || r->resets || r->fins != n)
		r->ok = false;
}

int main(int argc, char **argv)
{
	static struct run runs[MAX_CONCS][MAX_ROUNDS][NVAR];
	int concs[MAX_CONCS] = { 64, 1024 }, nconc = 2, rounds = 7, c, rd, i;
	long n = 4000;
	bool all_ok = true;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--conns") && i + 1 < argc) {
			n = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--conc") && i + 1 < argc) {
			char *p = argv[++i];

			for (nconc = 0; p && *p && nconc < MAX_CONCS; nconc++) {
				concs[nconc] = atoi(p);
				p = strchr(p, ',');
				p = p ? p + 1 : NULL;
			}
		} else if (!strcmp(argv[i], "--bin") && i + 1 < argc) {
			bin_dir = argv[++i];
		} else if (!strcmp(argv[i], "--quick")) {
			rounds = 1;
			n = 1024;
		} else {
			fprintf(stderr, "usage: serverbench [--rounds R] [--conns N] [--conc C[,C...]] [--quick] [--bin DIR]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || n < 1 || nconc < 1) {
		fprintf(stderr, "serverbench: rounds 1..%d, conns >= 1\n", MAX_ROUNDS);
		return 2;
	}
	for (c = 0; c < nconc; c++)
		if (concs[c] < 1 || concs[c] > MAX_CONC || concs[c] > n) {
			fprintf(stderr, "serverbench: concurrency 1..%d and <= conns\n",
				MAX_CONC);
			return 2;
		}

	/*
	 * 1,024 connections in flight and a pool of 1,024 accept sockets
	 * need more descriptors than the default soft limit; the servers
	 * inherit this one.
	 */
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 65536, 65536 })) {
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl)) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	printf("1..1\n");
	printf("SERVERBENCH-CSV: round,variant,conc,conns,conns_per_s,server_cpu_us_per_conn,fins,resets,errors,ok\n");
	for (c = 0; c < nconc; c++) {
		for (rd = 0; rd < rounds; rd++) {
			for (i = 0; i < (int)NVAR; i++) {
				struct run *r = &runs[c][rd][i];

				run_one(&variants[i], concs[c], n, r);
				printf("SERVERBENCH-CSV: %d,%s,%d,%ld,%.0f,%.1f,%ld,%ld,%ld,%d\n",
				       rd, variants[i].name, concs[c], n, r->rate,
				       r->cpu_us, r->fins, r->resets, r->errors, r->ok);
				fprintf(stderr, "# W3 c=%d round %d/%d %-13s %6.0f conn/s %7.1f us/conn%s\n",
					concs[c], rd + 1, rounds, variants[i].name,
					r->rate, r->cpu_us, r->ok ? "" : "  FAILED");
				fflush(stdout);
				all_ok &= r->ok;
			}
		}
	}

	printf("SERVERBENCH-MEDIAN: variant,conc,conns,conns_per_s,server_cpu_us_per_conn,rate_vs_epoll,rate_q1,rate_q3,cpu_vs_epoll,cpu_q1,cpu_q3\n");
	printf("SERVERBENCH-TABLE-BEGIN\n");
	printf("W3: the IOCP server (AcceptEx pool, 1 worker) through the library vs a native epoll server, %ld connections a run, %d interleaved rounds\n", n, rounds);
	printf("%-6s %-14s %10s %12s %22s %22s\n", "conc", "server", "conn/s", "CPU us/conn",
	       "conn/s vs epoll (IQR)", "CPU vs epoll (IQR)");
	for (c = 0; c < nconc; c++) {
		for (i = 0; i < (int)NVAR; i++) {
			double rate[MAX_ROUNDS], cpu[MAX_ROUNDS], rr[MAX_ROUNDS], cr[MAX_ROUNDS];
			double mr, mc, qr1, qr3, qc1, qc3;
			int k;

			for (k = 0; k < rounds; k++) {
				const struct run *r = &runs[c][k][i];
				const struct run *e = &runs[c][k][EPOLL];

				rate[k] = r->rate;
				cpu[k] = r->cpu_us;
				rr[k] = e->rate > 0 ? r->rate / e->rate : 0;
				cr[k] = e->cpu_us > 0 ? r->cpu_us / e->cpu_us : 0;
			}
			mr = bench_quantile(rr, rounds, 0.5);
			qr1 = bench_quantile(rr, rounds, 0.25);
			qr3 = bench_quantile(rr, rounds, 0.75);
			mc = bench_quantile(cr, rounds, 0.5);
			qc1 = bench_quantile(cr, rounds, 0.25);
			qc3 = bench_quantile(cr, rounds, 0.75);
			printf("%-6d %-14s %10.0f %12.1f %8.2fx (%.2f-%.2f) %8.2fx (%.2f-%.2f)\n",
			       concs[c], variants[i].name, bench_quantile(rate, rounds, 0.5),
			       bench_quantile(cpu, rounds, 0.5), mr, qr1, qr3, mc, qc1, qc3);
			printf("SERVERBENCH-MEDIAN: %s,%d,%ld,%.0f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n",
			       variants[i].name, concs[c], n,
			       bench_quantile(rate, rounds, 0.5), bench_quantile(cpu, rounds, 0.5),
			       mr, qr1, qr3, mc, qc1, qc3);
			if (i == 0) {
				printf("SERVERBENCH-TARGET: W3 c=%d iocp-kernel conn/s vs epoll,%.2f,>= 1.00,%s\n",
				       concs[c], mr, mr >= 1.0 ? "met" : "missed");
				printf("SERVERBENCH-TARGET: W3 c=%d iocp-kernel CPU/conn vs epoll,%.2f,<= 1.00,%s\n",
				       concs[c], mc, mc <= 1.0 ? "met" : "missed");
			}
		}
	}
	printf("SERVERBENCH-TABLE-END\n");
	printf("%s 1 serverbench: %d runs, every connection echoed and ended by a FIN\n",
	       all_ok ? "ok" : "not ok", nconc * rounds * (int)NVAR);
	return all_ok ? 0 : 1;
}
