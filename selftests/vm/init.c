// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the disconnectex test VM, in the manner of WireGuard's
 * tools/testing/selftests/wireguard/qemu/init.c: mount the pseudo
 * filesystems, load the module, run the test programs listed in /plan, then
 * judge what the kernel itself saw (rmmod, kmemleak, the kernel log) and,
 * with dcx.gcov=1, send the module's coverage counts to the host.
 *
 * Everything a test prints goes, line by line, to the console and to
 * /dev/ttyS1. The host reads only ttyS1, so it never has to pick test output
 * out of interleaved kernel messages; it judges the run by the TAP there and
 * by the final DCX-VM-DONE marker (no marker: the VM panicked or hung).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MODULE_PATH	"/disconnectex.ko"
#define MODULE_NAME	"disconnectex"
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#define GCOV_ROOT	"/sys/kernel/debug/gcov"
#define MAX_ARGS	64
#define LINE_MAX_LEN	4096
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int console_fd = -1;
static int results_fd = -1;

/*
 * Kernel log lines that mean the run is bad even if every test passed: the
 * strings of splats.txt, which the host also looks for on the console, as
 * the initialiser splats.h that run.sh generates from it.
 */
static const char *const splats[] = {
#include "splats.h"
};

static void write_all(int fd, const char *buf, size_t len)
{
	while (fd >= 0 && len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

/* One line (newline added) to both the console and the results port. */
static void emit(const char *line, size_t len)
{
	write_all(console_fd, line, len);
	write_all(console_fd, "\n", 1);
	write_all(results_fd, line, len);
	write_all(results_fd, "\n", 1);
}

/* Format one line into @buf (LINE_MAX_LEN), cut there; -1 on error. */
static int vline(char *buf, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, LINE_MAX_LEN, fmt, ap);

	if (n < 0)
		return -1;
	return n < LINE_MAX_LEN ? n : LINE_MAX_LEN - 1;
}

/*
 * A diagnostic dump (a kmemleak report, offending kernel log lines): as TAP
 * comments on the results port only, so that the host's scan of the console
 * for splats sees only what the kernel itself printed there.
 */
static void note(const char *prefix, const char *text, size_t len)
{
	write_all(results_fd, "# ", 2);
	write_all(results_fd, prefix, strlen(prefix));
	write_all(results_fd, text, len);
	write_all(results_fd, "\n", 1);
}

/*
 * A printf-formatted line (cut at LINE_MAX_LEN) to the console and results
 * port, or with a @prefix as a note() only.
 */
static void __attribute__((format(printf, 2, 3)))
notef(const char *prefix, const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vline(buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (prefix)
		note(prefix, buf, n);
	else
		emit(buf, n);
}

#define say(fmt, ...) notef(NULL, fmt, ##__VA_ARGS__)

#define result(ok, fmt, ...) say("%s - vm: " fmt, (ok) ? "ok" : "not ok", ##__VA_ARGS__)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Failures show up later, as the tests or checks that needed the mount. */
static void setup_fs(void)
{
	static const char *const fs[][2] = {
		{ "proc", "/proc" }, { "sysfs", "/sys" }, { "devtmpfs", "/dev" },
		{ "debugfs", "/sys/kernel/debug" }, { "tmpfs", "/tmp" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fs); i++) {
		mkdir(fs[i][1], 0755);
		mount(fs[i][0], fs[i][1], fs[i][0], 0, NULL);
	}
}

/*
 * fds 0-2 are the kernel's /dev/console (from its built-in initramfs), now
 * hidden under devtmpfs: reopen everything from there, /dev/null first so
 * that it lands on fd 0 should the kernel have opened nothing. ttyS1 is made
 * raw so that "\n" does not become "\r\n": the host gets the output as is.
 */
static void setup_ttys(void)
{
	int null = open("/dev/null", O_RDWR);
	struct termios t;

	console_fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (console_fd < 0)
		console_fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (null > 0) {
		dup2(null, 0);
		close(null);
	}
	if (console_fd >= 0) {
		dup2(console_fd, 1);
		dup2(console_fd, 2);
	}
	results_fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (results_fd >= 0 && !tcgetattr(results_fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(results_fd, TCSANOW, &t);
	}
	if (results_fd < 0)
		say("# vm: cannot open /dev/ttyS1: %m");
}

static void setup_lo(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		say("# vm: lo: %m");
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			say("# vm: lo up: %m");
	}
	if (fd >= 0)
		close(fd);
}

/* The kernel command line, read once; "" if /proc is missing. */
static const char *cmdline(void)
{
	static char buf[4096];
	static bool read_once;
	FILE *f;

	if (read_once)
		return buf;
	read_once = true;
	f = fopen("/proc/cmdline", "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* dcx.timeout=SEC on the kernel command line; the last one wins, as usual. */
static unsigned int cmdline_timeout(void)
{
	unsigned int sec = 600;

	for (const char *p = cmdline(); (p = strstr(p, "dcx.timeout=")); p++)
		if (atoi(p + 12) > 0)
			sec = atoi(p + 12);
	return sec;
}

/* Whether @word is on the kernel command line as a whole word. */
static bool cmdline_has(const char *word)
{
	size_t len = strlen(word);

	for (const char *p = cmdline(); (p = strstr(p, word)); p++)
		if ((p == cmdline() || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

static void load_module(void)
{
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	int ret = fd < 0 ? -1 : syscall(SYS_finit_module, fd, "", 0);

	if (ret)
		say("# vm: finit_module(" MODULE_PATH "): %m");
	result(!ret, "insmod " MODULE_NAME ".ko");
	if (fd >= 0)
		close(fd);
	result(!access("/dev/disconnectex", F_OK), "/dev/disconnectex exists");
}

/* Echo the pipe line by line; a line is cut at LINE_MAX_LEN. */
struct line_buf {
	char buf[LINE_MAX_LEN];
	size_t len;
};

static void feed(struct line_buf *lb, const char *data, size_t n)
{
	while (n--) {
		char c = *data++;

		if (c == '\n' || lb->len == sizeof(lb->buf)) {
			emit(lb->buf, lb->len);
			lb->len = 0;
			if (c == '\n')
				continue;
		}
		lb->buf[lb->len++] = c;
	}
}

/*
 * Wait for @pid, reaping any orphan that PID 1 inherits meanwhile. A task
 * stuck in the kernel (D state) ignores SIGKILL: give up after @secs rather
 * than hang here; the hung-task detector and the log check report it.
 */
static int reap(pid_t pid, int *status, double secs)
{
	double end = now() + secs;

	for (;;) {
		pid_t p = waitpid(-1, status, WNOHANG);

		if (p == pid)
			return 0;
		if (p > 0)
			continue;
		if (p < 0 && errno != EINTR)
			return -1;
		if (now() > end)
			return -1;
		usleep(20000);
	}
}

/*
 * The programs' environment: a fixed base, plus every DCX_* variable the
 * kernel command line gave us (the kernel hands unknown NAME=value words to
 * init's environment), so run.sh --append can tune the tests.
 */
static char **program_env(void)
{
	static char *envp[MAX_ARGS + 4] = { "PATH=/bin:/sbin", "HOME=/", "TERM=dumb" };
	extern char **environ;
	int n = 3, i;

	for (i = 0; environ && environ[i] && n < MAX_ARGS + 3; i++)
		if (!strncmp(environ[i], "DCX_", 4))
			envp[n++] = environ[i];
	envp[n] = NULL;
	return envp;
}

static void run_program(char *line, unsigned int timeout)
{
	char *argv[MAX_ARGS + 1], *save = NULL, *name, *tok;
	char **envp = program_env();
	struct line_buf lb = { .len = 0 };
	double deadline, drain_end = 0;
	bool killed = false;
	int argc = 0, pfd[2], status = 0;
	pid_t pid;

	line += strspn(line, " \t");
	if (!*line || *line == '#')	/* blank line, comment */
		return;
	say("# vm: running %s", line);

	for (tok = strtok_r(line, " \t", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		result(false, "%s not run (pipe: %m)", name);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* Own process group: a timeout kills the harness's forks too. */
		setpgid(0, 0);
		if (chdir("/"))
			_exit(127);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execve(argv[0], argv, envp);
		dprintf(2, "vm: execve %s: %m\n", argv[0]);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		result(false, "%s not run (fork: %m)", name);
		return;
	}
	setpgid(pid, pid);

	deadline = now() + timeout;
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (!killed && now() >= deadline) {
			say("# vm: %s still running after %u s: SIGKILL", name, timeout);
			kill(-pid, SIGKILL);
			killed = true;
			/* An escaped grandchild may hold the pipe open: bound the drain. */
			drain_end = now() + 5;
		}
		if (killed && now() >= drain_end)
			break;
		if (poll(&p, 1, 500) <= 0)
			continue;
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		feed(&lb, buf, n);
	}
	close(pfd[0]);
	if (lb.len)
		emit(lb.buf, lb.len);

	/* The pipe closes when the child exits; a leftover group member dies too. */
	if (!killed)
		kill(-pid, SIGKILL);
	if (reap(pid, &status, 10) < 0)
		result(false, "%s unkillable (stuck in the kernel)", name);
	else if (killed)
		result(false, "%s killed after %u s timeout", name, timeout);
	else if (WIFSIGNALED(status))
		result(false, "%s killed by signal %d", name, WTERMSIG(status));
	else
		result(!WEXITSTATUS(status), "%s exited %d", name, WEXITSTATUS(status));
}

static void run_plan(void)
{
	unsigned int timeout = cmdline_timeout();
	char line[LINE_MAX_LEN];
	FILE *plan = fopen("/plan", "re");

	if (!plan) {
		say("# vm: no /plan: no test programs to run");
		return;
	}
	while (fgets(line, sizeof(line), plan)) {
		line[strcspn(line, "\r\n")] = '\0';
		run_program(line, timeout);
	}
	fclose(plan);
}

/*
 * Tests may unload and reload the module themselves, so what is judged is
 * the end state: after rmmod, the module must be gone (not in /sys/module),
 * whether this rmmod removed it or a test already had.
 */
static void unload_module(void)
{
	int ret = syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);
	bool gone = access("/sys/module/" MODULE_NAME, F_OK) != 0;

	if (ret && !gone)
		say("# vm: delete_module(" MODULE_NAME "): %m");
	result(gone, "rmmod " MODULE_NAME);
}

static void kmemleak_scan(void)
{
	int fd = open(KMEMLEAK, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "scan", 4) != 4)
		say("# vm: kmemleak scan: %m");
	if (fd >= 0)
		close(fd);
}

/*
 * kmemleak reports an object only if it was unreferenced and unchanged
 * (same checksum) across two scans, and at least 5 s old when the second
 * one starts: scan, make sure 6 s have passed since the first one started
 * (a scan alone takes ~10 s under TCG with KASAN), scan again, read.
 */
static void check_kmemleak(void)
{
	static char report[65536];
	double start = now(), wait;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (access(KMEMLEAK, F_OK))
		return;
	kmemleak_scan();
	wait = start + 6 - now();
	if (wait > 0)
		usleep(wait * 1e6);
	kmemleak_scan();
	fd = open(KMEMLEAK, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say("# vm: kmemleak: %m");
		result(false, "kmemleak clean");
		return;
	}
	while (len < sizeof(report) &&
	       (n = read(fd, report + len, sizeof(report) - len)) > 0)
		len += n;
	close(fd);
	for (char *p = report, *end = report + len; p < end;) {
		char *nl = memchr(p, '\n', end - p);
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		note("kmemleak: ", p, l);
		p += l + 1;
	}
	result(!len, "kmemleak clean");
}

/* /dev/kmsg gives one record per read: "prio,seq,usec,flags;text\n". */
static void check_kernel_log(void)
{
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int bad = 0;

	if (fd < 0) {
		say("# vm: /dev/kmsg: %m");
		result(false, "kernel log clean");
		return;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *text, *end;

		if (n < 0 && errno == EPIPE)	/* overwritten records: skip */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		end = strchr(text, '\n');
		if (end)
			*end = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(splats); i++) {
			if (!strstr(text, splats[i]))
				continue;
			if (bad++ < 200)
				note("kernel log: ", text, strlen(text));
			break;
		}
	}
	close(fd);
	result(!bad, "kernel log clean");
}

/* @len bytes of @in as base64 into @out (4 * ceil(len / 3) bytes + NUL). */
static void base64(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (; len >= 3; in += 3, len -= 3) {
		*out++ = digits[in[0] >> 2];
		*out++ = digits[(in[0] & 3) << 4 | in[1] >> 4];
		*out++ = digits[(in[1] & 15) << 2 | in[2] >> 6];
		*out++ = digits[in[2] & 63];
	}
	if (len) {
		*out++ = digits[in[0] >> 2];
		*out++ = digits[(in[0] & 3) << 4 | (len > 1 ? in[1] >> 4 : 0)];
		*out++ = len > 1 ? digits[(in[1] & 15) << 2] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/*
 * One .gcda file as TAP comments, which the host's judge ignores:
 * "# gcov-begin PATH SIZE", "# gcov BASE64" lines of 57 bytes each,
 * "# gcov-end PATH". PATH is the file's path under GCOV_ROOT, which is
 * the object's path on the host that built it.
 */
static int send_gcda(const char *path)
{
	size_t cap = 65536, len = 0;
	unsigned char *data = malloc(cap);
	char line[80];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	/* A debugfs gcov file has no size until read: read it all first. */
	while (fd >= 0 && data && (n = read(fd, data + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *more = realloc(data, cap * 2);

			if (!more)
				break;
			data = more;
			cap *= 2;
		}
	}
	if (fd < 0 || !data || n != 0) {
		notef("gcov-error ", "%s: %s", path,
		      fd < 0 || n < 0 ? strerror(errno) : "out of memory");
		if (fd >= 0)
			close(fd);
		free(data);
		return -1;
	}
	close(fd);
	path += strlen(GCOV_ROOT);
	notef("gcov-begin ", "%s %zu", path, len);
	for (size_t off = 0; off < len; off += 57) {
		base64(data + off, len - off < 57 ? len - off : 57, line);
		note("gcov ", line, strlen(line));
	}
	note("gcov-end ", path, strlen(path));
	free(data);
	return 0;
}

/* Every .gcda file under @dir; the .gcno entries beside them are symlinks. */
static void send_gcov_dir(const char *dir, int *files)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		notef("gcov-error ", "%s: %m", dir);
		return;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		size_t l = strlen(e->d_name);

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path) || lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			send_gcov_dir(path, files);
		else if (S_ISREG(st.st_mode) && l > 5 &&
			 !strcmp(e->d_name + l - 5, ".gcda") && !send_gcda(path))
			(*files)++;
	}
	closedir(d);
}

/*
 * Coverage (make coverage), asked for with dcx.gcov=1: the module's gcov
 * data from the debug kernel (CONFIG_GCOV_KERNEL), to the host over the
 * results port, the only channel there is. Sent after rmmod on purpose:
 * with gcov_persist=1 (the default) the kernel keeps an unloaded module's
 * counts and adds every later load's to them, so the files now hold all
 * the loads (the soak test's reloads too), module exit included. Only the
 * module is built with GCOV_PROFILE, so the tree holds nothing else.
 */
static void send_gcov(void)
{
	int files = 0;

	if (!cmdline_has("dcx.gcov=1"))
		return;
	if (access(GCOV_ROOT, F_OK)) {
		notef("gcov-none ", GCOV_ROOT ": %m (no CONFIG_GCOV_KERNEL?)");
		return;
	}
	send_gcov_dir(GCOV_ROOT, &files);
	notef("gcov-files ", "%d", files);
}

int main(void)
{
	setup_fs();
	setup_ttys();
	setup_lo();
	say("# vm: disconnectex test VM up");

	load_module();
	run_plan();
	unload_module();
	check_kmemleak();
	check_kernel_log();
	send_gcov();

	say("DCX-VM-DONE");
	if (console_fd >= 0)
		tcdrain(console_fd);
	if (results_fd >= 0)
		tcdrain(results_fd);
	sync();
	/* QEMU runs with -no-reboot, so this ends the VM (no ACPI needed). */
	reboot(RB_AUTOBOOT);
	return 1;
}
