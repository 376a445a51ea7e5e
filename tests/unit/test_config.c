// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* daemon/config.c: every key, the defaults, bad values and unknown keys
 * refused with FILE:LINE, and a failed parse leaving the defaults. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "vsock/abi.h"
#include "config.h"
#include "log.h"

static char err[CFG_ERR_LEN];

static int load(struct cfg *c, const char *text)
{
	return cfg_load_string(c, "t.conf", text, err, sizeof(err));
}

/* The text must be refused with exactly this message. */
static void expect_err(const char *text, const char *msg)
{
	struct cfg c;

	assert_int_not_equal(load(&c, text), 0);
	assert_string_equal(err, msg);
	/* a refused file leaves nothing half-applied */
	assert_int_equal(c.nattach, 0);
	assert_int_equal(c.max_processes, 4096);
	cfg_free(&c);
}

static void test_defaults(void **state)
{
	struct cfg c;

	(void)state;
	assert_int_equal(load(&c, ""), 0);
	assert_string_equal(c.pin_root, VS_PIN_ROOT);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_string_equal(c.control_socket, "/run/vsock/vsockd.sock");
	assert_string_equal(c.control_group, "");
	assert_int_equal(c.control_mode, 0660);
	assert_int_equal(c.max_processes, 4096);
	assert_int_equal(c.max_handles_per_process, 65536);
	assert_int_equal(c.max_handles, 262144);
	assert_int_equal(c.rescan_interval, 60);
	assert_int_equal(c.max_sockets, VS_MAX_SOCKS_DEFAULT);
	assert_int_equal(c.max_queued, VS_MAX_QUEUED_DEFAULT);
	assert_int_equal(c.small_run, VS_SMALL_RUN);
	assert_int_equal(c.busy_poll, VS_SPIN_MSGS);
	assert_int_equal(c.nattach, 0);
	cfg_free(&c);
}

static void test_every_key(void **state)
{
	struct cfg c;

	(void)state;
	assert_int_equal(load(&c,
		"# comment\n"
		"; another\n"
		"[vsockd]\n"
		"pin_root = /sys/fs/bpf/other\n"
		"log_level = debug\n"
		"control_socket = /run/x/ctl.sock\n"
		"control_group = root\n"
		"control_socket_mode = 0666\n"
		"max_processes = 10\n"
		"max_handles_per_process = 20\n"
		"max_handles = 30\n"
		"rescan_interval = 0\n"
		"[bpf]\n"
		"max_sockets = 2048\n"
		"max_queued = 65536\n"
		"small_run = 0\n"
		"busy_poll = 255\n"
		"[proxy]\n"
		"connect_timeout_ms = 250\n"
		"idle_timeout = 600\n"
		"relay_bound = 65536\n"
		"\n"
		"[cgroups]\n"
		"attach = /sys/fs/cgroup/a\n"
		"attach = /sys/fs/cgroup/b c\n"), 0);
	assert_string_equal(c.pin_root, "/sys/fs/bpf/other");
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_string_equal(c.control_socket, "/run/x/ctl.sock");
	assert_string_equal(c.control_group, "root");
	assert_int_equal(c.control_gid, 0);
	assert_int_equal(c.control_mode, 0666);
	assert_int_equal(c.max_processes, 10);
	assert_int_equal(c.max_handles_per_process, 20);
	assert_int_equal(c.max_handles, 30);
	assert_int_equal(c.rescan_interval, 0);
	assert_int_equal(c.max_sockets, 2048);
	assert_int_equal(c.max_queued, 65536);
	assert_int_equal(c.small_run, 0);
	assert_int_equal(c.busy_poll, 255);
	assert_int_equal(c.connect_timeout_ms, 250);
	assert_int_equal(c.idle_timeout, 600);
	assert_int_equal(c.relay_bound, 65536);
	assert_int_equal(c.nattach, 2);
	assert_string_equal(c.attach[0], "/sys/fs/cgroup/a");
	assert_string_equal(c.attach[1], "/sys/fs/cgroup/b c");
	assert_true(cfg_has_attach(&c, "/sys/fs/cgroup/a"));
	assert_false(cfg_has_attach(&c, "/sys/fs/cgroup/b"));
	cfg_free(&c);
}

