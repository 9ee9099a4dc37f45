// SPDX-License-Identifier: GPL-2.0
/* bench/ guest measurement, read-only: see guest.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"
#include "util.h"

#define DCX_STATS	"/sys/class/misc/disconnectex/stats/"

ssize_t guest_read_text(const char *path, char *buf, size_t size)
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

/* guest_speed()'s and the spinner's unit of work: 1000 iterations. */
static inline unsigned long spin_chunk(volatile unsigned long *sink)
{
	int i;

	for (i = 0; i < 1000; i++)
		*sink += i;
	return 1000;
}

double guest_speed(void)
{
	volatile unsigned long sink = 0;	/* keeps the loop a loop */
	unsigned long n = 0;
	double t0 = bench_now(), t;

	do {
		n += spin_chunk(&sink);
		t = bench_now();
	} while (t - t0 < 0.02);
	return n / ((t - t0) * 1e6);
}

static struct {
	pthread_t thread;
	bool running;
	atomic_bool stop;
	atomic_int err;			/* the thread's, if it could not start */
	atomic_ullong spins;
} spinner;

static void *spin_main(void *arg)
{
	struct sched_param sp = { .sched_priority = 0 };
	volatile unsigned long sink = 0;
	unsigned long long n = 0;

	(void)arg;
	/* Pid 0 is this thread; glibc's attributes know no SCHED_IDLE. */
	if (sched_setscheduler(0, SCHED_IDLE, &sp)) {
		atomic_store(&spinner.err, -errno);
		return NULL;
	}
	while (!atomic_load_explicit(&spinner.stop, memory_order_relaxed)) {
		n += spin_chunk(&sink);
		bench_now();	/* as in guest_speed(), so that its speed applies */
		atomic_store_explicit(&spinner.spins, n, memory_order_relaxed);
	}
	return NULL;
}

int guest_spinner_start(void)
{
	int err;

	if (spinner.running)
		return -EBUSY;
	atomic_store(&spinner.stop, false);
	atomic_store(&spinner.err, 0);
	atomic_store(&spinner.spins, 0);
	err = pthread_create(&spinner.thread, NULL, spin_main, NULL);
	if (err)
		return -err;
	spinner.running = true;
	/* On one CPU it runs only while we sleep: let it become idle-class. */
	usleep(10000);
	err = atomic_load(&spinner.err);
	if (err)
		guest_spinner_stop();
	return err;
}

unsigned long long guest_spins(void)
{
	return atomic_load_explicit(&spinner.spins, memory_order_relaxed);
}

void guest_spinner_stop(void)
{
	if (!spinner.running)
		return;
	atomic_store(&spinner.stop, true);
	pthread_join(spinner.thread, NULL);
	spinner.running = false;
	atomic_store(&spinner.spins, 0);
}

double guest_tick_us(void)
{
	return 1e6 / sysconf(_SC_CLK_TCK);
}

int guest_cpu_read(struct guest_cpu *c)
{
	unsigned long long v[8] = { 0 };
	static char buf[16384];
	char *p;

	if (guest_read_text("/proc/stat", buf, sizeof(buf)) < 0)
		return -EIO;
	/* cpu  user nice system idle iowait irq softirq steal */
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 7)
		return -EIO;
	c->user = v[0] + v[1];
	c->sys = v[2] + v[5] + v[6];
	c->irq = v[5] + v[6];
	p = strstr(buf, "\nprocesses ");
	c->forks = p ? strtoull(p + 11, NULL, 10) : 0;
	p = strstr(buf, "\nctxt ");
	c->ctxt = p ? strtoull(p + 6, NULL, 10) : 0;
	return 0;
}

long guest_kthreads(unsigned long long *ticks)
{
	unsigned long long ut, st;
	int ppid;
	char path[300], buf[512], *p;
	struct dirent *de;
	long count = 0;
	DIR *d = opendir("/proc");

	if (ticks)
		*ticks = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (guest_read_text(path, buf, sizeof(buf)) <= 0)
			continue;
		/* pid (comm) state ppid ...: comm may hold spaces and parens. */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				 &ppid, &ut, &st) != 3 || ppid != 2)
			continue;
		count++;
		if (ticks)
			*ticks += ut + st;
	}
	closedir(d);
	return count;
}

void guest_mem_read(struct guest_mem *m)
{
	static char buf[1 << 18];
	char *line, *save = NULL, *p;

	memset(m, 0, sizeof(*m));
	m->objs = -1;
	if (guest_read_text("/proc/meminfo", buf, sizeof(buf)) > 0) {
		p = strstr(buf, "\nSlab:");
		if (p)
			m->slab = strtoll(p + 6, NULL, 10) * 1024;
	}
	if (guest_read_text("/proc/slabinfo", buf, sizeof(buf)) <= 0)
		return;
	m->slabinfo = true;
	m->objs = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		long long active, total, size;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%31s %lld %lld %lld", name, &active, &total,
			   &size) != 4)
			continue;
		m->objs += active * size;
		if (m->ncaches < GUEST_MAX_CACHES) {
			strcpy(m->cache[m->ncaches].name, name);
			m->cache[m->ncaches++].bytes = active * size;
		}
		if (!strcmp(name, "io_kiocb"))
			m->kiocb = active * size;
		else if (!strcmp(name, "dcx_op"))
			m->dcxop = active * size;
	}
}

/* No cache that moved less than this many bytes per op. */
#define MEM_TOP_MIN	4

void guest_mem_top(const struct guest_mem *a, const struct guest_mem *b,
		   long per, int max, char *buf, size_t len)
{
	long long delta[GUEST_MAX_CACHES];
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
	for (k = 0; k < max && off < len; k++) {
		best = -1;
		for (i = 0; i < b->ncaches; i++)
			if (delta[i] && (best < 0 || llabs(delta[i]) > llabs(delta[best])))
				best = i;
		if (best < 0 || llabs(delta[best]) < per * MEM_TOP_MIN)
			break;
		off += snprintf(buf + off, len - off, "%s%s %+.0f", off ? ", " : "",
				b->cache[best].name, (double)delta[best] / per);
		delta[best] = 0;
	}
}

int guest_sockstat_read(struct guest_sockstat *s)
{
	char buf[1024], *p;

	memset(s, 0, sizeof(*s));
	if (guest_read_text("/proc/net/sockstat", buf, sizeof(buf)) < 0)
		return -EIO;
	p = strstr(buf, "\nTCP: ");
	if (!p || sscanf(p, "\nTCP: inuse %ld orphan %ld tw %ld alloc %ld",
			 &s->inuse, &s->orphan, &s->tw, &s->alloc) != 4)
		return -EIO;
	/* No IPv6 in the guest is no TCP6 socket. */
	if (guest_read_text("/proc/net/sockstat6", buf, sizeof(buf)) > 0) {
		p = strstr(buf, "TCP6: ");
		if (p)
			sscanf(p, "TCP6: inuse %ld", &s->inuse6);
	}
	return 0;
}

long guest_dcx_stat(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), DCX_STATS "%s", name);
	if (guest_read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}
