// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names of the ABI enums. One table each, indexed by the enum value; the
 * static asserts make a new enum value without a name a build error. JSON
 * output and scripts depend on these strings: never rename one. */
#include <stddef.h>
#include <strings.h>
#include "vsock/names.h"
#include "vsock/policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {
	[VS_ST_UNCONNECTED]	= "unconnected",
	[VS_ST_BOUND]		= "bound",
	[VS_ST_LISTENING]	= "listening",
	[VS_ST_CONNECTING]	= "connecting",
	[VS_ST_CONNECTED]	= "connected",
	[VS_ST_SENDING]		= "sending",
	[VS_ST_RECEIVING]	= "receiving",
	[VS_ST_SHUTDOWN]	= "shutdown",
	[VS_ST_DISCONNECTED]	= "disconnected",
	[VS_ST_TERMINATED]	= "terminated",
};
_Static_assert(ARRAY_SIZE(status_names) == VS_ST_MAX, "a status has no name");

static const char *const reason_names[] = {
	[VS_R_NONE]		= "none",
	[VS_R_NOT_ESTABLISHED]	= "not_established",
	[VS_R_NO_PEER]		= "no_peer",
	[VS_R_BLOCKING]		= "blocking",
	[VS_R_MPTCP]		= "mptcp",
	[VS_R_ULP]		= "ulp",
	[VS_R_OTHER_MAP]	= "other_map",
	[VS_R_MAP_FULL]		= "map_full",
	[VS_R_QUEUE_LIMIT]	= "queue_limit",
	[VS_R_TCP_UNREAD]	= "tcp_unread",
	[VS_R_DETACHED]		= "detached",
	[VS_R_NO_STATE]		= "no_state",
	[VS_R_INSERT_FAILED]	= "insert_failed",
	[VS_R_LISTENER_UNKNOWN]	= "listener_unknown",
	[VS_R_SMALL_WRITES]	= "small_writes",
	[VS_R_BUSY_POLL]	= "busy_poll",
	[VS_R_RCVLOWAT]		= "rcvlowat",
	[VS_R_NOT_USED]		= "not_used",
	[VS_R_PROXIED]		= "proxied",
	[VS_R_DISABLED]		= "disabled",
	[VS_R_POLICY]		= "policy",
	[VS_R_SECURE]		= "secure",
};
_Static_assert(ARRAY_SIZE(reason_names) == VS_R_MAX, "a reason has no name");

static const char *const reason_texts[] = {
	[VS_R_NONE]		= "on the fast path",
	[VS_R_NOT_ESTABLISHED]	= "not a connected socket (yet)",
	[VS_R_NO_PEER]		= "its peer is not on the fast path: on another host, outside attached cgroups or this network namespace, blocking, or leaving",
	[VS_R_BLOCKING]		= "blocking socket: the fast path would return spurious EAGAIN",
	[VS_R_MPTCP]		= "MPTCP socket",
	[VS_R_ULP]		= "has an upper-layer protocol (kTLS, ...)",
	[VS_R_OTHER_MAP]	= "already in another tool's sockmap",
	[VS_R_MAP_FULL]		= "sockhash or socket table full",
	[VS_R_QUEUE_LIMIT]	= "receiver has too many unread fast-path bytes",
	[VS_R_TCP_UNREAD]	= "bytes sent through TCP are still unread",
	[VS_R_DETACHED]		= "its cgroup was detached",
	[VS_R_NO_STATE]		= "no per-socket state (socket predates attach)",
	[VS_R_INSERT_FAILED]	= "sockhash insert failed",
	[VS_R_LISTENER_UNKNOWN]	= "accepted from a listener that predates attach: blocking mode unknown",
	[VS_R_SMALL_WRITES]	= "a long one-way run of small writes: TCP carries those faster",
	[VS_R_BUSY_POLL]	= "its reader busy-polls: a redirect would sleep on its socket lock",
	[VS_R_RCVLOWAT]		= "it set SO_RCVLOWAT: the fast path would wake it below the mark",
	[VS_R_NOT_USED]		= "not used enough yet: joins once a process has read or written it a few times with a non-blocking file",
	[VS_R_PROXIED]		= "a proxied connection: vsockd's relay carries it",
	[VS_R_DISABLED]		= "the fast path is disabled (vsockctl disable), globally or for its cgroup",
	[VS_R_POLICY]		= "a policy rule denies it (vsockctl policy list)",
	[VS_R_SECURE]		= "secure mode: its peer is in a cgroup the other end's secure cgroup does not allow",
};
_Static_assert(ARRAY_SIZE(reason_texts) == VS_R_MAX, "a reason has no text");