static void test_levels_and_groups(void **state)
{
	struct cfg c;

	(void)state;
	assert_int_equal(load(&c, "[vsockd]\nlog_level = err\n"), 0);
	assert_int_equal(c.log_level, LOG_ERR);
	assert_int_equal(load(&c, "[vsockd]\nlog_level = warning\n"), 0);
	assert_int_equal(c.log_level, LOG_WARNING);
	assert_int_equal(load(&c, "[vsockd]\nlog_level = info\n"), 0);
	assert_int_equal(c.log_level, LOG_INFO);
	/* a numeric group needs no entry in /etc/group */
	assert_int_equal(load(&c, "[vsockd]\ncontrol_group = 4242\n"), 0);
	assert_int_equal(c.control_gid, 4242);
	/* empty: root only, as the default */
	assert_int_equal(load(&c, "[vsockd]\ncontrol_group =\n"), 0);
	assert_string_equal(c.control_group, "");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_err("[vsockd]\nlog_level = loud\n",
		   "t.conf:2: log_level: 'loud' is not one of err, warning, info, debug");
	expect_err("[vsockd]\nlog_level = trace\n",
		   "t.conf:2: log_level: 'trace' is not one of err, warning, info, debug");
	expect_err("\n[vsockd]\npin_root = relative/path\n",
		   "t.conf:3: pin_root: 'relative/path' is not an absolute path");
	expect_err("[vsockd]\ncontrol_socket = /run/"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		   "t.conf:2: control_socket: path longer than 107 bytes");
	expect_err("[vsockd]\ncontrol_group = no-such-group-vsock\n",
		   "t.conf:2: control_group: no group 'no-such-group-vsock'");
	expect_err("[vsockd]\ncontrol_socket_mode = 0999\n",
		   "t.conf:2: control_socket_mode: '0999' is not an octal mode (0000..0777)");
	expect_err("[vsockd]\ncontrol_socket_mode = 01777\n",
		   "t.conf:2: control_socket_mode: '01777' is not an octal mode (0000..0777)");
	expect_err("[vsockd]\nmax_processes = 0\n",
		   "t.conf:2: max_processes: '0' is not a number in 1..1048576");
	expect_err("[vsockd]\nmax_processes = -5\n",
		   "t.conf:2: max_processes: '-5' is not a number in 1..1048576");
	expect_err("[vsockd]\nmax_processes = 10k\n",
		   "t.conf:2: max_processes: '10k' is not a number in 1..1048576");
	expect_err("[vsockd]\nmax_handles_per_process = 99999999999\n",
		   "t.conf:2: max_handles_per_process: '99999999999' is not a number in 1..16777216");
	expect_err("[proxy]\nconnect_timeout_ms = 10\n",
		   "t.conf:2: connect_timeout_ms: '10' is not a number in 50..600000");
	expect_err("[proxy]\nidle_timeout = 1w\n",
		   "t.conf:2: idle_timeout: '1w' is not a number in 0..604800");
	expect_err("[proxy]\nrelay_bound = 4294967296\n",
		   "t.conf:2: relay_bound: '4294967296' is not a number in 0..2147483648");
	expect_err("[bpf]\nmax_sockets = 10\n",
		   "t.conf:2: max_sockets: '10' is not a number in 1024..4194304");
	expect_err("[bpf]\nmax_queued = 4096\n",
		   "t.conf:2: max_queued: '4096' is not a number in 65536..2147483648");
	expect_err("[bpf]\nbusy_poll = 256\n",
		   "t.conf:2: busy_poll: '256' is not a number in 0..255");
	expect_err("[bpf]\nsmall_run = off\n",
		   "t.conf:2: small_run: 'off' is not a number in 0..1073741824");
	expect_err("[vsockd]\nmax_handles = 0\n",
		   "t.conf:2: max_handles: '0' is not a number in 1..67108864");
	expect_err("[vsockd]\nrescan_interval = 86401\n",
		   "t.conf:2: rescan_interval: '86401' is not a number in 0..86400");
	expect_err("[vsockd]\nrescan_interval =\n", "t.conf:2: rescan_interval: empty value");
	expect_err("[cgroups]\nattach = app\n",
		   "t.conf:2: attach: 'app' is not an absolute path");
	expect_err("[cgroups]\nattach = /a\nattach = /b\nattach = /a\n",
		   "t.conf:4: attach: '/a' is listed twice");
	expect_err("[vsockd]\nlog_level = info\nlog_level = debug\n",
		   "t.conf:3: log_level: given twice (first at line 2)");
}

