// SPDX-License-Identifier: GPL-2.0
/*
 * disconnectex: /dev/disconnectex, the entry points of its requests (ioctl
 * and io_uring command), its counters and parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/device.h>
#include <linux/io_uring.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/uaccess.h>

#include "dcx.h"

struct dcx_stats dcx_stats;

unsigned int dcx_default_timeout_ms = 10000;

static int dcx_set_timeout(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int err;

	err = kstrtouint(val, 0, &ms);
	if (err)
		return err;
	/* 0 in a request means "this parameter": it cannot mean itself. */
	if (!ms || ms > DCX_TIMEOUT_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(dcx_default_timeout_ms, ms);
	return 0;
}

static const struct kernel_param_ops dcx_timeout_ops = {
	.set	= dcx_set_timeout,
	.get	= param_get_uint,
};
module_param_cb(timeout_ms, &dcx_timeout_ops, &dcx_default_timeout_ms, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "Timeout of a disconnect whose request gives 0, in ms (default 10000, 1..120000)");

/* It must fit the 16-byte command area of a normal 64-byte SQE. */
static_assert(sizeof(struct dcx_disconnect) == 16);

static void dcx_read_request(struct dcx_disconnect *req,
			     const struct dcx_disconnect *src)
{
	/* The SQE is shared with userspace: read every field once. */
	req->fd = READ_ONCE(src->fd);
	req->flags = READ_ONCE(src->flags);
	req->timeout_ms = READ_ONCE(src->timeout_ms);
	req->reserved = READ_ONCE(src->reserved);
}

static int dcx_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct dcx_dev_file *df = cmd->file->private_data;
	struct dcx_disconnect req;

	switch (cmd->cmd_op) {
	case DCX_CMD_DISCONNECT:
		dcx_read_request(&req, cmd->cmd);
		return dcx_disconnect_async(df, &req, cmd, issue_flags);
	case DCX_CMD_CANCEL:
		dcx_read_request(&req, cmd->cmd);
		return dcx_cancel(&req);
	default:
		return -EINVAL;
	}
}

static long dcx_ioctl(struct file *file, unsigned int op, unsigned long arg)
{
	struct dcx_disconnect req;

	switch (op) {
	case DCX_IOC_DISCONNECT:
		if (copy_from_user(&req, (void __user *)arg, sizeof(req)))
			return -EFAULT;
		return dcx_disconnect_sync(file, &req);
	case DCX_IOC_CANCEL:
		if (copy_from_user(&req, (void __user *)arg, sizeof(req)))
			return -EFAULT;
		return dcx_cancel(&req);
	default:
		return -ENOTTY;
	}
}

static int dcx_open(struct inode *inode, struct file *file)
{
	struct dcx_dev_file *df;

	df = kzalloc(sizeof(*df), GFP_KERNEL_ACCOUNT);
	if (!df)
		return -ENOMEM;
	dcx_dev_file_init(df);
	file->private_data = df;
	return 0;
}

static int dcx_flush(struct file *file, fl_owner_t id)
{
	dcx_abort_owner(file->private_data, id);
	return 0;
}

static int dcx_dev_release(struct inode *inode, struct file *file)
{
	struct dcx_dev_file *df = file->private_data;

	dcx_dev_file_drop(df);
	kfree(df);
	return 0;
}

static const struct file_operations dcx_fops = {
	.owner		= THIS_MODULE,
	.open		= dcx_open,
	.flush		= dcx_flush,
	.release	= dcx_dev_release,
	.unlocked_ioctl	= dcx_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= dcx_uring_cmd,
	.llseek		= noop_llseek,
};

static ssize_t dcx_stat_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct dev_ext_attribute *ea = container_of(attr, struct dev_ext_attribute, attr);

	return sysfs_emit(buf, "%ld\n", atomic_long_read(ea->var));
}

/* One read-only file per counter: sysfs wants one value per file. */
#define DCX_STAT_ATTR(_name)						\
	static struct dev_ext_attribute dcx_attr_##_name = {		\
		.attr = {						\
			.attr = { .name = __stringify(_name), .mode = 0444 }, \
			.show = dcx_stat_show,				\
		},							\
		.var = &dcx_stats._name,				\
	}

DCX_STAT_ATTR(inflight);
DCX_STAT_ATTR(submitted);
DCX_STAT_ATTR(rejected);
DCX_STAT_ATTR(completed);
DCX_STAT_ATTR(graceful);
DCX_STAT_ATTR(reset);
DCX_STAT_ATTR(timedout);
DCX_STAT_ATTR(canceled);
DCX_STAT_ATTR(reused);

static struct attribute *dcx_stat_attrs[] = {
	&dcx_attr_inflight.attr.attr,
	&dcx_attr_submitted.attr.attr,
	&dcx_attr_rejected.attr.attr,
	&dcx_attr_completed.attr.attr,
	&dcx_attr_graceful.attr.attr,
	&dcx_attr_reset.attr.attr,
	&dcx_attr_timedout.attr.attr,
	&dcx_attr_canceled.attr.attr,
	&dcx_attr_reused.attr.attr,
	NULL
};

static const struct attribute_group dcx_stat_group = {
	.name	= "stats",
	.attrs	= dcx_stat_attrs,
};

static const struct attribute_group *dcx_groups[] = {
	&dcx_stat_group,
	NULL
};

static struct miscdevice dcx_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= DCX_DEVICE_NAME,
	.fops	= &dcx_fops,
	/* An operation only touches sockets of the caller's own fd table. */
	.mode	= 0666,
	.groups	= dcx_groups,
};

static int __init dcx_init(void)
{
	int err;

	err = dcx_disconnect_init();
	if (err)
		return err;

	err = misc_register(&dcx_misc);
	if (err)
		goto err_disconnect;
	return 0;

err_disconnect:
	dcx_disconnect_exit();
	return err;
}

static void __exit dcx_exit(void)
{
	misc_deregister(&dcx_misc);
	dcx_disconnect_exit();
}

module_init(dcx_init);
module_exit(dcx_exit);

MODULE_DESCRIPTION("Graceful TCP disconnect that returns the same socket (DisconnectEx)");
MODULE_AUTHOR("disconnectex developers");
MODULE_LICENSE("GPL");
