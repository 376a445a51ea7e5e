// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A socket's JSON (lib/sockjson.c), written once for `vsockctl -j
 * sockets` and vsockd's handles, against golden strings; and the table
 * cells both commands print from it (cli/sockrow.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "cmd.h"
#include "sockjson.h"

static void v4(struct vs_addr *a, __u8 b0, __u8 b1, __u8 b2, __u8 b3, __u16 port)
{
	memset(a, 0, sizeof(*a));
	a->ip[10] = a->ip[11] = 0xff;
	a->ip[12] = b0;
	a->ip[13] = b1;
	a->ip[14] = b2;
	a->ip[15] = b3;
	a->port = port;
}

/* An accelerated client of a local nginx. */
static void accelerated(struct vs_sock_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->cookie = 7;
	e->peer_cookie = 8;
	e->netns_cookie = 1;
	e->cgroup_id = 42;
	e->attach_cgroup_id = 40;
	e->tx_redir_bytes = 4096;
	e->tx_redir_msgs = 2;
	e->tx_pass_bytes = 10;
	e->tx_pass_msgs = 1;
	v4(&e->local, 127, 0, 0, 1, 40000);
	v4(&e->remote, 127, 0, 0, 1, 80);
	e->owner_tgid = 1234;
	e->options = VS_OPT_NONBLOCK | VS_OPT_NODELAY;
	memcpy(e->comm, "curl", 5);
	e->family = AF_INET;
	e->type = SOCK_STREAM;
	e->protocol = IPPROTO_TCP;
	e->status = VS_ST_CONNECTED;
	e->tcp_state = 1;	/* TCP_ESTABLISHED */
	e->in_sockhash = 1;
	e->tx_mode = VS_TX_REDIRECT;
}

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	assert_non_null(s);
	json_decref(j);
	return s;
}

static void test_accelerated_socket(void **state)
{
	struct vs_sock_entry e;
	char *got;

	(void)state;
	accelerated(&e);
	got = dump(vs_sock_to_json(&e));
	assert_string_equal(got,
		"{\"cookie\":7,\"peer_cookie\":8,\"status\":\"connected\","
		"\"tcp_state\":\"ESTAB\",\"family\":\"inet\",\"type\":\"stream\","
		"\"protocol\":\"tcp\",\"local\":{\"address\":\"127.0.0.1\",\"port\":40000},"
		"\"remote\":{\"address\":\"127.0.0.1\",\"port\":80},\"pid\":1234,"
		"\"comm\":\"curl\",\"cgroup_id\":42,\"attach_cgroup_id\":40,"
		"\"netns_cookie\":1,\"accelerated\":true,\"path\":\"redirect\","
		"\"reason\":\"none\",\"rule\":null,\"to_join\":null,\"options\":[\"nonblock\",\"nodelay\"],"
		"\"tx\":{\"redirected_bytes\":4096,\"redirected_msgs\":2,"
		"\"passed_bytes\":10,\"passed_msgs\":1}}");
	free(got);
}

/* Unknown facts are null, not missing; a comm is repaired to UTF-8. */
static void test_bound_socket_nulls(void **state)
{
	struct vs_sock_entry e;
	json_t *j;
	char *got;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.cookie = 9;
	e.family = AF_INET6;
	e.type = SOCK_STREAM;
	e.protocol = IPPROTO_TCP;
	e.status = VS_ST_BOUND;
	e.reason = VS_R_NOT_ESTABLISHED;
	e.local.port = 8080;
	got = dump(vs_sock_to_json(&e));
	assert_string_equal(got,
		"{\"cookie\":9,\"peer_cookie\":null,\"status\":\"bound\","
		"\"tcp_state\":null,\"family\":\"inet6\",\"type\":\"stream\","
		"\"protocol\":\"tcp\",\"local\":{\"address\":\"::\",\"port\":8080},"
		"\"remote\":{\"address\":\"::\",\"port\":0},\"pid\":null,"
		"\"comm\":null,\"cgroup_id\":0,\"attach_cgroup_id\":0,"
		"\"netns_cookie\":0,\"accelerated\":false,\"path\":null,"
		"\"reason\":\"not_established\",\"rule\":null,\"to_join\":\"being connected\","
		"\"options\":[],"
		"\"tx\":{\"redirected_bytes\":0,\"redirected_msgs\":0,"
		"\"passed_bytes\":0,\"passed_msgs\":0}}");
	free(got);

	memcpy(e.comm, "a\xff", 3);
	e.owner_tgid = 5;
	j = vs_sock_to_json(&e);
	assert_string_equal(json_string_value(json_object_get(j, "comm")), "a\xef\xbf\xbd");
	json_decref(j);
}

/* The row of a socket: the cells `sockets` prints, and its JSON as is. */
static char *row_text(json_t *sock, const char *const *cols, enum out_mode mode)
{
	struct out_doc d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	out_init(&d);
	sock_row(out_row_add(&d, out_table(&d, NULL, NULL, cols)), sock);
	assert_int_equal(out_render(&d, f, mode), 0);
	fclose(f);
	out_free(&d);
	return buf;
}

static void test_row_cells(void **state)
{
	static const char *const cols[] = {
		"Cookie", "Status", "State", "Local", "Peer", "Process", "Path",
		"Reason", "TX-Redir", "TX-Pass", "RX-Redir", "RX-Pass", "Options", NULL,
	};
	struct vs_sock_entry e, peer;
	json_t *j;
	char *got;

	(void)state;
	accelerated(&e);
	accelerated(&peer);
	peer.tx_redir_bytes = 1536;
	j = vs_sock_to_json(&e);
	json_object_set_new(j, "rx", vs_sock_tx_json(&peer));
	got = row_text(j, cols, OUT_TEXT);
	assert_string_equal(got,
		"Cookie  Status     State  Local            Peer          Process    Path"
		"      Reason       TX-Redir  TX-Pass  RX-Redir  RX-Pass  Options\n"
		"     7  connected  ESTAB  127.0.0.1:40000  127.0.0.1:80  1234/curl  redirect"
		"  accelerated    4.0K/2     10/1      1.5K       10  nonblock,nodelay\n");
	free(got);
}

/* A handle whose socket left the table: its fd and cookie, '-' elsewhere;
 * the JSON stays what vsockd sent. */
static void test_row_of_vanished_handle(void **state)
{
	static const char *const cols[] = {
		"Cookie", "Status", "Local", "Reason", "TX-Redir", NULL,
	};
	char *got;

	(void)state;
	got = row_text(json_pack("{s:i, s:i, s:n}", "fd", 4, "cookie", 77, "status"),
		       cols, OUT_TEXT);
	assert_string_equal(got,
		"Cookie  Status  Local  Reason  TX-Redir\n"
		"    77  -       -      -              -\n");
	free(got);
	got = row_text(json_pack("{s:i, s:i, s:n}", "fd", 4, "cookie", 77, "status"),
		       cols, OUT_JSON);
	assert_string_equal(got, "[{\"fd\":4,\"cookie\":77,\"status\":null}]\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accelerated_socket),
		cmocka_unit_test(test_bound_socket_nulls),
		cmocka_unit_test(test_row_cells),
		cmocka_unit_test(test_row_of_vanished_handle),
	};

	return cmocka_run_group_tests_name("sockjson", tests, NULL, NULL);
}