/* [proxy]: service lines in the rule syntax of lib/svcrule.c (whose every
 * error test_svcrule covers); here the section, FILE:LINE and duplicates. */
static void test_proxy_services(void **state)
{
	struct vs_addr a = { .ip = { [10] = 0xff, [11] = 0xff, 10, 96, 0, 10 }, .port = 6379 };
	struct cfg c, d;

	(void)state;
	assert_int_equal(load(&c, "[proxy]\n"
			      "service = 10.96.0.10:6379 backends=127.0.0.1:7001,127.0.0.1:7002\n"
			      "service = [fd00::10]:80 backends=[::1]:8080 mode=proxy\n"), 0);
	assert_int_equal(c.nservices, 2);
	assert_non_null(cfg_service(&c, &a));
	assert_int_equal(cfg_service(&c, &a)->nbackends, 2);
	assert_int_equal(cfg_service(&c, &a)->mode, VS_SVC_DIRECT);
	assert_int_equal(c.services[1].mode, VS_SVC_PROXY);
	assert_int_equal(cfg_copy(&d, &c), 0);
	assert_int_equal(d.nservices, 2);
	assert_ptr_not_equal(d.services, c.services);
	assert_memory_equal(d.services, c.services, 2 * sizeof(*c.services));
	cfg_free(&d);
	cfg_free(&c);
	a.port = 1;
	assert_null(cfg_service(&c, &a));

	expect_err("[proxy]\nservice = 10.96.0.10:6379\n",
		   "t.conf:2: service: a service needs at least one backend");
	expect_err("[proxy]\n\nservice = 10.96.0.10:0 backends=127.0.0.1:1\n",
		   "t.conf:3: service: '10.96.0.10:0': port 0 is not allowed");
	expect_err("[proxy]\nservice = 10.96.0.10:1 backends=127.0.0.1:1 mode=fast\n",
		   "t.conf:2: service: unknown mode 'fast' (direct, proxy)");
	expect_err("[proxy]\nservice = 10.96.0.10:1 backends=127.0.0.1:1,127.0.0.1:1\n",
		   "t.conf:2: service: backend 127.0.0.1:1 given twice");
	expect_err("[proxy]\nservice = 10.96.0.10:1 backends=127.0.0.1:1\n"
		   "service = 10.96.0.10:1 backends=127.0.0.1:2\n",
		   "t.conf:3: service 10.96.0.10:1: listed twice");
	expect_err("[proxy]\nservice =\n", "t.conf:2: service: empty value");
	expect_err("[proxy]\nbackend = 127.0.0.1:1\n", "t.conf:2: unknown key 'backend' in [proxy]");
}

/* [policy]: rule lines in the syntax of lib/policyrule.c (whose every
 * error test_policyrule covers); here the section, FILE:LINE, the limit
 * and the copy. */
static void test_policy_rules(void **state)
{
	struct cfg c, d;
	char text[8192];
	size_t n;
	int i;

	(void)state;
	assert_int_equal(load(&c, "[policy]\n"
			      "rule = deny port 5432\n"
			      "rule = allow cidr 10.0.0.0/8 port 6379-6380 --priority 10\n"), 0);
	assert_int_equal(c.nrules, 2);
	assert_int_equal(c.rules[0].action, VS_RULE_DENY);
	assert_int_equal(c.rules[1].priority, 10);
	assert_int_equal(cfg_copy(&d, &c), 0);
	assert_int_equal(d.nrules, 2);
	assert_ptr_not_equal(d.rules, c.rules);
	assert_memory_equal(d.rules, c.rules, 2 * sizeof(*c.rules));
	cfg_free(&d);
	cfg_free(&c);
	expect_err("[policy]\nrule = permit port 1\n",
		   "t.conf:2: rule: unknown action 'permit' (allow, deny)");
	expect_err("[policy]\n\nrule = deny cidr 10.0.0.1/8\n",
		   "t.conf:3: rule: cidr: '10.0.0.1/8': host bits are set (the network is "
		   "written with zeros after the prefix)");
	expect_err("[policy]\nrule =\n", "t.conf:2: rule: empty value");
	expect_err("[policy]\nallow = port 1\n", "t.conf:2: unknown key 'allow' in [policy]");
	n = (size_t)snprintf(text, sizeof(text), "[policy]\n");
	for (i = 0; i <= VS_RULES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "rule = deny port %d\n", i + 1);
	expect_err(text, "t.conf:66: rule: more than 64 rules");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_err("[vsockd]\nlog_level = info\n\nfrobnicate = 1\n",
		   "t.conf:4: unknown key 'frobnicate' in [vsockd]");
	expect_err("[cgroups]\npin_root = /x\n", "t.conf:2: unknown key 'pin_root' in [cgroups]");
	expect_err("[cgroup]\nattach = /x\n",
		   "t.conf:2: unknown section [cgroup] (expected [vsockd], [bpf], [cgroups], [proxy] or [policy])");
	expect_err("log_level = info\n", "t.conf:1: 'log_level' is outside a section");
	/* the first problem is the one reported, whatever follows */
	expect_err("[vsockd]\nbad1 = 1\nbad2 = 2\n", "t.conf:2: unknown key 'bad1' in [vsockd]");
}