/* What would let a socket off the fast path for this reason join it. */
static const char *const reason_joins[] = {
	[VS_R_NONE]		= NULL,
	[VS_R_NOT_ESTABLISHED]	= "being connected",
	[VS_R_NO_PEER]		= "a peer on this host, in an attached cgroup and the same network namespace, that uses the fast path",
	[VS_R_BLOCKING]		= "a non-blocking file (fcntl O_NONBLOCK), with vsockd running",
	[VS_R_MPTCP]		= "never: MPTCP is left alone",
	[VS_R_ULP]		= "never: sockets with a ULP are left alone",
	[VS_R_OTHER_MAP]	= "never while another tool's sockmap holds it",
	[VS_R_MAP_FULL]		= "room in the maps, with vsockd running",
	[VS_R_QUEUE_LIMIT]	= "its reader catching up: it goes back by itself",
	[VS_R_TCP_UNREAD]	= "its peer reading what TCP brought: it goes back by itself",
	[VS_R_DETACHED]		= "its cgroup attached again, with vsockd running",
	[VS_R_NO_STATE]		= "a new connection: this one predates the attach",
	[VS_R_INSERT_FAILED]	= "a new connection",
	[VS_R_LISTENER_UNKNOWN]	= "vsockd running (it joins on its own file flags)",
	[VS_R_SMALL_WRITES]	= "never: TCP carries a one-way run of small writes faster",
	[VS_R_BUSY_POLL]	= "never: a busy-polling reader is faster on TCP",
	[VS_R_RCVLOWAT]		= "SO_RCVLOWAT back at 1, with vsockd running",
	[VS_R_NOT_USED]		= "a few reads or writes with a non-blocking file",
	[VS_R_PROXIED]		= "never: the proxy relays it",
	[VS_R_DISABLED]		= "vsockctl enable, then a new connection (or vsockd's joiner)",
	[VS_R_POLICY]		= "a rule that allows it, then a new connection (or vsockd's joiner)",
	[VS_R_SECURE]		= "a new connection once the secure cgroup allows its peer's (attach --allow-cgroup)",
};
_Static_assert(ARRAY_SIZE(reason_joins) == VS_R_MAX, "a reason has no join hint");

