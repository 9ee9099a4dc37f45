// SPDX-License-Identifier: GPL-2.0
/*
 * portbench: the process's own counters, and its listener. The clock and
 * the guest's counters are bench/'s shared layer (util.h, guest.h).
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

#include "guest.h"
#include "pbstat.h"

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

	if (guest_read_text("/proc/self/status", buf, sizeof(buf)) < 0)
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
