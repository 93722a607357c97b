/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the library's own .c files; not part of its interface. */
#ifndef SELFTESTS_VFIO_LIB_INTERNAL_H
#define SELFTESTS_VFIO_LIB_INTERNAL_H

#include <linux/compiler.h>

#define PCI_SYSFS_DEVICES	"/sys/bus/pci/devices"

/*
 * A one-line verdict on the environment, then exit with @status: KSFT_SKIP
 * when the kernel or the machine lacks what the test needs (the harness
 * counts a test child that exits with it as skipped), KSFT_FAIL otherwise.
 */
__printf(2, 3) __noreturn void vfio_exit_line(int status, const char *fmt, ...);

/*
 * The library's users tell an fd that is in use from one that is not by a
 * non-zero test (a freshly allocated device or iommu holds zeroes), as in
 * the kernel tree's library. Keep a real fd off 0, which open() hands out
 * only when stdin was closed: returns @fd, or a duplicate above 2.
 */
int fd_above_zero(int fd);

/* The value of hex digit @c, or -1 when it is none. */
int vfio_hex_digit(char c);

/* Last component of the target of symlink @path (allocated), or NULL. */
char *sysfs_link_name(const char *path);

#endif /* SELFTESTS_VFIO_LIB_INTERNAL_H */
