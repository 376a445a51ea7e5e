// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* lib/policyrule.c and include/vsock/rules.h: policy rules as text (every
 * error, and a refused rule leaves the output untouched), the match, and
 * the order of a set. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "policyrule.h"

/* Parse a line; it must succeed and list as want ("ACTION MATCH"). */
static struct vs_rule expect_rule(const char *line, const char *want)
{
	char err[POLICY_ERR_LEN] = "", match[POLICY_MATCH_STRLEN], got[POLICY_MATCH_STRLEN + 8];
	struct vs_rule r;

	if (policy_rule_parse_line(line, &r, err, sizeof(err)))
		fail_msg("'%s': %s", line, err);
	snprintf(got, sizeof(got), "%s %s", policy_action_name(r.action),
		 policy_rule_match_str(&r, match, sizeof(match)));
	assert_string_equal(got, want);
	return r;
}

static void expect_err(const char *line, const char *msg)
{
	char err[POLICY_ERR_LEN] = "";
	struct vs_rule r, keep;

	memset(&r, 0xab, sizeof(r));
	keep = r;
	assert_int_equal(policy_rule_parse_line(line, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_null(strchr(err, '\n'));
	assert_memory_equal(&r, &keep, sizeof(r));	/* nothing half-set */
}

static void test_rules(void **state)
{
	struct vs_rule r;

	(void)state;
	r = expect_rule("deny port 5432", "deny port 5432");
	assert_int_equal(r.priority, VS_RULE_PRIO_DEFAULT);
	assert_int_equal(r.match, VS_RM_PORT);
	r = expect_rule("allow cidr 10.0.0.0/8 port 6379-6380",
			"allow port 6379-6380 cidr 10.0.0.0/8");
	assert_int_equal(r.plen, 96 + 8);
	assert_int_equal(r.port_lo, 6379);
	assert_int_equal(r.port_hi, 6380);
	r = expect_rule("deny cgroup /sys/fs/cgroup/batch uid 1000 --priority 10",
			"deny cgroup /sys/fs/cgroup/batch uid 1000");
	assert_int_equal(r.priority, 10);
	assert_int_equal(r.match, VS_RM_CGROUP | VS_RM_UID);
	expect_rule("deny cidr fd00::/8", "deny cidr fd00::/8");
	expect_rule("deny cidr ::1/128", "deny cidr ::1/128");
	expect_rule("deny cidr 0.0.0.0/0", "deny cidr 0.0.0.0/0");
	expect_rule("allow", "allow any");
	expect_rule("  deny\tuid 0 ", "deny uid 0");
	expect_rule("deny port 1-65535 --priority 65535", "deny port 1-65535");
	expect_rule("deny uid 4294967294", "deny uid 4294967294");
}

static void test_errors(void **state)
{
	char big[1100];

	(void)state;
	expect_err("", "empty rule: expected allow|deny [port N|N-M] [cidr A/B] [cgroup PATH] "
		       "[uid U] [--priority P]");
	expect_err("permit port 1", "unknown action 'permit' (allow, deny)");
	expect_err("deny host 1", "unknown keyword 'host' (port, cidr, cgroup, uid, --priority)");
	expect_err("deny port", "'port' needs a value");
	expect_err("deny port 1 port 2", "'port' given twice");
	expect_err("deny --priority 1 --priority 2", "'--priority' given twice");
	expect_err("deny port 0", "port: bad port '0' (1 to 65535)");
	expect_err("deny port 65536", "port: bad port '65536' (1 to 65535)");
	expect_err("deny port x", "port: bad port 'x' (1 to 65535)");
	expect_err("deny port +5", "port: bad port '+5' (1 to 65535)");
	expect_err("deny port 10-", "port: bad port '' (1 to 65535)");
	expect_err("deny port -10", "port: bad port '' (1 to 65535)");
	expect_err("deny port 20-10", "port: range '20-10' ends before it starts");
	expect_err("deny port 12345678901234567890", "port: bad port '12345678901234567890' (1 to 65535)");
	expect_err("deny cidr 10.0.0.0", "cidr: '10.0.0.0': expected ADDRESS/PREFIX");
	expect_err("deny cidr /8", "cidr: '/8': bad address");
	expect_err("deny cidr 10.0.0.300/8", "cidr: '10.0.0.300/8': bad IPv4 address '10.0.0.300'");
	expect_err("deny cidr fd00::g/8", "cidr: 'fd00::g/8': bad IPv6 address 'fd00::g'");
	expect_err("deny cidr 10.0.0.0/33", "cidr: '10.0.0.0/33': bad prefix length '33' (0 to 32)");
	expect_err("deny cidr fd00::/129", "cidr: 'fd00::/129': bad prefix length '129' (0 to 128)");
	expect_err("deny cidr 10.0.0.0/x", "cidr: '10.0.0.0/x': bad prefix length 'x' (0 to 32)");
	expect_err("deny cidr 10.0.0.1/8", "cidr: '10.0.0.1/8': host bits are set (the network "
		   "is written with zeros after the prefix)");
	expect_err("deny cidr fd00::1/64", "cidr: 'fd00::1/64': host bits are set (the network "
		   "is written with zeros after the prefix)");
	expect_err("deny uid -1", "uid: bad uid '-1' (0 to 4294967294)");
	expect_err("deny uid 4294967295", "uid: bad uid '4294967295' (0 to 4294967294)");
	expect_err("deny uid root", "uid: bad uid 'root' (0 to 4294967294)");
	expect_err("deny --priority 65536", "--priority: bad priority '65536' (0 to 65535)");
	expect_err("deny --priority high", "--priority: bad priority 'high' (0 to 65535)");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	expect_err(big, "rule too long (at most 1023 characters)");
	memcpy(big, "deny cgroup /", 13);
	big[13 + VS_CG_PATH_MAX] = 0;
	expect_err(big, "cgroup: path too long (at most 191 characters)");
	expect_err("deny port 1 port 1 port 1 port 1 port 1 port 1 port 1 port 1 port",
		   "too many words in the rule (at most 16)");
}

/* The argv form: no action, an empty cgroup. */
static void test_argv_errors(void **state)
{
	char err[POLICY_ERR_LEN] = "", *none[] = { NULL }, *empty[] = { "deny", "cgroup", "" };
	struct vs_rule r;

	(void)state;
	assert_int_equal(policy_rule_parse(0, none, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "missing action (allow, deny)");
	assert_int_equal(policy_rule_parse(3, empty, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "cgroup: empty path");
}

static struct vs_rule_subject subject(const char *ip, __u16 port, __u32 uid, __u64 cg,
				      __u64 acg)
{
	struct vs_rule_subject s = { .port = port, .uid = uid, .cgroup_id = cg, .attach_cg = acg };
	__u32 v4;

	if (strchr(ip, ':'))
		inet_pton(AF_INET6, ip, s.addr);
	else if (inet_pton(AF_INET, ip, &v4) == 1)
		vs_ip_from_v4(s.addr, v4);
	return s;
}

static void test_match(void **state)
{
	struct vs_rule r = expect_rule("allow cidr 10.0.0.0/8 port 6379-6380",
				       "allow port 6379-6380 cidr 10.0.0.0/8");
	struct vs_rule_subject s = subject("10.1.2.3", 6379, 0, 1, 2);

	(void)state;
	assert_true(vs_rule_matches(&r, &s));
	s.port = 6381;
	assert_false(vs_rule_matches(&r, &s));
	s = subject("11.0.0.1", 6380, 0, 1, 2);
	assert_false(vs_rule_matches(&r, &s));
	s = subject("::ffff:10.9.9.9", 6380, 0, 1, 2);	/* a v4 client of a dual-stack end */
	assert_true(vs_rule_matches(&r, &s));
	r = expect_rule("deny cidr fd00::/12", "deny cidr fd00::/12");
	s = subject("fd0f::1", 80, 0, 1, 2);
	assert_true(vs_rule_matches(&r, &s));
	s = subject("fd10::1", 80, 0, 1, 2);
	assert_false(vs_rule_matches(&r, &s));
	r = expect_rule("deny uid 1000", "deny uid 1000");
	s = subject("127.0.0.1", 80, 1000, 1, 2);
	assert_true(vs_rule_matches(&r, &s));
	s.uid = 0;
	assert_false(vs_rule_matches(&r, &s));
	r.match = VS_RM_CGROUP;		/* own cgroup or the attached one */
	r.cgroup_id = 2;
	assert_true(vs_rule_matches(&r, &s));
	r.cgroup_id = 1;
	assert_true(vs_rule_matches(&r, &s));
	r.cgroup_id = 3;
	assert_false(vs_rule_matches(&r, &s));
	r = expect_rule("deny", "deny any");
	assert_true(vs_rule_matches(&r, &s));
}

/* Lowest priority first, then more fields, then the older rule. */
static void test_order(void **state)
{
	struct vs_rule a = expect_rule("deny port 1 --priority 10", "deny port 1");
	struct vs_rule b = expect_rule("allow port 1 uid 0", "allow port 1 uid 0");
	struct vs_rule c = expect_rule("allow port 1", "allow port 1");

	(void)state;
	a.id = 3;
	b.id = 2;
	c.id = 1;
	assert_true(vs_rule_before(&a, &b));	/* priority 10 < 100 */
	assert_true(vs_rule_before(&b, &c));	/* two fields before one */
	c.match |= VS_RM_UID;
	assert_true(vs_rule_before(&c, &b));	/* the older one */
	assert_false(vs_rule_before(&c, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_argv_errors),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
