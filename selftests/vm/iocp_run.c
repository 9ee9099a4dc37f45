// SPDX-License-Identifier: GPL-2.0
/*
 * iocp_run: the guest side of `make run`. Linux code, not an example: it
 * runs the two Windows-API examples, userspace/examples/iocp_server and
 * iocp_client (static, in /bin), against each other over loopback, and
 * judges them together with what the module counted.
 *
 * The guest has no shell (init.c runs programs directly), hence a program:
 * it starts the server on any free port, reads its "listening on" line,
 * runs the client, reads the module's counters in
 * /sys/class/misc/disconnectex/stats/ before and after, and prints one
 * report for both sides, then one TAP line. Wrong is: either program
 * failing its own checks, the two sides disagreeing on connections or
 * bytes, and on the kernel backend the module not having done both sides'
 * disconnects (at least 2 x CONNECTIONS graceful ones, as many sockets
 * reused, none reset, timed out or cancelled, nothing left in flight); on
 * the emulated backend the module doing anything at all.
 *
 * usage: iocp_run CONNECTIONS POOL THREADS BACKEND   (kernel or emulated)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SERVER		"/bin/iocp_server"
#define CLIENT		"/bin/iocp_client"
#define STATS		"/sys/class/misc/disconnectex/stats/"
#define REQ_LEN		1024	/* the client's default request */
#define OUT_MAX		8192
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct child {
	const char *name;
	pid_t pid;
	int out;		/* its stdout, read end */
	char text[OUT_MAX];	/* what it printed there */
	size_t len;
	int status;
};

static const char *const stats[] = {
	"submitted", "rejected", "completed", "graceful", "reset", "timedout",
	"canceled", "reused", "inflight",
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long stat_read(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), STATS "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int spawn(struct child *c, char *const argv[])
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	c->name = argv[0];
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], argv);
		fprintf(stderr, "iocp_run: %s: %m\n", argv[0]);
		_exit(127);
	}
	close(p[1]);
	c->out = p[0];
	return 0;
}

/*
 * Read the child's stdout until @until appears in it (NULL: until EOF),
 * for at most @timeout_s; false on a timeout or an early EOF.
 */
static bool read_until(struct child *c, const char *until, int timeout_s)
{
	double end = now() + timeout_s;
	struct pollfd pfd = { .fd = c->out, .events = POLLIN };
	ssize_t n;

	while (!until || !strstr(c->text, until)) {
		int left = (int)((end - now()) * 1000);

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return false;
		n = read(c->out, c->text + c->len, sizeof(c->text) - 1 - c->len);
		if (n <= 0)
			return !until;
		c->len += n;
		c->text[c->len] = '\0';
	}
	return true;
}

/* Collect the child, killing it if it has not ended by itself. */
static void reap(struct child *c, int timeout_s)
{
	if (!read_until(c, NULL, timeout_s)) {
		printf("iocp_run: %s still running after %d s: killed\n",
		       c->name, timeout_s);
		kill(c->pid, SIGKILL);
	}
	waitpid(c->pid, &c->status, 0);
	close(c->out);
}

static bool exited_ok(const struct child *c)
{
	return WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0;
}

/* The number after "@key" at the start of a line of the child's report. */
static long long field(const struct child *c, const char *key)
{
	const char *p = c->text;
	size_t len = strlen(key);

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, len))
			return strtoll(p + len, NULL, 10);
	return -1;
}

