// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One socket as JSON (see sockjson.h). Absent facts are null, never a
 * missing member, so a script can read any of them. */
#include <sys/socket.h>
#include <netinet/in.h>
#include "vsock/names.h"
#include "fmt.h"
#include "jsonstr.h"
#include "sockjson.h"

static const char *family_name(unsigned int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "unknown";
}

static const char *type_name(unsigned int type)
{
	return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" :
	       type == SOCK_SEQPACKET ? "seqpacket" : type == SOCK_RAW ? "raw" :
	       "unknown";
}

static const char *protocol_name(unsigned int protocol)
{
	return protocol == IPPROTO_TCP ? "tcp" : protocol == IPPROTO_MPTCP ? "mptcp" :
	       "unknown";
}

static json_t *num_or_null(__u64 v)
{
	return v ? json_integer((json_int_t)v) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *addr_json(const struct vs_addr *a, unsigned int family)
{
	char buf[FMT_ADDR_LEN];

	return json_pack("{s:s, s:i}", "address", fmt_ip(buf, sizeof(buf), a->ip, family),
			 "port", a->port);
}

json_t *vs_sock_tx_json(const struct vs_sock_entry *e)
{
	return json_pack("{s:I, s:I, s:I, s:I}",
			 "redirected_bytes", (json_int_t)e->tx_redir_bytes,
			 "redirected_msgs", (json_int_t)e->tx_redir_msgs,
			 "passed_bytes", (json_int_t)e->tx_pass_bytes,
			 "passed_msgs", (json_int_t)e->tx_pass_msgs);
}

json_t *vs_sock_to_json(const struct vs_sock_entry *e)
{
	char buf[64];
	json_t *comm;

	comm = e->comm[0] ? json_str_repaired(e->comm, sizeof(e->comm)) : json_null();
	fmt_options(buf, sizeof(buf), e->options);
	/* "o" steals a reference and fails the whole pack on a NULL value */
	return json_pack("{s:I, s:o, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o,"
			 " s:I, s:I, s:I, s:b, s:o, s:s, s:o, s:o, s:o, s:o}",
		"cookie", (json_int_t)e->cookie,
		"peer_cookie", num_or_null(e->peer_cookie),
		"status", vs_status_name(e->status),
		/* 0: no TCP state seen yet (the socket was only created or bound) */
		"tcp_state", str_or_null(e->tcp_state ? vs_tcp_state_name(e->tcp_state) : NULL),
		"family", family_name(e->family),
		"type", type_name(e->type),
		"protocol", protocol_name(e->protocol),
		"local", addr_json(&e->local, e->family),
		"remote", addr_json(&e->remote, e->family),
		"pid", num_or_null(e->owner_tgid),
		"comm", comm,
		"cgroup_id", (json_int_t)e->cgroup_id,
		"attach_cgroup_id", (json_int_t)e->attach_cgroup_id,
		"netns_cookie", (json_int_t)e->netns_cookie,
		"accelerated", (int)e->in_sockhash,
		/* the send path means something only while the socket is in the map */
		"path", str_or_null(e->in_sockhash ? vs_tx_mode_name(e->tx_mode) : NULL),
		"reason", vs_reason_name(e->reason),
		/* the policy rule that denied it (vsockctl policy list) */
		"rule", num_or_null(e->reason == VS_R_POLICY ? e->rule_id : 0),
		"to_join", str_or_null(e->in_sockhash ? NULL : vs_reason_join(e->reason)),
		"options", json_csv_array(buf),
		"tx", vs_sock_tx_json(e));
}
