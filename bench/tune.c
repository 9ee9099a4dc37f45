// SPDX-License-Identifier: GPL-2.0
/* bench/ guest tuning: see tune.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>

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

/* One rtnetlink request or answer. */
struct nl_msg {
	struct nlmsghdr nh;
	struct rtmsg rt;
	char attrs[256];
};

/* Attribute @type of @len bytes at the end of @nh; the attribute. */
static struct rtattr *nl_put(struct nlmsghdr *nh, unsigned short type,
			     const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nl_put_u32(struct nlmsghdr *nh, unsigned short type, uint32_t v)
{
	nl_put(nh, type, &v, sizeof(v));
}

/* The kernel's extended-ack message in an NLMSG_ERROR, or "". */
static const char *nl_ext_msg(const struct nlmsghdr *nh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	const struct rtattr *rta = (const struct rtattr *)(e + 1);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*e));

	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return "";
	/* Without NLM_F_CAPPED, a copy of our request's payload comes first. */
	if (!(nh->nlmsg_flags & NLM_F_CAPPED)) {
		len -= NLMSG_ALIGN(e->msg.nlmsg_len - sizeof(e->msg));
		rta = (const struct rtattr *)((const char *)rta +
			NLMSG_ALIGN(e->msg.nlmsg_len - sizeof(e->msg)));
	}
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == NLMSGERR_ATTR_MSG)
			return RTA_DATA(rta);
	return "";
}

/*
 * Send @req on @fd and read the answer into @ans: 0 for an RTM_NEWROUTE
 * answer or an ack, else -errno (@what names the request in the log).
 */
static int nl_talk(int fd, struct nl_msg *req, struct nl_msg *ans, const char *what)
{
	static uint32_t seq;
	ssize_t n;

	req->nh.nlmsg_seq = ++seq;
	if (send(fd, req, req->nh.nlmsg_len, 0) != (ssize_t)req->nh.nlmsg_len) {
		bench_log("# dcxbench: rtnetlink %s: send: %s", what, strerror(errno));
		return -EIO;
	}
	do {
		n = recv(fd, ans, sizeof(*ans), 0);
	} while (n >= (ssize_t)sizeof(ans->nh) && ans->nh.nlmsg_seq != seq);
	if (n < 0 || !NLMSG_OK(&ans->nh, (size_t)n)) {
		bench_log("# dcxbench: rtnetlink %s: no answer: %s", what,
			  n < 0 ? strerror(errno) : "short message");
		return -EIO;
	}
	if (ans->nh.nlmsg_type == NLMSG_ERROR) {
		int err = ((struct nlmsgerr *)NLMSG_DATA(&ans->nh))->error;

		if (err)
			bench_log("# dcxbench: rtnetlink %s: %s%s%s", what,
				  strerror(-err), *nl_ext_msg(&ans->nh) ? ": " : "",
				  nl_ext_msg(&ans->nh));
		return err;
	}
	return ans->nh.nlmsg_type == RTM_NEWROUTE ? 0 : -EPROTO;
}

/* A route message of the local table for 127.0.0.0/@len (127.0.0.1 if 32). */
static void lo_route(struct nl_msg *m, int type, int flags, int len)
{
	uint32_t dst = htonl(len == 32 ? INADDR_LOOPBACK : 0x7f000000);

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(m->rt));
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->rt.rtm_family = AF_INET;
	m->rt.rtm_dst_len = len;
	m->rt.rtm_table = RT_TABLE_LOCAL;
	nl_put(&m->nh, RTA_DST, &dst, sizeof(dst));
}

/* The RTAX_QUICKACK metric of an RTM_NEWROUTE answer, or -1. */
static long quickack_of(const struct nl_msg *m)
{
	const struct rtattr *rta = (const struct rtattr *)RTM_RTA(&m->rt), *x;
	int len = RTM_PAYLOAD(&m->nh), xlen;

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != RTA_METRICS)
			continue;
		xlen = RTA_PAYLOAD(rta);
		for (x = RTA_DATA(rta); RTA_OK(x, xlen); x = RTA_NEXT(x, xlen))
			if (x->rta_type == RTAX_QUICKACK)
				return *(const uint32_t *)RTA_DATA(x);
	}
	return -1;
}