static const char *const counter_names[] = {
	[VS_C_SOCK_CREATED]	= "sock_created",
	[VS_C_SOCK_RELEASED]	= "sock_released",
	[VS_C_SOCK_DESTROYED]	= "sock_destroyed",
	[VS_C_NON_TCP]		= "non_tcp",
	[VS_C_MPTCP]		= "mptcp",
	[VS_C_ESTABLISHED]	= "established",
	[VS_C_INSERTED]		= "inserted",
	[VS_C_SKIP_NO_PEER]	= "skip_no_peer",
	[VS_C_SKIP_BLOCKING]	= "skip_blocking",
	[VS_C_SKIP_LISTENER_UNKNOWN] = "skip_listener_unknown",
	[VS_C_SKIP_ULP]		= "skip_ulp",
	[VS_C_SKIP_OTHER_MAP]	= "skip_other_map",
	[VS_C_SKIP_MAP_FULL]	= "skip_map_full",
	[VS_C_PEER_EVICTED]	= "peer_evicted",
	[VS_C_SKIP_INSERT_ERR]	= "skip_insert_err",
	[VS_C_SOCKTBL_FULL]	= "socktbl_full",
	[VS_C_MSG_REDIRECTED]	= "msg_redirected",
	[VS_C_BYTES_REDIRECTED]	= "bytes_redirected",
	[VS_C_MSG_PASSED]	= "msg_passed",
	[VS_C_BYTES_PASSED]	= "bytes_passed",
	[VS_C_PASS_NO_STATE]	= "pass_no_state",
	[VS_C_PASS_NO_PEER]	= "pass_no_peer",
	[VS_C_PASS_BLOCKING]	= "pass_blocking",
	[VS_C_PASS_QUEUE_LIMIT]	= "pass_queue_limit",
	[VS_C_PASS_TCP_UNREAD]	= "pass_tcp_unread",
	[VS_C_PASS_DETACHED]	= "pass_detached",
	[VS_C_TO_PASS]		= "to_pass",
	[VS_C_LEFT_BLOCKING]	= "left_blocking",
	[VS_C_LEFT_DONE]	= "left_done",
	[VS_C_PASS_SMALL_WRITES] = "pass_small_writes",
	[VS_C_LEFT_BUSY_POLL]	= "left_busy_poll",
	[VS_C_PASS_RCVLOWAT]	= "pass_rcvlowat",
	[VS_C_RX_OVERLAP_TRIMMED] = "rx_overlap_trimmed",
	[VS_C_RX_OVERLAP_FAILED] = "rx_overlap_failed",
	[VS_C_SKIP_RCVLOWAT]	= "skip_rcvlowat",
	[VS_C_JOIN_QUEUED]	= "join_queued",
	[VS_C_JOINED]		= "joined",
	[VS_C_JOIN_REFUSED]	= "join_refused",
	[VS_C_RX_BLOCKING_IN_MAP] = "rx_blocking_in_map",
	[VS_C_RX_BLOCKING_EAGAIN] = "rx_blocking_eagain",
	[VS_C_EVENTS]		= "events",
	[VS_C_EVENTS_LOST]	= "events_lost",
	[VS_C_TO_REDIRECT]	= "to_redirect",
	[VS_C_SKIP_PROXIED]	= "skip_proxied",
	[VS_C_SVC_DIRECT]	= "svc_direct",
	[VS_C_SVC_PROXY]	= "svc_proxy",
	[VS_C_SVC_REFUSED]	= "svc_refused",
	[VS_C_SVC_MARKED]	= "svc_marked",
	[VS_C_SVC_BACKEND_OK]	= "svc_backend_ok",
	[VS_C_SVC_BACKEND_FAIL]	= "svc_backend_fail",
	[VS_C_SVC_BACKEND_DOWN]	= "svc_backend_down",
	[VS_C_PASS_DISABLED]	= "pass_disabled",
	[VS_C_SKIP_DISABLED]	= "skip_disabled",
	[VS_C_PASS_POLICY]	= "pass_policy",
	[VS_C_SKIP_POLICY]	= "skip_policy",
	[VS_C_PASS_SECURE]	= "pass_secure",
	[VS_C_SKIP_SECURE]	= "skip_secure",
	[VS_C_JOIN_CLOCKED]	= "join_clocked",
};
_Static_assert(ARRAY_SIZE(counter_names) == VS_C_MAX, "a counter has no name");

