// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* lib/fmt.c: addresses as ss prints them, byte counts, option lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "vsock/abi.h"
#include "fmt.h"

static const __u8 *ip(const char *s)
{
	static __u8 buf[16];

	assert_int_equal(inet_pton(AF_INET6, s, buf), 1);
	return buf;
}

static void test_v4mapped_detection(void **state)
{
	(void)state;
	assert_true(fmt_ip_is_v4mapped(ip("::ffff:127.0.0.1")));
	assert_false(fmt_ip_is_v4mapped(ip("::1")));
	assert_false(fmt_ip_is_v4mapped(ip("::127.0.0.1")));	/* v4-compatible, not mapped */
	assert_true(fmt_ip_is_any(ip("::")));
	assert_true(fmt_ip_is_any(ip("::ffff:0.0.0.0")));
	assert_false(fmt_ip_is_any(ip("::1")));
}

static void test_addr_v4mapped(void **state)
{
	char buf[FMT_ADDR_LEN];

	(void)state;
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::ffff:127.0.0.1"), 6379),
			    "127.0.0.1:6379");
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::ffff:10.200.3.4"), 65535),
			    "10.200.3.4:65535");
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::ffff:255.255.255.255"), 1),
			    "255.255.255.255:1");
}

static void test_addr_v6(void **state)
{
	char buf[FMT_ADDR_LEN];

	(void)state;
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::1"), 8080), "[::1]:8080");
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("2001:db8::1"), 443),
			    "[2001:db8::1]:443");
	assert_string_equal(fmt_addr(buf, sizeof(buf),
				     ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

/* ss prints a wildcard address or port as '*'. */
static void test_addr_wildcards(void **state)
{
	char buf[FMT_ADDR_LEN];

	(void)state;
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::"), 0), "*:*");
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::"), 80), "*:80");
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::ffff:0.0.0.0"), 80), "*:80");
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::ffff:127.0.0.1"), 0),
			    "127.0.0.1:*");
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("fe80::1"), 0), "[fe80::1]:*");
}

/* From the JSON's address text (fmt_ip's output): as fmt_addr would print. */
static void test_hostport_from_text(void **state)
{
	char buf[FMT_ADDR_LEN];

	(void)state;
	assert_string_equal(fmt_hostport(buf, sizeof(buf), "0.0.0.0", 0), "*:*");
	assert_string_equal(fmt_hostport(buf, sizeof(buf), "::", 80), "*:80");
	assert_string_equal(fmt_hostport(buf, sizeof(buf), "10.0.0.1", 443), "10.0.0.1:443");
	assert_string_equal(fmt_hostport(buf, sizeof(buf), "2001:db8::1", 0), "[2001:db8::1]:*");
}

static void test_addr_truncates_safely(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(fmt_addr(buf, sizeof(buf), ip("::ffff:127.0.0.1"), 6379),
			    "127.0.0");
}

static void test_ip_for_json(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(fmt_ip(buf, sizeof(buf), ip("::ffff:127.0.0.1"), AF_INET6),
			    "127.0.0.1");
	assert_string_equal(fmt_ip(buf, sizeof(buf), ip("::1"), AF_INET6), "::1");
	assert_string_equal(fmt_ip(buf, sizeof(buf), ip("::"), AF_INET), "0.0.0.0");
	assert_string_equal(fmt_ip(buf, sizeof(buf), ip("::ffff:0.0.0.0"), AF_INET), "0.0.0.0");
	assert_string_equal(fmt_ip(buf, sizeof(buf), ip("::"), AF_INET6), "::");
	assert_string_equal(fmt_ip(buf, sizeof(buf), ip("2001:db8:0:0:1:0:0:2"), AF_INET6),
			    "2001:db8::1:0:0:2");
}

static void test_bytes(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 0), "0");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1), "1");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1023), "1023");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1024), "1.0K");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1536), "1.5K");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 102348), "99.9K");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 102400), "100K");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1047552), "1023K");
	/* never "1024K": what would round up to it moves to the next unit */
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1048063), "1023K");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1048064), "1.0M");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1048575), "1.0M");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 5ull << 20), "5.0M");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1ull << 30), "1.0G");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 3ull << 40), "3.0T");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), 1ull << 50), "1.0P");
	assert_string_equal(fmt_bytes(buf, sizeof(buf), UINT64_MAX), "16.0E");
}

static void test_options(void **state)
{
	char buf[64], small[5];

	(void)state;
	assert_string_equal(fmt_options(buf, sizeof(buf), 0), "");
	assert_string_equal(fmt_options(buf, sizeof(buf), VS_OPT_HAS_FILE), "");
	assert_string_equal(fmt_options(buf, sizeof(buf), VS_OPT_NODELAY), "nodelay");
	assert_string_equal(fmt_options(buf, sizeof(buf), VS_OPT_NONBLOCK | VS_OPT_KEEPALIVE),
			    "nonblock,keepalive");
	assert_string_equal(fmt_options(buf, sizeof(buf), ~0u),
			    "nonblock,nodelay,keepalive");
	assert_string_equal(fmt_options(small, sizeof(small), ~0u), "nonb");
}

static void test_owner(void **state)
{
	const char full[16] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
				'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p' };
	const char nginx[16] = "nginx", empty[16] = "";
	char buf[64];

	(void)state;
	assert_string_equal(fmt_owner(buf, sizeof(buf), 0, nginx), "-");
	assert_string_equal(fmt_owner(buf, sizeof(buf), 1234, nginx), "1234/nginx");
	assert_string_equal(fmt_owner(buf, sizeof(buf), 7, empty), "7");
	/* comm is a fixed 16-byte field, not always NUL-terminated */
	assert_string_equal(fmt_owner(buf, sizeof(buf), 1, full), "1/abcdefghijklmnop");
	assert_string_equal(fmt_comm(buf, sizeof(buf), full), "abcdefghijklmnop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4mapped_detection),
		cmocka_unit_test(test_addr_v4mapped),
		cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_hostport_from_text),
		cmocka_unit_test(test_addr_wildcards),
		cmocka_unit_test(test_addr_truncates_safely),
		cmocka_unit_test(test_ip_for_json),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_owner),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
