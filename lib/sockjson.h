/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The JSON of one socket-table entry, written once: each socket of
 * `vsockctl -j sockets`, and the members after "fd" of a handle in
 * vsockd's handles reply (docs/daemon.md), so scripts read both alike. */
#ifndef VSOCK_LIB_SOCKJSON_H
#define VSOCK_LIB_SOCKJSON_H

#include <jansson.h>
#include "vsock/abi.h"

/* {"cookie", "peer_cookie", "status", "tcp_state", "family", "type",
 * "protocol", "local", "remote", "pid", "comm", "cgroup_id",
 * "attach_cgroup_id", "netns_cookie", "accelerated", "path", "reason",
 * "to_join", "options", "tx"}, in that order; NULL when out of memory. */
json_t *vs_sock_to_json(const struct vs_sock_entry *e);

/* {"redirected_bytes", "redirected_msgs", "passed_bytes", "passed_msgs"}
 * of e's sends: a socket's "tx", and its peer's "rx". */
json_t *vs_sock_tx_json(const struct vs_sock_entry *e);

#endif /* VSOCK_LIB_SOCKJSON_H */
