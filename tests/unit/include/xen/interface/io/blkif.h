/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's xen/interface/io/blkif.h is Xen's public blkif.h; userspace
 * gets the same file from libxen-dev.
 */
#include <xen/xen.h>
#include <xen/io/blkif.h>
