// SPDX-License-Identifier: GPL-2.0
/* bench/ guest tuning: see tune.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "guest.h"
#include "tune.h"
#include "util.h"

int tune_write(const char *path, int flags, const char *text)
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

void tune_tracefs(void)
{
	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
}

static void write_sysctl(const char *path, const char *val)
{
	int err = tune_write(path, 0, val);

	if (err)
		bench_log("# dcxbench: cannot set %s: %s", path, strerror(-err));
	else
		bench_log("# dcxbench: %s = %s", path, val);
}

void tune_sysctls(void)
{
	write_sysctl("/proc/sys/net/core/somaxconn", "65535");
	write_sysctl("/proc/sys/net/ipv4/tcp_max_syn_backlog", "65535");
	write_sysctl("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535");
}

const char *const tune_probe_funcs[TUNE_MAX_PROBES] = {
	"dcx_step",		/* the owner's passes over an operation */
	"dcx_wake",		/* wakeups of its wait-queue entry */
	"io_wq_submit_work",	/* io_uring requests run by io-wq workers */
	"io_apoll_task_func",	/* io_uring poll-driven retries */
	"lock_sock_nested",	/* socket lock taken */
	"tcp_recvmsg",
	"try_to_wake_up",	/* task wakeups, all of them */
	"tcp_disconnect",
};

int tune_nprobes;

int tune_probes_setup(void)
{
	char def[128];
	int err, i;

	tune_tracefs();
	err = tune_write(TRACEFS "tracing_on", 0, "0");
	if (err)
		return err;
	for (i = 0; i < TUNE_MAX_PROBES; i++) {
		snprintf(def, sizeof(def), "p:dcxb_%d %s\n", i, tune_probe_funcs[i]);
		err = tune_write(TRACEFS "kprobe_events", O_APPEND, def);
		if (err)
			bench_log("# dcxbench: kprobe on %s: %s",
				  tune_probe_funcs[i], strerror(-err));
	}
	err = tune_write(TRACEFS "events/kprobes/enable", 0, "1");
	if (err)
		return err;
	tune_nprobes = TUNE_MAX_PROBES;
	return 0;
}

void tune_probes_read(unsigned long long *hits)
{
	static char buf[8192];
	char *p, name[64];
	int i;

	if (!tune_nprobes ||
	    guest_read_text(TRACEFS "kprobe_profile", buf, sizeof(buf)) < 0)
		return;
	for (i = 0; i < tune_nprobes; i++) {
		snprintf(name, sizeof(name), " dcxb_%d ", i);
		p = strstr(buf, name);
		hits[i] = p ? strtoull(p + strlen(name), NULL, 10) : 0;
	}
}
