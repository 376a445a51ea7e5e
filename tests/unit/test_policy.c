// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* include/vsock/policy.h, the decisions the BPF programs make, run here on
 * plain structs: the redirect key (a wrong byte misdelivers data), the
 * status of each TCP state, and the per-message fast path choice. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "vsock/policy.h"

#define NETNS 0x1122334455667788ull

static __u32 v4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;	/* network order, as sock_ops gives it */
}

static void v6(const char *s, __u32 out[4])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static void ip16(const char *s, __u8 out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/* sock_ops/sk_msg remote_port: the network-order u16 in the upper half of
 * a u32 on little endian, which is htonl() of the host-order port. */
static __u32 ctx_rport(__u16 port)
{
	return htonl(port);
}

static void build_v4(struct vs_sock_key *k, const char *l, __u16 lp,
		     const char *r, __u16 rp)
{
	vs_key_build(k, NETNS, AF_INET, v4(l), NULL, v4(r), NULL, lp, ctx_rport(rp));
}

static void build_v6(struct vs_sock_key *k, const char *l, __u16 lp,
		     const char *r, __u16 rp)
{
	__u32 l6[4], r6[4];

	v6(l, l6);
	v6(r, r6);
	vs_key_build(k, NETNS, AF_INET6, 0, l6, 0, r6, lp, ctx_rport(rp));
}

/* The kernel loads the be16 skc_dport and, on little endian, shifts it
 * left by 16: memory holds 0, 0, then the port in network order. */
static void test_ctx_remote_port_layout(void **state)
{
	const __u8 bytes[4] = { 0, 0, 45000 >> 8, 45000 & 0xff };
	__u32 raw;

	(void)state;
	memcpy(&raw, bytes, sizeof(raw));
	assert_int_equal(ctx_rport(45000), raw);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	assert_int_equal(raw, (__u32)htons(45000) << 16);
#endif
	assert_int_equal(vs_remote_port(raw), 45000);
}

static void test_remote_port_byte_order(void **state)
{
	static const __u16 ports[] = { 1, 80, 255, 256, 6379, 32767, 32768,
				       45000, 65534, 65535 };
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		assert_int_equal(vs_remote_port(ctx_rport(ports[i])), ports[i]);
}

static void test_key_v4(void **state)
{
	struct vs_sock_key k;
	__u8 want_l[16], want_r[16];

	(void)state;
	memset(&k, 0xaa, sizeof(k));
	build_v4(&k, "127.0.0.1", 45000, "10.1.2.3", 6379);
	ip16("::ffff:127.0.0.1", want_l);
	ip16("::ffff:10.1.2.3", want_r);
	assert_memory_equal(k.local_ip, want_l, 16);
	assert_memory_equal(k.peer_ip, want_r, 16);
	assert_int_equal(k.local_port, 45000);
	assert_int_equal(k.peer_port, 6379);
	assert_true(k.netns_cookie == NETNS);
	assert_int_equal(k.pad, 0);	/* hashed: garbage here breaks lookups */
}

static void test_key_v6(void **state)
{
	struct vs_sock_key k;
	__u8 want_l[16], want_r[16];

	(void)state;
	memset(&k, 0x55, sizeof(k));
	build_v6(&k, "2001:db8::1", 443, "fe80::abcd", 50000);
	ip16("2001:db8::1", want_l);
	ip16("fe80::abcd", want_r);
	assert_memory_equal(k.local_ip, want_l, 16);
	assert_memory_equal(k.peer_ip, want_r, 16);
	assert_int_equal(k.local_port, 443);
	assert_int_equal(k.peer_port, 50000);
	assert_int_equal(k.pad, 0);
}

/* A v4 client must pair with a dual-stack listener: the listener's
 * accepted socket sees ::ffff:a.b.c.d, the client sees a.b.c.d. */
static void test_key_v4_equals_v4mapped(void **state)
{
	struct vs_sock_key a, b;

	(void)state;
	build_v4(&a, "127.0.0.1", 6379, "127.0.0.1", 40000);
	build_v6(&b, "::ffff:127.0.0.1", 6379, "::ffff:127.0.0.1", 40000);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void test_key_reverse_pairs_ends(void **state)
{
	struct vs_sock_key client, server, rev, back;

	(void)state;
	build_v4(&client, "127.0.0.1", 40000, "127.0.0.2", 6379);
	build_v4(&server, "127.0.0.2", 6379, "127.0.0.1", 40000);
	memset(&rev, 0xff, sizeof(rev));
	vs_key_reverse(&rev, &client);
	assert_memory_equal(&rev, &server, sizeof(rev));
	vs_key_reverse(&back, &rev);
	assert_memory_equal(&back, &client, sizeof(back));
}

static void test_key_reverse_high_ports(void **state)
{
	struct vs_sock_key client, server, rev;

	(void)state;
	build_v6(&client, "::1", 65535, "::1", 32768);
	build_v6(&server, "::1", 32768, "::1", 65535);
	vs_key_reverse(&rev, &client);
	assert_memory_equal(&rev, &server, sizeof(rev));
}

/* Same 4-tuple in two network namespaces must never pair. */
static void test_key_netns_separates(void **state)
{
	struct vs_sock_key a, b;

	(void)state;
	build_v4(&a, "127.0.0.1", 6379, "127.0.0.1", 40000);
	b = a;
	b.netns_cookie++;
	assert_memory_not_equal(&a, &b, sizeof(a));
}

static void test_status_from_tcp_state(void **state)
{
	(void)state;
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_ESTABLISHED), VS_ST_CONNECTED);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_SYN_SENT), VS_ST_CONNECTING);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_SYN_RECV), VS_ST_CONNECTING);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_FIN_WAIT1), VS_ST_SHUTDOWN);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_FIN_WAIT2), VS_ST_SHUTDOWN);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_TIME_WAIT), VS_ST_DISCONNECTED);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_CLOSE), VS_ST_DISCONNECTED);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_CLOSE_WAIT), VS_ST_SHUTDOWN);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_LAST_ACK), VS_ST_SHUTDOWN);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_LISTEN), VS_ST_LISTENING);
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_CLOSING), VS_ST_SHUTDOWN);
	/* request sockets never reach the state callback; anything else is gone */
	assert_int_equal(vs_status_from_tcp_state(VS_TCP_NEW_SYN_RECV), VS_ST_DISCONNECTED);
	assert_int_equal(vs_status_from_tcp_state(0), VS_ST_DISCONNECTED);
	assert_int_equal(vs_status_from_tcp_state(200), VS_ST_DISCONNECTED);
}

