/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the library's own .c files; not part of its interface. */
#ifndef SELFTESTS_VFIO_LIB_INTERNAL_H
#define SELFTESTS_VFIO_LIB_INTERNAL_H

#include <linux/compiler.h>

/*
 * A one-line verdict on the environment, then exit with @status: KSFT_SKIP
 * when the kernel or the machine lacks what the test needs (the harness
 * counts a test child that exits with it as skipped), KSFT_FAIL otherwise.
 */
__printf(2, 3) __noreturn void vfio_exit_line(int status, const char *fmt, ...);

#endif /* SELFTESTS_VFIO_LIB_INTERNAL_H */