static void test_syntax(void **state)
{
	char big[400];

	(void)state;
	expect_err("[vsockd]\nlog_level info\n",
		   "t.conf:2: syntax error: expected '[section]' or 'key = value'");
	expect_err("[vsockd\n", "t.conf:1: syntax error: expected '[section]' or 'key = value'");
	/* inih would split a long line and parse its tail as another one */
	memset(big, 'a', sizeof(big));
	memcpy(big, "[vsockd]\npin_root = /", 21);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	expect_err(big, "t.conf:2: line longer than 198 bytes");
	/* a syntax error before a bad key: the earlier line is reported */
	expect_err("[vsockd]\nnonsense\nbad = 1\n",
		   "t.conf:2: syntax error: expected '[section]' or 'key = value'");
}

static void test_files(void **state)
{
	char path[] = "/tmp/vsockd-test-XXXXXX";
	struct cfg c;
	FILE *f;
	int fd;

	(void)state;
	/* a missing default file is the defaults; a named one is an error */
	assert_int_equal(cfg_load(&c, "/nonexistent/vsockd.conf", true, err, sizeof(err)), 0);
	assert_int_equal(c.max_processes, 4096);
	assert_int_not_equal(cfg_load(&c, "/nonexistent/vsockd.conf", false, err,
				      sizeof(err)), 0);
	assert_string_equal(err, "/nonexistent/vsockd.conf: No such file or directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[vsockd]\nmax_processes = 7\n[cgroups]\nattach = /x\nattach = /y\n", f);
	fclose(f);
	assert_int_equal(cfg_load(&c, path, false, err, sizeof(err)), 0);
	assert_int_equal(c.max_processes, 7);
	assert_int_equal(c.nattach, 2);
	cfg_free(&c);

	f = fopen(path, "w");
	fputs("[vsockd]\nmax_processes = 7\nmax_procs = 8\n", f);
	fclose(f);
	assert_int_not_equal(cfg_load(&c, path, false, err, sizeof(err)), 0);
	assert_non_null(strstr(err, ":3: unknown key 'max_procs' in [vsockd]"));
	assert_memory_equal(err, path, strlen(path));
	unlink(path);
}

/* daemon/vsockd.conf.example lists every key at its default: parsing it
 * must give exactly the embedded defaults. */
static void test_example_is_defaults(void **state)
{
	char path[4200];
	struct cfg c, d;

	(void)state;
	/* the build passes the source tree: tests run from anywhere */
	snprintf(path, sizeof(path), "%s/daemon/vsockd.conf.example", VS_SRCDIR);
	if (access(path, R_OK)) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("daemon/vsockd.conf.example not found");
		skip();
	}
	assert_int_equal(cfg_load(&c, path, false, err, sizeof(err)), 0);
	cfg_defaults(&d);
	assert_memory_equal(&c, &d, sizeof(c));
	cfg_free(&c);
}

static void test_copy(void **state)
{
	struct cfg a, b;

	(void)state;
	assert_int_equal(load(&a, "[cgroups]\nattach = /x\n"), 0);
	assert_int_equal(cfg_copy(&b, &a), 0);
	cfg_free(&a);
	assert_int_equal(b.nattach, 1);
	assert_string_equal(b.attach[0], "/x");
	cfg_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_levels_and_groups),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_proxy_services),
		cmocka_unit_test(test_policy_rules),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_example_is_defaults),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
