// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* include/vsock/names.h: every enum value has a stable, unique name, and
 * anything out of range is "unknown" rather than a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vsock/names.h"
#include "vsock/policy.h"
#include "loader.h"

static bool is_snake(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return true;
}

/* All names of one table are snake_case and distinct. */
static void check_table(const char *(*name)(unsigned int), unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		assert_true(is_snake(name(i)));
		assert_string_not_equal(name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(name(i), name(j));
	}
	assert_string_equal(name(n), "unknown");
	assert_string_equal(name(n + 100), "unknown");
	assert_string_equal(name(~0u), "unknown");
}

static void test_status_names(void **state)
{
	static const char *const want[VS_ST_MAX] = {
		"unconnected", "bound", "listening", "connecting", "connected",
		"sending", "receiving", "shutdown", "disconnected", "terminated",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < VS_ST_MAX; i++)
		assert_string_equal(vs_status_name(i), want[i]);
	check_table(vs_status_name, VS_ST_MAX);
}

static void test_status_parse_roundtrip(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < VS_ST_MAX; i++)
		assert_int_equal(vs_status_parse(vs_status_name(i)), i);
	assert_int_equal(vs_status_parse("CONNECTED"), VS_ST_CONNECTED);
	assert_int_equal(vs_status_parse("Listening"), VS_ST_LISTENING);
}

static void test_status_parse_unknown(void **state)
{
	(void)state;
	assert_int_equal(vs_status_parse("unknown"), -1);
	assert_int_equal(vs_status_parse(""), -1);
	assert_int_equal(vs_status_parse("connect"), -1);
	assert_int_equal(vs_status_parse("connected "), -1);
	assert_int_equal(vs_status_parse(NULL), -1);
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(vs_reason_name(VS_R_NONE), "none");
	assert_string_equal(vs_reason_name(VS_R_NOT_ESTABLISHED), "not_established");
	assert_string_equal(vs_reason_name(VS_R_NO_PEER), "no_peer");
	assert_string_equal(vs_reason_name(VS_R_BLOCKING), "blocking");
	assert_string_equal(vs_reason_name(VS_R_MPTCP), "mptcp");
	assert_string_equal(vs_reason_name(VS_R_ULP), "ulp");
	assert_string_equal(vs_reason_name(VS_R_OTHER_MAP), "other_map");
	assert_string_equal(vs_reason_name(VS_R_MAP_FULL), "map_full");
	assert_string_equal(vs_reason_name(VS_R_QUEUE_LIMIT), "queue_limit");
	assert_string_equal(vs_reason_name(VS_R_TCP_UNREAD), "tcp_unread");
	assert_string_equal(vs_reason_name(VS_R_DETACHED), "detached");
	assert_string_equal(vs_reason_name(VS_R_NO_STATE), "no_state");
	assert_string_equal(vs_reason_name(VS_R_INSERT_FAILED), "insert_failed");
	assert_string_equal(vs_reason_name(VS_R_LISTENER_UNKNOWN), "listener_unknown");
	assert_string_equal(vs_reason_name(VS_R_DISABLED), "disabled");
	assert_string_equal(vs_reason_name(VS_R_POLICY), "policy");
	assert_string_equal(vs_reason_name(VS_R_SECURE), "secure");
	check_table(vs_reason_name, VS_R_MAX);
}

/* One line for humans: not empty, no newline, not the name again. */
static void test_reason_texts(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < VS_R_MAX; i++) {
		const char *t = vs_reason_text(i);

		assert_true(strlen(t) > 3);
		assert_null(strchr(t, '\n'));
		assert_string_not_equal(t, "unknown");
	}
	assert_string_equal(vs_reason_text(VS_R_MAX), "unknown");
}

