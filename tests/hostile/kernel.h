/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's short type names and a few of its helpers, so that this
 * userspace code reads like the module it tests.
 */
#ifndef VBDFRONT_KERNEL_H
#define VBDFRONT_KERNEL_H

#include <asm/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s16 s16;
typedef __s64 s64;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* VBDFRONT_KERNEL_H */
