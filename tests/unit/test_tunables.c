// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tunables (vsock/tunables.h) and the pin-root default are defined
 * once: vsockctl tune and attach, vsockd's config and control protocol
 * accept exactly the table's range, and everyone agrees on the pin root.
 * Nothing here reaches the kernel. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cmd.h"
#include "config.h"
#include "ctlmsg.h"

static void test_table(void **state)
{
	(void)state;
	assert_string_equal(vs_tunable(VS_TUNE_MAX_QUEUED)->name, "max_queued");
	assert_string_equal(vs_tunable(VS_TUNE_SMALL_RUN)->name, "small_run");
	assert_string_equal(vs_tunable(VS_TUNE_BUSY_POLL)->name, "busy_poll");
	assert_null(vs_tunable(VS_TUNE_COUNT));
	assert_int_equal(vs_tunable_find("busy_poll"), VS_TUNE_BUSY_POLL);
	assert_int_equal(vs_tunable_find("spin_msgs"), -1);	/* one name only */
	/* the defaults are the programs' own fallbacks (abi.h) */
	assert_int_equal(vs_tunable(VS_TUNE_MAX_QUEUED)->def, VS_MAX_QUEUED_DEFAULT);
	assert_int_equal(vs_tunable(VS_TUNE_SMALL_RUN)->def, VS_SMALL_RUN);
	assert_int_equal(vs_tunable(VS_TUNE_BUSY_POLL)->def, VS_SPIN_MSGS);
	/* the programs count the busy-poll run in a byte */
	assert_int_equal(vs_tunable(VS_TUNE_BUSY_POLL)->max, VS_SPIN_MSGS_MAX);
	assert_int_equal(vs_tunable(VS_TUNE_MAX_QUEUED)->min, 64u << 10);
	assert_int_equal(vs_tunable(VS_TUNE_MAX_QUEUED)->max, 1ull << 31);
}

/* "[bpf]\nNAME = V\n": 0, or the config error in err. */
static int cfg_value(const char *name, unsigned long long v, char *err, size_t len)
{
	char text[128];
	struct cfg c;
	int r;

	snprintf(text, sizeof(text), "[bpf]\n%s = %llu\n", name, v);
	r = cfg_load_string(&c, "t.conf", text, err, len);
	cfg_free(&c);
	return r;
}

static void test_config_range(void **state)
{
	char err[CFG_ERR_LEN], want[CFG_ERR_LEN];
	const struct vs_tunable *t;
	struct cfg c;
	int id;

	(void)state;
	for (id = 0; id < VS_TUNE_COUNT; id++) {
		t = vs_tunable(id);
		assert_int_equal(cfg_value(t->name, t->min, err, sizeof(err)), 0);
		assert_int_equal(cfg_value(t->name, t->max, err, sizeof(err)), 0);
		assert_int_not_equal(cfg_value(t->name, t->max + 1, err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "t.conf:2: %s: '%llu' is not a number in %llu..%llu",
			 t->name, (unsigned long long)t->max + 1,
			 (unsigned long long)t->min, (unsigned long long)t->max);
		assert_string_equal(err, want);
		if (t->min)
			assert_int_not_equal(cfg_value(t->name, t->min - 1, err, sizeof(err)), 0);
	}
	cfg_defaults(&c);
	assert_int_equal(c.max_queued, vs_tunable(VS_TUNE_MAX_QUEUED)->def);
	assert_int_equal(c.small_run, vs_tunable(VS_TUNE_SMALL_RUN)->def);
	assert_int_equal(c.busy_poll, vs_tunable(VS_TUNE_BUSY_POLL)->def);
	cfg_free(&c);
}

static void test_ctlmsg_range(void **state)
{
	const struct vs_tunable *t = vs_tunable(VS_TUNE_MAX_QUEUED);
	char json[160], err[256];
	struct ctl_req r;
	__u64 v[] = { t->min, t->max, t->min - 1, t->max + 1 };
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(json, sizeof(json),
			 "{\"request\":\"attach\",\"cgroup\":\"/a\",\"max_queued\":%llu}",
			 (unsigned long long)v[i]);
		assert_int_equal(ctlmsg_parse(json, strlen(json), &r, err, sizeof(err)),
				 i < 2 ? 0 : -EINVAL);
	}
	assert_string_equal(err, "'max_queued' must be an integer in 65536..2147483648");
}

