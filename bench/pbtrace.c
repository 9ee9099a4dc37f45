// SPDX-License-Identifier: GPL-2.0
/*
 * portbench --syscalls: the system calls of the server process, counted by
 * the kernel itself. perf and strace do not exist in the VM; a histogram
 * trigger on raw_syscalls:sys_enter keyed by thread and syscall does the
 * counting in the kernel (tracing stays off: no trace buffer is written).
 * It is read at both ends of the measured window and the difference for
 * the server's threads is divided by the requests. The trigger slows every
 * system call of the guest, so a --syscalls run's rates are not the
 * benchmark's.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "pbtrace.h"
#include "tune.h"

#define SYS_ENTER	TRACEFS "events/raw_syscalls/sys_enter/"
#define HIST_SPEC	"hist:keys=common_pid,id.syscall:vals=hitcount:size=8192"

int pb_trace_start(void)
{
	tune_tracefs();
	return tune_write(SYS_ENTER "trigger", O_APPEND, HIST_SPEC "\n");
}

void pb_trace_stop(void)
{
	tune_write(SYS_ENTER "trigger", O_APPEND, "!" HIST_SPEC "\n");
}

static bool task_of(pid_t tgid, int tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)tgid, tid);
	return !stat(path, &st);
}

static void add(struct pb_syscalls *sc, const char *name, double n)
{
	int i;

	for (i = 0; i < sc->n; i++)
		if (!strcmp(sc->name[i], name))
			break;
	if (i == sc->n) {
		if (sc->n == PB_MAX_SYSCALLS) {
			sc->dropped += n;
			return;
		}
		snprintf(sc->name[sc->n++], sizeof(sc->name[0]), "%s", name);
		sc->count[i] = 0;
	}
	sc->count[i] += n;
}

/*
 * The histogram's counts for the threads of @tgid, by syscall. Entries read
 *   { common_pid:        123, id: sys_io_uring_enter            [426] } hitcount:    5
 */
int pb_trace_read(pid_t tgid, struct pb_syscalls *sc)
{
	static char buf[1 << 20];
	char *line, *save = NULL, *p, name[48];
	size_t len = 0;
	ssize_t n;
	int fd, tid;
	double hits;

	memset(sc, 0, sizeof(*sc));
	fd = open(SYS_ENTER "hist", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		p = strstr(line, "common_pid:");
		if (!p || sscanf(p, "common_pid: %d", &tid) != 1)
			continue;
		p = strstr(line, " id: ");	/* not common_pid's */
		if (!p || sscanf(p, " id: %47s", name) != 1)
			continue;
		p = strstr(line, "hitcount:");
		if (!p || sscanf(p, "hitcount: %lf", &hits) != 1)
			continue;
		if (task_of(tgid, tid))
			add(sc, strncmp(name, "sys_", 4) ? name : name + 4, hits);
	}
	return 0;
}

/* @b - @a, per @per requests, into @out; sorted, largest first. */
void pb_syscalls_delta(const struct pb_syscalls *a, const struct pb_syscalls *b,
		       double per, struct pb_syscalls *out)
{
	int i, j, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < b->n; i++) {
		double v = b->count[i];

		for (j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i]))
				v -= a->count[j];
		if (v <= 0)
			continue;
		add(out, b->name[i], v / per);
		out->total += v / per;
	}
	for (i = 1; i < out->n; i++)	/* insertion sort, descending */
		for (k = i; k > 0 && out->count[k - 1] < out->count[k]; k--) {
			double t = out->count[k];
			char nm[sizeof(out->name[0])];

			out->count[k] = out->count[k - 1];
			out->count[k - 1] = t;
			memcpy(nm, out->name[k], sizeof(nm));
			memcpy(out->name[k], out->name[k - 1], sizeof(nm));
			memcpy(out->name[k - 1], nm, sizeof(nm));
		}
}