static void test_counter_names(void **state)
{
	unsigned int i;

	(void)state;
	assert_string_equal(vs_counter_name(VS_C_SOCK_CREATED), "sock_created");
	assert_string_equal(vs_counter_name(VS_C_MSG_REDIRECTED), "msg_redirected");
	assert_string_equal(vs_counter_name(VS_C_BYTES_REDIRECTED), "bytes_redirected");
	assert_string_equal(vs_counter_name(VS_C_PASS_QUEUE_LIMIT), "pass_queue_limit");
	assert_string_equal(vs_counter_name(VS_C_SKIP_OTHER_MAP), "skip_other_map");
	assert_string_equal(vs_counter_name(VS_C_TO_REDIRECT), "to_redirect");
	check_table(vs_counter_name, VS_C_MAX);
	for (i = 0; i < VS_C_MAX; i++) {
		assert_true(strlen(vs_counter_text(i)) > 3);
		assert_null(strchr(vs_counter_text(i), '\n'));
	}
	assert_string_equal(vs_counter_text(VS_C_MAX), "unknown");
}

static void test_tx_mode_names(void **state)
{
	(void)state;
	assert_string_equal(vs_tx_mode_name(VS_TX_UNDECIDED), "undecided");
	assert_string_equal(vs_tx_mode_name(VS_TX_REDIRECT), "redirect");
	assert_string_equal(vs_tx_mode_name(VS_TX_PASS), "pass");
	assert_string_equal(vs_tx_mode_name(VS_TX_PASS + 1), "unknown");
}

/* The spelling of ss(8), which calls TCP_CLOSE "UNCONN". */
static void test_tcp_state_names(void **state)
{
	(void)state;
	assert_string_equal(vs_tcp_state_name(0), "unknown");
	assert_string_equal(vs_tcp_state_name(VS_TCP_ESTABLISHED), "ESTAB");
	assert_string_equal(vs_tcp_state_name(VS_TCP_SYN_SENT), "SYN-SENT");
	assert_string_equal(vs_tcp_state_name(VS_TCP_SYN_RECV), "SYN-RECV");
	assert_string_equal(vs_tcp_state_name(VS_TCP_FIN_WAIT1), "FIN-WAIT-1");
	assert_string_equal(vs_tcp_state_name(VS_TCP_FIN_WAIT2), "FIN-WAIT-2");
	assert_string_equal(vs_tcp_state_name(VS_TCP_TIME_WAIT), "TIME-WAIT");
	assert_string_equal(vs_tcp_state_name(VS_TCP_CLOSE), "UNCONN");
	assert_string_equal(vs_tcp_state_name(VS_TCP_CLOSE_WAIT), "CLOSE-WAIT");
	assert_string_equal(vs_tcp_state_name(VS_TCP_LAST_ACK), "LAST-ACK");
	assert_string_equal(vs_tcp_state_name(VS_TCP_LISTEN), "LISTEN");
	assert_string_equal(vs_tcp_state_name(VS_TCP_CLOSING), "CLOSING");
	assert_string_equal(vs_tcp_state_name(VS_TCP_NEW_SYN_RECV), "NEW-SYN-RECV");
	assert_string_equal(vs_tcp_state_name(VS_TCP_NEW_SYN_RECV + 1), "unknown");
	assert_string_equal(vs_tcp_state_name(255), "unknown");
}

/* Pin names (VS_MAPS): unique, vs_-prefixed, within the kernel's 15
 * characters (a longer name would be cut and its pin not found again). */
static void test_map_names(void **state)
{
	int i, j;

	(void)state;
	assert_int_equal(VS_MAP_COUNT, 28);	/* every map of bpf/maps.bpf.h */
	assert_string_equal(loader_map_name(VS_MAP_SOCKS), "vs_socks");
	assert_string_equal(loader_map_name(VS_MAP_LISTENERS), "vs_listeners");
	assert_null(loader_map_name(VS_MAP_COUNT));
	for (i = 0; i < VS_MAP_COUNT; i++) {
		assert_non_null(loader_map_name(i));
		assert_memory_equal(loader_map_name(i), "vs_", 3);
		assert_true(strlen(loader_map_name(i)) <= 15);
		for (j = 0; j < i; j++)
			assert_string_not_equal(loader_map_name(i), loader_map_name(j));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_status_parse_roundtrip),
		cmocka_unit_test(test_status_parse_unknown),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_reason_texts),
		cmocka_unit_test(test_counter_names),
		cmocka_unit_test(test_tx_mode_names),
		cmocka_unit_test(test_tcp_state_names),
		cmocka_unit_test(test_map_names),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