/* Prometheus HELP lines; keep in step with the comments in abi.h. */
static const char *const counter_texts[] = {
	[VS_C_SOCK_CREATED]	= "TCP sockets created in attached cgroups",
	[VS_C_SOCK_RELEASED]	= "TCP sockets closed by their process",
	[VS_C_SOCK_DESTROYED]	= "Socket table entries removed when the kernel freed the socket",
	[VS_C_NON_TCP]		= "Non-TCP sockets left alone",
	[VS_C_MPTCP]		= "MPTCP sockets and subflows left alone",
	[VS_C_ESTABLISHED]	= "Connections seen established",
	[VS_C_INSERTED]		= "Sockets put into the sockhash",
	[VS_C_SKIP_NO_PEER]	= "Passive sockets whose peer is not tracked",
	[VS_C_SKIP_BLOCKING]	= "Blocking sockets left on TCP",
	[VS_C_SKIP_LISTENER_UNKNOWN] = "Accepted sockets whose listener predates attach, left on TCP",
	[VS_C_SKIP_ULP]		= "Sockets with an upper-layer protocol left on TCP",
	[VS_C_SKIP_OTHER_MAP]	= "Sockets already in another sockmap (EBUSY)",
	[VS_C_SKIP_MAP_FULL]	= "Sockets not inserted because the sockhash was full",
	[VS_C_PEER_EVICTED]	= "Active ends removed from the sockhash because their peer was refused",
	[VS_C_SKIP_INSERT_ERR]	= "Sockets not inserted because of another error",
	[VS_C_SOCKTBL_FULL]	= "Sockets missing from the socket table because it was full",
	[VS_C_MSG_REDIRECTED]	= "Messages sent through the fast path",
	[VS_C_BYTES_REDIRECTED]	= "Bytes sent through the fast path",
	[VS_C_MSG_PASSED]	= "Messages of tracked sockets sent through TCP",
	[VS_C_BYTES_PASSED]	= "Bytes of tracked sockets sent through TCP",
	[VS_C_PASS_NO_STATE]	= "Messages passed: no per-socket state",
	[VS_C_PASS_NO_PEER]	= "Messages passed: peer not in the sockhash",
	[VS_C_PASS_BLOCKING]	= "Messages passed: blocking socket",
	[VS_C_PASS_QUEUE_LIMIT]	= "Messages passed: receiver queue limit reached",
	[VS_C_PASS_TCP_UNREAD]	= "Messages passed: bytes sent through TCP still unread",
	[VS_C_PASS_DETACHED]	= "Messages passed: cgroup detached",
	[VS_C_TO_PASS]		= "Directions that left the fast path",
	[VS_C_LEFT_BLOCKING]	= "Sockets that turned blocking and left the sockhash",
	[VS_C_LEFT_DONE]	= "Sockets that left the sockhash because their fast path was over",
	[VS_C_PASS_SMALL_WRITES] = "Messages passed to TCP: small-write stream",
	[VS_C_LEFT_BUSY_POLL]	= "Sockets that left the sockhash: their reader busy-polls",
	[VS_C_PASS_RCVLOWAT]	= "Messages passed: the receiver set SO_RCVLOWAT",
	[VS_C_RX_OVERLAP_TRIMMED] = "TCP segments whose head, delivered before, was cut off (a retransmission overlapping, or read through TCP before the socket joined)",
	[VS_C_RX_OVERLAP_FAILED] = "TCP segments whose old head could not be cut (duplicate bytes)",
	[VS_C_SKIP_RCVLOWAT]	= "Sockets left on TCP at establishment: SO_RCVLOWAT set",
	[VS_C_JOIN_QUEUED]	= "Sockets queued to join the sockhash late",
	[VS_C_JOINED]		= "Sockets that joined the sockhash late (vsockd's joiner)",
	[VS_C_JOIN_REFUSED]	= "Queued sockets the joiner found not eligible",
	[VS_C_RX_BLOCKING_IN_MAP] = "Reads without MSG_DONTWAIT on a socket of the sockhash (blocking readers on tcp_bpf)",
	[VS_C_RX_BLOCKING_EAGAIN] = "EAGAIN returned to a blocking read without SO_RCVTIMEO on a tracked socket",
	[VS_C_EVENTS]		= "Socket events published for vsockd",
	[VS_C_EVENTS_LOST]	= "Socket events dropped: ring buffer full (no or slow consumer)",
	[VS_C_TO_REDIRECT]	= "Directions that joined the fast path after TCP drained",
	[VS_C_SKIP_PROXIED]	= "Sockets kept off the sockhash: proxied connections",
	[VS_C_SVC_DIRECT]	= "Connects to a virtual service rewritten to a backend",
	[VS_C_SVC_PROXY]	= "Connects to a virtual service rewritten to vsockd's proxy",
	[VS_C_SVC_REFUSED]	= "Connects to a virtual service refused (no proxy listener, no backend of the family)",
	[VS_C_SVC_MARKED]	= "Connects of vsockd's marked sockets left alone",
	[VS_C_SVC_BACKEND_OK]	= "Connects to a virtual service established",
	[VS_C_SVC_BACKEND_FAIL]	= "Connects to a virtual service refused or timed out",
	[VS_C_SVC_BACKEND_DOWN]	= "Backends marked down after failures in a row",
	[VS_C_PASS_DISABLED]	= "Messages passed: the fast path is disabled (kill switch)",
	[VS_C_SKIP_DISABLED]	= "Sockets kept off the sockhash: the fast path is disabled (kill switch)",
	[VS_C_PASS_POLICY]	= "Messages passed: a policy rule denies the socket",
	[VS_C_SKIP_POLICY]	= "Sockets kept off the sockhash: a policy rule denies them",
	[VS_C_PASS_SECURE]	= "Messages passed: secure mode, the peer's cgroup is not allowed",
	[VS_C_SKIP_SECURE]	= "Sockets kept off the sockhash: secure mode, the peer's cgroup is not allowed",
	[VS_C_JOIN_CLOCKED]	= "Sockets that joined late with TCP bytes queued (the joiner's second pass hands them to the receive verdict)",
};
_Static_assert(ARRAY_SIZE(counter_texts) == VS_C_MAX, "a counter has no text");

