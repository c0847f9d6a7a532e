// SPDX-License-Identifier: GPL-2.0
/*
 * The one place vbdback's tracepoints are defined (see trace.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define CREATE_TRACE_POINTS
#include "trace.h"
