/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/log2.h>, for unit tests. */
#ifndef VBD_TEST_LINUX_LOG2_H
#define VBD_TEST_LINUX_LOG2_H

/* As the kernel's, for a 64-bit value other than 0 (undefined there too). */
#define ilog2(n)	((int)(63 - __builtin_clzll((unsigned long long)(n))))

#endif
