/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace unit tests' one assertion: count a pass or a failure, say
 * where a failure was, and go on, so one run reports every failing check.
 * Each test program includes it once and prints the counts at the end.
 */
#ifndef VBDBACK_TESTS_EXPECT_H
#define VBDBACK_TESTS_EXPECT_H

#include <stdio.h>

static unsigned int passed, failed;

#define EXPECT(cond) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, \
			#cond);						\
	}								\
} while (0)

#endif /* VBDBACK_TESTS_EXPECT_H */
