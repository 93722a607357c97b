// SPDX-License-Identifier: GPL-2.0-only
/*
 * Choosing the device under test, and address-space helpers shared by the
 * tests.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libvfio.h>

#include "internal.h"

#define BDF_ENV "VFIO_SELFTESTS_BDF"

/* "DDDD:BB:DD.F": the characters that must be hex digits. */
static const int bdf_hex_pos[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
#define BDF_LEN 12

int vfio_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool vfio_selftests_is_bdf(const char *str)
{
	size_t i;
	int dev;

	if (!str || strlen(str) != BDF_LEN)
		return false;
	if (str[4] != ':' || str[7] != ':' || str[10] != '.')
		return false;
	for (i = 0; i < ARRAY_SIZE(bdf_hex_pos); i++) {
		if (vfio_hex_digit(str[bdf_hex_pos[i]]) < 0)
			return false;
	}
	/* A PCI bus has 32 device slots of 8 functions each. */
	if (str[11] < '0' || str[11] > '7')
		return false;
	dev = vfio_hex_digit(str[8]) * 16 + vfio_hex_digit(str[9]);
	return dev <= 0x1f;
}

static const char *prog_name(int argc, char *argv[])
{
	return argc > 0 && argv[0] ? argv[0] : "vfio-selftest";
}

static void print_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [harness options] DDDD:BB:DD.F (or set %s)\n",
		prog, BDF_ENV);
}

static __noreturn void usage_skip(const char *prog)
{
	print_usage(prog);
	exit(KSFT_SKIP);
}

/*
 * An argument where a device address belongs that is none: say which, and
 * fail rather than fall back to $VFIO_SELFTESTS_BDF (a typo must not test
 * another device) or skip (nothing about the machine is missing).
 */
static __noreturn void bad_arg_fail(const char *prog, const char *arg)
{
	if (!getenv(BDF_ENV))
		print_usage(prog);
	fprintf(stderr,
		"%s: '%s' is not a PCI address (expected DDDD:BB:DD.F, e.g. 0000:00:03.0)\n",
		prog, arg);
	exit(KSFT_FAIL);
}

/* The harness options that take a value (-t NAME and the like). */
static bool harness_option_with_value(const char *arg)
{
	return arg[0] == '-' && arg[1] && strchr("fFvVtTr", arg[1]) && !arg[2];
}

/*
 * True when argv[i] stands where a device address belongs: not an option,
 * and not the value of the harness option before it.
 */
static bool is_positional(int i, char *argv[])
{
	if (i < 1 || argv[i][0] == '-')
		return false;
	return i < 2 || !harness_option_with_value(argv[i - 1]);
}

static __noreturn void bad_env_skip(const char *prog, const char *value,
				    const char *expected)
{
	fprintf(stderr, "%s=\"%s\" is not usable: expected %s\n",
		BDF_ENV, value, expected);
	usage_skip(prog);
}

/*
 * Hand the harness an argv without the addresses: it parses its own options
 * and would reject a stray positional argument.
 */
static void drop_trailing_args(int *argc, char *argv[], int n)
{
	*argc -= n;
	argv[*argc] = NULL;
}

const char *vfio_selftests_get_bdf(int *argc, char *argv[])
{
	const char *prog = prog_name(*argc, argv);
	const char *env;
	const char *bdf;

	if (*argc > 1 && vfio_selftests_is_bdf(argv[*argc - 1])) {
		bdf = argv[*argc - 1];
		drop_trailing_args(argc, argv, 1);
		return bdf;
	}
	if (*argc > 1 && is_positional(*argc - 1, argv))
		bad_arg_fail(prog, argv[*argc - 1]);

	env = getenv(BDF_ENV);
	if (!env || !*env)
		usage_skip(prog);
	if (!vfio_selftests_is_bdf(env))
		bad_env_skip(prog, env, "one PCI address DDDD:BB:DD.F (hex), e.g. 0000:00:03.0");
	return env;
}

