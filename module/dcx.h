/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disconnectex: definitions shared by the device entry points (main.c) and
 * the disconnect state machine (disconnect.c).
 */
#ifndef _DCX_H
#define _DCX_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <linux/disconnectex.h>

struct io_uring_cmd;

/* One open of /dev/disconnectex: the operations submitted through it. */
struct dcx_dev_file {
	spinlock_t		lock;	/* protects @ops, @nr_ops, @parked */
	struct list_head	ops;	/* in flight: for flush, the watch */
	unsigned int		nr_ops;
	struct list_head	parked;	/* ioctls a signal interrupted */
	/* Queued while @ops is not empty, and once more after. */
	struct delayed_work	watch;
};

/* Counters, exported read-only in /sys/class/misc/disconnectex/stats/. */
struct dcx_stats {
	atomic_long_t	inflight;
	atomic_long_t	submitted;
	atomic_long_t	rejected;	/* refused before anything was done */
	atomic_long_t	completed;	/* operations that ran and ended */
	atomic_long_t	graceful;
	atomic_long_t	reset;
	atomic_long_t	timedout;
	atomic_long_t	canceled;
	atomic_long_t	reused;		/* sockets returned to unconnected */
};

extern struct dcx_stats dcx_stats;
extern unsigned int dcx_default_timeout_ms;

int dcx_disconnect_init(void);
void dcx_disconnect_exit(void);

int dcx_disconnect_async(struct dcx_dev_file *df,
			 const struct dcx_disconnect *req,
			 struct io_uring_cmd *cmd, unsigned int issue_flags);
int dcx_disconnect_sync(struct file *dev_file,
			const struct dcx_disconnect *req);
int dcx_cancel(const struct dcx_disconnect *req);
void dcx_abort_owner(struct dcx_dev_file *df, fl_owner_t owner);
void dcx_dev_file_init(struct dcx_dev_file *df);
void dcx_dev_file_drop(struct dcx_dev_file *df);

#endif /* _DCX_H */
