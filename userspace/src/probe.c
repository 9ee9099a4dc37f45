// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Fault-safe access to memory the program hands us: whether a range is
 * readable or writable, and copying out of it, with a bad pointer turned
 * into -EFAULT instead of SIGSEGV - as Windows answers WSAEFAULT for a bad
 * argument instead of crashing.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

/*
 * Writability probe. The kernel copies to and from user memory with fault
 * handling, so asking it to do the access turns a bad pointer into EFAULT
 * instead of SIGSEGV. process_vm_readv() + process_vm_writev() on ourselves
 * read the bytes and write the same bytes back. Where those calls are
 * refused (a seccomp filter, say), a pipe does the same: write() from the
 * memory, read() back into it.
 */
#define DCX_PROBE_MAX	128

int dcx_probe_writable_vm(void *addr, size_t len)
{
	unsigned char buf[DCX_PROBE_MAX];
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = addr, .iov_len = len };
	pid_t pid = dcx_getpid();
	ssize_t n;

	if (len > sizeof(buf))
		return -EINVAL;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EFAULT;
	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* Readability only: the first half of each probe. */
static int dcx_probe_readable_vm(const void *addr, size_t len)
{
	unsigned char buf[DCX_PROBE_MAX];
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = len };
	ssize_t n;

	if (len > sizeof(buf))
		return -EINVAL;
	n = process_vm_readv(dcx_getpid(), &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static int dcx_probe_readable_pipe(const void *addr, size_t len)
{
	int fds[2], ret = 0;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	n = write(fds[1], addr, len);
	if (n < 0 || (size_t)n != len)
		ret = n < 0 && errno != EFAULT ? -errno : -EFAULT;
	close(fds[0]);
	close(fds[1]);
	return ret;
}

int dcx_probe_writable_pipe(void *addr, size_t len)
{
	int fds[2], ret = 0;
	ssize_t n;

	if (len > DCX_PROBE_MAX)
		return -EINVAL;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	n = write(fds[1], addr, len);
	if (n < 0 || (size_t)n != len) {
		ret = n < 0 && errno != EFAULT ? -errno : -EFAULT;
		goto out;
	}
	n = read(fds[0], addr, len);
	if (n < 0 || (size_t)n != len)
		ret = n < 0 && errno != EFAULT ? -errno : -EFAULT;
out:
	close(fds[0]);
	close(fds[1]);
	return ret;
}

static int dcx_probe_use_pipe;

/* The same through a pipe, a pipe-full at a time. */
static int dcx_copy_pipe(void *dst, const void *src, size_t len)
{
	const size_t chunk = 4096;
	int fds[2], ret = 0;
	size_t off, n;
	ssize_t got;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	for (off = 0; off < len && !ret; off += n) {
		n = len - off < chunk ? len - off : chunk;
		got = write(fds[1], (const char *)src + off, n);
		if (got != (ssize_t)n) {
			ret = -EFAULT;
			break;
		}
		got = read(fds[0], (char *)dst + off, n);
		if (got != (ssize_t)n)
			ret = -EFAULT;
	}
	close(fds[0]);
	close(fds[1]);
	return ret;
}

/*
 * memcpy() from memory the program handed us, turning a bad pointer into
 * -EFAULT: the kernel does the copy, with process_vm_readv(), or through a
 * pipe where that is refused (a seccomp filter, say).
 */
int dcx_copy_checked(void *dst, const void *src, size_t len)
{
	struct iovec local = { .iov_base = dst, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)src, .iov_len = len };
	ssize_t n;

	if (!src)
		return -EFAULT;
	if (!__atomic_load_n(&dcx_probe_use_pipe, __ATOMIC_RELAXED)) {
		n = process_vm_readv(dcx_getpid(), &local, 1, &remote, 1, 0);
		if (n >= 0)
			return (size_t)n == len ? 0 : -EFAULT;
		if (errno != ENOSYS && errno != EPERM)
			return -EFAULT;
		__atomic_store_n(&dcx_probe_use_pipe, 1, __ATOMIC_RELAXED);
	}
	return dcx_copy_pipe(dst, src, len);
}

