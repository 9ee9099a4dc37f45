// SPDX-License-Identifier: GPL-2.0
/*
 * dcxbench: the guest's own counters.
 *
 * CPU comes from /proc/stat for the whole guest, not from getrusage(): the
 * kernel backend does its work in softirq and in kworkers, which no rusage
 * of ours would ever see. Threads come from the "processes" counter (every
 * task the kernel created - nothing else forks in the test VM while we run)
 * and from the children of kthreadd. Memory comes from meminfo's Slab and,
 * per cache, from /proc/slabinfo (slab_nomerge keeps dcx_op on its own).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "dcxbench.h"

#define DCX_STATS	"/sys/class/misc/disconnectex/stats/"

double dcxb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

/* Write @text to a /proc, /sys or tracefs file in one write(); 0 or -errno. */
static int write_text(const char *path, int flags, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : n == (ssize_t)len ? 0 : -EIO;
}

/*
 * --profile: a kprobe on each of these, counted in kprobe_profile (tracing
 * itself stays off, so a hit costs the probe and nothing more). perf does
 * not exist in the VM; hits per connection say what each variant makes the
 * kernel do. The probes slow everything down: a profiling run's rates are
 * not the benchmark's.
 */
const char *const dcxb_probe_funcs[] = {
	"dcx_step",		/* the owner's passes over an operation */
	"dcx_wake",		/* wakeups of its wait-queue entry */
	"io_wq_submit_work",	/* io_uring requests run by io-wq workers */
	"io_apoll_task_func",	/* io_uring poll-driven retries */
	"lock_sock_nested",	/* socket lock taken */
	"tcp_recvmsg",
	"try_to_wake_up",	/* task wakeups, all of them */
	"tcp_disconnect",
};

int dcxb_nprobes;

#define TRACEFS	"/sys/kernel/tracing/"

static void probes_read(unsigned long long *hits)
{
	static char buf[8192];
	char *p, name[64];
	int i;

	if (!dcxb_nprobes || read_text(TRACEFS "kprobe_profile", buf, sizeof(buf)) < 0)
		return;
	for (i = 0; i < dcxb_nprobes; i++) {
		snprintf(name, sizeof(name), " dcxb_%d ", i);
		p = strstr(buf, name);
		hits[i] = p ? strtoull(p + strlen(name), NULL, 10) : 0;
	}
}

int dcxb_probes_setup(void)
{
	char def[128];
	int err, i;

	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	err = write_text(TRACEFS "tracing_on", 0, "0");
	if (err)
		return err;
	for (i = 0; i < (int)DCXB_ARRAY_SIZE(dcxb_probe_funcs); i++) {
		snprintf(def, sizeof(def), "p:dcxb_%d %s\n", i, dcxb_probe_funcs[i]);
		err = write_text(TRACEFS "kprobe_events", O_APPEND, def);
		if (err)
			dcxb_log("# dcxbench: kprobe on %s: %s",
				 dcxb_probe_funcs[i], strerror(-err));
	}
	err = write_text(TRACEFS "events/kprobes/enable", 0, "1");
	if (err)
		return err;
	dcxb_nprobes = DCXB_ARRAY_SIZE(dcxb_probe_funcs);
	return 0;
}

/*
 * How fast the guest runs right now: a spin loop's rate over 20 ms. The
 * host is shared and QEMU's vCPU threads lose the CPU to whatever else it
 * runs, which the guest cannot see (no steal time under TCG). A round whose
 * figures are off shows up here as a low value.
 */
double dcxb_speed(void)
{
	volatile unsigned long sink = 0;	/* keeps the loop a loop */
	unsigned long n = 0;
	double t0 = dcxb_now(), t;
	int i;

	do {
		for (i = 0; i < 1000; i++)
			sink += i;
		n += 1000;
		t = dcxb_now();
	} while (t - t0 < 0.02);
	return n / ((t - t0) * 1e6);
}

double dcxb_tick_us(void)
{
	return 1e6 / sysconf(_SC_CLK_TCK);
}

int dcxb_sys_read(struct dcxb_sys *s)
{
	unsigned long long v[8] = { 0 };
	static char buf[16384];
	struct rusage ru;
	char *p;

	s->t = dcxb_now();
	if (read_text("/proc/stat", buf, sizeof(buf)) < 0)
		return -EIO;
	/* cpu  user nice system idle iowait irq softirq steal */
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 7)
		return -EIO;
	s->user = v[0] + v[1];
	s->sys = v[2] + v[5] + v[6];
	s->irq = v[5] + v[6];
	p = strstr(buf, "\nprocesses ");
	s->forks = p ? strtoull(p + 11, NULL, 10) : 0;
	p = strstr(buf, "\nctxt ");
	s->ctxt = p ? strtoull(p + 6, NULL, 10) : 0;
	probes_read(s->probe);
	getrusage(RUSAGE_SELF, &ru);
	s->self_us = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
		     ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
	return 0;
}

/*
 * Tasks whose parent is kthreadd: the kernel threads, kworkers included;
 * and the CPU ticks they have used (user + system).
 */
long dcxb_kthreads(unsigned long long *ticks)
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
		if (read_text(path, buf, sizeof(buf)) <= 0)
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

