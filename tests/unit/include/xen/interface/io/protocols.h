/* SPDX-License-Identifier: GPL-2.0 */
/* Xen's public protocols.h, as libxen-dev installs it. */
#include <xen/io/protocols.h>