static const char *const tx_mode_names[] = {
	[VS_TX_UNDECIDED]	= "undecided",
	[VS_TX_REDIRECT]	= "redirect",
	[VS_TX_PASS]		= "pass",
};
_Static_assert(ARRAY_SIZE(tx_mode_names) == VS_TX_PASS + 1, "a tx mode has no name");

/* As ss(8) prints them; ss also calls TCP_CLOSE "UNCONN". */
static const char *const tcp_state_names[] = {
	[VS_TCP_ESTABLISHED]	= "ESTAB",
	[VS_TCP_SYN_SENT]	= "SYN-SENT",
	[VS_TCP_SYN_RECV]	= "SYN-RECV",
	[VS_TCP_FIN_WAIT1]	= "FIN-WAIT-1",
	[VS_TCP_FIN_WAIT2]	= "FIN-WAIT-2",
	[VS_TCP_TIME_WAIT]	= "TIME-WAIT",
	[VS_TCP_CLOSE]		= "UNCONN",
	[VS_TCP_CLOSE_WAIT]	= "CLOSE-WAIT",
	[VS_TCP_LAST_ACK]	= "LAST-ACK",
	[VS_TCP_LISTEN]		= "LISTEN",
	[VS_TCP_CLOSING]	= "CLOSING",
	[VS_TCP_NEW_SYN_RECV]	= "NEW-SYN-RECV",
};
_Static_assert(ARRAY_SIZE(tcp_state_names) == VS_TCP_NEW_SYN_RECV + 1,
	       "a TCP state has no name");

static const char *lookup(const char *const *table, size_t n, unsigned int i)
{
	if (i >= n || !table[i])
		return "unknown";
	return table[i];
}

const char *vs_status_name(unsigned int status)
{
	return lookup(status_names, ARRAY_SIZE(status_names), status);
}

const char *vs_reason_name(unsigned int reason)
{
	return lookup(reason_names, ARRAY_SIZE(reason_names), reason);
}

const char *vs_reason_text(unsigned int reason)
{
	return lookup(reason_texts, ARRAY_SIZE(reason_texts), reason);
}

const char *vs_reason_join(unsigned int reason)
{
	return reason == VS_R_NONE ? NULL : lookup(reason_joins, ARRAY_SIZE(reason_joins), reason);
}

const char *vs_counter_name(unsigned int counter)
{
	return lookup(counter_names, ARRAY_SIZE(counter_names), counter);
}

const char *vs_counter_text(unsigned int counter)
{
	return lookup(counter_texts, ARRAY_SIZE(counter_texts), counter);
}

const char *vs_tx_mode_name(unsigned int mode)
{
	return lookup(tx_mode_names, ARRAY_SIZE(tx_mode_names), mode);
}

const char *vs_tcp_state_name(unsigned int state)
{
	return lookup(tcp_state_names, ARRAY_SIZE(tcp_state_names), state);
}

/* Case-insensitive: "status CONNECTED" on the command line is not a typo
 * worth an error. */
int vs_status_parse(const char *name)
{
	unsigned int i;

	if (!name)
		return -1;
	for (i = 0; i < ARRAY_SIZE(status_names); i++)
		if (!strcasecmp(name, status_names[i]))
			return (int)i;
	return -1;
}
