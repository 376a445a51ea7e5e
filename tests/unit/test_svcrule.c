// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* lib/svcrule.c: virtual-service addresses, modes and rules as text, every
 * error case, and that a refused rule leaves the output untouched. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "svcrule.h"

static void expect_addr(const char *s, const char *want)
{
	char err[SVC_ERR_LEN] = "", buf[SVC_ADDR_STRLEN];
	struct vs_addr a;

	assert_int_equal(svc_parse_addr(s, &a, err, sizeof(err)), 0);
	assert_string_equal(svc_addr_str(&a, buf, sizeof(buf)), want);
}

static void expect_addr_err(const char *s, const char *msg)
{
	char err[SVC_ERR_LEN] = "";
	struct vs_addr a, keep;

	memset(&a, 0xab, sizeof(a));
	keep = a;
	assert_int_equal(svc_parse_addr(s, &a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_memory_equal(&a, &keep, sizeof(a));	/* nothing half-set */
}

static void test_addresses(void **state)
{
	struct vs_addr a;
	char err[SVC_ERR_LEN];

	(void)state;
	expect_addr("10.96.0.10:6379", "10.96.0.10:6379");
	expect_addr("[fd00::10]:80", "[fd00::10]:80");
	expect_addr("[::1]:65535", "[::1]:65535");
	/* a v4-mapped literal is the IPv4 address: one canonical form */
	expect_addr("[::ffff:127.0.0.1]:7", "127.0.0.1:7");
	assert_int_equal(svc_parse_addr("10.96.0.10:6379", &a, err, sizeof(err)), 0);
	assert_int_equal(a.port, 6379);
	assert_true(vs_ip_is_v4(a.ip));
	assert_int_equal(a.ip[12], 10);
	assert_int_equal(a.ip[15], 10);
}

static void test_address_errors(void **state)
{
	(void)state;
	expect_addr_err("", "empty address (ADDRESS:PORT)");
	expect_addr_err("10.96.0.10", "'10.96.0.10': expected A.B.C.D:PORT or [IPV6]:PORT");
	expect_addr_err("10.96.0.10:", "'10.96.0.10:': missing port (ADDRESS:PORT)");
	expect_addr_err("10.96.0.10:0", "'10.96.0.10:0': port 0 is not allowed");
	expect_addr_err("10.96.0.10:65536", "'10.96.0.10:65536': bad port '65536' (1 to 65535)");
	expect_addr_err("10.96.0.10:80x", "'10.96.0.10:80x': bad port '80x' (1 to 65535)");
	expect_addr_err("10.96.0.10:-1", "'10.96.0.10:-1': missing port (ADDRESS:PORT)");
	expect_addr_err("10.96.0:80", "'10.96.0:80': bad IPv4 address '10.96.0'");
	expect_addr_err("host:80", "'host:80': bad IPv4 address 'host'");
	expect_addr_err("fd00::10:80", "'fd00::10:80': an IPv6 address needs brackets: [IPV6]:PORT");
	expect_addr_err("[fd00::10]80", "'[fd00::10]80': expected [IPV6]:PORT");
	expect_addr_err("[fd00::10:80", "'[fd00::10:80': expected [IPV6]:PORT");
	expect_addr_err("[fd00::zz]:80", "'[fd00::zz]:80': bad IPv6 address 'fd00::zz'");
	expect_addr_err("[10.0.0.1]:80", "'[10.0.0.1]:80': bad IPv6 address '10.0.0.1'");
	expect_addr_err("0.0.0.0:80", "'0.0.0.0:80': the unspecified address is not allowed");
	expect_addr_err("[::]:80", "'[::]:80': the unspecified address is not allowed");
}

static void test_modes(void **state)
{
	char err[SVC_ERR_LEN] = "";
	__u8 m = 0;

	(void)state;
	assert_int_equal(svc_parse_mode("direct", &m, err, sizeof(err)), 0);
	assert_int_equal(m, VS_SVC_DIRECT);
	assert_int_equal(svc_parse_mode("proxy", &m, err, sizeof(err)), 0);
	assert_int_equal(m, VS_SVC_PROXY);
	assert_int_equal(svc_parse_mode("Direct", &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown mode 'Direct' (direct, proxy)");
	assert_int_equal(m, VS_SVC_PROXY);
	assert_string_equal(svc_mode_name(VS_SVC_DIRECT), "direct");
	assert_string_equal(svc_mode_name(VS_SVC_PROXY), "proxy");
	assert_string_equal(svc_mode_name(0), "?");
}

static void test_backends(void **state)
{
	struct vs_svc_rule r = { .mode = VS_SVC_DIRECT };
	char err[SVC_ERR_LEN] = "", a[32];
	int i;

	(void)state;
	assert_int_equal(svc_rule_check(&r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "a service needs at least one backend");
	for (i = 0; i < VS_SVC_MAX_BACKENDS; i++) {
		snprintf(a, sizeof(a), "127.0.0.1:%d", 7000 + i);
		assert_int_equal(svc_rule_add_backend(&r, a, err, sizeof(err)), 0);
	}
	assert_int_equal(svc_rule_add_backend(&r, "127.0.0.1:7000", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "backend 127.0.0.1:7000 given twice");
	assert_int_equal(svc_rule_add_backend(&r, "127.0.0.1:9999", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "too many backends (at most 16)");
	assert_int_equal(svc_rule_add_backend(&r, "127.0.0.1:0", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'127.0.0.1:0': port 0 is not allowed");
	assert_int_equal(r.nbackends, VS_SVC_MAX_BACKENDS);
	assert_int_equal(svc_rule_check(&r, err, sizeof(err)), 0);
	/* the same address written twice is a duplicate */
	r.nbackends = 0;
	assert_int_equal(svc_rule_add_backend(&r, "[::ffff:127.0.0.1]:1", err, sizeof(err)), 0);
	assert_int_equal(svc_rule_add_backend(&r, "127.0.0.1:1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "backend 127.0.0.1:1 given twice");
	/* an IPv4 service may have IPv6 backends (dual-stack clients) */
	assert_int_equal(svc_rule_add_backend(&r, "[::1]:1", err, sizeof(err)), 0);
	r.mode = 7;
	assert_int_equal(svc_rule_check(&r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown mode 7");
}

static void test_lines(void **state)
{
	struct vs_svc_rule r;
	char err[SVC_ERR_LEN] = "", buf[SVC_ADDR_STRLEN];

	(void)state;
	assert_int_equal(svc_rule_parse_line("10.96.0.10:6379 backends=127.0.0.1:7001,127.0.0.1:7002",
					     &r, err, sizeof(err)), 0);
	assert_string_equal(svc_addr_str(&r.svc, buf, sizeof(buf)), "10.96.0.10:6379");
	assert_int_equal(r.mode, VS_SVC_DIRECT);
	assert_int_equal(r.nbackends, 2);
	assert_string_equal(svc_addr_str(&r.backends[1], buf, sizeof(buf)), "127.0.0.1:7002");
	assert_int_equal(svc_rule_parse_line("  [fd00::10]:80\tmode=proxy   backends=[::1]:8080 ",
					     &r, err, sizeof(err)), 0);
	assert_int_equal(r.mode, VS_SVC_PROXY);
	assert_int_equal(r.nbackends, 1);
	assert_string_equal(svc_addr_str(&r.backends[0], buf, sizeof(buf)), "[::1]:8080");
}

static void expect_line_err(const char *line, const char *msg)
{
	struct vs_svc_rule r, keep;
	char err[SVC_ERR_LEN] = "";

	memset(&r, 0x5a, sizeof(r));
	keep = r;
	assert_int_equal(svc_rule_parse_line(line, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_memory_equal(&r, &keep, sizeof(r));
}

static void test_line_errors(void **state)
{
	char big[1100];

	(void)state;
	expect_line_err("", "empty rule: expected ADDRESS:PORT backends=ADDRESS:PORT[,...] [mode=direct|proxy]");
	expect_line_err("backends=127.0.0.1:1", "'backends=127.0.0.1:1': the rule starts with the service ADDRESS:PORT");
	expect_line_err("10.96.0.10:6379", "a service needs at least one backend");
	expect_line_err("10.96.0.10:6379 backends=", "backends= is empty");
	expect_line_err("10.96.0.10:6379 backends=127.0.0.1:1 backends=127.0.0.1:2",
			"backends= given twice");
	expect_line_err("10.96.0.10:6379 backends=127.0.0.1:1 mode=direct mode=proxy",
			"mode= given twice");
	expect_line_err("10.96.0.10:6379 backends=127.0.0.1:1 mode=fast",
			"unknown mode 'fast' (direct, proxy)");
	expect_line_err("10.96.0.10:6379 backends=127.0.0.1:1 weight=2",
			"unknown field 'weight=2' (backends=, mode=)");
	expect_line_err("10.96.0.10:6379 backends=127.0.0.1:1,127.0.0.1:1",
			"backend 127.0.0.1:1 given twice");
	expect_line_err("10.96.0.10:6379 backends=127.0.0.1:1,,",
			"backends=: empty address in the list");
	expect_line_err("10.96.0.10:0 backends=127.0.0.1:1", "'10.96.0.10:0': port 0 is not allowed");
	expect_line_err("10.96.0.10:1 backends=127.0.0.1", "'127.0.0.1': expected A.B.C.D:PORT or [IPV6]:PORT");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	expect_line_err(big, "rule too long (at most 1023 characters)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_address_errors),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_backends),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_line_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
