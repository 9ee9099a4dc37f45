// SPDX-License-Identifier: GPL-2.0
/*
 * portbench: clocks, the guest's counters and the process's own.
 *
 * Memory has three sources, each counting something else: VmRSS (the
 * process's resident pages, 4 KiB grains), mallinfo2() (bytes malloc has
 * handed out, every arena: the library's heap, exactly), and the kernel's
 * slab (meminfo Slab: pages held by the slab allocator; /proc/slabinfo:
 * active_objs * objsize per cache, which ignores whether pages were already
 * there). P2 reports all of them per pending operation.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "portbench.h"

void pb_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

double pb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * How fast the guest runs right now (spin-loop iterations per us over
 * 20 ms): the host is shared and TCG shows no steal time, so a round with
 * odd figures shows up here. As dcxbench's.
 */
double pb_speed(void)
{
	volatile unsigned long sink = 0;
	unsigned long n = 0;
	double t0 = pb_now(), t;
	int i;

	do {
		for (i = 0; i < 1000; i++)
			sink += i;
		n += 1000;
		t = pb_now();
	} while (t - t0 < 0.02);
	return n / ((t - t0) * 1e6);
}

double pb_tick_us(void)
{
	return 1e6 / sysconf(_SC_CLK_TCK);
}

/* The whole of a small /proc file, NUL-terminated; length or -errno. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

int pb_cpu_read(struct pb_cpu *c)
{
	unsigned long long v[7] = { 0 };
	static char buf[16384];
	char *p;

	if (read_text("/proc/stat", buf, sizeof(buf)) < 0)
		return -EIO;
	/* cpu  user nice system idle iowait irq softirq */
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6]) < 7)
		return -EIO;
	c->busy = v[0] + v[1] + v[2] + v[5] + v[6];
	p = strstr(buf, "\nprocesses ");
	c->forks = p ? strtoull(p + 11, NULL, 10) : 0;
	return 0;
}

/* Threads of this process, io_uring's workers included. */
long pb_tasks(void)
{
	struct dirent *de;
	long n = 0;
	DIR *d = opendir("/proc/self/task");

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			n++;
	closedir(d);
	return n;
}

long long pb_rss(void)
{
	char buf[4096], *p;

	if (read_text("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nVmRSS:");
	return p ? strtoll(p + 7, NULL, 10) * 1024 : -1;
}

/* Bytes malloc has handed out and not had back: small chunks and mmapped. */
long long pb_heap(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long long)(mi.uordblks + mi.hblkhd);
}

void pb_slab_read(struct pb_slab *s)
{
	static char buf[1 << 18];
	char *line, *save = NULL, *p;

	memset(s, 0, sizeof(*s));
	if (read_text("/proc/meminfo", buf, sizeof(buf)) > 0) {
		p = strstr(buf, "\nSlab:");
		if (p)
			s->slab = strtoll(p + 6, NULL, 10) * 1024;
	}
	if (read_text("/proc/slabinfo", buf, sizeof(buf)) <= 0) {
		s->objs = -1;
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		long long active, total, size;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%31s %lld %lld %lld", name, &active, &total,
			   &size) != 4)
			continue;
		s->objs += active * size;
		if (s->ncaches < PB_MAX_CACHES) {
			strcpy(s->cache[s->ncaches].name, name);
			s->cache[s->ncaches++].bytes = active * size;
		}
	}
}

/* The caches that moved most from @a to @b, in bytes per @per. */
void pb_slab_top(const struct pb_slab *a, const struct pb_slab *b, long per,
		 char *buf, size_t len)
{
	long long delta[PB_MAX_CACHES];
	size_t off = 0;
	int i, j, k, best;

	for (i = 0; i < b->ncaches; i++) {
		delta[i] = b->cache[i].bytes;
		for (j = 0; j < a->ncaches; j++)
			if (!strcmp(a->cache[j].name, b->cache[i].name)) {
				delta[i] -= a->cache[j].bytes;
				break;
			}
	}
	buf[0] = '\0';
	for (k = 0; k < 6 && off < len; k++) {
		best = -1;
		for (i = 0; i < b->ncaches; i++)
			if (delta[i] && (best < 0 || llabs(delta[i]) > llabs(delta[best])))
				best = i;
		if (best < 0 || llabs(delta[best]) < per * 4)
			break;
		off += snprintf(buf + off, len - off, "%s%s %+.0f", off ? ", " : "",
				b->cache[best].name, (double)delta[best] / per);
		delta[best] = 0;
	}
}

uint64_t pb_self_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1000000ULL + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_sec * 1000000ULL + ru.ru_stime.tv_usec;
}

/* A listener on 127.0.0.1, an ephemeral port: the fd, or -errno. */
int pb_listen(struct sockaddr_in *addr, int backlog)
{
	socklen_t len = sizeof(*addr);
	int fd, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)addr, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