/* SENDING and RECEIVING have no kernel signal: no TCP state yields them. */
static void test_status_never_sending_receiving(void **state)
{
	__u32 s;

	(void)state;
	for (s = 0; s < 256; s++) {
		assert_int_not_equal(vs_status_from_tcp_state(s), VS_ST_SENDING);
		assert_int_not_equal(vs_status_from_tcp_state(s), VS_ST_RECEIVING);
	}
}

/* Everything allows the fast path; each test breaks one thing. */
static struct vs_tx_input good(void)
{
	struct vs_tx_input in = {
		.cur_mode = VS_TX_REDIRECT,
		.peer_found = 1,
		.blocking = 0,
		.tcp_drained = 1,
		.peer_queued = 0,
		.msg_size = 4096,
		.max_queued = VS_MAX_QUEUED_DEFAULT,
		.small_run_max = VS_SMALL_RUN,
	};
	return in;
}

static void expect(const struct vs_tx_input *in, __u8 mode, __u8 reason)
{
	struct vs_tx_decision d = vs_tx_decide(in);

	assert_int_equal(d.mode, mode);
	assert_int_equal(d.reason, reason);
}

static void test_decide_redirect(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
	in.tcp_drained = 0;	/* never passed anything: nothing to overtake */
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
}

static void test_decide_detached(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.self_off = VS_R_DETACHED;
	expect(&in, VS_TX_PASS, VS_R_DETACHED);
	in = good();
	in.peer_off = VS_R_DETACHED;
	expect(&in, VS_TX_PASS, VS_R_DETACHED);
}

