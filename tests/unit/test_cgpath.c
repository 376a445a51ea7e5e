// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cgroup paths (loader/cgpath.c): the length limits and their messages,
 * and how vs_cgcfg records a path too deep for it. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vsock/abi.h"
#include "cgpath.h"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_lengths(void **state)
{
	struct vs_err e = { "" };
	char *name = repeat('a', NAME_MAX), *over = repeat('b', NAME_MAX + 1);
	char *whole = repeat('/', PATH_MAX), path[PATH_MAX + 8];

	(void)state;
	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/x", name);
	assert_int_equal(vs_cg_path_check_len(path, &e), 0);
	assert_int_equal(vs_cg_path_check_len("", &e), 0);
	assert_int_equal(vs_cg_path_check_len("//a//b/", &e), 0);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/x", over);
	assert_int_equal(vs_cg_path_check_len(path, &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "of 256 bytes, longer than NAME_MAX (255)"));
	assert_true(strlen(e.msg) < 300);	/* shortened, not echoed whole */
	assert_int_equal(vs_cg_path_check_len(whole, &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "path of 4096 bytes, longer than PATH_MAX (4095)"));
	assert_true(strlen(e.msg) < 300);
	free(name);
	free(over);
	free(whole);
}

static void test_record(void **state)
{
	char out[VS_CG_PATH_MAX], *deep = repeat('c', 300);

	(void)state;
	vs_cg_record_path("/a/b", out);
	assert_string_equal(out, "/a/b");
	assert_false(vs_cg_path_shortened(out));
	deep[0] = '/';
	memcpy(deep + 290, "/leaf12345", 10);
	vs_cg_record_path(deep, out);
	assert_int_equal(strlen(out), VS_CG_PATH_MAX - 1);
	assert_true(vs_cg_path_shortened(out));
	assert_memory_equal(out + strlen(out) - 10, "/leaf12345", 10);
	/* one byte short of the limit fits as is */
	deep[VS_CG_PATH_MAX - 1] = '\0';
	vs_cg_record_path(deep, out);
	assert_string_equal(out, deep);
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests_name("cgpath", tests, NULL, NULL);
}
