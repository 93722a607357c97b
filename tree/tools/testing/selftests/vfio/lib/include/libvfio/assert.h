/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Assertions for the VFIO selftests library and its users.
 *
 * A failed assertion reports where it fired, the expression with both
 * operands, errno, and an optional message, then exits with KSFT_FAIL. Inside
 * a kselftest harness test that fails only the test that is running, since
 * the harness runs every test in a child process.
 */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_ASSERT_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_ASSERT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/types.h>

#include "../../../../kselftest.h"

/* Print the caller's message (if any) and end the process as a failure. */
#define VFIO_LOG_AND_EXIT(...) do {					\
	fprintf(stderr, "  " __VA_ARGS__);				\
	fprintf(stderr, "\n");						\
	exit(KSFT_FAIL);						\
} while (0)

#define VFIO_ASSERT_OP(_lhs, _rhs, _op, ...) do {			\
	typeof(_lhs) __vfio_lhs = (_lhs);				\
	typeof(_rhs) __vfio_rhs = (_rhs);				\
	int __vfio_errno = errno;					\
									\
	if (__vfio_lhs _op __vfio_rhs)					\
		break;							\
	fprintf(stderr, "%s:%u: assertion failed: %s %s %s\n",		\
		__FILE__, __LINE__, #_lhs, #_op, #_rhs);		\
	fprintf(stderr, "  values: %#llx %s %#llx\n",			\
		(unsigned long long)(uintptr_t)__vfio_lhs, #_op,	\
		(unsigned long long)(uintptr_t)__vfio_rhs);		\
	fprintf(stderr, "  errno: %d (%s)\n", __vfio_errno,		\
		strerror(__vfio_errno));				\
	VFIO_LOG_AND_EXIT("" __VA_ARGS__);				\
} while (0)

#define VFIO_ASSERT_EQ(_a, _b, ...) VFIO_ASSERT_OP(_a, _b, ==, ##__VA_ARGS__)
#define VFIO_ASSERT_NE(_a, _b, ...) VFIO_ASSERT_OP(_a, _b, !=, ##__VA_ARGS__)
#define VFIO_ASSERT_LT(_a, _b, ...) VFIO_ASSERT_OP(_a, _b, <, ##__VA_ARGS__)
#define VFIO_ASSERT_LE(_a, _b, ...) VFIO_ASSERT_OP(_a, _b, <=, ##__VA_ARGS__)
#define VFIO_ASSERT_GT(_a, _b, ...) VFIO_ASSERT_OP(_a, _b, >, ##__VA_ARGS__)
#define VFIO_ASSERT_GE(_a, _b, ...) VFIO_ASSERT_OP(_a, _b, >=, ##__VA_ARGS__)
#define VFIO_ASSERT_TRUE(_a, ...) VFIO_ASSERT_NE(false, (bool)(_a), ##__VA_ARGS__)
#define VFIO_ASSERT_FALSE(_a, ...) VFIO_ASSERT_EQ(false, (bool)(_a), ##__VA_ARGS__)
#define VFIO_ASSERT_NULL(_a, ...) VFIO_ASSERT_EQ(NULL, (void *)(_a), ##__VA_ARGS__)
#define VFIO_ASSERT_NOT_NULL(_a, ...) VFIO_ASSERT_NE(NULL, (void *)(_a), ##__VA_ARGS__)

#define VFIO_FAIL(_fmt, ...) do {					\
	fprintf(stderr, "%s:%u: failure\n", __FILE__, __LINE__);	\
	VFIO_LOG_AND_EXIT(_fmt, ##__VA_ARGS__);				\
} while (0)

/* ioctl() that must succeed; names the fd, the request and the argument. */
#define ioctl_assert(_fd, _op, _arg) do {				\
	void *__vfio_arg = (void *)(_arg);				\
	int __vfio_ret = ioctl((_fd), (_op), __vfio_arg);		\
									\
	VFIO_ASSERT_EQ(__vfio_ret, 0, "ioctl(%s, %s, %s) = %d",	\
		       #_fd, #_op, #_arg, __vfio_ret);			\
} while (0)

#define malloc_assert(_size) ({						\
	size_t __vfio_size = (_size);					\
	void *__vfio_ptr = malloc(__vfio_size);				\
									\
	VFIO_ASSERT_NOT_NULL(__vfio_ptr, "malloc(%zu)", __vfio_size);	\
	__vfio_ptr;							\
})

#define calloc_assert(_nmemb, _size) ({					\
	size_t __vfio_n = (_nmemb), __vfio_sz = (_size);		\
	void *__vfio_ptr = calloc(__vfio_n, __vfio_sz);			\
									\
	VFIO_ASSERT_NOT_NULL(__vfio_ptr, "calloc(%zu, %zu)",		\
			     __vfio_n, __vfio_sz);			\
	__vfio_ptr;							\
})

/* snprintf() whose output must fit the buffer. */
#define snprintf_assert(_s, _size, _fmt, ...) do {			\
	size_t __vfio_cap = (_size);					\
	int __vfio_len = snprintf(_s, __vfio_cap, _fmt, ##__VA_ARGS__);	\
									\
	VFIO_ASSERT_GE(__vfio_len, 0);					\
	VFIO_ASSERT_LT((size_t)__vfio_len, __vfio_cap,			\
		       "snprintf() output truncated");			\
} while (0)

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_ASSERT_H */