/* The kill switch passes with its own reason, on either end, for good. */
static void test_decide_disabled(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.self_off = VS_R_DISABLED;
	expect(&in, VS_TX_PASS, VS_R_DISABLED);
	in = good();
	in.peer_off = VS_R_DISABLED;
	expect(&in, VS_TX_PASS, VS_R_DISABLED);
	assert_true(vs_reason_is_final(VS_R_DISABLED));
}

static void test_decide_no_peer(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.peer_found = 0;
	expect(&in, VS_TX_PASS, VS_R_NO_PEER);
	/* a missing peer's enabled flag means nothing: it is not 'detached' */
	in.peer_off = VS_R_DETACHED;
	expect(&in, VS_TX_PASS, VS_R_NO_PEER);
}

static void test_decide_peer_closed(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.peer_closed = 1;	/* the peer is leaving the sockhash */
	expect(&in, VS_TX_PASS, VS_R_NO_PEER);
}

/* A receiver with SO_RCVLOWAT would be woken below its mark by a fast-path
 * queue: its sender passes (not for good: the receiver may lower it). */
static void test_decide_peer_rcvlowat(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.peer_rcvlowat = 1;
	expect(&in, VS_TX_PASS, VS_R_RCVLOWAT);
	assert_false(vs_reason_is_final(VS_R_RCVLOWAT));
}

static void test_decide_small_writes(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.small_run = VS_SMALL_RUN;
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
	in.small_run = VS_SMALL_RUN + 1;
	expect(&in, VS_TX_PASS, VS_R_SMALL_WRITES);
	in.small_run_max = 8;			/* vsockctl tune small_run 8 */
	in.small_run = 9;
	expect(&in, VS_TX_PASS, VS_R_SMALL_WRITES);
	in.small_run_max = 0;			/* the rule turned off */
	in.small_run = 100000;
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
}

/* The run counts small messages sent while the peer stayed silent. */
static void test_small_run(void **state)
{
	__u64 seen = 0;
	__u32 run = 0;
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		run = vs_small_run(run, &seen, 0, 64);
	assert_int_equal(run, 10);
	run = vs_small_run(run, &seen, 0, VS_SMALL_WRITE);	/* a large write */
	assert_int_equal(run, 0);
	run = vs_small_run(run, &seen, 0, 64);
	run = vs_small_run(run, &seen, 0, 64);
	assert_int_equal(run, 2);
	run = vs_small_run(run, &seen, 7, 64);	/* the peer answered */
	assert_int_equal(run, 1);
	assert_int_equal(seen, 7);
	run = vs_small_run(run, &seen, 7, 64);
	assert_int_equal(run, 2);
}

/* A poll()-driven reader (at most one empty read per message) never builds
 * a busy-poll run; a spinning one does after VS_SPIN_MSGS messages, and a
 * single message it did not spin for starts the count again. */
static void test_spin_run(void **state)
{
	__u8 run = 0;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		run = vs_spin_run(run, i & 1, VS_SPIN_MSGS);	/* 0 or 1 empty reads */
	assert_int_equal(run, 0);
	for (i = 0; i < VS_SPIN_MSGS - 1; i++)
		run = vs_spin_run(run, VS_SPIN_EMPTY_READS + i, VS_SPIN_MSGS);
	assert_int_equal(run, VS_SPIN_MSGS - 1);
	run = vs_spin_run(run, 1, VS_SPIN_MSGS);	/* it slept for this one */
	assert_int_equal(run, 0);
	for (i = 0; i < 3 * VS_SPIN_MSGS; i++)
		run = vs_spin_run(run, 40, VS_SPIN_MSGS);
	assert_int_equal(run, VS_SPIN_MSGS);	/* saturates at its max */
	for (i = 0; i < 1000; i++)
		run = vs_spin_run(run, 40, 100000);
	assert_int_equal(run, VS_SPIN_MSGS_MAX);	/* and always fits its __u8 */
}