/* Split a space/comma separated list of addresses; NULL if any is bad. */
static char **bdfs_from_list(const char *list, int *nr)
{
	char *copy, *tok, *save = NULL;
	char **bdfs;
	int n = 0;

	copy = strdup(list);
	VFIO_ASSERT_NOT_NULL(copy);
	/* Each separator starts a new token, so this bounds the count. */
	bdfs = calloc_assert(strlen(list) / 2 + 2, sizeof(*bdfs));

	for (tok = strtok_r(copy, " \t\n,", &save); tok;
	     tok = strtok_r(NULL, " \t\n,", &save)) {
		if (!vfio_selftests_is_bdf(tok))
			goto bad;
		bdfs[n++] = tok;
	}
	if (!n)
		goto bad;

	/* The strings live in @copy, which stays allocated with the array. */
	*nr = n;
	return bdfs;
bad:
	free(bdfs);
	free(copy);
	return NULL;
}

char **vfio_selftests_get_bdfs(int *argc, char *argv[], int *nr)
{
	const char *prog = prog_name(*argc, argv);
	const char *env;
	char **bdfs;
	int first = *argc;
	int i, n;

	while (first > 1 && vfio_selftests_is_bdf(argv[first - 1]))
		first--;
	if (is_positional(first - 1, argv))
		bad_arg_fail(prog, argv[first - 1]);
	n = *argc - first;

	if (n) {
		bdfs = calloc_assert(n + 1, sizeof(*bdfs));
		for (i = 0; i < n; i++)
			bdfs[i] = argv[first + i];
		drop_trailing_args(argc, argv, n);
		*nr = n;
		return bdfs;
	}

	env = getenv(BDF_ENV);
	if (!env || !*env)
		usage_skip(prog);
	bdfs = bdfs_from_list(env, nr);
	if (!bdfs)
		bad_env_skip(prog, env,
			     "PCI addresses DDDD:BB:DD.F (hex) separated by spaces, e.g. 0000:00:03.0");
	return bdfs;
}

void *mmap_reserve(size_t size, size_t align, size_t offset)
{
	size_t page = sysconf(_SC_PAGESIZE);
	uintptr_t base, start, end, limit;
	size_t total;
	void *map;

	VFIO_ASSERT_GT(size, 0);
	VFIO_ASSERT_GT(align, offset);
	/* munmap() of the excess only works on page boundaries. */
	VFIO_ASSERT_EQ(align % page, 0, "align %#zx is not page sized", align);
	VFIO_ASSERT_EQ(offset % page, 0, "offset %#zx is not page sized", offset);

	size = (size + page - 1) / page * page;
	total = size + align;
	VFIO_ASSERT_GT(total, size, "size %#zx + align %#zx overflows", size, align);

	/*
	 * Over-reserve by @align so that the window necessarily contains an
	 * address with the wanted remainder, then give back both ends.
	 */
	map = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	VFIO_ASSERT_NE(map, MAP_FAILED, "reserving %#zx bytes", total);

	base = (uintptr_t)map;
	start = base - base % align + offset;
	if (start < base)
		start += align;
	end = start + size;
	limit = base + total;

	if (start > base)
		VFIO_ASSERT_EQ(munmap(map, start - base), 0);
	if (limit > end)
		VFIO_ASSERT_EQ(munmap((void *)end, limit - end), 0);

	return (void *)start;
}

/* Defined by a test program that includes vfio_harness.h. */
#pragma weak vfio_selftests_skip_reason
void vfio_selftests_skip_reason(const char *reason);

int fd_above_zero(int fd)
{
	int moved;

	if (fd != 0)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	VFIO_ASSERT_GE(moved, 0, "moving fd 0 out of the way");
	VFIO_ASSERT_EQ(close(fd), 0);
	return moved;
}

void vfio_exit_line(int status, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
	if (status == KSFT_SKIP && vfio_selftests_skip_reason)
		vfio_selftests_skip_reason(line);
	exit(status);
}