/*
 * The probes are on the hot path of every overlapped call (the OVERLAPPED,
 * the byte count, the flags, the WSABUF array), and each costs a system
 * call or two. Servers reuse the same few pages for these - OVERLAPPEDs
 * from a pool, counters on the stack - so each thread remembers the last
 * pages it found readable and writable and does not ask again. The price:
 * a page the program unmaps or write-protects afterwards is still taken
 * for good, and a bad pointer into it then faults as it would on Windows
 * without a probe.
 */
#define DCX_PAGE_SHIFT		12
#define DCX_PROBE_CACHE		16

struct dcx_page_cache {
	uintptr_t page[DCX_PROBE_CACHE];	/* page number + 1; 0: empty */
	unsigned int next;
	unsigned int hit;	/* the slot that answered last: looked at first */
};

static __thread struct dcx_page_cache dcx_pages_w, dcx_pages_r;

static bool dcx_pages_known(struct dcx_page_cache *c, uintptr_t first,
			    uintptr_t last)
{
	uintptr_t pg;
	unsigned int i;

	for (pg = first; pg <= last; pg++) {
		if (c->page[c->hit] == pg + 1)
			continue;
		for (i = 0; i < DCX_PROBE_CACHE; i++)
			if (c->page[i] == pg + 1)
				break;
		if (i == DCX_PROBE_CACHE)
			return false;
		c->hit = i;
	}
	return true;
}

static void dcx_pages_learn(struct dcx_page_cache *c, uintptr_t first,
			    uintptr_t last)
{
	uintptr_t pg;

	for (pg = first; pg <= last && pg - first < DCX_PROBE_CACHE; pg++) {
		if (dcx_pages_known(c, pg, pg))
			continue;
		c->page[c->next] = pg + 1;
		c->next = (c->next + 1) % DCX_PROBE_CACHE;
	}
}

/*
 * One probe of @len bytes at @addr: the whole range when it is short, else
 * one byte in each page it touches (protection is per page).
 */
static int dcx_probe_once(void *addr, size_t len, bool write)
{
	uintptr_t a = (uintptr_t)addr, end = a + len, p;
	int ret = 0;

	if (len <= DCX_PROBE_MAX) {
		if (!__atomic_load_n(&dcx_probe_use_pipe, __ATOMIC_RELAXED)) {
			ret = write ? dcx_probe_writable_vm(addr, len) :
				      dcx_probe_readable_vm(addr, len);
			if (ret != -ENOSYS && ret != -EPERM)
				return ret;
			__atomic_store_n(&dcx_probe_use_pipe, 1,
					 __ATOMIC_RELAXED);
		}
		return write ? dcx_probe_writable_pipe(addr, len) :
			       dcx_probe_readable_pipe(addr, len);
	}
	for (p = a; p < end && !ret;
	     p = ((p >> DCX_PAGE_SHIFT) + 1) << DCX_PAGE_SHIFT)
		ret = dcx_probe_once((void *)p, 1, write);
	return ret;
}

static int dcx_probe(void *addr, size_t len, bool write)
{
	struct dcx_page_cache *c = write ? &dcx_pages_w : &dcx_pages_r;
	uintptr_t first, last;
	int ret;

	if (!addr || (uintptr_t)addr + len < (uintptr_t)addr)
		return -EFAULT;
	if (!len)
		return 0;
	first = (uintptr_t)addr >> DCX_PAGE_SHIFT;
	last = ((uintptr_t)addr + len - 1) >> DCX_PAGE_SHIFT;
	if (dcx_pages_known(c, first, last))
		return 0;
	ret = dcx_probe_once(addr, len, write);
	if (!ret)
		dcx_pages_learn(c, first, last);
	return ret;
}

int dcx_probe_writable(void *addr, size_t len)
{
	return dcx_probe(addr, len, true);
}

int dcx_probe_readable(const void *addr, size_t len)
{
	return dcx_probe((void *)addr, len, false);
}