static void test_decide_blocking(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.blocking = 1;
	expect(&in, VS_TX_PASS, VS_R_BLOCKING);
}

static void test_decide_queue_limit(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.peer_queued = in.max_queued - in.msg_size + 1;
	expect(&in, VS_TX_PASS, VS_R_QUEUE_LIMIT);
	in.peer_queued = in.max_queued - in.msg_size;	/* exactly full is fine */
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
	/* an empty queue takes one oversized message: no deadlock on big writes */
	in.peer_queued = 0;
	in.msg_size = in.max_queued * 4;
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
	in.peer_queued = 1;
	expect(&in, VS_TX_PASS, VS_R_QUEUE_LIMIT);
}

/* pass -> redirect only once the peer has read every byte sent by TCP;
 * an undecided direction follows the same rule. */
static void test_decide_pass_to_redirect(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.cur_mode = VS_TX_PASS;
	in.tcp_drained = 0;
	expect(&in, VS_TX_PASS, VS_R_TCP_UNREAD);
	in.tcp_drained = 1;
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
	in.cur_mode = VS_TX_UNDECIDED;
	in.tcp_drained = 0;
	expect(&in, VS_TX_PASS, VS_R_TCP_UNREAD);
	in.tcp_drained = 1;
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
}

/* The first failing check names the reason, in a fixed order. */
static void test_decide_precedence(void **state)
{
	struct vs_tx_input in = good();

	(void)state;
	in.self_off = VS_R_DETACHED;
	in.peer_found = 0;
	in.blocking = 1;
	in.peer_queued = in.max_queued;
	in.cur_mode = VS_TX_PASS;
	in.tcp_drained = 0;
	expect(&in, VS_TX_PASS, VS_R_DETACHED);
	in.self_off = VS_R_NONE;
	expect(&in, VS_TX_PASS, VS_R_NO_PEER);
	in.peer_found = 1;
	expect(&in, VS_TX_PASS, VS_R_BLOCKING);
	in.blocking = 0;
	expect(&in, VS_TX_PASS, VS_R_QUEUE_LIMIT);
	in.peer_queued = 0;
	expect(&in, VS_TX_PASS, VS_R_TCP_UNREAD);
	in.tcp_drained = 1;
	expect(&in, VS_TX_REDIRECT, VS_R_NONE);
}

/* A pass always says why; a redirect never has a reason. */
static void test_decide_reason_iff_pass(void **state)
{
	unsigned int bits;

	(void)state;
	for (bits = 0; bits < 1u << 7; bits++) {
		struct vs_tx_input in = good();
		struct vs_tx_decision d;

		in.cur_mode = bits & 1 ? VS_TX_PASS : VS_TX_REDIRECT;
		in.peer_found = !!(bits & 2);
		in.self_off = bits & 4 ? VS_R_NONE : VS_R_DETACHED;
		in.peer_off = bits & 8 ? VS_R_NONE : VS_R_DISABLED;
		in.blocking = !!(bits & 16);
		in.tcp_drained = !!(bits & 32);
		in.peer_queued = bits & 64 ? in.max_queued : 0;
		d = vs_tx_decide(&in);
		if (d.mode == VS_TX_REDIRECT)
			assert_int_equal(d.reason, VS_R_NONE);
		else
			assert_int_not_equal(d.reason, VS_R_NONE);
	}
}

