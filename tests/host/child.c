// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

#include "kselftest.h"

static pid_t guarded_pid;

static void fail_on_exit(void)
{
	if (getpid() != guarded_pid)
		return;
	fprintf(stderr, "exit() called by code expected to return\n");
	_exit(KSFT_FAIL);
}

void exit_is_failure(void)
{
	/* One registration serves every later call in this process. */
	if (!guarded_pid)
		atexit(fail_on_exit);
	guarded_pid = getpid();
}

static void child_main(int err_fd, void (*fn)(void *arg), void *arg)
{
	int null_fd = open("/dev/null", O_WRONLY);

	/*
	 * stdout goes nowhere so that a child cannot interleave stray lines
	 * with the TAP output of the parent; the tests look at stderr only.
	 */
	if (null_fd < 0 || dup2(null_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	close(null_fd);
	close(err_fd);

	fn(arg);

	/*
	 * _exit() rather than exit(): the parent's atexit handlers and stdio
	 * buffers belong to the parent and must not run twice.
	 */
	fflush(stderr);
	_exit(0);
}

/* Read everything the child writes, keeping what fits in @buf. */
static void drain(int fd, char *buf, size_t size)
{
	char scratch[512];
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (len < size - 1)
			n = read(fd, buf + len, size - 1 - len);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < size - 1)
			len += n;
	}
	buf[len] = '\0';
}

int run_in_child(void (*fn)(void *arg), void *arg, struct child_result *res)
{
	int fds[2], status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe(fds))
		return -errno;

	/* Whatever is still buffered would otherwise be printed twice. */
	fflush(stdout);
	fflush(stderr);

	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		return -err;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], fn, arg);
	}

	close(fds[1]);
	drain(fds[0], res->err, sizeof(res->err));
	close(fds[0]);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}

	res->exited = WIFEXITED(status);
	res->code = res->exited ? WEXITSTATUS(status) : WTERMSIG(status);
	return 0;
}