void dcxb_mem_read(struct dcxb_mem *m)
{
	static char buf[1 << 18];
	char *line, *save = NULL, *p;

	memset(m, 0, sizeof(*m));
	if (read_text("/proc/meminfo", buf, sizeof(buf)) > 0) {
		p = strstr(buf, "\nSlab:");
		if (p)
			m->slab = strtoll(p + 6, NULL, 10) * 1024;
	}
	if (read_text("/proc/slabinfo", buf, sizeof(buf)) <= 0)
		return;
	m->slabinfo = true;
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
		if (m->ncaches < DCXB_MAX_CACHES) {
			strcpy(m->cache[m->ncaches].name, name);
			m->cache[m->ncaches++].bytes = active * size;
		}
		if (!strcmp(name, "io_kiocb"))
			m->kiocb = active * size;
		else if (!strcmp(name, "dcx_op"))
			m->dcxop = active * size;
	}
}

/*
 * The caches that grew or shrank most from @a to @b, in bytes per @per
 * operations: where the memory of an operation in flight really goes.
 */
void dcxb_mem_top(const struct dcxb_mem *a, const struct dcxb_mem *b,
		  long per, char *buf, size_t len)
{
	long long delta[DCXB_MAX_CACHES];
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
	for (k = 0; k < 8; k++) {
		best = -1;
		for (i = 0; i < b->ncaches; i++)
			if (delta[i] && (best < 0 || llabs(delta[i]) > llabs(delta[best])))
				best = i;
		if (best < 0 || llabs(delta[best]) < per * 8)
			break;
		off += snprintf(buf + off, len - off, " %s %+.0f",
				b->cache[best].name, (double)delta[best] / per);
		if (off >= len)
			break;
		delta[best] = 0;
	}
}

long dcxb_dcx_stat(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), DCX_STATS "%s", name);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static void write_sysctl(const char *path, const char *val)
{
	int err = write_text(path, 0, val);

	if (err)
		dcxb_log("# dcxbench: cannot set %s: %s", path, strerror(-err));
	else
		dcxb_log("# dcxbench: %s = %s", path, val);
}

/*
 * W2 connects 10,000 sockets to one listener at once, and the churn leaves
 * a TIME_WAIT per connection behind: a deep accept queue and the whole
 * port range keep setup failures out of the figures. Every variant runs
 * with the same settings.
 */
void dcxb_tune(void)
{
	write_sysctl("/proc/sys/net/core/somaxconn", "65535");
	write_sysctl("/proc/sys/net/ipv4/tcp_max_syn_backlog", "65535");
	write_sysctl("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535");
}

static void frame_rest(struct dcxb_ctx *c, struct dcxb_frame *f)
{
	if (dcxb_server_cmd(c, DCXB_SRV_STATS, &f->srv))
		memset(&f->srv, 0, sizeof(f->srv));
	f->kthreads = dcxb_kthreads(&f->kthr_ticks);
	f->dcx_graceful = dcxb_dcx_stat("graceful");
	f->dcx_completed = dcxb_dcx_stat("completed");
	f->dcx_rejected = dcxb_dcx_stat("rejected");
}

/*
 * The clock and /proc/stat are read last at a start and first at an end, so
 * that the other reads (a round trip to the server, a walk of /proc) fall
 * outside what they measure.
 */
void dcxb_frame_start(struct dcxb_ctx *c, struct dcxb_frame *f)
{
	frame_rest(c, f);
	dcxb_sys_read(&f->sys);
}

void dcxb_frame_end(struct dcxb_ctx *c, struct dcxb_frame *f)
{
	dcxb_sys_read(&f->sys);
	frame_rest(c, f);
}

/* Per-connection figures of @conns connections between @a and @b. */
void dcxb_figures(struct dcxb_result *r, const struct dcxb_frame *a,
		  const struct dcxb_frame *b, long conns, double secs)
{
	double tick = dcxb_tick_us() / conns;
	int i;

	r->conns = conns;
	r->secs = secs;
	if (!conns || secs <= 0)
		return;
	r->rate = conns / secs;
	r->user_us = (b->sys.user - a->sys.user) * tick;
	r->sys_us = (b->sys.sys - a->sys.sys) * tick;
	r->irq_us = (b->sys.irq - a->sys.irq) * tick;
	r->kthr_us = (b->kthr_ticks - a->kthr_ticks) * tick;
	r->cli_us = (b->sys.self_us - a->sys.self_us) / conns;
	r->srv_cpu_us = (double)(b->srv.cpu_us - a->srv.cpu_us) / conns;
	r->ctxt = (double)(b->sys.ctxt - a->sys.ctxt) / conns;
	for (i = 0; i < dcxb_nprobes; i++)
		r->probe[i] = (double)(b->sys.probe[i] - a->sys.probe[i]) / conns;
}

void dcxb_lat_add(struct dcxb_lat *l, double us)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		double *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return;		/* a sample fewer, not a failed run */
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = us;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile; sorts the samples in place. */
double dcxb_lat_pct(struct dcxb_lat *l, double pct)
{
	size_t rank;

	if (!l->n)
		return NAN;
	qsort(l->v, l->n, sizeof(*l->v), cmp_double);
	rank = (size_t)ceil(pct / 100.0 * l->n);
	return l->v[rank ? rank - 1 : 0];
}

void dcxb_lat_free(struct dcxb_lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
