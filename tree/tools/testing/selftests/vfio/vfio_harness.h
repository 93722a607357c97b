/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Glue between the library and the kselftest harness, for the test
 * programs: include it once, after kselftest_harness.h, whose registered
 * fixtures it reads.
 *
 * - The harness runs nothing, and reports success, when a -t, -v or -f
 *   filter (or its -T/-V/-F exclusion) names no test, variant or fixture:
 *   a typo turns a run green. Tests call vfio_selftests_check_filters()
 *   before any work to fail such a run instead.
 * - When the library ends a test case with KSFT_SKIP (the kernel lacks a
 *   mode, say), the harness would print "SKIP unknown": the library hands
 *   its one-line reason to vfio_selftests_skip_reason() first, which puts
 *   it where the harness takes a SKIP's diagnostic from.
 */
#ifndef SELFTESTS_VFIO_VFIO_HARNESS_H
#define SELFTESTS_VFIO_VFIO_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The fixture registered as @name, or NULL; its ->variant list holds the
 * variants in the order they were added.
 */
static inline struct __fixture_metadata *vfio_harness_fixture(const char *name)
{
	struct __fixture_metadata *f;

	for (f = __fixture_list; f; f = f->next) {
		if (!strcmp(f->name, name))
			return f;
	}
	return NULL;
}

static inline bool vfio_harness_has_name(char kind, const char *name)
{
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next) {
		if ((kind == 'f' || kind == 'F') && !strcmp(f->name, name))
			return true;
		for (v = f->variant; v; v = v->next) {
			if ((kind == 'v' || kind == 'V') && !strcmp(v->name, name))
				return true;
		}
		for (t = f->tests; t; t = t->next) {
			if ((kind == 't' || kind == 'T') && !strcmp(t->name, name))
				return true;
		}
	}
	return false;
}

/* Exit with KSFT_FAIL, naming it, at the first filter that matches nothing. */
static inline void vfio_selftests_check_filters(int argc, char *argv[])
{
	static const char *const what[] = {
		['f'] = "fixture", ['F'] = "fixture",
		['v'] = "variant", ['V'] = "variant",
		['t'] = "test", ['T'] = "test",
	};
	const char *arg, *name;
	char opt;
	int i;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (arg[0] != '-' || !arg[1] || !strchr("fFvVtTr", arg[1]))
			continue;
		opt = arg[1];
		/* A missing value is the harness's to report. */
		if (!arg[2] && i + 1 >= argc)
			continue;
		name = arg[2] ? arg + 2 : argv[++i];
		if (opt == 'r' || vfio_harness_has_name(opt, name))
			continue;
		fprintf(stderr, "%s: no %s named '%s' (-%c); -l lists them\n",
			argv[0], what[(unsigned char)opt], name, opt);
		exit(KSFT_FAIL);
	}
}

void vfio_selftests_skip_reason(const char *reason);

/*
 * The harness maps one result area for the whole run and points every
 * test at it; inside a test case's child process it is the running one's.
 * Before test_harness_run() there is none, and nothing is written.
 */
void vfio_selftests_skip_reason(const char *reason)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next) {
		for (t = f->tests; t; t = t->next) {
			if (!t->results)
				continue;
			snprintf(t->results->reason, sizeof(t->results->reason),
				 "%s", reason);
			return;
		}
	}
}

#endif /* SELFTESTS_VFIO_VFIO_HARNESS_H */
