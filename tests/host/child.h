/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run a piece of library code in a child process and collect how it ended.
 *
 * The library reports a broken contract by exiting, so the only way to test
 * that it does is to let a throwaway process take the exit and look at the
 * status and at what it wrote to stderr.
 */
#ifndef VFIO_HOST_TESTS_CHILD_H
#define VFIO_HOST_TESTS_CHILD_H

#include <stdbool.h>

struct child_result {
	bool exited;		/* false: killed by a signal */
	int code;		/* exit status, or the signal number */
	char err[8192];		/* stderr, NUL-terminated, truncated if long */
};

/*
 * Fork, run @fn(@arg) in the child with stderr sent through a pipe and
 * stdout discarded, and wait for it. A child whose @fn returns exits 0.
 * Returns 0, or a negative errno when the child could not be started.
 */
int run_in_child(void (*fn)(void *arg), void *arg, struct child_result *res);

/*
 * The library gives up on a missing device with exit(KSFT_SKIP), which the
 * harness would count as a skip, not a failure. A test that expects the
 * library to return calls this first: from then on any exit() of the
 * calling process (not of its children) fails the test.
 */
void exit_is_failure(void);

/* True when the child exited (not killed) with status @code. */
static inline bool child_exited_with(const struct child_result *res, int code)
{
	return res->exited && res->code == code;
}

/*
 * For kselftest harness tests: run @_fn(@_arg) in a child, fail the test
 * unless the child exited with @_code, and show the child's stderr when it
 * did not, since that is where the library explains itself.
 */
#define ASSERT_CHILD_EXIT(_res, _code, _fn, _arg) do {			\
	struct child_result *__res = (_res);				\
	int __code = (_code);						\
									\
	ASSERT_EQ(0, run_in_child(_fn, _arg, __res));			\
	if (!child_exited_with(__res, __code))				\
		TH_LOG("child %s %d, wanted exit %d; its stderr:\n%s",	\
		       __res->exited ? "exited with" : "killed by signal", \
		       __res->code, __code, __res->err);		\
	ASSERT_TRUE(child_exited_with(__res, __code));			\
} while (0)

#endif /* VFIO_HOST_TESTS_CHILD_H */
