// SPDX-License-Identifier: GPL-2.0
/*
 * vbdback: a Xen block backend. Loading and unloading the module; its
 * parameters are in params.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <xen/xen.h>

#include "vbdback.h"

static int __init vbd_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	err = vbd_debug_init();
	if (err)
		return err;
	err = vbd_xenbus_register();
	if (err) {
		pr_err("cannot register the \"vbd\" backend (%d); is xen-blkback loaded?\n",
		       err);
		goto exit_debug;
	}
	return 0;

exit_debug:
	vbd_debug_exit();
	return err;
}
module_init(vbd_init);

static void __exit vbd_exit(void)
{
	vbd_xenbus_unregister();
	vbd_debug_exit();
}
module_exit(vbd_exit);

MODULE_DESCRIPTION("Xen block backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:vbd");