static void test_reason_is_final(void **state)
{
	unsigned int r;

	(void)state;
	for (r = 0; r < VS_R_MAX; r++)
		assert_int_equal(vs_reason_is_final(r),
				 r == VS_R_DETACHED || r == VS_R_SMALL_WRITES ||
				 r == VS_R_DISABLED || r == VS_R_POLICY || r == VS_R_SECURE);
}

/* Every connected socket counts in exactly one row; one that joined counts
 * as on the fast path when its last reason was only a waiting message or
 * its peer closing first; a real leave keeps its reason. */
static void test_coverage_row(void **state)
{
	struct vs_sock_entry e = { .tx_redir_bytes = 7, .tx_pass_bytes = 5, .peer_cookie = 9 };
	struct vs_coverage rows[VS_R_MAX] = { 0 };
	unsigned int r, joined;
	__u32 row;

	(void)state;
	for (joined = 0; joined < 2; joined++) {
		for (r = 0; r < VS_R_MAX + 2; r++) {
			e.reason = r;
			e.joined = joined;
			row = vs_coverage_row(&e);
			if (r == VS_R_NOT_ESTABLISHED || r >= VS_R_MAX)
				assert_int_equal(row, VS_R_MAX);
			else if (joined && (r == VS_R_NO_PEER || r == VS_R_QUEUE_LIMIT ||
					    r == VS_R_TCP_UNREAD))
				assert_int_equal(row, VS_R_NONE);
			else
				assert_int_equal(row, r);
			if (row < VS_R_MAX)
				vs_coverage_add(&rows[row], &e);
		}
	}
	/* 2 x (VS_R_MAX - 1) connected sockets, 3 joined ones moved to none */
	assert_int_equal(rows[VS_R_NONE].sockets, 2 + 3);
	assert_int_equal(rows[VS_R_NONE].joined, 1 + 3);
	assert_int_equal(rows[VS_R_NO_PEER].sockets, 1);
	assert_int_equal(rows[VS_R_SMALL_WRITES].sockets, 2);
	assert_int_equal(rows[VS_R_SMALL_WRITES].joined, 1);
	assert_int_equal(rows[VS_R_SMALL_WRITES].redir_bytes, 14);
	assert_int_equal(rows[VS_R_SMALL_WRITES].pass_bytes, 10);
	/* joined, but its peer never did (unpaired): it stays no_peer */
	e.reason = VS_R_NO_PEER;
	e.joined = 1;
	e.peer_cookie = 0;
	assert_int_equal(vs_coverage_row(&e), VS_R_NO_PEER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_remote_port_layout),
		cmocka_unit_test(test_remote_port_byte_order),
		cmocka_unit_test(test_key_v4),
		cmocka_unit_test(test_key_v6),
		cmocka_unit_test(test_key_v4_equals_v4mapped),
		cmocka_unit_test(test_key_reverse_pairs_ends),
		cmocka_unit_test(test_key_reverse_high_ports),
		cmocka_unit_test(test_key_netns_separates),
		cmocka_unit_test(test_status_from_tcp_state),
		cmocka_unit_test(test_status_never_sending_receiving),
		cmocka_unit_test(test_decide_redirect),
		cmocka_unit_test(test_decide_detached),
		cmocka_unit_test(test_decide_disabled),
		cmocka_unit_test(test_decide_no_peer),
		cmocka_unit_test(test_decide_blocking),
		cmocka_unit_test(test_decide_queue_limit),
		cmocka_unit_test(test_decide_pass_to_redirect),
		cmocka_unit_test(test_decide_precedence),
		cmocka_unit_test(test_decide_reason_iff_pass),
		cmocka_unit_test(test_reason_is_final),
		cmocka_unit_test(test_decide_peer_closed),
		cmocka_unit_test(test_decide_peer_rcvlowat),
		cmocka_unit_test(test_decide_small_writes),
		cmocka_unit_test(test_small_run),
		cmocka_unit_test(test_spin_run),
		cmocka_unit_test(test_coverage_row),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