static void test_cli_bytes(void **state)
{
	__u64 v;

	(void)state;
	assert_int_equal(arg_bytes("64K", &v), 0);
	assert_int_equal(v, vs_tunable(VS_TUNE_MAX_QUEUED)->min);
	assert_int_equal(arg_bytes("2G", &v), 0);
	assert_int_equal(v, vs_tunable(VS_TUNE_MAX_QUEUED)->max);
	assert_int_equal(arg_bytes("2147483648", &v), 0);
	assert_int_not_equal(arg_bytes("2147483649", &v), 0);
	assert_int_not_equal(arg_bytes("2049M", &v), 0);
	assert_int_not_equal(arg_bytes("1T", &v), 0);
	assert_int_equal(arg_bytes("63K", &v), -ERANGE);
}

/* The command must fail while parsing, with exactly this message. */
static void expect_cli_error(const char *msg, int argc, char **argv)
{
	struct ctl ctl;
	char *out = NULL, *errout = NULL;
	size_t out_len, err_len;

	ctl_init(&ctl);
	ctl.out = open_memstream(&out, &out_len);
	ctl.errout = open_memstream(&errout, &err_len);
	assert_true(cmd_dispatch(&ctl, argc, argv) < 0);
	assert_string_equal(ctl.err, msg);
	fclose(ctl.out);
	fclose(ctl.errout);
	free(out);
	free(errout);
	ctl_free(&ctl);
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define EXPECT_ERR(msg, ...) expect_cli_error(msg, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_cli_messages(void **state)
{
	(void)state;
	EXPECT_ERR("tune: busy_poll '256': expected a count from 1 to 255, or off",
		   "tune", "busy_poll", "256");
	EXPECT_ERR("tune: busy_poll '0': expected a count from 1 to 255, or off",
		   "tune", "busy_poll", "0");
	EXPECT_ERR("tune: small_run '1073741825': expected a count from 1 to 1073741824, or off",
		   "tune", "small_run", "1073741825");
	EXPECT_ERR("tune: max_queued '3G': expected bytes from 64K to 2G (suffix K, M or G)",
		   "tune", "max_queued", "3G");
	EXPECT_ERR("attach: max_queued '1T': expected bytes from 64K to 2G (suffix K, M or G)",
		   "attach", "/sys/fs/cgroup/x", "max_queued", "1T");
	EXPECT_ERR("tune: unknown setting 'spin_msgs' (max_queued, small_run, busy_poll)",
		   "tune", "spin_msgs", "4");
}

static void test_pin_root_default(void **state)
{
	struct cfg c;

	(void)state;
	assert_string_equal(VS_PIN_ROOT_DEFAULT, VS_PIN_ROOT);	/* make PIN_ROOT= */
	cfg_defaults(&c);
	assert_string_equal(c.pin_root, VS_PIN_ROOT_DEFAULT);
	cfg_free(&c);
	unsetenv("VSOCK_PIN_ROOT");
	assert_string_equal(loader_pin_root(NULL), VS_PIN_ROOT_DEFAULT);
	setenv("VSOCK_PIN_ROOT", "/sys/fs/bpf/elsewhere", 1);
	assert_string_equal(loader_pin_root(NULL), "/sys/fs/bpf/elsewhere");
	unsetenv("VSOCK_PIN_ROOT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_config_range),
		cmocka_unit_test(test_ctlmsg_range),
		cmocka_unit_test(test_cli_bytes),
		cmocka_unit_test(test_cli_messages),
		cmocka_unit_test(test_pin_root_default),
	};

	return cmocka_run_group_tests_name("tunables", tests, NULL, NULL);
}