int tune_lo_quickack(void)
{
	static const int lens[] = { 8, 32 };
	uint32_t src = htonl(INADDR_LOOPBACK);
	struct nl_msg req, ans;
	struct rtattr *metrics;
	char what[64];
	int one = 1, fd, err = 0, lo;
	size_t i;

	lo = if_nametoindex("lo");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (!lo || fd < 0) {
		err = -errno;
		bench_log("# dcxbench: quickack: %s: %s", lo ? "rtnetlink" : "lo",
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	/*
	 * What the kernel made of lo's address (fib_magic()), as "ip route
	 * replace local 127.0.0.0/8 dev lo table local proto kernel scope
	 * host src 127.0.0.1 quickack 1" would; no NLM_F_CREATE, so a route
	 * that is not there is an error, not a new route.
	 */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]) && !err; i++) {
		lo_route(&req, RTM_NEWROUTE, NLM_F_REPLACE | NLM_F_ACK, lens[i]);
		req.rt.rtm_protocol = RTPROT_KERNEL;
		req.rt.rtm_scope = RT_SCOPE_HOST;
		req.rt.rtm_type = RTN_LOCAL;
		nl_put(&req.nh, RTA_PREFSRC, &src, sizeof(src));
		nl_put_u32(&req.nh, RTA_OIF, lo);
		metrics = nl_put(&req.nh, RTA_METRICS, NULL, 0);
		nl_put_u32(&req.nh, RTAX_QUICKACK, 1);
		metrics->rta_len = (char *)&req + req.nh.nlmsg_len - (char *)metrics;
		snprintf(what, sizeof(what), "replace local 127.0.0.%d/%d",
			 lens[i] == 32, lens[i]);
		err = nl_talk(fd, &req, &ans, what);
	}

	/* The route a connection to 127.0.0.1 really takes. */
	if (!err) {
		lo_route(&req, RTM_GETROUTE, 0, 32);
		req.rt.rtm_flags = RTM_F_FIB_MATCH;
		err = nl_talk(fd, &req, &ans, "get 127.0.0.1 fibmatch");
		if (!err && quickack_of(&ans) != 1) {
			bench_log("# dcxbench: quickack: the route of 127.0.0.1 (/%d) has quickack %ld, not 1",
				  ans.rt.rtm_dst_len, quickack_of(&ans));
			err = -EPROTO;
		}
	}
	close(fd);
	return err;
}

int tune_module_replace(const char *name, const char *path)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		bench_log("# dcxbench: %s: %s", path, strerror(errno));
		return err;
	}
	/* glibc wraps neither call; not loaded (a load that failed) is fine. */
	if (syscall(SYS_delete_module, name, O_NONBLOCK) && errno != ENOENT) {
		err = -errno;
		bench_log("# dcxbench: rmmod %s: %s", name, strerror(errno));
	} else if (syscall(SYS_finit_module, fd, "", 0)) {
		err = -errno;
		bench_log("# dcxbench: insmod %s: %s", path, strerror(errno));
	}
	close(fd);
	return err;
}

const struct tune_probe tune_probes[TUNE_MAX_PROBES] = {
	{ "dcx_own", "the module's owner passes (task_work or workqueue)" },
	{ "dcx_task_work", "of those, io_uring task_work passes" },
	{ "dcx_wake", "wake-ups of an operation's wait-queue entry" },
	{ "dcx_kick", "kicks: wake-ups that found work, timers, signals" },
	{ "dcx_timer", "the module's timer firing" },
	{ "dcx_discard", "drains that threw data away (an skb each)" },
	{ "mod_timer", "timer arms, guest-wide (TCP's too)" },
	{ "timer_reduce", "timer re-arms, guest-wide" },
	{ "lock_sock_nested", "socket locks taken" },
	{ "io_wq_submit_work", "io_uring requests run by io-wq workers" },
	{ "io_apoll_task_func", "io_uring poll-driven retries" },
	{ "tcp_recvmsg", "TCP receives" },
	{ "try_to_wake_up", "task wake-ups, all of them" },
	{ "tcp_disconnect", "TCP sockets reset to CLOSE" },
};

int tune_probe_index(const char *func)
{
	int i;

	for (i = 0; i < tune_nprobes; i++)
		if (!strcmp(tune_probes[i].func, func))
			return i;
	return -1;
}

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
		snprintf(def, sizeof(def), "p:dcxb_%d %s\n", i, tune_probes[i].func);
		err = tune_write(TRACEFS "kprobe_events", O_APPEND, def);
		if (err)
			bench_log("# dcxbench: kprobe on %s: %s",
				  tune_probes[i].func, strerror(-err));
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