int main(int argc, char **argv)
{
	struct child server = { 0 }, client = { 0 };
	long before[ARRAY_SIZE(stats)], after[ARRAY_SIZE(stats)];
	char *srv_argv[12], *cli_argv[12], portbuf[16];
	long total, d[ARRAY_SIZE(stats)];
	const char *backend, *p;
	double t0, elapsed;
	bool kernel, bad = false, have_stats;
	size_t i;

	if (argc != 5 || (strcmp(argv[4], "kernel") && strcmp(argv[4], "emulated"))) {
		fprintf(stderr, "usage: iocp_run CONNECTIONS POOL THREADS kernel|emulated\n");
		return 2;
	}
	total = atol(argv[1]);
	backend = argv[4];
	kernel = !strcmp(backend, "kernel");
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The library reads it once, at its first use; "kernel" never falls back. */
	setenv("DCX_BACKEND", backend, 1);
	printf("1..1\n");
	printf("iocp_run: %ld connections, client pool %s, server threads %s, "
	       "backend %s\n", total, argv[2], argv[3], backend);

	for (i = 0; i < ARRAY_SIZE(stats); i++)
		before[i] = stat_read(stats[i]);
	have_stats = before[0] >= 0;

	srv_argv[0] = SERVER;
	srv_argv[1] = "-q";
	srv_argv[2] = "-p";
	srv_argv[3] = "0";
	srv_argv[4] = "-n";
	srv_argv[5] = argv[1];
	srv_argv[6] = "-t";
	srv_argv[7] = argv[3];
	srv_argv[8] = NULL;
	if (spawn(&server, srv_argv)) {
		printf("not ok 1 iocp_run: cannot start %s: %m\n", SERVER);
		return 1;
	}
	if (!read_until(&server, "\n", 30) ||
	    !(p = strstr(server.text, " port "))) {
		printf("not ok 1 iocp_run: %s did not say where it listens\n", SERVER);
		kill(server.pid, SIGKILL);
		return 1;
	}
	snprintf(portbuf, sizeof(portbuf), "%d", atoi(p + 6));

	cli_argv[0] = CLIENT;
	cli_argv[1] = "-p";
	cli_argv[2] = portbuf;
	cli_argv[3] = "-n";
	cli_argv[4] = argv[1];
	cli_argv[5] = "-s";
	cli_argv[6] = argv[2];
	cli_argv[7] = NULL;
	t0 = now();
	if (spawn(&client, cli_argv)) {
		printf("not ok 1 iocp_run: cannot start %s: %m\n", CLIENT);
		kill(server.pid, SIGKILL);
		return 1;
	}
	/* The client's own timeouts end it; the server, once the client has. */
	reap(&client, 3600);
	elapsed = now() - t0;
	reap(&server, exited_ok(&client) ? 30 : 3);

	for (i = 0; i < ARRAY_SIZE(stats); i++) {
		after[i] = stat_read(stats[i]);
		d[i] = after[i] - before[i];
	}

	/* The reports, without the server's "listening on" line. */
	p = strstr(server.text, "====");
	printf("\n%s\n%s", p ? p : server.text, client.text);
	if (have_stats) {
		printf("==== the module's counters (%s) ====\n", STATS);
		for (i = 0; i < ARRAY_SIZE(stats); i++)
			printf("%-21s %ld (%+ld)\n", stats[i], after[i], d[i]);
	}
	printf("elapsed               %.2f s, %.0f connections/s (client start to end)\n",
	       elapsed, total / elapsed);

	if (!exited_ok(&server) || !exited_ok(&client)) {
		printf("ERROR: iocp_server exit status %#x, iocp_client %#x\n",
		       server.status, client.status);
		bad = true;
	}
	if (field(&server, "connections") != total ||
	    field(&client, "connections") != total ||
	    field(&server, "bytes echoed") != field(&client, "bytes verified") ||
	    field(&client, "bytes verified") != (long long)total * REQ_LEN) {
		printf("ERROR: the two sides differ: %lld and %lld connections, "
		       "%lld bytes echoed, %lld verified\n",
		       field(&server, "connections"), field(&client, "connections"),
		       field(&server, "bytes echoed"), field(&client, "bytes verified"));
		bad = true;
	}
	if (kernel && !have_stats) {
		printf("ERROR: no %s: the module is not loaded\n", STATS);
		bad = true;
	} else if (kernel) {
		/* submitted, rejected, ..., as in stats[] */
		if (d[3] < 2 * total || d[7] < 2 * total) {
			printf("ERROR: the module did %ld graceful disconnects and "
			       "reused %ld sockets: both sides' 2 x %ld expected\n",
			       d[3], d[7], total);
			bad = true;
		}
		if (d[4] || d[5] || d[6] || after[8]) {
			printf("ERROR: the module reset %ld, timed out %ld, "
			       "cancelled %ld; %ld still in flight\n",
			       d[4], d[5], d[6], after[8]);
			bad = true;
		}
	} else if (have_stats && d[0]) {
		printf("ERROR: the emulated backend used the module (%ld submitted)\n",
		       d[0]);
		bad = true;
	}
	printf("%s 1 iocp_run: %ld connections, %s backend\n",
	       bad ? "not ok" : "ok", total, backend);
	return bad;
}
